"""Tests for sk_stfm.datasets: bundled loaders, checksums and synthetic data."""

import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from pandas.tseries.frequencies import to_offset
from scipy.sparse.csgraph import connected_components

from sk_stfm.data import STData
from sk_stfm.datasets import (
    list_datasets,
    load_chickenpox,
    load_dataset,
    load_etth1,
    load_etth2,
    load_exchange_rate,
    load_ili,
    load_los_loop,
    make_graph_signal,
    make_seasonal_series,
)
from sk_stfm.datasets._loaders import DATA_DIR
from sk_stfm.datasets._registry import DATASETS

LOADERS = {
    "etth1": load_etth1,
    "etth2": load_etth2,
    "ili": load_ili,
    "exchange_rate": load_exchange_rate,
    "los_loop": load_los_loop,
    "chickenpox": load_chickenpox,
}


@pytest.fixture(scope="module")
def loaded():
    """Load each data set once for the module."""
    return {name: loader() for name, loader in LOADERS.items()}


# --- bundled files and registry ---------------------------------------------


def test_registry_matches_shipped_files():
    shipped = {p.name for p in DATA_DIR.glob("*.gz")}
    registered = {f for record in DATASETS.values() for f in record.files}
    assert shipped == registered
    for record in DATASETS.values():
        for filename in record.files:
            digest = hashlib.sha256((DATA_DIR / filename).read_bytes()).hexdigest()
            assert digest == record.sha256[filename]
    assert (DATA_DIR / "ATTRIBUTION.md").is_file()


def test_shipped_data_stay_small():
    total = sum(p.stat().st_size for p in DATA_DIR.glob("*.gz"))
    assert total < 3_000_000


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_returns_stdata_with_context(loaded, name):
    data = loaded[name]
    record = DATASETS[name]
    assert isinstance(data, STData)
    assert data.values.dtype == np.float64
    assert data.shape == record.shape
    assert not np.isnan(data.values).any()
    assert data.name == name
    assert data.kind == record.kind
    assert data.description == record.description
    assert data.citation == record.citation and data.citation
    assert data.license == record.license and data.license
    assert len(data.channel_names) == data.n_channels
    if data.timestamps is not None:
        assert data.timestamps.freq == to_offset(record.sampling_interval)
        step = pd.Timedelta(record.sampling_interval)
        assert (data.timestamps[1:] - data.timestamps[:-1] == step).all()


@pytest.mark.parametrize("name", ["ili", "exchange_rate", "chickenpox"])
def test_load_dataset_dispatches_by_name(loaded, name):
    np.testing.assert_array_equal(load_dataset(name).values, loaded[name].values)


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match="Unknown data set 'nope'.*etth1"):
        load_dataset("nope")


# --- each data set ----------------------------------------------------------


@pytest.mark.parametrize("name", ["etth1", "etth2"])
def test_ett_shape_and_hourly_timestamps(loaded, name):
    data = loaded[name]
    assert data.values.shape == (17420, 1, 7)
    assert data.kind == "series"
    assert data.channel_names == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    ts = data.timestamps
    assert isinstance(ts, pd.DatetimeIndex)
    assert ts[1] - ts[0] == pd.Timedelta("1h")
    assert ts.freq == pd.Timedelta("1h")
    assert ts[0] == pd.Timestamp("2016-07-01 00:00")
    assert ts[-1] == pd.Timestamp("2018-06-26 19:00")
    assert "Informer" in data.citation
    assert data.license == "CC BY-ND 4.0"


def test_etth1_first_row_equals_csv(loaded):
    # First data row of ETT-small/ETTh1.csv, copied from the file.
    first = [
        5.827000141143799,
        2.009000062942505,
        1.5989999771118164,
        0.4620000123977661,
        4.203000068664552,
        1.3400000333786009,
        30.5310001373291,
    ]
    np.testing.assert_array_equal(loaded["etth1"].values[0, 0], first)


def test_ili(loaded):
    data = loaded["ili"]
    assert data.values.shape == (966, 1, 7)
    assert data.timestamps[0] == pd.Timestamp("2002-01-01")
    assert data.timestamps[-1] == pd.Timestamp("2020-06-30")
    assert data.timestamps[1] - data.timestamps[0] == pd.Timedelta("7D")
    assert data.channel_names[0] == "% WEIGHTED ILI"
    assert data.channel_names[-1] == "OT"
    np.testing.assert_allclose(data.values[0, 0], [1.22262, 1.16668, 582, 805, 2060, 754, 176569])


def test_exchange_rate(loaded):
    data = loaded["exchange_rate"]
    assert data.values.shape == (7588, 1, 8)
    assert data.timestamps is None
    assert data.channel_names == [
        "Australia",
        "British",
        "Canada",
        "Switzerland",
        "China",
        "Japan",
        "New Zealand",
        "Singapore",
    ]
    assert "synthetic" in data.description
    np.testing.assert_allclose(
        data.values[0, 0],
        [0.7855, 1.611, 0.861698, 0.634196, 0.211242, 0.006838, 0.593, 0.525486],
    )


