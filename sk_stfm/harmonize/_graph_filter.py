"""Sensor graphs from distances: k nearest neighbours or a kernel threshold."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import input_ndim
from ..data._validation import check_windows_input
from ..utils._compat import Interval, StrOptions, fit_context
from ..utils._test_params import TestParamsMixin
from ._base import FLOAT_DTYPES

# Rows of a dense distance matrix handled at once: bounds the temporary
# arrays to about this many entries, whatever the number of nodes.
_BLOCK_ENTRIES = 1 << 22


class GraphFilter(
    TestParamsMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    # A sparse graph has no DataFrame form, so set_output does not apply.
    auto_wrap_output_keys=None,
):
    """Turn a matrix of distances between nodes into a sparse adjacency.

    Like :class:`sklearn.neighbors.KNeighborsTransformer` with
    ``metric="precomputed"``, ``fit`` takes the square matrix of distances
    between the nodes (road distances between sensors, for example) and
    learns the kernel width; ``transform`` returns the sparse graph:
    ``"knn"`` keeps each node's ``k`` nearest nodes, ``"threshold"`` the
    pairs whose weight is at least ``threshold``. ``fit_transform(D)`` is
    the adjacency of the nodes, for an estimator's ``spatial=`` parameter.

    Parameters
    ----------
    method : {"knn", "threshold"}, default="knn"
        ``"knn"``: keep, for every node (row), its ``k`` nearest other nodes
        (ties: the lower node index). ``"threshold"``: keep every pair whose kernel
        weight is at least ``threshold`` (with ``kernel=None``: whose
        distance is at most ``threshold``, a radius graph).
    k : int, default=8
        Neighbours kept per node by ``"knn"``; a node with fewer reachable
        nodes keeps them all.
    threshold : float, default=0.1
        Smallest weight kept by ``"threshold"`` (the largest distance with
        ``kernel=None``). The default is DCRNN's.
    kernel : {"gaussian"} or None, default="gaussian"
        Weight of a kept edge at distance ``d``: ``"gaussian"`` gives
        ``exp(-d ** 2 / sigma ** 2)``, in ``(0, 1]``; ``None`` gives 1.
    sigma : float or None, default=None
        Width of the Gaussian kernel; ``None`` means the standard deviation
        of the finite off-diagonal distances seen in ``fit``, as in DCRNN.
    symmetric : bool, default=True
        Return ``max(W, W.T)`` for the graph of the fitted nodes: an edge kept
        by either of its nodes is kept for both. ``False`` keeps the directed
        graph (row ``i`` holds the edges node ``i`` kept; with ``"knn"``, at
        most ``k`` of them).

    Attributes
    ----------
    sigma_ : float or None
        The Gaussian width used (``None`` when ``kernel=None``); 1.0 when
        the distances seen in ``fit`` have no spread.
    n_nodes_ : int
        Number of nodes (rows and columns of the distance matrix) seen in
        ``fit``.
    n_features_in_ : int
        Number of columns of the distance matrix seen in ``fit``.

    See Also
    --------
    sklearn.neighbors.KNeighborsTransformer : The k nearest neighbours of samples.
    GridToGraph : The adjacency of a grid.

    Notes
    -----
    The distance from node ``i`` to node ``j`` is ``X[i, j]``; NaN and
    infinite distances mean "no edge", and so do the entries a sparse
    ``X`` does not store (a stored zero is a distance of 0). Weights that
    underflow to 0 are dropped, so the output stores no zero, NaN or
    infinite value. With ``"knn"`` the output holds at most ``n_nodes * k``
    edges (twice that when symmetric), and dense input is processed in
    blocks of rows, so the memory beyond ``X`` grows as ``n_nodes * k``.

    A square ``X`` given to ``transform`` is the distance matrix of the
    fitted nodes: its diagonal (each node to itself) is ignored, so the
    graph has no self loops, and ``symmetric`` applies. A rectangular ``X``
    of shape ``(n_queries, n_nodes)`` holds distances from other nodes (new
    sensors) to the fitted ones, as in scikit-learn's pairwise estimators:
    each row keeps its edges, unsymmetrized. For that reason the checks of
    scikit-learn that transform subsets or permutations of the rows of the
    square matrix do not apply.

    References
    ----------
    Li, Y., Yu, R., Shahabi, C. and Liu, Y. (2018). Diffusion Convolutional
    Recurrent Neural Network: Data-Driven Traffic Forecasting. ICLR.

    Examples
    --------
    Four sensors on a line, one unit apart:

    >>> import numpy as np
    >>> from sk_stfm.harmonize import GraphFilter
    >>> position = np.arange(4.0)
    >>> distances = np.abs(position[:, None] - position[None, :])
    >>> adjacency = GraphFilter(k=1, kernel=None).fit_transform(distances)
    >>> adjacency.toarray()
    array([[0., 1., 0., 0.],
           [1., 0., 1., 0.],
           [0., 1., 0., 1.],
           [0., 0., 1., 0.]])
    >>> graph = GraphFilter(method="threshold", threshold=0.3, sigma=1.0)
    >>> graph.fit_transform(distances).toarray().round(3)
    array([[0.   , 0.368, 0.   , 0.   ],
           [0.368, 0.   , 0.368, 0.   ],
           [0.   , 0.368, 0.   , 0.368],
           [0.   , 0.   , 0.368, 0.   ]])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"knn", "threshold"})],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "threshold": [Interval(numbers.Real, 0, None, closed="left")],
        "kernel": [StrOptions({"gaussian"}), None],
        "sigma": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "symmetric": ["boolean"],
    }
    _test_params = [
        {"k": 2},
        {"method": "threshold", "threshold": 0.5, "symmetric": False},
        {"k": 3, "kernel": None, "symmetric": False},
    ]

    def __init__(
        self, *, method="knn", k=8, threshold=0.1, kernel="gaussian", sigma=None, symmetric=True
    ):
        self.method = method
        self.k = k
        self.threshold = threshold
        self.kernel = kernel
        self.sigma = sigma
        self.symmetric = symmetric

    def _check_distances(self, X, *, reset, square=True):
        if input_ndim(X) > 2:  # validate_data explains 1-D input
            expected = "(n_nodes, n_nodes)" if square else "(n_queries, n_nodes)"
            raise ValueError(
                f"X must be a 2D array of distances of shape {expected}; got an array "
                f"with {input_ndim(X)} dimension(s) and shape {np.shape(X)}."
            )
        check_windows_input(
            X, ndims=(2,), shape_doc="(n_nodes, n_nodes) of distances", allow_inf=True
        )
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr",
            dtype=FLOAT_DTYPES,
            ensure_all_finite=False,  # NaN and inf mean "no edge"
        )
        if square and X.shape[0] != X.shape[1]:
            raise ValueError(
                "X must be a square matrix of distances of shape (n_nodes, n_nodes), "
                f"rows and columns the same nodes; got shape {X.shape}."
            )
        values = X.data if sp.issparse(X) else X
        if np.any(values < 0):
            raise ValueError(
                "Negative values in data passed to GraphFilter: distances in X must "
                "be non-negative (NaN or inf for no edge)."
            )
        return X

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the kernel width from the distances ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_nodes, n_nodes)
            Distances between the nodes; NaN, inf and (sparse) unstored
            entries mean no edge.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = self._check_distances(X, reset=True)
        self.n_nodes_ = X.shape[0]
        self._n_features_out = self.n_nodes_
        if self.kernel is None:
            self.sigma_ = None
        elif self.sigma is not None:
            self.sigma_ = float(self.sigma)
        else:
            spread = _finite_off_diagonal_std(X)
            self.sigma_ = spread if spread > 0 else 1.0
        return self

    def transform(self, X):
        """Return the sparse graph of the distances ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_nodes)
            Distances from each query node to the nodes seen in ``fit``;
            the square matrix of the fitted nodes gives their graph.

        Returns
        -------
        adjacency : scipy.sparse.csr_array of shape (n_queries, n_nodes)
            Non-negative float64 edge weights, with sorted indices.
        """
        check_is_fitted(self)
        X = self._check_distances(X, reset=False, square=False)
        # The square matrix is the fitted nodes among themselves.
        among_fitted = X.shape[0] == self.n_nodes_
        rows, cols, distances = self._select(X, among_fitted)
        if self.kernel == "gaussian":
            weights = np.exp(-((distances / self.sigma_) ** 2))
        else:
            weights = np.ones_like(distances)
        kept = weights > 0  # underflow far away: no edge rather than a stored zero
        adjacency = sp.csr_array((weights[kept], (rows[kept], cols[kept])), shape=X.shape)
        if self.symmetric and among_fitted:
            adjacency = adjacency.maximum(adjacency.T).tocsr()
        adjacency.sort_indices()
        return adjacency

    def _select(self, X, among_fitted):
        """Return ``(rows, cols, distances)`` of the edges kept, all finite.

        ``among_fitted``: ``X`` is the square matrix of the fitted nodes, whose
        diagonal is no edge.
        """
        if sp.issparse(X):
            entries = sp.coo_array(X)
            entries.sum_duplicates()
            rows, cols, distances = entries.row, entries.col, entries.data.astype(np.float64)
            usable = np.isfinite(distances) & ((rows != cols) | (not among_fitted))
            rows, cols, distances = rows[usable], cols[usable], distances[usable]
            if self.method == "threshold":
                kept = self._within_threshold(distances)
                return rows[kept], cols[kept], distances[kept]
            # Sort by row, then distance, then column: the first k of a row win.
            order = np.lexsort((cols, distances, rows))
            rows, cols, distances = rows[order], cols[order], distances[order]
            rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
            kept = rank < self.k
            return rows[kept], cols[kept], distances[kept]
        selected = [
            self._select_block(start, block, among_fitted) for start, block in _row_blocks(X)
        ]
        return tuple(np.concatenate(parts) for parts in zip(*selected, strict=True))

    def _select_block(self, start, block, among_fitted):
        n_rows = block.shape[0]
        block[~np.isfinite(block)] = np.inf
        if among_fitted:  # no self loops
            block[np.arange(n_rows), start + np.arange(n_rows)] = np.inf
        if self.method == "threshold":
            kept = np.isfinite(block)
            kept[kept] = self._within_threshold(block[kept])
        else:
            k = min(self.k, block.shape[1])
            kth = np.partition(block, k - 1, axis=1)[:, k - 1 : k]
            closer = block < kth
            # Among distances equal to the k-th, the lower column indices fill
            # the row up to k, so ties are broken the same way every time.
            tied = block == kth
            room = k - closer.sum(axis=1, keepdims=True)
            kept = (closer | (tied & (np.cumsum(tied, axis=1) <= room))) & np.isfinite(block)
        rows, cols = np.nonzero(kept)
        return rows + start, cols, block[rows, cols]

    def _within_threshold(self, distances):
        if self.kernel is None:
            return distances <= self.threshold
        return np.exp(-((distances / self.sigma_) ** 2)) >= self.threshold

    def _expected_check_failures(self):
        reason = (
            "a square X is the distance matrix of the fitted nodes (diagonal ignored, "
            "symmetrized); a permutation of its rows is not"
        )
        failures = {"check_methods_sample_order_invariance": reason}
        if self.symmetric:
            failures["check_methods_subset_invariance"] = (
                "symmetric=True couples row i with column i of the square matrix of the "
                "fitted nodes; a subset of its rows is a query, not symmetrized"
            )
        return failures

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = True
        tags.input_tags.positive_only = True
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        return tags


