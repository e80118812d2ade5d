"""Tests for sk_stfm.datasets: bundled loaders, checksums and synthetic data."""

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from pandas.tseries.frequencies import to_offset
from scipy.sparse.csgraph import connected_components

from sk_stfm.data import SequenceData, STData, make_windows, temporal_split
from sk_stfm.datasets import (
    list_datasets,
    load_chickenpox,
    load_dataset,
    load_england_covid,
    load_etth1,
    load_etth2,
    load_exchange_rate,
    load_ili,
    load_knmi_radar,
    load_los_loop,
    load_montevideo_bus,
    load_nycbike1,
    load_pedalme,
    make_graph_signal,
    make_moving_digits,
    make_seasonal_series,
    nycbike1_windows,
    published_baselines,
)
from sk_stfm.datasets._grid_loaders import NYCBIKE1_X_OFFSETS, _rebuild_series
from sk_stfm.datasets._loaders import DATA_DIR
from sk_stfm.datasets._registry import DATASETS
from sk_stfm.metrics import masked_mape

LOADERS = {
    "etth1": load_etth1,
    "etth2": load_etth2,
    "ili": load_ili,
    "exchange_rate": load_exchange_rate,
    "los_loop": load_los_loop,
    "chickenpox": load_chickenpox,
    "pedalme": load_pedalme,
    "montevideo_bus": load_montevideo_bus,
    "england_covid": load_england_covid,
    "nycbike1": load_nycbike1,
}
# Irregular data sets, loaded as SequenceData.
SEQUENCE_LOADERS = {
    "geolife_sample": "trajectory",
    "wikipedia_events": "event",
    "earthquake_sanjac": "event",
    "earthquake_japan": "event",
}
# Data sets that are not bundled: read from a file the user provides.
UNBUNDLED = {"knmi_radar"}

# The staged originals beside the clone (../shared/data); tests that compare
# with them are skipped where they are absent.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KNMI_FILE = SHARED_DATA / "knmi_radar_nl25" / "knmi_rad_nl25_rap_5min_20100826_0000-0735.npz"


def _gunzip(filename):
    """The original bytes of a shipped file."""
    return gzip.decompress((DATA_DIR / filename).read_bytes())


# Conditions, not unconditional skips: CI runs beside ../shared and so runs
# these; a clone elsewhere has no staged originals to compare with.
needs_staged_nycbike1 = pytest.mark.skipif(
    not (SHARED_DATA / "nycbike1_grid").is_dir(),
    reason="the staged NYCBike1 originals (../shared/data/nycbike1_grid) are absent",
)
needs_staged_knmi = pytest.mark.skipif(
    not KNMI_FILE.is_file(), reason=f"the staged KNMI file {KNMI_FILE} is absent"
)


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
    attribution = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for record in DATASETS.values():
        assert record.bundled == bool(record.files)
        for filename, digest in record.sha256.items():
            assert f"`{filename}`" in attribution and digest in attribution
    assert {name for name, record in DATASETS.items() if not record.bundled} == UNBUNDLED


def test_shipped_data_stay_small():
    # The wheel carries every bundled data set: 3.9 MB with trajectories and events.
    total = sum(p.stat().st_size for p in DATA_DIR.glob("*.gz"))
    assert total < 4_500_000


@pytest.mark.parametrize("name, kind", sorted(SEQUENCE_LOADERS.items()))
def test_sequence_data_sets_load_by_name_with_their_registered_shape(name, kind):
    data = load_dataset(name)
    record = DATASETS[name]
    assert isinstance(data, SequenceData) and data.kind == kind == record.kind
    assert record.shape == (data.n_points, data.n_sequences, len(data.columns))
    assert data.citation == record.citation and data.license == record.license


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


@pytest.mark.parametrize("name", ["ili", "exchange_rate", "chickenpox", "pedalme", "nycbike1"])
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
    # Coordinates from DCRNN's graph_sensor_locations.csv, matched by sensor ID
    # (rows copied from the file: 773869 is its first row, 767541 its second).
    assert data.coords.shape == (207, 2)
    assert data.coords.dtype == np.float64
    np.testing.assert_array_equal(data.coords[0], [-118.31829, 34.15497])
    np.testing.assert_array_equal(data.coords[1], [-118.23799, 34.11621])
    # Every sensor lies in the Los Angeles area.
    assert (-118.8 < data.coords[:, 0]).all() and (data.coords[:, 0] < -117.9).all()
    assert (33.9 < data.coords[:, 1]).all() and (data.coords[:, 1] < 34.4).all()
    assert len({tuple(c) for c in data.coords}) == 207


