"""``baseline="auto"``: a short series may be better forecast by a naive rule.

A network trained on the few windows of a short series (a few years of
quarterly data, a week of half-hours) can lose to repeating the last
season. With ``baseline="auto"`` the sktime forecaster holds out the last
``max(fh)`` steps of the series, fits the network on the steps before
them, and compares its error there with the naive and seasonal naive
forecasts from the same origin: the rule with the lowest error forecasts
(the network on ties). Only a series whose windows are too few for the
network to validate itself is checked (fewer than ``MAX_WINDOWS``):
longer series train an early-stopped network on their own validation
part.
"""

import numpy as np

from ..datasets import seasonal_naive_forecast

#: Series with this many training windows or more skip the check.
MAX_WINDOWS = 500
STRATEGIES = ("model", "naive", "seasonal_naive")


def naive_forecasts(targets, origin, horizon, period):
    """Naive and seasonal naive forecasts of ``targets`` from ``origin``.

    Parameters
    ----------
    targets : ndarray of shape (n_steps, n_nodes, n_targets)
        The observed series; NaN is missing.
    origin : int
        Step of the first forecast value (``n_steps`` to forecast the future).
    horizon : int
        Steps to forecast.
    period : int or None
        Season length; ``None`` (or one longer than the steps before
        ``origin``) gives no seasonal naive forecast.

    Returns
    -------
    forecasts : dict of str to ndarray of shape (horizon, n_nodes, n_targets)
        ``"naive"`` and, when a season fits, ``"seasonal_naive"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.forecasting._baseline_choice import naive_forecasts
    >>> series = np.tile([1.0, 2.0, 3.0], 4)[:, None, None]
    >>> {k: v.ravel().tolist() for k, v in naive_forecasts(series, 12, 3, 3).items()}
    {'naive': [3.0, 3.0, 3.0], 'seasonal_naive': [1.0, 2.0, 3.0]}
    """
    forecasts = {"naive": seasonal_naive_forecast(targets, horizon, 1, origins=[origin])[0]}
    if period is not None and 1 < period <= origin:
        forecasts["seasonal_naive"] = seasonal_naive_forecast(
            targets, horizon, period, origins=[origin]
        )[0]
    return forecasts


def mean_absolute_error(forecast, truth):
    """MAE over the observed entries of ``truth`` (``inf`` when none is observed)."""
    observed = ~np.isnan(truth)
    if not observed.any():
        return np.inf
    return float(np.mean(np.abs(forecast[observed] - truth[observed])))


def choose_strategy(errors):
    """The strategy with the lowest validation error; the model wins ties.

    Parameters
    ----------
    errors : dict of str to float
        Validation MAE of ``"model"`` and the naive rules.

    Returns
    -------
    strategy : str
        One of ``STRATEGIES``.

    Examples
    --------
    >>> from sk_stfm.forecasting._baseline_choice import choose_strategy
    >>> choose_strategy({"model": 1.0, "naive": 2.0, "seasonal_naive": 0.5})
    'seasonal_naive'
    >>> choose_strategy({"model": 1.0, "naive": 1.0})
    'model'
    """
    best = min(errors.values())
    return "model" if errors["model"] <= best else min(errors, key=errors.get)