def test_los_loop(loaded):
    data = loaded["los_loop"]
    assert data.values.shape == (2016, 207, 1)
    assert data.kind == "graph"
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array)
    assert adjacency.shape == (207, 207)
    assert adjacency.dtype == np.float64
    # The T-GCN matrix is symmetric, Gaussian-kernel weights in (0, 1], ones
    # on the diagonal, 2,833 stored entries.
    assert abs(adjacency - adjacency.T).max() == 0
    assert adjacency.nnz == 2833
    np.testing.assert_array_equal(adjacency.diagonal(), 1.0)
    assert adjacency.data.min() > 0 and adjacency.data.max() <= 1
    assert data.node_names[:3] == ["773869", "767541", "767542"]
    assert len(set(data.node_names)) == 207
    ts = data.timestamps
    assert ts[0] == pd.Timestamp("2012-03-01 00:00")
    assert ts[-1] == pd.Timestamp("2012-03-07 23:55")
    assert ts.freq == pd.Timedelta("5min")
    assert 1 <= data.values.min() and data.values.max() <= 70


def test_chickenpox(loaded):
    data = loaded["chickenpox"]
    assert data.values.shape == (521, 20, 1)
    assert data.kind == "graph"
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array)
    assert adjacency.shape == (20, 20)
    # The file lists 102 directed pairs: 20 self loops and 41 undirected
    # neighbour pairs in both directions; without self loops, 82 entries.
    assert abs(adjacency - adjacency.T).max() == 0
    assert adjacency.nnz == 82
    assert set(np.unique(adjacency.data)) == {1.0}
    assert adjacency.diagonal().sum() == 0
    assert connected_components(adjacency, directed=False)[0] == 1
    assert data.node_names[0] == "BACS"
    assert data.node_names[4] == "BUDAPEST"
    assert data.node_names[-1] == "ZALA"
    # Budapest borders only Pest.
    assert adjacency[[4], :].nonzero()[1].tolist() == [data.node_names.index("PEST")]
    assert data.timestamps[0] == pd.Timestamp("2005-01-03")
    assert data.timestamps[1] - data.timestamps[0] == pd.Timedelta("7D")
    assert "standardized" in data.description
    np.testing.assert_allclose(data.values.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(data.values.std(axis=0), 1, atol=1e-9)


# --- checksum verification ----------------------------------------------------


def _corrupt_copy(tmp_path, filenames, corrupted):
    for filename in filenames:
        shutil.copy(DATA_DIR / filename, tmp_path / filename)
    content = bytearray((tmp_path / corrupted).read_bytes())
    content[len(content) // 2] ^= 0xFF
    (tmp_path / corrupted).write_bytes(bytes(content))


@pytest.mark.parametrize(
    "loader, filenames, corrupted",
    [
        (load_etth1, ["ETTh1.csv.gz"], "ETTh1.csv.gz"),
        (load_ili, ["national_illness.csv.gz"], "national_illness.csv.gz"),
        (load_exchange_rate, ["exchange_rate.txt.gz"], "exchange_rate.txt.gz"),
        (load_los_loop, ["los_speed.csv.gz", "los_adj.csv.gz"], "los_adj.csv.gz"),
        (load_chickenpox, ["chickenpox.json.gz"], "chickenpox.json.gz"),
    ],
)
def test_corrupted_file_raises_clear_error(tmp_path, loader, filenames, corrupted):
    _corrupt_copy(tmp_path, filenames, corrupted)
    expected = DATASETS[loader.__name__.removeprefix("load_")].sha256[corrupted]
    with pytest.raises(ValueError, match="checksum") as info:
        loader(data_home=tmp_path)
    message = str(info.value)
    assert corrupted in message
    assert expected in message
    actual = hashlib.sha256((tmp_path / corrupted).read_bytes()).hexdigest()
    assert actual in message
    assert "corrupted" in message


def test_intact_copy_in_data_home_loads(tmp_path):
    shutil.copy(DATA_DIR / "national_illness.csv.gz", tmp_path)
    assert load_ili(data_home=tmp_path).shape == (966, 1, 7)
    assert load_ili(data_home=str(tmp_path)).shape == (966, 1, 7)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="chickenpox.json.gz"):
        load_chickenpox(data_home=tmp_path)


def test_truncated_file_raises(tmp_path):
    content = (DATA_DIR / "national_illness.csv.gz").read_bytes()
    (tmp_path / "national_illness.csv.gz").write_bytes(content[:-10])
    with pytest.raises(ValueError, match="checksum"):
        load_ili(data_home=tmp_path)


# --- list_datasets ------------------------------------------------------------


def test_list_datasets():
    table = list_datasets()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == [
        "name",
        "kind",
        "shape",
        "sampling_interval",
        "license",
        "citation",
    ]
    assert sorted(table["name"]) == sorted(LOADERS)
    assert table["name"].is_unique
    rows = table.set_index("name")
    assert rows.loc["etth1", "shape"] == (17420, 1, 7)
    assert rows.loc["los_loop", "shape"] == (2016, 207, 1)
    assert rows.loc["chickenpox", "kind"] == "graph"
    assert rows.loc["ili", "sampling_interval"] == "7D"
    assert rows.loc["los_loop", "sampling_interval"] == "5min"
    assert rows.loc["etth2", "license"] == "CC BY-ND 4.0"
    assert all(isinstance(s, tuple) and len(s) == 3 for s in table["shape"])
    assert table["citation"].str.len().gt(20).all()


# --- make_seasonal_series -------------------------------------------------------


def test_seasonal_series_shape_and_timestamps():
    data = make_seasonal_series(n_steps=100, n_channels=3, random_state=0)
    assert isinstance(data, STData)
    assert data.kind == "series"
    assert data.values.shape == (100, 1, 3)
    assert data.timestamps[0] == pd.Timestamp("2020-01-01")
    assert data.timestamps[1] - data.timestamps[0] == pd.Timedelta("1h")
    assert data.timestamps.freq == pd.Timedelta("1h")
    daily = make_seasonal_series(n_steps=5, freq="D", start="2021-03-01")
    assert daily.timestamps[-1] == pd.Timestamp("2021-03-05")


def test_seasonal_series_reproducible():
    a = make_seasonal_series(n_steps=200, n_channels=2, random_state=42)
    b = make_seasonal_series(n_steps=200, n_channels=2, random_state=42)
    c = make_seasonal_series(n_steps=200, n_channels=2, random_state=43)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    rng = np.random.RandomState(0)
    d = make_seasonal_series(n_steps=50, random_state=rng)
    e = make_seasonal_series(n_steps=50, random_state=rng)
    assert not np.allclose(d.values, e.values)


@pytest.mark.parametrize("missing_rate", [0.0, 0.1, 0.37])
def test_seasonal_series_missing_rate(missing_rate):
    data = make_seasonal_series(
        n_steps=500, n_channels=4, missing_rate=missing_rate, random_state=0
    )
    assert np.isnan(data.values).mean() == pytest.approx(missing_rate, abs=1e-3)


def test_seasonal_series_components_sum_to_series():
    data, parts = make_seasonal_series(
        n_steps=300,
        n_channels=2,
        periods=(24, 168),
        amplitude=(2.0, 0.5),
        trend=0.01,
        noise=0.3,
        missing_rate=0.2,
        random_state=1,
        return_components=True,
    )
    assert set(parts) == {"trend", "seasonal", "noise"}
    total = parts["trend"] + parts["seasonal"] + parts["noise"]
    for part in parts.values():
        assert part.shape == (300, 1, 2)
        assert not np.isnan(part).any()
    observed = ~np.isnan(data.values)
    np.testing.assert_allclose(total[observed], data.values[observed])
    np.testing.assert_allclose(parts["trend"][:, 0, 0], 0.01 * np.arange(300))
    # Seasonal part: a sum of two sines of amplitude 2 and 0.5.
    assert np.abs(parts["seasonal"]).max() <= 2.5 + 1e-12
    assert np.abs(parts["seasonal"]).max() > 1.5
    assert parts["noise"].std() == pytest.approx(0.3, rel=0.15)


def test_seasonal_series_is_periodic_without_noise():
    data, parts = make_seasonal_series(
        n_steps=96, periods=(24,), noise=0.0, random_state=0, return_components=True
    )
    x = data.values[:, 0, 0]
    np.testing.assert_allclose(x[24:], x[:-24], atol=1e-12)
    np.testing.assert_array_equal(parts["noise"], 0.0)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_steps": 0}, ValueError),
        ({"n_steps": 2.5}, TypeError),
        ({"periods": ()}, ValueError),
        ({"periods": (24, -1)}, ValueError),
        ({"noise": -1.0}, ValueError),
        ({"missing_rate": 1.5}, ValueError),
    ],
)
def test_seasonal_series_rejects_bad_parameters(kwargs, error):
    with pytest.raises(error):
        make_seasonal_series(**kwargs)