def _register_modified(monkeypatch, path):
    """Accept a modified copy of a shipped file: register its sha256 for the test."""
    import sk_stfm.datasets._files as files

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    original = files._expected_sha256
    monkeypatch.setattr(
        files,
        "_expected_sha256",
        lambda filename: digest if filename == path.name else original(filename),
    )


def _write_gzip_csv(frame, path):
    path.write_bytes(gzip.compress(frame.to_csv(index=False).encode(), mtime=0))


def test_los_loop_coords_are_matched_by_sensor_id(tmp_path, monkeypatch, loaded):
    for filename in ("los_speed.csv.gz", "los_adj.csv.gz"):
        shutil.copy(DATA_DIR / filename, tmp_path / filename)
    locations = pd.read_csv(DATA_DIR / "graph_sensor_locations.csv.gz")
    shuffled = locations.sample(frac=1.0, random_state=0)
    assert (shuffled["sensor_id"].to_numpy() != locations["sensor_id"].to_numpy()).any()
    path = tmp_path / "graph_sensor_locations.csv.gz"
    _write_gzip_csv(shuffled, path)
    _register_modified(monkeypatch, path)
    np.testing.assert_array_equal(
        load_los_loop(data_home=tmp_path).coords, loaded["los_loop"].coords
    )

    _write_gzip_csv(locations[locations["sensor_id"] != 767541], path)
    _register_modified(monkeypatch, path)
    with pytest.raises(ValueError, match="767541"):
        load_los_loop(data_home=tmp_path)


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


def test_pedalme(loaded):
    data = loaded["pedalme"]
    assert data.values.shape == (35, 15, 1)
    assert data.kind == "graph"
    assert data.timestamps is None and data.node_names is None
    raw = json.loads(_gunzip("pedalme_london.json.gz"))
    np.testing.assert_array_equal(data.values[:, :, 0], raw["X"])
    # First values of X, copied from the file.
    np.testing.assert_allclose(data.values[0, :3, 0], [3.05740421, 3.2126098, 1.90711215])
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array) and adjacency.dtype == np.float64
    # A complete graph with self loops: 225 entries, symmetric, weights in (0, 1].
    assert adjacency.nnz == 225
    assert abs(adjacency - adjacency.T).max() == 0
    np.testing.assert_array_equal(adjacency.diagonal(), 1.0)
    assert adjacency.data.min() > 0 and adjacency.data.max() <= 1
    for (i, j), weight in zip(raw["edges"], raw["weights"], strict=True):
        assert adjacency[i, j] == weight
    assert -3.6 < data.values.min() < -3.5 and 5.0 < data.values.max() < 5.1


