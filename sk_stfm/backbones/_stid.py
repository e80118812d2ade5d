"""STID: an MLP with spatial and temporal identity embeddings."""

import dataclasses
import math

import pandas as pd
import torch
from torch import nn

from ..utils._ranges import IntRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._mlp import _UnflattenHead
from ._registry import SPATIAL_SEARCH_KINDS, SPATIO_TEMPORAL_TAGS, BackboneTraits, register_backbone
from ._revin import RevIN


def _check_channel_pair(pair, n_channels, name):
    if pair is None:
        return None
    if (
        not isinstance(pair, tuple | list)
        or len(pair) != 2
        or not all(isinstance(i, int) and 0 <= i < n_channels for i in pair)
    ):
        raise ValueError(
            f"{name} must be None or a pair (sine_channel, cosine_channel) of channel "
            f"indices in [0, {n_channels}); got {pair!r}."
        )
    return tuple(int(i) for i in pair)


def cycle_index(sine, cosine, period):
    """Recover the position in a cycle from its sine / cosine encoding.

    Parameters
    ----------
    sine, cosine : torch.Tensor
        ``sin(2 pi k / period)`` and ``cos(2 pi k / period)``, as written by
        :class:`~sk_stfm.harmonize.CalendarFeatures`.
    period : int
        Number of positions in the cycle (e.g. 288 five-minute slots a day).

    Returns
    -------
    index : torch.Tensor of int64
        ``k`` in ``[0, period)``, rounded to the nearest position.

    Examples
    --------
    >>> import math
    >>> import torch
    >>> from sk_stfm.backbones._stid import cycle_index
    >>> k = torch.tensor([0.0, 5.0, 287.0])
    >>> angle = 2 * math.pi * k / 288
    >>> cycle_index(angle.sin(), angle.cos(), 288)
    tensor([  0,   5, 287])
    """
    angle = torch.atan2(sine, cosine)
    position = torch.round(angle / (2.0 * math.pi) * period)
    return torch.remainder(position, period).long()


