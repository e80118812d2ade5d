"""What every self-supervised objective shares: a pre-training stage, then fine-tuning."""

import numbers

from ..utils._compat import Interval, StrOptions
from ._base import BaseObjective
from ._regression import MaskedLoss

_HEAD_PREFIXES = ("head.", "channel_map.")


def _keep_encoder_in_eval(module, args):
    """Forward pre-hook of ``finetune="frozen"``: the encoder never trains,
    not even its normalization statistics or dropout."""
    for name, child in module.named_children():
        if name not in ("head", "channel_map"):
            child.eval()


class PretrainingObjective(BaseObjective):
    """Base class of objectives that pre-train the encoder before the task.

    Subclasses implement :meth:`make_pretext`; this class owns the
    fine-tuning stage: a fresh task head, what stays frozen, and the
    supervised loss.

    Examples
    --------
    >>> from sk_stfm.objectives import Masked, PretrainingObjective
    >>> isinstance(Masked(), PretrainingObjective)
    True
    """

    # The encoder learns in a pretext stage; the representation serves every
    # task with a head on top of it.
    _tasks = ("forecasting", "classification", "representation")
    _requires = ("learned_encoder",)

    _parameter_constraints: dict = {
        "pretrain_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "finetune": [StrOptions({"full", "head", "frozen"})],
        "loss": [StrOptions({"mse", "mae", "huber"})],
    }

    def make_criterion(self):
        """Return the masked point loss of the fine-tuning stage.

        Returns
        -------
        criterion : MaskedLoss
            The loss module.
        """
        self._validate_params()
        return MaskedLoss(self.loss)

    def prepare_finetuning(self, backbone, horizon, n_targets):
        """Give the pre-trained backbone its task head and freeze what must not train.

        ``finetune="full"`` trains every weight, ``"head"`` only the head
        (encoder weights fixed), ``"frozen"`` only the head with the encoder
        kept in evaluation mode (a linear probe).

        Parameters
        ----------
        backbone : BaseBackbone
            The pre-trained backbone.
        horizon : int
            Output steps of the task.
        n_targets : int
            Output channels of the task.
        """
        backbone.reset_head(horizon, n_targets)
        if self.finetune == "full":
            return
        for name, parameter in backbone.named_parameters():
            if not name.startswith(_HEAD_PREFIXES):
                parameter.requires_grad_(False)
        if self.finetune == "frozen":
            backbone.register_forward_pre_hook(_keep_encoder_in_eval)
