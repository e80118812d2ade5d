"""Tests for the window tasks: STImputer, STAnomalyDetector, STEncoder, STGenerator.

Every model is a tiny MLP trained for a few epochs on synthetic windows
whose ground truth is known (noisy sines, Gaussian windows), so each test
checks values against a baseline or an exact expectation, not only that
the code runs. Fitted models are shared through module-scoped fixtures.
"""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from sk_stfm.data import make_windows
from sk_stfm.estimators import (
    MLPConfig,
    STAnomalyDetector,
    STEncoder,
    STGenerator,
    STImputer,
    hide_at_random,
    round_robin_masks,
)
from sk_stfm.metrics import masked_mae
from sk_stfm.objectives import Contrastive, Diffusion, Masked, MultiObjective, Regression

N_STEPS = 48
PERIOD = 24
NOISE = 0.1


def _tiny(**params):
    """Parameters of a tiny, seeded estimator trained without validation."""
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
        "max_epochs": 10,
        "lr": 1e-2,
        "batch_size": 32,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    defaults.update(params)
    return defaults


def _diffusion():
    return Diffusion(n_diffusion_steps=10, n_samples=5, hidden_size=16)


def _sine_windows(n_steps, random_state, noise=NOISE, stride=12, window=N_STEPS):
    """Non-overlapping-ish float32 windows of a noisy period-24 sine, 4-D, writable."""
    rng = np.random.default_rng(random_state)
    t = np.arange(n_steps)
    series = np.sin(2 * np.pi * t / PERIOD) + noise * rng.standard_normal(n_steps)
    X, _ = make_windows(series.astype(np.float32)[:, None, None], window, 0, stride=stride)
    return np.array(X)


@pytest.fixture(scope="module")
def sine():
    """Training windows and later, held-out windows of one noisy sine."""
    X = _sine_windows(2400, random_state=0)
    return X[:150], X[150:]


@pytest.fixture(scope="module")
def hidden_sine(sine):
    """Training windows with 30 % of the entries hidden (float32), and the mask."""
    X, _ = sine
    # A seed other than the estimators' (see test_imputer_score_on_data_hidden_with_its_seed).
    X_hidden, hidden = hide_at_random(X, 0.3, random_state=123)
    return X_hidden.astype(np.float32), hidden


@pytest.fixture(scope="module")
def imputer(hidden_sine):
    X_hidden, _ = hidden_sine
    return STImputer(**_tiny()).fit(X_hidden)


@pytest.fixture(scope="module")
def diffusion_imputer(hidden_sine):
    X_hidden, _ = hidden_sine
    return STImputer(**_tiny(objective=_diffusion(), max_epochs=5)).fit(X_hidden)


@pytest.fixture(scope="module")
def detector(sine):
    X, _ = sine
    return STAnomalyDetector(**_tiny()).fit(X)


