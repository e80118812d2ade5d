"""Sliding windows over a long spatio-temporal array, as zero-copy views."""

from numpy.lib.stride_tricks import sliding_window_view

from ._stdata import STData
from ._validation import check_int, check_series


def make_windows(data, history, horizon, stride=1):
    """Cut a long series into (history, horizon) window pairs without copying.

    Window ``i`` covers rows ``[i * stride, i * stride + history)`` as input
    and the ``horizon`` rows right after it as target. Both outputs are
    read-only strided views of the input (:func:`numpy.lib.stride_tricks.sliding_window_view`),
    so windowing a million steps costs no memory; copy them before writing.

    Parameters
    ----------
    data : STData or array-like of shape (n_steps, n_nodes, n_channels)
        The series. 1-D input is one channel of one node, 2-D input
        ``(n_steps, n_channels)`` is one node.
    history : int
        Number of input steps per window (look-back).
    horizon : int
        Number of target steps per window; ``0`` gives empty targets, for
        tasks without a future (encoding, imputation).
    stride : int, default=1
        Steps between the starts of consecutive windows.

    Returns
    -------
    X : ndarray of shape (n_windows, history, n_nodes, n_channels)
        Input windows, a view of ``data``.
    y : ndarray of shape (n_windows, horizon, n_nodes, n_channels)
        Target windows, a view of ``data``.

    Raises
    ------
    ValueError
        If the series is shorter than ``history + horizon`` or has more than
        three dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> series = np.arange(10.0).reshape(10, 1, 1)
    >>> X, y = make_windows(series, history=4, horizon=2, stride=2)
    >>> X.shape, y.shape
    ((3, 4, 1, 1), (3, 2, 1, 1))
    >>> X[1, :, 0, 0], y[1, :, 0, 0]
    (array([2., 3., 4., 5.]), array([6., 7.]))
    """
    values = data.values if isinstance(data, STData) else data
    values = check_series(values, name="data")
    history = check_int(history, "history")
    horizon = check_int(horizon, "horizon", minimum=0)
    stride = check_int(stride, "stride")
    length = history + horizon
    n_steps = values.shape[0]
    if n_steps < length:
        raise ValueError(
            f"data has {n_steps} steps, fewer than history + horizon = {length}; "
            "shorten the windows or pass a longer series."
        )
    # sliding_window_view puts the window axis last: (n, N, C, L) -> (n, L, N, C).
    windows = sliding_window_view(values, length, axis=0)[::stride]
    windows = windows.transpose(0, 3, 1, 2)
    return windows[:, :history], windows[:, history:]
