"""Trajectory harmonization: cleaning, stay points, resampling, projection, loader."""

import gzip
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sk_stfm.data import SequenceData
from sk_stfm.datasets import load_geolife_sample
from sk_stfm.harmonize import (
    STAY_POINT_COLUMNS,
    LocalProjector,
    StayPointDetector,
    TrajectoryCleaner,
    TrajectoryResampler,
    haversine_distance,
    sequences_from_trajectories,
)
from sk_stfm.harmonize._geodesy import EARTH_RADIUS

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GEOLIFE_ORIGINAL = SHARED_DATA / "geolife_skmob_sample" / "geolife_sample.txt.gz"
METRES_PER_DEGREE = np.pi * EARTH_RADIUS / 180.0  # along a meridian
SEQUENCE_TRANSFORMERS = [
    TrajectoryCleaner(),
    StayPointDetector(),
    TrajectoryResampler(step=10.0),
    LocalProjector(),
]


def _line(n=50, dt=5.0, lat0=40.0, lon0=116.3, dlat=1e-4, dlon=2e-4, t0=1.2e9):
    """A straight trajectory, constant velocity in degrees per fix."""
    k = np.arange(n, dtype=float)
    return np.column_stack([t0 + dt * k, lat0 + dlat * k, lon0 + dlon * k])


# --------------------------------------------------------------- haversine


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((0.0, 0.0), (0.0, 1.0), np.pi * EARTH_RADIUS / 180.0),  # 1 degree of equator
        ((0.0, 0.0), (90.0, 0.0), np.pi * EARTH_RADIUS / 2.0),  # equator to pole
        ((0.0, 0.0), (0.0, 180.0), np.pi * EARTH_RADIUS),  # antipodes
        ((10.0, 179.5), (10.0, -179.5), None),  # across the antimeridian, ~109.5 km
        ((40.0, 116.0), (40.0, 116.0), 0.0),
    ],
)
def test_haversine_known_distances(a, b, expected):
    distance = haversine_distance(*a, *b)
    if expected is None:  # 1 degree of longitude at 10 N, on a small circle: < 1 degree * cos
        expected = 2 * EARTH_RADIUS * np.arcsin(np.cos(np.radians(10.0)) * np.sin(np.radians(0.5)))
    assert distance == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_haversine_published_city_distance_and_broadcast():
    # Big Ben to the Statue of Liberty: 5,574.8 km on the mean sphere.
    assert haversine_distance(51.5007, -0.1246, 40.6892, -74.0445) == pytest.approx(
        5574.8e3, rel=1e-4
    )
    out = haversine_distance(0.0, 0.0, np.zeros(3), np.array([0.0, 1.0, 2.0]))
    assert out.shape == (3,)
    np.testing.assert_allclose(out / out[1], [0.0, 1.0, 2.0])


# --------------------------------------------------------------- cleaner


def test_cleaner_removes_a_spike_and_keeps_the_rest():
    trajectory = _line(20)
    spiked = trajectory.copy()
    spiked[7, 1] += 0.05  # 5.6 km away for 5 s: 1,100 m/s
    cleaned = TrajectoryCleaner(max_speed=50.0).fit_transform([spiked])[0]
    np.testing.assert_array_equal(cleaned, np.delete(trajectory, 7, axis=0))


def test_cleaner_judges_against_last_kept_fix():
    # Two consecutive spikes at the same wrong place: the second is not slow
    # relative to the first, but it is relative to the last kept fix.
    trajectory = _line(20)
    trajectory[[7, 8], 1] += 0.05
    cleaned = TrajectoryCleaner(max_speed=50.0).fit_transform([trajectory])[0]
    assert len(cleaned) == 18 and not np.any(cleaned[:, 1] > 41)


def _reference_speed_filter(trajectory, max_speed):
    keep, last = [0], 0
    for i in range(1, len(trajectory)):
        d = haversine_distance(*trajectory[last, 1:3], *trajectory[i, 1:3])
        if d > max_speed * (trajectory[i, 0] - trajectory[last, 0]):
            continue
        keep.append(i)
        last = i
    return trajectory[keep]


