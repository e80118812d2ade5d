"""The contract every backbone honours: shapes in, shapes out, a resettable head.

A backbone is a plain :class:`torch.nn.Module`; estimators build it from the
window shape they infer at ``fit`` and never need to know which one it is.
"""

import numbers
from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from ..data._validation import check_int as _check_int


def _check_fraction(value, name):
    if not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1); got {value!r}.")
    return float(value)


def make_channel_map(n_channels, n_targets):
    """Build the layer that turns per-channel outputs into target channels.

    Parameters
    ----------
    n_channels : int
        Channels the backbone forecasts (its input channels).
    n_targets : int
        Channels the caller wants back.

    Returns
    -------
    channel_map : torch.nn.Module
        :class:`torch.nn.Identity` when both numbers agree, otherwise a
        ``Linear(n_channels -> n_targets)`` acting on the last axis.

    Notes
    -----
    The linear map starts as the identity on the first
    ``min(n_channels, n_targets)`` channels (zero bias): covariates are
    appended after the targets in ``X`` (see the data contract), so an
    untrained map already forecasts each target from its own history and
    training only has to learn how covariates help.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones._base import make_channel_map
    >>> make_channel_map(3, 1)(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 4, 5, 1])
    """
    if n_channels == n_targets:
        return nn.Identity()
    layer = nn.Linear(n_channels, n_targets)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.zero_()
        diagonal = torch.arange(min(n_channels, n_targets))
        layer.weight[diagonal, diagonal] = 1.0
    return layer


