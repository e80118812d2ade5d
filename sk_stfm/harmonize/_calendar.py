"""Calendar features: cyclic time-of-day / day-of-week / year encodings."""

import numbers
from dataclasses import replace

import numpy as np
import pandas as pd

from ..data import STData
from ..utils._compat import StrOptions
from ._base import BaseSTTransformer

# Period of each feature, in the unit the feature is measured in.
_CALENDAR_PERIODS = {
    "time_of_day": 86400.0,  # seconds into the day
    "day_of_week": 7.0,
    "day_of_year": 366.0,
    "month_of_year": 12.0,
}


def calendar_features(timestamps, features=("time_of_day", "day_of_week")):
    """Encode timestamps as sine / cosine pairs of calendar cycles.

    Parameters
    ----------
    timestamps : array-like of datetime64 or pandas.DatetimeIndex of length n
        The times; NaT gives NaN features.
    features : tuple of str, default=("time_of_day", "day_of_week")
        Cycles to encode, among ``"time_of_day"``, ``"day_of_week"``,
        ``"day_of_year"``, ``"month_of_year"``.

    Returns
    -------
    encoded : ndarray of shape (n, 2 * len(features))
        For each feature, its sine then its cosine.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_stfm.harmonize import calendar_features
    >>> times = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 06:00"])
    >>> calendar_features(times, features=("time_of_day",)).round(3) + 0.0
    array([[0., 1.],
           [1., 0.]])
    """
    unknown = set(features) - set(_CALENDAR_PERIODS)
    if unknown:
        raise ValueError(
            f"features must be drawn from {tuple(_CALENDAR_PERIODS)}; got {sorted(unknown)}."
        )
    times = pd.DatetimeIndex(timestamps)
    position = {
        "time_of_day": lambda: (
            times.hour * 3600.0 + times.minute * 60.0 + times.second + times.microsecond * 1e-6
        ),
        "day_of_week": lambda: times.dayofweek.astype(float),
        "day_of_year": lambda: times.dayofyear.astype(float) - 1.0,
        "month_of_year": lambda: times.month.astype(float) - 1.0,
    }
    columns = []
    for name in features:
        angle = 2.0 * np.pi * np.asarray(position[name](), dtype=float) / _CALENDAR_PERIODS[name]
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1) if columns else np.empty((len(times), 0))


def add_time_channel(data, unit="s"):
    """Append the timestamps of an :class:`~sk_stfm.data.STData` as a channel.

    The new last channel holds the time since the Unix epoch in ``unit``, so
    that windows cut from it carry their own time and
    :class:`CalendarFeatures` can encode it inside a ``Pipeline``.

    Parameters
    ----------
    data : STData
        Data with ``timestamps``.
    unit : {"s", "ms", "us", "ns", "m", "h", "D"}, default="s"
        Unit of the time channel.

    Returns
    -------
    data : STData
        A copy with ``n_channels + 1`` float64 channels, the last named ``"time"``.

    Examples
    --------
    >>> from sk_stfm.datasets import make_seasonal_series
    >>> from sk_stfm.harmonize import add_time_channel
    >>> data = make_seasonal_series(n_steps=4, start="2024-01-01", random_state=0)
    >>> timed = add_time_channel(data, unit="h")
    >>> timed.channel_names
    ['channel_0', 'time']
    >>> timed.values[:, 0, -1]  # hours since 1970-01-01
    array([473352., 473353., 473354., 473355.])
    """
    if not isinstance(data, STData) or data.timestamps is None:
        raise ValueError("data must be an STData with timestamps.")
    epoch = data.timestamps.as_unit("ns").asi8.astype(np.float64)
    time = epoch / pd.Timedelta(1, unit=unit).value
    values = np.concatenate(
        [
            data.values.astype(np.float64),
            np.broadcast_to(time[:, None, None], (data.n_steps, data.n_nodes, 1)),
        ],
        axis=2,
    )
    names = data.channel_names or [str(i) for i in range(data.n_channels)]
    return replace(data, values=values, channel_names=[*names, "time"])


class CalendarFeatures(BaseSTTransformer):
    """Replace a time channel by cyclic calendar features.

    Windows carry their time in one channel (see :func:`add_time_channel`);
    this transformer reads it as time since the Unix epoch in ``unit`` and
    appends a sine and a cosine channel per calendar feature, so models see
    time of day and day of week without a discontinuity at midnight or
    Monday.

    Parameters
    ----------
    time_channel : int, default=-1
        Index of the channel holding the time.
    unit : {"s", "ms", "us", "ns", "m", "h", "D"}, default="s"
        Unit of the time channel.
    features : tuple of str, default=("time_of_day", "day_of_week")
        Cycles to encode, among ``"time_of_day"``, ``"day_of_week"``,
        ``"day_of_year"``, ``"month_of_year"``.
    drop_time : bool, default=True
        Whether to remove the raw time channel from the output.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window (whose only channel is then the time).

    Attributes
    ----------
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.

    Notes
    -----
    Seconds since the epoch need float64: float32 resolves them only to
    about two minutes. Use ``unit="h"`` or float64 windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import CalendarFeatures
    >>> hours = np.arange(4.0).reshape(1, 4, 1, 1) * 6  # 00:00, 06:00, ...
    >>> out = CalendarFeatures(unit="h", features=("time_of_day",)).fit_transform(hours)
    >>> out[0, :, 0].round(3) + 0.0
    array([[ 0.,  1.],
           [ 1.,  0.],
           [ 0., -1.],
           [-1.,  0.]])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "time_channel": [numbers.Integral],
        "unit": [StrOptions({"s", "ms", "us", "ns", "m", "h", "D"})],
        "features": [tuple, list],
        "drop_time": ["boolean"],
    }
    _test_params = [{"time_channel": 0}, {"time_channel": 0, "drop_time": False}]

    def __init__(
        self,
        *,
        time_channel=-1,
        unit="s",
        features=("time_of_day", "day_of_week"),
        drop_time=True,
        window_shape=None,
    ):
        self.time_channel = time_channel
        self.unit = unit
        self.features = features
        self.drop_time = drop_time
        self.window_shape = window_shape

    def _channel_index(self, n_channels):
        if not -n_channels <= self.time_channel < n_channels:
            raise ValueError(
                f"time_channel={self.time_channel} is out of range for windows "
                f"with n_channels={n_channels}."
            )
        return self.time_channel % n_channels

    def _fit(self, windows):
        self._channel_index(windows.shape[3])
        calendar_features([], self.features)  # validates the feature names

    def _transform(self, windows):
        index = self._channel_index(windows.shape[3])
        time = windows[..., index].astype(np.float64).ravel()
        scale = pd.Timedelta(1, unit=self.unit).value
        # Times outside datetime64[ns] (about years 1677-2262) become NaT.
        with np.errstate(all="ignore"):
            finite = np.isfinite(time) & (np.abs(time * scale) < 9e18)
        nanoseconds = np.zeros(time.shape, dtype=np.int64)
        nanoseconds[finite] = np.round(time[finite] * scale).astype(np.int64)
        stamps = pd.DatetimeIndex(
            np.where(finite, nanoseconds, np.iinfo(np.int64).min).view("M8[ns]")
        )
        encoded = calendar_features(stamps, self.features).astype(windows.dtype)
        encoded = encoded.reshape(windows.shape[:3] + (encoded.shape[1],))
        kept = np.delete(windows, index, axis=3) if self.drop_time else windows
        return np.concatenate([kept, encoded], axis=3)
