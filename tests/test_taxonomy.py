"""Tests of sk_stfm.taxonomy: describe, the dependence statistics, recommend, the table."""

import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from sk_stfm.backbones import DLinear, get_backbone, register_backbone, unregister_backbone
from sk_stfm.data import SequenceData, STData, grid_adjacency, make_windows
from sk_stfm.datasets import (
    load_earthquakes,
    load_etth1,
    load_geolife_sample,
    load_los_loop,
    load_nycbike1,
    load_wikipedia_events,
    make_moving_digits,
)
from sk_stfm.estimators import (
    EventForecaster,
    NextLocationPredictor,
    STForecaster,
    STImputer,
    resolve_spatial,
)
from sk_stfm.taxonomy import (
    DataProfile,
    Recommendations,
    autocorrelation,
    describe,
    dominant_periods,
    morans_i,
    recommend,
    taxonomy_table,
)
from sk_stfm.utils import STFMTags

SPATIAL = {"spatial", "spatio-temporal"}


@pytest.fixture(scope="module")
def etth1():
    return load_etth1()


@pytest.fixture(scope="module")
def los_loop():
    return load_los_loop()


@pytest.fixture(scope="module")
def nycbike1():
    return load_nycbike1()


def _uses_space(recommendation):
    return bool(SPATIAL & set(get_backbone(recommendation.backbone).tags.dependencies))


# ------------------------------------------------------------ statistics


def test_autocorrelation_of_a_sine_and_of_noise():
    t = np.arange(2400)
    acf = autocorrelation(np.sin(2 * np.pi * t / 24), max_lag=48)
    assert acf.shape == (49, 1)
    assert acf[0, 0] == pytest.approx(1.0)
    assert acf[24, 0] > 0.95 and acf[12, 0] < -0.95
    noise = np.random.default_rng(0).normal(size=(4000, 3))
    acf = autocorrelation(noise, max_lag=10)
    assert acf.shape == (11, 3)
    # The white-noise band: |r_k| < 4 / sqrt(n) for all lags, with room.
    assert np.abs(acf[1:]).max() < 4 / np.sqrt(4000)


def test_autocorrelation_matches_the_direct_formula_and_ignores_missing_values():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=200))
    z = x - x.mean()
    direct = [np.sum(z[: len(z) - k] * z[k:]) / np.sum(z * z) for k in range(6)]
    np.testing.assert_allclose(autocorrelation(x, max_lag=5)[:, 0], direct, atol=1e-10)
    gappy = x.copy()
    gappy[::10] = np.nan
    assert np.isfinite(autocorrelation(gappy, max_lag=5)).all()
    with pytest.raises(ValueError, match="max_lag"):
        autocorrelation(x, max_lag=-1)


def _morans_i_by_hand(x, weights):
    n = len(x)
    z = x - x.mean()
    w = weights.copy()
    np.fill_diagonal(w, 0)
    return n / w.sum() * (z @ w @ z) / (z @ z)


def test_morans_i_matches_its_definition_and_moments():
    rng = np.random.default_rng(0)
    weights = (rng.random((30, 30)) < 0.2).astype(float)
    x = rng.normal(size=30)
    result = morans_i(x, weights)
    assert result.statistic == pytest.approx(_morans_i_by_hand(x, weights))
    assert result.expected == pytest.approx(-1 / 29)
    assert result.n_snapshots == 1
    # Under the null, the normal-approximation variance matches simulation.
    draws = [morans_i(rng.normal(size=30), weights).statistic for _ in range(2000)]
    assert np.mean(draws) == pytest.approx(result.expected, abs=0.01)
    assert np.var(draws) == pytest.approx(result.variance, rel=0.15)


def test_morans_i_detects_smooth_fields_and_checkerboards():
    lattice = grid_adjacency((10, 10))
    rows, cols = np.indices((10, 10))
    smooth = (rows + cols).ravel().astype(float)
    checkerboard = ((rows + cols) % 2).ravel().astype(float)
    assert morans_i(smooth, lattice).statistic > 0.8
    result = morans_i(checkerboard, lattice)
    assert result.statistic == pytest.approx(-1.0)
    assert result.p_value < 1e-6


