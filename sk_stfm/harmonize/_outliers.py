"""Clipping outliers to bounds learned per node and channel."""

import numbers

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._base import BaseSTTransformer, nan_reduce

_DEFAULT_FACTOR = {"iqr": 1.5, "zscore": 3.0}


class OutlierClipper(BaseSTTransformer):
    """Clip values outside robust bounds learned per node and channel.

    Parameters
    ----------
    method : {"iqr", "zscore"}, default="iqr"
        ``"iqr"``: bounds ``[Q1 - factor * IQR, Q3 + factor * IQR]`` (Tukey's
        fences). ``"zscore"``: bounds ``mean +/- factor * std``.
    factor : float or None, default=None
        Width of the bounds; ``None`` means 1.5 for ``"iqr"`` and 3.0 for
        ``"zscore"``.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    lower_ : ndarray of shape (n_nodes, n_channels)
        Lower bound per node and channel (``-inf`` where nothing was observed).
    upper_ : ndarray of shape (n_nodes, n_channels)
        Upper bound per node and channel (``inf`` where nothing was observed).
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Notes
    -----
    NaN is left in place: filling is :class:`MissingValueImputer`'s job.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import OutlierClipper
    >>> X = np.array([[1.0, 2.0, 3.0, 4.0, 100.0]])
    >>> OutlierClipper(method="iqr").fit_transform(X)
    array([[1., 2., 3., 4., 7.]])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "method": [StrOptions({"iqr", "zscore"})],
        "factor": [Interval(numbers.Real, 0, None, closed="neither"), None],
    }

    _test_params = [{}, {"method": "zscore", "factor": 2.0}]

    def __init__(self, *, method="iqr", factor=None, window_shape=None):
        self.method = method
        self.factor = factor
        self.window_shape = window_shape

    def _fit(self, windows):
        factor = _DEFAULT_FACTOR[self.method] if self.factor is None else self.factor
        if self.method == "iqr":
            q1 = nan_reduce(lambda a, axis: np.nanpercentile(a, 25, axis=axis), windows)
            q3 = nan_reduce(lambda a, axis: np.nanpercentile(a, 75, axis=axis), windows)
            lower, upper = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
        else:
            mean = nan_reduce(np.nanmean, windows)
            std = nan_reduce(np.nanstd, windows)
            lower, upper = mean - factor * std, mean + factor * std
        self.lower_ = np.where(np.isnan(lower), -np.inf, lower)
        self.upper_ = np.where(np.isnan(upper), np.inf, upper)

    def _transform(self, windows):
        return np.clip(windows, self.lower_, self.upper_).astype(windows.dtype, copy=False)
