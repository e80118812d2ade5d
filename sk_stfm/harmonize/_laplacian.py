"""Laplacian positional encoding: where a node sits in its graph."""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import laplacian
from scipy.sparse.linalg import eigsh

from ..data import check_adjacency
from ..utils._compat import Interval
from ._base import BaseSTTransformer

# Above this many nodes the sparse eigensolver beats a dense decomposition.
_DENSE_EIGEN_MAX_NODES = 2000


def laplacian_eigenvectors(adjacency, n_components, normalized=True):
    """Return the eigenvectors of the graph Laplacian after the trivial one.

    Parameters
    ----------
    adjacency : ndarray or scipy sparse matrix of shape (n_nodes, n_nodes)
        Non-negative edge weights; a directed graph is symmetrized.
    n_components : int
        Number of eigenvectors to return.
    normalized : bool, default=True
        Use the symmetric normalized Laplacian ``I - D^-1/2 A D^-1/2``.

    Returns
    -------
    eigenvalues : ndarray of shape (n_components,)
        Smallest non-trivial eigenvalues, ascending (0 for padding).
    eigenvectors : ndarray of shape (n_nodes, n_components)
        Orthonormal columns, the sign fixed so that the entry of largest
        magnitude is positive; zero columns pad graphs with fewer than
        ``n_components + 1`` nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import laplacian_eigenvectors
    >>> ring = np.roll(np.eye(4), 1, axis=1) + np.roll(np.eye(4), -1, axis=1)
    >>> eigenvalues, eigenvectors = laplacian_eigenvectors(ring, n_components=2)
    >>> eigenvalues.round(3), eigenvectors.shape
    (array([1., 1.]), (4, 2))
    """
    adjacency = check_adjacency(adjacency)
    n_nodes = adjacency.shape[0]
    symmetric = (adjacency + adjacency.T) / 2.0
    lap = laplacian(
        sp.csr_array(symmetric) if sp.issparse(symmetric) else symmetric, normed=normalized
    )
    n_wanted = min(n_components + 1, n_nodes)
    if n_nodes <= _DENSE_EIGEN_MAX_NODES or n_wanted >= n_nodes - 1:
        dense = lap.toarray() if sp.issparse(lap) else np.asarray(lap)
        values, vectors = np.linalg.eigh(dense)
    else:
        # A fixed start vector makes the iterative solver deterministic.
        start = np.linspace(1.0, 2.0, n_nodes)
        values, vectors = eigsh(sp.csr_array(lap), k=n_wanted, which="SA", v0=start)
    order = np.argsort(values, kind="stable")[1:n_wanted]
    values, vectors = values[order], vectors[:, order]
    peak = np.argmax(np.abs(vectors), axis=0)
    vectors = vectors * np.sign(vectors[peak, np.arange(vectors.shape[1])])
    eigenvalues = np.zeros(n_components)
    eigenvectors = np.zeros((n_nodes, n_components))
    eigenvalues[: len(values)] = values
    eigenvectors[:, : vectors.shape[1]] = vectors
    return eigenvalues, eigenvectors


class LaplacianPositionalEncoding(BaseSTTransformer):
    """Append each node's Laplacian eigenvector coordinates as channels.

    The eigenvectors of the graph Laplacian with the smallest non-trivial
    eigenvalues vary smoothly over the graph, so they give every node a
    position that graph-agnostic models (Transformers, MLPs) can use.

    Parameters
    ----------
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes) or None
        Non-negative edge weights (a ``networkx`` graph also works). May be
        ``None`` only for single-node data.
    n_components : int, default=8
        Number of eigenvectors appended as channels.
    normalized : bool, default=True
        Use the symmetric normalized Laplacian ``I - D^-1/2 A D^-1/2``.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (n_components,)
        Eigenvalues of the appended eigenvectors.
    encoding_ : ndarray of shape (n_nodes, n_components)
        The positional encoding of each node (orthonormal columns).
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import LaplacianPositionalEncoding
    >>> ring = np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1)
    >>> X = np.zeros((2, 5, 6, 1))
    >>> pe = LaplacianPositionalEncoding(adjacency=ring, n_components=2).fit(X)
    >>> pe.transform(X).shape
    (2, 5, 6, 3)
    >>> np.allclose(pe.encoding_.T @ pe.encoding_, np.eye(2))
    True
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        # Validated in fit by check_adjacency (arrays, sparse matrices, graphs).
        "adjacency": "no_validation",
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "normalized": ["boolean"],
    }
    _test_params = [{"n_components": 2}, {"n_components": 1, "normalized": False}]

    def __init__(self, *, adjacency=None, n_components=8, normalized=True, window_shape=None):
        self.adjacency = adjacency
        self.n_components = n_components
        self.normalized = normalized
        self.window_shape = window_shape

    def _fit(self, windows):
        n_nodes = windows.shape[2]
        if self.adjacency is None:
            if n_nodes != 1:
                raise ValueError(
                    f"adjacency of shape ({n_nodes}, {n_nodes}) is required for "
                    f"windows with n_nodes={n_nodes}."
                )
            adjacency = np.zeros((1, 1))
        else:
            adjacency = check_adjacency(self.adjacency, n_nodes)
        self.eigenvalues_, self.encoding_ = laplacian_eigenvectors(
            adjacency, self.n_components, self.normalized
        )

    def _transform(self, windows):
        n_samples, n_steps, n_nodes, _ = windows.shape
        encoding = np.broadcast_to(
            self.encoding_.astype(windows.dtype), (n_samples, n_steps, n_nodes, self.n_components)
        )
        return np.concatenate([windows, encoding], axis=3)