def test_cleaner_matches_the_sequential_definition_on_noisy_data():
    rng = np.random.default_rng(0)
    trajectory = _line(400)
    noisy = rng.random(400) < 0.1
    trajectory[noisy, 1:3] += rng.normal(scale=0.01, size=(noisy.sum(), 2))
    got = TrajectoryCleaner(max_speed=30.0, drop_duplicates=False).fit_transform([trajectory])[0]
    np.testing.assert_array_equal(got, _reference_speed_filter(trajectory, 30.0))


def test_cleaner_duplicates_modes():
    t = np.array(
        [[0.0, 40.0, 116.0], [0.0, 40.0, 116.0], [0.0, 40.00001, 116.0], [5.0, 40.0, 116.0]]
    )
    by_time = TrajectoryCleaner(max_speed=None, drop_duplicates="time").fit_transform([t])[0]
    np.testing.assert_array_equal(by_time, t[[0, 3]])
    exact = TrajectoryCleaner(max_speed=None, drop_duplicates="time_position")
    np.testing.assert_array_equal(exact.fit_transform([t])[0], t[[0, 2, 3]])
    kept = TrajectoryCleaner(max_speed=None, drop_duplicates=False).fit_transform([t])[0]
    np.testing.assert_array_equal(kept, t)
    # Same time, another place: an infinite speed, dropped by the speed filter.
    speed_only = TrajectoryCleaner(max_speed=50.0, drop_duplicates=False)
    np.testing.assert_array_equal(speed_only.fit_transform([t])[0], t[[0, 1, 3]])


# --------------------------------------------------------------- stay points


def _stay(t_start, t_end, lat, lon, dt=60.0, jitter=0.0, rng=None):
    times = np.arange(t_start, t_end + 1e-9, dt)
    offsets = np.zeros((len(times), 2))
    if jitter:
        offsets = rng.uniform(-jitter, jitter, size=(len(times), 2))
    return np.column_stack([times, lat + offsets[:, 0], lon + offsets[:, 1]])


def test_stay_points_found_with_arrival_and_departure():
    rng = np.random.default_rng(1)
    # 30 min at A (jitter ~ 50 m), travel 10 min, 45 min at B, a 5-min pause
    # at C (too short), then travel on.
    a = _stay(0.0, 1800.0, 40.0, 116.3, jitter=4e-4, rng=rng)
    travel1 = np.column_stack(
        [np.arange(1860.0, 2400.0, 60.0), np.linspace(40.005, 40.045, 9), np.full(9, 116.3)]
    )
    b = _stay(2400.0, 5100.0, 40.05, 116.3, jitter=4e-4, rng=rng)
    travel2 = np.column_stack(
        [np.arange(5160.0, 5700.0, 60.0), np.linspace(40.055, 40.095, 9), np.full(9, 116.3)]
    )
    c = _stay(5700.0, 6000.0, 40.1, 116.3)
    end = np.array([[6060.0, 40.11, 116.3], [6120.0, 40.12, 116.3]])
    trajectory = np.vstack([a, travel1, b, travel2, c, end])
    stays = StayPointDetector().fit_transform([trajectory])[0]
    assert stays.shape == (2, len(STAY_POINT_COLUMNS))
    np.testing.assert_array_equal(stays[:, 0], [0.0, 2400.0])  # arrival
    np.testing.assert_array_equal(stays[:, 3], [1800.0, 5100.0])  # departure
    np.testing.assert_allclose(stays[0, 1:3], a[:, 1:3].mean(axis=0))
    np.testing.assert_allclose(stays[1, 1:3], b[:, 1:3].mean(axis=0))


def test_stay_points_thresholds_and_open_stay():
    stay = _stay(0.0, 1140.0, 40.0, 116.3)  # 19 minutes
    assert StayPointDetector().fit_transform([stay])[0].shape == (0, 4)
    found = StayPointDetector(time_threshold=1140.0).fit_transform([stay])[0]
    np.testing.assert_allclose(found, [[0.0, 40.0, 116.3, 1140.0]], rtol=1e-15)
    # Points 150 m apart: within 200 m, but not within 100 m.
    line = np.column_stack([np.arange(0.0, 3000.0, 600.0), np.full(5, 40.0), np.full(5, 116.3)])
    line[:, 1] += np.array([0, 1, 0, 1, 0]) * 150.0 / METRES_PER_DEGREE
    assert len(StayPointDetector().fit_transform([line])[0]) == 1
    assert len(StayPointDetector(distance_threshold=100.0).fit_transform([line])[0]) == 0


