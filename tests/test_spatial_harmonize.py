"""Spatial structure: grid lattices, spatial partitions, sensor graphs, spatial patches."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline

from sk_stfm.data import (
    check_grid_shape,
    grid_adjacency,
    partition_matrix,
    spatial_partition,
)
from sk_stfm.harmonize import GraphFilter, GridToGraph, SpatialPatcher, STStandardScaler


def _two_cliques(size_a, size_b, seed=0):
    """Two cliques joined by one edge, nodes shuffled; returns (adjacency, in_first)."""
    n = size_a + size_b
    adjacency = np.zeros((n, n))
    adjacency[:size_a, :size_a] = 1.0
    adjacency[size_a:, size_a:] = 1.0
    np.fill_diagonal(adjacency, 0.0)
    adjacency[size_a - 1, size_a] = adjacency[size_a, size_a - 1] = 1.0
    order = np.random.default_rng(seed).permutation(n)
    return adjacency[np.ix_(order, order)], order < size_a


def _knn_graph(n_nodes, k=6, seed=0):
    points = np.random.default_rng(seed).random((n_nodes, 2))
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    return GraphFilter(k=k, kernel=None).fit_transform(distances)


# ---------------------------------------------------------------- grids


def test_grid_adjacency_4_neighbour_edge_count_and_degrees():
    adjacency = grid_adjacency((16, 8))
    assert isinstance(adjacency, sp.csr_array)
    assert adjacency.shape == (128, 128)
    assert adjacency.nnz == 2 * (16 * 7 + 15 * 8) == 464
    assert (adjacency != adjacency.T).nnz == 0
    degree = adjacency.sum(axis=1).reshape(16, 8)
    assert degree[0, 0] == degree[-1, -1] == 2  # corners
    assert degree[0, 3] == degree[5, 0] == 3  # borders
    assert degree[5, 3] == 4
    assert adjacency.diagonal().sum() == 0
    # Row-major: cell (i, j) is node i * W + j, so its right neighbour is +1.
    assert adjacency[3 * 8 + 2, 3 * 8 + 3] == 1.0
    assert adjacency[3 * 8 + 7, 4 * 8 + 0] == 0.0  # no wrap-around


def test_grid_adjacency_8_neighbour_and_self_loops():
    adjacency = grid_adjacency((16, 8), connectivity=8)
    assert adjacency.nnz == 2 * (16 * 7 + 15 * 8 + 2 * 15 * 7) == 884
    assert (adjacency != adjacency.T).nnz == 0
    degree = adjacency.sum(axis=1).reshape(16, 8)
    assert degree[0, 0] == 3 and degree[0, 3] == 5 and degree[5, 3] == 8
    looped = grid_adjacency((16, 8), self_loops=True)
    assert looped.nnz == 464 + 128
    np.testing.assert_array_equal(looped.diagonal(), 1.0)


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 1)])
def test_grid_adjacency_of_degenerate_grids(shape):
    adjacency = grid_adjacency(shape, connectivity=8)
    n = shape[0] * shape[1]
    assert adjacency.shape == (n, n)
    assert adjacency.nnz == 2 * (n - 1)


def test_grid_adjacency_rejects_bad_arguments():
    with pytest.raises(ValueError, match="connectivity must be 4 or 8"):
        grid_adjacency((3, 3), connectivity=6)
    with pytest.raises(ValueError, match=r"grid_shape must be a pair of positive ints \(H, W\)"):
        grid_adjacency((3, -1))
    with pytest.raises(ValueError, match="grid_shape"):
        grid_adjacency((3, 3, 3))


def test_check_grid_shape_infers_one_entry_and_names_the_argument():
    assert check_grid_shape([4, 3], n_nodes=12) == (4, 3)
    assert check_grid_shape((-1, 3), n_nodes=12) == (4, 3)
    assert check_grid_shape((np.int64(2), -1), n_nodes=12) == (2, 6)
    with pytest.raises(ValueError, match=r"must describe H \* W = n_nodes=12"):
        check_grid_shape((5, -1), n_nodes=12)
    with pytest.raises(ValueError, match=r"H \* W = n_nodes=12"):
        check_grid_shape((3, 3), n_nodes=12)
    with pytest.raises(ValueError, match="shape_of_frame must be a pair"):
        check_grid_shape((-1, -1), n_nodes=12, name="shape_of_frame")
    with pytest.raises(ValueError, match="grid_shape"):
        check_grid_shape((2.0, 3.0))


# ---------------------------------------------------------------- partitions


@pytest.mark.parametrize(
    "grid_shape, patch_size, sizes",
    [
        ((16, 8), 2, [4] * 32),
        ((16, 8), 4, [16] * 8),
        ((5, 5), 2, [4, 4, 2, 4, 4, 2, 2, 2, 1]),  # partial blocks at the edges
        ((3, 7), 1, [1] * 21),
        ((3, 7), 8, [21]),
    ],
)
def test_grid_partition_block_sizes(grid_shape, patch_size, sizes):
    n_nodes = grid_shape[0] * grid_shape[1]
    labels = spatial_partition(n_nodes, grid_shape=grid_shape, patch_size=patch_size)
    assert labels.dtype == np.int64 and labels.shape == (n_nodes,)
    np.testing.assert_array_equal(np.bincount(labels), sizes)


def test_grid_partition_blocks_are_row_major_squares():
    labels = spatial_partition(128, grid_shape=(16, 8), patch_size=2).reshape(16, 8)
    for i in range(16):
        for j in range(8):
            assert labels[i, j] == (i // 2) * 4 + j // 2
    # -1 is inferred from n_nodes.
    np.testing.assert_array_equal(spatial_partition(128, grid_shape=(-1, 8)), labels.ravel())


def test_spectral_partition_splits_two_cliques():
    adjacency, in_first = _two_cliques(10, 10)
    for adjacency_form in (adjacency, sp.csr_array(adjacency)):
        labels = spatial_partition(20, adjacency=adjacency_form, n_clusters=2, random_state=0)
        assert set(labels) == {0, 1}
        assert len(set(labels[in_first])) == 1 and len(set(labels[~in_first])) == 1
        assert labels[0] == 0  # numbered by smallest node index


def test_spectral_partition_splits_unequal_cliques():
    adjacency, in_first = _two_cliques(12, 5, seed=3)
    labels = spatial_partition(17, adjacency=adjacency, n_clusters=2, random_state=1)
    np.testing.assert_array_equal(labels == labels[np.flatnonzero(in_first)[0]], in_first)


def test_graph_partition_of_a_lattice_recovers_grid_blocks():
    blocks = spatial_partition(16, grid_shape=(4, 4), patch_size=2)
    clusters = spatial_partition(16, adjacency=grid_adjacency((4, 4)), random_state=0)
    np.testing.assert_array_equal(clusters, blocks)


def test_spectral_partition_is_deterministic_balanced_and_ordered():
    adjacency = _knn_graph(300)
    first = spatial_partition(300, adjacency=adjacency, patch_size=3, random_state=7)
    again = spatial_partition(300, adjacency=adjacency, patch_size=3, random_state=7)
    np.testing.assert_array_equal(first, again)
    n_clusters = int(np.ceil(300 / 9))
    counts = np.bincount(first)
    assert len(counts) == n_clusters and counts.min() >= 1  # none empty
    # Clusters are numbered in the order of their first node.
    _, first_index = np.unique(first, return_index=True)
    assert np.all(np.diff(first_index) > 0)
    # Patches are local: most edges stay inside one.
    rows, cols = adjacency.nonzero()
    assert np.mean(first[rows] == first[cols]) > 0.4


def test_spectral_partition_of_a_large_sparse_graph():
    # Above the dense-solver size: the sparse eigensolver and several levels.
    adjacency = _knn_graph(1500, k=5, seed=1)
    labels = spatial_partition(1500, adjacency=adjacency, random_state=0)
    counts = np.bincount(labels)
    assert len(counts) == 375 and counts.min() >= 1
    assert np.median(counts) <= 8


def test_disconnected_and_edgeless_graphs():
    # Three components, three clusters: one per component.
    blocks = sp.block_diag([np.ones((4, 4)), np.ones((3, 3)), np.ones((5, 5))], format="csr")
    labels = spatial_partition(12, adjacency=blocks, n_clusters=3, random_state=0)
    np.testing.assert_array_equal(labels, [0] * 4 + [1] * 3 + [2] * 5)
    # More clusters than components: each component is clustered in turn.
    labels = spatial_partition(12, adjacency=blocks, n_clusters=5, random_state=0)
    assert len(np.unique(labels)) == 5
    for component in (slice(0, 4), slice(4, 7), slice(7, 12)):
        assert not set(labels[component]) & set(np.delete(labels, np.r_[component]))
    # No edges at all: balanced groups, the same without a seed.
    empty = spatial_partition(10, adjacency=np.zeros((10, 10)), n_clusters=3)
    np.testing.assert_array_equal(np.bincount(empty), [4, 3, 3])
    np.testing.assert_array_equal(
        empty, spatial_partition(10, adjacency=sp.csr_array((10, 10)), n_clusters=3)
    )


@pytest.mark.parametrize("n_nodes", [1, 2, 3])
def test_tiny_graphs(n_nodes):
    adjacency = np.ones((n_nodes, n_nodes))
    np.testing.assert_array_equal(
        spatial_partition(n_nodes, adjacency=adjacency), np.zeros(n_nodes)
    )
    np.testing.assert_array_equal(
        spatial_partition(n_nodes, adjacency=adjacency, n_clusters=n_nodes), np.arange(n_nodes)
    )


def test_directed_graph_is_symmetrized():
    path = np.eye(8, k=1)  # a directed path
    labels = spatial_partition(8, adjacency=path, n_clusters=2, random_state=0)
    np.testing.assert_array_equal(labels, [0, 0, 0, 0, 1, 1, 1, 1])


def test_spatial_partition_errors_name_the_arguments():
    with pytest.raises(ValueError, match="grid_shape.*adjacency|adjacency.*grid_shape"):
        spatial_partition(4)
    with pytest.raises(ValueError, match="not both"):
        spatial_partition(4, grid_shape=(2, 2), adjacency=np.ones((4, 4)))
    with pytest.raises(ValueError, match="n_clusters applies to graphs"):
        spatial_partition(4, grid_shape=(2, 2), n_clusters=2)
    with pytest.raises(ValueError, match=r"adjacency must have shape \(5, 5\)"):
        spatial_partition(5, adjacency=np.ones((4, 4)))
    with pytest.raises(ValueError, match="grid_shape"):
        spatial_partition(5, grid_shape=(2, 2))
    with pytest.raises(ValueError, match="n_clusters must be <= n_nodes=4"):
        spatial_partition(4, adjacency=np.ones((4, 4)), n_clusters=5)
    with pytest.raises(ValueError, match="patch_size must be >= 1"):
        spatial_partition(4, grid_shape=(2, 2), patch_size=0)


def test_partition_matrix_averages_and_broadcasts():
    labels = spatial_partition(20, grid_shape=(4, 5))
    matrix = partition_matrix(labels)
    assert isinstance(matrix, sp.csr_array) and matrix.shape == (6, 20)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    values = np.arange(20.0)
    np.testing.assert_allclose(matrix @ values, [np.mean(values[labels == p]) for p in range(6)])
    back = (matrix > 0).T.astype(float) @ (matrix @ values)
    np.testing.assert_allclose(back, (matrix @ values)[labels])


def test_partition_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="patch"):
        partition_matrix([0, 2, 2])  # patch 1 empty
    with pytest.raises(ValueError, match=r"shape \(n_nodes,\)"):
        partition_matrix([[0, 1]])
    with pytest.raises(ValueError, match=r"shape \(n_nodes,\)"):
        partition_matrix([0.0, 1.0])
    with pytest.raises(ValueError, match=">= 0"):
        partition_matrix([-1, 0])


# ---------------------------------------------------------------- GridToGraph


def test_grid_to_graph_attaches_the_lattice_and_passes_windows_through():
    X = np.random.default_rng(0).normal(size=(3, 4, 128, 2))
    graph = GridToGraph(grid_shape=(16, -1), connectivity=8).fit(X)
    assert graph.grid_shape_ == (16, 8)
    assert (graph.adjacency_ != grid_adjacency((16, 8), connectivity=8)).nnz == 0
    np.testing.assert_array_equal(graph.transform(X), X)
    pipe = make_pipeline(GridToGraph((16, 8)), STStandardScaler()).fit(X)
    assert pipe[0].adjacency_.nnz == 464
    with pytest.raises(ValueError, match="grid_shape"):
        GridToGraph(grid_shape=(10, 10)).fit(X)


# ---------------------------------------------------------------- GraphFilter


def _distances(n_nodes=30, seed=0):
    points = np.random.default_rng(seed).random((n_nodes, 2))
    return np.linalg.norm(points[:, None] - points[None], axis=-1)


def test_knn_keeps_the_k_nearest_per_row():
    distances = _distances()
    adjacency = GraphFilter(k=4, symmetric=False).fit_transform(distances)
    assert isinstance(adjacency, sp.csr_array) and adjacency.shape == (30, 30)
    np.testing.assert_array_equal(np.diff(adjacency.indptr), 4)
    assert adjacency.diagonal().sum() == 0  # no self loops
    for i in range(30):
        others = np.argsort(np.where(np.arange(30) == i, np.inf, distances[i]))[:4]
        np.testing.assert_array_equal(np.sort(adjacency[[i]].indices), np.sort(others))


def test_knn_symmetric_is_the_union_and_gaussian_weights_lie_in_0_1():
    distances = _distances()
    graph = GraphFilter(k=4).fit(distances)
    adjacency = graph.transform(distances)
    assert (adjacency != adjacency.T).nnz == 0
    assert np.all(np.diff(adjacency.indptr) >= 4)
    assert np.all((adjacency.data > 0) & (adjacency.data <= 1))
    off_diagonal = distances[~np.eye(30, dtype=bool)]
    assert graph.sigma_ == pytest.approx(off_diagonal.std())
    rows, cols = adjacency.nonzero()
    np.testing.assert_allclose(
        adjacency[rows, cols], np.exp(-(distances[rows, cols] ** 2) / graph.sigma_**2)
    )


def test_knn_breaks_ties_by_the_lower_index():
    distances = np.abs(np.arange(5.0)[:, None] - np.arange(5.0)[None])
    adjacency = GraphFilter(k=1, kernel=None, symmetric=False).fit_transform(distances)
    # Node 2 is as far from 1 as from 3: it keeps 1.
    np.testing.assert_array_equal(adjacency[[2]].indices, [1])


def test_threshold_keeps_weights_above_it():
    distances = _distances()
    graph = GraphFilter(method="threshold", threshold=0.5).fit(distances)
    adjacency = graph.transform(distances)
    weights = np.exp(-(distances**2) / graph.sigma_**2)
    expected = (weights >= 0.5) & ~np.eye(30, dtype=bool)
    np.testing.assert_array_equal(adjacency.toarray() > 0, expected)
    assert adjacency.data.min() >= 0.5
    radius = GraphFilter(method="threshold", threshold=0.2, kernel=None).fit_transform(distances)
    np.testing.assert_array_equal(radius.toarray(), (distances <= 0.2) & ~np.eye(30, dtype=bool))


def test_nan_and_inf_distances_are_no_edge():
    distances = _distances(10)
    distances[0, 1:] = np.nan
    distances[1:, 0] = np.inf
    for method in ("knn", "threshold"):
        graph = GraphFilter(method=method, k=3, threshold=0.0).fit(distances)
        adjacency = graph.transform(distances)
        assert np.isfinite(adjacency.data).all()
        assert adjacency[[0]].nnz == 0 and adjacency[:, [0]].nnz == 0
        assert np.isfinite(graph.sigma_)


def test_sparse_distances_match_dense_ones():
    distances = _distances(25)
    distances[distances > 0.5] = np.inf
    dense = GraphFilter(k=5, sigma=0.3).fit_transform(distances)
    stored = np.where(np.isfinite(distances), distances, 0.0)
    sparse = sp.csr_array(stored)  # unstored = no edge
    assert (GraphFilter(k=5, sigma=0.3).fit_transform(sparse) != dense).nnz == 0
    threshold = GraphFilter(method="threshold", threshold=0.3, sigma=0.3)
    assert (threshold.fit_transform(sparse) != threshold.fit_transform(distances)).nnz == 0


def test_graph_filter_queries_and_errors():
    distances = _distances()
    graph = GraphFilter(k=3).fit(distances)
    queries = graph.transform(distances[:5, :])  # rectangular: rows are queries
    assert queries.shape == (5, 30)
    np.testing.assert_array_equal(np.diff(queries.indptr), 3)
    with pytest.raises(
        ValueError, match=r"square matrix of distances of shape \(n_nodes, n_nodes\)"
    ):
        GraphFilter().fit(distances[:5])
    with pytest.raises(ValueError, match="Negative values"):
        GraphFilter().fit(-distances)
    with pytest.raises(ValueError, match=r"2D array of distances"):
        GraphFilter().fit(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="features"):
        graph.transform(distances[:, :10])


def test_graph_filter_feeds_spatial_patcher():
    distances = _distances(40)
    adjacency = GraphFilter(k=5).fit_transform(distances)
    X = np.random.default_rng(0).normal(size=(2, 3, 40, 1))
    out = SpatialPatcher(adjacency=adjacency, random_state=0).fit_transform(X)
    assert out.shape == (2, 3, 10, 1)


# ---------------------------------------------------------------- SpatialPatcher


def test_spatial_patcher_pools_grid_blocks():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 5, 128, 2))
    patcher = SpatialPatcher(grid_shape=(16, 8), patch_size=2).fit(X)
    assert patcher.n_patches_ == 32
    out = patcher.transform(X)
    assert out.shape == (3, 5, 32, 2)
    labels = patcher.labels_
    np.testing.assert_allclose(out[:, :, 5], X[:, :, labels == 5].mean(axis=2))


def test_spatial_patcher_mean_is_nan_aware():
    X = np.arange(16.0).reshape(1, 1, 16, 1).repeat(2, axis=1)
    X[0, 0, [0, 1, 4]] = np.nan  # three of the four cells of patch 0
    X[0, 1, [0, 1, 4, 5]] = np.nan  # all of patch 0
    out = SpatialPatcher(grid_shape=(4, 4)).fit(X).transform(X)
    assert out[0, 0, 0, 0] == 5.0
    assert np.isnan(out[0, 1, 0, 0])
    assert np.isfinite(out[0, :, 1:]).all()
    maxima = SpatialPatcher(grid_shape=(4, 4), reduce="max").fit(X).transform(X)
    assert maxima[0, 0, 0, 0] == 5.0 and np.isnan(maxima[0, 1, 0, 0])
    np.testing.assert_array_equal(maxima[0, 0, 1:, 0], [7.0, 13.0, 15.0])
    minima = SpatialPatcher(grid_shape=(4, 4), reduce="min").fit(X).transform(X)
    np.testing.assert_array_equal(minima[0, 0, 1:, 0], [2.0, 8.0, 10.0])


def test_spatial_patcher_inverse_is_exact_for_patch_constant_windows():
    rng = np.random.default_rng(0)
    patcher = SpatialPatcher(grid_shape=(6, 6), patch_size=3).fit(np.zeros((1, 1, 36, 2)))
    patch_values = rng.normal(size=(4, 7, patcher.n_patches_, 2))
    X = patch_values[:, :, patcher.labels_]
    np.testing.assert_array_equal(patcher.transform(X), patch_values)
    np.testing.assert_array_equal(patcher.inverse_transform(patcher.transform(X)), X)
    # 2-D rows through window_shape, in and out.
    flat = X.reshape(4, -1)
    rows = SpatialPatcher(grid_shape=(6, 6), patch_size=3, window_shape=(7, 36, 2)).fit(flat)
    np.testing.assert_array_equal(rows.transform(flat), patch_values.reshape(4, -1))
    np.testing.assert_array_equal(rows.inverse_transform(rows.transform(flat)), flat)
    with pytest.raises(ValueError, match=r"\(n_samples, n_steps, 4, 2\)"):
        patcher.inverse_transform(X)


def test_spatial_patcher_on_graphs_and_errors():
    adjacency, in_first = _two_cliques(8, 8)
    X = np.where(in_first, 1.0, -1.0)[None, None, :, None] * np.ones((2, 3, 1, 1))
    patcher = SpatialPatcher(adjacency=adjacency, n_clusters=2, random_state=0).fit(X)
    out = patcher.transform(X)
    assert out.shape == (2, 3, 2, 1)
    np.testing.assert_array_equal(np.sort(out[0, 0, :, 0]), [-1.0, 1.0])
    np.testing.assert_array_equal(patcher.inverse_transform(out), X)
    assert patcher.transform(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="grid_shape.*adjacency|adjacency.*grid_shape"):
        SpatialPatcher().fit(X)
    with pytest.raises(ValueError, match="adjacency"):
        SpatialPatcher(adjacency=np.ones((3, 3))).fit(X)
