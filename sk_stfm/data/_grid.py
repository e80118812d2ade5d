"""Grids as graphs: validating a grid shape and building its lattice adjacency.

A grid (or a video frame) of ``H x W`` cells is stored as ``n_nodes = H * W``
nodes in row-major order, so cell ``(i, j)`` is node ``i * W + j``.
"""

import numbers

import numpy as np
import scipy.sparse as sp

# (row, column) steps to the neighbours that follow a cell in row-major order;
# each undirected edge is listed once and mirrored afterwards.
_FORWARD_STEPS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def check_grid_shape(grid_shape, n_nodes=None, name="grid_shape"):
    """Validate a grid shape ``(H, W)`` and return it as a tuple of ints.

    Parameters
    ----------
    grid_shape : tuple of int (H, W)
        Rows and columns of the grid whose cells are the nodes, row-major.
        When ``n_nodes`` is given, one of the two may be ``-1`` and is
        inferred from it, as in :func:`numpy.reshape`.
    n_nodes : int or None, default=None
        Number of nodes the grid must hold (``H * W``); ``None`` skips the
        check.
    name : str, default="grid_shape"
        Name of the argument, used in error messages.

    Returns
    -------
    grid_shape : tuple of int
        The validated ``(H, W)``, with ``-1`` resolved.

    Examples
    --------
    >>> from sk_stfm.data import check_grid_shape
    >>> check_grid_shape((4, 3), n_nodes=12)
    (4, 3)
    >>> check_grid_shape((2, -1), n_nodes=12)
    (2, 6)
    """
    array = np.asarray(grid_shape, dtype=object)
    shape = tuple(array.ravel().tolist())
    valid = (
        array.ndim == 1
        and len(shape) == 2
        and all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in shape)
        and all(s > 0 or s == -1 for s in shape)
        and shape.count(-1) <= (0 if n_nodes is None else 1)
    )
    if not valid:
        wildcard = "" if n_nodes is None else " (one of them may be -1, inferred from n_nodes)"
        raise ValueError(
            f"{name} must be a pair of positive ints (H, W){wildcard}; got {grid_shape!r}."
        )
    height, width = (int(s) for s in shape)
    if n_nodes is not None:
        if height == -1 and n_nodes % width == 0:
            height = n_nodes // width
        elif width == -1 and n_nodes % height == 0:
            width = n_nodes // height
        if height * width != n_nodes:
            raise ValueError(
                f"{name}={tuple(shape)} must describe H * W = n_nodes={n_nodes} cells; "
                f"got shape {tuple(shape)}."
            )
    return height, width


def grid_adjacency(grid_shape, connectivity=4, *, self_loops=False):
    """Return the lattice adjacency of an ``H x W`` grid.

    Cells are the nodes in row-major order (cell ``(i, j)`` is node
    ``i * W + j``, as in ``values.reshape(n_steps, H * W, n_channels)``);
    neighbouring cells are joined by an edge of weight 1.

    Parameters
    ----------
    grid_shape : tuple of int (H, W)
        Rows and columns of the grid.
    connectivity : {4, 8}, default=4
        ``4`` joins each cell to the cells above, below, left and right;
        ``8`` adds the four diagonal neighbours.
    self_loops : bool, default=False
        Whether to join each cell to itself (a unit diagonal).

    Returns
    -------
    adjacency : scipy.sparse.csr_array of shape (H * W, H * W)
        Symmetric 0/1 weights, float64, with sorted indices. It is the
        ``adjacency`` a graph model takes, for example through the
        ``spatial=`` parameter of the estimators, so that a grid can be
        treated as a graph.

    See Also
    --------
    sk_stfm.harmonize.GridToGraph : The same adjacency, built in a pipeline.

    Notes
    -----
    An ``H x W`` grid has ``H * (W - 1) + (H - 1) * W`` undirected
    4-neighbour edges, and ``2 * (H - 1) * (W - 1)`` more diagonal ones for
    8-neighbours; each is stored twice (``(u, v)`` and ``(v, u)``).

    Examples
    --------
    >>> from sk_stfm.data import grid_adjacency
    >>> adjacency = grid_adjacency((2, 3))
    >>> adjacency.shape, adjacency.nnz
    ((6, 6), 14)
    >>> adjacency.toarray().astype(int)
    array([[0, 1, 0, 1, 0, 0],
           [1, 0, 1, 0, 1, 0],
           [0, 1, 0, 0, 0, 1],
           [1, 0, 0, 0, 1, 0],
           [0, 1, 0, 1, 0, 1],
           [0, 0, 1, 0, 1, 0]])
    >>> grid_adjacency((2, 3), connectivity=8).nnz
    22
    """
    height, width = check_grid_shape(grid_shape)
    if connectivity not in _FORWARD_STEPS or isinstance(connectivity, bool):
        raise ValueError(f"connectivity must be 4 or 8; got {connectivity!r}.")
    cells = np.arange(height * width).reshape(height, width)
    sources, targets = [], []
    for d_row, d_col in _FORWARD_STEPS[connectivity]:
        # Slices of the cells that have a neighbour at (+d_row, +d_col).
        rows = slice(0, height - d_row)
        cols = slice(max(0, -d_col), width - max(0, d_col))
        sources.append(cells[rows, cols].ravel())
        targets.append(cells[d_row:, cols.start + d_col : cols.stop + d_col].ravel())
    sources, targets = np.concatenate(sources), np.concatenate(targets)
    rows = np.concatenate([sources, targets])
    cols = np.concatenate([targets, sources])
    if self_loops:
        rows = np.concatenate([rows, cells.ravel()])
        cols = np.concatenate([cols, cells.ravel()])
    n_nodes = height * width
    adjacency = sp.csr_array(
        (np.ones(len(rows)), (rows, cols)), shape=(n_nodes, n_nodes), dtype=np.float64
    )
    adjacency.sort_indices()
    return adjacency
