"""Stay-point detection with distance and time thresholds (GeoLife literature)."""

from numbers import Real

import numpy as np

from ..utils._compat import Interval
from ._geodesy import haversine_distance
from ._trajectory_base import _TrajectoryTransformer

STAY_POINT_COLUMNS = ("time", "lat", "lon", "departure")


class StayPointDetector(_TrajectoryTransformer):
    """Find where each trajectory stays: a place left only after a while.

    The algorithm of Li et al. (2008) and Zheng et al. (2009) on GeoLife:
    starting from an anchor fix ``p_i``, the following fixes ``p_i+1, ...``
    are taken while they lie within ``distance_threshold`` of ``p_i``
    (great-circle distance, :func:`haversine_distance`). When ``p_j`` is the
    first fix farther away, the fixes ``p_i .. p_j-1`` form a stay point if
    they span at least ``time_threshold`` (``t_j-1 - t_i``); the search then
    restarts from ``p_j``. Otherwise it restarts from ``p_i+1``.

    Two details differ from the published pseudo-code, which uses ``p_j``
    (the first fix *outside* the stay) for the leave time and the mean: here
    the stay is the fixes within the threshold, so the departure is the time
    of the last fix at the place, ``t_j-1``, and the position is their mean.
    A stay still in progress when the trajectory ends counts if it is long
    enough (the published algorithm needs a fix outside to close it).

    Output, per trajectory, one row per stay point, in time order, with the
    columns of :data:`STAY_POINT_COLUMNS` (a sequence of the irregular data
    contract, time first):

    ======  ==============================================================
    column  meaning
    ======  ==============================================================
    0       ``time``: arrival, the time of the first fix of the stay [s]
    1       ``lat``: mean latitude of the fixes of the stay [deg]
    2       ``lon``: mean longitude of the fixes of the stay [deg]
    3       ``departure``: the time of the last fix of the stay [s]
    ======  ==============================================================

    A trajectory without a stay gives an array of shape ``(0, 4)``.

    Parameters
    ----------
    distance_threshold : float, default=200.0
        Radius of a stay around its first fix, in metres (200 m in the
        GeoLife papers).
    time_threshold : float, default=1200.0
        Least time spent within the radius, in seconds (20 minutes in the
        GeoLife papers).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of the trajectories seen in ``fit``.

    See Also
    --------
    TrajectoryCleaner : Remove noise first; a spike can split a stay.

    References
    ----------
    .. [1] Li, Q., Zheng, Y., Xie, X., Chen, Y., Liu, W., & Ma, W.-Y. (2008).
       Mining user similarity based on location history. Proceedings of the
       16th ACM SIGSPATIAL International Conference on Advances in
       Geographic Information Systems (GIS '08).
    .. [2] Zheng, Y., Zhang, L., Xie, X., & Ma, W.-Y. (2009). Mining
       interesting locations and travel sequences from GPS trajectories.
       Proceedings of the 18th International Conference on World Wide Web
       (WWW '09), 791-800.

    Examples
    --------
    Thirty minutes at one place, then a move of about 1.1 km:

    >>> import numpy as np
    >>> from sk_stfm.harmonize import StayPointDetector
    >>> times = np.arange(0.0, 1801.0, 60.0)
    >>> stay = np.column_stack([times, np.full_like(times, 40.0), np.full_like(times, 116.0)])
    >>> trajectory = np.vstack([stay, [[1860.0, 40.01, 116.0]]])
    >>> StayPointDetector().fit_transform([trajectory])[0]
    array([[   0.,   40.,  116., 1800.]])
    """

    _parameter_constraints: dict = {
        "distance_threshold": [Interval(Real, 0, None, closed="neither")],
        "time_threshold": [Interval(Real, 0, None, closed="left")],
    }

    _test_params = [{}, {"distance_threshold": 50.0, "time_threshold": 60.0}]

    def __init__(self, *, distance_threshold=200.0, time_threshold=1200.0):
        self.distance_threshold = distance_threshold
        self.time_threshold = time_threshold

    def _transform_one(self, trajectory):
        time, lat, lon = trajectory[:, 0], trajectory[:, 1], trajectory[:, 2]
        n = len(trajectory)
        stays = []
        i = 0
        while i < n:
            j = _first_outside(lat, lon, i, float(self.distance_threshold))
            if time[j - 1] - time[i] >= self.time_threshold:
                stays.append((time[i], lat[i:j].mean(), _mean_longitude(lon[i:j]), time[j - 1]))
                i = j
            elif j == n:
                break  # no later anchor can stay longer: its fixes end earlier
            else:
                i += 1
        return np.asarray(stays, dtype=np.float64).reshape(-1, len(STAY_POINT_COLUMNS))


def _first_outside(lat, lon, anchor, radius):
    """Index of the first fix after ``anchor`` farther than ``radius``, or ``n``."""
    n = len(lat)
    start, block = anchor + 1, 32
    while start < n:
        stop = min(n, start + block)
        far = haversine_distance(lat[anchor], lon[anchor], lat[start:stop], lon[start:stop])
        outside = np.flatnonzero(far > radius)
        if outside.size:
            return start + int(outside[0])
        start, block = stop, block * 2
    return n


def _mean_longitude(lon):
    """Mean longitude, correct across the antimeridian (circular mean)."""
    if np.ptp(lon) <= 180.0:
        return float(lon.mean())
    radians = np.radians(lon)
    return float(np.degrees(np.arctan2(np.sin(radians).mean(), np.cos(radians).mean())))