# --------------------------------------------------------------- resampling


def test_resampling_a_straight_line_is_exact():
    trajectory = _line(11, dt=10.0)  # t0 .. t0 + 100 s
    out = TrajectoryResampler(step=3.0).fit_transform([trajectory])[0]
    k = (out[:, 0] - trajectory[0, 0]) / 10.0  # fractional index
    np.testing.assert_allclose(out[:, 0] - trajectory[0, 0], np.arange(0.0, 100.0 + 1e-9, 3.0))
    np.testing.assert_allclose(out[:, 1], 40.0 + 1e-4 * k, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[:, 2], 116.3 + 2e-4 * k, rtol=0, atol=1e-12)


def test_resampling_irregular_fixes_to_n_points_and_windows():
    rng = np.random.default_rng(2)
    times = np.sort(rng.uniform(0, 1000, 30))
    trajectory = np.column_stack([times, 10 + 0.001 * times, 20 - 0.002 * times])
    short = _line(5)
    resampler = TrajectoryResampler(n_points=16)
    sequences = resampler.fit_transform([trajectory, short])
    assert [s.shape for s in sequences] == [(16, 3), (16, 3)]
    np.testing.assert_allclose(sequences[0][:, 1], 10 + 0.001 * sequences[0][:, 0], atol=1e-12)
    windows = resampler.set_params(output="windows").transform([trajectory, short])
    assert windows.shape == (2, 16, 1, 2)
    np.testing.assert_array_equal(windows[1, :, 0], sequences[1][:, 1:])


def test_resampling_crosses_the_antimeridian_the_short_way():
    t = np.array([[0.0, 0.0, 179.9], [10.0, 0.0, -179.9]])
    out = TrajectoryResampler(n_points=3).fit_transform([t])[0]
    np.testing.assert_allclose(np.abs(out[:, 2]), [179.9, 180.0, 179.9])


def test_resampler_options_are_checked():
    with pytest.raises(ValueError, match="exactly one of step"):
        TrajectoryResampler().fit([_line()])
    with pytest.raises(ValueError, match="exactly one of step"):
        TrajectoryResampler(step=1.0, n_points=3).fit([_line()])
    with pytest.raises(ValueError, match="needs n_points"):
        TrajectoryResampler(step=1.0, output="windows").fit([_line()])


# --------------------------------------------------------------- projection


@pytest.mark.parametrize("method", ["azimuthal_equidistant", "equirectangular"])
def test_projection_round_trip_and_metres(method):
    rng = np.random.default_rng(3)
    trajectories = [
        np.column_stack(
            [np.arange(n) * 5.0, 39.9 + rng.normal(0, 0.05, n), 116.4 + rng.normal(0, 0.05, n)]
        )
        for n in (30, 7)
    ]
    projector = LocalProjector(method=method).fit(trajectories)
    projected = projector.transform(trajectories)
    back = projector.inverse_transform(projected)
    for original, restored in zip(trajectories, back, strict=True):
        np.testing.assert_allclose(restored, original, rtol=0, atol=1e-9)
    # Metric: distances from the origin (AEQD exact) and between close points.
    origin = projector.origin_
    xy = projected[0][:, 1:3]
    truth = haversine_distance(*origin, trajectories[0][:, 1], trajectories[0][:, 2])
    tolerance = 1e-9 if method == "azimuthal_equidistant" else 2e-3
    np.testing.assert_allclose(np.hypot(xy[:, 0], xy[:, 1]), truth, rtol=tolerance)
    step = np.hypot(*np.diff(xy, axis=0).T)
    true_step = haversine_distance(*trajectories[0][:-1, 1:3].T, *trajectories[0][1:, 1:3].T)
    np.testing.assert_allclose(step, true_step, rtol=2e-3)


