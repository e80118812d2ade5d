"""Sparse graph operators for backbones: cost grows with edges, not nodes².

Graph backbones work in a *node-major* layout: a tensor whose first axis is
the node axis, ``(n_nodes, ...)``. Propagating a signal over the graph is
then one sparse-times-dense product on a view ``(n_nodes, rest)`` of the
tensor, with no transpose or copy, and the temporal convolutions of the same
backbones see ``(n_nodes * batch, channels, steps)`` as a view as well.

The operators are kept as sparse buffers that are *not* part of the
``state_dict``: the graph comes from the estimator's ``spatial=`` parameter,
so fitted weights do not depend on it (and can be run on another graph of
the same feature sizes).
"""

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from ..data import check_adjacency


def normalized_adjacency(adjacency, normalization="symmetric", self_loops=True):
    """Normalize an adjacency matrix for graph convolutions.

    Parameters
    ----------
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes)
        Non-negative edge weights; ``adjacency[i, j]`` weighs the edge from
        node ``i`` to node ``j``.
    normalization : {"symmetric", "forward", "backward"}, default="symmetric"
        ``"symmetric"``: ``D^-1/2 A D^-1/2`` of the symmetrized matrix, as in
        GCN and T-GCN. ``"forward"``: the random-walk transition matrix
        ``D_out^-1 A``; ``"backward"``: the one of the reversed graph,
        ``D_in^-1 A^T`` (the two supports of diffusion convolution, DCRNN).
    self_loops : bool, default=True
        Set every diagonal weight to at least 1 before normalizing, so a node
        keeps its own signal (the renormalization trick of GCN); existing
        larger diagonal weights are kept.

    Returns
    -------
    operator : scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        The normalized operator, float64. Rows of nodes without any edge
        (and no self loop) are zero.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.backbones import normalized_adjacency
    >>> path = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> normalized_adjacency(path, "forward", self_loops=False).toarray()
    array([[0. , 1. , 0. ],
           [0.5, 0. , 0.5],
           [0. , 1. , 0. ]])
    >>> normalized_adjacency(path).toarray().round(3)  # D^-1/2 (A + I) D^-1/2
    array([[0.5  , 0.408, 0.   ],
           [0.408, 0.333, 0.408],
           [0.   , 0.408, 0.5  ]])
    """
    if normalization not in ("symmetric", "forward", "backward"):
        raise ValueError(
            f"normalization must be 'symmetric', 'forward' or 'backward'; got {normalization!r}."
        )
    matrix = sp.csr_array(check_adjacency(adjacency), dtype=np.float64)
    if normalization == "symmetric":
        matrix = sp.csr_array(matrix.maximum(matrix.T))
    elif normalization == "backward":
        matrix = sp.csr_array(matrix.T)
    if self_loops:
        diagonal = matrix.diagonal()
        matrix = sp.csr_array(matrix + sp.diags_array(np.maximum(1.0 - diagonal, 0.0)))
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inverse = np.where(degree > 0, 1.0 / degree, 0.0)
    if normalization == "symmetric":
        scale = sp.diags_array(np.sqrt(inverse))
        operator = scale @ matrix @ scale
    else:
        operator = sp.diags_array(inverse) @ matrix
    operator = sp.csr_array(operator)
    operator.eliminate_zeros()
    operator.sort_indices()
    return operator


