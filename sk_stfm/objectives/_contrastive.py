"""Contrastive pre-training (TS2Vec / STGCL style): agree across augmented views."""

import numbers

import torch
from torch import nn

from ..utils._compat import Interval
from ..utils._ranges import FloatRange
from ._pretraining import PretrainingObjective

AUGMENTATIONS = ("jitter", "scale", "mask", "crop", "node_drop")
# Strength of each augmentation at strength=1 (see Contrastive's Notes).
_JITTER_STD = 0.1
_SCALE_STD = 0.1
_MASK_RATIO = 0.15
_CROP_MIN_KEEP = 0.6
_NODE_DROP_RATIO = 0.2


def _series_std(x):
    return x.std(dim=1, keepdim=True, correction=0).clamp(min=1e-6)


def _crop(x, min_keep):
    """Random contiguous crop of each window, stretched back to full length."""
    batch, n_steps = x.shape[:2]
    if n_steps < 2:
        return x
    keep = min_keep + (1.0 - min_keep) * torch.rand(batch, 1, device=x.device)
    length = keep * (n_steps - 1)
    start = torch.rand(batch, 1, device=x.device) * (n_steps - 1 - length)
    position = start + length * torch.linspace(0, 1, n_steps, device=x.device)  # (B, T)
    lower = position.floor().long().clamp(max=n_steps - 1)
    upper = (lower + 1).clamp(max=n_steps - 1)
    weight = (position - lower).reshape(batch, n_steps, 1, 1)
    index_shape = (batch, n_steps, *x.shape[2:])
    low = torch.gather(x, 1, lower.reshape(batch, n_steps, 1, 1).expand(index_shape))
    high = torch.gather(x, 1, upper.reshape(batch, n_steps, 1, 1).expand(index_shape))
    return low + weight * (high - low)


def augment(x, augmentations, strength=1.0):
    """Apply random augmentations to a batch of windows.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
        Windows.
    augmentations : tuple of str
        Applied in order, each with fresh random parameters per window:
        ``"jitter"`` (Gaussian noise), ``"scale"`` (random gain per series),
        ``"mask"`` (random steps replaced by the series mean), ``"crop"``
        (random sub-window stretched to full length), ``"node_drop"``
        (random nodes replaced by their mean; only with several nodes).
    strength : float, default=1.0
        Multiplies the strength of every augmentation.

    Returns
    -------
    view : torch.Tensor, same shape as ``x``
        An augmented view.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import augment
    >>> augment(torch.randn(4, 24, 3, 2), ("jitter", "crop", "node_drop")).shape
    torch.Size([4, 24, 3, 2])
    """
    unknown = set(augmentations) - set(AUGMENTATIONS)
    if unknown:
        raise ValueError(
            f"augmentations must be drawn from {AUGMENTATIONS}; got {sorted(unknown)}."
        )
    batch, n_steps, n_nodes, n_channels = x.shape
    for name in augmentations:
        if name == "jitter":
            x = x + strength * _JITTER_STD * _series_std(x) * torch.randn_like(x)
        elif name == "scale":
            gain = 1.0 + strength * _SCALE_STD * torch.randn(
                batch, 1, n_nodes, n_channels, device=x.device
            )
            x = x * gain
        elif name == "mask":
            hidden = (
                torch.rand(batch, n_steps, n_nodes, 1, device=x.device) < strength * _MASK_RATIO
            )
            x = torch.where(hidden, x.mean(dim=1, keepdim=True), x)
        elif name == "crop":
            x = _crop(x, max(1.0 - strength * (1.0 - _CROP_MIN_KEEP), 0.05))
        elif name == "node_drop" and n_nodes > 1:
            dropped = (
                torch.rand(batch, 1, n_nodes, 1, device=x.device) < strength * _NODE_DROP_RATIO
            )
            x = torch.where(dropped, x.mean(dim=2, keepdim=True), x)
    return x


class ContrastiveViews(nn.Module):
    """Embed two augmented views of each window with the backbone's encoder.

    Parameters
    ----------
    backbone : BaseBackbone
        The backbone whose ``encode`` is pre-trained.
    augmentations : tuple of str
        Augmentations of each view (see :func:`augment`).
    strength : float
        Strength multiplier of the augmentations.
    projection_dim : int
        Width of the projection head on which the loss is computed.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> from sk_stfm.objectives import ContrastiveViews
    >>> views = ContrastiveViews(MLPBackbone(16, 2, 1, horizon=4), ("jitter",), 1.0, 8)
    >>> [v.shape for v in views(torch.randn(5, 16, 2, 1))]
    [torch.Size([5, 8]), torch.Size([5, 8])]
    """

    def __init__(self, backbone, augmentations, strength, projection_dim):
        super().__init__()
        self.backbone = backbone
        self.augmentations = tuple(augmentations)
        self.strength = strength
        n_features = backbone.representation_size("encode")
        self.projection = nn.Sequential(
            nn.Linear(n_features, projection_dim),
            nn.ReLU(),
            nn.Linear(projection_dim, projection_dim),
        )

    def embed(self, x):
        """Project the encoder's representation of each window.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows.

        Returns
        -------
        embedding : torch.Tensor of shape (batch, projection_dim)
            Projected representations.
        """
        return self.projection(self.backbone.encode(x).reshape(len(x), -1))

    def forward(self, x):
        """Return the embeddings of two independently augmented views.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Windows.

        Returns
        -------
        views : tuple of two torch.Tensor of shape (batch, projection_dim)
            Embeddings of the two views.
        """
        first = augment(x, self.augmentations, self.strength)
        second = augment(x, self.augmentations, self.strength)
        return self.embed(first), self.embed(second)


