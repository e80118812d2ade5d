"""Graph WaveNet: gated dilated temporal convolutions and diffusion graph convolutions."""

import torch
from torch import nn

from ..utils._ranges import FloatRange, IntRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._graph import LowRankAdjacency, SparseOperator, normalized_adjacency
from ._layers import BatchNorm1dAnyBatch, ByteDropout
from ._mlp import _UnflattenHead
from ._registry import SPATIAL_SEARCH_KINDS, SPATIO_TEMPORAL_TAGS, BackboneTraits, register_backbone
from ._revin import RevIN


class GraphWaveNet(BaseBackbone):
    """Graph WaveNet (Wu et al., IJCAI 2019) over sparse and learned graphs.

    A stack of ``n_blocks * n_layers`` layers, each a gated dilated causal
    convolution over time (``tanh(filter) * sigmoid(gate)``, dilations
    1, 2, 4, ... within a block) followed by a diffusion graph convolution
    over every support, a residual connection and batch normalization. Skip
    connections of all layers are summed and an MLP head maps them to the
    horizon.

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
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes), default=None
        The given graph. Its forward and backward random-walk transition
        matrices are two supports of the diffusion convolution. ``None``
        leaves only the learned adjacency.
    adaptive : bool, default=True
        Learn an adjacency from node embeddings (Graph WaveNet's
        "self-adaptive" matrix), used as one more support; with
        ``adjacency=None`` it is the only one.
    adaptive_rank : int, default=10
        Size of the node embeddings of the learned adjacency.
    residual_channels : int, default=32
        Width of the residual stream.
    dilation_channels : int, default=32
        Width of the gated convolutions.
    skip_channels : int, default=128
        Width of the skip connections.
    end_channels : int, default=256
        Width of the head's hidden layer.
    n_blocks : int, default=4
        Blocks of dilated layers.
    n_layers : int, default=2
        Layers per block; layer ``l`` of a block has dilation ``2**l``.
    kernel_size : int, default=2
        Width of the temporal convolutions.
    diffusion_order : int, default=2
        Powers ``P, P^2, ..., P^K`` of each support in the graph convolution.
    dropout : float, default=0.3
        Dropout on the output of each graph convolution.
    revin : bool, default=False
        Reversible instance normalization of each series (off, as in the
        paper, which works on standardized data).

    Attributes
    ----------
    supports : torch.nn.ModuleList
        The fixed sparse supports (:class:`SparseOperator`).
    adaptive_adjacency : LowRankAdjacency or None
        The learned adjacency.
    receptive_field : int
        Steps one output sees; shorter windows are zero-padded on the left.
    head : torch.nn.Module
        ``ReLU -> Linear(skip_channels * n_out_steps -> end_channels) ->
        ReLU -> Linear(end_channels -> horizon * n_channels)``.

    Notes
    -----
    Two departures from the reference implementation keep the cost linear
    in the number of edges and nodes:

    - Tensors are node-major and channels-last, ``(n_nodes, batch, steps,
      channels)``: a graph convolution is one sparse product (``O(edges)``)
      on a view, and the dilated convolutions are linear maps of
      concatenated dilated steps (the same function, much faster on a CPU
      than convolutions over ``n_nodes * batch`` short rows).
    - The learned adjacency is a row-stochastic positive kernel of rank
      ``adaptive_rank`` applied without forming the ``N x N`` matrix (see
      :class:`LowRankAdjacency`), where the paper uses the dense
      ``softmax(relu(E1 E2^T))``.

    The paper's output layer keeps the last step of the skip sum; with
    windows longer than the receptive field the remaining steps are
    flattened into the head. :meth:`encode` returns ``(batch, n_nodes,
    skip_channels * n_out_steps)``.

    A training batch with one value per channel (one node, one window and
    one step left after the convolutions), whose batch variance is
    undefined, is batch-normalized with the running statistics, as in
    evaluation mode.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sk_stfm.backbones import GraphWaveNet
    >>> ring = np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1)
    >>> model = GraphWaveNet(12, 6, 2, horizon=3, n_targets=1, adjacency=ring,
    ...                      residual_channels=8, dilation_channels=8, skip_channels=16,
    ...                      end_channels=16)
    >>> model(torch.randn(4, 12, 6, 2)).shape
    torch.Size([4, 3, 6, 1])
    >>> model.receptive_field, len(model.supports)
    (13, 2)
    """

    spatial_context = ("adjacency",)

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        adjacency=None,
        adaptive=True,
        adaptive_rank=10,
        residual_channels=32,
        dilation_channels=32,
        skip_channels=128,
        end_channels=256,
        n_blocks=4,
        n_layers=2,
        kernel_size=2,
        diffusion_order=2,
        dropout=0.3,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        residual_channels = _check_int(residual_channels, "residual_channels")
        dilation_channels = _check_int(dilation_channels, "dilation_channels")
        self.skip_channels = _check_int(skip_channels, "skip_channels")
        self.end_channels = _check_int(end_channels, "end_channels")
        n_blocks = _check_int(n_blocks, "n_blocks")
        n_layers = _check_int(n_layers, "n_layers")
        kernel_size = _check_int(kernel_size, "kernel_size")
        diffusion_order = _check_int(diffusion_order, "diffusion_order")
        dropout = _check_fraction(dropout, "dropout")
        if adjacency is None and not adaptive:
            raise ValueError(
                "GraphWaveNet needs a graph: pass an adjacency (spatial=) or set "
                "adaptive=True to learn one."
            )
        self.revin = RevIN(self.n_channels) if revin else None
        self.supports = nn.ModuleList()
        if adjacency is not None:
            for direction in ("forward", "backward"):
                self.supports.append(
                    SparseOperator(normalized_adjacency(adjacency, direction, self_loops=False))
                )
        self.adaptive_adjacency = (
            LowRankAdjacency(self.n_nodes, _check_int(adaptive_rank, "adaptive_rank"))
            if adaptive
            else None
        )
        n_supports = len(self.supports) + (self.adaptive_adjacency is not None)
        dilations = [2**layer for _ in range(n_blocks) for layer in range(n_layers)]
        self.receptive_field = 1 + sum((kernel_size - 1) * d for d in dilations)
        self.n_out_steps = max(self.n_steps, self.receptive_field) - self.receptive_field + 1
        self.start = nn.Linear(self.n_channels, residual_channels)
        self.layers = nn.ModuleList(
            _GatedGraphLayer(
                residual_channels,
                dilation_channels,
                self.skip_channels,
                kernel_size,
                dilation,
                n_supports,
                diffusion_order,
                dropout,
            )
            for dilation in dilations
        )
        self.diffusion_order = diffusion_order
        self.reset_head(self.horizon, self.n_targets)

    def _operators(self):
        """The supports, fixed and learned, in the order of the mix weights."""
        operators = list(self.supports)
        if self.adaptive_adjacency is not None:
            operators.append(self.adaptive_adjacency)
        return operators

    def _encode(self, x):
        x, statistics = self._normalize(x)
        # (B, T, N, C) -> node-major, channels-last (N, B, T, C): temporal and
        # channel mixing are matrix products on the last axis, and a graph
        # convolution is a sparse product on the first.
        h = x.permute(2, 0, 1, 3)
        if self.n_steps < self.receptive_field:
            h = nn.functional.pad(h, (0, 0, self.receptive_field - self.n_steps, 0))
        h = self.start(h)
        skip = None
        operators = self._operators()
        for layer in self.layers:
            h, skip = layer(h, skip, operators, self.n_out_steps)
        # (N, B, T_out, S) -> (B, N, T_out * S)
        z = skip.transpose(0, 1).reshape(x.shape[0], self.n_nodes, -1)
        return z, statistics

    def _make_head(self, horizon):
        return nn.Sequential(
            nn.ReLU(),
            nn.Linear(self.skip_channels * self.n_out_steps, self.end_channels),
            nn.ReLU(),
            _UnflattenHead(self.end_channels, horizon, self.n_channels),
        )


