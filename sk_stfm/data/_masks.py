"""Masks, not NaNs: missing values become a boolean mask and a neutral fill."""

import numpy as np


def observed_mask(X):
    """Return the mask of observed (non-NaN) entries.

    Parameters
    ----------
    X : ndarray
        Data where NaN marks a missing value.

    Returns
    -------
    mask : ndarray of bool, same shape as ``X``
        ``True`` where a value was observed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import observed_mask
    >>> observed_mask(np.array([1.0, np.nan, 3.0]))
    array([ True, False,  True])
    """
    return ~np.isnan(X)


def fill_missing(X, value=0.0):
    """Return a copy of ``X`` with NaN replaced by ``value`` and its mask.

    Parameters
    ----------
    X : ndarray
        Data where NaN marks a missing value.
    value : float, default=0.0
        Fill value for missing entries.

    Returns
    -------
    filled : ndarray, same shape as ``X``
        ``X`` without NaN.
    mask : ndarray of bool, same shape as ``X``
        ``True`` where a value was observed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import fill_missing
    >>> filled, mask = fill_missing(np.array([1.0, np.nan, 3.0]))
    >>> filled, mask
    (array([1., 0., 3.]), array([ True, False,  True]))
    """
    mask = observed_mask(X)
    return np.where(mask, X, value), mask


def _previous_valid(mask):
    """Index of the last observed step at or before each step (-1 if none)."""
    steps = np.arange(mask.shape[1]).reshape(1, -1, 1, 1)
    return np.maximum.accumulate(np.where(mask, steps, -1), axis=1)


def _next_valid(mask):
    """Index of the first observed step at or after each step (n_steps if none)."""
    n_steps = mask.shape[1]
    steps = np.arange(n_steps).reshape(1, -1, 1, 1)
    later = np.where(mask, steps, n_steps)[:, ::-1]
    return np.minimum.accumulate(later, axis=1)[:, ::-1]


def fill_along_time(windows, strategy, fallback):
    """Fill NaN in 4-D windows along the time axis.

    Parameters
    ----------
    windows : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
        Windows with NaN for missing values.
    strategy : {"ffill", "linear", "mean"}
        ``"ffill"`` carries the last observation forward (leading gaps take
        the first observation); ``"linear"`` interpolates between the
        neighbouring observations (edges are held constant); ``"mean"`` uses
        ``fallback``.
    fallback : ndarray of shape (n_nodes, n_channels)
        Value for series with no observation at all (and for ``"mean"``).

    Returns
    -------
    filled : ndarray, same shape and dtype as ``windows``
        A new array without NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import fill_along_time
    >>> windows = np.array([np.nan, 1.0, np.nan, 3.0]).reshape(1, 4, 1, 1)
    >>> fill_along_time(windows, "linear", np.zeros((1, 1)))[0, :, 0, 0]
    array([1., 1., 2., 3.])
    """
    mask = ~np.isnan(windows)
    fallback = np.broadcast_to(fallback.astype(windows.dtype), windows.shape)
    if strategy == "mean":
        return np.where(mask, windows, fallback)
    prev = _previous_valid(mask)
    nxt = _next_valid(mask)
    n_steps = windows.shape[1]
    prev_clamped = np.clip(prev, 0, n_steps - 1)
    next_clamped = np.clip(nxt, 0, n_steps - 1)
    prev_value = np.take_along_axis(windows, prev_clamped, axis=1)
    next_value = np.take_along_axis(windows, next_clamped, axis=1)
    has_prev, has_next = prev >= 0, nxt < n_steps
    if strategy == "ffill":
        filled = np.where(has_prev, prev_value, next_value)
    else:
        steps = np.arange(n_steps).reshape(1, -1, 1, 1)
        gap = np.maximum(nxt - prev, 1)
        weight = ((steps - prev) / gap).astype(windows.dtype)
        inside = prev_value + weight * (next_value - prev_value)
        filled = np.where(has_prev & has_next, inside, np.where(has_prev, prev_value, next_value))
    filled = np.where(mask, windows, filled)
    return np.where(np.isnan(filled), fallback, filled)
