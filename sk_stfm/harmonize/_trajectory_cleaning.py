"""Noise and duplicate removal for GPS trajectories."""

from numbers import Real

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._geodesy import haversine_distance
from ._trajectory_base import _TrajectoryTransformer


class TrajectoryCleaner(_TrajectoryTransformer):
    """Drop duplicate fixes and fixes that imply an impossible speed.

    Two filters, applied to each trajectory in this order:

    1. **Duplicates.** With ``drop_duplicates="time"`` (or ``True``) only the
       first fix of each timestamp is kept; with ``"time_position"`` only
       exact repeats (same time, latitude and longitude) are dropped.
    2. **Speed.** Walking through the trajectory, a fix is dropped when the
       speed from the *last kept* fix to it, great-circle distance
       (:func:`haversine_distance`) over elapsed time, exceeds
       ``max_speed``; the first fix is always kept. This is the filter of
       scikit-mobility (``skmob.preprocessing.filtering.filter``): an
       isolated spike is removed, and the fixes after it are judged against
       the fix before it, not against the spike. Two fixes with the same
       time at different positions imply an infinite speed, so the later one
       is dropped.

    Every column is kept; rows are only removed, so a trajectory keeps at
    least its first fix. If that first fix is itself an outlier, the fixes
    near it survive and the rest may be dropped: look at the fraction kept.

    Parameters
    ----------
    max_speed : float or None, default=100.0
        Largest plausible speed in metres per second (100 m/s = 360 km/h,
        above any ground transport in GeoLife; use about 300 for aircraft).
        ``None`` disables the speed filter.
    drop_duplicates : bool or {"time", "time_position"}, default=True
        Which duplicates to drop; ``True`` means ``"time"``, ``False`` keeps
        them.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of the trajectories seen in ``fit``.

    See Also
    --------
    StayPointDetector : Where the cleaned trajectories stop.
    TrajectoryResampler : Fixed time steps after cleaning.

    Examples
    --------
    A fix 1 km away after 10 s (100 m/s) is dropped at ``max_speed=50``:

    >>> import numpy as np
    >>> from sk_stfm.harmonize import TrajectoryCleaner
    >>> trajectory = np.array([[0.0, 40.0, 116.0], [10.0, 40.0001, 116.0],
    ...                        [20.0, 40.009, 116.0], [30.0, 40.0003, 116.0],
    ...                        [30.0, 40.0003, 116.0]])
    >>> cleaned = TrajectoryCleaner(max_speed=50.0).fit_transform([trajectory])
    >>> cleaned[0][:, 1]
    array([40.    , 40.0001, 40.0003])
    """

    _parameter_constraints: dict = {
        "max_speed": [Interval(Real, 0, None, closed="neither"), None],
        "drop_duplicates": ["boolean", StrOptions({"time", "time_position"})],
    }

    _test_params = [{}, {"max_speed": None, "drop_duplicates": "time_position"}]

    def __init__(self, *, max_speed=100.0, drop_duplicates=True):
        self.max_speed = max_speed
        self.drop_duplicates = drop_duplicates

    def _transform_one(self, trajectory):
        mode = "time" if self.drop_duplicates is True else self.drop_duplicates
        if mode:
            trajectory = trajectory[_first_of_duplicates(trajectory, mode)]
        if self.max_speed is not None:
            trajectory = trajectory[_speed_mask(trajectory, float(self.max_speed))]
        return trajectory


def _first_of_duplicates(trajectory, mode):
    """Boolean mask of the rows to keep: the first fix of each key."""
    new_time = np.concatenate([[True], np.diff(trajectory[:, 0]) != 0])
    if mode == "time":
        return new_time
    # Times are sorted, so rows sharing a time are adjacent; within such a
    # block keep the first row of each distinct position (A, B, A keeps A, B).
    keep = new_time.copy()
    starts = np.flatnonzero(new_time)
    for start, stop in zip(starts, np.append(starts[1:], len(trajectory)), strict=True):
        if stop - start > 1:
            _, first = np.unique(trajectory[start:stop, 1:3], axis=0, return_index=True)
            keep[start + first] = True
    return keep


def _speed_mask(trajectory, max_speed):
    """Rows kept by the sequential last-kept-fix speed filter.

    Between drops the last kept fix is the previous row, so the speeds of
    consecutive rows decide; only after a drop are the following rows
    measured from the last kept fix, one vectorized call per drop.
    """
    n = len(trajectory)
    keep = np.ones(n, dtype=bool)
    time, lat, lon = trajectory[:, 0], trajectory[:, 1], trajectory[:, 2]

    def too_fast(origin, rows):
        distance = haversine_distance(lat[origin], lon[origin], lat[rows], lon[rows])
        return distance > max_speed * (time[rows] - time[origin])

    # violation[i]: row i is too fast from row i - 1 (row 0 never is).
    violation = np.concatenate([[False], too_fast(np.arange(n - 1), np.arange(1, n))])
    i = 1
    while True:
        following = np.flatnonzero(violation[i:])
        if not following.size:
            return keep
        dropped = i + int(following[0])  # rows before it are kept
        last = dropped - 1
        keep[dropped] = False
        i = dropped + 1
        # Skip the rows that are still too fast from the last kept one.
        while i < n:
            rows = np.arange(i, min(n, i + 64))
            fast = too_fast(last, rows)
            if not fast.all():
                keep[rows[: int(np.argmin(fast))]] = False
                i = int(rows[np.argmin(fast)]) + 1  # this row is kept and is the new last
                break
            keep[rows] = False
            i = int(rows[-1]) + 1
        else:
            return keep
