"""Tests for denoising diffusion: schedules, interpolation, modules, probabilistic forecasts.

The forecasting tests train one tiny MLP-conditioned diffusion model on a
noisy sine (noise 0.3) and check its samples against what that noise
implies: quantiles that never cross, intervals that cover about their
level, and a CRPS far below a constant forecast's.
"""

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sk_stfm.backbones import MLPBackbone
from sk_stfm.data import make_windows
from sk_stfm.estimators import MLPConfig, STForecaster
from sk_stfm.metrics import interval_coverage, masked_crps
from sk_stfm.objectives import (
    ConditionalDiffusion,
    Contrastive,
    Diffusion,
    DiffusionLoss,
    GenerativeDiffusion,
    ImputationDiffusion,
    Masked,
    Regression,
    interpolate_hidden,
    noise_schedule,
)

HISTORY, HORIZON = 24, 6
NOISE = 0.3


def _tiny(**params):
    """Parameters of a tiny, seeded forecaster trained without validation."""
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(16,), revin=False),
        "objective": Diffusion(n_diffusion_steps=10, n_samples=5, hidden_size=16),
        "max_epochs": 10,
        "lr": 1e-2,
        "batch_size": 32,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    defaults.update(params)
    return defaults


@pytest.fixture(scope="module")
def sine():
    """Training windows and later, held-out windows of a period-24 sine, noise 0.3."""
    rng = np.random.default_rng(0)
    t = np.arange(2400)
    series = np.sin(2 * np.pi * t / 24) + NOISE * rng.standard_normal(len(t))
    series = series.astype(np.float32)[:, None, None]
    X_train, y_train = make_windows(series[:1600], HISTORY, HORIZON, stride=3)
    X_test, y_test = make_windows(series[1600:], HISTORY, HORIZON, stride=3)
    return np.array(X_train), np.array(y_train), np.array(X_test), np.array(y_test)


@pytest.fixture(scope="module")
def forecaster(sine):
    X_train, y_train, _, _ = sine
    return STForecaster(**_tiny()).fit(X_train, y_train)


def _series(values):
    """A (1, n_steps, 1, 1) float tensor."""
    return torch.tensor(values, dtype=torch.float64).reshape(1, -1, 1, 1)


# ================================================================= noise_schedule
@pytest.mark.parametrize("schedule", ["quad", "linear"])
@pytest.mark.parametrize("n_steps", [2, 10, 50])
def test_noise_schedule_shape_endpoints_and_monotonicity(schedule, n_steps):
    betas = noise_schedule(n_steps, schedule, beta_start=1e-4, beta_end=0.5)
    assert betas.shape == (n_steps,)
    assert betas.dtype == torch.float64
    assert float(betas[0]) == pytest.approx(1e-4)
    assert float(betas[-1]) == pytest.approx(0.5)
    assert torch.all(torch.diff(betas) > 0)


def test_noise_schedules_space_betas_or_their_square_roots_evenly():
    linear = noise_schedule(20, "linear", beta_start=0.01, beta_end=0.2)
    quad = noise_schedule(20, "quad", beta_start=0.01, beta_end=0.2)
    steps = torch.diff(linear)
    torch.testing.assert_close(steps, torch.full_like(steps, steps[0].item()))
    root_steps = torch.diff(quad.sqrt())
    torch.testing.assert_close(root_steps, torch.full_like(root_steps, root_steps[0].item()))
    # "quad" is gentler at the start: below the linear schedule in between.
    assert torch.all(quad[1:-1] < linear[1:-1])


@pytest.mark.parametrize("schedule", ["cosine", "QUAD", ""])
def test_noise_schedule_rejects_unknown_names(schedule):
    with pytest.raises(ValueError, match="schedule must be 'quad' or 'linear'"):
        noise_schedule(10, schedule)


# ============================================================= interpolate_hidden
def test_interpolate_hidden_known_values():
    x = _series([1.0, 9.0, 9.0, 4.0, 9.0])
    hidden = _series([0, 1, 1, 0, 1]).bool()
    assert interpolate_hidden(x, hidden).flatten().tolist() == [1.0, 2.0, 3.0, 4.0, 4.0]
    x = _series([0.0, 0.0, 0.0, 0.0, 8.0, 0.0, -2.0])
    hidden = _series([0, 1, 1, 1, 0, 1, 0]).bool()
    assert interpolate_hidden(x, hidden).flatten().tolist() == [0, 2, 4, 6, 8, 3, -2]