@pytest.fixture(scope="module")
def amplitude_windows():
    """Windows of sines of random amplitude and phase, and their amplitudes."""
    rng = np.random.default_rng(0)
    n, n_steps = 200, 32
    amplitude = rng.uniform(0.5, 2.0, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    t = np.arange(n_steps)
    X = amplitude[:, None] * np.sin(2 * np.pi * t / 12 + phase[:, None])
    X = X + NOISE * rng.standard_normal((n, n_steps))
    return X.astype(np.float32)[:, :, None, None], amplitude


@pytest.fixture(scope="module")
def encoder(amplitude_windows):
    X, _ = amplitude_windows
    return STEncoder(**_tiny(max_epochs=3)).fit(X[:150])


@pytest.fixture(scope="module")
def gaussian_windows():
    """IID Gaussian windows: node 0 ~ N(3, 2^2), node 1 ~ N(-1, 0.5^2)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 12, 2, 1))
    X = X * np.array([2.0, 0.5])[:, None] + np.array([3.0, -1.0])[:, None]
    return X.astype(np.float32)


@pytest.fixture(scope="module")
def generator(gaussian_windows):
    objective = Diffusion(n_diffusion_steps=20, hidden_size=32)
    return STGenerator(**_tiny(objective=objective, max_epochs=20)).fit(gaussian_windows)


# ====================================================================== STImputer
def test_imputer_fills_every_nan_and_keeps_observed_entries(imputer, hidden_sine):
    X_hidden, _ = hidden_sine
    X = X_hidden.copy()
    X[0] = np.nan  # a window with nothing observed
    X[1, :10] = np.nan  # a leading gap
    X[2, -10:] = np.nan  # a trailing gap
    filled = imputer.transform(X)
    observed = ~np.isnan(X)
    assert filled.shape == X.shape
    assert filled.dtype == np.float64
    assert not np.isnan(filled).any()
    assert np.array_equal(filled[observed], X[observed].astype(np.float64))
    # A window without NaN comes back as it is.
    complete = imputer.transform(np.nan_to_num(X[3:5], nan=0.5))
    assert np.array_equal(complete, np.nan_to_num(X[3:5], nan=0.5).astype(np.float64))


def test_imputer_keeps_float64_observed_entries_exactly(imputer, sine):
    X, _ = sine
    X_hidden, _ = hide_at_random(X.astype(np.float64) + 0.1, 0.3, random_state=1)
    filled = imputer.transform(X_hidden)
    observed = ~np.isnan(X_hidden)
    assert np.array_equal(filled[observed], X_hidden[observed])


@pytest.mark.parametrize("layout", ["2d", "3d", "4d"])
def test_imputer_output_layout_follows_input(hidden_sine, layout):
    X_hidden, _ = hidden_sine
    X_hidden = X_hidden[:60]
    n = len(X_hidden)
    if layout == "2d":
        X, params = X_hidden.reshape(n, -1), {"window_shape": (N_STEPS, 1, 1)}
    elif layout == "3d":
        X, params = X_hidden[:, :, 0, :], {}
    else:
        X, params = X_hidden, {}
    model = STImputer(**_tiny(max_epochs=2, **params)).fit(X)
    filled = model.transform(X)
    assert filled.shape == X.shape
    assert not np.isnan(filled).any()
    # The layout is only a view of the same windows: same model, same fill.
    reference = STImputer(**_tiny(max_epochs=2)).fit(X_hidden).transform(X_hidden)
    np.testing.assert_allclose(filled.reshape(reference.shape), reference, rtol=1e-6, atol=1e-6)


def test_imputer_beats_per_window_mean_filling(imputer, hidden_sine, sine):
    X, _ = sine
    X_hidden, hidden = hidden_sine
    filled = imputer.transform(X_hidden)
    window_mean = np.broadcast_to(np.nanmean(X_hidden, axis=1, keepdims=True), X.shape)
    learned = np.abs(filled - X)[hidden].mean()
    baseline = np.abs(window_mean - X)[hidden].mean()
    # A mean fill errs by ~2/pi * amplitude (~0.64); a reconstruction by about
    # the noise (noise 0.1: E|noise| ~ 0.08).
    assert baseline > 0.5
    assert learned < 0.3 * baseline


def test_imputer_score_is_minus_mae_on_hidden_entries(imputer, sine):
    _, X_test = sine
    score = imputer.score(X_test)
    # Same draw as score: the estimator's random_state, on the validated windows.
    X_hidden, hidden = hide_at_random(X_test, 0.2, random_state=imputer.random_state)
    filled = imputer.transform(X_hidden.astype(np.float32))
    expected = -masked_mae(np.where(hidden, X_test, np.nan), filled)
    assert score == pytest.approx(expected, rel=1e-12)
    assert -0.2 < score < 0


def test_imputer_score_is_higher_after_training(imputer, hidden_sine, sine):
    X_hidden, _ = hidden_sine
    _, X_test = sine
    barely_trained = STImputer(**_tiny(max_epochs=1)).fit(X_hidden)
    assert np.isfinite(barely_trained.score(X_test))
    assert imputer.score(X_test) > barely_trained.score(X_test)


def test_imputer_score_hides_the_requested_fraction(imputer, sine):
    _, X_test = sine
    # missing_fraction is forwarded: hiding more entries cannot make the
    # score a different kind of number, and each draw is repeatable.
    assert imputer.score(X_test, missing_fraction=0.5) == imputer.score(
        X_test, missing_fraction=0.5
    )
    with pytest.raises(ValueError, match="fraction"):
        imputer.score(X_test, missing_fraction=1.5)


def test_imputer_score_raises_without_observed_entries(imputer, sine):
    _, X_test = sine
    with pytest.raises(ValueError, match="no observed entry"):
        imputer.score(np.full_like(X_test[:3], np.nan))


def test_imputer_score_on_data_hidden_with_its_seed(imputer, sine):
    _, X_test = sine
    X_hidden, _ = hide_at_random(X_test, 0.3, random_state=imputer.random_state)
    assert np.isfinite(imputer.score(X_hidden.astype(np.float32)))


def test_hide_at_random_hides_observed_entries_only():
    X = np.ones((200, 10))
    X[:, 0] = np.nan
    X_hidden, hidden = hide_at_random(X, 0.3, random_state=0)
    assert not hidden[:, 0].any()
    assert np.isnan(X_hidden[hidden]).all()
    assert np.array_equal(X_hidden[~hidden & ~np.isnan(X)], X[~hidden & ~np.isnan(X)])
    assert hidden[:, 1:].mean() == pytest.approx(0.3, abs=0.03)
    assert np.isnan(X[:, 1:]).sum() == 0  # the input is not modified
    for fraction in (0, 1, 1.5, "0.3"):
        with pytest.raises(ValueError, match="fraction"):
            hide_at_random(X, fraction)


def test_imputer_samples_only_with_a_probabilistic_objective(imputer, diffusion_imputer):
    assert not hasattr(STImputer(), "sample")
    assert not hasattr(STImputer(objective="masked"), "sample")
    assert not hasattr(STImputer(objective=Masked(patch_len=4)), "sample")
    assert not hasattr(imputer, "sample")
    assert hasattr(STImputer(objective="diffusion"), "sample")
    assert hasattr(diffusion_imputer, "sample")


def test_diffusion_imputer_samples_keep_observed_entries(diffusion_imputer, hidden_sine):
    X_hidden, _ = hidden_sine
    X = X_hidden[:12]
    samples = diffusion_imputer.sample(X, n_samples=4, random_state=0)
    assert samples.shape == (4, *X.shape)
    assert samples.dtype == np.float64
    assert np.isfinite(samples).all()
    observed = ~np.isnan(X)
    for draw in samples:
        assert np.array_equal(draw[observed], X[observed].astype(np.float64))
    # The draws differ where values are missing: they are samples, not one point.
    assert samples.std(axis=0)[~observed].mean() > 0
    np.testing.assert_array_equal(samples, diffusion_imputer.sample(X, 4, random_state=0))
    assert not np.array_equal(samples, diffusion_imputer.sample(X, 4, random_state=1))
    with pytest.raises(ValueError, match="n_samples"):
        diffusion_imputer.sample(X, n_samples=0)


def test_diffusion_imputer_transform_is_the_median_of_its_samples(
    diffusion_imputer, hidden_sine, sine
):
    X, _ = sine
    X_hidden, hidden = hidden_sine
    filled = diffusion_imputer.transform(X_hidden)
    assert filled.shape == X_hidden.shape
    assert not np.isnan(filled).any()
    # transform draws objective.n_samples (odd) samples with the estimator's seed.
    samples = diffusion_imputer.sample(X_hidden, n_samples=5)
    np.testing.assert_allclose(filled, np.median(samples, axis=0), rtol=0, atol=1e-12)
    window_mean = np.broadcast_to(np.nanmean(X_hidden, axis=1, keepdims=True), X.shape)
    assert np.abs(filled - X)[hidden].mean() < np.abs(window_mean - X)[hidden].mean()


def test_diffusion_imputer_runs_on_dlinear_but_masked_needs_a_learned_encoder(hidden_sine):
    X_hidden, _ = hidden_sine
    model = STImputer(**_tiny(backbone="dlinear", objective=_diffusion(), max_epochs=1))
    assert not np.isnan(model.fit(X_hidden[:40]).transform(X_hidden[:40])).any()
    with pytest.raises(ValueError, match="learned_encoder"):
        STImputer(**_tiny(backbone="dlinear", max_epochs=1)).fit(X_hidden[:40])


def test_imputer_rejects_an_objective_of_another_task(hidden_sine):
    X_hidden, _ = hidden_sine
    with pytest.raises(ValueError, match=r"\['diffusion', 'masked'\]"):
        STImputer(**_tiny(objective=Regression(), max_epochs=1)).fit(X_hidden[:40])


# ============================================================= STAnomalyDetector
def _with_anomalies(X, random_state):
    """Inject a spike (every 4th window) or a short level shift (every 4th + 2)."""
    rng = np.random.default_rng(random_state)
    X = X.copy()
    is_anomaly = np.arange(len(X)) % 2 == 0
    for i in np.flatnonzero(is_anomaly):
        start = rng.integers(4, N_STEPS - 10)
        if i % 4 == 0:
            X[i, start] += 3.0
        else:
            X[i, start : start + 6] += 1.5
    return X, is_anomaly


def test_detector_scores_injected_anomalies_lower(detector, sine):
    _, X_test = sine
    X_anomalous, is_anomaly = _with_anomalies(X_test, random_state=0)
    scores = detector.score_samples(X_anomalous)
    assert scores.shape == (len(X_test),)
    assert roc_auc_score(~is_anomaly, scores) > 0.9
    assert detector.predict(X_anomalous)[is_anomaly].mean() < 0  # mostly -1


def test_detector_scores_are_deterministic_and_finite_with_nan(detector, sine):
    _, X_test = sine
    X = X_test[:6].copy()
    X[1, 5:9] = np.nan
    X[2] = np.nan
    scores = detector.score_samples(X)
    assert np.isfinite(scores).all()
    assert scores[2] == 0.0  # no observed entry: documented score 0
    np.testing.assert_array_equal(scores, detector.score_samples(X))


def test_detector_predict_decision_function_and_offset(detector, sine):
    X_train, X_test = sine
    X_anomalous, _ = _with_anomalies(X_test, random_state=1)
    scores = detector.score_samples(X_anomalous)
    decision = detector.decision_function(X_anomalous)
    np.testing.assert_array_equal(decision, scores - detector.offset_)
    labels = detector.predict(X_anomalous)
    assert set(np.unique(labels)) <= {-1, 1}
    np.testing.assert_array_equal(labels, np.where(decision < 0, -1, 1))
    # One scale per patch length: single steps and the objective's patches.
    assert detector.error_scale_.shape == (2, 1, 1)
    assert np.all(detector.error_scale_ > 0)
    assert detector.score_scale_.shape == (2,) and np.all(detector.score_scale_ > 0)


def test_detector_patch_lens_set_the_scales(sine):
    X_train, X_test = sine
    detector = STAnomalyDetector(**_tiny(patch_lens=(1, 4, 8), max_epochs=2)).fit(X_train)
    assert detector.error_scale_.shape == (3, 1, 1)
    assert np.isfinite(detector.score_samples(X_test)).all()


@pytest.mark.parametrize("contamination", [0.05, 0.25])
def test_share_of_training_outliers_matches_contamination(sine, contamination):
    X, _ = sine
    model = STAnomalyDetector(**_tiny(max_epochs=2, contamination=contamination)).fit(X)
    share = np.mean(model.predict(X) == -1)
    assert share == pytest.approx(contamination, abs=1 / len(X) + 0.01)


@pytest.mark.parametrize("contamination", [0.0, -0.1, 0.6, "auto"])
def test_invalid_contamination_raises(sine, contamination):
    X, _ = sine
    with pytest.raises(ValueError, match="contamination"):
        STAnomalyDetector(**_tiny(max_epochs=1, contamination=contamination)).fit(X[:20])


def test_detector_rejects_diffusion(sine):
    X, _ = sine
    with pytest.raises(ValueError, match=r"Objectives that fit: \['masked'\]"):
        STAnomalyDetector(**_tiny(max_epochs=1, objective="diffusion")).fit(X[:20])


@pytest.mark.parametrize(
    "n_steps, patch_len, n_masks", [(6, 1, 2), (48, 16, 2), (10, 3, 2), (12, 4, 3), (7, 2, 5)]
)
def test_round_robin_masks_hide_every_step_exactly_once(n_steps, patch_len, n_masks):
    masks = round_robin_masks(n_steps, patch_len, n_masks)
    assert masks.shape == (n_masks, n_steps)
    assert masks.dtype == bool
    np.testing.assert_array_equal(masks.sum(axis=0), np.ones(n_steps))
    # Mask k hides whole patches k, k + n_masks, ...
    patch = np.arange(n_steps) // patch_len
    for k, mask in enumerate(masks):
        np.testing.assert_array_equal(mask, patch % n_masks == k)


def test_round_robin_masks_known_values():
    expected = [[1, 1, 1, 0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0, 0, 0, 1]]
    np.testing.assert_array_equal(round_robin_masks(10, 3, 2).astype(int), expected)


# ====================================================================== STEncoder
def test_encoder_transform_shape_and_feature_names(encoder, amplitude_windows):
    X, _ = amplitude_windows
    embeddings = encoder.transform(X[150:])
    names = encoder.get_feature_names_out()
    assert embeddings.ndim == 2
    assert embeddings.shape[0] == 50
    assert embeddings.dtype == np.float64
    assert len(names) == embeddings.shape[1]
    assert list(names[:2]) == ["stencoder0", "stencoder1"]
    assert np.isfinite(embeddings).all()
    # One window's embedding does not depend on the others passed with it.
    np.testing.assert_allclose(encoder.transform(X[150:153]), embeddings[:3], atol=1e-10)


def test_encoder_embeds_nodes_one_after_another():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 12, 3, 2)).astype(np.float32)
    model = STEncoder(**_tiny(max_epochs=1)).fit(X)
    single = STEncoder(**_tiny(max_epochs=1)).fit(X[:, :, :1])
    assert model.transform(X).shape == (40, 3 * single.transform(X[:, :, :1]).shape[1])


@pytest.mark.parametrize(
    "objective",
    [None, "masked", MultiObjective([(Masked(patch_len=4), 1.0), (Contrastive(), 0.5)])],
    ids=["contrastive", "masked", "multi"],
)
def test_encoder_features_predict_the_amplitude(amplitude_windows, objective):
    X, amplitude = amplitude_windows
    pipeline = make_pipeline(STEncoder(**_tiny(objective=objective, max_epochs=3)), Ridge())
    pipeline.fit(X[:150], amplitude[:150])
    # R² > 0 beats predicting the mean; the amplitude is plainly visible.
    assert pipeline.score(X[150:], amplitude[150:]) > 0.5


def test_encoder_with_dlinear_raises_naming_usable_backbones(amplitude_windows):
    X, _ = amplitude_windows
    with pytest.raises(ValueError, match="learned_encoder") as error:
        STEncoder(**_tiny(backbone="dlinear", max_epochs=1)).fit(X[:20])
    assert "mlp" in str(error.value) and "patchtst" in str(error.value)


@pytest.mark.parametrize("objective", [Regression(), "diffusion"])
def test_encoder_rejects_objectives_of_other_tasks(amplitude_windows, objective):
    X, _ = amplitude_windows
    with pytest.raises(ValueError, match=r"Objectives that fit: \['contrastive', 'masked'\]"):
        STEncoder(**_tiny(objective=objective, max_epochs=1)).fit(X[:20])


# ==================================================================== STGenerator
def test_generator_sample_shape_and_units(generator, gaussian_windows):
    samples = generator.sample(400, random_state=0)
    assert samples.shape == (400, 12, 2, 1)
    assert samples.dtype == np.float64
    assert np.isfinite(samples).all()
    np.testing.assert_allclose(generator.location_.ravel(), [3.0, -1.0], atol=0.05)
    np.testing.assert_allclose(generator.scale_.ravel(), [2.0, 0.5], rtol=0.05)
    # Each node in its own units: N(3, 2^2) and N(-1, 0.5^2), loosely (a
    # 20-step chain is a little under-dispersed even when trained perfectly).
    mean = samples.mean(axis=(0, 1)).ravel()
    std = samples.std(axis=(0, 1)).ravel()
    assert np.all(np.abs(mean - [3.0, -1.0]) < 0.25 * np.array([2.0, 0.5]))
    np.testing.assert_allclose(std, [2.0, 0.5], rtol=0.25)


def test_generator_is_reproducible_per_seed(generator):
    first = generator.sample(5, random_state=1)
    np.testing.assert_array_equal(first, generator.sample(5, random_state=1))
    assert not np.allclose(first, generator.sample(5, random_state=2))
    # random_state=None falls back to the estimator's seed.
    np.testing.assert_array_equal(generator.sample(5), generator.sample(5))


@pytest.mark.parametrize("layout", ["2d", "3d"])
def test_generator_samples_in_the_layout_of_x(gaussian_windows, layout):
    X = gaussian_windows[:64]
    if layout == "2d":
        data, params, shape = X.reshape(64, -1), {"window_shape": (12, 2, 1)}, (3, 24)
    else:
        data, params, shape = X[:, :, 0, :], {}, (3, 12, 1)
    model = STGenerator(**_tiny(objective=_diffusion(), max_epochs=1, **params)).fit(data)
    assert model.sample(3).shape == shape


def test_generator_trains_on_windows_with_nan(gaussian_windows):
    X = gaussian_windows[:64].copy()
    X[:5, :4] = np.nan
    model = STGenerator(**_tiny(objective=_diffusion(), max_epochs=1)).fit(X)
    assert np.isfinite(model.sample(3)).all()


@pytest.mark.parametrize("n_samples", [0, -1, 1.5, True])
def test_generator_rejects_bad_n_samples(generator, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        generator.sample(n_samples=n_samples)


def test_generator_sample_needs_fit():
    with pytest.raises(NotFittedError):
        STGenerator(**_tiny()).sample(2)


def test_generator_rejects_a_point_objective(gaussian_windows):
    with pytest.raises(ValueError, match=r"Objectives that fit: \['diffusion'\]"):
        STGenerator(**_tiny(objective="masked", max_epochs=1)).fit(gaussian_windows[:20])


# ==================================================================== persistence
_OUTPUTS = {
    "imputer": lambda model, data: model.transform(data["hidden"]),
    "diffusion_imputer": lambda model, data: model.sample(data["hidden"][:6], 3, random_state=0),
    "detector": lambda model, data: model.score_samples(data["test"]),
    "encoder": lambda model, data: model.transform(data["test"]),
    "generator": lambda model, data: model.sample(7, random_state=0),
}


@pytest.fixture(scope="module")
def persistence_data(hidden_sine, sine):
    return {"hidden": hidden_sine[0][:30], "test": sine[1][:20]}


def _persistence_input(name, data, amplitude_windows):
    if name == "encoder":
        return {"test": amplitude_windows[0][150:170]}
    return data


@pytest.mark.parametrize("name", sorted(_OUTPUTS))
def test_save_load_round_trip(request, tmp_path, name, persistence_data, amplitude_windows):
    model = request.getfixturevalue(name)
    data = _persistence_input(name, persistence_data, amplitude_windows)
    path = model.save(tmp_path / f"{name}.pt")
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    assert repr(loaded.get_params()) == repr(model.get_params())
    np.testing.assert_array_equal(_OUTPUTS[name](loaded, data), _OUTPUTS[name](model, data))
    if name == "detector":
        assert loaded.offset_ == model.offset_
        np.testing.assert_array_equal(loaded.predict(data["test"]), model.predict(data["test"]))
    if name == "encoder":
        np.testing.assert_array_equal(loaded.get_feature_names_out(), model.get_feature_names_out())


@pytest.mark.parametrize("name", sorted(_OUTPUTS))
def test_pickle_round_trip(request, name, persistence_data, amplitude_windows):
    model = request.getfixturevalue(name)
    data = _persistence_input(name, persistence_data, amplitude_windows)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(_OUTPUTS[name](restored, data), _OUTPUTS[name](model, data))


def test_load_refuses_another_class(tmp_path, detector):
    path = detector.save(tmp_path / "detector.pt")
    with pytest.raises(ValueError, match="STAnomalyDetector, not a STImputer"):
        STImputer.load(path)