def test_montevideo_bus(loaded):
    data = loaded["montevideo_bus"]
    assert data.values.shape == (744, 675, 1)
    assert data.kind == "graph"
    # Raw hourly counts: integers 0 to 101, mean 0.75 (SOURCE.md).
    values = data.values[:, :, 0]
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() == 0 and values.max() == 101
    assert values.mean() == pytest.approx(0.7459, abs=1e-4)
    assert data.node_names[:3] == ["5289", "5290", "5291"]
    assert len(set(data.node_names)) == 675
    assert data.timestamps[0] == pd.Timestamp("2020-10-01 00:00")
    assert data.timestamps[-1] == pd.Timestamp("2020-10-31 23:00")
    # The night is quiet (local time): 2-3 h carry under 1% of the 8 h traffic.
    by_hour = values.reshape(31, 24, -1).sum(axis=(0, 2))
    assert by_hour[2] < 0.01 * by_hour[8] and by_hour[3] < 0.01 * by_hour[8]
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array) and adjacency.shape == (675, 675)
    # Directed, one edge per link, road distances in metres (first link of the
    # file: 5289 -> 5290, 172.2 m), no reciprocal edge, no self loop.
    assert adjacency.nnz == 690
    assert adjacency[0, 1] == 172.2 and adjacency[1, 0] == 0
    assert adjacency.multiply(adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    assert 23.8 == adjacency.data.min() and adjacency.data.max() == 1991.3
    # Projected coordinates in metres (file keys lon, lat), first stop copied.
    np.testing.assert_array_equal(data.coords[0], [589196, 6151987])
    assert (data.coords[:, 0] > 5e5).all() and (data.coords[:, 1] > 6e6).all()


def test_england_covid(loaded):
    data = loaded["england_covid"]
    assert data.values.shape == (61, 129, 1)
    assert data.kind == "graph"
    values = data.values[:, :, 0]
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() == 0 and values.max() == 182
    np.testing.assert_array_equal(values[0, :4], [4, 1, 0, 2])
    assert data.timestamps[0] == pd.Timestamp("2020-03-13")
    assert data.timestamps[-1] == pd.Timestamp("2020-05-12")
    dynamic = data.dynamic_adjacency
    assert isinstance(dynamic, tuple) and len(dynamic) == 61
    assert all(isinstance(a, sp.csr_array) and a.shape == (129, 129) for a in dynamic)
    counts = [a.nnz for a in dynamic]
    assert counts[:3] == [2158, 1743, 1521] and counts[-1] == 1511
    assert min(counts) >= 836 and max(counts) <= 2200
    raw = json.loads(_gunzip("england_covid.json.gz"))
    edges = np.asarray(raw["edge_mapping"]["edge_index"]["0"])
    weights = raw["edge_mapping"]["edge_weight"]["0"]
    for (i, j), weight in zip(edges[:50], weights[:50], strict=False):
        assert dynamic[0][i, j] == weight
    # Directed: day 0 is not symmetric. Self loops are the people who stay.
    assert abs(dynamic[0] - dynamic[0].T).max() > 0
    assert dynamic[0].diagonal().sum() > 0
    # The static adjacency is the mean daily graph.
    mean = sum(a.toarray() for a in dynamic) / 61
    np.testing.assert_allclose(data.adjacency.toarray(), mean)
    # Weekends and Easter (Good Friday 10 April, Easter Monday 13 April) have
    # fewer mobility edges than the surrounding working days.
    edges_by_day = pd.Series(counts, index=data.timestamps)
    assert edges_by_day["2020-04-10"] < edges_by_day["2020-04-09"]
    assert edges_by_day["2020-04-13"] < edges_by_day["2020-04-14"]
    weekday = edges_by_day[edges_by_day.index.dayofweek < 5]["2020-03-23":]
    weekend = edges_by_day[edges_by_day.index.dayofweek >= 5]["2020-03-23":]
    assert weekend.max() < weekday.drop(pd.to_datetime(["2020-04-10", "2020-04-13"])).min()


def test_england_covid_dynamic_graphs_follow_splits(loaded):
    data = loaded["england_covid"]
    train, val, test = temporal_split(data, train=40, val=10, test=11)
    assert [len(part.dynamic_adjacency) for part in (train, val, test)] == [40, 10, 11]
    assert (test.dynamic_adjacency[0] != data.dynamic_adjacency[50]).nnz == 0
    part = data.slice_steps(5, 9)
    assert len(part.dynamic_adjacency) == 4
    for a, b in zip(part.dynamic_adjacency, data.dynamic_adjacency[5:9], strict=True):
        assert (a != b).nnz == 0


# --- NYCBike1 -------------------------------------------------------------------


def test_nycbike1_grid(loaded):
    data = loaded["nycbike1"]
    assert data.values.shape == (938, 128, 2)
    assert data.kind == "grid"
    assert data.grid_shape == (16, 8)
    assert np.prod(data.grid_shape) == data.n_nodes == 128
    assert data.channel_names == ["inflow", "outflow"]
    values = data.values
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() == 0 and values.max() == 239
    assert data.timestamps[0] == pd.Timestamp("2014-08-22 22:00")
    assert data.timestamps[-1] == pd.Timestamp("2014-09-30 23:00")
    adjacency = data.adjacency
    assert isinstance(adjacency, sp.csr_array) and adjacency.dtype == np.float64
    assert adjacency.nnz == 884
    assert abs(adjacency - adjacency.T).max() == 0
    assert set(np.unique(adjacency.data)) == {1.0}
    assert adjacency.diagonal().sum() == 0
    # The 8-neighbour graph of the row-major 16 x 8 grid: node 8 r + c.
    rows, cols = np.divmod(np.arange(128), 8)
    i, j = adjacency.nonzero()
    assert (np.maximum(abs(rows[i] - rows[j]), abs(cols[i] - cols[j])) == 1).all()
    assert adjacency[[0], :].nonzero()[1].tolist() == [1, 8, 9]


def test_nycbike1_timestamps_show_daily_and_weekly_cycles():
    data = load_nycbike1("val")
    assert data.values.shape == (505, 128, 2)
    assert data.timestamps[0] == pd.Timestamp("2014-08-04 23:00")
    assert data.timestamps[-1] == pd.Timestamp("2014-08-25 23:00")
    assert data.timestamps.freq == pd.Timedelta("1h")
    both = pd.concat(
        [
            pd.Series(data.values.sum(axis=(1, 2)), index=data.timestamps),
            pd.Series(
                load_nycbike1("test").values.sum(axis=(1, 2)), index=load_nycbike1().timestamps
            ),
        ]
    )
    both = both[~both.index.duplicated()]
    by_hour = both.groupby(both.index.hour).mean()
    assert by_hour.idxmin() == 4
    assert by_hour.idxmax() in (17, 18)
    # The 8 h commute peak: weekday mornings are busy, weekend mornings quiet,
    # and Labor Day 2014 (Monday 1 September) is as quiet as a weekend.
    morning = both[both.index.hour == 8]
    labor_day = pd.Timestamp("2014-09-01 08:00")
    weekday = morning[morning.index.dayofweek < 5].drop(labor_day)
    weekend = morning[morning.index.dayofweek >= 5]
    assert weekend.max() < 2000 < 5000 < weekday.median()
    assert morning[labor_day] < 0.2 * weekday.median()


def test_nycbike1_val_and_test_share_74_frames():
    val, test = load_nycbike1("val"), load_nycbike1("test")
    np.testing.assert_array_equal(val.values[-74:], test.values[:74])
    assert (val.timestamps[-74:] == test.timestamps[:74]).all()
    # No test target (frames 74 on) is among the validation frames.
    assert test.timestamps[74] > val.timestamps[-1]


@pytest.mark.parametrize("split, n_windows", [("test", 864), ("val", 431)])
def test_nycbike1_windows_are_consistent_with_the_series(split, n_windows):
    X, y = nycbike1_windows(split)
    assert X.shape == (n_windows, 19, 128, 2) and y.shape == (n_windows, 1, 128, 2)
    assert X.dtype == y.dtype == np.float64
    series = load_nycbike1(split).values
    offsets = np.asarray(NYCBIKE1_X_OFFSETS)
    for i in (0, 1, n_windows // 2, n_windows - 1):
        np.testing.assert_array_equal(X[i], series[73 + i + offsets])
        np.testing.assert_array_equal(y[i, 0], series[74 + i])
    # Consecutive windows: the latest input of window i + 1 is the target of i.
    np.testing.assert_array_equal(X[1:, -1], y[:-1, 0])
    np.testing.assert_array_equal(_rebuild_series(X, y, offsets), series)


@needs_staged_nycbike1
@pytest.mark.parametrize("split", ["test", "val"])
def test_nycbike1_windows_equal_the_published_npz(split):
    published = np.load(SHARED_DATA / "nycbike1_grid" / f"{split}.npz")
    X, y = nycbike1_windows(split)
    np.testing.assert_array_equal(X, published["x"])
    np.testing.assert_array_equal(y, published["y"])
    np.testing.assert_array_equal(published["x_offsets"].ravel(), NYCBIKE1_X_OFFSETS)
    np.testing.assert_array_equal(published["y_offsets"].ravel(), [1])
    adjacency = np.load(SHARED_DATA / "nycbike1_grid" / "adj_mx.npz")["adj_mx"]
    np.testing.assert_array_equal(load_nycbike1(split).adjacency.toarray(), adjacency)


def test_nycbike1_rebuild_detects_inconsistent_windows():
    X, y = nycbike1_windows("val")
    X = X.copy()
    X[10, 3, 0, 0] += 1
    with pytest.raises(ValueError, match="not consecutive"):
        _rebuild_series(X, y, NYCBIKE1_X_OFFSETS)


def test_nycbike1_rejects_unknown_split():
    with pytest.raises(ValueError, match="split must be 'test' or 'val'; got 'train'"):
        load_nycbike1("train")
    with pytest.raises(ValueError, match="split must be 'test' or 'val'"):
        nycbike1_windows("all")


def _masked_mae(true, pred, threshold):
    mask = true > threshold
    return np.abs(true - pred)[mask].mean()


def test_nycbike1_naive_baselines_reproduce():
    table = published_baselines("NYCBike1")
    assert list(table.columns) == [
        "model",
        "horizon",
        "channel",
        "mae",
        "mape",
        "mask_threshold",
        "source",
    ]
    assert (table["horizon"] == 1).all() and (table["mask_threshold"] == 5).all()
    ssl = table[table["model"] == "ST-SSL"].set_index("channel")
    assert ssl.loc["inflow", "mae"] == 4.94 and ssl.loc["outflow", "mae"] == 5.26
    assert ssl["mape"].isna().all()
    X, y = nycbike1_windows("test")
    true = y[:, 0]
    predictions = {
        "Repeat": X[:, -1],
        "DailyRepeat": X[:, list(NYCBIKE1_X_OFFSETS).index(-23)],
        "DailyMean3": X[:, [list(NYCBIKE1_X_OFFSETS).index(o) for o in (-71, -47, -23)]].mean(1),
    }
    for row in table[table["model"] != "ST-SSL"].itertuples():
        c = ["inflow", "outflow"].index(row.channel)
        pred, target = predictions[row.model][..., c], true[..., c]
        assert _masked_mae(target, pred, 5) == pytest.approx(row.mae, abs=0.005)
        # masked_mape skips NaN targets: hiding the values <= 5 applies the mask.
        hidden = np.where(target > 5, target, np.nan)
        assert masked_mape(hidden, pred) == pytest.approx(row.mape, abs=5e-5)


def test_published_baselines_names():
    assert published_baselines("nycbike1").shape == (8, 7)
    assert published_baselines("etth1").equals(published_baselines("ETTh1"))
    with pytest.raises(ValueError, match="dataset must be one of .*NYCBike1"):
        published_baselines("METR-LA")


# --- KNMI radar (not bundled) ----------------------------------------------------


def test_knmi_radar_without_a_file_says_what_to_provide(tmp_path):
    with pytest.raises(FileNotFoundError, match="not bundled") as info:
        load_knmi_radar()
    message = str(info.value)
    for needed in ("path=", "data_home=", "precip_0p01mm", "times_utc", "65535", "pysteps-data"):
        assert needed in message
    with pytest.raises(FileNotFoundError, match="from data_home="):
        load_knmi_radar(data_home=tmp_path)
    with pytest.raises(FileNotFoundError, match="from path="):
        load_knmi_radar(tmp_path / "absent.npz")
    with pytest.raises(FileNotFoundError, match="not bundled"):
        load_dataset("knmi_radar")
    with pytest.raises(ValueError, match="either path .* or data_home"):
        load_knmi_radar(tmp_path / "a.npz", data_home=tmp_path)


def _write_radar(path, raw, times=None):
    if times is None:
        times = pd.date_range("2010-08-26", periods=len(raw), freq="5min").strftime("%Y%m%d%H%M")
    np.savez_compressed(path, precip_0p01mm=raw, times_utc=np.asarray(times, dtype="U12"))


def test_knmi_radar_block_mean_and_missing_values(tmp_path):
    raw = np.arange(2 * 6 * 7, dtype=np.uint16).reshape(2, 6, 7)
    raw[1, 0, 0] = 65535
    path = tmp_path / "radar.npz"
    _write_radar(path, raw)

    full = load_knmi_radar(path, downsample=1)
    assert full.kind == "video" and full.grid_shape == (6, 7)
    assert full.values.shape == (2, 42, 1) and full.values.dtype == np.float64
    expected = raw.reshape(2, 42).astype(float) / 100
    expected[1, 0] = np.nan
    np.testing.assert_allclose(full.values[:, :, 0], expected)
    assert full.channel_names == ["precipitation (mm / 5 min)"]
    assert str(full.timestamps.tz) == "UTC" and full.timestamps.freq == pd.Timedelta("5min")
    assert full.timestamps[1] == pd.Timestamp("2010-08-26 00:05", tz="UTC")

    # 3 x 3 blocks: the last row-free remainder column is dropped; a block
    # with one missing pixel is missing.
    coarse = load_knmi_radar(path, downsample=3)
    assert coarse.grid_shape == (2, 2) and coarse.values.shape == (2, 4, 1)
    frame0 = raw[0, :6, :6].reshape(2, 3, 2, 3).mean(axis=(1, 3)) / 100
    np.testing.assert_allclose(coarse.values[0, :, 0], frame0.ravel())
    assert np.isnan(coarse.values[1, 0, 0]) and not np.isnan(coarse.values[1, 1:]).any()
    assert "3 x 3 blocks" in coarse.description


def test_knmi_radar_rejects_bad_files_and_arguments(tmp_path):
    path = tmp_path / "radar.npz"
    np.savez(path, precip=np.zeros((2, 4, 4), dtype=np.uint16))
    with pytest.raises(ValueError, match="lacks the arrays .*precip_0p01mm"):
        load_knmi_radar(path)
    _write_radar(path, np.zeros((2, 16), dtype=np.uint16))
    with pytest.raises(ValueError, match="precip_0p01mm must be an integer array of shape"):
        load_knmi_radar(path)
    _write_radar(path, np.zeros((2, 4, 4), dtype=np.uint16), times=["201008260000"])
    with pytest.raises(ValueError, match="times_utc must hold one time per frame"):
        load_knmi_radar(path)
    # Pickled (object) arrays are refused, never unpickled.
    np.savez(
        path,
        precip_0p01mm=np.zeros((1, 4, 4), dtype=np.uint16),
        times_utc=np.array(["201008260000"], dtype=object),
    )
    with pytest.raises(ValueError, match="allow_pickle"):
        load_knmi_radar(path)
    _write_radar(path, np.zeros((2, 4, 4), dtype=np.uint16))
    with pytest.raises(ValueError, match="downsample must be at most .* 4; got 5"):
        load_knmi_radar(path)
    with pytest.raises(ValueError, match="downsample must be >= 1"):
        load_knmi_radar(path, downsample=0)
    with pytest.raises(TypeError, match="downsample must be an int"):
        load_knmi_radar(path, downsample=2.0)
    # Frames that are not 5 minutes apart keep their times, without a freq.
    _write_radar(
        path, np.zeros((3, 4, 4), dtype=np.uint16), ["201008260000", "201008260005", "201008260015"]
    )
    assert load_knmi_radar(path, downsample=1).timestamps.freq is None


@needs_staged_knmi
def test_knmi_radar_staged_file():
    data = load_knmi_radar(KNMI_FILE)
    assert data.values.shape == (92, 153 * 140, 1)
    assert data.grid_shape == (153, 140)
    assert data.timestamps[0] == pd.Timestamp("2010-08-26 00:00", tz="UTC")
    assert data.timestamps[-1] == pd.Timestamp("2010-08-26 07:35", tz="UTC")
    assert data.timestamps.freq == pd.Timedelta("5min")
    observed = ~np.isnan(data.values)
    # Coverage is the same in every frame; strict blocks keep a bit less than
    # the 25.6% of valid pixels.
    assert (observed == observed[:1]).all()
    assert 0.2 < observed.mean() < 0.256
    assert data.values[observed].min() >= 0 and data.values[observed].max() <= 2.45
    assert (data.values[observed] > 0).mean() > 0.3
    same = load_dataset("knmi_radar", data_home=KNMI_FILE.parent)
    np.testing.assert_array_equal(same.values, data.values)


@needs_staged_knmi
def test_knmi_radar_staged_first_frame_equals_hdf5():
    import h5py  # a dev dependency: the original is an HDF5 file

    original = SHARED_DATA / "knmi_radar_nl25" / "RAD_NL25_RAP_5min_201008260000.h5"
    with h5py.File(original) as f:
        frame = f["image1/image_data"][()].astype(float)
    frame[frame == 65535] = np.nan
    data = load_knmi_radar(KNMI_FILE, downsample=1)
    np.testing.assert_array_equal(data.values[0, :, 0], frame.ravel() / 100)


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
        (
            load_los_loop,
            ["los_speed.csv.gz", "los_adj.csv.gz", "graph_sensor_locations.csv.gz"],
            "graph_sensor_locations.csv.gz",
        ),
        (load_chickenpox, ["chickenpox.json.gz"], "chickenpox.json.gz"),
        (load_pedalme, ["pedalme_london.json.gz"], "pedalme_london.json.gz"),
        (load_montevideo_bus, ["montevideo_bus.json.gz"], "montevideo_bus.json.gz"),
        (load_england_covid, ["england_covid.json.gz"], "england_covid.json.gz"),
        (
            load_nycbike1,
            ["nycbike1_flows.npy.gz", "nycbike1_adj_mx.npz.gz"],
            "nycbike1_flows.npy.gz",
        ),
        (
            load_nycbike1,
            ["nycbike1_flows.npy.gz", "nycbike1_adj_mx.npz.gz"],
            "nycbike1_adj_mx.npz.gz",
        ),
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
    with pytest.raises(FileNotFoundError, match="nycbike1_flows.npy.gz"):
        nycbike1_windows(data_home=tmp_path)


def test_windows_checksum_is_verified(tmp_path):
    _corrupt_copy(tmp_path, ["nycbike1_flows.npy.gz"], "nycbike1_flows.npy.gz")
    with pytest.raises(ValueError, match="checksum"):
        nycbike1_windows("val", data_home=tmp_path)


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
        "bundled",
    ]
    assert sorted(table["name"]) == sorted(set(LOADERS) | set(SEQUENCE_LOADERS) | UNBUNDLED)
    assert set(table.loc[~table["bundled"], "name"]) == UNBUNDLED
    assert table["name"].is_unique
    rows = table.set_index("name")
    assert rows.loc["etth1", "shape"] == (17420, 1, 7)
    assert rows.loc["los_loop", "shape"] == (2016, 207, 1)
    assert rows.loc["chickenpox", "kind"] == "graph"
    assert rows.loc["ili", "sampling_interval"] == "7D"
    assert rows.loc["los_loop", "sampling_interval"] == "5min"
    assert rows.loc["etth2", "license"] == "CC BY-ND 4.0"
    assert rows.loc["nycbike1", "kind"] == "grid"
    assert rows.loc["knmi_radar", "kind"] == "video"
    assert rows.loc["knmi_radar", "shape"] == (92, 153 * 140, 1)
    assert rows.loc["england_covid", "sampling_interval"] == "1D"
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


# --- make_moving_digits ----------------------------------------------------------


def _render(truth, frame_size):
    """Draw the frames again from the returned positions and digits."""
    from sklearn.datasets import load_digits

    images = load_digits().images / 16.0
    n_sequences, n_frames, n_digits, _ = truth["positions"].shape
    frames = np.zeros((n_sequences, n_frames, *frame_size))
    for k in range(n_sequences):
        for t in range(n_frames):
            for d in range(n_digits):
                r, c = truth["positions"][k, t, d]
                patch = frames[k, t, r : r + 8, c : c + 8]
                np.maximum(patch, images[truth["digit_index"][k, d]], out=patch)
    return frames


def test_moving_digits_shape_and_contract():
    data, truth = make_moving_digits(
        n_sequences=4,
        n_frames=12,
        frame_size=(20, 24),
        n_digits=3,
        random_state=0,
        return_components=True,
    )
    assert isinstance(data, STData)
    assert data.kind == "video"
    assert data.values.shape == (48, 20 * 24, 1) and data.values.dtype == np.float64
    assert data.grid_shape == (20, 24) and np.prod(data.grid_shape) == data.n_nodes
    assert data.timestamps is None
    assert 0 <= data.values.min() and data.values.max() <= 1
    assert data.values.max() == 1.0  # digits reach the full 16 / 16
    assert truth["positions"].shape == (4, 12, 3, 2)
    assert truth["digit_index"].shape == truth["labels"].shape == (4, 3)
    assert set(np.unique(truth["labels"])) <= set(range(10))
    # One window per sequence with stride=n_frames, the same as the reshape.
    X, y = make_windows(data, history=8, horizon=4, stride=12)
    sequences = data.values.reshape(4, 12, 480, 1)
    np.testing.assert_array_equal(X, sequences[:, :8])
    np.testing.assert_array_equal(y, sequences[:, 8:])


def test_moving_digits_frames_are_the_drawn_digits():
    data, truth = make_moving_digits(
        n_sequences=3, n_frames=15, frame_size=(16, 20), random_state=1, return_components=True
    )
    frames = _render(truth, (16, 20))
    np.testing.assert_array_equal(data.values.reshape(3, 15, 16, 20), frames)


def test_moving_digits_reproducible():
    a = make_moving_digits(n_sequences=3, n_frames=8, random_state=7)
    b = make_moving_digits(n_sequences=3, n_frames=8, random_state=7)
    c = make_moving_digits(n_sequences=3, n_frames=8, random_state=8)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    rng = np.random.RandomState(0)
    d = make_moving_digits(n_sequences=2, n_frames=4, random_state=rng)
    e = make_moving_digits(n_sequences=2, n_frames=4, random_state=rng)
    assert not np.array_equal(d.values, e.values)


def test_moving_digits_move_and_bounce():
    speed, frame_size = 3.0, (24, 28)
    data, truth = make_moving_digits(
        n_sequences=20,
        n_frames=40,
        frame_size=frame_size,
        n_digits=2,
        speed=speed,
        random_state=0,
        return_components=True,
    )
    positions = truth["positions"]
    limits = np.array(frame_size) - 8
    # Always fully inside the frame.
    assert positions.min() >= 0 and (positions <= limits).all()
    # Each digit moves about `speed` pixels per frame (rounding adds at most
    # 1 pixel per axis; a bounce can shorten a step).
    steps = np.linalg.norm(np.diff(positions, axis=1), axis=-1)
    assert steps.max() <= speed + np.sqrt(2) + 1e-9
    assert np.median(steps) == pytest.approx(speed, abs=0.75)
    # Every digit moves, and some hit the walls and come back.
    assert (np.ptp(positions, axis=1).max(axis=-1) > 0).all()
    touched = (positions == 0) | (positions == limits)
    assert touched.any(axis=1).all(axis=-1).mean() > 0.5
    # The frames change over time, and the centre of mass follows the digits.
    video = data.values.reshape(20, 40, *frame_size)
    assert (np.abs(np.diff(video, axis=1)).sum(axis=(2, 3)) > 0).mean() > 0.9
    single = make_moving_digits(
        n_sequences=1,
        n_frames=30,
        frame_size=frame_size,
        n_digits=1,
        speed=speed,
        random_state=3,
        return_components=True,
    )
    frames = single[0].values.reshape(30, *frame_size)
    rows, cols = np.indices(frame_size)
    mass = frames.sum(axis=(1, 2))
    centre = np.stack(
        [(frames * rows).sum(axis=(1, 2)) / mass, (frames * cols).sum(axis=(1, 2)) / mass], axis=1
    )
    offset = centre - single[1]["positions"][0, :, 0]
    np.testing.assert_allclose(offset - offset[0], 0, atol=1e-9)  # a rigid motion


def test_moving_digits_zero_speed_is_still():
    data = make_moving_digits(n_sequences=2, n_frames=5, speed=0, random_state=0)
    video = data.values.reshape(2, 5, -1)
    np.testing.assert_array_equal(video, np.repeat(video[:, :1], 5, axis=1))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_sequences": 0}, ValueError, "n_sequences must be >= 1"),
        ({"n_frames": 1.5}, TypeError, "n_frames must be an int"),
        ({"frame_size": (8, 32)}, ValueError, r"frame_size\[0\] must be >= 9"),
        ({"frame_size": 32}, TypeError, "frame_size must be a pair of ints"),
        ({"frame_size": (16, 16, 1)}, TypeError, "frame_size must be a pair of ints"),
        ({"n_digits": 0}, ValueError, "n_digits must be >= 1"),
        ({"speed": -1.0}, ValueError, "speed must be in"),
        ({"frame_size": (12, 30), "speed": 5.0}, ValueError, r"speed must be in \[0.0, 4.0\]"),
    ],
)
def test_moving_digits_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_moving_digits(**kwargs)