def test_projection_points_windows_and_given_origin():
    points = np.array([[0.0, 40.0, 116.0], [1.0, 40.01, 116.0], [2.0, 40.0, 116.01]])
    projector = LocalProjector(origin=(40.0, 116.0)).fit(points)
    np.testing.assert_array_equal(projector.origin_, [40.0, 116.0])
    out = projector.transform(points)
    np.testing.assert_array_equal(out[:, 0], points[:, 0])  # time passes through
    assert out[1, 2] == pytest.approx(0.01 * METRES_PER_DEGREE, rel=1e-9)  # north
    windows = points[None, :, None, 1:]  # channels (lat, lon)
    w = LocalProjector(origin=(40.0, 116.0)).fit(windows).transform(windows)
    np.testing.assert_allclose(w[0, :, 0], out[:, 1:], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="same layout"):
        projector.transform(windows)


def test_projection_centroid_is_circular_across_the_antimeridian():
    points = np.array([[0.0, 0.0, 179.0], [1.0, 0.0, -179.0]])
    origin = LocalProjector().fit(points).origin_
    assert abs(origin[1]) == pytest.approx(180.0)


def test_projection_refuses_swapped_columns():
    with pytest.raises(ValueError, match=r"latitude"):
        LocalProjector().fit([np.array([[0.0, 116.3, 39.9], [1.0, 116.3, 39.9]])])


# --------------------------------------------------------------- sequence contract


@pytest.mark.parametrize("transformer", SEQUENCE_TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_one_output_per_sequence_clone_and_pickle(transformer):
    data = [_line(40), _line(3, t0=2e9)]
    fitted = clone(transformer).fit(data)
    out = fitted.transform(data)
    assert isinstance(out, list) and len(out) == 2
    again = pickle.loads(pickle.dumps(fitted)).transform(data)
    for a, b in zip(out, again, strict=True):
        np.testing.assert_array_equal(a, b)


MALFORMED = [
    ([np.array([[5.0, 40, 116], [1.0, 40, 116]])], ValueError, r"X\[0\].*non-decreasing"),
    ([np.zeros((0, 3))], ValueError, r"X\[0\] has no points"),
    ([np.array([[0.0, np.nan, 116]])], ValueError, r"X\[0\] must be finite"),
    ([], ValueError, r"X must hold at least one"),
    ([np.array([[0.0, 40.0]])], ValueError, r"X must have at least 3 columns"),
    ([np.array([[0.0, 95.0, 116.0]])], ValueError, r"X\[0\].*latitude"),
    (np.zeros((4, 3)), ValueError, r"wrap it in a list"),
    ("trajectory", TypeError, r"X must be"),
    ([["a", "b", "c"]], TypeError, r"X\[0\] must"),
]


@pytest.mark.parametrize("X, error, match", MALFORMED)
@pytest.mark.parametrize("transformer", SEQUENCE_TRANSFORMERS[:3], ids=lambda t: type(t).__name__)
def test_malformed_sequences_raise_naming_the_argument(transformer, X, error, match):
    with pytest.raises(error, match=match):
        clone(transformer).fit(X)


def test_transform_checks_the_column_count_seen_in_fit():
    fitted = TrajectoryCleaner().fit([_line()])
    with pytest.raises(ValueError, match="must have 3 columns"):
        fitted.transform([np.column_stack([_line(), np.zeros(50)])])


def test_sequence_transformers_declare_no_2d_input():
    for transformer in SEQUENCE_TRANSFORMERS[:3]:
        assert transformer.__sklearn_tags__().input_tags.two_d_array is False
    assert LocalProjector().__sklearn_tags__().input_tags.two_d_array is True


# --------------------------------------------------------------- movingpandas


def test_sequences_from_trajectories_without_movingpandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "movingpandas", None)
    with pytest.raises(ImportError, match="pip install movingpandas"):
        sequences_from_trajectories(object())


def _fake_movingpandas():
    """The part of movingpandas' API the converter reads (movingpandas is not installed)."""

    class GeoFrame(pd.DataFrame):
        @property
        def geometry(self):
            return types.SimpleNamespace(x=self["_x"], y=self["_y"])

    class Trajectory:
        def __init__(self, df, traj_id, crs="EPSG:4326", is_latlon=True):
            self.df, self.id, self.crs, self.is_latlon = df, traj_id, crs, is_latlon

    class TrajectoryCollection:
        def __init__(self, trajectories):
            self.trajectories = trajectories

    return types.SimpleNamespace(
        Trajectory=Trajectory, TrajectoryCollection=TrajectoryCollection
    ), GeoFrame


