"""Loader for KNMI radar precipitation frames, read from a file the user provides.

The frames are not bundled: KNMI publishes its open data under CC BY 4.0, but
no stored KNMI page states the terms of this 2010 product, and the copy it
comes from (pysteps-data) has no license. The loader reads the user's copy,
an ``.npz`` of plain numeric arrays (``allow_pickle=False``).
"""

import zipfile

import numpy as np
import pandas as pd

from ..data import STData
from ..data._validation import check_int
from ._files import check_path
from ._registry import DATASETS

KNMI_RADAR_FILENAME = "knmi_rad_nl25_rap_5min_20100826_0000-0735.npz"
# KNMI's HDF5 calibration: precipitation = 0.01 * pixel value (mm), 65535 = no data.
_NO_DATA = 65535
_PIXELS_PER_MM = 100.0
_LAYOUT = (
    "an .npz file (numpy.savez or savez_compressed, no pickled objects) holding "
    "'precip_0p01mm', a (n_frames, H, W) integer array of 5-minute precipitation "
    "in 0.01 mm with 65535 for no data, and 'times_utc', n_frames strings "
    "YYYYMMDDHHMM (UTC, end of each accumulation window)"
)


def _knmi_file(path, data_home):
    if path is not None and data_home is not None:
        raise ValueError(
            "Pass either path (the .npz file) or data_home (the folder that holds "
            f"{KNMI_RADAR_FILENAME!r}), not both."
        )
    if path is None and data_home is None:
        raise FileNotFoundError(
            "The KNMI radar frames are not bundled with sk_stfm (their license is "
            "not confirmed for redistribution). Pass path=, the location of "
            f"{_LAYOUT}, or data_home=, a folder that holds such a file named "
            f"{KNMI_RADAR_FILENAME!r}. To build it, stack image1/image_data of "
            "the 92 files radar/KNMI/2010/08/RAD_NL25_RAP_5min_20100826*.h5 of "
            "the pySTEPS/pysteps-data repository."
        )
    if path is not None:
        file = check_path(path, "path")
    else:
        file = check_path(data_home, "data_home") / KNMI_RADAR_FILENAME
    if not file.is_file():
        what = "path" if path is not None else "data_home"
        raise FileNotFoundError(
            f"No KNMI radar file at {str(file)!r} (from {what}=). Provide {_LAYOUT}."
        )
    return file


def _open_archive(file, source):
    """The ``.npz`` archive at ``file``; anything else is refused naming ``source``."""
    try:
        archive = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"The KNMI radar file {str(file)!r} (from {source}=) is not an .npz archive; "
            f"expected {_LAYOUT} ({error})."
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"The KNMI radar file {str(file)!r} (from {source}=) holds a single array, "
            f"not an .npz archive; expected {_LAYOUT}."
        )
    return archive


def _read_frames(file, source="path"):
    with _open_archive(file, source) as archive:
        missing = {"precip_0p01mm", "times_utc"} - set(archive.files)
        if missing:
            raise ValueError(
                f"The KNMI radar file {str(file)!r} lacks the arrays {sorted(missing)}; "
                f"expected {_LAYOUT}."
            )
        raw = archive["precip_0p01mm"]
        times = archive["times_utc"]
    if raw.ndim != 3 or raw.dtype.kind not in "iu":
        raise ValueError(
            "precip_0p01mm must be an integer array of shape (n_frames, H, W); got "
            f"dtype {raw.dtype} and shape {raw.shape}."
        )
    times = np.asarray(times).ravel()
    if times.dtype.kind == "S":
        times = np.char.decode(times, "ascii")
    if len(times) != len(raw):
        raise ValueError(f"times_utc must hold one time per frame, {len(raw)}; got {len(times)}.")
    timestamps = pd.DatetimeIndex(
        pd.to_datetime(times.astype(str), format="%Y%m%d%H%M", utc=True), name="time"
    )
    steps = timestamps[1:] - timestamps[:-1]
    if len(timestamps) > 1 and (steps == pd.Timedelta("5min")).all():
        timestamps = pd.DatetimeIndex(timestamps, freq="5min")
    return raw, timestamps


def _block_mean(raw, factor):
    """Mean of ``factor x factor`` pixel blocks in mm; NaN if any pixel lacks data."""
    n_frames, height, width = raw.shape
    rows, cols = height // factor, width // factor
    out = np.empty((n_frames, rows, cols))
    # One frame at a time: a float copy of all frames would take 4 bytes (or 8)
    # per pixel-frame, about 0.4 GB for the 92 full-size frames.
    for t in range(n_frames):
        blocks = raw[t, : rows * factor, : cols * factor].reshape(rows, factor, cols, factor)
        mean = blocks.mean(axis=(1, 3), dtype=np.float64) / _PIXELS_PER_MM
        mean[(blocks == _NO_DATA).any(axis=(1, 3))] = np.nan
        out[t] = mean
    return out


