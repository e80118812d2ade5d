"""Loader of the GeoLife GPS sample of scikit-mobility, as trajectories.

The shipped file ``geolife_sample.npz.gz`` holds the 217,653 fixes of the
original ``geolife_sample.txt.gz`` (columns ``lat, lng, datetime, uid``)
losslessly, as integer arrays only (no pickle, no object arrays): time in
whole seconds since 1970-01-01 UTC and latitude / longitude in millionths of
a degree (the six decimals of the original), each delta-encoded along the
file and stored as int16 byte planes, with the few deltas that do not fit
16 bits kept apart. This is four times smaller than float arrays after
gzip, and decodes to exactly the numbers of the original text
(:func:`_encode_fixes` is how the file was made).
"""

import io
from numbers import Real

import numpy as np

from ..data import SequenceData
from ._files import _context, _read_verified

GEOLIFE_FILE = "geolife_sample.npz.gz"
_ESCAPE = np.int16(-32768)  # marks a delta kept in ``escapes``
_MICRO = 1e6


def _encode_fixes(seconds, lat, lon, users):
    """Arrays of the shipped file from fixes in file order (users contiguous).

    ``seconds`` are whole seconds, ``lat`` / ``lon`` degrees with at most six
    decimals, ``users`` one string per fix.
    """
    integers = np.stack(
        [
            np.asarray(seconds, dtype=np.int64),
            np.round(np.asarray(lat) * _MICRO).astype(np.int64),
            np.round(np.asarray(lon) * _MICRO).astype(np.int64),
        ]
    )
    deltas = np.diff(integers, axis=1, prepend=0)
    wide = (deltas < -32767) | (deltas > 32767)
    narrow = np.where(wide, _ESCAPE, deltas).astype("<i2")
    planes = narrow.view(np.uint8).reshape(3, -1, 2)  # little-endian: low, high
    users = np.asarray(users).astype(str)
    starts = np.flatnonzero(np.concatenate([[True], users[1:] != users[:-1]]))
    if len(np.unique(users[starts])) != len(starts):
        raise ValueError("the fixes of each user must be contiguous.")
    return {
        "low": np.ascontiguousarray(planes[..., 0]),
        "high": np.ascontiguousarray(planes[..., 1]),
        "escapes": deltas[wide],
        "users": users[starts],
        "user_offsets": np.append(starts, len(users)).astype(np.int64),
    }


def _decode_fixes(arrays):
    """``(seconds, lat, lon, users, user_offsets)`` from the shipped arrays."""
    planes = np.stack([arrays["low"], arrays["high"]], axis=-1)
    narrow = np.ascontiguousarray(planes).view("<i2")[..., 0]
    deltas = narrow.astype(np.int64)
    deltas[narrow == _ESCAPE] = arrays["escapes"]
    seconds, lat, lon = np.cumsum(deltas, axis=1)
    return (
        seconds.astype(np.float64),
        lat / _MICRO,
        lon / _MICRO,
        arrays["users"],
        arrays["user_offsets"],
    )


def load_geolife_sample(*, gap=1200.0, data_home=None):
    """Load the GeoLife sample of scikit-mobility: GPS trajectories of 2 users.

    217,653 GPS fixes of users ``"001"`` (108,607 fixes) and ``"005"``
    (109,046) of Microsoft Research Asia's GeoLife 1.3, Beijing area,
    2008-10-23 to 2009-03-19, as shipped with scikit-mobility's examples.
    The median time between fixes is 4 to 5 s, with gaps between trips.
    Each user's fixes are split into trajectories wherever two consecutive
    fixes are more than ``gap`` seconds apart.

    Parameters
    ----------
    gap : float, default=1200.0
        Largest time between consecutive fixes of one trajectory, in seconds
        (20 minutes, the stay-point time threshold of the GeoLife papers);
        ``numpy.inf`` gives one trajectory per user.
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the file shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : SequenceData
        ``kind="trajectory"``, ``columns=("time", "lat", "lon")``: time in
        seconds since 1970-01-01 (GeoLife records GMT), latitude and
        longitude in degrees (WGS84). ``ids`` is the user of each
        trajectory. Trajectories are in file order: user ``"001"`` first,
        each user's in time order.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation), or ``gap`` is not a positive number.
    FileNotFoundError
        If the file is missing.

    See Also
    --------
    sk_stfm.harmonize.TrajectoryCleaner : Remove noisy fixes.
    sk_stfm.harmonize.StayPointDetector : Where the users stay.

    Notes
    -----
    The data are research data of Microsoft Research Asia; cite the GeoLife
    papers (``data.citation``). The scikit-mobility repository that
    redistributes this sample is BSD 3-Clause.

    Examples
    --------
    >>> from sk_stfm.datasets import load_geolife_sample
    >>> data = load_geolife_sample()
    >>> data.n_points, sorted(set(data.ids.tolist()))
    (217653, ['001', '005'])
    >>> data.columns, data.kind
    (('time', 'lat', 'lon'), 'trajectory')
    >>> load_geolife_sample(gap=float("inf")).n_sequences
    2
    """
    if isinstance(gap, bool) or not isinstance(gap, Real) or not gap > 0:
        raise ValueError(f"gap must be a positive number of seconds; got {gap!r}.")
    content = _read_verified(GEOLIFE_FILE, data_home)
    with np.load(io.BytesIO(content), allow_pickle=False) as arrays:
        seconds, lat, lon, users, user_offsets = _decode_fixes(arrays)
    fixes = np.column_stack([seconds, lat, lon])
    trajectories, ids = [], []
    for user, start, stop in zip(users, user_offsets[:-1], user_offsets[1:], strict=True):
        cuts = np.flatnonzero(np.diff(seconds[start:stop]) > gap) + 1
        pieces = np.split(fixes[start:stop], cuts)
        trajectories.extend(pieces)
        ids.extend([str(user)] * len(pieces))
    return SequenceData(
        sequences=trajectories,
        columns=("time", "lat", "lon"),
        ids=np.asarray(ids),
        **_context("geolife_sample"),
    )