# --- make_graph_signal -----------------------------------------------------------


def test_graph_signal_shape_and_graph():
    data = make_graph_signal(n_nodes=15, n_steps=80, n_channels=2, random_state=0)
    assert isinstance(data, STData)
    assert data.kind == "graph"
    assert data.values.shape == (80, 15, 2)
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array)
    assert adjacency.shape == (15, 15)
    assert adjacency.dtype == np.float64
    assert abs(adjacency - adjacency.T).max() == 0
    assert adjacency.diagonal().sum() == 0
    assert set(np.unique(adjacency.data)) == {1.0}
    assert data.timestamps.freq == pd.Timedelta("1h")
    assert np.isfinite(data.values).all()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("edge_prob", [0.0, 0.05, 0.5])
def test_graph_signal_graph_is_connected(seed, edge_prob):
    data = make_graph_signal(n_nodes=30, n_steps=5, edge_prob=edge_prob, random_state=seed)
    n_components, _ = connected_components(data.adjacency, directed=False)
    assert n_components == 1
    if edge_prob == 0.0:
        # Only the ring: every node has exactly two neighbours.
        np.testing.assert_array_equal(data.adjacency.sum(axis=1), 2.0)


def test_graph_signal_reproducible():
    a = make_graph_signal(n_nodes=10, n_steps=50, random_state=3)
    b = make_graph_signal(n_nodes=10, n_steps=50, random_state=3)
    c = make_graph_signal(n_nodes=10, n_steps=50, random_state=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert (a.adjacency != b.adjacency).nnz == 0
    assert not np.allclose(a.values, c.values)


def _expected_transition(adjacency, diffusion, damping):
    dense = adjacency.toarray()
    walk = dense / dense.sum(axis=1, keepdims=True)
    return damping * ((1 - diffusion) * np.eye(len(dense)) + diffusion * walk)


def test_graph_signal_noise_free_recursion_holds():
    diffusion, damping, period = 0.3, 0.8, 12
    data, truth = make_graph_signal(
        n_nodes=8,
        n_steps=120,
        n_channels=2,
        diffusion=diffusion,
        damping=damping,
        period=period,
        noise=0.0,
        random_state=0,
        return_components=True,
    )
    x = data.values
    transition = _expected_transition(data.adjacency, diffusion, damping)
    np.testing.assert_allclose(truth["transition"], transition)
    np.testing.assert_array_equal(truth["noise"], 0.0)
    # x[t+1] = M x[t] + s[t+1], node axis first for each channel.
    predicted = np.einsum("ij,tjc->tic", transition, x[:-1]) + truth["forcing"][1:]
    np.testing.assert_allclose(predicted, x[1:], atol=1e-12)
    # The residual of the recursion is the forcing: a sine of the given period.
    residual = x[1:] - np.einsum("ij,tjc->tic", transition, x[:-1])
    np.testing.assert_allclose(residual[period:], residual[:-period], atol=1e-12)
    np.testing.assert_allclose(np.abs(residual).max(), 1.0, atol=0.05)
    # Burn-in: the noise-free process is already periodic from step 0.
    np.testing.assert_allclose(x[period:], x[:-period], atol=1e-6)


def test_graph_signal_noisy_recursion_and_stationarity():
    data, truth = make_graph_signal(
        n_nodes=10, n_steps=2000, noise=0.5, random_state=1, return_components=True
    )
    x = data.values
    step = np.einsum("ij,tjc->tic", truth["transition"], x[:-1])
    np.testing.assert_allclose(x[1:], step + truth["forcing"][1:] + truth["noise"][1:])
    assert truth["noise"].std() == pytest.approx(0.5, rel=0.05)
    # Stationary: both halves have similar spread, and the values stay bounded.
    first, second = x[:1000].std(), x[1000:].std()
    assert second == pytest.approx(first, rel=0.2)
    assert np.abs(x).max() < 20
    assert np.max(np.abs(np.linalg.eigvals(truth["transition"]))) == pytest.approx(0.9)


def test_graph_signal_diffusion_smooths_over_the_graph():
    """More diffusion makes neighbours more alike (lower Laplacian energy)."""

    def roughness(diffusion):
        data = make_graph_signal(
            n_nodes=20, n_steps=400, diffusion=diffusion, noise=0.5, random_state=0
        )
        a = data.adjacency.toarray()
        laplacian = np.diag(a.sum(axis=1)) - a
        x = data.values[:, :, 0]
        return np.einsum("ti,ij,tj->", x, laplacian, x) / np.einsum("ti,ti->", x, x)

    assert roughness(1.0) < roughness(0.0)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_nodes": 1}, ValueError),
        ({"edge_prob": 1.5}, ValueError),
        ({"diffusion": -0.1}, ValueError),
        ({"damping": 1.0}, ValueError),
        ({"period": 0}, ValueError),
        ({"noise": -0.1}, ValueError),
        ({"n_channels": "2"}, TypeError),
    ],
)
def test_graph_signal_rejects_bad_parameters(kwargs, error):
    with pytest.raises(error):
        make_graph_signal(**kwargs)
