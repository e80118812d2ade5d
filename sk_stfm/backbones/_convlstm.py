"""ConvLSTM: an LSTM whose gates are convolutions over the grid."""

import torch
from torch import nn

from ._base import BaseBackbone, _check_int
from ._grid import resolve_grid_shape, to_frames
from ._mlp import _UnflattenHead
from ._registry import GRID_TAGS, SPATIAL_SEARCH_KINDS, BackboneTraits, register_backbone
from ._revin import RevIN


class ConvLSTM(BaseBackbone):
    """ConvLSTM (Shi et al., NeurIPS 2015) over grids and frames.

    Stacked ConvLSTM cells read the input frames one step at a time; every
    gate is a ``kernel_size x kernel_size`` convolution of the frame and the
    previous hidden state, so each cell's memory mixes its neighbourhood.
    The last hidden states of all layers, per cell, go through a linear head
    to the whole horizon at once.

    Parameters
    ----------
    n_steps : int
        Length ``T`` of the input window.
    n_nodes : int
        Number of cells ``N = H * W``.
    n_channels : int
        Number of input channels ``C``.
    horizon : int
        Number of output steps.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``.
    grid_shape : tuple (int, int) or None, default=None
        ``(H, W)`` of the grid, nodes flattened row-major; ``None`` reads the
        nodes as one column ``(n_nodes, 1)``.
    hidden_channels : int or tuple of int, default=(32, 32)
        Hidden channels of each ConvLSTM layer.
    kernel_size : int, default=3
        Size of the gate convolutions (odd).
    revin : bool, default=False
        Reversible instance normalization of each cell's series.

    Attributes
    ----------
    grid_shape : tuple of int
        The resolved ``(H, W)``.
    cells : torch.nn.ModuleList
        One gate convolution per layer.
    head : torch.nn.Module
        ``Linear(sum(hidden_channels) -> horizon * n_channels)`` per cell.

    Notes
    -----
    The paper's encoder-forecaster unrolls a second ConvLSTM stack over the
    horizon; the head here predicts every horizon step from the encoder's
    final states (a direct multi-step forecast), which trains faster and
    lets :meth:`reset_head` change the horizon. :meth:`encode` returns
    ``(batch, n_nodes, sum(hidden_channels))``.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import ConvLSTM
    >>> model = ConvLSTM(6, 20, 1, horizon=2, grid_shape=(4, 5), hidden_channels=(8,))
    >>> model(torch.randn(3, 6, 20, 1)).shape
    torch.Size([3, 2, 20, 1])
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
        hidden_channels=(32, 32),
        kernel_size=3,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.grid_shape = resolve_grid_shape(grid_shape, self.n_nodes, "ConvLSTM")
        if isinstance(hidden_channels, int):
            hidden_channels = (hidden_channels,)
        self.hidden_channels = tuple(_check_int(h, "hidden_channels[i]") for h in hidden_channels)
        kernel_size = _check_int(kernel_size, "kernel_size")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd; got {kernel_size}.")
        self.revin = RevIN(self.n_channels) if revin else None
        self.cells = nn.ModuleList()
        width = self.n_channels
        for hidden in self.hidden_channels:
            self.cells.append(
                nn.Conv2d(width + hidden, 4 * hidden, kernel_size, padding=kernel_size // 2)
            )
            width = hidden
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        frames = to_frames(x, self.grid_shape)  # (B, T, C, H, W)
        batch = x.shape[0]
        states = [(frames.new_zeros(batch, h, *self.grid_shape),) * 2 for h in self.hidden_channels]
        for step in range(self.n_steps):
            inputs = frames[:, step]
            for layer, cell in enumerate(self.cells):
                hidden, memory = states[layer]
                gates = cell(torch.cat([inputs, hidden], dim=1))
                in_gate, forget, out_gate, candidate = gates.chunk(4, dim=1)
                memory = forget.sigmoid() * memory + in_gate.sigmoid() * candidate.tanh()
                hidden = out_gate.sigmoid() * memory.tanh()
                states[layer] = (hidden, memory)
                inputs = hidden
        last = torch.cat([hidden for hidden, _ in states], dim=1)  # (B, F, H, W)
        return last.reshape(batch, last.shape[1], -1).transpose(1, 2), statistics

    def _make_head(self, horizon):
        return _UnflattenHead(sum(self.hidden_channels), horizon, self.n_channels)


ConvLSTMConfig = register_backbone(
    "convlstm",
    ConvLSTM,
    GRID_TAGS,
    "ConvLSTM (Shi et al., 2015): an LSTM whose gates are convolutions over the grid.",
    search_space={"hidden_channels": [(16,), (32,), (32, 32)]},
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(3, "recurrent convolutions over the grid", max_history=48),
    sizes=lambda level, history, profile: {"hidden_channels": ((16,), (32, 32), (64, 64))[level]},
    memory=lambda params, history, profile: (
        profile.n_nodes * history * sum(params["hidden_channels"]) * 12
    ),
    width_parameters=("hidden_channels",),
    test_params={"hidden_channels": (8,)},
    test_fit_params={"max_epochs": 50, "lr": 3e-2, "patience": None},
).config
