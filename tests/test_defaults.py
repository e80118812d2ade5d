"""Data-adaptive defaults: the "auto" schedule, scaling inside the estimators,
and the warning of a model that learned nothing."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from sk_stfm.data import make_windows
from sk_stfm.estimators import MLPConfig, STClassifier, STForecaster, STImputer
from sk_stfm.estimators._scaling import target_statistics
from sk_stfm.estimators._schedule import (
    FIXED_STEPS,
    MAX_EPOCHS_VALIDATED,
    PATIENCE,
    ScheduledLearningRate,
    auto_batch_size,
    resolve_schedule,
)
from sk_stfm.harmonize import STStandardScaler


def _seasonal(n_steps=400, level=0.0, amplitude=1.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    series = level + amplitude * (np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=n_steps))
    return series.astype(np.float32)[:, None, None]


@pytest.mark.parametrize(
    ("n_windows", "expected"), [(1, 8), (50, 8), (256, 16), (1000, 32), (5000, 64), (10**6, 64)]
)
def test_auto_batch_size_grows_with_the_data(n_windows, expected):
    assert auto_batch_size(n_windows) == expected


def test_small_data_trains_a_fixed_schedule_without_validation():
    schedule = resolve_schedule(STForecaster(), 100, explicit_validation=False)
    assert schedule.validation_fraction == 0.0 and schedule.patience is None
    assert schedule.batch_size == 8 and schedule.lr_schedule == "cosine"
    # About FIXED_STEPS optimizer steps: 13 batches of 8 per epoch.
    assert schedule.max_epochs == int(np.ceil(FIXED_STEPS / 13))


def test_enough_data_validates_and_stops_early():
    schedule = resolve_schedule(STForecaster(), 5000, explicit_validation=False)
    assert schedule.validation_fraction == 0.1 and schedule.patience == PATIENCE
    assert schedule.max_epochs == MAX_EPOCHS_VALIDATED and schedule.lr_schedule == "plateau"
    # Explicit validation data validates whatever the size of the training set.
    small = resolve_schedule(STForecaster(), 100, explicit_validation=True)
    assert small.patience == PATIENCE and small.lr_schedule == "plateau"


def test_explicit_values_are_kept_and_keep_a_constant_rate():
    model = STForecaster(max_epochs=7, batch_size=5, patience=None, validation_fraction=0.3)
    schedule = resolve_schedule(model, 100, explicit_validation=False)
    assert (schedule.max_epochs, schedule.batch_size) == (7, 5)
    assert schedule.patience is None and schedule.validation_fraction == 0.3
    assert schedule.lr_schedule == "constant"


def test_learning_rate_schedules_replay_from_the_history():
    cosine = ScheduledLearningRate("cosine", lr=1e-2, max_epochs=10)
    rates = [cosine.rate(epoch, []) for epoch in range(10)]
    assert rates[0] == pytest.approx(1e-2) and np.all(np.diff(rates) < 0)
    assert rates[-1] == pytest.approx(1e-2 * 0.5 * (1 + np.cos(0.9 * np.pi)))
    plateau = ScheduledLearningRate("plateau", lr=1.0, max_epochs=10, patience=2)
    assert plateau.rate(3, [3.0, 2.0, 1.0]) == 1.0
    assert plateau.rate(5, [3.0, 2.0, 2.5, 2.5, 2.5]) == 0.5
    assert plateau.rate(9, [3.0] + [4.0] * 8) == 0.25


def test_fit_records_the_resolved_schedule_and_follows_it():
    X, y = make_windows(_seasonal(200), history=24, horizon=6)
    model = STForecaster(backbone="dlinear", random_state=0).fit(X, y)
    assert model.validation_fraction_ == 0.0 and model.patience_ is None
    assert model.batch_size_ == auto_batch_size(len(X)) and model.lr_schedule_ == "cosine"
    assert model.n_epochs_ == model.max_epochs_
    rates = model.net_.history[:, "lr"]
    assert rates[0] == pytest.approx(1e-3) and rates[-1] < 1e-4
    # Parameters are never changed by fit.
    assert model.max_epochs == "auto" and model.batch_size == "auto"


def test_forecasts_are_in_the_units_of_y():
    """Scaling makes the network see the same numbers whatever the units."""
    X, y = make_windows(_seasonal(300), history=24, horizon=6)
    Xs, ys = make_windows(_seasonal(300, level=5000.0, amplitude=300.0), history=24, horizon=6)
    backbone = MLPConfig(hidden_sizes=(16,), revin=False)
    params = {"backbone": backbone, "max_epochs": 30, "random_state": 0}
    unit = STForecaster(**params).fit(X, y)
    scaled = STForecaster(**params).fit(Xs, ys)
    np.testing.assert_allclose(scaled.predict(Xs), 5000 + 300 * unit.predict(X), rtol=1e-4)
    assert scaled.score(Xs, ys) > 0.9
    # Without scaling the raw units break the same model.
    raw = STForecaster(scaling=None, **params).fit(Xs, ys)
    assert raw.score(Xs, ys) < scaled.score(Xs, ys) - 0.5


def test_target_statistics_follow_the_inputs_only_in_the_same_units():
    mean, scale = np.array([[10.0, 0.0]]), np.array([[2.0, 1.0]])
    rng = np.random.default_rng(0)
    same = 10 + 2 * rng.normal(size=(100, 3, 1, 1))
    t_mean, t_scale, shared = target_statistics(mean, scale, same)
    assert shared and t_mean.tolist() == [[10.0]] and t_scale.tolist() == [[2.0]]
    other = 1000 + 50 * rng.normal(size=(100, 3, 1, 1))
    t_mean, t_scale, shared = target_statistics(mean, scale, other)
    assert not shared and t_mean[0, 0] == pytest.approx(1000, rel=0.01)


def test_a_scaler_in_a_pipeline_scores_correctly_in_a_search():
    """Inputs scaled by a pipeline step, targets raw: the estimator scales the
    targets on their own, and the search's scores are R² in the units of y."""
    X, y = make_windows(_seasonal(400, level=300.0, amplitude=50.0), history=24, horizon=6)
    pipeline = make_pipeline(
        STStandardScaler(), STForecaster(backbone="dlinear", max_epochs=30, random_state=0)
    )
    search = GridSearchCV(
        pipeline,
        {"stforecaster__lr": [1e-3, 1e-2]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.8
    prediction = search.predict(X[-10:])
    assert abs(prediction.mean() - y[-10:].mean()) < 10


def test_imputer_reconstructs_in_the_units_of_x():
    """The network sees standard units: the same fills, scaled back, whatever the units."""
    fills = []
    for level, amplitude in ((0.0, 1.0), (1000.0, 100.0)):
        X, _ = make_windows(_seasonal(300, level=level, amplitude=amplitude), history=24, horizon=1)
        X_missing = X.copy()
        X_missing[:, 10] = np.nan
        imputer = STImputer(backbone="mlp", max_epochs=5, random_state=0).fit(X_missing)
        filled = imputer.transform(X_missing)
        np.testing.assert_array_equal(filled[:, :10], X[:, :10])
        fills.append(filled[:, 10])
    np.testing.assert_allclose(fills[1], 1000 + 100 * fills[0], rtol=1e-4)


def test_classifier_scales_its_inputs_and_does_not_unscale_scores():
    rng = np.random.default_rng(0)
    X = 1000 + rng.normal(size=(60, 16, 1))
    y = np.repeat([0, 1], 30)
    X[y == 1] += 3  # a level shift in raw units: 3 of 1000
    clf = STClassifier(backbone="mlp", max_epochs=30, random_state=0).fit(X, y)
    assert clf.output_mean_ is None and clf.input_mean_.shape == (1, 1)
    assert clf.score(X, y) > 0.9


def test_a_model_no_better_than_the_last_value_warns():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=600)).astype(np.float32)[:, None, None]
    X, y = make_windows(walk, history=24, horizon=4)
    with pytest.warns(ConvergenceWarning, match="repeating the last observed value"):
        STForecaster(
            backbone="dlinear", max_epochs=1, lr=1e-6, validation_fraction=0.2, random_state=0
        ).fit(X, y)


