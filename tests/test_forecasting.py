"""SktimeForecaster: sk_stfm window forecasters behind sktime's forecasting API."""

import copy
import importlib
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.datasets import load_airline, load_shampoo_sales  # noqa: E402
from sktime.forecasting.compose import TransformedTargetForecaster  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.model_selection import ForecastingGridSearchCV  # noqa: E402
from sktime.forecasting.naive import NaiveForecaster  # noqa: E402
from sktime.performance_metrics.forecasting import MeanAbsoluteError  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402
from sktime.transformations.series.detrend import Detrender  # noqa: E402
from sktime.transformations.series.difference import Differencer  # noqa: E402

from sk_stfm.data import make_windows  # noqa: E402
from sk_stfm.datasets import load_etth1, load_los_loop  # noqa: E402
from sk_stfm.estimators import GraphWaveNetConfig, STForecaster  # noqa: E402
from sk_stfm.forecasting import SktimeForecaster  # noqa: E402
from sk_stfm.objectives import Diffusion  # noqa: E402
from sk_stfm.utils import all_estimators  # noqa: E402

# sktime 1.2 announces a change of its remember_data default at every
# construction; SktimeForecaster keeps its own context, so it does not care.
pytestmark = pytest.mark.filterwarnings("ignore:The default of config:FutureWarning")

DAY = list(range(1, 25))


@pytest.fixture(scope="module")
def etth1():
    """The first 600 hourly steps of ETTh1 (25 days), one column per channel."""
    data = load_etth1()
    return pd.DataFrame(
        data.values[:600, 0], index=data.timestamps[:600], columns=data.channel_names
    )


@pytest.fixture(scope="module")
def load(etth1):
    """High useful load (HUFL): a series with a strong daily cycle."""
    return etth1["HUFL"]


def _model(**params):
    params = {"backbone": "dlinear", "max_epochs": 20, "lr": 1e-2, "random_state": 0, **params}
    return STForecaster(**params)


def _weights(forecaster):
    return copy.deepcopy(forecaster.estimator_.net_.module_.state_dict())


def test_sktime_is_an_optional_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sktime", None)
    monkeypatch.delitem(sys.modules, "sk_stfm.forecasting")
    with pytest.raises(ImportError, match=r"pip install 'sk-stfm\[forecasting\]'"):
        importlib.import_module("sk_stfm.forecasting")


def test_tags_follow_the_wrapped_estimator():
    default = SktimeForecaster()
    assert not default.get_tag("capability:pred_int")
    assert default.get_tag("property:randomness") == "stochastic"
    diffusion = SktimeForecaster(_model(objective=Diffusion(n_diffusion_steps=4), max_epochs=1), history=4)
    assert diffusion.get_tag("capability:pred_int")
    assert diffusion.get_tag("property:randomness") == "deterministic"
    # Nested parameters are set after skbase rebuilds the instance: fit
    # brings the tags up to date (what grid searches over them rely on).
    diffusion.set_params(estimator__objective=None, estimator__random_state=None)
    diffusion.fit(pd.Series(np.arange(40.0)), fh=[1])
    assert not diffusion.get_tag("capability:pred_int")
    assert diffusion.get_tag("property:randomness") == "stochastic"
    for tag in ("capability:insample", "capability:unequal_length"):
        assert default.get_tag(tag) is False
    for tag in (
        "capability:exogenous",
        "capability:missing_values",
        "requires-fh-in-fit",
        "capability:update",
    ):
        assert default.get_tag(tag) is True


def test_forecast_index_follows_y_and_horizon_is_max_fh(load):
    y = load.to_period()  # PeriodIndex: the forecast keeps the index type of y
    forecaster = SktimeForecaster(_model(), history=48).fit(y[:576], fh=[2, 5])
    y_pred = forecaster.predict()
    assert forecaster.horizon_ == 5
    assert forecaster.estimator_.output_shape_[0] == 5
    assert isinstance(y_pred, pd.Series) and y_pred.name == "HUFL"
    pd.testing.assert_index_equal(y_pred.index, y.index[[577, 580]])
    assert np.isfinite(y_pred).all()
    # Steps 2 and 5 are those of a forecast of steps 1..5 by the same model.
    full = SktimeForecaster(_model(), history=48).fit(y[:576], fh=[1, 2, 3, 4, 5]).predict()
    np.testing.assert_allclose(y_pred.to_numpy(), full.to_numpy()[[1, 4]])


