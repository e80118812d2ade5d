"""SimVP: a convolutional encoder, translator and decoder for frame prediction."""

import torch
from torch import nn

from ..utils._ranges import IntRange
from ._base import BaseBackbone, _check_int
from ._grid import from_frames, resolve_grid_shape, to_frames
from ._registry import GRID_TAGS, SPATIAL_SEARCH_KINDS, BackboneTraits, register_backbone
from ._revin import RevIN


def _conv_block(in_channels, out_channels, stride=1, groups=1, kernel_size=3):
    # No normalization where SimVP has group normalization: on small frames
    # (down to the 1 x 1 "frames" of a plain series) a per-sample
    # normalization over a few channels erases the signal's level, and batch
    # statistics fail on a single window.
    return nn.Sequential(
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            groups=groups,
        ),
        nn.SiLU(),
    )


class _TranslatorBlock(nn.Module):
    """Large-kernel depthwise + pointwise convolutions with a residual (gSTA-like)."""

    def __init__(self, channels, kernel_size):
        super().__init__()
        self.spatial = _conv_block(channels, channels, groups=channels, kernel_size=kernel_size)
        self.mix = _conv_block(channels, channels, kernel_size=1)

    def forward(self, x):
        return x + self.mix(self.spatial(x))


class SimVP(BaseBackbone):
    """SimVP-style video predictor (Gao et al., CVPR 2022; Tan et al., 2023).

    All convolutional, no recurrence: a shared encoder maps each input frame
    to half-resolution features; a translator stacks the ``T`` frames'
    features on the channel axis and mixes space and time with large-kernel
    depthwise and pointwise convolutions (the gated spatio-temporal
    attention of SimVP v2, without the gate); the decoder upsamples and,
    with a skip connection from the last input frame, predicts every output
    frame at once.

    Parameters
    ----------
    n_steps : int
        Length ``T`` of the input window.
    n_nodes : int
        Number of cells ``N = H * W``.
    n_channels : int
        Number of input channels ``C``.
    horizon : int
        Number of output frames.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``.
    grid_shape : tuple (int, int) or None, default=None
        ``(H, W)`` of the frames, cells flattened row-major; ``None`` reads
        the nodes as one column ``(n_nodes, 1)``.
    hidden_channels : int, default=16
        Channels of the spatial encoder and decoder.
    translator_channels : int, default=64
        Channels of the translator.
    n_translator_blocks : int, default=2
        Translator blocks.
    kernel_size : int, default=5
        Size of the translator's depthwise convolutions (odd).
    revin : bool, default=False
        Reversible instance normalization of each cell's series.

    Attributes
    ----------
    encoder : torch.nn.Sequential
        Per-frame encoder, stride 2.
    translator : torch.nn.Sequential
        Mixing of the stacked frame features.
    head : torch.nn.Module
        Per-frame decoder: ``Conv 1x1 -> horizon * hidden_channels``, then a
        ``3 x 3`` convolution and a ``1 x 1`` projection to ``n_channels``.

    Notes
    -----
    :meth:`encode` returns ``(batch, n_nodes, translator_channels +
    hidden_channels)``: the translator's features upsampled (nearest) to
    every cell, next to the last input frame's encoder features (the skip
    connection). Everything that depends on the horizon is in the head, so
    :meth:`reset_head` can change it.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import SimVP
    >>> model = SimVP(4, 35, 1, horizon=3, grid_shape=(5, 7), hidden_channels=4,
    ...               translator_channels=8)
    >>> model(torch.randn(2, 4, 35, 1)).shape
    torch.Size([2, 3, 35, 1])
    """

    spatial_context = ("grid_shape",)

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        grid_shape=None,
        hidden_channels=16,
        translator_channels=64,
        n_translator_blocks=2,
        kernel_size=5,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.grid_shape = resolve_grid_shape(grid_shape, self.n_nodes, "SimVP")
        self.hidden_channels = _check_int(hidden_channels, "hidden_channels")
        self.translator_channels = _check_int(translator_channels, "translator_channels")
        n_translator_blocks = _check_int(n_translator_blocks, "n_translator_blocks", minimum=0)
        kernel_size = _check_int(kernel_size, "kernel_size")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {kernel_size}.")
        self.revin = RevIN(self.n_channels) if revin else None
        hidden = self.hidden_channels
        self.stem = _conv_block(self.n_channels, hidden)
        self.encoder = _conv_block(hidden, hidden, stride=2)
        self.translator = nn.Sequential(
            _conv_block(self.n_steps * hidden, self.translator_channels, kernel_size=1),
            *(
                _TranslatorBlock(self.translator_channels, kernel_size)
                for _ in range(n_translator_blocks)
            ),
        )
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        batch = x.shape[0]
        frames = to_frames(x, self.grid_shape).reshape(
            batch * self.n_steps, self.n_channels, *self.grid_shape
        )
        stem = self.stem(frames)  # (B * T, hid, H, W)
        encoded = self.encoder(stem)  # (B * T, hid, H', W')
        stacked = encoded.reshape(batch, -1, *encoded.shape[-2:])  # (B, T * hid, H', W')
        latent = nn.functional.interpolate(
            self.translator(stacked), size=self.grid_shape, mode="nearest"
        )
        skip = stem.reshape(batch, self.n_steps, -1, *self.grid_shape)[:, -1]
        features = torch.cat([latent, skip], dim=1)  # (B, F, H, W)
        return features.reshape(batch, features.shape[1], -1).transpose(1, 2), statistics

    def _make_head(self, horizon):
        return _FrameDecoder(
            self.translator_channels + self.hidden_channels,
            self.hidden_channels,
            horizon,
            self.n_channels,
            self.grid_shape,
        )