def test_morans_i_permutation_test_and_snapshots():
    lattice = grid_adjacency((8, 8))
    rows, cols = np.indices((8, 8))
    field = np.sin(rows / 3.0).ravel()
    snapshots = np.stack([field + 0.1 * k for k in range(5)])
    result = morans_i(snapshots, lattice, n_permutations=99, random_state=0)
    assert result.n_snapshots == 5
    assert result.p_value_permutation == pytest.approx(0.01)
    noise = np.random.default_rng(0).normal(size=(5, 64))
    assert morans_i(noise, lattice, n_permutations=99, random_state=0).p_value_permutation > 0.05


def test_morans_i_validates_its_input():
    with pytest.raises(ValueError, match="at least 3 nodes"):
        morans_i([1.0, 2.0], np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least one edge"):
        morans_i([1.0, 2.0, 3.0], np.eye(3))
    with pytest.raises(ValueError, match="weights"):
        morans_i([1.0, 2.0, 3.0], np.ones((4, 4)))
    with pytest.raises(ValueError, match="values"):
        morans_i(np.zeros((2, 2, 3)), np.ones((3, 3)))


def test_dominant_periods_finds_daily_and_weekly_cycles_not_harmonics():
    t = np.arange(24 * 7 * 10)
    rng = np.random.default_rng(0)
    series = np.sin(2 * np.pi * t / 24) + 0.6 * np.sin(2 * np.pi * t / 168)
    periods = dominant_periods(series + 0.2 * rng.normal(size=t.size))
    assert [p for p, _, _ in periods] == [24, 168]
    # A square wave has odd harmonics (8, 4.8, ...) that are not periods.
    square = np.sign(np.sin(2 * np.pi * (t + 0.5) / 24))
    assert [p for p, _, _ in dominant_periods(square)] == [24]
    assert dominant_periods(rng.normal(size=2000)) == []
    assert dominant_periods(np.arange(5.0)) == []


# ------------------------------------------------------------ describe


def test_describe_etth1_is_a_periodic_single_node_series(etth1):
    start = time.perf_counter()
    profile = describe(etth1)
    assert time.perf_counter() - start < 2.0
    assert isinstance(profile, DataProfile)
    assert profile.kind == "series" and profile.shape == (17420, 1, 7)
    assert profile.sampling == "regular" and profile.time_step == pd.Timedelta(hours=1)
    assert profile.missing_rate == 0.0
    assert profile.dependencies == ("temporal",)
    assert profile.temporal.strength == "strong" and profile.temporal.value > 0.8
    assert profile.spatial is None and profile.spatio_temporal is None
    assert profile.periods[0].steps == 24
    assert profile.periods[0].duration == pd.Timedelta(hours=24)
    assert str(profile.periods[0]) == "24 steps (24 h)"
    assert profile.context == ("timestamps",)


def test_describe_los_loop_measures_morans_i_on_the_adjacency(los_loop):
    start = time.perf_counter()
    profile = describe(los_loop)
    assert time.perf_counter() - start < 2.0
    assert profile.kind == "graph" and profile.n_nodes == 207
    assert profile.dependencies == ("temporal", "spatial", "spatio-temporal")
    assert profile.spatial.statistic == "Moran's I"
    assert profile.spatial.value > 0.2 and profile.spatial.z_score > 5
    assert "adjacency" in profile.spatial.description
    assert profile.spatio_temporal.value > 0
    assert [p.steps for p in profile.periods] == [288]
    assert str(profile.periods[0]) == "288 steps (24 h)"
    assert profile.time_step == pd.Timedelta(minutes=5)
    assert "adjacency" in profile.context


def test_describe_grid_uses_the_rook_or_queen_lattice(nycbike1):
    rook = describe(nycbike1)
    queen = describe(nycbike1, grid_neighbourhood="queen")
    assert rook.kind == "grid" and rook.grid_shape == (16, 8)
    assert "rook (4-neighbour) grid" in rook.spatial.description
    assert "queen (8-neighbour) grid" in queen.spatial.description
    assert rook.spatial.value != pytest.approx(queen.spatial.value)
    assert rook.spatial.strength == "strong"
    assert [p.steps for p in rook.periods][:2] == [24, 168]


def test_describe_independent_nodes_show_no_spatial_dependence():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(500, 30, 1))
    ring = np.roll(np.eye(30), 1, axis=1)
    data = STData(values, adjacency=ring + ring.T, kind="graph")
    profile = describe(data, n_permutations=49, random_state=0)
    assert profile.spatial is not None and not profile.spatial.present
    assert "permutation" in profile.spatial.description
    assert profile.dependencies == ()


