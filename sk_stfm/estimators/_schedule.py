"""The training schedule: what ``"auto"`` training parameters resolve to.

The best batch size, number of epochs and validation split depend on how
much data a fit gets: 50 labelled series and 8,000 hourly windows want
different schedules. Every rule lives here, so the docstrings, the fitted
attributes (``batch_size_``, ``max_epochs_``, ...) and the tests read one
place.

The rules, with ``n`` the number of training windows:

- ``batch_size="auto"``: ``min(64, max(8, 2 ** floor(log2(n / 16))))``:
  small data still takes many optimizer steps per epoch.
- ``validation_fraction="auto"``: ``0.1`` when that gives at least
  ``MIN_VALIDATION_WINDOWS`` validation windows, else ``0`` (a handful of
  validation windows stops training on noise: with 5 of them a classifier
  stopped at epoch 6 on the majority class).
- ``max_epochs="auto"``: with validation, ``MAX_EPOCHS_VALIDATED`` epochs
  bounded by early stopping; without, a fixed schedule of about
  ``FIXED_STEPS`` optimizer steps (between ``MIN_FIXED_EPOCHS`` and
  ``MAX_FIXED_EPOCHS`` epochs).
- ``patience="auto"``: ``PATIENCE`` epochs when validating, none otherwise.
- ``lr_schedule="auto"``: with ``max_epochs="auto"``, the learning rate is
  halved when validation stalls for ``PLATEAU_PATIENCE`` epochs, or
  follows a cosine decay to zero over a fixed schedule (the weights of
  the last epoch are kept, so they should come from a small step size);
  with an explicit ``max_epochs`` it stays constant, as it always was.
"""

import math
from dataclasses import dataclass

from skorch.callbacks import Callback

AUTO = "auto"

MIN_VALIDATION_WINDOWS = 50
VALIDATION_FRACTION = 0.1
MAX_EPOCHS_VALIDATED = 100
PATIENCE = 6
PLATEAU_PATIENCE = 2
FIXED_STEPS = 2000
MIN_FIXED_EPOCHS = 20
MAX_FIXED_EPOCHS = 500
LR_SCHEDULES = ("auto", "constant", "cosine", "plateau")


@dataclass(frozen=True)
class TrainingSchedule:
    """A resolved training schedule.

    Parameters
    ----------
    batch_size : int
        Windows per optimization step.
    max_epochs : int
        Maximum passes over the training windows.
    patience : int or None
        Epochs without validation improvement before stopping.
    validation_fraction : float
        Share of the training windows that validates.
    lr_schedule : {"constant", "cosine", "plateau"}
        How the learning rate changes over the epochs.
    """

    batch_size: int
    max_epochs: int
    patience: int | None
    validation_fraction: float
    lr_schedule: str


def auto_batch_size(n_windows):
    """The ``"auto"`` batch size for ``n_windows`` training windows.

    Parameters
    ----------
    n_windows : int
        Number of training windows.

    Returns
    -------
    batch_size : int
        A power of two in ``[8, 64]``.

    Examples
    --------
    >>> from sk_stfm.estimators._schedule import auto_batch_size
    >>> auto_batch_size(50), auto_batch_size(1000), auto_batch_size(8000)
    (8, 32, 64)
    """
    if n_windows < 32:
        return 8
    return int(min(64, max(8, 2 ** math.floor(math.log2(n_windows / 16)))))