def test_interpolate_hidden_edges_take_the_nearest_visible_value():
    x = _series([7.0, 7.0, 2.0, 5.0, 7.0, 7.0])
    hidden = _series([1, 1, 0, 0, 1, 1]).bool()
    assert interpolate_hidden(x, hidden).flatten().tolist() == [2.0, 2.0, 2.0, 5.0, 5.0, 5.0]
    # One visible entry: the whole series takes its value.
    hidden = _series([1, 1, 1, 0, 1, 1]).bool()
    assert interpolate_hidden(x, hidden).flatten().tolist() == [5.0] * 6


def test_interpolate_hidden_series_are_independent_and_all_hidden_is_zero():
    x = torch.arange(24, dtype=torch.float32).reshape(2, 4, 3, 1) + 1.0
    hidden = torch.zeros_like(x, dtype=torch.bool)
    hidden[0, :, 1] = True  # a whole series hidden
    hidden[1, 1:3, 2] = True  # a gap in another
    filled = interpolate_hidden(x, hidden)
    assert filled.shape == x.shape and filled.dtype == x.dtype
    assert torch.all(filled[0, :, 1] == 0)
    torch.testing.assert_close(
        filled[1, 1:3, 2, 0], torch.linspace(x[1, 0, 2, 0], x[1, 3, 2, 0], 4)[1:3]
    )
    assert torch.equal(filled[~hidden], x[~hidden])


def test_interpolate_hidden_ignores_nan_in_hidden_entries():
    x = _series([1.0, float("nan"), float("nan"), 4.0, float("inf")])
    hidden = ~torch.isfinite(x)
    assert interpolate_hidden(x, hidden).flatten().tolist() == [1.0, 2.0, 3.0, 4.0, 4.0]


def test_interpolate_hidden_gradient_flows_to_visible_entries_only():
    x = _series([1.0, float("nan"), float("nan"), 4.0, float("nan")]).requires_grad_()
    hidden = torch.isnan(x.detach())
    interpolate_hidden(x, hidden).sum().backward()
    # out = [x0, 2/3 x0 + 1/3 x3, 1/3 x0 + 2/3 x3, x3, x3]
    torch.testing.assert_close(
        x.grad.flatten(), torch.tensor([2.0, 0, 0, 3.0, 0], dtype=torch.float64)
    )


# ======================================================================= modules
def test_diffusion_modules_sample_shapes():
    torch.manual_seed(0)
    x = torch.randn(3, 12, 2, 1)
    conditional = ConditionalDiffusion(MLPBackbone(12, 2, 1, horizon=4), 5, "quad", 8, 1)
    assert conditional.sample(x, n_samples=6).shape == (6, 3, 4, 2, 1)
    imputation = ImputationDiffusion(MLPBackbone(12, 2, 1, horizon=12), 5, "linear", 8, 1)
    assert imputation.sample(x, n_samples=2).shape == (2, 3, 12, 2, 1)
    generative = GenerativeDiffusion(MLPBackbone(12, 2, 1, horizon=12), 5, "quad", 8, 1)
    assert generative.sample(7).shape == (7, 12, 2, 1)


def test_imputation_diffusion_fills_nan_and_keeps_observed_entries():
    torch.manual_seed(0)
    x = torch.randn(4, 12, 1, 2)
    x[0, 3:7, 0, 0] = torch.nan
    x[1, :, 0, 1] = torch.nan
    model = ImputationDiffusion(MLPBackbone(12, 1, 2, horizon=12), 5, "quad", 8, 1)
    samples = model.sample(x, n_samples=3)
    observed = ~torch.isnan(x)
    assert torch.isfinite(samples).all()
    for draw in samples:
        assert torch.equal(draw[observed], x[observed])