# "refit" trains on every fold; "no-update_params" trains on the first and
# only moves the forecast origin through the others.
@pytest.mark.parametrize("strategy", ["refit", "no-update_params"])
def test_evaluate_beats_the_last_value_on_a_daily_cycle(load, strategy):
    cv = ExpandingWindowSplitter(initial_window=480, step_length=24, fh=DAY)
    scoring = MeanAbsoluteError()
    forecaster = SktimeForecaster(_model(), history=48)
    model = evaluate(forecaster, cv=cv, y=load, strategy=strategy, scoring=scoring)
    naive = evaluate(NaiveForecaster(strategy="last"), cv=cv, y=load, scoring=scoring)
    errors = model["test_MeanAbsoluteError"]
    assert len(errors) == 5 and np.isfinite(errors).all()
    assert errors.mean() < 0.75 * naive["test_MeanAbsoluteError"].mean()


def test_update_without_params_moves_the_origin_not_the_weights(load):
    # The network forecasts, whatever a naive rule would score on this short series.
    forecaster = SktimeForecaster(_model(), history=48, baseline=None).fit(load[:500], fh=DAY)
    before, weights, model = forecaster.predict(), _weights(forecaster), forecaster.estimator_
    forecaster.update(load[500:524], update_params=False)
    after = forecaster.predict()
    assert forecaster.cutoff[0] == load.index[523]
    pd.testing.assert_index_equal(after.index, load.index[524:548])
    assert forecaster.estimator_ is model
    for name, value in _weights(forecaster).items():
        assert np.array_equal(value, weights[name]), name
    assert not np.allclose(before.to_numpy(), after.to_numpy())
    # The forecast starts from the last ``history`` observed steps.
    window = load.to_numpy()[476:524].reshape(1, 48, 1, 1)
    np.testing.assert_allclose(after.to_numpy(), model.predict(window)[0, :, 0, 0])


def test_update_with_params_fine_tunes_on_everything_observed(load):
    forecaster = SktimeForecaster(_model(), history=48, baseline=None).fit(load[:500], fh=DAY)
    old = forecaster.estimator_
    forecaster.update(load[500:524], update_params=True)
    assert forecaster.estimator_ is old
    # The fitted network, trained 5 epochs more on the windows of all 524 steps.
    values = load.to_numpy()[:, None, None]
    model = _model().fit(*make_windows(values[:500], 48, 24))
    model.set_params(
        warm_start=True, max_epochs=5, lr_schedule="constant", patience=None, validation_fraction=0
    )
    model.fit(*make_windows(values[:524], 48, 24))
    window = values[476:524][None]
    np.testing.assert_allclose(forecaster.predict().to_numpy(), model.predict(window)[0, :, 0, 0])


def test_exogenous_series_are_past_input_channels(etth1):
    y, X = etth1["OT"], etth1.drop(columns="OT")
    forecaster = SktimeForecaster(_model(), history=48).fit(y[:576], X=X[:576], fh=DAY)
    assert forecaster.estimator_.window_shape_ == (48, 1, 7)  # OT + six loads
    assert forecaster.estimator_.output_shape_ == (24, 1, 1)  # OT only
    y_pred = forecaster.predict()
    # The future X is not read: the windows hold the X of their past steps.
    np.testing.assert_allclose(forecaster.predict(X=X[576:]).to_numpy(), y_pred.to_numpy())
    without_X = SktimeForecaster(_model(), history=48).fit(y[:576], fh=DAY).predict()
    assert not np.allclose(y_pred.to_numpy(), without_X.to_numpy())
    # An update without X leaves its channels missing; the model fills them.
    forecaster.update(y[576:580], update_params=False)
    assert np.isfinite(forecaster.predict()).all()
    with pytest.raises(ValueError, match="columns of X in fit"):
        forecaster.update(y[580:584], X=X[580:584].iloc[:, :2], update_params=False)


def test_missing_values_are_allowed(load):
    y = load[:300].copy()
    y.iloc[[10, 11, 150, 299]] = np.nan
    y_pred = SktimeForecaster(_model(max_epochs=5), history=24).fit(y, fh=DAY).predict()
    assert np.isfinite(y_pred).all()


