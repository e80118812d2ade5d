"""Epoch-level pruning of Optuna trials from inside a skorch training loop."""

import optuna
from skorch.callbacks import Callback

# Fold ``k``'s epoch ``e`` is reported at step ``k * STEPS_PER_FOLD + e``, so
# the same fold and epoch meet at the same step in every trial, whatever
# ``max_epochs`` each trial drew.
STEPS_PER_FOLD = 100_000


class TrialPruningCallback(Callback):
    """Report a skorch score to an Optuna trial each epoch; stop a poor trial.

    optuna-integration's ``SkorchPruningCallback`` reports at the epoch
    number, which is right for one fit; a cross-validated trial fits once
    per fold, so this one offsets the steps by the fold. It also survives
    the copy that sk_stfm estimators make of user callbacks: copies share
    the trial instead of duplicating its (possibly in-memory) storage.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial to report to.
    fold : int, default=0
        Index of the cross-validation fold this fit belongs to.
    monitor : str, default="valid_loss"
        The history key to report. Losses are reported negated, because
        a search maximises its score.

    Examples
    --------
    >>> import optuna
    >>> study = optuna.create_study(direction="maximize")
    >>> callback = TrialPruningCallback(study.ask(), fold=1)
    >>> callback.step(epoch=3)
    100003
    """

    # Only the task stage is judged: a pre-training stage (masked,
    # contrastive objectives) reports another loss on another scale.
    stages = ("train",)

    def __init__(self, trial, fold=0, monitor="valid_loss"):
        self.trial = trial
        self.fold = fold
        self.monitor = monitor

    def __deepcopy__(self, memo):
        # The trial is a handle on the study's storage: never duplicate it.
        return type(self)(self.trial, self.fold, self.monitor)

    def step(self, epoch):
        """The Optuna step of an epoch of this fold.

        Parameters
        ----------
        epoch : int
            Epoch number, from 1.

        Returns
        -------
        step : int
            ``fold * STEPS_PER_FOLD + epoch``.
        """
        return self.fold * STEPS_PER_FOLD + int(epoch)

    def on_epoch_end(self, net, **kwargs):
        """Report the monitored score; raise ``TrialPruned`` if the pruner says so.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Other arguments skorch passes to callbacks (unused).
        """
        last = net.history[-1]
        if self.monitor not in last:
            return  # no validation split in this fit: nothing to report
        self.trial.report(-float(last[self.monitor]), self.step(last["epoch"]))
        if self.trial.should_prune():
            raise optuna.TrialPruned(
                f"pruned at fold {self.fold}, epoch {last['epoch']} ({self.monitor}="
                f"{last[self.monitor]:.4g})."
            )
