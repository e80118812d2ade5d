"""Masked metrics: NaN in the truth marks entries left out.

Every metric flattens samples against the rest: ``y_true`` of shape
``(n_samples, ...)`` is read as ``(n_samples, n_outputs)``, and
``sample_weight`` weighs the samples (the first axis).

* Point errors: :func:`masked_mae`, :func:`masked_mse`, :func:`masked_rmse`,
  :func:`masked_mape` and :func:`masked_r2` compare ``y_true`` with
  predictions of the same shape.
* Probabilistic scores: :func:`masked_crps` scores forecast samples,
  :func:`masked_quantile_loss` forecast quantiles and
  :func:`interval_coverage` prediction intervals.
* Scorers: :data:`masked_mae_scorer`, :data:`masked_mse_scorer`,
  :data:`masked_rmse_scorer` and :data:`masked_mape_scorer` are the point
  errors made with :func:`sklearn.metrics.make_scorer` (negated, so higher is
  better, as scikit-learn's ``neg_*`` scorers), for the ``scoring``
  parameter of :class:`~sklearn.model_selection.GridSearchCV` or
  :func:`~sklearn.model_selection.cross_val_score`. They call the
  estimator's ``predict``, so they take N-D targets as they are.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LinearRegression
>>> from sklearn.model_selection import cross_val_score
>>> from sk_stfm.metrics import masked_mae_scorer
>>> X = np.arange(8.0).reshape(-1, 1)
>>> cross_val_score(LinearRegression(), X, 2 * X[:, 0], cv=2, scoring=masked_mae_scorer)
array([-0., -0.])
"""

import numpy as np
from sklearn.metrics import make_scorer

__all__ = [
    "interval_coverage",
    "masked_crps",
    "masked_mae",
    "masked_mae_scorer",
    "masked_mape",
    "masked_mape_scorer",
    "masked_mse",
    "masked_mse_scorer",
    "masked_quantile_loss",
    "masked_r2",
    "masked_rmse",
    "masked_rmse_scorer",
]


def _shape_text(prefix, shape):
    return "(" + ", ".join([prefix, *map(str, shape)]) + ")"


