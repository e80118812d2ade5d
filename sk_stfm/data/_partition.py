"""Spatial partitions: nodes grouped into patches, for grids and graphs alike.

A patch-based model sees "patches" whatever the data kind: a grid is cut
into ``p x p`` blocks of cells, a graph into spectral clusters of about
``p * p`` nodes, and both come out as one label per node.
"""

import heapq
import math
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.sparse.linalg import ArpackNoConvergence, eigsh
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from ._grid import check_grid_shape
from ._validation import check_adjacency, check_int

# Parts per spectral split. Many clusters (n_nodes / 4 by default) are found by
# splitting recursively, so that each eigensolve needs only a few eigenvectors:
# the cost of a level grows with the edges, and there are log_8(n_clusters) levels.
_BRANCHING = 8
# Up to this many nodes a dense eigensolver is faster than ARPACK.
_DENSE_EIGEN_MAX_NODES = 500


def spatial_partition(
    n_nodes,
    *,
    adjacency=None,
    grid_shape=None,
    patch_size=2,
    n_clusters=None,
    random_state=None,
):
    """Group the nodes of a grid or a graph into spatial patches.

    For a grid, cell ``(i, j)`` goes to the block ``(i // p, j // p)`` of
    ``p x p`` cells (``p = patch_size``). For a graph, nodes are clustered
    by spectral clustering into ``n_clusters`` clusters, by default about
    ``p * p`` nodes each, so that a graph patch holds about as many nodes as
    a grid patch.

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    adjacency : array-like or scipy sparse matrix of shape (n_nodes, n_nodes) or None, \
            default=None
        Non-negative edge weights of a graph (a ``networkx`` graph also
        works); a directed graph is symmetrized. Give either ``adjacency``
        or ``grid_shape``.
    grid_shape : tuple of int (H, W) or None, default=None
        Shape of the grid whose cells are the nodes, row-major (cell
        ``(i, j)`` is node ``i * W + j``); one entry may be ``-1``, inferred
        from ``n_nodes``.
    patch_size : int, default=2
        Side ``p`` of a grid block; a graph cluster holds about ``p * p``
        nodes by default.
    n_clusters : int or None, default=None
        Number of graph clusters, at most ``n_nodes``; ``None`` means
        ``ceil(n_nodes / patch_size ** 2)``. Graphs only: the number of grid
        blocks follows from ``grid_shape`` and ``patch_size``.
    random_state : int, RandomState instance or None, default=None
        Seeds the eigensolver's start vectors and k-means for graphs; pass
        an int for the same labels on every call. Grids do not use it.

    Returns
    -------
    labels : ndarray of int64 of shape (n_nodes,)
        The patch of each node, in ``0 .. n_patches - 1``, every patch used.
        Patches are numbered in the order of their smallest node index.

    Raises
    ------
    ValueError
        If neither or both of ``adjacency`` and ``grid_shape`` are given, or
        if their shape does not match ``n_nodes``.

    See Also
    --------
    partition_matrix : The averaging matrix that pools nodes into patches.
    sk_stfm.harmonize.SpatialPatcher : Pool windows into these patches.

    Notes
    -----
    **Grids.** An ``H x W`` grid gives ``ceil(H / p) * ceil(W / p)`` blocks,
    numbered row-major. When ``p`` does not divide ``H`` or ``W`` the blocks
    of the last block row or column are partial (fewer than ``p`` rows or
    columns), so no cell is dropped and none is padded.

    **Graphs.** The graph is symmetrized (``(A + A.T) / 2``, self loops
    dropped) and split recursively: each connected part is embedded in the
    eigenvectors of the smallest eigenvalues of its normalized Laplacian
    ``I - D^-1/2 A D^-1/2`` (:func:`scipy.sparse.linalg.eigsh` on sparse
    input, a dense solver below 500 nodes), the rows normalized to unit
    length, and clustered by :class:`~sklearn.cluster.KMeans` into at most
    eight parts, until each part is one cluster. With at most eight
    clusters this is the spectral clustering of Ng, Jordan and Weiss (2002)
    in one step; recursing keeps each eigensolve to a few eigenvectors, so
    the cost grows with the number of edges (times ``log(n_clusters)``),
    not with ``n_nodes ** 2``.

    *Disconnected graphs* are split into their connected components first;
    when there are more components than clusters wanted, whole components
    are packed into clusters of about equal size (largest first), so a
    graph without edges gives balanced groups of nodes.

    *Balance.* At every split the clusters still to be made are shared
    among the parts in proportion to their number of nodes (every part at
    least one, none more than it has nodes), so no cluster is ever empty,
    exactly ``n_clusters`` clusters come out, and the mean cluster size is
    ``n_nodes / n_clusters``. Sizes still follow the graph's structure:
    clusters are not forced to equal size.

    Examples
    --------
    A 4 x 5 grid in 2 x 2 blocks; the last block column is one cell wide:

    >>> import numpy as np
    >>> from sk_stfm.data import spatial_partition
    >>> spatial_partition(20, grid_shape=(4, 5)).reshape(4, 5)
    array([[0, 0, 1, 1, 2],
           [0, 0, 1, 1, 2],
           [3, 3, 4, 4, 5],
           [3, 3, 4, 4, 5]])

    Two triangles joined by one edge are two clusters:

    >>> triangle = np.ones((3, 3)) - np.eye(3)
    >>> adjacency = np.kron(np.eye(2), triangle)
    >>> adjacency[2, 3] = adjacency[3, 2] = 1.0
    >>> spatial_partition(6, adjacency=adjacency, n_clusters=2, random_state=0)
    array([0, 0, 0, 1, 1, 1])
    """
    n_nodes = check_int(n_nodes, "n_nodes")
    patch_size = check_int(patch_size, "patch_size")
    if adjacency is None and grid_shape is None:
        raise ValueError(
            "spatial_partition needs the layout of the nodes: pass grid_shape=(H, W) "
            "for a grid, or adjacency of shape (n_nodes, n_nodes) for a graph; got "
            "neither."
        )
    if adjacency is not None and grid_shape is not None:
        raise ValueError(
            "Pass either grid_shape (a grid, cut into patch_size x patch_size blocks) "
            "or adjacency (a graph, cut into spectral clusters), not both."
        )
    if grid_shape is not None:
        if n_clusters is not None:
            raise ValueError(
                "n_clusters applies to graphs (adjacency); a grid of grid_shape=(H, W) "
                "has ceil(H / patch_size) * ceil(W / patch_size) blocks."
            )
        return _grid_blocks(check_grid_shape(grid_shape, n_nodes), patch_size)
    adjacency = check_adjacency(adjacency, n_nodes)
    if n_clusters is None:
        n_clusters = math.ceil(n_nodes / patch_size**2)
    else:
        n_clusters = check_int(n_clusters, "n_clusters")
        if n_clusters > n_nodes:
            raise ValueError(
                f"n_clusters must be <= n_nodes={n_nodes} (no cluster may be empty); "
                f"got {n_clusters}."
            )
    # Each eigensolve and k-means is small (a few vectors, at most eight
    # centres): worker threads cost more than they save, and oversubscribe
    # machines shared with other work by an order of magnitude.
    with threadpool_limits(limits=1):
        labels = _graph_clusters(adjacency, n_clusters, check_random_state(random_state))
    return _number_by_first_node(labels)