def test_probabilistic_estimator_gives_intervals(load):
    diffusion = Diffusion(n_diffusion_steps=10, n_samples=40, hidden_size=16, n_layers=1)
    forecaster = SktimeForecaster(_model(objective=diffusion, max_epochs=10), history=48)
    forecaster.fit(load[:480], fh=DAY)
    intervals = forecaster.predict_interval(coverage=[0.5, 0.9])
    assert list(intervals.columns.get_level_values(1).unique()) == [0.5, 0.9]
    pd.testing.assert_index_equal(intervals.index, load.index[480:504])
    lower, upper = intervals["HUFL", 0.9, "lower"], intervals["HUFL", 0.9, "upper"]
    assert (lower <= intervals["HUFL", 0.5, "lower"]).all()
    assert (intervals["HUFL", 0.5, "upper"] <= upper).all()
    assert (lower < upper).all()
    quantiles = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    assert np.isfinite(forecaster.predict()).all()


def test_point_estimator_has_no_intervals(load):
    forecaster = SktimeForecaster(_model(max_epochs=2), history=24).fit(load[:200], fh=[1])
    with pytest.raises(NotImplementedError):
        forecaster.predict_interval()


def test_in_sample_fh_and_too_short_series_are_refused(load):
    forecaster = SktimeForecaster(_model(max_epochs=1), history=48)
    with pytest.raises(NotImplementedError, match="in-sample"):
        forecaster.fit(load[:200], fh=[-1, 1])
    with pytest.raises(ValueError, match=r"history \+ max\(fh\) = 48 \+ 24 = 72"):
        forecaster.fit(load[:60], fh=DAY)
    with pytest.raises(ValueError, match="different forecasting horizon"):
        forecaster.fit(load[:200], fh=DAY).predict(fh=[1])


def _panel(etth1, names):
    """ETTh1 channels as the instances of a pd-multiindex panel."""
    frames = {name: etth1[[name]].set_axis(["load"], axis=1) for name in names}
    return pd.concat(frames, names=["instance", "time"])


def test_panel_instances_are_the_nodes_of_one_model(etth1):
    names = ["MUFL", "HUFL", "LUFL"]  # not sorted: node order is the order given
    y = _panel(etth1, names)
    train = y[y.index.get_level_values("time") < etth1.index[576]]
    forecaster = SktimeForecaster(_model(), history=48).fit(train, fh=DAY)
    assert forecaster.estimator_.window_shape_ == (48, 3, 1)  # one model, three nodes
    y_pred = forecaster.predict()
    expected = pd.MultiIndex.from_product([names, etth1.index[576:600]], names=["instance", "time"])
    pd.testing.assert_index_equal(y_pred.index, expected)
    assert list(y_pred.columns) == ["load"]
    window = etth1[names].to_numpy()[528:576, :, None][None]
    direct = forecaster.estimator_.predict(window)[0]
    for node, name in enumerate(names):
        np.testing.assert_allclose(y_pred.loc[name, "load"].to_numpy(), direct[:, node, 0])


def test_panel_with_different_time_indices_is_refused(etth1):
    y = _panel(etth1, ["HUFL", "MUFL"])
    y = y.drop(index=("MUFL", etth1.index[100]))
    with pytest.raises(ValueError, match="same time index"):
        SktimeForecaster(_model(max_epochs=1), history=24).fit(y, fh=[1])


def test_graph_backbone_forecasts_a_road_network():
    data = load_los_loop()
    n_nodes, n_steps = 20, 288  # 20 sensors, one day of 5-minute speeds
    adjacency = data.adjacency[:n_nodes][:, :n_nodes]
    speeds = pd.DataFrame(data.values[:n_steps, :n_nodes, 0], columns=data.node_names[:n_nodes])
    speeds.index = pd.RangeIndex(n_steps, name="step")
    y = speeds.melt(ignore_index=False, var_name="sensor", value_name="speed")
    y = y.reset_index().set_index(["sensor", "step"])[["speed"]]
    backbone = GraphWaveNetConfig(
        residual_channels=8, dilation_channels=8, skip_channels=8, end_channels=16, n_blocks=1
    )
    model = STForecaster(backbone=backbone, spatial=adjacency, max_epochs=1, random_state=0)
    forecaster = SktimeForecaster(model, history=12).fit(y, fh=[1, 2, 3])
    assert forecaster.estimator_.spatial_.kind == "graph"
    assert forecaster.estimator_.window_shape_ == (12, n_nodes, 1)
    y_pred = forecaster.predict()
    assert list(y_pred.index.get_level_values("sensor").unique()) == data.node_names[:n_nodes]
    assert list(y_pred.loc[data.node_names[0]].index) == [288, 289, 290]
    assert np.isfinite(y_pred.to_numpy()).all()