def test_sequences_from_trajectories_reads_time_lat_lon(monkeypatch):
    mpd, GeoFrame = _fake_movingpandas()
    monkeypatch.setitem(sys.modules, "movingpandas", mpd)
    index = pd.DatetimeIndex(["2008-12-11 04:42:16", "2008-12-11 04:42:14"], tz="UTC")
    df = GeoFrame({"_x": [116.2, 116.1], "_y": [39.9, 39.8], "speed": [2.0, 1.0]}, index=index)
    second = GeoFrame({"_x": [116.0], "_y": [40.0], "speed": [0.0]}, index=index[:1])
    collection = mpd.TrajectoryCollection([mpd.Trajectory(df, "a"), mpd.Trajectory(second, "a")])
    sequences, ids = sequences_from_trajectories(collection, columns=["speed"])
    t0 = pd.Timestamp("2008-12-11 04:42:14", tz="UTC").timestamp()
    np.testing.assert_array_equal(
        sequences[0], [[t0, 39.8, 116.1, 1.0], [t0 + 2, 39.9, 116.2, 2.0]]
    )
    assert len(sequences) == 2 and ids.tolist() == ["a", "a"]  # same id, kept apart
    one, _ = sequences_from_trajectories(mpd.Trajectory(df, 7))
    assert one[0].shape == (2, 3)
    with pytest.raises(ValueError, match="projected CRS"):
        sequences_from_trajectories(mpd.Trajectory(df, 1, crs="EPSG:32650", is_latlon=False))
    with pytest.raises(TypeError, match="TrajectoryCollection"):
        sequences_from_trajectories(df)


# --------------------------------------------------------------- loader


@pytest.fixture(scope="module")
def geolife():
    return load_geolife_sample()


def test_geolife_sample_counts(geolife):
    assert isinstance(geolife, SequenceData)
    assert geolife.kind == "trajectory" and geolife.columns == ("time", "lat", "lon")
    assert geolife.n_points == 217_653
    users, per_user = np.unique(geolife.ids, return_counts=True)
    assert users.tolist() == ["001", "005"]
    lengths = np.array([len(s) for s in geolife.sequences])
    fixes = {u: int(lengths[geolife.ids == u].sum()) for u in users}
    assert fixes == {"001": 108_607, "005": 109_046}
    assert geolife.n_sequences == 329 and per_user.tolist() == [145, 184]
    for sequence in geolife.sequences:  # the gap rule
        assert np.all(np.diff(sequence[:, 0]) <= 1200.0)
    assert load_geolife_sample(gap=np.inf).n_sequences == 2
    assert geolife.citation and "GeoLife" in geolife.license


def test_geolife_sample_gap_is_checked():
    with pytest.raises(ValueError, match="gap"):
        load_geolife_sample(gap=0)


@pytest.mark.skipif(not GEOLIFE_ORIGINAL.is_file(), reason="the staged original is absent")
def test_geolife_sample_equals_the_original(geolife):
    original = pd.read_csv(GEOLIFE_ORIGINAL, parse_dates=["datetime"], dtype={"uid": str})
    seconds = (original["datetime"] - pd.Timestamp(0)).dt.total_seconds().to_numpy()
    fixes = np.concatenate(geolife.sequences)
    np.testing.assert_array_equal(fixes[:, 0], seconds)
    np.testing.assert_array_equal(fixes[:, 1], original["lat"].to_numpy())
    np.testing.assert_array_equal(fixes[:, 2], original["lng"].to_numpy())
    assert gzip.decompress(GEOLIFE_ORIGINAL.read_bytes()).startswith(b"lat,lng,datetime,uid")


def test_geolife_pipeline_runs_on_real_data(geolife):
    sample = geolife.sequences[:20]
    cleaned = TrajectoryCleaner().fit_transform(sample)
    assert sum(map(len, cleaned)) > 0.95 * sum(map(len, sample))
    stays = StayPointDetector().fit_transform(cleaned)
    assert len(stays) == 20 and all(s.shape[1] == 4 for s in stays)
    windows = TrajectoryResampler(n_points=32, output="windows").fit_transform(cleaned)
    assert windows.shape == (20, 32, 1, 2)
    projected = LocalProjector().fit(windows).transform(windows)
    assert np.abs(projected).max() < 100e3  # Beijing: within 100 km of the centroid