def test_diffusion_loss_is_a_finite_scalar_and_ignores_nan_targets():
    torch.manual_seed(0)
    model = ConditionalDiffusion(MLPBackbone(12, 1, 1, horizon=4), 5, "quad", 8, 1)
    target = torch.randn(8, 4, 1, 1)
    target[0, :2] = torch.nan
    loss = DiffusionLoss()(model(torch.randn(8, 12, 1, 1)), target)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize(
    "task, module",
    [
        ("forecasting", ConditionalDiffusion),
        ("imputation", ImputationDiffusion),
        ("generation", GenerativeDiffusion),
    ],
)
def test_diffusion_builds_the_module_of_each_task(task, module):
    backbone = MLPBackbone(12, 1, 1, horizon=4 if task == "forecasting" else 12)
    built = Diffusion(n_diffusion_steps=7, hidden_size=8).build_module(backbone, task)
    assert type(built) is module
    assert built.n_diffusion_steps == 7
    assert built.backbone is backbone


def test_diffusion_rejects_invalid_parameters():
    backbone = MLPBackbone(12, 1, 1, horizon=4)
    for params in (
        {"n_diffusion_steps": 1},
        {"schedule": "cosine"},
        {"beta_end": 1.0},
        {"n_samples": 0},
    ):
        with pytest.raises(ValueError):
            Diffusion(**params).build_module(backbone, "forecasting")


def test_the_old_n_steps_spelling_warns_and_still_sets_the_chain_length():
    backbone = MLPBackbone(12, 1, 1, horizon=4)
    with pytest.warns(FutureWarning, match="n_diffusion_steps"):
        built = Diffusion(n_steps=7, hidden_size=8).build_module(backbone, "forecasting")
    assert built.n_diffusion_steps == 7


# ================================================== STForecaster(objective=Diffusion)
def test_predict_quantiles_shape_and_order(forecaster, sine):
    _, _, X_test, _ = sine
    quantiles = forecaster.predict_quantiles(X_test, quantiles=(0.1, 0.5, 0.9), n_samples=30)
    assert quantiles.shape == (len(X_test), HORIZON, 1, 1, 3)
    assert quantiles.dtype == np.float64
    assert np.isfinite(quantiles).all()
    assert np.all(np.diff(quantiles, axis=-1) >= 0)
    # The ends of the 80 % interval are apart: samples, not a point forecast.
    assert np.mean(quantiles[..., 2] - quantiles[..., 0]) > 0.1
    single = forecaster.predict_quantiles(X_test[:4], quantiles=0.5)
    assert single.shape == (4, HORIZON, 1, 1, 1)


def test_sample_shape_and_reproducibility(forecaster, sine):
    _, _, X_test, _ = sine
    samples = forecaster.sample(X_test[:10], n_samples=7, random_state=0)
    assert samples.shape == (7, 10, HORIZON, 1, 1)
    assert samples.dtype == np.float64
    assert np.isfinite(samples).all()
    np.testing.assert_array_equal(samples, forecaster.sample(X_test[:10], 7, random_state=0))
    assert not np.allclose(samples, forecaster.sample(X_test[:10], 7, random_state=1))
    # random_state=None falls back to the estimator's seed.
    np.testing.assert_array_equal(
        forecaster.sample(X_test[:10], 7), forecaster.sample(X_test[:10], 7)
    )


@pytest.mark.parametrize("n_samples", [0, -3, 2.5, True])
def test_sample_rejects_bad_n_samples(forecaster, sine, n_samples):
    _, _, X_test, _ = sine
    with pytest.raises(ValueError, match="n_samples"):
        forecaster.sample(X_test[:2], n_samples=n_samples)


def test_predict_is_the_median_of_n_samples_draws(forecaster, sine):
    _, _, X_test, y_test = sine
    prediction = forecaster.predict(X_test)
    assert prediction.shape == y_test.shape
    assert np.isfinite(prediction).all()
    n_samples = forecaster.objective_.n_samples  # odd: the median is one draw
    samples = forecaster.sample(X_test, n_samples=n_samples)
    np.testing.assert_allclose(prediction, np.median(samples, axis=0), rtol=0, atol=1e-12)
    median = forecaster.predict_quantiles(X_test, quantiles=0.5)[..., 0]
    np.testing.assert_allclose(prediction, median, rtol=0, atol=1e-12)
    # A median of 5 draws is still a good point forecast of a noisy sine.
    assert forecaster.score(X_test, y_test) > 0.6


def test_80_percent_interval_covers_about_80_percent(forecaster, sine):
    _, _, X_test, y_test = sine
    quantiles = forecaster.predict_quantiles(X_test, (0.1, 0.9), n_samples=40, random_state=0)
    coverage = interval_coverage(y_test, quantiles[..., 0], quantiles[..., 1])
    assert 0.6 <= coverage <= 0.97


