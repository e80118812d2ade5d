"""A spatio-temporal Transformer: attention over time, then over space."""

import torch
from torch import nn

from ..harmonize._laplacian import laplacian_eigenvectors
from ..utils._ranges import IntRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._layers import TransformerEncoderLayer
from ._mlp import _UnflattenHead
from ._registry import SPATIAL_SEARCH_KINDS, SPATIO_TEMPORAL_TAGS, BackboneTraits, register_backbone
from ._revin import RevIN


class STTransformer(BaseBackbone):
    """Factorized spatio-temporal Transformer.

    Every (step, node) value vector becomes a token (a linear embedding plus
    a learned position in time and, when a graph is given, its Laplacian
    positional encoding). Each layer attends over time within every node,
    then over nodes within every step, the factorization of spatio-temporal
    attention used by STTN / ST-Transformer-style models; a linear head maps
    each node's tokens to the horizon.

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
        The graph, used for the Laplacian positional encoding only (the
        spatial attention is over all nodes).
    laplacian_dim : int, default=8
        Eigenvectors of the normalized Laplacian embedded as each node's
        position; 0, or no adjacency, leaves nodes without a position (the
        model is then equivariant to reordering nodes).
    d_model : int, default=32
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Layers, each a temporal then a spatial attention block.
    d_ff : int, default=64
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the attention blocks.
    revin : bool, default=False
        Reversible instance normalization of each series.

    Attributes
    ----------
    temporal_position : torch.nn.Parameter of shape (n_steps, d_model)
        Learned positions in time.
    laplacian_projection : torch.nn.Linear or None
        ``Linear(laplacian_dim -> d_model)`` of the eigenvectors (a buffer
        outside the ``state_dict``, since it comes from ``spatial=``).
    temporal_layers, spatial_layers : torch.nn.ModuleList
        The attention blocks.

    Notes
    -----
    Spatial attention costs ``O(n_nodes^2)`` per step and window: suited to
    graphs of a few hundred nodes. For larger graphs or grids, use
    ``"st_patch_transformer"``, which attends over patches of nodes.
    :meth:`encode` returns ``(batch, n_nodes, n_steps * d_model)``.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sk_stfm.backbones import STTransformer
    >>> ring = np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1)
    >>> model = STTransformer(8, 6, 1, horizon=2, adjacency=ring, laplacian_dim=3,
    ...                       d_model=8, n_heads=2, d_ff=16)
    >>> model(torch.randn(3, 8, 6, 1)).shape
    torch.Size([3, 2, 6, 1])
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
        laplacian_dim=8,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=64,
        dropout=0.1,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.d_model = _check_int(d_model, "d_model")
        n_heads = _check_int(n_heads, "n_heads")
        n_layers = _check_int(n_layers, "n_layers")
        d_ff = _check_int(d_ff, "d_ff")
        laplacian_dim = _check_int(laplacian_dim, "laplacian_dim", minimum=0)
        dropout = _check_fraction(dropout, "dropout")
        self.revin = RevIN(self.n_channels) if revin else None
        self.embedding = nn.Linear(self.n_channels, self.d_model)
        self.temporal_position = nn.Parameter(torch.randn(self.n_steps, self.d_model) * 0.02)
        self.laplacian_projection = None
        if adjacency is not None and laplacian_dim:
            _, vectors = laplacian_eigenvectors(adjacency, laplacian_dim)
            self.register_buffer("laplacian", torch.from_numpy(vectors).float(), persistent=False)
            self.laplacian_projection = nn.Linear(laplacian_dim, self.d_model)

        def block(fused):
            return TransformerEncoderLayer(
                self.d_model,
                n_heads,
                d_ff,
                dropout=dropout,
                norm_first=True,
                fused_attention=fused,
            )

        self.temporal_layers = nn.ModuleList(block(False) for _ in range(n_layers))
        # Attention over hundreds of nodes: the fused kernel never stores the
        # N x N weights of every step and window.
        self.spatial_layers = nn.ModuleList(block(True) for _ in range(n_layers))
        self.norm = nn.LayerNorm(self.d_model)
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        batch, steps, nodes, _ = x.shape
        tokens = self.embedding(x) + self.temporal_position[:, None, :]  # (B, T, N, d)
        if self.laplacian_projection is not None:
            tokens = tokens + self.laplacian_projection(self.laplacian)
        for temporal, spatial in zip(self.temporal_layers, self.spatial_layers, strict=True):
            # Over time within each node, then over nodes within each step.
            tokens = temporal(tokens.transpose(1, 2).reshape(batch * nodes, steps, -1))
            tokens = tokens.reshape(batch, nodes, steps, -1).transpose(1, 2)
            tokens = spatial(tokens.reshape(batch * steps, nodes, -1)).reshape(
                batch, steps, nodes, -1
            )
        z = self.norm(tokens).transpose(1, 2).reshape(batch, nodes, -1)
        return z, statistics

    def _make_head(self, horizon):
        return _UnflattenHead(self.n_steps * self.d_model, horizon, self.n_channels)


def _sizes(level, history, profile):
    d_model, n_heads, n_layers, d_ff = ((16, 2, 1, 32), (32, 4, 2, 64), (64, 8, 3, 128))[level]
    return {"d_model": d_model, "n_heads": n_heads, "n_layers": n_layers, "d_ff": d_ff}


def _memory(params, history, profile):
    layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
    n_nodes = profile.n_nodes
    attention = heads * layers * 2 * (n_nodes * history**2 + history * n_nodes**2)
    return n_nodes * history * width * layers * 10 + attention


STTransformerConfig = register_backbone(
    "st_transformer",
    STTransformer,
    SPATIO_TEMPORAL_TAGS,
    "Factorized spatio-temporal Transformer: attention over time, then over nodes, "
    "with optional Laplacian positions.",
    search_space={"d_model": IntRange(16, 64, step=8), "n_layers": IntRange(1, 3)},
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(
        3, "attention over every step and over all node pairs", node_attention=True, max_history=96
    ),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("d_model", "d_ff"),
    test_params={"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16, "dropout": 0.0},
).config