def partition_matrix(labels):
    """Return the matrix that averages the nodes of each patch.

    Parameters
    ----------
    labels : array-like of int of shape (n_nodes,)
        The patch of each node, in ``0 .. n_patches - 1``, every patch
        used, as returned by :func:`spatial_partition`.

    Returns
    -------
    matrix : scipy.sparse.csr_array of shape (n_patches, n_nodes)
        ``matrix[p, i] = 1 / size(p)`` if node ``i`` is in patch ``p``,
        else 0: every row sums to 1, so ``matrix @ x`` is the mean of each
        patch for node values ``x`` of shape ``(n_nodes, ...)``. Its 0/1
        pattern, transposed (``(matrix > 0).T``), broadcasts patch values
        back to their nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import partition_matrix
    >>> matrix = partition_matrix([0, 0, 1, 0])
    >>> matrix.toarray().round(3)
    array([[0.333, 0.333, 0.   , 0.333],
           [0.   , 0.   , 1.   , 0.   ]])
    >>> matrix @ np.array([1.0, 2.0, 10.0, 3.0])
    array([ 2., 10.])
    """
    array = np.asarray(labels)
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iu":
        raise ValueError(
            "labels must be an array of ints of shape (n_nodes,) with values "
            f"0 .. n_patches - 1; got dtype {array.dtype} and shape {array.shape}."
        )
    if array.min() < 0:
        raise ValueError(f"labels must be >= 0; got {array.min()}.")
    counts = np.bincount(array)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise ValueError(
            f"labels must use every patch 0 .. {len(counts) - 1}; patch(es) "
            f"{empty[:5].tolist()} hold no node."
        )
    n_nodes = array.shape[0]
    return sp.csr_array(
        (1.0 / counts[array], (array, np.arange(n_nodes))),
        shape=(len(counts), n_nodes),
    )