def test_describe_accepts_arrays_frames_and_a_spatial_context():
    t = np.arange(480)
    series = np.sin(2 * np.pi * t / 24)
    two_d = describe(np.column_stack([series, np.cos(2 * np.pi * t / 24)]))
    assert two_d.shape == (480, 1, 2) and two_d.kind == "series"
    assert two_d.time_step is None and str(two_d.periods[0]) == "24 steps"
    frame = pd.DataFrame(
        {"a": series, "b": series**2},
        index=pd.date_range("2024-01-01", periods=480, freq="h"),
    )
    from_frame = describe(frame)
    assert from_frame.time_step == pd.Timedelta(hours=1)
    assert str(from_frame.periods[0]) == "24 steps (24 h)"
    field = np.sin(np.arange(480)[:, None, None] / 10 + np.arange(12)[None, :, None] / 4)
    gridded = describe(field, spatial=(3, 4))
    assert gridded.kind == "grid" and gridded.context == ("grid_shape",)
    assert gridded.spatial.statistic == "Moran's I"
    panel = describe(field)
    assert panel.spatial.statistic == "correlation" and "no adjacency" in str(panel.spatial)


def test_describe_reports_missing_values_and_irregular_timestamps():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 1, 2))
    values[:20, 0, 0] = np.nan
    times = pd.DatetimeIndex(
        pd.Timestamp("2024-01-01")
        + pd.to_timedelta(np.cumsum(rng.integers(1, 60, 200)), unit="min")
    )
    profile = describe(STData(values, timestamps=times))
    assert profile.missing_rate == pytest.approx(0.05)
    assert profile.sampling == "irregular"


def test_describe_sequences_are_irregular():
    events = describe(load_earthquakes())
    assert events.kind == "event" and events.sampling == "irregular"
    assert events.n_sequences == 1 and events.n_points == 21291 and events.n_steps is None
    assert events.spatial is None and events.spatio_temporal.present
    assert events.spatial_columns == ("x", "y")
    wikipedia = describe(load_wikipedia_events())
    assert wikipedia.n_marks == 8227 and "burstiness" in str(wikipedia.temporal)
    assert [p.steps for p in wikipedia.periods] == [24]
    trajectories = describe(load_geolife_sample())
    assert trajectories.kind == "trajectory" and trajectories.sampling == "irregular"
    assert trajectories.dependencies == ("temporal", "spatio-temporal")
    assert "directional persistence" in str(trajectories.spatio_temporal)


def test_describe_repr_and_frame(los_loop):
    profile = describe(los_loop)
    text = repr(profile)
    assert text.startswith("DataProfile('los_loop')")
    assert "Moran's I = " in text and "288 steps (24 h)" in text
    frame = profile.to_frame()
    assert list(frame.columns) == ["value"] and frame.index.name == "property"
    assert {"kind", "sampling", "temporal", "spatial", "spatio-temporal", "periods"} <= set(
        frame.index
    )
    assert profile.measure("spatio-temporal") is profile.spatio_temporal
    with pytest.raises(ValueError, match="dependency"):
        profile.measure("seasonal")


