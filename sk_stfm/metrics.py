"""Masked error metrics: NaN in the truth marks entries left out.

Every metric flattens samples against the rest: ``y_true`` of shape
``(n_samples, ...)`` is read as ``(n_samples, n_outputs)``.
"""

import numpy as np

__all__ = ["masked_mae", "masked_mape", "masked_r2", "masked_mse", "masked_rmse"]


def _prepare(y_true, y_pred, sample_weight=None):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape}."
        )
    if y_true.ndim == 0 or y_true.shape[0] == 0:
        raise ValueError("y_true must hold at least one sample.")
    y_true = y_true.reshape(len(y_true), -1)
    y_pred = y_pred.reshape(len(y_pred), -1)
    observed = ~np.isnan(y_true)
    if not observed.any():
        raise ValueError("y_true has no observed (non-NaN) entry.")
    if np.isnan(y_pred[observed]).any():
        raise ValueError("y_pred contains NaN where y_true is observed.")
    weight = np.ones(len(y_true)) if sample_weight is None else np.asarray(sample_weight, float)
    if weight.shape != (len(y_true),):
        raise ValueError(
            f"sample_weight must have shape (n_samples,) = ({len(y_true)},); got {weight.shape}."
        )
    weights = observed * weight[:, None]
    return np.where(observed, y_true, 0.0), np.where(observed, y_pred, 0.0), weights


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
