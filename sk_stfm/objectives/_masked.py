"""Masked modeling (STEP-style): reconstruct hidden patches, then fine-tune."""

import math
import numbers

import torch
from torch import nn

from ..utils._compat import Interval
from ..utils._ranges import FloatRange, IntRange
from ._interpolation import interpolate_hidden
from ._pretraining import PretrainingObjective
from ._regression import MaskedLoss


class MaskedReconstruction(nn.Module):
    """A backbone that reconstructs its input window from randomly hidden patches.

    Every forward pass hides a random ``mask_ratio`` of the time patches of
    every node (all channels of a node together, so no channel gives the
    hidden values away), fills hidden values by linear interpolation of the
    visible ones in the same series, and asks the backbone, whose head
    outputs the whole window, to reconstruct them.

    Parameters
    ----------
    backbone : BaseBackbone
        A backbone whose head maps to ``(batch, n_steps, n_nodes, n_channels)``.
    mask_ratio : float
        Share of patches hidden.
    patch_len : int
        Steps per patch.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import MaskedReconstruction
    >>> model = MaskedReconstruction(MLPBackbone(12, 2, 1, horizon=12), 0.5, patch_len=4)
    >>> reconstruction, hidden = model(torch.randn(3, 12, 2, 1))
    >>> reconstruction.shape, hidden.shape, hidden.dtype
    (torch.Size([3, 12, 2, 1]), torch.Size([3, 12, 2, 1]), torch.bool)
    """

    def __init__(self, backbone, mask_ratio, patch_len):
        super().__init__()
        self.backbone = backbone
        self.mask_ratio = mask_ratio
        self.patch_len = patch_len

    def forward(self, x):
        """Hide patches of ``x`` and reconstruct the window.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows; NaN entries count as hidden.

        Returns
        -------
        reconstruction : torch.Tensor, same shape as ``x``
            The backbone's reconstruction.
        hidden : torch.Tensor of bool, same shape as ``x``
            Which entries were hidden (the loss is taken there only).
        """
        hidden = self.random_mask(x) | torch.isnan(x)
        return self.reconstruct(x, hidden), hidden

    def random_mask(self, x):
        """Draw which entries to hide: whole patches of a node, all channels together.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        hidden : torch.Tensor of bool, same shape as ``x``
            Hidden entries.
        """
        batch, n_steps, n_nodes, _ = x.shape
        n_patches = math.ceil(n_steps / self.patch_len)
        hidden_patches = torch.rand(batch, n_patches, n_nodes, device=x.device) < self.mask_ratio
        hidden = hidden_patches.repeat_interleave(self.patch_len, dim=1)[:, :n_steps]
        return hidden.unsqueeze(-1).expand_as(x)

    def reconstruct(self, x, hidden):
        """Reconstruct the window from its visible entries.

        Hidden entries (and NaN, which must be hidden) are replaced by
        linear interpolation of the visible entries of their series (see
        :func:`interpolate_hidden`) before the backbone.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows; NaN allowed where ``hidden``.
        hidden : torch.Tensor of bool, same shape as ``x``
            Entries the backbone must not see.

        Returns
        -------
        reconstruction : torch.Tensor, same shape as ``x``
            The backbone's output.
        """
        return self.backbone(interpolate_hidden(x, hidden))


