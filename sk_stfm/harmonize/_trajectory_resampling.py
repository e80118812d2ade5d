"""Resampling trajectories to a fixed time step or a fixed number of points."""

from numbers import Integral, Real

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._trajectory_base import _TrajectoryTransformer


class TrajectoryResampler(_TrajectoryTransformer):
    """Resample each trajectory in time, interpolating its positions linearly.

    Exactly one of ``step`` and ``n_points`` is given:

    - ``step``: fixes at ``t0, t0 + step, t0 + 2 step, ...`` up to the last
      time ``t_end`` of the trajectory (``t_end`` itself only when it falls
      on the grid); trajectories keep different lengths.
    - ``n_points``: ``n_points`` fixes evenly spaced from ``t0`` to
      ``t_end``, both included; every trajectory gets the same length, so
      the result can also be the regular window layout of sk_stfm.

    Every column after time (latitude, longitude, and any others) is
    interpolated linearly in time. Longitudes are unwrapped first, so a
    trajectory that crosses the antimeridian is interpolated the short way
    and wrapped back to [-180, 180). Linear interpolation in degrees follows
    the rhumb line between two fixes rather than the great circle; between
    fixes a few kilometres apart the difference is below a metre. Several
    fixes at the same time are interpolated from the first of them (use
    :class:`TrajectoryCleaner` first).

    Parameters
    ----------
    step : float or None, default=None
        Time step in seconds.
    n_points : int or None, default=None
        Number of fixes per trajectory, at least 2.
    output : {"sequences", "windows"}, default="sequences"
        ``"sequences"`` returns a list of arrays ``(n_points, n_columns)``
        with time first (the irregular data contract). ``"windows"``, with
        ``n_points`` only, returns one 4-D array ``(n_trajectories,
        n_points, 1, n_columns - 1)``: a trajectory is one node whose
        channels are the columns after time, ``(lat, lon, ...)``, and the
        steps are evenly spaced within each trajectory (time itself is
        dropped; the ``"sequences"`` output keeps it).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of the trajectories seen in ``fit``.

    See Also
    --------
    TrajectoryCleaner : Remove noise and duplicate times before resampling.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import TrajectoryResampler
    >>> trajectory = np.array([[0.0, 40.0, 116.0], [25.0, 40.5, 116.5]])
    >>> TrajectoryResampler(step=10.0).fit_transform([trajectory])[0]
    array([[  0. ,  40. , 116. ],
           [ 10. ,  40.2, 116.2],
           [ 20. ,  40.4, 116.4]])
    >>> windows = TrajectoryResampler(n_points=3, output="windows").fit_transform(
    ...     [trajectory, trajectory])
    >>> windows.shape
    (2, 3, 1, 2)
    >>> windows[0, :, 0]
    array([[ 40.  , 116.  ],
           [ 40.25, 116.25],
           [ 40.5 , 116.5 ]])
    """

    _parameter_constraints: dict = {
        "step": [Interval(Real, 0, None, closed="neither"), None],
        "n_points": [Interval(Integral, 2, None, closed="left"), None],
        "output": [StrOptions({"sequences", "windows"})],
    }

    _test_params = [{"step": 30.0}, {"n_points": 8, "output": "windows"}]

    def __init__(self, *, step=None, n_points=None, output="sequences"):
        self.step = step
        self.n_points = n_points
        self.output = output

    def _fit(self, trajectories):
        self._check_options()

    def _check_options(self):
        if (self.step is None) == (self.n_points is None):
            raise ValueError(
                "Give exactly one of step (seconds) and n_points; got "
                f"step={self.step!r} and n_points={self.n_points!r}."
            )
        if self.output == "windows" and self.n_points is None:
            raise ValueError(
                "output='windows' needs n_points (every trajectory the same length); "
                "with step, trajectories keep their own lengths: use output='sequences'."
            )

    def transform(self, X):
        """Resample each trajectory.

        Parameters
        ----------
        X : list of array-like of shape (n_points, n_columns)
            Trajectories with the columns seen in :meth:`fit`, time first.

        Returns
        -------
        X_out : list of ndarray of shape (n_steps, n_columns), or ndarray of shape (n_trajectories, n_points, 1, n_columns - 1)
            The resampled trajectories; the 4-D window layout with
            ``output="windows"``.
        """
        resampled = super().transform(X)
        if self.output == "windows":
            return np.stack(resampled)[:, :, None, 1:]
        return resampled

    def _transform_one(self, trajectory):
        time = trajectory[:, 0]
        start, end = time[0], time[-1]
        if self.n_points is not None:
            grid = np.linspace(start, end, int(self.n_points))
        else:
            count = int(np.floor((end - start) / self.step + 1e-9)) + 1
            grid = start + self.step * np.arange(count)
        # np.interp needs increasing times: keep the first fix of each time.
        first = np.concatenate([[True], np.diff(time) > 0])
        time, values = time[first], trajectory[first, 1:].copy()
        values[:, 1] = np.unwrap(values[:, 1], period=360.0)
        out = np.empty((len(grid), trajectory.shape[1]))
        out[:, 0] = grid
        for column in range(values.shape[1]):
            out[:, column + 1] = np.interp(grid, time, values[:, column])
        if np.any(np.abs(out[:, 2]) > 180.0):
            out[:, 2] = (out[:, 2] + 180.0) % 360.0 - 180.0
        return out
