"""DLinear: trend / seasonal decomposition followed by two linear maps."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._base import BaseBackbone, _check_int
from ._registry import TEMPORAL_TAGS, BackboneTraits, register_backbone


class SeriesDecomposition(nn.Module):
    """Split series into a moving-average trend and the seasonal remainder.

    The series is padded by repeating its first and last values so the trend
    has the input's length (replicate padding, as in DLinear and Autoformer).

    Parameters
    ----------
    kernel_size : int, default=25
        Window of the moving average. An even size puts one more padded
        value at the end than at the start, so the output keeps the input's
        length (the reference implementation loses one step then).

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones._dlinear import SeriesDecomposition
    >>> decomposition = SeriesDecomposition(kernel_size=5)
    >>> seasonal, trend = decomposition(torch.randn(2, 3, 40))
    >>> seasonal.shape, trend.shape
    (torch.Size([2, 3, 40]), torch.Size([2, 3, 40]))
    """

    def __init__(self, kernel_size=25):
        super().__init__()
        self.kernel_size = _check_int(kernel_size, "kernel_size")

    def moving_average(self, x):
        """Moving average of ``x`` along its last axis, same length.

        Parameters
        ----------
        x : torch.Tensor of shape (..., n_steps)
            Series, time last.

        Returns
        -------
        trend : torch.Tensor of shape (..., n_steps)
            The moving average.
        """
        front = (self.kernel_size - 1) // 2
        end = self.kernel_size - 1 - front
        padded = torch.cat(
            (
                x[..., :1].expand(*x.shape[:-1], front),
                x,
                x[..., -1:].expand(*x.shape[:-1], end),
            ),
            dim=-1,
        )
        flat = padded.reshape(-1, 1, padded.shape[-1])
        return F.avg_pool1d(flat, self.kernel_size, stride=1).reshape(x.shape)

    def forward(self, x):
        """Decompose ``x`` along its last axis.

        Parameters
        ----------
        x : torch.Tensor of shape (..., n_steps)
            Series, time last.

        Returns
        -------
        seasonal : torch.Tensor of shape (..., n_steps)
            ``x - trend``.
        trend : torch.Tensor of shape (..., n_steps)
            The moving average.
        """
        trend = self.moving_average(x)
        return x - trend, trend

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}"


class _IndividualLinear(nn.Module):
    """One ``Linear(in_features -> out_features)`` per series, batched."""

    def __init__(self, n_series, in_features, out_features):
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)  # nn.Linear's default init
        self.weight = nn.Parameter(
            torch.empty(n_series, out_features, in_features).uniform_(-bound, bound)
        )
        self.bias = nn.Parameter(torch.empty(n_series, out_features).uniform_(-bound, bound))

    def forward(self, x):  # (..., n_series, in) -> (..., n_series, out)
        return torch.einsum("...si,soi->...so", x, self.weight) + self.bias


class _DLinearHead(nn.Module):
    """The seasonal and trend linear maps of DLinear, summed."""

    def __init__(self, n_steps, horizon, n_series, individual):
        super().__init__()
        if individual:
            self.seasonal = _IndividualLinear(n_series, n_steps, horizon)
            self.trend = _IndividualLinear(n_series, n_steps, horizon)
        else:
            self.seasonal = nn.Linear(n_steps, horizon)
            self.trend = nn.Linear(n_steps, horizon)

    def forward(self, z):  # (B, N, C, 2, T) -> (B, H, N, C)
        batch, n_nodes, n_channels = z.shape[:3]
        seasonal = z[:, :, :, 0].reshape(batch, n_nodes * n_channels, -1)
        trend = z[:, :, :, 1].reshape(batch, n_nodes * n_channels, -1)
        out = self.seasonal(seasonal) + self.trend(trend)
        return out.reshape(batch, n_nodes, n_channels, -1).permute(0, 3, 1, 2)


class DLinear(BaseBackbone):
    """DLinear: decomposition plus linear maps over time.

    Each input series is split into a moving-average trend and a seasonal
    remainder; one linear layer maps the seasonal part and one the trend
    part from ``n_steps`` to ``horizon`` steps, and the two are summed (Zeng
    et al., "Are Transformers Effective for Time Series Forecasting?",
    AAAI 2023).

    The model is channel- and node-independent: every (node, channel) series
    is forecast from its own past only. When ``n_targets != n_channels`` a
    final ``Linear(n_channels -> n_targets)`` (:attr:`channel_map`,
    initialized to the identity on the first channels) mixes channels per
    node and step; this is the only place channels interact.

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
        Number of output channels; ``None`` means ``n_channels``.
    kernel_size : int, default=25
        Moving-average window of the decomposition.
    individual : bool, default=False
        If False, the two linear layers are shared by all series; if True,
        each of the ``n_nodes * n_channels`` series has its own pair.

    Attributes
    ----------
    decomposition : SeriesDecomposition
        The trend / seasonal split.
    head : torch.nn.Module
        The seasonal and trend linear layers (attributes ``seasonal`` and
        ``trend``); :meth:`reset_head` rebuilds them.
    channel_map : torch.nn.Module
        ``Linear(n_channels -> n_targets)``, or the identity.

    Notes
    -----
    :meth:`encode` returns a tensor of shape
    ``(batch, n_nodes, n_channels, 2, n_steps)``: the seasonal component at
    index 0 and the trend at index 1 of the fourth axis.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import DLinear
    >>> model = DLinear(n_steps=48, n_nodes=3, n_channels=2, horizon=12)
    >>> model(torch.randn(4, 48, 3, 2)).shape
    torch.Size([4, 12, 3, 2])
    >>> model.encode(torch.randn(4, 48, 3, 2)).shape
    torch.Size([4, 3, 2, 2, 48])
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        kernel_size=25,
        individual=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.kernel_size = _check_int(kernel_size, "kernel_size")
        self.individual = bool(individual)
        self.decomposition = SeriesDecomposition(self.kernel_size)
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        series = x.permute(0, 2, 3, 1)  # (B, N, C, T): time last
        seasonal, trend = self.decomposition(series)
        return torch.stack((seasonal, trend), dim=3), None

    def _make_head(self, horizon):
        return _DLinearHead(self.n_steps, horizon, self.n_nodes * self.n_channels, self.individual)


def _sizes(level, history, profile):
    # The moving average must fit the window and be odd.
    kernel = min(25, history if history % 2 else history - 1)
    return {"kernel_size": max(kernel, 1)}


def _memory(params, history, profile):
    return profile.n_nodes * history * profile.n_channels * 4


# DLinear's "encoder" is a fixed moving-average decomposition: nothing a
# self-supervised stage could pre-train, so no "learned_encoder".
DLinearConfig = register_backbone(
    "dlinear",
    DLinear,
    TEMPORAL_TAGS,
    "DLinear (Zeng et al., 2023): moving-average decomposition plus linear maps over time.",
    search_space={"kernel_size": [13, 25, 49]},
    searched_on=("series", "graph", "grid"),
    traits=BackboneTraits(1, "linear maps over time: trains in seconds", True),
    sizes=_sizes,
    memory=_memory,
).config
