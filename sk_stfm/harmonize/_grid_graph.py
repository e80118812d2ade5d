"""Grids as graphs: the lattice adjacency of a grid, learned by a transformer."""

import numbers

from ..data import check_grid_shape, grid_adjacency
from ..utils._compat import Options
from ._base import BaseSTTransformer


class GridToGraph(BaseSTTransformer):
    """Build the lattice graph of a grid; the windows pass through unchanged.

    Grid and video data flatten the ``H x W`` cells of a frame to ``n_nodes
    = H * W`` nodes (row-major). ``fit`` builds the adjacency that joins
    neighbouring cells, so that graph models (and graph transformers such
    as :class:`LaplacianPositionalEncoding`) can take grids; ``transform``
    returns ``X`` as it is.

    Parameters
    ----------
    grid_shape : tuple of int (H, W)
        Rows and columns of the grid; one entry may be ``-1``, inferred
        from the number of nodes of the windows, as in :func:`numpy.reshape`.
    connectivity : {4, 8}, default=4
        ``4`` joins each cell to the cells above, below, left and right;
        ``8`` adds the four diagonal neighbours.
    self_loops : bool, default=False
        Whether to join each cell to itself.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    adjacency_ : scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        The symmetric 0/1 lattice adjacency (see
        :func:`~sk_stfm.data.grid_adjacency`).
    grid_shape_ : tuple of int
        The grid shape ``(H, W)``, with ``-1`` resolved.
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    See Also
    --------
    sk_stfm.data.grid_adjacency : The same adjacency as a function.
    SpatialPatcher : Pool grid cells into ``p x p`` blocks.

    Notes
    -----
    Spatial context is a constructor parameter of the estimators
    (``spatial=``), not something that travels with ``X``: a scikit-learn
    :class:`~sklearn.pipeline.Pipeline` passes only the windows from step to
    step. Read the graph from the fitted transformer (``adjacency_``, or
    ``pipeline[0].adjacency_`` inside a pipeline) and give it to the
    estimator, for example ``STForecaster(spatial=graph.adjacency_)``.
    Giving ``spatial=(H, W)`` instead keeps the data a grid, for models that
    use its shape; the adjacency lets a graph model treat it as a graph.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import GridToGraph
    >>> X = np.zeros((2, 5, 6, 1))  # windows over a 2 x 3 grid
    >>> graph = GridToGraph(grid_shape=(2, 3)).fit(X)
    >>> graph.adjacency_.shape, graph.adjacency_.nnz
    ((6, 6), 14)
    >>> graph.transform(X) is X  # the windows pass through unchanged
    True
    >>> GridToGraph(grid_shape=(2, -1), connectivity=8).fit(X).adjacency_.nnz
    22
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        # The values are checked in fit, against the number of nodes.
        "grid_shape": [tuple, list],
        "connectivity": [Options(numbers.Integral, {4, 8})],
        "self_loops": ["boolean"],
    }
    # One row of cells fits both the 1-node data of scikit-learn's checks and
    # the windows of sk_stfm's N-D checks.
    _test_params = [
        {"grid_shape": (1, -1)},
        {"grid_shape": (-1, 1), "connectivity": 8, "self_loops": True},
    ]

    def __init__(self, grid_shape, *, connectivity=4, self_loops=False, window_shape=None):
        self.grid_shape = grid_shape
        self.connectivity = connectivity
        self.self_loops = self_loops
        self.window_shape = window_shape

    def _fit(self, windows):
        self.grid_shape_ = check_grid_shape(self.grid_shape, windows.shape[2])
        self.adjacency_ = grid_adjacency(
            self.grid_shape_, self.connectivity, self_loops=self.self_loops
        )

    def _transform(self, windows):
        return windows