def test_a_model_that_learned_does_not_warn():
    X, y = make_windows(_seasonal(600), history=48, horizon=4)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        STForecaster(
            backbone="dlinear", max_epochs=30, validation_fraction=0.2, random_state=0
        ).fit(X, y)


def test_classifier_auto_backbone_follows_the_windows():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    univariate = rng.normal(size=(20, 40, 1))
    clf = STClassifier(max_epochs=1, random_state=0).fit(univariate, y)
    assert type(clf.backbone_).__name__ == "MLPConfig" and clf.backbone_.revin is False
    multichannel = rng.normal(size=(20, 40, 3))
    clf = STClassifier(max_epochs=1, random_state=0).fit(multichannel, y)
    assert type(clf.backbone_).__name__ == "PatchTSTConfig" and clf.backbone_.revin is False
    short = rng.normal(size=(20, 12, 3))
    clf = STClassifier(max_epochs=1, random_state=0).fit(short, y)
    assert type(clf.backbone_).__name__ == "MLPConfig"
    # An explicit backbone is kept, and "auto" stays the parameter.
    assert STClassifier(backbone="dlinear", max_epochs=1).fit(short, y).backbone_.spec().name == (
        "dlinear"
    )
    assert clf.backbone == "auto"


def test_classifier_defaults_learn_a_shape_a_majority_vote_misses():
    """Two aligned shapes (as in the UCR archive) with a jittered phase, 30
    training series: too few to validate on, the fixed schedule learns them."""
    rng = np.random.default_rng(1)
    t = np.linspace(0, 4 * np.pi, 64)
    phase = rng.uniform(0, 0.5, size=(60, 1))
    X = np.concatenate([np.sin(t + phase[:30]), np.sign(np.sin(t + phase[30:]))])
    X = (X + 0.3 * rng.normal(size=X.shape))[..., None]
    y = np.repeat(["sine", "square"], 30)
    order = rng.permutation(60)
    X, y = X[order], y[order]
    clf = STClassifier(random_state=0).fit(X[:30], y[:30])
    assert clf.validation_fraction_ == 0.0 and clf.lr_schedule_ == "cosine"
    assert clf.score(X[30:], y[30:]) >= 0.9


def test_auto_learning_rate_is_the_backbones_registered_one():
    import dataclasses

    from sk_stfm.backbones import get_backbone, register_backbone, unregister_backbone

    spec = get_backbone("mlp")
    register_backbone(
        "mlp_slow", spec.cls, spec.tags, "an MLP registered with its own rate", lr=2e-4
    )
    try:
        X, y = make_windows(_seasonal(200), history=24, horizon=6)
        model = STForecaster(backbone="mlp_slow", max_epochs=2, random_state=0).fit(X, y)
        assert model.lr_ == 2e-4
        assert model.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(2e-4)
        assert STForecaster(backbone="mlp", max_epochs=1, lr=5e-3).fit(X, y).lr_ == 5e-3
        assert dataclasses.replace(spec).lr == 1e-3
    finally:
        unregister_backbone("mlp_slow")
    with pytest.raises(TypeError, match="lr must be a positive float"):
        register_backbone("bad", spec.cls, spec.tags, "bad", lr=0.0)
