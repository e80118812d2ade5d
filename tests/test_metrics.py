"""Tests for sk_stfm.metrics: probabilistic scores and scorers.

Scores are checked against values known in closed form (a point mass, a
Gaussian, hand-computed pinball losses) and against a direct O(m^2)
computation, and the scorers against the metric computed by hand on a
split of a real fitted forecaster.
"""

import pickle

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.model_selection import TimeSeriesSplit, cross_val_score

from sk_stfm.data import make_windows
from sk_stfm.estimators import STForecaster
from sk_stfm.metrics import (
    interval_coverage,
    masked_crps,
    masked_mae,
    masked_mae_scorer,
    masked_mape,
    masked_mape_scorer,
    masked_mse,
    masked_mse_scorer,
    masked_quantile_loss,
    masked_rmse,
    masked_rmse_scorer,
)

NAN = np.nan


def _crps_pairwise(y, draws):
    """CRPS of the empirical distribution, from its O(m^2) definition."""
    accuracy = np.mean(np.abs(draws - y))
    spread = np.mean(np.abs(draws[:, None] - draws[None, :]))
    return accuracy - 0.5 * spread


def _gaussian_crps(y, mu, sigma):
    z = (y - mu) / sigma
    return sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


# ----------------------------------------------------- masked_crps


def test_crps_of_point_mass_is_mae():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(5, 3, 2))
    y_pred = rng.normal(size=(5, 3, 2))
    samples = np.repeat(y_pred[None], 7, axis=0)
    assert masked_crps(y_true, samples) == pytest.approx(masked_mae(y_true, y_pred), abs=1e-12)


def test_crps_matches_pairwise_definition():
    rng = np.random.default_rng(1)
    y_true = rng.normal(size=(4, 3))
    samples = rng.standard_t(df=3, size=(25, 4, 3))
    expected = np.mean(
        [_crps_pairwise(y_true[i, j], samples[:, i, j]) for i in range(4) for j in range(3)]
    )
    assert masked_crps(y_true, samples) == pytest.approx(expected, rel=1e-12)


def test_crps_of_gaussian_samples_matches_closed_form():
    rng = np.random.default_rng(2)
    mu = np.array([[0.0, 1.0, -2.0]])
    sigma = np.array([[1.0, 0.5, 2.0]])
    y_true = np.array([[0.3, 2.0, -5.0]])
    samples = mu + sigma * rng.standard_normal(size=(20_000, 1, 3))
    expected = np.mean(_gaussian_crps(y_true, mu, sigma))
    assert masked_crps(y_true, samples) == pytest.approx(expected, rel=1e-2)


def test_crps_of_forecaster_layout():
    # STForecaster.sample returns (n_draws, n_windows, horizon, n_nodes, n_targets).
    rng = np.random.default_rng(3)
    y_true = rng.normal(size=(4, 6, 2, 1))
    samples = rng.normal(size=(10, 4, 6, 2, 1))
    per_entry = [
        _crps_pairwise(y_true[index], samples[(slice(None),) + index])
        for index in np.ndindex(y_true.shape)
    ]
    assert masked_crps(y_true, samples) == pytest.approx(np.mean(per_entry), rel=1e-12)


def test_crps_leaves_out_missing_truth():
    y_true = np.array([[1.0, NAN], [2.0, 3.0]])
    samples = np.array([[[0.0, 100.0], [2.0, 3.0]], [[2.0, -100.0], [2.0, 3.0]]])
    # Entry (0, 0): E|X - y| = 1, E|X - X'| = 1, so 0.5; the others are exact.
    assert masked_crps(y_true, samples) == pytest.approx(0.5 / 3)


def test_crps_sample_weight_weighs_windows():
    rng = np.random.default_rng(4)
    y_true = rng.normal(size=(3, 4))
    samples = rng.normal(size=(8, 3, 4))
    weight = np.array([1.0, 0.0, 3.0])
    per_window = [masked_crps(y_true[i : i + 1], samples[:, i : i + 1]) for i in range(3)]
    expected = np.average(per_window, weights=weight)
    assert masked_crps(y_true, samples, sample_weight=weight) == pytest.approx(expected)


def test_crps_does_not_depend_on_draw_order():
    rng = np.random.default_rng(5)
    y_true = rng.normal(size=(3, 2))
    samples = rng.normal(size=(9, 3, 2))
    shuffled = samples[rng.permutation(9)]
    assert masked_crps(y_true, shuffled) == pytest.approx(masked_crps(y_true, samples))


