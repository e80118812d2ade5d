"""A Transformer encoder of irregular trajectories (TrajFM / START / TrajCL style)."""

import torch
from torch import nn

from ..utils._ranges import IntRange
from ..utils._tags import STFMTags
from ._base import BaseBackbone, _check_fraction
from ._config import TrajectoryBackboneConfig
from ._registry import AutoChoice, BackboneTraits, register_backbone

_TIME_ENCODINGS = ("sinusoidal", "learnable")
_POOLINGS = ("mean", "last")


def _valid_points(x, time_channel):
    """Boolean ``(batch, n_steps)``: rows that hold a point (NaN rows are padding)."""
    return ~torch.isnan(x[:, :, 0, time_channel])


def _last_valid(valid):
    """Index of the last valid row of each sequence."""
    steps = torch.arange(valid.shape[1], device=valid.device)
    return torch.where(valid, steps, -1).max(dim=1).values.clamp(min=0)


class _SinusoidalTime(nn.Module):
    """Sine / cosine features of continuous times (Transformer Hawkes style)."""

    def __init__(self, d_model, max_period=10_000.0):
        super().__init__()
        exponent = torch.arange(0, d_model, 2, dtype=torch.float32) / d_model
        self.register_buffer("frequency", max_period**-exponent, persistent=False)
        self.d_model = d_model

    def forward(self, t):
        angle = t.unsqueeze(-1) * self.frequency.to(t.dtype)
        encoding = torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1)
        return encoding[..., : self.d_model]


class _LearnableTime(nn.Module):
    """Time2Vec: one linear and ``d_model - 1`` periodic features of learned frequency."""

    def __init__(self, d_model):
        super().__init__()
        self.linear = nn.Linear(1, d_model)

    def forward(self, t):
        z = self.linear(t.unsqueeze(-1))
        return torch.cat([z[..., :1], torch.sin(z[..., 1:])], dim=-1)


class _PointHead(nn.Module):
    """Per-point outputs: ``(batch, n_steps, 1, d)`` -> ``(batch, n_steps, 1, n_channels)``."""

    def __init__(self, d_model, n_channels):
        super().__init__()
        self.linear = nn.Linear(d_model, n_channels)

    def forward(self, z, valid):
        return self.linear(z)


class _PooledHead(nn.Module):
    """Outputs of a whole sequence from its pooled representation."""

    def __init__(self, d_model, horizon, n_channels, pooling):
        super().__init__()
        self.linear = nn.Linear(d_model, horizon * n_channels)
        self.horizon, self.n_channels, self.pooling = horizon, n_channels, pooling

    def forward(self, z, valid):
        pooled = _pool(z, valid, self.pooling)
        return self.linear(pooled).reshape(len(z), self.horizon, 1, self.n_channels)


