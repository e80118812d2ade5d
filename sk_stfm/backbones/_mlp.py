"""A multilayer perceptron over each node's flattened window."""

import numbers

from torch import nn

from ..utils._ranges import FloatRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._registry import LEARNED_TEMPORAL_TAGS, AutoChoice, BackboneTraits, register_backbone
from ._revin import RevIN


class MLPBackbone(BaseBackbone):
    """Multilayer perceptron over the flattened window of each node.

    The ``n_steps * n_channels`` values of a node's window go through
    ``Linear -> ReLU -> Dropout`` blocks, then a linear head predicts
    ``horizon * n_channels`` values. The weights are shared by all nodes, so
    nodes are independent; channels of one node interact.

    Parameters
    ----------
    n_steps : int
        Length ``T`` of the input window.
    n_nodes : int
        Number of nodes ``N``.
    n_channels : int
        Number of input channels ``C``.
    horizon : int
        Number of output steps.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``. When it
        differs, the head still predicts every input channel (so RevIN can
        denormalize each in its own units) and a ``Linear(n_channels ->
        n_targets)`` (:attr:`channel_map`, initialized to the identity on the
        first channels) maps them to the targets.
    hidden_sizes : tuple of int, default=(64,)
        Widths of the hidden layers; ``()`` gives a linear model.
    dropout : float, default=0.1
        Dropout after each hidden activation.
    revin : bool, default=True
        Normalize each series per window and denormalize the output.
    revin_affine : bool, default=False
        Learn RevIN's per-channel scale and shift.

    Attributes
    ----------
    revin : RevIN or None
        The instance normalization.
    encoder : torch.nn.Sequential
        The hidden layers.
    head : torch.nn.Linear
        ``Linear(hidden_sizes[-1] -> horizon * n_channels)``.
    channel_map : torch.nn.Module
        ``Linear(n_channels -> n_targets)``, or the identity.

    Notes
    -----
    :meth:`encode` returns a tensor of shape
    ``(batch, n_nodes, hidden_sizes[-1])`` (``n_steps * n_channels`` when
    there are no hidden layers).

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import MLPBackbone
    >>> model = MLPBackbone(n_steps=24, n_nodes=5, n_channels=3, horizon=6, n_targets=1)
    >>> model(torch.randn(8, 24, 5, 3)).shape
    torch.Size([8, 6, 5, 1])
    >>> model.encode(torch.randn(8, 24, 5, 3)).shape
    torch.Size([8, 5, 64])
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        hidden_sizes=(64,),
        dropout=0.1,
        revin=True,
        revin_affine=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        if isinstance(hidden_sizes, numbers.Integral):
            hidden_sizes = (hidden_sizes,)
        self.hidden_sizes = tuple(_check_int(h, "hidden_sizes[i]") for h in hidden_sizes)
        dropout = _check_fraction(dropout, "dropout")
        self.revin = RevIN(self.n_channels, affine=revin_affine) if revin else None
        layers = []
        width = self.n_steps * self.n_channels
        for size in self.hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        self.encoder = nn.Sequential(*layers)
        self.n_features = width
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        batch = x.shape[0]
        flat = x.permute(0, 2, 1, 3).reshape(batch, self.n_nodes, -1)  # (B, N, T*C)
        return self.encoder(flat), statistics

    def _make_head(self, horizon):
        return _UnflattenHead(self.n_features, horizon, self.n_channels)


class _UnflattenHead(nn.Linear):
    """``Linear(features -> horizon * channels)`` reshaped to (B, H, N, C)."""

    def __init__(self, n_features, horizon, n_channels):
        super().__init__(n_features, horizon * n_channels)
        self.horizon, self.n_channels = horizon, n_channels

    def forward(self, z):  # (B, N, F) -> (B, H, N, C)
        out = super().forward(z)
        return out.reshape(*z.shape[:2], self.horizon, self.n_channels).transpose(1, 2)


def _memory(params, history, profile):
    inputs = history * profile.n_channels + sum(params["hidden_sizes"])
    return profile.n_nodes * inputs * 3


MLPConfig = register_backbone(
    "mlp",
    MLPBackbone,
    LEARNED_TEMPORAL_TAGS,
    "MLP over each node's flattened window, shared across nodes, with RevIN.",
    config_name="MLPConfig",
    search_space={"hidden_sizes": [(64,), (128,), (64, 64)], "dropout": FloatRange(0.0, 0.3)},
    searched_on=("series", "graph", "grid"),
    traits=BackboneTraits(1, "one MLP per node window: cheap, mixes the channels of a node"),
    sizes=lambda level, history, profile: {"hidden_sizes": ((64,), (256,), (512, 512))[level]},
    memory=_memory,
    width_parameters=("hidden_sizes",),
    test_params={"hidden_sizes": (16,), "revin": False},
    auto={
        # Any window, when no preferred backbone takes it.
        "default": AutoChoice(1),
        # Measured on the UCR panel of the defaults benchmark.
        "classification": AutoChoice(
            1, params={"hidden_sizes": (256, 256), "dropout": 0.2, "revin": False}
        ),
    },
).config
