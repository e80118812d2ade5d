"""Masked and contrastive pre-training on padded sequences (trajectories).

:class:`Masked` and :class:`Contrastive` hide patches and augment regular
windows, reading every row as observed. Padded sequences mark the end of
each sequence with NaN rows, which interpolation or jitter would fill. This
adapter keeps the objectives' settings and losses and swaps only the
pretext model: masked *points* (START / TrajFM) and trajectory views made by
dropping points, cropping and coordinate noise (TrajCL), with padding kept
as padding.
"""

import torch
from torch import nn

from ._base import BaseObjective
from ._contrastive import Contrastive, InfoNCELoss
from ._masked import Masked, MaskedReconstruction, MaskedReconstructionLoss

# Strength of each trajectory augmentation at strength=1.
_DROP_RATIO = 0.3
_CROP_MIN_KEEP = 0.6
_NOISE_STD = 0.05


class MaskedPointReconstruction(MaskedReconstruction):
    """Reconstruct the features of randomly hidden points of padded sequences.

    Parameters
    ----------
    backbone : TrajectoryTransformer
        A backbone whose ``forward(x, hidden)`` replaces hidden points by a
        mask token and whose head outputs every point.
    mask_ratio : float
        Share of the observed points hidden.
    """

    def __init__(self, backbone, mask_ratio):
        super().__init__(backbone, mask_ratio, patch_len=1)

    def random_mask(self, x):
        """Hide the feature channels of a random share of the observed points.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences.

        Returns
        -------
        hidden : torch.Tensor of bool, same shape as ``x``
            Hidden entries: only feature channels of observed points.
        """
        valid = ~torch.isnan(x[:, :, 0, self.backbone.time_channel])
        points = (torch.rand(valid.shape, device=x.device) < self.mask_ratio) & valid
        hidden = torch.zeros_like(x, dtype=torch.bool)
        hidden[..., self.backbone.feature_channels] = points[:, :, None, None]
        return hidden

    def reconstruct(self, x, hidden):
        """Reconstruct every point with the hidden ones replaced by the mask token.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences.
        hidden : torch.Tensor of bool, same shape as ``x``
            Hidden entries (padding rows included, as NaN).

        Returns
        -------
        reconstruction : torch.Tensor, same shape as ``x``
            The backbone's per-point output.
        """
        valid = ~torch.isnan(x[:, :, 0, self.backbone.time_channel])
        points = hidden[:, :, 0, self.backbone.feature_channels].any(dim=-1) & valid
        return self.backbone(x, hidden=points)


def augment_sequences(x, time_channel, feature_channels, strength=1.0):
    """A random view of padded sequences: drop points, crop, add noise.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
        Padded sequences (NaN rows are padding).
    time_channel : int
        Channel of the time stamps.
    feature_channels : list of int
        Channels that receive Gaussian noise (scaled coordinates).
    strength : float, default=1.0
        At 1: 30 % of the points dropped (the first point of the crop
        always stays, so no view is empty), a contiguous crop of at least 60 % of the points, noise of
        standard deviation 0.05 on the features.

    Returns
    -------
    view : torch.Tensor, same shape as ``x``
        Removed points become NaN rows, like padding.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives._sequence_pretext import augment_sequences
    >>> x = torch.randn(3, 10, 1, 4)
    >>> view = augment_sequences(x, time_channel=1, feature_channels=[2, 3])
    >>> kept = ~torch.isnan(view[:, :, 0, 1])
    >>> view.shape, bool(kept.any(dim=1).all())
    (torch.Size([3, 10, 1, 4]), True)
    """
    valid = ~torch.isnan(x[:, :, 0, time_channel])
    batch, n_steps = valid.shape
    rank = valid.cumsum(dim=1) - 1  # position among the observed points
    count = valid.sum(dim=1, keepdim=True)
    keep_share = max(1.0 - strength * (1.0 - _CROP_MIN_KEEP), 0.05)
    length = (
        count * (keep_share + (1 - keep_share) * torch.rand(batch, 1, device=x.device))
    ).ceil()
    start = ((count - length) * torch.rand(batch, 1, device=x.device)).floor()
    keep = valid & (rank >= start) & (rank < start + length)
    dropped = torch.rand(batch, n_steps, device=x.device) < strength * _DROP_RATIO
    first = rank == start
    keep &= ~dropped | first
    view = torch.where(keep[:, :, None, None], x, torch.nan)
    noise = torch.zeros_like(x)
    noise[..., feature_channels] = (
        strength * _NOISE_STD * torch.randn_like(x[..., feature_channels])
    )
    return view + noise