@pytest.mark.parametrize(
    "data, error, match",
    [
        ("a string", TypeError, "data must be"),
        ({"a": [1.0]}, TypeError, "data must be"),
        (np.zeros((4, 5, 2, 1)), ValueError, "not windows"),
        (np.array([["a", "b"]] * 5), TypeError, "numbers"),
        (np.zeros((3, 2)), ValueError, "at least 4 steps"),
        (pd.DataFrame({"a": ["x", "y", "z", "w"]}), TypeError, "DataFrame"),
    ],
)
def test_describe_rejects_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        describe(data)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_lag": 0}, "max_lag"),
        ({"max_lag": 2.5}, "max_lag"),
        ({"grid_neighbourhood": "bishop"}, "grid_neighbourhood"),
        ({"n_permutations": -1}, "n_permutations"),
    ],
)
def test_describe_rejects_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        describe(np.zeros((10, 1)), **params)


# ------------------------------------------------------------ recommend


def test_recommend_los_loop_ranks_graph_aware_backbones_first(los_loop):
    recommendations = recommend(los_loop, task="forecast")
    assert isinstance(recommendations, Recommendations)
    assert [r.rank for r in recommendations] == list(range(1, len(recommendations) + 1))
    scores = [r.score for r in recommendations]
    assert scores == sorted(scores, reverse=True)
    spatial_flags = [_uses_space(r) for r in recommendations]
    # Every graph-aware backbone ranks above every temporal-only one.
    assert spatial_flags == sorted(spatial_flags, reverse=True)
    assert recommendations[0].backbone in {"gwnet", "tgcn", "st_transformer", "stid"}
    best = recommendations[0]
    assert isinstance(best.estimator, STForecaster)
    assert sp.issparse(best.estimator.spatial) and best.estimator.spatial.shape == (207, 207)
    reasons = " ".join(best.reasons)
    assert "Moran's I = " in reasons and "uses the adjacency" in reasons
    assert f"{best.backbone} models it" in reasons
    temporal_only = [r for r in recommendations if not _uses_space(r)]
    assert temporal_only and all(r.estimator.spatial is None for r in temporal_only)
    assert any("does not model it" in reason for reason in temporal_only[0].reasons)


def test_recommend_etth1_proposes_no_graph_backbone(etth1):
    recommendations = recommend(etth1, task="forecast")
    assert recommendations[0].backbone in {"patchtst", "dlinear"}
    for recommendation in recommendations:
        assert not _uses_space(recommendation)
        assert recommendation.estimator.get_params()["spatial"] is None
    assert "single node" in recommendations.excluded["gwnet"]
    assert any("channel-independent" in reason for reason in recommendations[0].reasons)
    # History: whole cycles of the 24 h period, within each budget's cap.
    assert recommendations[0].history == 96 and recommendations[0].horizon == 12
    assert recommend(etth1, budget="medium")[0].history == 336
    assert recommend(etth1, budget="large")[0].backbone == "patchtst"


@pytest.mark.parametrize("loader, n_steps", [(load_etth1, 160), (load_los_loop, 100)])
def test_top_recommendation_fits(loader, n_steps):
    data = loader()
    best = recommend(data, task="forecast", random_state=0)[0]
    part = data.slice_steps(0, best.history + best.horizon + n_steps)
    X, y = make_windows(part, history=best.history, horizon=best.horizon, stride=4)
    estimator = best.estimator.set_params(max_epochs=1)
    estimator.fit(X, y)
    assert estimator.predict(X[:2]).shape == (2, best.horizon, data.n_nodes, data.n_channels)


@pytest.mark.parametrize(
    "loader",
    [load_etth1, load_los_loop, load_nycbike1, make_moving_digits],
    ids=lambda f: f.__name__,
)
def test_every_recommended_backbone_builds(loader):
    data = loader()
    for recommendation in recommend(data, budget="medium"):
        estimator = recommendation.estimator
        module = estimator.backbone.build(
            recommendation.history,
            data.n_nodes,
            data.n_channels,
            recommendation.horizon,
            spatial=resolve_spatial(estimator.spatial, data.n_nodes),
        )
        assert module.horizon == recommendation.horizon