def _grid_blocks(grid_shape, patch_size):
    """Label each cell of a row-major grid with its ``p x p`` block, row-major."""
    height, width = grid_shape
    rows, cols = np.divmod(np.arange(height * width, dtype=np.int64), width)
    n_block_cols = -(-width // patch_size)
    # Row-major block numbers are already in the order of each block's first cell.
    return (rows // patch_size) * n_block_cols + cols // patch_size


def _number_by_first_node(labels):
    """Renumber labels ``0, 1, ...`` in the order of their smallest node index."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()]


def _graph_clusters(adjacency, n_clusters, rng):
    """Cluster the nodes of a graph into exactly ``n_clusters`` non-empty clusters."""
    n_nodes = adjacency.shape[0]
    graph = sp.csr_array(adjacency)
    graph = ((graph + graph.T) * 0.5).tocsr()
    graph = (graph - sp.diags_array(graph.diagonal())).tocsr()
    graph.eliminate_zeros()

    labels = np.empty(n_nodes, dtype=np.int64)
    next_label = 0
    # Depth-first over (nodes of a part, clusters it must make); the order is
    # fixed, so the random stream, and hence the labels, follow the seed.
    work = [(np.arange(n_nodes), n_clusters)]
    while work:
        nodes, k = work.pop()
        if k == 1 or k == len(nodes):
            labels[nodes] = next_label + (np.arange(k) if k > 1 else 0)
            next_label += k
            continue
        parts = _split(graph[nodes][:, nodes], k, rng)
        shares = _share(k, [len(part) for part in parts])
        work.extend(
            (nodes[part], share) for part, share in reversed(list(zip(parts, shares, strict=True)))
        )
    return labels


def _split(graph, k, rng):
    """Split a graph of more than ``k`` nodes into 2 to ``k`` parts (local indices)."""
    n_components, component = connected_components(graph, directed=False)
    if n_components >= k:
        return _pack_components(component, n_components, k)
    if n_components > 1:
        return [np.flatnonzero(component == c) for c in range(n_components)]
    n_parts = min(k, _BRANCHING)
    embedding = _spectral_embedding(graph, n_parts, rng)
    if embedding is not None:
        # Imported here: sklearn.cluster is a second's import that only a
        # graph partition needs, not ``import sk_stfm``.
        from sklearn.cluster import KMeans

        with warnings.catch_warnings():
            # Nodes with identical neighbourhoods share an embedding; fewer
            # distinct clusters are handled below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            assignment = KMeans(n_clusters=n_parts, n_init=3, random_state=rng).fit_predict(
                embedding
            )
        parts = [np.flatnonzero(assignment == c) for c in np.unique(assignment)]
        if len(parts) > 1:
            return parts
    # No usable embedding: contiguous runs of a breadth-first order are local.
    order = breadth_first_order(graph, 0, directed=False, return_predecessors=False)
    return np.array_split(order, n_parts)


def _pack_components(component, n_components, k):
    """Pack whole components into ``k`` groups of about equal size, largest first."""
    sizes = np.bincount(component, minlength=n_components)
    _, first = np.unique(component, return_index=True)
    groups = [(0, g) for g in range(k)]  # (nodes so far, group), a min-heap
    group_of = np.empty(n_components, dtype=np.int64)
    for c in np.lexsort((first, -sizes)):
        total, g = heapq.heappop(groups)
        group_of[c] = g
        heapq.heappush(groups, (total + int(sizes[c]), g))
    assignment = group_of[component]
    return [np.flatnonzero(assignment == g) for g in range(k)]


def _share(k, sizes):
    """Share ``k`` clusters among parts in proportion to their sizes.

    Every part gets one, then each further cluster goes to the part whose
    clusters are largest on average (ties: the first part); a part never
    gets more clusters than nodes as long as ``k <= sum(sizes)``.
    """
    shares = [1] * len(sizes)
    heap = [(-size, i) for i, size in enumerate(sizes) if size > 1]
    heapq.heapify(heap)
    for _ in range(k - len(sizes)):
        _, i = heapq.heappop(heap)
        shares[i] += 1
        if shares[i] < sizes[i]:
            heapq.heappush(heap, (-sizes[i] / shares[i], i))
    return shares


def _spectral_embedding(graph, n_vectors, rng):
    """Unit-length rows of the ``n_vectors`` lowest normalized-Laplacian eigenvectors.

    Returns ``None`` when the eigensolver finds fewer than two vectors.
    """
    n_nodes = graph.shape[0]
    scale = sp.diags_array(1.0 / np.sqrt(graph.sum(axis=1)))
    # The lowest eigenvectors of L = I - D^-1/2 A D^-1/2 are the highest of
    # I + D^-1/2 A D^-1/2, whose spectrum lies in [0, 2]: Lanczos finds them
    # from matrix products alone, where shift-invert would factorize the
    # Laplacian (fill-in on dense graphs).
    shifted = (scale @ graph @ scale + sp.eye_array(n_nodes)).tocsr()
    if n_nodes <= _DENSE_EIGEN_MAX_NODES:
        _, vectors = scipy.linalg.eigh(
            shifted.toarray(), subset_by_index=[n_nodes - n_vectors, n_nodes - 1]
        )
    else:
        start = rng.uniform(-1.0, 1.0, n_nodes)
        try:
            _, vectors = eigsh(shifted, k=n_vectors, which="LA", v0=start, tol=1e-8)
        except ArpackNoConvergence as error:
            vectors = error.eigenvectors
    if vectors.shape[1] < 2:
        return None
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float64).tiny)
