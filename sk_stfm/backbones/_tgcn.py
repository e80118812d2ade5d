"""T-GCN: a GRU whose gates are graph convolutions."""

import scipy.sparse as sp
import torch
from torch import nn

from ..utils._ranges import IntRange
from ._base import BaseBackbone, _check_int
from ._graph import SparseOperator, normalized_adjacency
from ._mlp import _UnflattenHead
from ._registry import SPATIAL_SEARCH_KINDS, SPATIO_TEMPORAL_TAGS, BackboneTraits, register_backbone
from ._revin import RevIN


class TGCN(BaseBackbone):
    """T-GCN (Zhao et al., IEEE T-ITS 2020): graph convolution inside a GRU.

    At every input step the GRU's update, reset and candidate gates are
    graph convolutions ``A_hat [x_t, h] W`` over the normalized adjacency
    ``A_hat = D^-1/2 (A + I) D^-1/2``, so each node's state mixes its own
    history with its neighbours'. The last hidden state goes through a
    linear head to the horizon, as in the reference implementation.

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
        The graph. ``None`` means no edges: every node only sees itself, and
        the model is a GRU shared by all nodes.
    hidden_size : int, default=64
        Size of each node's hidden state (64 for Los-loop in the paper).
    revin : bool, default=False
        Reversible instance normalization of each series.

    Attributes
    ----------
    graph : SparseOperator
        ``A_hat``, a sparse buffer outside the ``state_dict``.
    gates : torch.nn.Linear
        ``Linear(n_channels + hidden_size -> 2 * hidden_size)`` of the update
        and reset gates (applied after the graph convolution).
    candidate : torch.nn.Linear
        ``Linear(n_channels + hidden_size -> hidden_size)``.
    head : torch.nn.Module
        ``Linear(hidden_size -> horizon * n_channels)``.

    Notes
    -----
    Self loops get weight at least 1 before normalization (the diagonal of
    an adjacency that already has weight 1 there, such as Los-loop's, is
    kept). :meth:`encode` returns the last hidden state, ``(batch, n_nodes,
    hidden_size)``.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sk_stfm.backbones import TGCN
    >>> ring = np.roll(np.eye(5), 1, axis=1) + np.roll(np.eye(5), -1, axis=1)
    >>> model = TGCN(12, 5, 1, horizon=3, adjacency=ring, hidden_size=8)
    >>> model(torch.randn(2, 12, 5, 1)).shape
    torch.Size([2, 3, 5, 1])
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
        hidden_size=64,
        revin=False,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.hidden_size = _check_int(hidden_size, "hidden_size")
        self.revin = RevIN(self.n_channels) if revin else None
        if adjacency is None:
            adjacency = sp.csr_array((self.n_nodes, self.n_nodes))
        self.graph = SparseOperator(normalized_adjacency(adjacency, "symmetric"))
        width = self.n_channels + self.hidden_size
        self.gates = nn.Linear(width, 2 * self.hidden_size)
        self.candidate = nn.Linear(width, self.hidden_size)
        with torch.no_grad():
            # The reference starts the gates open (bias 1): the state is
            # carried over until training learns to update it.
            self.gates.bias.fill_(1.0)
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        inputs = x.permute(2, 1, 0, 3)  # node-major (N, T, B, C)
        state = x.new_zeros(self.n_nodes, x.shape[0], self.hidden_size)
        for step in range(self.n_steps):
            x_t = inputs[:, step]
            gates = self.gates(self.graph(torch.cat([x_t, state], dim=-1))).sigmoid()
            reset, update = gates.chunk(2, dim=-1)
            candidate = self.candidate(self.graph(torch.cat([x_t, reset * state], dim=-1)))
            state = update * state + (1.0 - update) * candidate.tanh()
        return state.transpose(0, 1), statistics

    def _make_head(self, horizon):
        return _UnflattenHead(self.hidden_size, horizon, self.n_channels)


TGCNConfig = register_backbone(
    "tgcn",
    TGCN,
    SPATIO_TEMPORAL_TAGS,
    "T-GCN (Zhao et al., 2020): a GRU whose gates are graph convolutions.",
    search_space={"hidden_size": IntRange(16, 64, log=True)},
    searched_on=SPATIAL_SEARCH_KINDS,
    traits=BackboneTraits(2, "recurrent: reads the window one step at a time", max_history=96),
    sizes=lambda level, history, profile: {"hidden_size": (16, 64, 128)[level]},
    memory=lambda params, history, profile: profile.n_nodes * history * params["hidden_size"] * 14,
    width_parameters=("hidden_size",),
    test_params={"hidden_size": 8},
    # A recurrent model reads one step at a time: it needs more epochs
    # than the window models to find the informative step.
    test_fit_params={"max_epochs": 50, "lr": 3e-2, "patience": None},
).config
