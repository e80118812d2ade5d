"""Supervised regression with a masked point loss."""

import numbers

import torch
from torch import nn

from ..utils._compat import Interval, StrOptions
from ._base import BaseObjective


class MaskedLoss(nn.Module):
    """Point loss averaged over the observed (non-NaN) entries of the target.

    Parameters
    ----------
    loss : {"mse", "mae", "huber"}, default="mse"
        Element-wise loss.
    huber_delta : float, default=1.0
        Threshold of the Huber loss.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import MaskedLoss
    >>> MaskedLoss("mse")(torch.zeros(3), torch.tensor([1.0, float("nan"), 3.0]))
    tensor(5.)
    """

    def __init__(self, loss="mse", huber_delta=1.0):
        super().__init__()
        self.loss = loss
        self.huber_delta = huber_delta

    def forward(self, y_pred, y_true):
        """Return the mean loss over observed targets (0 when none is observed).

        Parameters
        ----------
        y_pred : torch.Tensor
            Predictions.
        y_true : torch.Tensor, same shape as ``y_pred``
            Targets; NaN marks entries left out of the loss.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        observed = ~torch.isnan(y_true)
        # Filling with the prediction gives the masked entries zero error and
        # zero gradient, whatever the element-wise loss.
        target = torch.where(observed, y_true, y_pred.detach())
        if self.loss == "mse":
            errors = (y_pred - target) ** 2
        elif self.loss == "mae":
            errors = (y_pred - target).abs()
        else:
            errors = nn.functional.huber_loss(
                y_pred, target, reduction="none", delta=self.huber_delta
            )
        return errors.sum() / observed.sum().clamp(min=1)


class Regression(BaseObjective):
    """Train the backbone to predict the target directly (the default objective).

    Parameters
    ----------
    loss : {"mse", "mae", "huber"}, default="mse"
        Point loss, averaged over observed target entries: NaN in ``y``
        is masked out, never propagated.
    huber_delta : float, default=1.0
        Threshold of the Huber loss.

    Examples
    --------
    >>> from sk_stfm.objectives import Regression
    >>> Regression(loss="mae").make_criterion()
    MaskedLoss()
    """

    _tasks = ("forecasting", "classification")
    _search_space = {"loss": ["mse", "mae"]}

    _parameter_constraints: dict = {
        "loss": [StrOptions({"mse", "mae", "huber"})],
        "huber_delta": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, loss="mse", huber_delta=1.0):
        self.loss = loss
        self.huber_delta = huber_delta

    def make_criterion(self):
        """Return the masked point loss.

        Returns
        -------
        criterion : MaskedLoss
            The loss module.
        """
        self._validate_params()
        return MaskedLoss(self.loss, self.huber_delta)