def test_grid_search_tunes_history_and_nested_parameters(load):
    search = ForecastingGridSearchCV(
        SktimeForecaster(_model(), history=24),
        cv=ExpandingWindowSplitter(initial_window=480, step_length=48, fh=DAY),
        param_grid={"history": [24, 48], "estimator__max_epochs": [1, 20]},
        scoring=MeanAbsoluteError(),
        # In this process: loky's worker processes would each import torch.
        backend=None,
    )
    search.fit(load[:552], fh=DAY)
    assert len(search.cv_results_) == 4
    best = search.best_forecaster_
    assert best.history == search.best_params_["history"]
    assert best.estimator_.max_epochs == search.best_params_["estimator__max_epochs"]
    pd.testing.assert_index_equal(search.predict().index, load.index[552:576])


TRANSFORMERS = {
    "detrend": Detrender,
    "difference": lambda: Differencer(lags=1),
    # Differencing at lag 24 removes the daily cycle (a seasonal difference).
    "seasonal_difference": lambda: Differencer(lags=24),
}


@pytest.mark.parametrize("transformer", TRANSFORMERS)
def test_transformed_target_pipeline(load, transformer):
    pipeline = TransformedTargetForecaster(
        [
            ("transform", TRANSFORMERS[transformer]()),
            ("forecast", SktimeForecaster(_model(), history=48)),
        ]
    )
    y_pred = pipeline.fit(load[:576], fh=DAY).predict()
    pd.testing.assert_index_equal(y_pred.index, load.index[576:600])
    assert np.isfinite(y_pred).all()
    # Forecasts come back at the level of y, not of the transformed series.
    assert abs(y_pred.mean() - load[576:600].mean()) < load.std()


# ------------------------------------------------------------ short series
YEAR = list(range(1, 13))


def _tiny(**params):
    return STForecaster(**{"backbone": "dlinear", "max_epochs": 5, "random_state": 0, **params})


@pytest.mark.parametrize(
    ("n_steps", "horizon", "period", "expected"),
    [
        (144, 12, 12, 24),  # two cycles of the period
        (600, 48, 24, 48),  # two cycles, at least the horizon
        (2000, 24, 288, 512),  # capped at 512 steps
        (36, 3, None, 12),  # no period: 4 x the horizon
        (36, 1, None, 8),  # ... and at least 8
        (36, 12, None, 13),  # half of the 25 window starts stay windows
        (10, 3, None, 4),  # the shortest history, fewer windows
        (7, 3, None, 4),  # one window
    ],
)
def test_auto_history_rule(n_steps, horizon, period, expected):
    from sk_stfm.taxonomy._history import auto_history

    assert auto_history(n_steps, horizon, period) == expected


def test_auto_history_follows_the_period_of_airline():
    y = load_airline()  # 144 months with a yearly cycle
    forecaster = SktimeForecaster(_tiny()).fit(y[:132], fh=YEAR)
    assert forecaster.history == "auto"  # the parameter is left as given
    assert forecaster.history_ == 24  # two years
    assert forecaster.estimator_.window_shape_ == (24, 1, 1)
    y_pred = forecaster.predict()
    pd.testing.assert_index_equal(y_pred.index, y.index[132:144])
    assert np.isfinite(y_pred).all()
    # A new origin, or a fine-tune on the longer series, keeps the model's history.
    forecaster.update(y[132:], update_params=False)
    assert forecaster.history_ == 24
    assert len(forecaster.predict()) == 12 and np.isfinite(forecaster.predict()).all()
    forecaster.update(y[132:], update_params=True)
    assert forecaster.history_ == 24 and np.isfinite(forecaster.predict()).all()


def test_auto_history_on_a_short_series_without_period():
    y = load_shampoo_sales()  # 36 months
    forecaster = SktimeForecaster(_tiny()).fit(y, fh=YEAR)
    assert forecaster.history_ == 13  # leaves 12 training windows
    assert np.isfinite(forecaster.predict()).all()