def test_samples_have_lower_crps_than_a_constant_ensemble(forecaster, sine):
    _, y_train, X_test, y_test = sine
    samples = forecaster.sample(X_test, n_samples=40, random_state=0)
    constant = np.full_like(samples, y_train.mean())
    learned = masked_crps(y_test, samples)
    # Noise 0.3: a calibrated forecast has CRPS ~0.17; the constant ~0.64.
    assert learned < 0.5 * masked_crps(y_test, constant)


def test_predict_does_not_depend_on_the_other_windows(forecaster, sine):
    _, _, X_test, _ = sine
    np.testing.assert_allclose(
        forecaster.predict(X_test)[:10], forecaster.predict(X_test[:10]), atol=1e-10
    )


def test_samples_follow_the_layout_of_y(sine):
    X_train, y_train, X_test, _ = sine
    y_2d = y_train[:, :, 0, 0]
    model = STForecaster(**_tiny(max_epochs=1)).fit(X_train, y_2d)
    assert model.predict(X_test[:4]).shape == (4, HORIZON)
    assert model.sample(X_test[:4], 3).shape == (3, 4, HORIZON)
    assert model.predict_quantiles(X_test[:4], (0.2, 0.8)).shape == (4, HORIZON, 2)
    # One default for the number of samples: the objective's (5 here).
    assert model.sample(X_test[:4]).shape == (5, 4, HORIZON)


def test_only_probabilistic_objectives_offer_quantiles_and_samples(forecaster):
    for objective in (None, "regression", Regression(), Masked(), "contrastive"):
        model = STForecaster(objective=objective)
        assert not hasattr(model, "predict_quantiles")
        assert not hasattr(model, "sample")
    assert hasattr(STForecaster(objective="diffusion"), "predict_quantiles")
    assert hasattr(forecaster, "sample")


@pytest.mark.parametrize("quantiles", [0, 1, 1.5, -0.1, [], [0.1, 1.0], [[0.1, 0.9]]], ids=repr)
def test_bad_quantiles_raise(forecaster, sine, quantiles):
    _, _, X_test, _ = sine
    with pytest.raises(ValueError, match="quantiles"):
        forecaster.predict_quantiles(X_test[:2], quantiles=quantiles)


def test_diffusion_needs_no_learned_encoder(sine):
    X_train, y_train, X_test, y_test = sine
    model = STForecaster(**_tiny(backbone="dlinear", max_epochs=5)).fit(X_train, y_train)
    quantiles = model.predict_quantiles(X_test, (0.1, 0.9), n_samples=20, random_state=0)
    assert np.isfinite(quantiles).all()
    assert np.all(quantiles[..., 0] <= quantiles[..., 1])
    assert model.score(X_test, y_test) > 0.5
    # A pre-training objective on the same backbone is refused.
    with pytest.raises(ValueError, match="learned_encoder"):
        STForecaster(**_tiny(backbone="dlinear", objective=Masked())).fit(X_train, y_train)


def test_save_load_keeps_the_samples(forecaster, sine, tmp_path):
    _, _, X_test, _ = sine
    loaded = type(forecaster).load(forecaster.save(tmp_path / "diffusion.pt"))
    np.testing.assert_array_equal(
        loaded.sample(X_test[:5], 4, random_state=0),
        forecaster.sample(X_test[:5], 4, random_state=0),
    )
    np.testing.assert_array_equal(loaded.predict(X_test[:5]), forecaster.predict(X_test[:5]))


def test_grid_search_over_objectives(sine):
    X_train, y_train, _, _ = sine
    search = GridSearchCV(
        STForecaster(**_tiny(objective=None, max_epochs=2)),
        {
            "objective": [
                Regression(),
                Masked(pretrain_epochs=1, patch_len=4),
                Contrastive(pretrain_epochs=1),
            ]
        },
        cv=TimeSeriesSplit(2),
    ).fit(X_train[:200], y_train[:200])
    assert type(search.best_params_["objective"]) in {Regression, Masked, Contrastive}
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 3 and np.isfinite(scores).all()
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.best_estimator_.predict(X_train[:3]).shape == (3, HORIZON, 1, 1)