def resolve_schedule(estimator, n_windows, *, explicit_validation):
    """Resolve the ``"auto"`` training parameters of ``estimator``.

    Parameters
    ----------
    estimator : BaseSTEstimator
        Reads ``batch_size``, ``max_epochs``, ``patience``,
        ``validation_fraction`` and ``lr_schedule``; explicit values are
        kept as they are.
    n_windows : int
        Number of training windows.
    explicit_validation : bool
        Whether ``fit`` got ``validation_data`` (then the validation part
        is that data, whatever its size).

    Returns
    -------
    schedule : TrainingSchedule
        The values the fit uses.

    Examples
    --------
    >>> from sk_stfm.estimators import STClassifier
    >>> from sk_stfm.estimators._schedule import resolve_schedule
    >>> resolve_schedule(STClassifier(), 50, explicit_validation=False)
    TrainingSchedule(batch_size=8, max_epochs=286, patience=None, validation_fraction=0.0, lr_schedule='cosine')
    """
    batch_size = estimator.batch_size
    if batch_size == AUTO:
        batch_size = auto_batch_size(n_windows)
    fraction = estimator.validation_fraction
    if fraction == AUTO:
        enough = VALIDATION_FRACTION * n_windows >= MIN_VALIDATION_WINDOWS
        fraction = VALIDATION_FRACTION if enough else 0.0
    validates = explicit_validation or fraction > 0
    patience = estimator.patience
    if patience == AUTO:
        patience = PATIENCE if validates else None
    stops_early = validates and patience is not None
    max_epochs = estimator.max_epochs
    if max_epochs == AUTO:
        if stops_early:
            max_epochs = MAX_EPOCHS_VALIDATED
        else:
            steps_per_epoch = max(math.ceil(n_windows * (1 - fraction) / batch_size), 1)
            max_epochs = min(
                MAX_FIXED_EPOCHS, max(MIN_FIXED_EPOCHS, math.ceil(FIXED_STEPS / steps_per_epoch))
            )
    lr_schedule = getattr(estimator, "lr_schedule", "constant")
    if lr_schedule == AUTO:
        if estimator.max_epochs != AUTO:
            lr_schedule = "constant"
        else:
            lr_schedule = "plateau" if stops_early else "cosine"
    return TrainingSchedule(
        int(batch_size), int(max_epochs), patience, float(fraction), lr_schedule
    )


class ScheduledLearningRate(Callback):
    """Set the learning rate of each epoch from the epochs before it.

    The rate is a function of the history alone (the epoch number, and the
    validation losses so far for ``"plateau"``), not of a scheduler's
    internal state, so a fit resumed from a checkpoint continues exactly
    where the uninterrupted one would be.

    Parameters
    ----------
    policy : {"constant", "cosine", "plateau"}
        ``"cosine"``: decay from ``lr`` to zero over ``max_epochs``
        (Loshchilov & Hutter, SGDR, ICLR 2017, without restarts);
        ``"plateau"``: halve the rate each time the validation loss has
        not improved for ``patience`` epochs (PyTorch's
        ``ReduceLROnPlateau`` rule, replayed from the history).
    lr : float
        Initial learning rate.
    max_epochs : int
        Length of the cosine schedule.
    patience : int, default=PLATEAU_PATIENCE
        Epochs without improvement before halving (``"plateau"``).
    factor : float, default=0.5
        Multiplier of each reduction (``"plateau"``).
    min_lr_ratio : float, default=1e-3
        The rate never falls below ``min_lr_ratio * lr`` (``"plateau"``).

    Examples
    --------
    >>> from sk_stfm.estimators._schedule import ScheduledLearningRate
    >>> schedule = ScheduledLearningRate("plateau", lr=1.0, max_epochs=10, patience=1)
    >>> schedule.rate(4, valid_losses=[3.0, 2.0, 2.5, 2.6])
    0.5
    >>> ScheduledLearningRate("cosine", lr=1.0, max_epochs=4).rate(2, [])
    0.5
    """

    def __init__(
        self, policy, lr, max_epochs, patience=PLATEAU_PATIENCE, factor=0.5, min_lr_ratio=1e-3
    ):
        self.policy = policy
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.factor = factor
        self.min_lr_ratio = min_lr_ratio

    def rate(self, epoch, valid_losses):
        """The learning rate of ``epoch`` (0-based) after ``valid_losses``.

        Parameters
        ----------
        epoch : int
            Epochs completed before this one.
        valid_losses : list of float
            Validation losses of the completed epochs.

        Returns
        -------
        lr : float
            The rate.
        """
        if self.policy == "cosine":
            progress = min(epoch, self.max_epochs) / self.max_epochs
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
        if self.policy != "plateau":
            return self.lr
        best, bad, reductions = math.inf, 0, 0
        for loss in valid_losses:
            if loss < best * (1 - 1e-4):
                best, bad = loss, 0
            else:
                bad += 1
                if bad > self.patience:
                    reductions, bad = reductions + 1, 0
        return max(self.lr * self.factor**reductions, self.lr * self.min_lr_ratio)

    def on_epoch_begin(self, net, **kwargs):
        """Set the rate of the epoch that begins (its history row exists)."""
        completed = net.history[:-1]
        losses = [row["valid_loss"] for row in completed if "valid_loss" in row]
        lr = self.rate(len(completed), losses)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record("lr", lr)