class SequenceViews(nn.Module):
    """Embed two augmented views of each padded sequence (TrajCL style).

    Parameters
    ----------
    backbone : TrajectoryTransformer
        The backbone whose pooled :meth:`embed` is pre-trained.
    strength : float
        Strength of the augmentations (see :func:`augment_sequences`).
    projection_dim : int
        Width of the projection head on which the loss is computed.
    """

    def __init__(self, backbone, strength, projection_dim):
        super().__init__()
        self.backbone = backbone
        self.strength = strength
        n_features = backbone.representation_size("embed")
        self.projection = nn.Sequential(
            nn.Linear(n_features, projection_dim),
            nn.ReLU(),
            nn.Linear(projection_dim, projection_dim),
        )

    def forward(self, x):
        """Return the projected embeddings of two views.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences.

        Returns
        -------
        views : tuple of two torch.Tensor of shape (batch, projection_dim)
            Embeddings of the two views.
        """
        channels = (self.backbone.time_channel, self.backbone.feature_channels, self.strength)
        return tuple(
            self.projection(self.backbone.embed(augment_sequences(x, *channels)).flatten(1))
            for _ in range(2)
        )


class SequencePretext(BaseObjective):
    """Adapter: a :class:`Masked` or :class:`Contrastive` objective on padded sequences.

    The pretext model is replaced (masked points, trajectory views); the
    wrapped objective's settings (``mask_ratio``, ``temperature``,
    ``strength``, ``projection_dim``, ``pretrain_epochs``, ``finetune``,
    ``loss``) and losses are used as they are. Objectives without a
    pre-training stage pass through.

    Parameters
    ----------
    objective : BaseObjective
        The objective to adapt.

    Examples
    --------
    >>> from sk_stfm.objectives import Masked
    >>> from sk_stfm.objectives._sequence_pretext import SequencePretext
    >>> SequencePretext(Masked(pretrain_epochs=3)).pretrain_epochs
    3
    """

    def __init__(self, objective):
        self.objective = objective

    @property
    def pretrain_epochs(self):
        """Epochs of the wrapped objective's pre-training stage."""
        return self.objective.pretrain_epochs

    @property
    def probabilistic(self):
        """Whether the wrapped objective samples."""
        return self.objective.probabilistic

    def make_criterion(self):
        """Return the wrapped objective's task loss.

        Returns
        -------
        criterion : torch.nn.Module
            The loss module.
        """
        return self.objective.make_criterion()

    def make_pretext(self, backbone):
        """Return the sequence pretext model and the wrapped objective's loss.

        Parameters
        ----------
        backbone : TrajectoryTransformer
            The freshly built backbone.

        Returns
        -------
        pretext : tuple of (torch.nn.Module, torch.nn.Module) or None
            Model and criterion, or ``None`` for objectives without a
            pre-training stage.
        """
        objective = self.objective
        if isinstance(objective, Masked):
            objective._validate_params()
            backbone.reset_head(backbone.n_steps, backbone.n_channels)
            return (
                MaskedPointReconstruction(backbone, objective.mask_ratio),
                MaskedReconstructionLoss(objective.loss),
            )
        if isinstance(objective, Contrastive):
            objective._validate_params()
            views = SequenceViews(backbone, objective.strength, objective.projection_dim)
            return views, InfoNCELoss(objective.temperature)
        if objective.make_pretext(backbone) is not None:
            raise ValueError(
                f"{type(objective).__name__} has no sequence pretext; use Masked or Contrastive."
            )
        return None

    def prepare_finetuning(self, backbone, horizon, n_targets):
        """Delegate to the wrapped objective.

        Parameters
        ----------
        backbone : BaseBackbone
            The pre-trained backbone.
        horizon : int
            Output steps of the task.
        n_targets : int
            Output channels of the task.
        """
        self.objective.prepare_finetuning(backbone, horizon, n_targets)

    def __stfm_tags__(self):
        """Return the tags of the wrapped objective.

        Returns
        -------
        tags : STFMTags
            Its tags.
        """
        return self.objective.__stfm_tags__()
