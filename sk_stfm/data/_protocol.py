"""Leakage-safe windows for a chronological train / validation / test protocol."""

import warnings
from dataclasses import dataclass

import numpy as np

from ._split import temporal_split
from ._stdata import STData
from ._validation import check_int, check_series
from ._windows import make_windows


@dataclass
class SplitWindows:
    """Windows of the three parts of a chronological protocol.

    :func:`split_windows` returns it; each field is also an attribute.

    Parameters
    ----------
    X_train, y_train : ndarray
        Input windows ``(n_windows, history, n_nodes, n_channels)`` and
        target windows ``(n_windows, horizon, n_nodes, n_channels)`` of the
        training part.
    X_val, y_val : ndarray
        Input and target windows of the validation part.
    X_test, y_test : ndarray
        Input and target windows of the test part.
    mean : ndarray of shape (n_nodes, n_channels)
        Training mean used for normalization (0 without normalization).
    scale : ndarray of shape (n_nodes, n_channels)
        Training standard deviation used for normalization (1 without).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import split_windows
    >>> windows = split_windows(np.arange(100.0), 60, 20, 20, history=10, horizon=5)
    >>> windows.X_test.shape, windows.y_test.shape
    ((16, 10, 1, 1), (16, 5, 1, 1))
    >>> restored = windows.y_test * windows.scale + windows.mean  # original units
    >>> restored[0, :, 0, 0].round(3)
    array([80., 81., 82., 83., 84.])
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    scale: np.ndarray


def training_statistics(train):
    """Mean and standard deviation of each node and channel over the training steps.

    Parameters
    ----------
    train : ndarray of shape (n_steps, n_nodes, n_channels)
        Training values; NaN is missing.

    Returns
    -------
    mean, scale : ndarray of shape (n_nodes, n_channels)
        NaN-ignoring statistics in float64. A series that is constant or
        never observed gets a scale of 1 (and, if never observed, a mean of
        0), so that scaling leaves it finite.
    """
    train = np.asarray(train, dtype=np.float64)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        # A never-observed series: its NaN statistics are replaced below.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(train, axis=0)
        scale = np.nanstd(train, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    return mean, scale


def split_windows(
    data, train, val, test, history, horizon, *, normalize=True, train_stride=1, dtype=np.float32
):
    """Split a series in time, normalize with training statistics, and window it.

    This is the protocol of the long-term forecasting literature (Informer,
    DLinear, PatchTST): validation and test windows start ``history`` rows
    before their part so that their first target is the part's first row;
    statistics come from the training rows only; test windows use stride 1.

    Parameters
    ----------
    data : STData or array-like of shape (n_steps, n_nodes, n_channels)
        The series.
    train, val, test : int or float
        Sizes of the parts, as in :func:`temporal_split`.
    history : int
        Input steps per window.
    horizon : int
        Target steps per window.
    normalize : bool, default=True
        Z-score every node and channel with the training mean and std.
    train_stride : int, default=1
        Stride of the training windows (validation and test use 1).
    dtype : numpy dtype, default=np.float32
        Dtype of the returned windows.

    Returns
    -------
    windows : SplitWindows
        The windows and the normalization statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import split_windows
    >>> w = split_windows(np.arange(100.0), 60, 20, 20, history=10, horizon=5)
    >>> w.X_train.shape, w.X_val.shape, w.X_test.shape
    ((46, 10, 1, 1), (16, 10, 1, 1), (16, 10, 1, 1))
    """
    values = check_series(data.values if isinstance(data, STData) else data, name="data")
    history = check_int(history, "history")
    horizon = check_int(horizon, "horizon", minimum=0)
    train_stride = check_int(train_stride, "train_stride")
    dtype = _check_float_dtype(dtype)
    parts = temporal_split(values, train, val, test, overlap=history)
    if normalize:
        mean, scale = training_statistics(parts[0])
    else:
        mean = np.zeros(values.shape[1:])
        scale = np.ones(values.shape[1:])
    normalized = [((p - mean) / scale).astype(dtype) for p in parts]
    windows = []
    for part, values_of_part, stride in zip(
        ("train", "val", "test"), normalized, (train_stride, 1, 1), strict=True
    ):
        if len(values_of_part) < history + horizon:
            raise ValueError(
                f"The {part} part of data has {len(values_of_part)} steps, fewer than "
                f"history + horizon = {history + horizon}; enlarge {part} or shorten "
                "the windows."
            )
        windows.extend(make_windows(values_of_part, history, horizon, stride=stride))
    return SplitWindows(*windows, mean, scale)


def _check_float_dtype(dtype):
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating-point numpy dtype; got {dtype!r}.") from None
    if dtype is None or resolved.kind != "f":
        raise TypeError(f"dtype must be a floating-point numpy dtype; got {dtype!r}.")
    return resolved
