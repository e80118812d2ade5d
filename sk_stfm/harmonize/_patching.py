"""Temporal patching: windows become sequences of patch tokens."""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..utils._compat import Interval
from ._base import BaseSTTransformer


class TemporalPatcher(BaseSTTransformer):
    """Cut each window into (possibly overlapping) patches along time.

    A window ``(n_steps, n_nodes, n_channels)`` becomes ``n_patches`` tokens
    per node, each holding ``patch_len`` consecutive steps of all channels,
    as in PatchTST. Patch ``p`` covers steps ``[p * stride, p * stride +
    patch_len)``; trailing steps that do not fill a patch are dropped.

    Parameters
    ----------
    patch_len : int, default=16
        Steps per patch.
    stride : int or None, default=None
        Steps between patch starts; ``None`` means ``patch_len``
        (non-overlapping patches).
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    n_patches_ : int
        Number of patches per window of the length seen in ``fit``.
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Notes
    -----
    The output has shape ``(n_samples, n_patches, n_nodes, patch_len *
    n_channels)``; inside a token the values are ordered time-major
    (``token[t * n_channels + c]`` is step ``t``, channel ``c``). 2-D input
    gives 2-D output with the tokens flattened.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import TemporalPatcher
    >>> X = np.arange(8.0).reshape(1, 8, 1, 1)
    >>> tokens = TemporalPatcher(patch_len=4, stride=2).fit_transform(X)
    >>> tokens.shape
    (1, 3, 1, 4)
    >>> tokens[0, :, 0]
    array([[0., 1., 2., 3.],
           [2., 3., 4., 5.],
           [4., 5., 6., 7.]])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "patch_len": [Interval(numbers.Integral, 1, None, closed="left")],
        "stride": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }
    _test_params = [{"patch_len": 1}, {"patch_len": 1, "stride": 2}]

    def __init__(self, *, patch_len=16, stride=None, window_shape=None):
        self.patch_len = patch_len
        self.stride = stride
        self.window_shape = window_shape

    def _n_patches(self, n_steps):
        if n_steps < self.patch_len:
            raise ValueError(
                f"X has windows of n_steps={n_steps}, shorter than "
                f"patch_len={self.patch_len}; use a smaller patch_len."
            )
        stride = self.stride or self.patch_len
        return (n_steps - self.patch_len) // stride + 1

    def _fit(self, windows):
        self.n_patches_ = self._n_patches(windows.shape[1])

    def _transform(self, windows):
        n_samples, n_steps, n_nodes, n_channels = windows.shape
        n_patches = self._n_patches(n_steps)
        stride = self.stride or self.patch_len
        # (n, n_starts, N, C, patch_len) -> (n, P, N, patch_len, C) -> tokens.
        patches = sliding_window_view(windows, self.patch_len, axis=1)[:, ::stride]
        patches = patches[:, :n_patches].transpose(0, 1, 2, 4, 3)
        # reshape may return a read-only view of the input; always hand back a
        # fresh array.
        return np.array(patches.reshape(n_samples, n_patches, n_nodes, self.patch_len * n_channels))