class _FrameDecoder(nn.Module):
    """Per-cell features ``(B, N, F)`` to ``horizon`` frames ``(B, horizon, N, C)``."""

    def __init__(self, n_features, hidden, horizon, n_channels, grid_shape):
        super().__init__()
        self.horizon, self.hidden, self.grid_shape = horizon, hidden, grid_shape
        self.expand = nn.Conv2d(n_features, horizon * hidden, 1)
        self.refine = _conv_block(hidden, hidden)
        self.project = nn.Conv2d(hidden, n_channels, 1)

    def forward(self, z):
        batch = z.shape[0]
        maps = z.transpose(1, 2).reshape(batch, -1, *self.grid_shape)
        frames = self.expand(maps).reshape(batch * self.horizon, self.hidden, *self.grid_shape)
        out = self.project(self.refine(nn.functional.silu(frames)))
        return from_frames(out.reshape(batch, self.horizon, -1, *self.grid_shape))


def _sizes(level, history, profile):
    hidden, translator, blocks = ((8, 32, 1), (16, 64, 2), (32, 128, 4))[level]
    return {
        "hidden_channels": hidden,
        "translator_channels": translator,
        "n_translator_blocks": blocks,
    }


def _memory(params, history, profile):
    blocks = max(1, params["n_translator_blocks"])
    frames = profile.n_nodes * history * params["hidden_channels"] * 6 * blocks
    return frames + profile.n_nodes * params["translator_channels"] * blocks * 6


SimVPConfig = register_backbone(
    "simvp",
    SimVP,
    GRID_TAGS,
    "SimVP-style video predictor (Gao et al., 2022): convolutional encoder, "
    "translator over stacked frames, and decoder.",
    search_space={"hidden_channels": IntRange(8, 32, log=True), "n_translator_blocks": [1, 2]},
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(2, "convolutional video predictor, all frames at once"),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("hidden_channels", "translator_channels"),
    test_params={"hidden_channels": 8, "translator_channels": 16},
    test_fit_params={"max_epochs": 40, "lr": 3e-3},
).config
