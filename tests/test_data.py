"""The data contract: STData, windows, splits, validation."""

import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sk_stfm.data import (
    STData,
    as_windows,
    check_adjacency,
    fill_missing,
    make_windows,
    restore_layout,
    temporal_split,
)


@pytest.fixture
def graph_data():
    rng = np.random.default_rng(0)
    return STData(
        rng.normal(size=(50, 4, 2)),
        timestamps=pd.date_range("2024-01-01", periods=50, freq="h"),
        adjacency=np.ones((4, 4)) - np.eye(4),
        kind="graph",
        node_names=list("abcd"),
        channel_names=["speed", "flow"],
    )


def test_windows_equal_the_source_slices(graph_data):
    X, y = make_windows(graph_data, history=8, horizon=3, stride=5)
    assert X.shape == (8, 8, 4, 2) and y.shape == (8, 3, 4, 2)
    for i in range(len(X)):
        start = i * 5
        np.testing.assert_array_equal(X[i], graph_data.values[start : start + 8])
        np.testing.assert_array_equal(y[i], graph_data.values[start + 8 : start + 11])


def test_windows_are_zero_copy_and_fast_on_a_million_steps():
    series = np.zeros((1_000_000, 1, 7), dtype=np.float32)
    start = time.perf_counter()
    X, y = make_windows(series, history=512, horizon=96)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert X.shape == (1_000_000 - 608 + 1, 512, 1, 7)
    assert np.shares_memory(X, series) and np.shares_memory(y, series)
    assert X.dtype == np.float32


def test_windows_accept_1d_and_2d_series():
    X, y = make_windows(np.arange(10.0), history=3, horizon=1)
    assert X.shape == (7, 3, 1, 1)
    X, y = make_windows(np.zeros((10, 2)), history=3, horizon=0)
    assert X.shape == (8, 3, 1, 2) and y.shape == (8, 0, 1, 2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"history": 0, "horizon": 1}, ValueError, "history"),
        ({"history": 2, "horizon": -1}, ValueError, "horizon"),
        ({"history": 2, "horizon": 1, "stride": 0}, ValueError, "stride"),
        ({"history": 2.5, "horizon": 1}, TypeError, "history"),
        ({"history": 9, "horizon": 3}, ValueError, "history \\+ horizon"),
    ],
)
def test_windows_reject_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(np.zeros((10, 1, 1)), **kwargs)


def test_5d_array_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"\(n_steps, n_nodes, n_channels\)"):
        make_windows(np.zeros((10, 1, 1, 1, 1)), history=2, horizon=1)
    with pytest.raises(ValueError, match=r"\(n_samples, n_steps, n_nodes, n_channels\)"):
        as_windows(np.zeros((2, 3, 4, 5, 6)))


def test_strings_are_a_type_error():
    with pytest.raises(TypeError, match="data"):
        make_windows(np.array(["a"] * 10), history=2, horizon=1)


def test_temporal_split_by_rows_keeps_order_and_overlap(graph_data):
    train, val, test = temporal_split(graph_data, 30, 10, 10, overlap=4)
    assert (train.n_steps, val.n_steps, test.n_steps) == (30, 14, 14)
    assert train.timestamps[-1] < val.timestamps[4] < test.timestamps[4]
    np.testing.assert_array_equal(val.values[4:], graph_data.values[30:40])
    np.testing.assert_array_equal(test.values[:4], graph_data.values[36:40])
    assert val.adjacency is graph_data.adjacency


def test_temporal_split_by_fractions_uses_every_row():
    parts = temporal_split(np.arange(101.0), 0.7, 0.1, 0.2)
    assert [len(p) for p in parts] == [71, 10, 20]
    np.testing.assert_array_equal(np.concatenate(parts)[:, 0, 0], np.arange(101.0))


@pytest.mark.parametrize(
    "args, error",
    [((0.8, 0.2, 0.2), ValueError), ((60, 0, 0), ValueError), ((0.5, 10, 0.2), TypeError)],
)
def test_temporal_split_rejects_bad_sizes(args, error):
    with pytest.raises(error):
        temporal_split(np.zeros(50), *args)


def test_stdata_validates_its_context():
    with pytest.raises(ValueError, match="values"):
        STData(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="timestamps"):
        STData(np.zeros((5, 1, 1)), timestamps=pd.date_range("2020", periods=4))
    with pytest.raises(ValueError, match="adjacency"):
        STData(np.zeros((5, 3, 1)), adjacency=np.ones((2, 2)))
    with pytest.raises(ValueError, match="grid_shape"):
        STData(np.zeros((5, 6, 1)), grid_shape=(2, 2))
    with pytest.raises(ValueError, match="kind"):
        STData(np.zeros((5, 1, 1)), kind="table")