@pytest.mark.parametrize(
    "samples, match",
    [
        (
            np.zeros((5, 3, 2)),
            r"samples must have shape \(n_draws, \*y_true.shape\) = "
            r"\(n_draws, 3, 4\); got \(5, 3, 2\)",
        ),
        (np.zeros((3, 4)), r"samples must have shape .*got \(3, 4\)"),
        (np.zeros((0, 3, 4)), "at least one draw"),
        (np.full((5, 3, 4), NAN), "samples must not contain NaN"),
    ],
)
def test_crps_rejects_bad_samples(samples, match):
    with pytest.raises(ValueError, match=match):
        masked_crps(np.zeros((3, 4)), samples)


def test_crps_rejects_bad_truth_and_weight():
    with pytest.raises(ValueError, match="y_true must hold at least one sample"):
        masked_crps(np.zeros((0, 2)), np.zeros((4, 0, 2)))
    with pytest.raises(ValueError, match="no observed"):
        masked_crps([NAN, NAN], np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(n_samples,\) = \(2,\)"):
        masked_crps([1.0, 2.0], np.zeros((4, 2)), sample_weight=[1.0])


# ----------------------------------------------------- masked_quantile_loss


def test_quantile_loss_known_values():
    y_true = [1.0, 3.0]
    y_quantiles = [[0.0, 2.0], [3.0, 4.0]]
    # y=1: 0.25 * 1 and 0.25 * 1; y=3: 0 and 0.25 * 1.
    assert masked_quantile_loss(y_true, y_quantiles, [0.25, 0.75]) == pytest.approx(0.1875)
    # Under-forecasting costs q, over-forecasting 1 - q.
    assert masked_quantile_loss([2.0], [[0.0]], 0.9) == pytest.approx(1.8)
    assert masked_quantile_loss([0.0], [[2.0]], 0.9) == pytest.approx(0.2)


def test_quantile_loss_at_median_is_half_mae():
    rng = np.random.default_rng(6)
    y_true = rng.normal(size=(5, 3, 2))
    y_pred = rng.normal(size=(5, 3, 2))
    loss = masked_quantile_loss(y_true, y_pred[..., None], [0.5])
    assert loss == pytest.approx(0.5 * masked_mae(y_true, y_pred))


def test_quantile_loss_on_a_dense_grid_approaches_crps():
    rng = np.random.default_rng(7)
    y_true = rng.normal(size=(4, 3))
    samples = rng.normal(size=(2000, 4, 3))
    levels = (np.arange(200) + 0.5) / 200
    y_quantiles = np.moveaxis(np.quantile(samples, levels, axis=0), 0, -1)
    loss = masked_quantile_loss(y_true, y_quantiles, levels)
    assert 2 * loss == pytest.approx(masked_crps(y_true, samples), rel=2e-2)


def test_quantile_loss_masks_and_weighs():
    y_true = np.array([[1.0, NAN], [3.0, 5.0]])
    y_quantiles = np.array([[[0.0], [NAN]], [[2.0], [5.0]]])
    # Observed losses 0.5, 0.5 and 0, weighted 1, 3, 3.
    assert masked_quantile_loss(y_true, y_quantiles, 0.5) == pytest.approx(1.0 / 3)
    loss = masked_quantile_loss(y_true, y_quantiles, 0.5, sample_weight=[1.0, 3.0])
    assert loss == pytest.approx((0.5 + 3 * 0.5) / 7)


@pytest.mark.parametrize("quantiles", [0.0, 1.0, [0.1, 1.5], [-0.2], [], [[0.1, 0.9]], NAN])
def test_quantile_loss_rejects_levels_outside_unit_interval(quantiles):
    with pytest.raises(ValueError, match=r"quantiles must be .* in \(0, 1\)"):
        masked_quantile_loss([1.0], [[1.0]], quantiles)


def test_quantile_loss_rejects_bad_shapes_and_nan():
    with pytest.raises(
        ValueError,
        match=r"y_quantiles must have shape \(\*y_true.shape, n_quantiles\) = \(2, 3, 2\); "
        r"got \(2, 3\)",
    ):
        masked_quantile_loss(np.zeros((2, 3)), np.zeros((2, 3)), [0.1, 0.9])
    with pytest.raises(ValueError, match="y_quantiles contains NaN where y_true is observed"):
        masked_quantile_loss([1.0], [[NAN]], 0.5)
    with pytest.raises(ValueError, match="at least one sample"):
        masked_quantile_loss(np.zeros((0,)), np.zeros((0, 1)), 0.5)


# ----------------------------------------------------- interval_coverage


def test_coverage_counts_closed_intervals_over_observed_entries():
    y_true = [1.0, 2.0, 5.0, NAN, 3.0]
    lower = [0.0, 2.5, 5.0, 0.0, 1.0]
    upper = [2.0, 3.0, 6.0, 1.0, 3.0]
    # Inside: 1.0, 5.0 (on the lower bound), 3.0 (on the upper); out: 2.0.
    assert interval_coverage(y_true, lower, upper) == pytest.approx(0.75)


def test_coverage_of_gaussian_quantiles_is_nominal():
    rng = np.random.default_rng(8)
    y_true = rng.normal(size=(4000, 3))
    lower = np.full_like(y_true, norm.ppf(0.1))
    upper = np.full_like(y_true, norm.ppf(0.9))
    assert interval_coverage(y_true, lower, upper) == pytest.approx(0.8, abs=0.02)


def test_coverage_sample_weight():
    y_true = [[1.0], [5.0]]
    lower, upper = [[0.0], [0.0]], [[2.0], [2.0]]
    assert interval_coverage(y_true, lower, upper, sample_weight=[3.0, 1.0]) == 0.75


def test_coverage_rejects_bad_input():
    with pytest.raises(ValueError, match="y_true and lower must have the same shape"):
        interval_coverage([1.0, 2.0], [0.0], [3.0, 3.0])
    with pytest.raises(ValueError, match="y_true and upper must have the same shape"):
        interval_coverage([1.0, 2.0], [0.0, 0.0], [3.0])
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        interval_coverage([1.0, 2.0], [0.0, 3.0], [3.0, 2.5])
    with pytest.raises(ValueError, match="upper contains NaN"):
        interval_coverage([1.0], [0.0], [NAN])


# ----------------------------------------------------- scorers


@pytest.mark.parametrize(
    "scorer, metric",
    [
        (masked_mae_scorer, masked_mae),
        (masked_mse_scorer, masked_mse),
        (masked_rmse_scorer, masked_rmse),
        (masked_mape_scorer, masked_mape),
    ],
)
def test_scorer_negates_its_metric(scorer, metric):
    class Constant(RegressorMixin, BaseEstimator):
        def predict(self, X):
            return np.ones((len(X), 2, 3))

    rng = np.random.default_rng(9)
    X = rng.normal(size=(4, 5))
    y = rng.normal(size=(4, 2, 3)) + 3.0
    y[0, 1, 2] = NAN
    assert scorer(Constant(), X, y) == pytest.approx(-metric(y, np.ones_like(y)))
    assert pickle.loads(pickle.dumps(scorer))(Constant(), X, y) == scorer(Constant(), X, y)


@pytest.fixture(scope="module")
def sine_windows():
    t = np.arange(160, dtype=float)
    series = np.sin(2 * np.pi * t / 24) + 0.1 * np.cos(2 * np.pi * t / 7)
    return make_windows(series[:, None, None], history=24, horizon=6)


def test_scorers_in_cross_val_score_with_forecaster(sine_windows):
    X, y = sine_windows
    estimator = STForecaster(backbone="dlinear", max_epochs=2, random_state=0)
    cv = TimeSeriesSplit(3)
    scores = cross_val_score(estimator, X, y, cv=cv, scoring=masked_mae_scorer)
    assert scores.shape == (3,)
    assert np.all(scores < 0)

    train, test = list(cv.split(X))[-1]
    fitted = clone(estimator).fit(X[train], y[train])
    y_pred = fitted.predict(X[test])
    assert y_pred.shape == y[test].shape  # N-D: (n, horizon, n_nodes, n_targets)
    assert scores[-1] == pytest.approx(-masked_mae(y[test], y_pred), rel=1e-6)

    rmse = cross_val_score(estimator, X, y, cv=cv, scoring=masked_rmse_scorer)
    assert rmse[-1] == pytest.approx(-masked_rmse(y[test], y_pred), rel=1e-6)
