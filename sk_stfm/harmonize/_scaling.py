"""Z-score scaling per node and channel, with NaN-aware statistics."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..data import restore_layout
from ._base import BaseSTTransformer, nan_reduce


class STStandardScaler(BaseSTTransformer):
    """Standardize each node and channel to zero mean and unit variance.

    Statistics are computed over samples and time, separately for every
    ``(node, channel)`` pair, ignoring NaN; NaN stays NaN. A constant or
    all-missing pair gets scale 1 (and mean 0 when all missing), so it
    passes through unchanged instead of dividing by zero.

    Parameters
    ----------
    with_mean : bool, default=True
        Whether to center.
    with_std : bool, default=True
        Whether to scale to unit variance.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    mean_ : ndarray of shape (n_nodes, n_channels)
        Mean per node and channel (0 when ``with_mean=False``).
    scale_ : ndarray of shape (n_nodes, n_channels)
        Standard deviation per node and channel (1 when ``with_std=False``).
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The per-column scaler for tables.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import STStandardScaler
    >>> X = np.array([1.0, 2.0, np.nan, 3.0]).reshape(1, 4, 1, 1)
    >>> scaler = STStandardScaler().fit(X)
    >>> scaler.mean_, scaler.scale_.round(3)
    (array([[2.]]), array([[0.816]]))
    >>> np.allclose(scaler.inverse_transform(scaler.transform(X)), X, equal_nan=True)
    True
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    _test_params = [{}, {"with_mean": False}]

    def __init__(self, *, with_mean=True, with_std=True, window_shape=None):
        self.with_mean = with_mean
        self.with_std = with_std
        self.window_shape = window_shape

    def _fit(self, windows):
        mean = nan_reduce(np.nanmean, windows)
        std = nan_reduce(np.nanstd, windows)
        self.mean_ = np.where(np.isnan(mean), 0.0, mean) if self.with_mean else np.zeros_like(mean)
        usable = np.isfinite(std) & (std > np.finfo(np.float64).eps)
        self.scale_ = np.where(usable, std, 1.0) if self.with_std else np.ones_like(std)

    def _transform(self, windows):
        return ((windows - self.mean_) / self.scale_).astype(windows.dtype, copy=False)

    def inverse_transform(self, X):
        """Undo the scaling.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Scaled windows, in any layout accepted by :meth:`fit`.

        Returns
        -------
        X_original : ndarray
            Windows in the original units, in the layout of ``X``.
        """
        check_is_fitted(self)
        windows, ndim = self._check_windows(X, reset=False)
        restored = (windows * self.scale_ + self.mean_).astype(windows.dtype, copy=False)
        return restore_layout(restored, ndim)