@pytest.mark.parametrize("loader", [load_nycbike1, make_moving_digits], ids=lambda f: f.__name__)
def test_recommend_grids_prefers_grid_models(loader):
    data = loader()
    recommendations = recommend(data, task="forecast", top_k=3)
    assert len(recommendations) == 3
    assert recommendations[0].backbone in {"simvp", "convlstm", "st_patch_transformer"}
    assert recommendations[0].estimator.spatial == data.grid_shape
    assert any("grid as an image" in reason for reason in recommendations[0].reasons)
    assert all(
        "ranked below the top 3" in why
        for name, why in recommendations.excluded.items()
        if "ranked" in why
    )


def test_recommend_events_gives_point_processes():
    data = load_earthquakes()
    recommendations = recommend(data, task="forecasting")
    assert {r.backbone for r in recommendations} == {"lognorm_mix", "rmtpp", "thp"}
    best = recommendations[0]
    assert isinstance(best.estimator, EventForecaster)
    assert best.history is None and best.horizon is None
    assert "dlinear" in recommendations.excluded
    short = SequenceData([data.sequences[0][:300]], columns=data.columns, kind="event")
    best.estimator.set_params(max_epochs=1).fit(short)
    assert recommend(data, task="generate")[0].task == "generation"


def test_recommend_trajectories():
    recommendations = recommend(load_geolife_sample(), task="forecast")
    assert [r.backbone for r in recommendations] == ["trajectory_transformer"]
    assert isinstance(recommendations[0].estimator, NextLocationPredictor)
    assert "TrajectoryResampler" in recommendations.excluded["dlinear"]
    with pytest.raises(ValueError, match="no registered backbone serves imputation"):
        recommend(load_geolife_sample(), task="impute")


def test_recommend_other_tasks_respect_the_default_objective(los_loop):
    recommendations = recommend(los_loop, task="impute")
    assert all(isinstance(r.estimator, STImputer) for r in recommendations)
    assert all(r.horizon == 0 for r in recommendations)
    assert "learned_encoder" in recommendations.excluded["dlinear"]
    assert recommend(los_loop, task="anomaly")[0].task == "anomaly_detection"
    assert recommend(los_loop, task="classify")[0].task == "classification"


def test_recommend_budget_sizes_models_and_memory(los_loop):
    small = {r.backbone: r for r in recommend(los_loop, budget="small")}
    large = {r.backbone: r for r in recommend(los_loop, budget="large")}
    assert small["gwnet"].estimator.max_epochs < large["gwnet"].estimator.max_epochs
    assert (
        small["gwnet"].estimator.backbone.residual_channels
        < large["gwnet"].estimator.backbone.residual_channels
    )
    # Attention over every step of 207 nodes: the window is capped.
    assert large["st_transformer"].history <= 96
    assert any("history lowered" in reason for reason in large["st_transformer"].reasons)


def test_recommendations_are_independent_unfitted_estimators(los_loop):
    first = recommend(los_loop, top_k=2)
    second = recommend(los_loop, top_k=2)
    assert first[0].estimator is not second[0].estimator
    assert not hasattr(first[0].estimator, "net_")
    estimators = [r.estimator for r in first[:2]]
    assert len(estimators) == 2
    cloned = clone(estimators[0])
    assert cloned.get_params()["backbone"].get_params() == estimators[0].backbone.get_params()
    frame = first.to_frame()
    assert list(frame.columns) == [
        "rank",
        "backbone",
        "estimator",
        "score",
        "history",
        "horizon",
        "reasons",
    ]
    assert isinstance(first[:1], Recommendations) and first[:1].profile is first.profile
    text = repr(first)
    assert text.startswith("Recommendations('los_loop', kind='graph'):")
    assert "#1 " in text and "  - " in text