def _row_blocks(X):
    """Yield ``(first_row, block)``: float64 copies of consecutive rows of dense ``X``."""
    n_rows = max(1, _BLOCK_ENTRIES // max(1, X.shape[1]))
    for start in range(0, X.shape[0], n_rows):
        yield start, np.array(X[start : start + n_rows], dtype=np.float64)


def _finite_off_diagonal_std(X):
    """Standard deviation of the finite off-diagonal distances (0 if none)."""
    if sp.issparse(X):
        entries = sp.coo_array(X)
        values = entries.data[(entries.row != entries.col) & np.isfinite(entries.data)]
        return float(np.std(values)) if values.size else 0.0
    # Two passes over blocks of rows: the mean, then the squared deviations.
    count, total = 0, 0.0
    for start, block in _row_blocks(X):
        values = _finite_off_diagonal(start, block)
        count, total = count + values.size, total + values.sum()
    if count == 0:
        return 0.0
    mean = total / count
    squares = sum(
        ((_finite_off_diagonal(start, block) - mean) ** 2).sum() for start, block in _row_blocks(X)
    )
    return float(np.sqrt(squares / count))


def _finite_off_diagonal(start, block):
    usable = np.isfinite(block)
    usable[np.arange(block.shape[0]), start + np.arange(block.shape[0])] = False
    return block[usable]
