"""Spatial patching: nodes pooled into patches, for grids and graphs alike."""

import numbers

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted

from ..data import as_windows, partition_matrix, restore_layout, spatial_partition
from ..data._validation import check_windows_input
from ..utils._compat import Interval, StrOptions
from ._base import FLOAT_DTYPES, BaseSTTransformer


class SpatialPatcher(BaseSTTransformer):
    """Pool the nodes of each spatial patch into one node.

    Windows ``(n_samples, n_steps, n_nodes, n_channels)`` become
    ``(n_samples, n_steps, n_patches, n_channels)``: a grid is cut into
    ``patch_size x patch_size`` blocks of cells, a graph into spectral
    clusters of about ``patch_size ** 2`` nodes (see
    :func:`~sk_stfm.data.spatial_partition`), so a patch-based model sees
    patches whatever the data kind.

    Parameters
    ----------
    grid_shape : tuple of int (H, W) or None, default=None
        Shape of the grid whose cells are the nodes, row-major; one entry
        may be ``-1``, inferred from the number of nodes. Give either
        ``grid_shape`` or ``adjacency`` (neither only for single-node data).
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes) or None, \
            default=None
        Non-negative edge weights of a graph (a ``networkx`` graph also
        works).
    patch_size : int, default=2
        Side of a grid block; a graph cluster holds about ``patch_size ** 2``
        nodes unless ``n_clusters`` is given.
    n_clusters : int or None, default=None
        Number of graph patches; ``None`` means
        ``ceil(n_nodes / patch_size ** 2)``.
    reduce : {"mean", "max", "min"}, default="mean"
        How the values of a patch's nodes are pooled, ignoring NaN; a patch
        whose nodes are all NaN at a step and channel stays NaN.
    random_state : int, RandomState instance or None, default=None
        Seeds the graph clustering; pass an int for reproducible patches.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    labels_ : ndarray of int64 of shape (n_nodes,)
        The patch of each node, numbered by their smallest node index.
    n_patches_ : int
        Number of patches.
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    See Also
    --------
    sk_stfm.data.spatial_partition : The partition of the nodes into patches.
    TemporalPatcher : Patches along time.

    Notes
    -----
    :meth:`inverse_transform` gives every node the value of its patch, so
    ``inverse_transform(transform(X))`` returns ``X`` exactly when ``X`` is
    constant within each patch (and with ``patch_size=1``), and the patch
    values broadcast back otherwise: a patch-level prediction mapped to the
    nodes. 2-D input gives 2-D output, each row flattened from
    ``(n_steps, n_patches, n_channels)``.

    Examples
    --------
    A 4 x 4 grid in 2 x 2 blocks:

    >>> import numpy as np
    >>> from sk_stfm.harmonize import SpatialPatcher
    >>> X = np.arange(16.0).reshape(1, 1, 16, 1)
    >>> patcher = SpatialPatcher(grid_shape=(4, 4), patch_size=2).fit(X)
    >>> patcher.labels_.reshape(4, 4)
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [2, 2, 3, 3],
           [2, 2, 3, 3]])
    >>> patcher.transform(X)[0, 0, :, 0]
    array([ 2.5,  4.5, 10.5, 12.5])
    >>> patcher.inverse_transform(patcher.transform(X))[0, 0, :4, 0]
    array([2.5, 2.5, 4.5, 4.5])

    The lattice of the same grid, taken as a graph, falls into clusters of
    about four nodes: here the same blocks.

    >>> from sk_stfm.data import grid_adjacency
    >>> graph = SpatialPatcher(adjacency=grid_adjacency((4, 4)), random_state=0).fit(X)
    >>> graph.n_patches_, np.array_equal(graph.labels_, patcher.labels_)
    (4, True)
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "grid_shape": [tuple, list, None],
        # Validated in fit by check_adjacency (arrays, sparse matrices, graphs).
        "adjacency": "no_validation",
        "patch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "reduce": [StrOptions({"mean", "max", "min"})],
        "random_state": ["random_state"],
    }
    # One node per patch: sk_stfm's N-D checks expect the node axis kept and
    # an exact inverse on random windows.
    _test_params = [{"patch_size": 1}, {"patch_size": 1, "reduce": "max"}]

    def __init__(
        self,
        *,
        grid_shape=None,
        adjacency=None,
        patch_size=2,
        n_clusters=None,
        reduce="mean",
        random_state=None,
        window_shape=None,
    ):
        self.grid_shape = grid_shape
        self.adjacency = adjacency
        self.patch_size = patch_size
        self.n_clusters = n_clusters
        self.reduce = reduce
        self.random_state = random_state
        self.window_shape = window_shape

    def _fit(self, windows):
        n_nodes = windows.shape[2]
        if self.grid_shape is None and self.adjacency is None:
            if n_nodes != 1:
                raise ValueError(
                    f"SpatialPatcher needs grid_shape=(H, W) or an adjacency of shape "
                    f"({n_nodes}, {n_nodes}) for windows with n_nodes={n_nodes}; got neither."
                )
            labels = np.zeros(1, dtype=np.int64)
        else:
            labels = spatial_partition(
                n_nodes,
                adjacency=self.adjacency,
                grid_shape=self.grid_shape,
                patch_size=self.patch_size,
                n_clusters=self.n_clusters,
                random_state=self.random_state,
            )
        self.labels_ = labels
        self.n_patches_ = int(labels.max()) + 1

    def _transform(self, windows):
        n_samples, n_steps, n_nodes, n_channels = windows.shape
        # The nodes of a patch are contiguous once sorted by label.
        order = np.argsort(self.labels_, kind="stable")
        starts = np.searchsorted(self.labels_[order], np.arange(self.n_patches_))
        if self.reduce != "mean":
            reducer = np.fmax if self.reduce == "max" else np.fmin  # NaN-ignoring
            pooled = reducer.reduceat(windows[:, :, order], starts, axis=2)
            return np.ascontiguousarray(pooled, dtype=windows.dtype)
        # The mean is taken about each patch's maximum: a patch of equal values
        # then averages to exactly that value (so inverse_transform restores
        # it) and the sums lose less precision. NaN only where all is missing.
        dtype, windows = windows.dtype, windows.astype(np.float64)
        reference = np.fmax.reduceat(windows[:, :, order], starts, axis=2)
        deviation = windows - reference[:, :, self.labels_]
        by_node = np.moveaxis(deviation, 2, 0).reshape(n_nodes, -1)
        observed = ~np.isnan(by_node)
        # Sums and counts of the observed values through the 0/1 pattern of
        # the averaging matrix: a NaN-aware mean in two sparse products.
        members = partition_matrix(self.labels_)
        members.data[:] = 1.0
        sums = members @ np.where(observed, by_node, 0.0)
        counts = members @ observed.astype(np.float64)
        with np.errstate(invalid="ignore"):
            means = sums / counts  # 0 / 0 = NaN where nothing is observed
        means = means.reshape(self.n_patches_, n_samples, n_steps, n_channels)
        return np.ascontiguousarray(reference + np.moveaxis(means, 0, 2), dtype=dtype)

    def inverse_transform(self, X):
        """Give every node the value of its patch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_patches, n_channels)
            Patch windows, as returned by :meth:`transform` (2-D rows
            flattened from ``(n_steps, n_patches, n_channels)`` also work).

        Returns
        -------
        X_nodes : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
            The windows on the nodes, in the layout of ``X``.
        """
        check_is_fitted(self)
        check_windows_input(X)
        X = check_array(
            X, allow_nd=True, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan", input_name="X"
        )
        expected = f"(n_samples, n_steps, {self.n_patches_}, {self.n_channels_})"
        per_step = self.n_patches_ * self.n_channels_
        if X.ndim == 2:
            if X.shape[1] % per_step:
                raise ValueError(
                    f"X must hold windows of shape {expected} flattened to rows of a "
                    f"multiple of {per_step} features; got shape {X.shape}."
                )
            windows = X.reshape(X.shape[0], -1, self.n_patches_, self.n_channels_)
        else:
            windows = as_windows(X)
        if windows.shape[2:] != (self.n_patches_, self.n_channels_):
            raise ValueError(f"X must have shape {expected}; got shape {X.shape}.")
        return restore_layout(np.take(windows, self.labels_, axis=2), X.ndim)