def test_recommend_reuses_a_profile(los_loop):
    profile = describe(los_loop)
    assert recommend(los_loop, profile=profile).profile is profile


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"task": "dance"}, ValueError, "task must be"),
        ({"budget": "huge"}, ValueError, "budget"),
        ({"top_k": 0}, ValueError, "top_k"),
        ({"horizon": -1}, ValueError, "horizon"),
        ({"profile": "profile"}, TypeError, "profile"),
    ],
)
def test_recommend_rejects_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        recommend(np.random.default_rng(0).normal(size=(100, 2)), **params)


# ------------------------------------------------------------ table


def test_taxonomy_table_is_generated_from_the_registry():
    table = taxonomy_table()
    assert list(table.columns) == ["temporal", "spatial", "spatio-temporal"]
    assert list(table.index) == ["series", "graph", "grid", "video", "trajectory", "event"]
    assert "gwnet" in table.loc["graph", "spatio-temporal"].split(", ")
    assert "simvp" in table.loc["video", "spatial"].split(", ")
    assert table.loc["series", "spatial"] == "n/a"
    assert "dlinear" not in table.loc["graph", "spatial"]
    assert "lognorm_mix" in table.loc["event", "temporal"]
    try:
        register_backbone(
            "my_event_model",
            DLinear,
            STFMTags(data_kinds=("event",), tasks=("forecasting",)),
            "test backbone",
        )
        assert "my_event_model" in taxonomy_table().loc["event", "temporal"]
    finally:
        unregister_backbone("my_event_model")
    assert "my_event_model" not in taxonomy_table().loc["event", "temporal"]
    imputation = taxonomy_table(task="impute")
    assert "lognorm_mix" not in imputation.loc["event", "temporal"]


def test_taxonomy_table_renders_as_a_list_table_for_the_docs():
    from taxonomy_page import taxonomy_table_rst

    text = taxonomy_table_rst()
    assert text.startswith(".. list-table::")
    assert "   * - graph" in text and "``gwnet``" in text
    assert text.count("   * - ") == 7  # the header and the six data kinds


def test_taxonomy_table_series_row_matches_recommend(etth1):
    series_models = set(taxonomy_table().loc["series", "temporal"].split(", "))
    assert series_models == {r.backbone for r in recommend(etth1)}


def test_seasonal_period_is_the_strongest_period_or_the_calendar_season():
    import pandas as pd

    from sk_stfm.data import STData
    from sk_stfm.taxonomy import seasonal_period

    t = np.arange(24 * 30)
    daily = STData(
        np.sin(2 * np.pi * t / 24)[:, None, None],
        timestamps=pd.date_range("2024-01-01", periods=t.size, freq="h"),
    )
    assert seasonal_period(describe(daily)) == (24, "strongest period found by describe (24 h)")
    noise = np.random.default_rng(0).normal(size=(40, 1, 1))
    for freq, expected in (("15min", 96), ("D", 7), ("7D", 52)):
        data = STData(noise, timestamps=pd.date_range("2024-01-01", periods=40, freq=freq))
        period, source = seasonal_period(describe(data))
        assert period == expected and source.startswith("calendar"), (freq, source)
    assert seasonal_period(describe(noise[:, 0]))[0] is None


def test_describe_leaves_the_adjacency_of_the_data_untouched():
    import scipy.sparse as sp

    from sk_stfm.data import STData

    rows, cols = np.array([0, 0, 1, 1, 2, 3]), np.array([0, 1, 1, 2, 3, 0])
    adjacency = sp.csr_array((np.ones(6), (rows, cols)), shape=(4, 4))  # self-loops, int64
    before = adjacency.toarray()
    data = STData(np.random.default_rng(0).normal(size=(50, 4, 1)), adjacency=adjacency,
                  kind="graph")  # fmt: skip
    describe(data)
    np.testing.assert_array_equal(data.adjacency.toarray(), before)
    sp.coo_array(data.adjacency)  # a corrupted matrix cannot be converted