def test_seasonal_naive_is_exact_on_a_pure_season_and_reads_long_seasons_from_the_series():
    from sk_stfm.data import make_windows
    from sk_stfm.datasets import last_value_forecast, seasonal_naive_forecast
    from sk_stfm.metrics import masked_mae

    t = np.arange(240)
    series = np.stack([np.sin(2 * np.pi * t / 12), np.cos(2 * np.pi * t / 12) + 3], -1)[:, None]
    X, y = make_windows(series, history=24, horizon=30)
    assert masked_mae(y, seasonal_naive_forecast(X, 30, 12)) < 1e-12
    assert masked_mae(y, last_value_forecast(X, 30)) > 0.5
    # A season longer than the windows: the same forecast, read from the series.
    short, _ = make_windows(series, history=6, horizon=30)
    origins = 6 + np.arange(len(short))
    from_series = seasonal_naive_forecast(series, 30, 12, origins=origins[18:])
    np.testing.assert_allclose(from_series, seasonal_naive_forecast(X, 30, 12))
    # A missing value is replaced by the last one observed before it.
    gappy = np.arange(8.0).reshape(1, 8, 1, 1)
    gappy[0, 5] = np.nan
    assert seasonal_naive_forecast(gappy, 4, 4).ravel().tolist() == [4.0, 4.0, 6.0, 7.0]
    with pytest.raises(ValueError, match="fewer than the period 12"):
        seasonal_naive_forecast(short, 3, 12)
    with pytest.raises(ValueError, match=r"origins must lie in \[period, n_steps\]"):
        seasonal_naive_forecast(series, 3, 12, origins=[5])
    with pytest.raises(ValueError, match="period must be a positive integer"):
        seasonal_naive_forecast(X, 3, 0)