def _pool(z, valid, pooling):
    """One vector per sequence ``(batch, d)`` from per-point ``(batch, n_steps, 1, d)``."""
    z = z[:, :, 0]
    if pooling == "last":
        index = _last_valid(valid)
        return z[torch.arange(len(z), device=z.device), index]
    weights = valid.to(z.dtype).unsqueeze(-1)
    return (z * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class TrajectoryTransformer(BaseBackbone):
    """Transformer encoder of padded irregular trajectories.

    The input is the padded sequence layout of
    :func:`~sk_stfm.data.sequences_to_padded`, ``(batch, n_steps, 1,
    n_channels)``: channel 0 the time delta, channel ``time_channel`` the
    time stamps, then the point features (scaled coordinates, ...), and,
    with ``n_tokens > 0``, a last channel of integer cell ids (see
    :class:`~sk_stfm.harmonize.GridTokenizer`). Rows that are NaN in the
    time channel are padding (or points removed by an augmentation): they
    are left out of attention by a key-padding mask and their outputs are
    zero.

    Each point becomes a token: a linear map of its features and of
    ``log1p`` of the time since the previous *observed* point (recomputed
    from the time stamps, so removed points are skipped), plus the
    embedding of its cell id, plus an encoding of its time since the first
    observed point of the sequence, sinusoidal (Transformer Hawkes) or
    learned (Time2Vec): irregular sampling is seen by the model, not
    hidden by an index position. Pre-norm Transformer layers follow.

    Parameters
    ----------
    n_steps : int
        Padded length of a sequence.
    n_nodes : int
        Must be 1 (a trajectory is one moving object).
    n_channels : int
        Channels of the padded layout (time delta, time, features[, token]).
    horizon : int
        Output steps; ``horizon == n_steps`` gives per-point outputs (the
        head of masked reconstruction), any other value outputs from the
        pooled sequence representation.
    n_targets : int or None, default=None
        Output channels; ``None`` means ``n_channels``.
    d_model : int, default=64
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Transformer layers.
    d_ff : int, default=128
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the layers.
    time_encoding : {"sinusoidal", "learnable"}, default="sinusoidal"
        Encoding of the time stamps.
    time_channel : int, default=1
        Channel of the time stamps.
    n_tokens : int, default=0
        Size of the cell-id vocabulary; 0 disables the token embedding.
    causal : bool, default=False
        Each point attends only to itself and earlier points, so that the
        output at a point can predict the next one (next-location models).
    pooling : {"mean", "last"}, default="mean"
        How :meth:`embed` pools the points: mean over observed points, or
        the last observed point.

    Attributes
    ----------
    mask_token : torch.nn.Parameter of shape (d_model,)
        Replaces the features of points hidden by masked pre-training
        (their time encoding is kept, so the model knows when they were).

    Notes
    -----
    :meth:`encode` returns per-point representations ``(batch, n_steps, 1,
    d_model)``; :meth:`embed` pools them to ``(batch, 1, d_model)``.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import TrajectoryTransformer
    >>> from sk_stfm.data import sequences_to_padded
    >>> padded = sequences_to_padded([[[0.0, 0.1, 0.2], [1.0, 0.2, 0.3]], [[0.0, 0.5, 0.5]]])
    >>> x = torch.tensor(padded, dtype=torch.float32)
    >>> model = TrajectoryTransformer(2, 1, 4, horizon=1, n_targets=3, d_model=8, n_heads=2)
    >>> model(x).shape
    torch.Size([2, 1, 1, 3])
    >>> model.embed(x).shape
    torch.Size([2, 1, 8])
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        d_model=64,
        n_heads=4,
        n_layers=2,
        d_ff=128,
        dropout=0.1,
        time_encoding="sinusoidal",
        time_channel=1,
        n_tokens=0,
        causal=False,
        pooling="mean",
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        if self.n_nodes != 1:
            raise ValueError(
                f"n_nodes must be 1: a trajectory is one sequence of points; got {n_nodes}."
            )
        if time_encoding not in _TIME_ENCODINGS:
            raise ValueError(
                f"time_encoding must be one of {_TIME_ENCODINGS}; got {time_encoding!r}."
            )
        if pooling not in _POOLINGS:
            raise ValueError(f"pooling must be one of {_POOLINGS}; got {pooling!r}.")
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be a multiple of n_heads={n_heads}.")
        if not 1 <= time_channel < self.n_channels:
            raise ValueError(
                f"time_channel must be in [1, n_channels={self.n_channels}); got {time_channel}."
            )
        self.d_model, self.time_channel = int(d_model), int(time_channel)
        self.n_tokens, self.causal, self.pooling = int(n_tokens), bool(causal), pooling
        token_channels = 1 if self.n_tokens else 0
        # Feature channels: everything but the delta, the time and the token channel.
        self.feature_channels = [
            c for c in range(1, self.n_channels - token_channels) if c != self.time_channel
        ]
        self.input_projection = nn.Linear(len(self.feature_channels) + 1, self.d_model)
        self.token_embedding = nn.Embedding(self.n_tokens, self.d_model) if self.n_tokens else None
        self.time_encoder = (
            _SinusoidalTime(self.d_model)
            if time_encoding == "sinusoidal"
            else _LearnableTime(self.d_model)
        )
        self.mask_token = nn.Parameter(torch.zeros(self.d_model))
        layer = nn.TransformerEncoderLayer(
            self.d_model,
            n_heads,
            d_ff,
            _check_fraction(dropout, "dropout"),
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, n_layers, norm=nn.LayerNorm(self.d_model), enable_nested_tensor=False
        )
        self.reset_head(horizon, n_targets)

    def _make_head(self, horizon):
        if horizon == self.n_steps:
            return _PointHead(self.d_model, self.n_channels)
        return _PooledHead(self.d_model, horizon, self.n_channels, self.pooling)

    def encode_points(self, x, hidden=None):
        """Return per-point representations and which rows hold a point.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences, NaN rows for padding.
        hidden : torch.Tensor of bool of shape (batch, n_steps) or None, default=None
            Points whose features are replaced by :attr:`mask_token`.

        Returns
        -------
        z : torch.Tensor of shape (batch, n_steps, 1, d_model)
            Representations; zero on padding rows.
        valid : torch.Tensor of bool of shape (batch, n_steps)
            Rows that hold a point.
        """
        self._check_input(x)
        valid = _valid_points(x, self.time_channel)
        x = torch.nan_to_num(x[:, :, 0], nan=0.0)
        t = x[:, :, self.time_channel]
        steps = torch.arange(x.shape[1], device=x.device)
        # Time since the previous observed point, and since the first one.
        last_seen = torch.where(valid, steps, -1).cummax(dim=1).values
        previous = torch.cat([last_seen.new_full((len(x), 1), -1), last_seen[:, :-1]], dim=1)
        previous_t = torch.gather(t, 1, previous.clamp(min=0))
        delta = torch.where(previous >= 0, t - previous_t, torch.zeros_like(t)).clamp(min=0)
        first = torch.where(valid, steps, x.shape[1]).min(dim=1).values.clamp(max=x.shape[1] - 1)
        elapsed = t - torch.gather(t, 1, first.unsqueeze(1))
        features = torch.cat([x[:, :, self.feature_channels], torch.log1p(delta).unsqueeze(-1)], -1)
        tokens = self.input_projection(features)
        if self.token_embedding is not None:
            ids = x[:, :, -1].round().long().clamp(0, self.n_tokens - 1)
            tokens = tokens + self.token_embedding(ids)
        if hidden is not None:
            tokens = torch.where(hidden.unsqueeze(-1), self.mask_token.to(tokens.dtype), tokens)
        tokens = tokens + self.time_encoder(elapsed)
        mask = None
        if self.causal:
            n = x.shape[1]
            mask = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(diagonal=1)
        z = self.encoder(tokens, mask=mask, src_key_padding_mask=~valid)
        z = torch.where(valid.unsqueeze(-1), z, torch.zeros_like(z))
        return z.unsqueeze(2), valid

    def _encode(self, x):
        return self.encode_points(x)[0], None

    def embed(self, x):
        """Return one pooled vector per sequence (see ``pooling``).

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences.

        Returns
        -------
        embedding : torch.Tensor of shape (batch, 1, d_model)
            Sequence embeddings.
        """
        z, valid = self.encode_points(x)
        return _pool(z, valid, self.pooling).unsqueeze(1)

    def forward(self, x, hidden=None):
        """Map padded sequences to outputs.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_steps, 1, n_channels)
            Padded sequences.
        hidden : torch.Tensor of bool of shape (batch, n_steps) or None, default=None
            Points hidden from the model (masked pre-training).

        Returns
        -------
        y : torch.Tensor of shape (batch, horizon, 1, n_targets)
            Per-point outputs when ``horizon == n_steps``, else outputs of
            the pooled sequence.
        """
        z, valid = self.encode_points(x, hidden)
        return self.channel_map(self.head(z, valid))


def _sizes(level, history, profile):
    d_model, n_heads, n_layers, d_ff = ((32, 4, 1, 64), (64, 4, 2, 128), (128, 8, 4, 256))[level]
    return {"d_model": d_model, "n_heads": n_heads, "n_layers": n_layers, "d_ff": d_ff}


# Irregular trajectories only: the input is the padded sequence layout
# (time-delta and time channels, NaN rows of padding), not regular windows.
TrajectoryTransformerConfig = register_backbone(
    "trajectory_transformer",
    TrajectoryTransformer,
    STFMTags(
        data_kinds=("trajectory",),
        dependencies=("temporal", "spatio-temporal"),
        tasks=("forecasting", "classification", "representation"),
        requires=(),
        capabilities=("learned_encoder",),
    ),
    "Trajectory Transformer (TrajFM / START / TrajCL style): points with a continuous "
    "time encoding, optional cell-id tokens and a key-padding mask.",
    config=TrajectoryBackboneConfig,
    search_space={"d_model": IntRange(32, 128, log=True), "n_layers": IntRange(1, 3)},
    traits=BackboneTraits(2, "Transformer over the points"),
    sizes=_sizes,
    width_parameters=("d_model", "d_ff"),
    test_params={"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16, "dropout": 0.0},
    auto={"default": AutoChoice(1)},
).config