class _GatedGraphLayer(nn.Module):
    """One Graph WaveNet layer on node-major, channels-last ``(N, B, T, C)`` tensors.

    A dilated convolution of width ``k`` is one linear map of the ``k``
    dilated steps concatenated on the channel axis: on a CPU, matrix products
    on the last axis are much faster than convolutions over many short rows.

    The diffusion convolution ``W_0 h + sum_{s,k} W_{s,k} P_s^k h`` is
    evaluated by Horner's rule, ``P_s (W_{s,1} h + P_s (W_{s,2} h + ...))``:
    channel maps and node propagation commute, so the sum never
    concatenates the ``1 + n_supports * diffusion_order`` terms into one
    wide tensor, whose size (and gradient) dominated the cost on large
    graphs. The weights are those of one linear map of the concatenation,
    as in the paper.
    """

    def __init__(
        self,
        residual,
        dilation_channels,
        skip,
        kernel_size,
        dilation,
        n_supports,
        diffusion_order,
        dropout,
    ):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.diffusion_order = diffusion_order
        n_terms = n_supports * diffusion_order
        # Filter and gate in one product.
        self.temporal = nn.Linear(residual * kernel_size, 2 * dilation_channels)
        self.skip = nn.Linear(dilation_channels, skip)
        self.mix = nn.Linear(dilation_channels * (1 + n_terms), residual)
        self.dropout = ByteDropout(dropout)
        # One node, one window and one step left is one value per channel:
        # a plain BatchNorm1d refuses it in training.
        self.norm = BatchNorm1dAnyBatch(residual)

    def _diffuse(self, h, operators):
        """``mix(cat([h, P_s^k h for every support s, k = 1..K]))`` by Horner's rule."""
        width = h.shape[-1]
        blocks = self.mix.weight.split(width, dim=1)
        out = nn.functional.linear(h, blocks[0], self.mix.bias)
        order = self.diffusion_order
        for index, operator in enumerate(operators):
            weights = blocks[1 + index * order : 1 + (index + 1) * order]
            acc = nn.functional.linear(h, weights[-1])
            for weight in reversed(weights[:-1]):
                acc = nn.functional.linear(h, weight) + operator(acc)
            out = out + operator(acc)
        return out

    def forward(self, h, skip, operators, n_out_steps):
        residual = h
        steps = h.shape[2] - (self.kernel_size - 1) * self.dilation
        taps = [
            h[:, :, k * self.dilation : k * self.dilation + steps] for k in range(self.kernel_size)
        ]
        filter_, gate = self.temporal(torch.cat(taps, dim=-1)).chunk(2, dim=-1)
        h = filter_.tanh() * gate.sigmoid()
        # The skip sum keeps only the steps left after the last layer, so
        # only those are computed (the same sum, a fraction of the work).
        s = self.skip(h[:, :, -n_out_steps:])
        skip = s if skip is None else s + skip
        h = self._diffuse(h, operators)
        h = self.dropout(h) + residual[:, :, -steps:]
        return self.norm(h.reshape(-1, h.shape[-1])).reshape(h.shape), skip


