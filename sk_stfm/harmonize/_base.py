"""The template every harmonization transformer follows.

Public ``fit`` / ``transform`` validate input and bring it to 4-D windows
``(n_samples, n_steps, n_nodes, n_channels)``; subclasses implement only
``_fit`` and ``_transform`` on those windows. Outputs come back in the
layout of the input (2-D rows, 3-D single node, or 4-D).
"""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..data import WINDOW_SHAPE_DOC, as_windows, input_ndim, restore_layout
from ..data._validation import check_windows_input
from ..utils._compat import fit_context
from ..utils._test_params import TestParamsMixin

FLOAT_DTYPES = (np.float64, np.float32)


class BaseSTTransformer(TestParamsMixin, TransformerMixin, BaseEstimator):
    """Base class of the NaN-aware transformers on spatio-temporal windows.

    Subclasses implement ``_fit(windows)`` (optional, for statistics) and
    ``_transform(windows)``, both on 4-D windows.

    Notes
    -----
    Statistics are taken over the sample and time axes, separately for each
    node and channel, so they keep their meaning whatever the window length.
    Windows cut with overlap count a step several times; this weights the
    statistics evenly in practice and keeps transformers stateless about how
    the windows were made.

    Examples
    --------
    A transformer that subtracts the training maximum of each node and
    channel; validation, layouts and NaN handling come from the base class:

    >>> import numpy as np
    >>> from sk_stfm.harmonize import BaseSTTransformer
    >>> class MaxShift(BaseSTTransformer):
    ...     def __init__(self, *, window_shape=None):
    ...         self.window_shape = window_shape
    ...     def _fit(self, windows):
    ...         self.max_ = np.nanmax(windows, axis=(0, 1))
    ...     def _transform(self, windows):
    ...         return windows - self.max_
    >>> X = np.arange(6.0).reshape(1, 3, 1, 2)
    >>> MaxShift().fit_transform(X)[0, :, 0]
    array([[-4., -4.],
           [-2., -2.],
           [ 0.,  0.]])
    """

    _parameter_constraints: dict = {"window_shape": [tuple, list, None]}

    def _check_windows(self, X, *, reset):
        """Validate ``X`` and return ``(windows, ndim_of_input)``."""
        check_windows_input(X)
        tags = self.__sklearn_tags__()
        finite = "allow-nan" if tags.input_tags.allow_nan else True
        if input_ndim(X) <= 2:
            X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite=finite)
        else:
            X = check_array(
                X,
                allow_nd=True,
                dtype=FLOAT_DTYPES,
                ensure_all_finite=finite,
                input_name="X",
            )
            if reset:
                self.n_features_in_ = int(np.prod(X.shape[1:]))
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
        windows = as_windows(X, self.window_shape)
        if windows.shape[1] == 0:
            raise ValueError(
                f"X must have shape {WINDOW_SHAPE_DOC} with n_steps >= 1; got {windows.shape}."
            )
        if reset:
            self.n_nodes_, self.n_channels_ = windows.shape[2], windows.shape[3]
        elif windows.shape[2:] != (self.n_nodes_, self.n_channels_):
            raise ValueError(
                f"X has n_nodes={windows.shape[2]} and n_channels={windows.shape[3]}, "
                f"but {type(self).__name__} was fitted with n_nodes={self.n_nodes_} "
                f"and n_channels={self.n_channels_}; expected windows of shape "
                f"(n_samples, n_steps, {self.n_nodes_}, {self.n_channels_})."
            )
        return windows, X.ndim

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn what the transformer needs from the windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows; 2-D input ``(n_samples, n_features)`` is read through
            ``window_shape`` and 3-D input ``(n_samples, n_steps, n_channels)``
            as one node. NaN marks a missing value.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        windows, _ = self._check_windows(X, reset=True)
        self._fit(windows)
        return self

    def transform(self, X):
        """Transform the windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows, in any layout accepted by :meth:`fit`.

        Returns
        -------
        X_out : ndarray
            The transformed windows, in the layout of ``X``.
        """
        check_is_fitted(self)
        windows, ndim = self._check_windows(X, reset=False)
        return restore_layout(self._transform(windows), ndim)

    def _fit(self, windows):
        """Learn statistics from 4-D windows; stateless transformers skip it."""

    def _transform(self, windows):  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def nan_reduce(func, windows):
    """Apply a NaN-aware reduction over samples and time, per node and channel.

    All-NaN node-channels give NaN without a warning; callers choose the
    neutral value.
    """
    flat = windows.reshape(-1, windows.shape[2], windows.shape[3]).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(flat, axis=0)