def _observed(y_true, sample_weight=None):
    """Flatten ``y_true`` to ``(n_samples, n_outputs)`` and weigh its observed entries.

    Returns the truth with NaN replaced by 0, the mask of observed entries
    and the weights (the sample's weight where observed, 0 elsewhere).
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    if y_true.ndim == 0 or y_true.shape[0] == 0:
        raise ValueError("y_true must hold at least one sample.")
    y_true = y_true.reshape(len(y_true), -1)
    observed = ~np.isnan(y_true)
    if not observed.any():
        raise ValueError("y_true has no observed (non-NaN) entry.")
    weight = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, float)
    if weight.shape != (len(y_true),):
        raise ValueError(
            f"sample_weight must have shape (n_samples,) = ({len(y_true)},); got {weight.shape}."
        )
    return np.where(observed, y_true, 0.0), observed, observed * weight[:, None]


def _prepare(y_true, y_pred, sample_weight=None, name="y_pred"):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and {name} must have the same shape; got {y_true.shape} and {y_pred.shape}."
        )
    y_true, observed, weights = _observed(y_true, sample_weight)
    y_pred = y_pred.reshape(y_true.shape)
    if np.isnan(y_pred[observed]).any():
        raise ValueError(f"{name} contains NaN where y_true is observed.")
    return y_true, np.where(observed, y_pred, 0.0), weights


def _check_quantiles(quantiles):
    # Shared with the estimators' predict_quantiles.
    try:
        kind = np.asarray(quantiles).dtype.kind
    except ValueError:  # ragged nesting
        kind = "O"
    # Strings would be parsed as numbers by the float conversion below.
    if kind not in "iuf":
        raise TypeError(
            "quantiles must be a real number or a 1-D sequence of real numbers in (0, 1); "
            f"got {quantiles!r}."
        )
    levels = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if levels.ndim != 1 or levels.size == 0 or not np.all((levels > 0) & (levels < 1)):
        raise ValueError(
            f"quantiles must be a float or a 1-D sequence of floats in (0, 1); got {quantiles!r}."
        )
    return levels


def masked_mse(y_true, y_pred, sample_weight=None):
    """Mean squared error over the observed entries of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    mse : float
        The weighted mean of squared errors.

    Examples
    --------
    >>> from sk_stfm.metrics import masked_mse
    >>> masked_mse([[1.0, float("nan")], [3.0, 4.0]], [[2.0, 0.0], [3.0, 2.0]])
    1.6666666666666667
    """
    y_true, y_pred, weights = _prepare(y_true, y_pred, sample_weight)
    return float(np.sum(weights * (y_true - y_pred) ** 2) / np.sum(weights))


def masked_mae(y_true, y_pred, sample_weight=None):
    """Mean absolute error over the observed entries of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    mae : float
        The weighted mean of absolute errors.

    Examples
    --------
    >>> from sk_stfm.metrics import masked_mae
    >>> masked_mae([[1.0, float("nan")], [3.0, 4.0]], [[2.0, 0.0], [3.0, 2.0]])
    1.0
    """
    y_true, y_pred, weights = _prepare(y_true, y_pred, sample_weight)
    return float(np.sum(weights * np.abs(y_true - y_pred)) / np.sum(weights))


def masked_rmse(y_true, y_pred, sample_weight=None):
    """Root mean squared error over the observed entries of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    rmse : float
        The square root of :func:`masked_mse`.

    Examples
    --------
    >>> from sk_stfm.metrics import masked_rmse
    >>> masked_rmse([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    """
    return float(np.sqrt(masked_mse(y_true, y_pred, sample_weight)))


def masked_mape(y_true, y_pred, sample_weight=None, epsilon=1e-8):
    """Mean absolute percentage error over observed, non-zero entries.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out, and so do entries with
        ``abs(y_true) <= epsilon`` (a percentage of zero is undefined).
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.
    epsilon : float, default=1e-8
        Magnitude below which a true value counts as zero.

    Returns
    -------
    mape : float
        The weighted mean of ``|y_true - y_pred| / |y_true|`` (a fraction,
        not a percentage).

    Examples
    --------
    >>> from sk_stfm.metrics import masked_mape
    >>> masked_mape([2.0, 0.0, 4.0], [1.0, 5.0, 5.0])
    0.375
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_true = np.where(np.abs(y_true) <= epsilon, np.nan, y_true)
    truth, pred, weights = _prepare(y_true, y_pred, sample_weight)
    ratio = np.abs(truth - pred) / np.where(weights > 0, np.abs(truth), 1.0)
    return float(np.sum(weights * ratio) / np.sum(weights))


def masked_r2(y_true, y_pred, sample_weight=None):
    """Coefficient of determination per output over observed entries, averaged.

    Each output (column of the flattened targets) gets R² over the samples
    where it is observed; outputs are averaged uniformly, as scikit-learn's
    ``r2_score(..., multioutput="uniform_average")``, which this equals when
    nothing is missing. A constant output scores 1 if predicted exactly and
    0 otherwise; outputs never observed are left out.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    r2 : float
        The average R².

    Examples
    --------
    >>> from sk_stfm.metrics import masked_r2
    >>> masked_r2([[1.0, 2.0], [2.0, float("nan")], [3.0, 4.0]], [[1.0, 2.5], [2.5, 0.0], [3.0, 3.5]])
    0.8125
    """
    y_true, y_pred, weights = _prepare(y_true, y_pred, sample_weight)
    total = weights.sum(axis=0)
    seen = total > 0
    mean = np.divide((weights * y_true).sum(axis=0), total, where=seen, out=np.zeros_like(total))
    residual = (weights * (y_true - y_pred) ** 2).sum(axis=0)
    spread = (weights * (y_true - mean) ** 2).sum(axis=0)
    constant = spread <= 0
    r2 = np.where(
        constant,
        np.where(residual <= 0, 1.0, 0.0),
        1.0 - residual / np.where(constant, 1.0, spread),
    )
    return float(np.mean(r2[seen]))


def masked_crps(y_true, samples, sample_weight=None):
    """Mean continuous ranked probability score (CRPS) of forecast samples over observed entries.

    The CRPS of the empirical distribution of the draws ``X`` at the truth
    ``y`` is computed exactly in its energy form,
    ``E|X - y| - E|X - X'| / 2``, where ``E|X - X'|`` comes from the sorted
    draws ``x_(1) <= ... <= x_(m)`` as ``2 / m**2 * sum_i (2i - m - 1) x_(i)``
    (``O(m log m)`` per entry instead of ``O(m**2)``). It is in the units of
    ``y_true``, lower is better, and equals :func:`masked_mae` when every draw
    is the same point forecast.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    samples : array-like of shape (n_draws, n_samples, ...)
        Forecast draws, draws first and then the shape of ``y_true``, as
        returned by ``STForecaster.sample``. Must be finite everywhere.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    crps : float
        The weighted mean of the per-entry CRPS.

    See Also
    --------
    masked_quantile_loss : Scores forecast quantiles instead of draws.

    Examples
    --------
    >>> from sk_stfm.metrics import masked_crps
    >>> masked_crps([1.0, 2.0], [[0.0, 2.0], [2.0, 2.0]])
    0.25
    >>> masked_crps([[1.0, float("nan")]], [[[3.0, 5.0]]])  # one draw: the MAE
    2.0
    """
    truth, observed, weights = _observed(y_true, sample_weight)
    shape = np.shape(y_true)
    samples = np.asarray(samples, dtype=np.float64)
    if samples.shape[1:] != shape:
        raise ValueError(
            "samples must have shape (n_draws, *y_true.shape) = "
            f"{_shape_text('n_draws', shape)}; got {samples.shape}."
        )
    if len(samples) == 0:
        raise ValueError("samples must hold at least one draw; got n_draws=0.")
    if not np.isfinite(samples).all():
        raise ValueError("samples must not contain NaN or infinity.")
    draws = samples.reshape(len(samples), *truth.shape)
    n_draws = len(draws)
    accuracy = np.mean(np.abs(draws - truth), axis=0)
    ranks = 2.0 * np.arange(1, n_draws + 1) - n_draws - 1
    half_spread = np.tensordot(ranks, np.sort(draws, axis=0), axes=1) / n_draws**2
    crps = np.where(observed, accuracy - half_spread, 0.0)
    return float(np.sum(weights * crps) / np.sum(weights))


def masked_quantile_loss(y_true, y_quantiles, quantiles, sample_weight=None):
    """Pinball loss of forecast quantiles, averaged over levels and observed entries.

    The loss of the level ``q`` forecast ``f`` at the truth ``y`` is
    ``max(q * (y - f), (q - 1) * (y - f))``. At ``q = 0.5`` it is half the
    absolute error; twice its average over many evenly spread levels
    approaches :func:`masked_crps`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    y_quantiles : array-like of shape (n_samples, ..., n_quantiles)
        Forecast quantiles: the shape of ``y_true`` then one entry per level,
        as returned by ``STForecaster.predict_quantiles``.
    quantiles : float or array-like of shape (n_quantiles,)
        The levels of the last axis of ``y_quantiles``, in (0, 1).
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    loss : float
        The weighted mean over observed entries of the loss averaged over
        the levels.

    Examples
    --------
    >>> from sk_stfm.metrics import masked_quantile_loss
    >>> masked_quantile_loss([1.0, 3.0], [[0.0, 2.0], [3.0, 4.0]], quantiles=[0.25, 0.75])
    0.1875
    """
    levels = _check_quantiles(quantiles)
    truth, observed, weights = _observed(y_true, sample_weight)
    expected = np.shape(y_true) + (len(levels),)
    y_quantiles = np.asarray(y_quantiles, dtype=np.float64)
    if y_quantiles.shape != expected:
        raise ValueError(
            "y_quantiles must have shape (*y_true.shape, n_quantiles) = "
            f"{expected}; got {y_quantiles.shape}."
        )
    forecast = y_quantiles.reshape(truth.shape + (len(levels),))
    if np.isnan(forecast[observed]).any():
        raise ValueError("y_quantiles contains NaN where y_true is observed.")
    error = truth[..., None] - np.where(observed[..., None], forecast, 0.0)
    loss = np.maximum(levels * error, (levels - 1.0) * error).mean(axis=-1)
    return float(np.sum(weights * loss) / np.sum(weights))


def interval_coverage(y_true, lower, upper, sample_weight=None):
    """Share of observed entries inside their prediction interval.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Truth; NaN marks entries left out.
    lower : array-like of the same shape
        Lower bounds of the intervals (included).
    upper : array-like of the same shape
        Upper bounds of the intervals (included); never below ``lower``.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Weights of the samples.

    Returns
    -------
    coverage : float
        The weighted share, in [0, 1], of observed entries with
        ``lower <= y_true <= upper``; for a calibrated 80% interval
        (quantiles 0.1 and 0.9) it is close to 0.8.

    Examples
    --------
    >>> from sk_stfm.metrics import interval_coverage
    >>> interval_coverage([1.0, 2.0, 5.0, float("nan")], [0.0, 2.5, 4.0, 0.0], [2.0, 3.0, 6.0, 1.0])
    0.6666666666666666
    """
    truth, low, weights = _prepare(y_true, lower, sample_weight, name="lower")
    _, high, _ = _prepare(y_true, upper, sample_weight, name="upper")
    if np.any(low > high):
        raise ValueError("lower must not exceed upper where y_true is observed.")
    inside = (low <= truth) & (truth <= high)
    return float(np.sum(weights * inside) / np.sum(weights))


# Scorers for ``scoring=``: errors are negated (greater_is_better=False), as
# scikit-learn's ``neg_*`` scorers, so that higher is always better.
masked_mae_scorer = make_scorer(masked_mae, greater_is_better=False)
masked_mse_scorer = make_scorer(masked_mse, greater_is_better=False)
masked_rmse_scorer = make_scorer(masked_rmse, greater_is_better=False)
masked_mape_scorer = make_scorer(masked_mape, greater_is_better=False)