class InfoNCELoss(nn.Module):
    """Symmetric InfoNCE (NT-Xent): each view must pick its partner in the batch.

    Parameters
    ----------
    temperature : float, default=0.2
        Softmax temperature of the cosine similarities.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.objectives import InfoNCELoss
    >>> z = torch.eye(4)
    >>> float(InfoNCELoss(0.1)((z, z), None)) < 1e-3
    True
    """

    def __init__(self, temperature=0.2):
        super().__init__()
        self.temperature = temperature

    def forward(self, views, target=None):
        """Return the contrastive loss of two batches of embeddings.

        Parameters
        ----------
        views : tuple of two torch.Tensor of shape (batch, dim)
            Embeddings of the two views; row ``i`` of both comes from window ``i``.
        target : ignored
            Present for the training loop's signature.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        first, second = (nn.functional.normalize(v, dim=1) for v in views)
        logits = first @ second.T / self.temperature
        labels = torch.arange(len(first), device=first.device)
        return (
            nn.functional.cross_entropy(logits, labels)
            + nn.functional.cross_entropy(logits.T, labels)
        ) / 2


class Contrastive(PretrainingObjective):
    """Contrastive pre-training of the encoder, then supervised fine-tuning.

    Two augmented views of every window are encoded by the backbone and
    projected; the InfoNCE loss pulls the views of a window together and
    pushes the other windows of the batch away (TS2Vec, STGCL). The task
    head is then trained on ``y``.

    Parameters
    ----------
    temperature : float, default=0.2
        Softmax temperature of InfoNCE.
    augmentations : tuple of str, default=("jitter", "scale", "mask", "crop", "node_drop")
        Augmentations of each view, applied in order (see :func:`augment`);
        ``"node_drop"`` acts only on data with several nodes (graphs, grids).
    strength : float, default=1.0
        Multiplier of the augmentations' strength.
    projection_dim : int, default=64
        Width of the projection head (discarded after pre-training).
    pretrain_epochs : int, default=10
        Maximum epochs of the pre-training stage.
    finetune : {"full", "head", "frozen"}, default="full"
        What trains in the task stage (see
        :meth:`PretrainingObjective.prepare_finetuning`).
    loss : {"mse", "mae", "huber"}, default="mse"
        Point loss of the task stage.

    Notes
    -----
    At ``strength=1`` the augmentations are: jitter with 0.1 standard
    deviations of the series, a gain of standard deviation 0.1, 15 % of
    steps masked, crops keeping at least 60 % of the window, 20 % of nodes
    dropped.

    Examples
    --------
    >>> from sk_stfm.objectives import Contrastive
    >>> Contrastive(temperature=0.1, augmentations=("jitter", "crop")).augmentations
    ('jitter', 'crop')
    """

    _search_space = {"temperature": FloatRange(0.05, 0.5, log=True)}

    _parameter_constraints: dict = {
        **PretrainingObjective._parameter_constraints,
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "augmentations": [tuple, list],
        "strength": [Interval(numbers.Real, 0, None, closed="left")],
        "projection_dim": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        temperature=0.2,
        augmentations=AUGMENTATIONS,
        strength=1.0,
        projection_dim=64,
        pretrain_epochs=10,
        finetune="full",
        loss="mse",
    ):
        self.temperature = temperature
        self.augmentations = augmentations
        self.strength = strength
        self.projection_dim = projection_dim
        self.pretrain_epochs = pretrain_epochs
        self.finetune = finetune
        self.loss = loss

    def make_pretext(self, backbone):
        """Return the two-view model and the InfoNCE loss.

        Parameters
        ----------
        backbone : BaseBackbone
            The freshly built backbone.

        Returns
        -------
        module : ContrastiveViews
            The model to pre-train.
        criterion : InfoNCELoss
            Its loss.
        """
        self._validate_params()
        augment(torch.zeros(1, 2, 1, 1), tuple(self.augmentations))  # validates the names
        views = ContrastiveViews(backbone, self.augmentations, self.strength, self.projection_dim)
        return views, InfoNCELoss(self.temperature)