def test_stdata_dynamic_adjacency_is_validated_and_sliced():
    daily = [sp.random(4, 4, density=0.5, random_state=t, format="coo") for t in range(10)]
    dense = [np.eye(4) * t for t in range(10)]
    data = STData(np.zeros((10, 4, 1)), kind="graph", dynamic_adjacency=daily)
    assert isinstance(data.dynamic_adjacency, tuple) and len(data.dynamic_adjacency) == 10
    assert all(isinstance(a, sp.csr_array) for a in data.dynamic_adjacency)
    np.testing.assert_array_equal(data.dynamic_adjacency[3].toarray(), daily[3].toarray())
    assert data.adjacency is None  # independent of the static graph
    as_array = STData(np.zeros((10, 4, 1)), dynamic_adjacency=np.stack(dense))
    assert isinstance(as_array.dynamic_adjacency[0], np.ndarray)
    np.testing.assert_array_equal(as_array.dynamic_adjacency[7], dense[7])
    part = data.slice_steps(2, 6)
    assert len(part.dynamic_adjacency) == 4
    np.testing.assert_array_equal(part.dynamic_adjacency[0].toarray(), daily[2].toarray())
    train, val, test = temporal_split(as_array, train=6, val=2, test=2)
    assert [len(p.dynamic_adjacency) for p in (train, val, test)] == [6, 2, 2]
    np.testing.assert_array_equal(test.dynamic_adjacency[-1], dense[9])
    # Without it, nothing changes.
    assert STData(np.zeros((3, 1, 1))).slice_steps(0, 2).dynamic_adjacency is None


def test_stdata_dynamic_adjacency_errors_name_the_argument():
    values = np.zeros((3, 2, 1))
    with pytest.raises(ValueError, match="one matrix per step, n_steps=3; got 2"):
        STData(values, dynamic_adjacency=[np.eye(2)] * 2)
    with pytest.raises(ValueError, match=r"dynamic_adjacency\[1\] must have shape \(2, 2\)"):
        STData(values, dynamic_adjacency=[np.eye(2), np.eye(3), np.eye(2)])
    with pytest.raises(ValueError, match=r"dynamic_adjacency\[2\] must have non-negative"):
        STData(values, dynamic_adjacency=[np.eye(2), np.eye(2), -np.eye(2)])
    with pytest.raises(TypeError, match="got a single csr_array"):
        STData(values, dynamic_adjacency=sp.csr_array(np.eye(2)))
    with pytest.raises(TypeError, match="sequence of n_steps adjacency matrices"):
        STData(values, dynamic_adjacency=5)


def test_frame_round_trips(graph_data):
    for layout in ("wide", "long"):
        frame = graph_data.to_frame(layout)
        back = STData.from_frame(frame, layout=layout, kind="graph")
        np.testing.assert_allclose(back.values, graph_data.values)
        assert list(back.timestamps) == list(graph_data.timestamps)
        assert back.node_names == graph_data.node_names
        assert back.channel_names == graph_data.channel_names


def test_long_frame_with_gaps_becomes_nan():
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02"]),
            "node": ["a", "b", "a"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    data = STData.from_frame(frame, layout="long")
    assert data.shape == (2, 2, 1)
    assert np.isnan(data.values[1, 1, 0]) and data.values[1, 0, 0] == 3.0


def test_adjacency_checks_accept_dense_sparse_and_networkx():
    graph = nx.cycle_graph(4)
    dense = check_adjacency(nx.to_numpy_array(graph), 4)
    sparse = check_adjacency(sp.csr_matrix(dense), 4)
    from_nx = check_adjacency(graph, 4)
    np.testing.assert_array_equal(sparse.toarray(), dense)
    np.testing.assert_array_equal(from_nx.toarray(), dense)
    with pytest.raises(ValueError, match="non-negative"):
        check_adjacency(-np.ones((2, 2)))
    with pytest.raises(ValueError, match="square"):
        check_adjacency(np.ones((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        check_adjacency(sp.csr_matrix(np.array([[0, np.nan], [1, 0]])))


def test_layouts_and_masks():
    flat = np.arange(24.0).reshape(2, 12)
    windows = as_windows(flat, window_shape=(3, 2, 2))
    assert windows.shape == (2, 3, 2, 2) and np.shares_memory(windows, flat)
    np.testing.assert_array_equal(restore_layout(windows, 2), flat)
    with pytest.raises(ValueError, match="window_shape"):
        as_windows(flat, window_shape=(5, 1, 1))
    filled, mask = fill_missing(np.array([1.0, np.nan]))
    np.testing.assert_array_equal(filled, [1.0, 0.0])
    np.testing.assert_array_equal(mask, [True, False])
