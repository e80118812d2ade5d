"""A Transformer over space-time patches that runs on grids and graphs alike."""

import dataclasses

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from ..data import grid_adjacency, partition_matrix, spatial_partition
from ..harmonize._laplacian import laplacian_eigenvectors
from ..utils._ranges import IntRange
from ._base import BaseBackbone, _check_fraction, _check_int
from ._graph import SparseOperator
from ._layers import TransformerEncoderLayer
from ._mlp import _UnflattenHead
from ._registry import SPATIAL_SEARCH_KINDS, SPATIO_TEMPORAL_TAGS, BackboneTraits, register_backbone
from ._revin import RevIN


class STPatchTransformer(BaseBackbone):
    """UniST-style Transformer over space-time patches, for grids and graphs.

    One spatial patching serves both kinds of space (see Notes): nodes are
    grouped into patches (``patch_size x patch_size`` blocks of a grid, or
    clusters of about ``patch_size**2`` nodes of a graph), time into
    segments of ``patch_len`` steps. Each (patch, segment) is a token made
    of the mean and standard deviation of its nodes' values; a Transformer
    attends over all tokens; each node's forecast comes from its patch's
    tokens and a linear embedding of its own history.

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
        A graph: nodes are clustered spectrally into patches.
    grid_shape : tuple (int, int), default=None
        A grid: cells are grouped in blocks. Takes precedence over
        ``adjacency``. With neither, the nodes are read as a column
        ``(n_nodes, 1)``.
    patch_size : int, default=2
        Side of a grid block; a graph patch holds about ``patch_size**2``
        nodes.
    patch_len : int, default=4
        Steps per temporal segment (the window is left-padded with its first
        value to a multiple).
    d_model : int, default=32
        Token width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=2
        Transformer layers.
    d_ff : int, default=64
        Width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout in the attention blocks.
    position_dim : int, default=8
        Laplacian eigenvectors of the *patch* graph used as each patch's
        position; 0 disables spatial positions.
    revin : bool, default=False
        Reversible instance normalization of each series.
    random_state : int, default=0
        Seed of the graph clustering.

    Attributes
    ----------
    labels : ndarray of shape (n_nodes,)
        The patch of each node.
    n_patches : int
        Number of spatial patches.
    token_embedding : torch.nn.Linear
        ``Linear(2 * patch_len * n_channels -> d_model)``.
    node_embedding : torch.nn.Linear
        ``Linear(n_steps * n_channels -> d_model)`` of each node's history.

    Notes
    -----
    **One patching for grids and graphs.** A grid is cut into ``p x p``
    blocks; a graph is cut by spectral clustering of its normalized
    Laplacian into clusters of about ``p**2`` nodes
    (:func:`~sk_stfm.data.spatial_partition`; on a lattice the clusters are
    the blocks). A patch is then described by statistics that do not depend
    on how many nodes it has (mean and standard deviation per step and
    channel), and located by the Laplacian eigenvectors of the graph of
    patches (two patches are adjacent when any of their nodes are), which a
    grid and a graph both have. Every learned weight is therefore
    independent of the number of nodes, of patches and of the kind of
    space: the same fitted weights run on a grid data set and on a graph
    data set with the same window length and channels, the transfer the
    survey asks for (its open question 4). The partition, pooling matrix and
    positions are buffers outside the ``state_dict``, rebuilt from the data.

    Attention is over all ``n_patches * n_segments`` tokens.
    :meth:`encode` returns ``(batch, n_nodes, (n_segments + 1) * d_model)``.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import STPatchTransformer
    >>> on_grid = STPatchTransformer(8, 16, 1, horizon=2, grid_shape=(4, 4), d_model=8,
    ...                              n_heads=2, d_ff=16)
    >>> on_grid.n_patches
    4
    >>> ring = torch.roll(torch.eye(10), 1, 1) + torch.roll(torch.eye(10), -1, 1)
    >>> on_graph = STPatchTransformer(8, 10, 1, horizon=2, adjacency=ring.numpy(), d_model=8,
    ...                               n_heads=2, d_ff=16)
    >>> _ = on_graph.load_state_dict(on_grid.state_dict())  # the same weights
    >>> on_graph(torch.randn(3, 8, 10, 1)).shape
    torch.Size([3, 2, 10, 1])
    """

    spatial_context = ("adjacency", "grid_shape")

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        adjacency=None,
        grid_shape=None,
        patch_size=2,
        patch_len=4,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=64,
        dropout=0.1,
        position_dim=8,
        revin=False,
        random_state=0,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        patch_size = _check_int(patch_size, "patch_size")
        self.patch_len = _check_int(patch_len, "patch_len")
        self.d_model = _check_int(d_model, "d_model")
        n_heads = _check_int(n_heads, "n_heads")
        n_layers = _check_int(n_layers, "n_layers")
        d_ff = _check_int(d_ff, "d_ff")
        position_dim = _check_int(position_dim, "position_dim", minimum=0)
        dropout = _check_fraction(dropout, "dropout")
        if grid_shape is not None or adjacency is None:
            grid_shape = (self.n_nodes, 1) if grid_shape is None else tuple(grid_shape)
            self.labels = spatial_partition(
                self.n_nodes, grid_shape=grid_shape, patch_size=patch_size
            )
            node_graph = grid_adjacency(grid_shape)
        else:
            self.labels = spatial_partition(
                self.n_nodes,
                adjacency=adjacency,
                patch_size=patch_size,
                random_state=random_state,
            )
            node_graph = sp.csr_array(adjacency)
        self.n_patches = int(self.labels.max()) + 1
        self.n_segments = -(-self.n_steps // self.patch_len)
        pooling = partition_matrix(self.labels)
        self.pool = SparseOperator(pooling)
        self.register_buffer("node_patch", torch.from_numpy(self.labels), persistent=False)
        self.revin = RevIN(self.n_channels) if revin else None
        self.token_embedding = nn.Linear(2 * self.patch_len * self.n_channels, self.d_model)
        self.node_embedding = nn.Linear(self.n_steps * self.n_channels, self.d_model)
        self.segment_position = nn.Parameter(torch.randn(self.n_segments, self.d_model) * 0.02)
        self.position_projection = None
        if position_dim:
            membership = (pooling > 0).astype(np.float64)
            patch_graph = sp.csr_array(membership @ node_graph @ membership.T)
            patch_graph.setdiag(0)
            patch_graph.eliminate_zeros()
            _, vectors = laplacian_eigenvectors(patch_graph, position_dim)
            self.register_buffer(
                "patch_position", torch.from_numpy(vectors).float(), persistent=False
            )
            self.position_projection = nn.Linear(position_dim, self.d_model)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(self.d_model, n_heads, d_ff, dropout=dropout, norm_first=True)
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(self.d_model)
        self.reset_head(self.horizon, self.n_targets)

    def _tokens(self, x):
        """Patch statistics ``(B, n_patches * n_segments, d_model)`` of windows ``x``."""
        batch = x.shape[0]
        padding = self.n_segments * self.patch_len - self.n_steps
        if padding:
            x = torch.cat([x[:, :1].expand(-1, padding, -1, -1), x], dim=1)
        node_major = x.permute(2, 0, 1, 3)  # (N, B, T', C)
        mean = self.pool(node_major)
        spread = (self.pool(node_major.square()) - mean.square()).clamp_min(0.0).sqrt()
        statistics = torch.stack([mean, spread], dim=-1)  # (P, B, T', C, 2)
        segments = statistics.reshape(
            self.n_patches, batch, self.n_segments, self.patch_len * self.n_channels * 2
        )
        tokens = self.token_embedding(segments.transpose(0, 1))  # (B, P, K, d)
        tokens = tokens + self.segment_position
        if self.position_projection is not None:
            tokens = tokens + self.position_projection(self.patch_position)[:, None, :]
        return tokens.reshape(batch, self.n_patches * self.n_segments, self.d_model)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        batch = x.shape[0]
        tokens = self._tokens(x)
        for layer in self.layers:
            tokens = layer(tokens)
        patches = self.norm(tokens).reshape(batch, self.n_patches, -1)  # (B, P, K * d)
        per_node = patches[:, self.node_patch]  # (B, N, K * d)
        own = self.node_embedding(x.permute(0, 2, 1, 3).reshape(batch, self.n_nodes, -1))
        return torch.cat([per_node, own], dim=-1), statistics

    def _make_head(self, horizon):
        return _UnflattenHead((self.n_segments + 1) * self.d_model, horizon, self.n_channels)


def _search_space(history):
    space = {"d_model": IntRange(16, 64, step=8), "n_layers": IntRange(1, 3)}
    if history is None or history >= 32:
        return {}, space
    return {"patch_len": max(1, history // 4)}, space


def _sizes(level, history, profile):
    d_model, n_heads, n_layers, d_ff = ((16, 2, 1, 32), (32, 4, 2, 64), (64, 8, 3, 128))[level]
    # Attention is over all (patch, segment) tokens: at most 16 segments
    # keep it affordable on long windows.
    return {
        "patch_len": min(history, max(4, -(-history // 16))),
        "d_model": d_model,
        "n_heads": n_heads,
        "n_layers": n_layers,
        "d_ff": d_ff,
    }


def _memory(params, history, profile):
    patch_size = params["patch_size"]
    if profile.grid_shape is not None:
        rows, columns = profile.grid_shape
        spatial = -(-rows // patch_size) * -(-columns // patch_size)
    else:
        spatial = max(1, -(-profile.n_nodes // patch_size**2))
    tokens = spatial * -(-history // params["patch_len"])
    layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
    attention = heads * layers * 4 * tokens**2
    return tokens * width * layers * 20 + attention + profile.n_nodes * history * 8


STPatchTransformerConfig = register_backbone(
    "st_patch_transformer",
    STPatchTransformer,
    dataclasses.replace(SPATIO_TEMPORAL_TAGS, data_kinds=("series", "graph", "grid", "video")),
    "UniST-style Transformer over space-time patches; one spatial patching (grid blocks "
    "or graph clusters) lets the same weights run on grids and graphs.",
    search_space=_search_space,
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(2, "attention over space-time patches"),
    sizes=_sizes,
    memory=_memory,
    width_parameters=("d_model", "d_ff"),
    test_params={
        "patch_len": 2,
        "d_model": 8,
        "n_heads": 2,
        "n_layers": 1,
        "d_ff": 16,
        "dropout": 0.0,
    },
).config