def load_knmi_radar(path=None, *, data_home=None, downsample=5):
    """Load KNMI radar precipitation frames over the Netherlands, as video.

    5-minute precipitation accumulations of the KNMI radar composite
    (product ``RAD_NL25_RAP_5min``, radars De Bilt and Den Helder) on a
    765 x 700 grid of 1 km pixels in polar stereographic projection
    (``+proj=stere +lat_0=90 +lon_0=0.0 +lat_ts=60.0 +a=6378.137
    +b=6356.752``), the pysteps example event of 2010-08-26 00:00 to 07:35
    UTC (92 frames). Each frame is stamped at the **end** of its
    accumulation window.

    **Not bundled.** KNMI states that its open data are provided under
    CC BY 4.0 with attribution to KNMI, but no KNMI page seen for sk_stfm
    states the terms of this 2010 product, and the copy in pySTEPS/pysteps-data
    has no license; so sk_stfm does not ship the frames, and this function
    reads your copy: an ``.npz`` (no pickled objects) holding
    ``precip_0p01mm``, a (n_frames, H, W) integer array of precipitation in
    0.01 mm with 65535 for no data (KNMI's ``image1/image_data``, unchanged),
    and ``times_utc``, n_frames strings ``YYYYMMDDHHMM``. Build it from the
    92 HDF5 files of pysteps-data ``radar/KNMI/2010/08/``::

        import glob, h5py, numpy as np
        files = sorted(glob.glob("RAD_NL25_RAP_5min_20100826*.h5"))
        frames = np.stack([h5py.File(f)["image1/image_data"][()] for f in files])
        times = np.array([f[-15:-3] for f in files])
        np.savez_compressed(
            "knmi_rad_nl25_rap_5min_20100826_0000-0735.npz",
            precip_0p01mm=frames, times_utc=times,
        )

    Cite KNMI when you use the data.

    Parameters
    ----------
    path : str or path-like or None, default=None
        The ``.npz`` file.
    data_home : str or path-like or None, default=None
        A folder that holds the file under its reference name,
        ``knmi_rad_nl25_rap_5min_20100826_0000-0735.npz``; an alternative to
        ``path`` (give one of them).
    downsample : int, default=5
        Side, in pixels, of the square blocks that are averaged into one
        cell (the mean accumulation over the block, in mm per 5 min). A
        block with a pixel outside radar coverage is NaN; rows and columns
        that do not fill a whole block are dropped. ``1`` keeps the full
        resolution (535,500 cells a frame, about 4.3 MB per frame as
        float64); the default gives 153 x 140 cells.

    Returns
    -------
    data : STData
        ``values`` of shape (n_frames, H // downsample * (W // downsample), 1),
        float64, precipitation in mm per 5 minutes, NaN where there is no
        data (outside radar coverage, about 74% of the pixels, the same in
        every frame); the cells are the row-major flattening of
        ``grid_shape=(H // downsample, W // downsample)``, row 0 the
        northern edge; ``timestamps`` in UTC (``freq="5min"`` when the
        frames are consecutive); ``kind="video"``.

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``data_home`` is given, or no file is there;
        the message says what file to provide.
    ValueError
        If both ``path`` and ``data_home`` are given, the file lacks an array
        or has the wrong shape, or ``downsample`` is larger than a side of
        the frames.
    TypeError
        If ``downsample`` is not an int.

    Examples
    --------
    >>> from sk_stfm.datasets import load_knmi_radar
    >>> try:
    ...     load_knmi_radar()
    ... except FileNotFoundError as error:
    ...     print(str(error)[:48])
    The KNMI radar frames are not bundled with sk_st

    With the file at hand (``"knmi.npz"`` here)::

        data = load_knmi_radar("knmi.npz", downsample=5)
        data.values.shape, data.grid_shape   # ((92, 21420, 1), (153, 140))
        frames = data.values.reshape(-1, *data.grid_shape)
    """
    downsample = check_int(downsample, "downsample", 1)
    file = _knmi_file(path, data_home)
    raw, timestamps = _read_frames(file, "path" if path is not None else "data_home")
    _, height, width = raw.shape
    if downsample > min(height, width):
        raise ValueError(
            f"downsample must be at most the smaller side of the frames, "
            f"{min(height, width)}; got {downsample}."
        )
    frames = _block_mean(raw, downsample)
    n_frames, rows, cols = frames.shape
    record = DATASETS["knmi_radar"]
    return STData(
        values=frames.reshape(n_frames, rows * cols, 1),
        timestamps=timestamps,
        grid_shape=(rows, cols),
        kind=record.kind,
        name=record.name,
        description=(
            f"{record.description} Read from {file.name}: {n_frames} frames of "
            f"{height} x {width} pixels, averaged over {downsample} x {downsample} "
            f"blocks into {rows} x {cols} cells."
        ),
        citation=record.citation,
        license=record.license,
        channel_names=["precipitation (mm / 5 min)"],
    )