class STID(BaseBackbone):
    """STID (Shao et al., CIKM 2022): spatial and temporal identity embeddings + MLP.

    Each node's window of values is embedded by a linear map, concatenated
    with a learned embedding of the node, of the time of day and of the day
    of week of the window's last step, and passed through residual MLP
    blocks; a linear head predicts the horizon. The identity embeddings let
    a plain MLP tell nodes and times apart, which is what most of the
    spatio-temporal models' gains come from on traffic data.

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
    embed_dim : int, default=32
        Size of the embedding of a node's window of values.
    node_dim : int, default=32
        Size of the node embedding; 0 disables it.
    time_of_day_dim, day_of_week_dim : int, default=32
        Sizes of the time-of-day and day-of-week embeddings (used when the
        matching channels are given).
    time_of_day_channels : tuple (int, int) or None, default=None
        Indices of the sine and cosine channels of the time of day, as
        :class:`~sk_stfm.harmonize.CalendarFeatures` appends them; ``None``
        means no time-of-day embedding.
    day_of_week_channels : tuple (int, int) or None, default=None
        Indices of the sine and cosine channels of the day of week.
    steps_per_day : int, default=288
        Slots of the time-of-day embedding (288 five-minute slots).
    n_layers : int, default=3
        Residual MLP blocks.
    dropout : float, default=0.15
        Dropout inside each block.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Attributes
    ----------
    value_channels : tuple of int
        Channels embedded as values: all but the calendar channels.
    node_embedding : torch.nn.Parameter or None
        ``(n_nodes, node_dim)``.
    time_of_day, day_of_week : torch.nn.Embedding or None
        The temporal identity embeddings.

    Notes
    -----
    The calendar channels are read back as positions in their cycle from
    their sine and cosine (:func:`cycle_index`), so windows carry their time
    through the usual ``CalendarFeatures`` pipeline step instead of extra
    integer inputs. :meth:`encode` returns ``(batch, n_nodes, hidden)`` with
    ``hidden`` the sum of the embedding sizes in use.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import STID
    >>> model = STID(12, 4, 3, horizon=6, n_targets=1, time_of_day_channels=(1, 2),
    ...              steps_per_day=24, embed_dim=8, node_dim=8, time_of_day_dim=8)
    >>> model(torch.randn(2, 12, 4, 3)).shape
    torch.Size([2, 6, 4, 1])
    >>> model.value_channels
    (0,)
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        embed_dim=32,
        node_dim=32,
        time_of_day_dim=32,
        day_of_week_dim=32,
        time_of_day_channels=None,
        day_of_week_channels=None,
        steps_per_day=288,
        n_layers=3,
        dropout=0.15,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        embed_dim = _check_int(embed_dim, "embed_dim")
        node_dim = _check_int(node_dim, "node_dim", minimum=0)
        self.steps_per_day = _check_int(steps_per_day, "steps_per_day")
        n_layers = _check_int(n_layers, "n_layers", minimum=0)
        dropout = _check_fraction(dropout, "dropout")
        self.time_of_day_channels = _check_channel_pair(
            time_of_day_channels, self.n_channels, "time_of_day_channels"
        )
        self.day_of_week_channels = _check_channel_pair(
            day_of_week_channels, self.n_channels, "day_of_week_channels"
        )
        calendar = set(self.time_of_day_channels or ()) | set(self.day_of_week_channels or ())
        self.value_channels = tuple(c for c in range(self.n_channels) if c not in calendar)
        if not self.value_channels:
            raise ValueError("STID needs at least one value channel besides the calendar ones.")
        self.register_buffer("_value_index", torch.tensor(self.value_channels), persistent=False)
        self.revin = RevIN(self.n_channels) if revin else None
        self.value_embedding = nn.Linear(self.n_steps * len(self.value_channels), embed_dim)
        self.node_embedding = (
            nn.Parameter(torch.empty(self.n_nodes, node_dim)) if node_dim else None
        )
        self.time_of_day = (
            nn.Embedding(self.steps_per_day, _check_int(time_of_day_dim, "time_of_day_dim"))
            if self.time_of_day_channels
            else None
        )
        self.day_of_week = (
            nn.Embedding(7, _check_int(day_of_week_dim, "day_of_week_dim"))
            if self.day_of_week_channels
            else None
        )
        for table in (self.node_embedding, self.time_of_day, self.day_of_week):
            if table is not None:
                nn.init.xavier_uniform_(table if isinstance(table, nn.Parameter) else table.weight)
        self.hidden_size = (
            embed_dim
            + node_dim
            + (self.time_of_day.embedding_dim if self.time_of_day is not None else 0)
            + (self.day_of_week.embedding_dim if self.day_of_week is not None else 0)
        )
        self.encoder = nn.Sequential(
            *(_ResidualBlock(self.hidden_size, dropout) for _ in range(n_layers))
        )
        self.reset_head(self.horizon, self.n_targets)

    def _calendar_embedding(self, table, channels, period, last_step):
        index = cycle_index(last_step[..., channels[0]], last_step[..., channels[1]], period)
        return table(index)  # (B, N, dim)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        batch = x.shape[0]
        values = x.index_select(3, self._value_index)
        parts = [self.value_embedding(values.permute(0, 2, 1, 3).reshape(batch, self.n_nodes, -1))]
        if self.node_embedding is not None:
            parts.append(self.node_embedding.expand(batch, -1, -1))
        last_step = x[:, -1]
        if self.time_of_day is not None:
            parts.append(
                self._calendar_embedding(
                    self.time_of_day, self.time_of_day_channels, self.steps_per_day, last_step
                )
            )
        if self.day_of_week is not None:
            parts.append(
                self._calendar_embedding(self.day_of_week, self.day_of_week_channels, 7, last_step)
            )
        return self.encoder(torch.cat(parts, dim=-1)), statistics

    def _make_head(self, horizon):
        return _UnflattenHead(self.hidden_size, horizon, self.n_channels)


class _ResidualBlock(nn.Module):
    """``x + Linear(Dropout(ReLU(Linear(x))))``, STID's encoder block."""

    def __init__(self, width, dropout):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return x + self.fc2(self.dropout(self.fc1(x).relu()))


def _steps_per_day(time_step):
    """Steps in a day for a time step that divides it, else None."""
    if time_step is None or time_step <= pd.Timedelta(0):
        return None
    ratio = pd.Timedelta(days=1) / time_step
    return int(ratio) if float(ratio).is_integer() and ratio >= 1 else None


def _sizes(level, history, profile):
    width = (16, 32, 64)[level]
    return {
        "embed_dim": width,
        "node_dim": width,
        "time_of_day_dim": width,
        "day_of_week_dim": width,
        "steps_per_day": _steps_per_day(profile.time_step) or 288,
        "n_layers": (2, 3, 4)[level],
    }


def _memory(params, history, profile):
    return profile.n_nodes * (params["embed_dim"] * 16 * params["n_layers"] + history)


STIDConfig = register_backbone(
    "stid",
    STID,
    dataclasses.replace(SPATIO_TEMPORAL_TAGS, dependencies=("temporal", "spatial")),
    "STID (Shao et al., 2022): MLP with node, time-of-day and day-of-week embeddings.",
    search_space={"embed_dim": IntRange(16, 64, log=True), "n_layers": IntRange(1, 3)},
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(1, "MLP with node embeddings: among the cheapest spatial models"),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("embed_dim", "node_dim", "time_of_day_dim", "day_of_week_dim"),
    test_params={"embed_dim": 8, "node_dim": 4, "n_layers": 1, "dropout": 0.0},
).config
