"""SideInfoJoiner: static (per node) and dynamic (per step) covariates appended to windows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_stfm.data import STData, make_windows
from sk_stfm.estimators import MLPConfig, STForecaster
from sk_stfm.harmonize import SideInfoJoiner, STStandardScaler, add_time_channel

N_STEPS, N_NODES = 48, 3
TIMES = pd.date_range("2024-03-01", periods=N_STEPS, freq="h")


@pytest.fixture(scope="module")
def series():
    """A long (48 h, 3 nodes, 1 channel) series with its hour in a last channel."""
    rng = np.random.default_rng(0)
    data = STData(rng.normal(size=(N_STEPS, N_NODES, 1)), timestamps=TIMES)
    return add_time_channel(data, unit="h")


@pytest.fixture(scope="module")
def windows(series):
    X, _ = make_windows(series, history=6, horizon=0, stride=5)
    return np.array(X)  # window i starts at step 5 * i


def _flatten(X):
    return X.reshape(len(X), -1)


def test_static_covariates_are_broadcast_over_samples_and_steps(windows):
    poi = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    out = SideInfoJoiner(static_covariates=poi).fit_transform(windows)
    assert out.shape == windows.shape[:3] + (2 + 2,)
    np.testing.assert_array_equal(out[..., :2], windows)
    np.testing.assert_array_equal(out[..., 2:], np.broadcast_to(poi, out[..., 2:].shape))
    # One feature per node may come as a 1-D array.
    one = SideInfoJoiner(static_covariates=poi[:, 0]).fit_transform(windows)
    np.testing.assert_array_equal(one[..., 2], np.broadcast_to(poi[:, 0], one.shape[:3]))


def test_dynamic_covariates_are_aligned_by_the_time_of_each_step(windows):
    weather = np.column_stack([np.arange(N_STEPS) * 1.0, np.arange(N_STEPS) ** 2.0])
    joiner = SideInfoJoiner(dynamic_covariates=weather, dynamic_index=TIMES, unit="h")
    out = joiner.fit_transform(windows)
    assert out.shape[-1] == 2 + 2
    steps = 5 * np.arange(len(windows))[:, None] + np.arange(6)  # step of each window row
    for node in range(N_NODES):
        np.testing.assert_array_equal(out[:, :, node, 2], steps)
        np.testing.assert_array_equal(out[:, :, node, 3], steps**2.0)
    # A DataFrame indexed by time and an STData carry their own index.
    frame = pd.DataFrame(weather, index=TIMES)
    np.testing.assert_array_equal(
        SideInfoJoiner(dynamic_covariates=frame, unit="h").fit_transform(windows), out
    )
    stdata = STData(weather[:, None, :], timestamps=TIMES)
    np.testing.assert_array_equal(
        SideInfoJoiner(dynamic_covariates=stdata, unit="h").fit_transform(windows), out
    )


def test_dynamic_covariates_per_node_and_row_positions():
    # Time channel holding row positions: no index needed.
    X = (2.0 * np.arange(4.0)).reshape(1, 4, 1, 1).repeat(2, axis=2)  # steps 0, 2, 4, 6
    per_node = np.arange(10 * 2 * 1, dtype=float).reshape(10, 2, 1)
    out = SideInfoJoiner(dynamic_covariates=per_node, time_channel=0).fit_transform(X)
    np.testing.assert_array_equal(out[0, :, 0, 1], per_node[[0, 2, 4, 6], 0, 0])
    np.testing.assert_array_equal(out[0, :, 1, 1], per_node[[0, 2, 4, 6], 1, 0])
    ranged = pd.DataFrame(per_node[:, 0], index=pd.RangeIndex(10))
    np.testing.assert_array_equal(
        SideInfoJoiner(dynamic_covariates=ranged, time_channel=0).fit_transform(X)[0, :, 1, 1],
        per_node[[0, 2, 4, 6], 0, 0],
    )


def test_channel_order_drop_time_and_2d_rows(windows):
    poi = np.array([[7.0], [8.0], [9.0]])
    weather = np.arange(N_STEPS, dtype=float)
    joiner = SideInfoJoiner(
        static_covariates=poi,
        dynamic_covariates=weather,
        dynamic_index=TIMES,
        unit="h",
        drop_time=True,
    )
    out = joiner.fit_transform(windows)
    # signal, then dynamic, then static; the hour channel is gone.
    np.testing.assert_array_equal(out[..., 0], windows[..., 0])
    np.testing.assert_array_equal(out[0, :, 0, 1], np.arange(6.0))
    np.testing.assert_array_equal(out[..., 2], np.broadcast_to(poi[:, 0], out.shape[:3]))
    rows = clone(joiner).set_params(window_shape=windows.shape[1:])
    np.testing.assert_array_equal(rows.fit_transform(_flatten(windows)), _flatten(out))


def test_float32_epoch_seconds_are_matched_to_the_nearest_step():
    data = add_time_channel(STData(np.zeros((24, 1, 1)), timestamps=TIMES[:24]), unit="s")
    X, _ = make_windows(data, history=4, horizon=0, stride=4)
    X32 = np.array(X, dtype=np.float32)
    # float32 resolves 2024 epoch seconds to 128 s: not exact, but well within half an hour.
    assert not np.array_equal(X32[..., 1].astype(np.float64), np.array(X)[..., 1])
    joiner = SideInfoJoiner(dynamic_covariates=np.arange(24.0), dynamic_index=TIMES[:24])
    out = joiner.fit_transform(X32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :, 0, 2], np.arange(24.0).reshape(6, 4))
    assert joiner.tolerance_ == 1800.0


def test_missing_times_and_covariates_become_nan(windows):
    weather = np.arange(N_STEPS, dtype=float)
    weather[7] = np.nan
    X = windows.copy()
    X[0, 2, 1, 1] = np.nan  # the time of one step of one node
    joiner = SideInfoJoiner(dynamic_covariates=weather, dynamic_index=TIMES, unit="h")
    out = joiner.fit(windows).transform(X)
    assert np.isnan(out[0, 2, 1, 2])
    assert np.isnan(out[1, 2, :, 2]).all()  # step 7 is window 1, row 2
    finite = np.ones(out.shape[:3], dtype=bool)
    finite[0, 2, 1] = finite[1, 2, :] = False
    assert np.isfinite(out[..., 2][finite]).all()
    np.testing.assert_array_equal(
        joiner.transform(windows[2:]), out[2:]
    )  # windows without NaN are unaffected


def test_unmatched_times_raise_or_give_nan(windows):
    joiner = SideInfoJoiner(dynamic_covariates=np.arange(N_STEPS, dtype=float), unit="h")
    # The time channel holds hours since 1970, not row positions 0..47.
    with pytest.raises(ValueError, match=r"no entry of dynamic_index .* unit='h'"):
        joiner.fit(windows)
    wrong_unit = SideInfoJoiner(
        dynamic_covariates=np.arange(N_STEPS, dtype=float), dynamic_index=TIMES, unit="s"
    )
    with pytest.raises(ValueError, match="unmatched='nan'"):
        wrong_unit.fit(windows)
    short = SideInfoJoiner(
        dynamic_covariates=np.arange(20.0), dynamic_index=TIMES[:20], unit="h", unmatched="nan"
    )
    out = short.fit_transform(windows)
    steps = 5 * np.arange(len(windows))[:, None] + np.arange(6)
    np.testing.assert_array_equal(np.isnan(out[:, :, 0, 2]), steps >= 20)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"static_covariates": np.zeros((2, 4))}, r"static_covariates must have shape \(n_nodes"),
        ({"dynamic_covariates": np.zeros((48, 2, 1))}, r"\(n_index, n_nodes, n_dynamic\)"),
        ({"dynamic_covariates": np.zeros(48), "dynamic_index": TIMES[:10]}, r"\(48,\)"),
        (
            {"dynamic_covariates": np.zeros(3), "dynamic_index": [0.0, 2.0, 1.0]},
            "strictly increasing",
        ),
        ({"dynamic_covariates": np.zeros(48), "time_channel": 5}, "time_channel=5"),
        ({"dynamic_covariates": [["a"], ["b"]]}, "dynamic_covariates must hold numbers"),
    ],
)
def test_mismatches_name_the_argument_and_expected_shape(windows, params, match):
    with pytest.raises(ValueError, match=match):
        SideInfoJoiner(**params).fit(windows)


def test_transform_refuses_other_nodes(windows):
    joiner = SideInfoJoiner(static_covariates=np.zeros((3, 1))).fit(windows)
    with pytest.raises(ValueError, match="n_nodes"):
        joiner.transform(windows[:, :, :2])


def test_joined_side_information_makes_the_target_learnable():
    # The target is the weather of the window's last step: invisible in the
    # signal (noise), exact once the weather is joined at the right step.
    rng = np.random.default_rng(0)
    weather = rng.normal(size=400)
    data = STData(rng.normal(size=(400, 2, 1)))
    position = np.broadcast_to(np.arange(400.0)[:, None, None], (400, 2, 1))
    values = np.concatenate([data.values, position], axis=2)
    X, _ = make_windows(values, history=8, horizon=0, stride=3)
    X = np.array(X)
    target = weather[3 * np.arange(len(X)) + 7]
    train, test = slice(0, 90), slice(90, None)
    joined = make_pipeline(
        SideInfoJoiner(dynamic_covariates=weather, drop_time=True),
        FunctionTransformer(_flatten),
        Ridge(alpha=1e-3),
    ).fit(X[train], target[train])
    plain = make_pipeline(
        FunctionTransformer(lambda X: _flatten(X[..., :1])), Ridge(alpha=1e-3)
    ).fit(X[train], target[train])
    assert joined.score(X[test], target[test]) > 0.99
    assert plain.score(X[test], target[test]) < 0.2


def test_sits_in_a_pipeline_before_an_estimator(windows, series):
    X, y = make_windows(series, history=6, horizon=2, stride=2)
    X, y = np.array(X), np.array(y)[..., :1]  # y holds the signal only
    poi = np.eye(N_NODES)
    pipeline = make_pipeline(
        SideInfoJoiner(static_covariates=poi, drop_time=True),
        STStandardScaler(),
        STForecaster(backbone=MLPConfig(hidden_sizes=(8,)), max_epochs=1, random_state=0),
    )
    pipeline.fit(X, y)
    assert pipeline.predict(X).shape == y.shape
    assert pipeline.get_params()["sideinfojoiner__drop_time"] is True
    assert pipeline[0].transform(X).shape == X.shape[:3] + (1 + N_NODES,)