def _sizes(level, history, profile):
    residual, skip, end, blocks = ((16, 64, 128, 2), (32, 128, 256, 4), (64, 256, 512, 4))[level]
    return {
        "residual_channels": residual,
        "dilation_channels": residual,
        "skip_channels": skip,
        "end_channels": end,
        "n_blocks": blocks,
    }


def _memory(params, history, profile):
    layers = params["n_blocks"] * params["n_layers"]
    width = params["residual_channels"] * 12 + params["skip_channels"] * 2
    return profile.n_nodes * history * layers * width


GraphWaveNetConfig = register_backbone(
    "gwnet",
    GraphWaveNet,
    SPATIO_TEMPORAL_TAGS,
    "Graph WaveNet (Wu et al., 2019): gated dilated convolutions + diffusion graph "
    "convolution over the given and a learned adjacency.",
    search_space={
        "residual_channels": IntRange(16, 32, log=True),
        "n_blocks": IntRange(1, 4),
        "dropout": FloatRange(0.0, 0.3),
    },
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(2, "dilated convolutions with graph diffusion"),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("residual_channels", "dilation_channels", "skip_channels", "end_channels"),
    test_params={
        "residual_channels": 8,
        "dilation_channels": 8,
        "skip_channels": 8,
        "end_channels": 16,
        "n_blocks": 1,
        "dropout": 0.0,
    },
).config
