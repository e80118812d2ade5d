"""Loader for NYCBike1, hourly bike flows on a 16 x 8 grid over New York City.

ST-SSL publishes NYCBike1 as windows (``x`` of 19 past frames, ``y`` the next
frame). Consecutive windows overlap, so the hourly frames they were cut from
can be rebuilt exactly, and the frames are 7 times smaller than the windows:
sk_stfm ships the rebuilt frames and cuts the published windows again on
request (:func:`nycbike1_windows`), bit for bit.
"""

import io

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..data import STData
from ._files import _context, _read_verified, _read_verified_npy

# ST-SSL's x_offsets: the 4 latest hours, and the 5 hours centred on the
# target's hour of day on each of the 3 previous days (the target is at +1).
NYCBIKE1_X_OFFSETS = (-73, -72, -71, -70, -69, -49, -48, -47, -46, -45,
                      -25, -24, -23, -22, -21, -3, -2, -1, 0)  # fmt: skip
NYCBIKE1_Y_OFFSETS = (1,)
NYCBIKE1_GRID_SHAPE = (16, 8)

# Rows of the shipped frames (1,369 hours from 2014-08-04 23:00) that each
# split's windows were cut from: 431 validation and 864 test windows, each
# spanning 75 hours, so a split of n windows covers n + 74 frames.
_FIRST_FRAME = pd.Timestamp("2014-08-04 23:00")
_SPLIT_ROWS = {"val": (0, 505), "test": (431, 1369)}
_ANCHOR = -min(NYCBIKE1_X_OFFSETS)


def _check_split(split):
    if split not in _SPLIT_ROWS:
        raise ValueError(f"split must be 'test' or 'val'; got {split!r}.")
    return _SPLIT_ROWS[split]


def _rebuild_series(x, y, x_offsets):
    """Rebuild the frames that ST-SSL's consecutive windows were cut from.

    Frame ``s`` is window ``i``'s input at offset ``o`` when
    ``s = i + 73 + o`` and window ``i``'s target when ``s = i + 74``. The
    frames are filled from the targets and then from every input; each
    repeated occurrence of a frame must equal the first (checked), so the
    result holds every published value. This is how the shipped file was
    made from ST-SSL's ``val.npz`` and ``test.npz``.
    """
    x_offsets = np.asarray(x_offsets).ravel()
    anchor = -int(x_offsets.min())
    n_windows = len(x)
    series = np.full((n_windows + anchor + 1, *x.shape[2:]), np.nan)
    series[anchor + 1 :] = y[:, 0]
    for k, offset in enumerate(x_offsets):
        rows = anchor + offset + np.arange(n_windows)
        known = ~np.isnan(series[rows]).all(axis=tuple(range(1, series.ndim)))
        if not np.array_equal(series[rows][known], x[known, k]):
            raise ValueError("The windows are not consecutive: a frame differs between windows.")
        series[rows] = x[:, k]
    return series


def load_nycbike1(split="test", *, data_home=None):
    """Load NYCBike1, hourly bike inflow and outflow on a 16 x 8 grid.

    Hourly Citi Bike inflow and outflow (raw counts, 0 to 239) of the
    16 x 8 grid cells over New York City: the BikeNYC data of ST-ResNet
    (Zhang et al., AAAI 2017) as released by ST-SSL (Ji et al., AAAI 2023).
    ST-SSL releases windows, not series. Each window ``i`` holds 19 past
    frames, at the hour offsets ``x_offsets`` = -73..-69, -49..-45,
    -25..-21 and -3..0 around its anchor hour ``t_i``, and the target frame
    at ``t_i + 1``; consecutive windows have consecutive anchors.

    **What is rebuilt.** This loader returns the hourly frames that a
    split's windows were cut from: frame ``73 + i + o`` of the series is
    window ``i``'s input at offset ``o``, and frame ``74 + i`` its target,
    so ``n`` windows rebuild ``n + 74`` frames. Every frame occurs in
    several windows, and all occurrences agree: the rebuild is lossless, and
    :func:`nycbike1_windows` cuts the published windows again, bit for bit.
    The test split (864 windows) gives 938 frames, from 2014-08-22 22:00 to
    2014-09-30 23:00; the validation split (431 windows) 505 frames, from
    2014-08-04 23:00 to 2014-08-25 23:00. The splits share 74 frames, the
    last validation frames, which are the input history of the first test
    windows; no test target is among the validation frames. The training
    windows (over 4 MiB) are not shipped.

    The timestamps are inferred, not in the release: BikeNYC spans
    2014-04-01 00:00 to 2014-09-30 23:00 (4,392 hours, hence 4,318
    windows, split 7:1:2 into 3,023 / 431 / 864), and the rebuilt frames
    show the expected cycles with these times (least traffic at 4 h, peaks
    at 8 h and 17-18 h, quiet weekends and Labor Day, 2014-09-01).

    Parameters
    ----------
    split : {"test", "val"}, default="test"
        Which ST-SSL split to rebuild.
    data_home : str or path-like or None, default=None
        Folder that holds the data files. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (938, 128, 2) for ``"test"``, (505, 128, 2) for
        ``"val"``, float64, channels ``["inflow", "outflow"]``; the 128
        nodes are the cells of ``grid_shape=(16, 8)`` in row-major order
        (node ``8 * r + c`` is row ``r``, column ``c``); ``adjacency`` the
        binary, symmetric 8-neighbour grid graph of ST-SSL, a
        :class:`scipy.sparse.csr_array` with 884 entries and no self loops;
        ``timestamps`` hourly (``freq="h"``); ``kind="grid"``.

    Raises
    ------
    ValueError
        If ``split`` is not ``"test"`` or ``"val"``, or a file's sha256
        differs from the registered one (a corrupted installation).
    FileNotFoundError
        If a file is missing.

    See Also
    --------
    nycbike1_windows : The published windows of the ST-SSL protocol.

    Examples
    --------
    >>> from sk_stfm.datasets import load_nycbike1
    >>> data = load_nycbike1()
    >>> data.values.shape, data.grid_shape, data.channel_names
    ((938, 128, 2), (16, 8), ['inflow', 'outflow'])
    >>> frames = data.values.reshape(-1, 16, 8, 2)
    >>> str(data.timestamps[0]), data.adjacency.nnz
    ('2014-08-22 22:00:00', 884)
    """
    start, stop = _check_split(split)
    frames = _read_verified_npy("nycbike1_flows.npy.gz", data_home)
    with np.load(
        io.BytesIO(_read_verified("nycbike1_adj_mx.npz.gz", data_home)), allow_pickle=False
    ) as archive:
        adjacency = sp.csr_array(archive["adj_mx"].astype(np.float64))
    adjacency.sort_indices()
    context = _context("nycbike1")
    if split == "val":
        context["description"] += " This is the validation split."
    return STData(
        values=frames[start:stop].astype(np.float64),
        timestamps=pd.date_range(
            _FIRST_FRAME + pd.Timedelta(hours=start), periods=stop - start, freq="h"
        ),
        adjacency=adjacency,
        grid_shape=NYCBIKE1_GRID_SHAPE,
        channel_names=["inflow", "outflow"],
        **context,
    )