class BaseBackbone(nn.Module, metaclass=ABCMeta):
    """Abstract base class of sk_stfm backbones.

    Subclasses build their encoder, then call ``self.reset_head(horizon,
    n_targets)`` at the end of ``__init__``. They implement :meth:`_encode`
    (the representation, plus the normalization statistics when the model
    normalizes its input) and :meth:`_make_head`; this class owns the
    forward pass::

        x -> _encode -> head -> denormalize -> channel_map -> y

    Parameters
    ----------
    n_steps : int
        Length ``T`` of the input window.
    n_nodes : int
        Number of nodes ``N`` (1 for a plain multivariate series, ``H*W``
        for a flattened grid).
    n_channels : int
        Number of input channels ``C`` (targets first, then covariates).
    horizon : int
        Number of output steps.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``.

    Attributes
    ----------
    head : torch.nn.Module
        Maps the representation to per-channel outputs of shape
        ``(batch, horizon, n_nodes, n_channels)``.
    channel_map : torch.nn.Module
        Maps the ``n_channels`` outputs to ``n_targets``; the identity when
        they agree (see :func:`make_channel_map`).
    revin : RevIN or None
        Reversible instance normalization, for backbones that use it.
    spatial_context : tuple of str
        Class attribute: the spatial context the backbone takes as keyword
        arguments of the same names, among ``"adjacency"`` and
        ``"grid_shape"`` (empty for models of time only). Estimators pass
        what their ``spatial=`` parameter provides, ``None`` otherwise.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from sk_stfm.backbones import BaseBackbone
    >>> class TimeLinear(nn.Linear):
    ...     def forward(self, z):  # (batch, T, N, C) -> (batch, horizon, N, C)
    ...         return super().forward(z.movedim(1, -1)).movedim(-1, 1)
    >>> class LinearBackbone(BaseBackbone):
    ...     def __init__(self, n_steps, n_nodes, n_channels, horizon, n_targets=None):
    ...         super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
    ...         self.reset_head(horizon, n_targets)
    ...     def _encode(self, x):
    ...         return x, None
    ...     def _make_head(self, horizon):
    ...         return TimeLinear(self.n_steps, horizon)
    >>> model = LinearBackbone(n_steps=8, n_nodes=2, n_channels=3, horizon=4, n_targets=1)
    >>> model(torch.randn(5, 8, 2, 3)).shape
    torch.Size([5, 4, 2, 1])
    """

    spatial_context = ()

    def __init__(self, n_steps, n_nodes, n_channels, horizon, n_targets=None):
        super().__init__()
        # An instance attribute, not a class one: a class attribute would
        # shadow the submodule that nn.Module stores in ``_modules``.
        self.revin = None
        self.n_steps = _check_int(n_steps, "n_steps")
        self.n_nodes = _check_int(n_nodes, "n_nodes")
        self.n_channels = _check_int(n_channels, "n_channels")
        self.horizon = _check_int(horizon, "horizon")
        self.n_targets = (
            self.n_channels if n_targets is None else _check_int(n_targets, "n_targets")
        )

    @abstractmethod
    def _encode(self, x):
        """Return ``(representation, statistics)`` for a validated input.

        ``statistics`` is what ``self.revin.denormalize`` needs, or ``None``
        when the backbone does not normalize its input.
        """

    @abstractmethod
    def _make_head(self, horizon):
        """Return a fresh head mapping the representation to
        ``(batch, horizon, n_nodes, n_channels)``."""

    def _check_input(self, x):
        expected = (self.n_steps, self.n_nodes, self.n_channels)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"{type(self).__name__} expects input of shape (batch, {expected[0]}, "
                f"{expected[1]}, {expected[2]}) = (batch, n_steps, n_nodes, n_channels); "
                f"got {tuple(x.shape)}."
            )

    def _normalize(self, x):
        """``(x, statistics)`` normalized by :attr:`revin`, or ``(x, None)`` without it."""
        if self.revin is None:
            return x, None
        return self.revin.normalize(x)

    def encode(self, x):
        """Return the hidden representation of ``x``, before the head.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        z : torch.Tensor
            The representation; its shape is documented by each backbone.
        """
        self._check_input(x)
        return self._encode(x)[0]

    def embed(self, x):
        """Return one embedding vector per node and window.

        The representation of :meth:`encode` flattened per node; backbones
        whose representation has a time or patch axis pool it first (see
        each backbone's Notes).

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows.

        Returns
        -------
        embedding : torch.Tensor of shape (batch, n_nodes, embedding_size)
            Node embeddings.
        """
        z = self.encode(x)
        return z.reshape(z.shape[0], self.n_nodes, -1)

    def representation_size(self, method="embed"):
        """Return the number of values per window of :meth:`encode` or :meth:`embed`.

        Measured on a probe window in evaluation mode, so the probe neither
        draws dropout masks nor updates normalization statistics.

        Parameters
        ----------
        method : {"embed", "encode"}, default="embed"
            The representation to measure.

        Returns
        -------
        size : int
            Values per window (all nodes together).

        Examples
        --------
        >>> from sk_stfm.backbones import MLPBackbone
        >>> MLPBackbone(24, 5, 3, horizon=6).representation_size()
        320
        """
        reference = next(self.parameters(), None)
        probe = torch.zeros(
            1,
            self.n_steps,
            self.n_nodes,
            self.n_channels,
            dtype=torch.float32 if reference is None else reference.dtype,
            device=None if reference is None else reference.device,
        )
        training = self.training
        self.eval()
        with torch.no_grad():
            size = getattr(self, method)(probe)[0].numel()
        self.train(training)
        return size

    def forward(self, x):
        """Map input windows to outputs.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, n_nodes, n_channels)
            Input windows, float32.

        Returns
        -------
        y : torch.Tensor of shape (batch, horizon, n_nodes, n_targets)
            Outputs in the units of the input.
        """
        self._check_input(x)
        z, statistics = self._encode(x)
        y = self.head(z)
        if statistics is not None:
            y = self.revin.denormalize(y, statistics)
        return self.channel_map(y)

    def reset_head(self, horizon, n_targets=None):
        """Replace the head (and channel map) with freshly initialized ones.

        Used to fine-tune a pre-trained encoder on a new horizon or a new set
        of output channels: the encoder's weights are kept.

        Parameters
        ----------
        horizon : int
            New number of output steps.
        n_targets : int, default=None
            New number of output channels; ``None`` keeps the current one.

        Returns
        -------
        self : BaseBackbone
            The backbone, with new ``head`` and ``channel_map`` placed on the
            device and dtype of its other parameters.
        """
        horizon = _check_int(horizon, "horizon")
        n_targets = (
            getattr(self, "n_targets", self.n_channels)
            if n_targets is None
            else _check_int(n_targets, "n_targets")
        )
        # Match the encoder, which may already live on a GPU or in float64.
        reference = next(
            (
                p
                for name, p in self.named_parameters()
                if not name.startswith(("head.", "channel_map."))
            ),
            None,
        )
        self.horizon, self.n_targets = horizon, n_targets
        head = self._make_head(horizon)
        channel_map = make_channel_map(self.n_channels, n_targets)
        if reference is not None:
            head.to(device=reference.device, dtype=reference.dtype)
            channel_map.to(device=reference.device, dtype=reference.dtype)
        self.head, self.channel_map = head, channel_map
        return self
