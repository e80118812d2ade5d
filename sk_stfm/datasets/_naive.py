"""Naive forecasts: the last value and the seasonal naive, computed on the user's windows.

Every score the command line and the benchmark suites report is read beside
these two; both are the same rule (copy an earlier value), so they share one
implementation: the last value is the seasonal naive forecast of period 1.
"""

import numbers

import numpy as np


def _forward_filled(values, axis):
    """``values`` with each missing entry replaced by the last observed one before it.

    Entries with no observation before them along ``axis`` stay NaN.
    """
    observed = ~np.isnan(values)
    shape = [1] * values.ndim
    shape[axis] = values.shape[axis]
    steps = np.arange(values.shape[axis]).reshape(shape)
    # The position of the last observation at or before each step.
    last = np.maximum.accumulate(np.where(observed, steps, 0), axis=axis)
    return np.take_along_axis(values, np.broadcast_to(last, values.shape), axis=axis)


def seasonal_naive_forecast(X, horizon, period, *, origins=None, fill_value=0.0):
    """The seasonal naive forecast: each step repeats the value one season before it.

    Step ``k`` (from 0) after the forecast origin copies the value
    ``period * (k // period + 1) - k`` steps before the origin: the same
    phase of the last full season before it, so a horizon longer than the
    period repeats that season. With ``period=1`` this is the last-value
    forecast (:func:`last_value_forecast`).

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_steps, n_nodes, n_channels) or (n_steps, n_nodes, n_channels)
        Input windows, each forecast from its end; or, with ``origins``,
        one long series that all forecasts read from. NaN is missing.
    horizon : int
        Steps to forecast.
    period : int
        Length of the season in steps, e.g. the strongest period that
        :func:`sk_stfm.taxonomy.describe` reports.
    origins : array-like of int of shape (n_windows,) or None, default=None
        With a long series ``X``: the step of each forecast's first value,
        so that a season longer than the input windows can be read from the
        series itself. ``None`` forecasts from the end of each window.
    fill_value : float, default=0.0
        Forecast of a series with no observed value before the copied step
        (0 is the training mean of z-scored data).

    Returns
    -------
    y_pred : ndarray of shape (n_windows, horizon, n_nodes, n_channels)
        The forecast. A missing copied value is replaced by the last value
        observed before it.

    Raises
    ------
    ValueError
        If ``horizon`` or ``period`` is not a positive integer, or the
        windows (or the series before an origin) are shorter than
        ``period``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.datasets import seasonal_naive_forecast
    >>> X = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0]).reshape(1, 6, 1, 1)
    >>> seasonal_naive_forecast(X, horizon=4, period=3).ravel().tolist()
    [10.0, 20.0, 30.0, 10.0]

    A season longer than the windows is read from the series:

    >>> series = np.arange(10.0).reshape(10, 1, 1)
    >>> seasonal_naive_forecast(series, horizon=2, period=4, origins=[6, 8])[..., 0, 0].tolist()
    [[2.0, 3.0], [4.0, 5.0]]
    """
    for name, value in (("horizon", horizon), ("period", period)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    X = np.asarray(X, dtype=float)
    steps = np.arange(horizon)
    # How far before the origin each forecast step reads.
    back = period * (steps // period + 1) - steps
    if origins is None:
        if X.ndim != 4:
            raise ValueError(
                "X must be windows of shape (n_windows, n_steps, n_nodes, n_channels) without "
                f"origins; got shape {X.shape}."
            )
        if X.shape[1] < period:
            raise ValueError(
                f"the windows have {X.shape[1]} steps, fewer than the period {period}; pass "
                "the series and the forecast origins instead."
            )
        forecast = _forward_filled(X, axis=1)[:, X.shape[1] - back]
    else:
        if X.ndim != 3:
            raise ValueError(
                "X must be one series of shape (n_steps, n_nodes, n_channels) with origins; "
                f"got shape {X.shape}."
            )
        origins = np.asarray(origins)
        if origins.ndim != 1 or origins.dtype.kind not in "iu":
            raise ValueError("origins must be a 1-D array of integer steps.")
        if len(origins) and (origins.min() < period or origins.max() > len(X)):
            raise ValueError(
                f"origins must lie in [period, n_steps] = [{period}, {len(X)}]; got "
                f"{origins.min()} to {origins.max()}."
            )
        forecast = _forward_filled(X, axis=0)[origins[:, None] - back[None, :]]
    return np.where(np.isnan(forecast), fill_value, forecast)


def last_value_forecast(X, horizon):
    """The last-value forecast: repeat each series' last observed input value.

    The seasonal naive forecast of period 1 (see
    :func:`seasonal_naive_forecast`).

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
        Scaled input windows; NaN is missing.
    horizon : int
        Steps to forecast.

    Returns
    -------
    y_pred : ndarray of shape (n_windows, horizon, n_nodes, n_channels)
        The forecast; a series with no observation in its window gets 0,
        the training mean in scaled units.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.datasets import last_value_forecast
    >>> X = np.array([1.0, 2.0, np.nan]).reshape(1, 3, 1, 1)
    >>> last_value_forecast(X, horizon=2).ravel().tolist()
    [2.0, 2.0]
    """
    return seasonal_naive_forecast(X, horizon, 1)