def nycbike1_windows(split="test", *, data_home=None):
    """Return NYCBike1's windows exactly as ST-SSL publishes them.

    The ST-SSL protocol: window ``i`` (anchor hour ``t = 73 + i`` of the
    series of :func:`load_nycbike1`) has as input the 19 frames at the hour
    offsets ``x_offsets`` = -73..-69, -49..-45, -25..-21, -3..0 from ``t``
    (the 4 latest hours, and the 5 hours centred on the target's hour of
    day on each of the 3 previous days), and as target the frame at ``t + 1``
    (``y_offsets = [1]``). Errors are MAE and MAPE computed only where the
    true value exceeds 5 (ST-SSL's mask threshold); the published errors are
    in :func:`published_baselines` (``"NYCBike1"``). The arrays equal
    ST-SSL's ``x`` and ``y`` in ``test.npz`` / ``val.npz`` bit for bit.

    Parameters
    ----------
    split : {"test", "val"}, default="test"
        Which ST-SSL split.
    data_home : str or path-like or None, default=None
        Folder that holds the data files. ``None`` uses the files shipped with
        sk_stfm.

    Returns
    -------
    X : ndarray of shape (n_windows, 19, 128, 2)
        Input frames, float64; ``n_windows`` is 864 for ``"test"`` and 431
        for ``"val"``. Axis 1 follows ``x_offsets``; nodes are the row-major
        cells of the 16 x 8 grid, channels inflow and outflow.
    y : ndarray of shape (n_windows, 1, 128, 2)
        Target frame of each window, float64. Window ``i``'s target is at
        ``load_nycbike1(split).timestamps[74 + i]``.

    Raises
    ------
    ValueError
        If ``split`` is not ``"test"`` or ``"val"``, or a file fails its
        checksum.

    See Also
    --------
    load_nycbike1 : The hourly series the windows are cut from.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.datasets import load_nycbike1, nycbike1_windows
    >>> X, y = nycbike1_windows("test")
    >>> X.shape, y.shape
    ((864, 19, 128, 2), (864, 1, 128, 2))
    >>> series = load_nycbike1("test").values
    >>> bool(np.array_equal(y[:, 0], series[74:]))
    True

    The last input frame repeated as the forecast gives the published
    naive inflow MAE (10.70):

    >>> true, last = y[:, 0, :, 0], X[:, -1, :, 0]
    >>> round(float(np.abs(true - last)[true > 5].mean()), 2)
    10.7
    """
    start, stop = _check_split(split)
    frames = _read_verified_npy("nycbike1_flows.npy.gz", data_home)[start:stop]
    series = frames.astype(np.float64)
    anchors = _ANCHOR + np.arange(len(series) - _ANCHOR - 1)
    X = series[anchors[:, None] + np.asarray(NYCBIKE1_X_OFFSETS)[None, :]]
    y = series[anchors[:, None] + np.asarray(NYCBIKE1_Y_OFFSETS)[None, :]]
    return X, y