class SparseOperator(nn.Module):
    """A fixed sparse matrix applied along the node axis.

    Parameters
    ----------
    matrix : scipy sparse matrix of shape (n_out, n_nodes)
        The operator: square for a graph convolution (e.g. from
        :func:`normalized_adjacency`), ``(n_patches, n_nodes)`` for pooling
        nodes into patches.

    Notes
    -----
    The matrix is stored as COO buffers (row and column indices, values)
    that move with the module across devices and dtypes
    (``module.double()``), and are left out of the ``state_dict``
    (``persistent=False``): they are data, rebuilt from the estimator's
    ``spatial`` parameter, not learned weights. A product costs
    ``O(n_edges * features)``.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sk_stfm.backbones import SparseOperator
    >>> swap = SparseOperator(np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> swap(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[3., 4.],
            [1., 2.]])
    >>> list(swap.state_dict())
    []
    """

    def __init__(self, matrix):
        super().__init__()
        matrix = sp.csr_array(matrix, dtype=np.float64)
        matrix.sort_indices()
        self.shape = tuple(int(n) for n in matrix.shape)
        self.n_nodes = self.shape[1]
        coo = matrix.tocoo()  # row-major and duplicate-free: already coalesced
        indices = np.vstack([coo.row, coo.col]).astype(np.int64)
        self.register_buffer("indices", torch.from_numpy(indices), persistent=False)
        self.register_buffer(
            "values", torch.from_numpy(matrix.data.astype(np.float32)), persistent=False
        )

    @property
    def n_edges(self):
        """Number of stored (non-zero) entries."""
        return int(self.values.numel())

    def forward(self, x):
        """Return ``matrix @ x`` along the first axis.

        Parameters
        ----------
        x : torch.Tensor of shape (n_nodes, ...)
            A node-major tensor.

        Returns
        -------
        out : torch.Tensor of shape (n_out, ...)
            ``out[i] = sum_j matrix[i, j] * x[j]``.
        """
        if x.shape[0] != self.n_nodes:
            raise ValueError(
                f"expected a node-major tensor with {self.n_nodes} nodes on axis 0; "
                f"got shape {tuple(x.shape)}."
            )
        matrix = torch.sparse_coo_tensor(
            self.indices,
            self.values.to(x.dtype),
            self.shape,
            is_coalesced=True,
            check_invariants=False,
        )
        flat = x.reshape(self.n_nodes, -1)
        return torch.sparse.mm(matrix, flat).reshape(self.shape[0], *x.shape[1:])


class LowRankAdjacency(nn.Module):
    """A learned, row-stochastic adjacency of rank at most ``rank``, applied in O(N).

    Graph WaveNet learns its "self-adaptive" adjacency from two node
    embeddings, ``softmax(relu(E1 @ E2.T))``, a dense ``N x N`` matrix. This
    module learns a matrix of the same family, non-negative with rows summing
    to one, as a positive kernel ``phi(E1) @ phi(E2).T`` normalized by its
    row sums (``phi`` = softplus), and never forms it: the product with a
    signal is ``phi(E1) @ (phi(E2).T @ x)`` divided by the row sums, so the
    cost is ``O(N * rank * features)``, linear in the number of nodes.

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    rank : int, default=10
        Size of the node embeddings (Graph WaveNet uses 10).

    Attributes
    ----------
    source, target : torch.nn.Parameter of shape (n_nodes, rank)
        The two node embeddings.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import LowRankAdjacency
    >>> _ = torch.manual_seed(0)
    >>> adaptive = LowRankAdjacency(5, rank=3)
    >>> torch.allclose(adaptive.dense().sum(dim=1), torch.ones(5))  # rows sum to one
    True
    >>> x = torch.randn(5, 2, 4)
    >>> torch.allclose(adaptive(x), torch.einsum("ij,jbf->ibf", adaptive.dense(), x), atol=1e-6)
    True
    """

    def __init__(self, n_nodes, rank=10):
        super().__init__()
        self.n_nodes = int(n_nodes)
        self.source = nn.Parameter(torch.randn(n_nodes, rank))
        self.target = nn.Parameter(torch.randn(n_nodes, rank))

    def _factors(self):
        source = nn.functional.softplus(self.source)
        target = nn.functional.softplus(self.target)
        row_sums = source @ target.sum(dim=0)
        return source / row_sums[:, None], target

    def dense(self):
        """Return the ``(n_nodes, n_nodes)`` matrix (for inspection and plots).

        Returns
        -------
        adjacency : torch.Tensor of shape (n_nodes, n_nodes)
            Non-negative, each row summing to one.
        """
        source, target = self._factors()
        return source @ target.T

    def forward(self, x):
        """Return ``adjacency @ x`` along the first axis.

        Parameters
        ----------
        x : torch.Tensor of shape (n_nodes, ...)
            A node-major tensor.

        Returns
        -------
        out : torch.Tensor of the same shape as ``x``
            The propagated signal.
        """
        source, target = self._factors()
        flat = x.reshape(self.n_nodes, -1)
        return (source @ (target.T @ flat)).reshape(x.shape)
