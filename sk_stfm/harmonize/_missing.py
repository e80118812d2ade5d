"""Filling missing values along time: forward fill, linear interpolation, mean."""

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ._base import BaseSTTransformer, nan_reduce


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
        filled = np.where(
            has_prev & has_next, inside, np.where(has_prev, prev_value, next_value)
        )
    filled = np.where(mask, windows, filled)
    return np.where(np.isnan(filled), fallback, filled)


class MissingValueImputer(BaseSTTransformer):
    """Fill missing values (NaN) along the time axis of each window.

    Parameters
    ----------
    strategy : {"ffill", "linear", "mean"}, default="linear"
        ``"ffill"``: carry the last observation forward, leading gaps take
        the first observation. ``"linear"``: interpolate linearly in time
        between observations, holding the edges constant. ``"mean"``: the
        training mean of the node and channel.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    fill_values_ : ndarray of shape (n_nodes, n_channels)
        Training mean per node and channel (0 where nothing was observed),
        used for ``"mean"`` and for windows where a series is entirely missing.
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import MissingValueImputer
    >>> X = np.array([[np.nan, 1.0, np.nan, 3.0, np.nan]])
    >>> MissingValueImputer(strategy="linear").fit_transform(X)
    array([[1., 1., 2., 3., 3.]])
    >>> MissingValueImputer(strategy="ffill").fit_transform(X)
    array([[1., 1., 1., 3., 3.]])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "strategy": [StrOptions({"ffill", "linear", "mean"})],
    }

    _test_params = [{"strategy": s} for s in ("ffill", "linear", "mean")]

    def __init__(self, *, strategy="linear", window_shape=None):
        self.strategy = strategy
        self.window_shape = window_shape

    def _fit(self, windows):
        mean = nan_reduce(np.nanmean, windows)
        self.fill_values_ = np.where(np.isnan(mean), 0.0, mean)

    def _transform(self, windows):
        return fill_along_time(windows, self.strategy, self.fill_values_)