# The default PatchTST with history=12 used to fail on a fold with one
# training window: batch normalization of a single token.
@pytest.mark.parametrize(
    ("estimator", "history"),
    [(_tiny(), "auto"), (STForecaster(max_epochs=2, random_state=0), 12)],
    ids=["dlinear-auto", "patchtst-12"],
)
def test_evaluate_on_36_points(estimator, history):
    y = load_shampoo_sales()
    # The first fold has 15 steps: one window of 12 + 3 steps.
    cv = ExpandingWindowSplitter(initial_window=15, step_length=5, fh=[1, 2, 3])
    results = evaluate(SktimeForecaster(estimator, history=history), cv=cv, y=y, error_score="raise")
    errors = results["test_MeanAbsolutePercentageError"]
    assert len(errors) == 4 and np.isfinite(errors).all()


def test_too_short_series_names_the_minimum_length():
    y = load_shampoo_sales()
    forecaster = SktimeForecaster(_tiny())
    with pytest.raises(ValueError, match=r'history="auto" needs at least 16 \(') as error:
        forecaster.fit(y[:15], fh=YEAR)
    assert "y has 15 time steps" in str(error.value)
    # 16 steps are one window of the shortest history.
    assert forecaster.fit(y[:16], fh=YEAR).history_ == 4


@pytest.mark.parametrize(
    ("history", "error", "message"),
    [
        ("long", ValueError, r'history must be "auto" or an int >= 1; got \'long\''),
        (0, ValueError, r'history must be "auto" or an int >= 1; got 0'),
        (2.5, TypeError, r'history must be "auto" or an int; got float'),
    ],
)
def test_invalid_history_is_refused(history, error, message):
    with pytest.raises(error, match=message):
        SktimeForecaster(_tiny(), history=history).fit(load_shampoo_sales(), fh=[1])


def _monthly(n_steps=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    values = 100 + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n_steps)
    index = pd.period_range("2000-01", periods=n_steps, freq="M")
    return pd.Series(values, index=index, name="sales")


def test_a_model_that_loses_to_seasonal_naive_on_the_held_out_end_hands_over():
    from sk_stfm.datasets import seasonal_naive_forecast

    y = _monthly()
    untrained = STForecaster(backbone="dlinear", max_epochs=1, lr=1e-8, random_state=0)
    forecaster = SktimeForecaster(untrained).fit(y, fh=list(range(1, 13)))
    errors = forecaster.validation_errors_
    assert set(errors) == {"model", "naive", "seasonal_naive"} and forecaster.period_ == 12
    assert forecaster.strategy_ == "seasonal_naive" == min(errors, key=errors.get)
    expected = seasonal_naive_forecast(y.to_numpy()[:, None, None], 12, 12, origins=[len(y)])
    np.testing.assert_allclose(forecaster.predict().to_numpy(), expected.ravel())
    # The held-out error of the rule is its error on the last 12 steps.
    truth, before = y.to_numpy()[-12:], y.to_numpy()[-24:-12]
    assert errors["seasonal_naive"] == pytest.approx(np.mean(np.abs(truth - before)))


def test_baseline_none_always_forecasts_with_the_network():
    y = _monthly()
    untrained = STForecaster(backbone="dlinear", max_epochs=1, lr=1e-8, random_state=0)
    forecaster = SktimeForecaster(untrained, baseline=None).fit(y, fh=[1, 2, 3])
    assert forecaster.strategy_ == "model" and forecaster.validation_errors_ == {}
    window = y.to_numpy()[-forecaster.history_ :].reshape(1, -1, 1, 1)
    np.testing.assert_allclose(
        forecaster.predict().to_numpy(), forecaster.estimator_.predict(window).ravel()
    )
    with pytest.raises(ValueError, match="baseline must be"):
        SktimeForecaster(untrained, baseline="always").fit(y, fh=[1])


def test_the_former_name_warns_and_is_the_sktime_forecaster():
    from sk_stfm.forecasting import STFMForecaster

    with pytest.warns(FutureWarning, match="renamed SktimeForecaster"):
        forecaster = STFMForecaster(history=4)
    assert isinstance(forecaster, SktimeForecaster)
    assert forecaster.get_params()["history"] == 4
    assert "STFMForecaster" not in dict(all_estimators())