class MaskedReconstructionLoss(nn.Module):
    """Point loss over the hidden and observed entries only.

    Parameters
    ----------
    loss : {"mse", "mae", "huber"}, default="mse"
        Element-wise loss.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import MaskedReconstructionLoss
    >>> hidden = torch.tensor([True, False, True])
    >>> MaskedReconstructionLoss()((torch.zeros(3), hidden), torch.tensor([1.0, 9.0, 3.0]))
    tensor(5.)
    """

    def __init__(self, loss="mse"):
        super().__init__()
        self.point_loss = MaskedLoss(loss)

    def forward(self, output, target):
        """Return the loss of the reconstruction on hidden entries.

        Parameters
        ----------
        output : tuple of (torch.Tensor, torch.Tensor)
            Reconstruction and hidden mask from :class:`MaskedReconstruction`.
        target : torch.Tensor
            The original windows; NaN marks values that were never observed.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        reconstruction, hidden = output
        return self.point_loss(reconstruction, torch.where(hidden, target, torch.nan))


class Masked(PretrainingObjective):
    """Masked pre-training of the encoder, then supervised fine-tuning (STEP).

    Before the supervised fit, the backbone learns to reconstruct randomly
    hidden patches of the input windows (loss on hidden entries only), with
    a temporary head that outputs the whole window. The head is then reset
    for the task and the model is fine-tuned on ``y``.

    Parameters
    ----------
    mask_ratio : float, default=0.4
        Share of time patches hidden in each window.
    patch_len : int, default=16
        Steps per hidden patch; windows shorter than it are masked step by
        step in chunks of their own length.
    pretrain_epochs : int, default=10
        Maximum epochs of the pre-training stage (early stopping on the
        validation windows applies, as in fine-tuning).
    finetune : {"full", "head", "frozen"}, default="full"
        ``"full"``: fine-tune every weight. ``"head"``: fine-tune the head
        only, encoder weights fixed. ``"frozen"``: like ``"head"``, and the
        encoder also stays in evaluation mode (no dropout, fixed
        normalization statistics): a linear probe of the representation.
    loss : {"mse", "mae", "huber"}, default="mse"
        Point loss of both stages.

    Examples
    --------
    >>> from sk_stfm.objectives import Masked
    >>> Masked(mask_ratio=0.5, finetune="head").get_params()["finetune"]
    'head'
    """

    # Reconstruction of hidden entries is itself imputation, and its error
    # scores anomalies.
    _tasks = PretrainingObjective._tasks + ("imputation", "anomaly_detection")
    _search_space = {"mask_ratio": FloatRange(0.25, 0.75), "pretrain_epochs": IntRange(2, 10)}

    @classmethod
    def search_space(cls, history=None):
        """The parameters worth searching; masked spans fit windows of ``history`` steps.

        Parameters
        ----------
        history : int or None, default=None
            Length of the input windows, when known.

        Returns
        -------
        params : dict
            ``patch_len`` a quarter of the window (at most 16) when known.
        space : dict
            The mask ratio and the pre-training epochs.

        Examples
        --------
        >>> from sk_stfm.objectives import Masked
        >>> Masked.search_space(history=24)[0]
        {'patch_len': 6}
        """
        params = {} if history is None else {"patch_len": max(1, min(16, history // 4))}
        return params, dict(cls._search_space)

    _parameter_constraints: dict = {
        **PretrainingObjective._parameter_constraints,
        "mask_ratio": [Interval(numbers.Real, 0, 1, closed="neither")],
        "patch_len": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self, mask_ratio=0.4, patch_len=16, pretrain_epochs=10, finetune="full", loss="mse"
    ):
        self.mask_ratio = mask_ratio
        self.patch_len = patch_len
        self.pretrain_epochs = pretrain_epochs
        self.finetune = finetune
        self.loss = loss

    def make_pretext(self, backbone):
        """Return the reconstruction model and loss of the pre-training stage.

        Parameters
        ----------
        backbone : BaseBackbone
            The freshly built backbone; its head is reset to output windows.

        Returns
        -------
        module : MaskedReconstruction
            The model to pre-train.
        criterion : MaskedReconstructionLoss
            Its loss.
        """
        self._validate_params()
        backbone.reset_head(backbone.n_steps, backbone.n_channels)
        patch_len = min(self.patch_len, backbone.n_steps)
        return (
            MaskedReconstruction(backbone, self.mask_ratio, patch_len),
            MaskedReconstructionLoss(self.loss),
        )
