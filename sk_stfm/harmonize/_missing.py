"""Filling missing values along time: forward fill, linear interpolation, mean."""

import numpy as np

from ..data import fill_along_time
from ..utils._compat import StrOptions
from ._base import BaseSTTransformer, nan_reduce


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
