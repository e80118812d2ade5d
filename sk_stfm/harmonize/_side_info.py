"""SideInfoJoiner: exogenous channels (per node, per step) appended to windows."""

import numbers

import numpy as np
import pandas as pd

from ..data import STData
from ..utils._compat import Interval, StrOptions
from ._base import BaseSTTransformer

_UNITS = {"s", "ms", "us", "ns", "m", "h", "D"}


def _as_covariate_array(values, name):
    """``(array, index or None)`` of covariates given as an array, DataFrame or STData."""
    index = None
    if isinstance(values, STData):
        index = values.timestamps
        values = values.values
    elif isinstance(values, pd.DataFrame | pd.Series):
        if not isinstance(values.index, pd.RangeIndex):
            index = values.index
        values = values.to_numpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers; got {type(values).__name__}.") from None
    return array, index


class SideInfoJoiner(BaseSTTransformer):
    """Append side information to windows: per-node static and per-step dynamic channels.

    Exogenous data that explain a spatio-temporal signal travel in ``X`` as
    extra channels (the data contract): what does not change over time and
    belongs to a node (POI embeddings of a sensor's surroundings, road
    type, elevation), and what changes over time (weather, holidays,
    calendar features), for all nodes or per node. This transformer appends
    both to every window, aligned by node and by the time each window
    carries, so it sits in a :class:`~sklearn.pipeline.Pipeline` in front of
    any estimator.

    Windows carry their time in a channel (``time_channel``; see
    :func:`~sk_stfm.harmonize.add_time_channel`): each value of that
    channel is looked up in ``dynamic_index`` and the row found gives the
    dynamic covariates of that step.

    Parameters
    ----------
    static_covariates : array-like of shape (n_nodes, n_static) or None, default=None
        Per-node side information, the same at every step (a 1-D array is
        one feature per node). ``n_nodes`` must be that of the windows.
    dynamic_covariates : array-like, DataFrame or STData, or None, default=None
        Time-varying side information, one row per step of the long series
        the windows were cut from: ``(n_index,)`` or ``(n_index, n_dynamic)``
        (the same for every node) or ``(n_index, n_nodes, n_dynamic)`` (per
        node). A DataFrame's index (unless a plain ``RangeIndex``) and an
        :class:`~sk_stfm.data.STData`'s ``timestamps`` serve as
        ``dynamic_index`` when that is None.
    dynamic_index : array-like of length n_index, DatetimeIndex or None, default=None
        The time of each row of ``dynamic_covariates``, strictly
        increasing: timestamps (matched against a time channel holding the
        time since the Unix epoch in ``unit``, as :func:`add_time_channel`
        writes it), or numbers in the units of the time channel. ``None``
        (and no index from ``dynamic_covariates``) means the time channel
        holds row positions ``0 .. n_index - 1``.
    time_channel : int, default=-1
        Channel of the windows that holds their time; read only when
        ``dynamic_covariates`` is given or ``drop_time=True``.
    unit : {"s", "ms", "us", "ns", "m", "h", "D"}, default="s"
        Unit of the time channel when ``dynamic_index`` holds timestamps.
    tolerance : float or None, default=None
        Largest distance between a window's time and the index value it
        is matched to, in the time channel's units. ``None`` means half the
        smallest gap between consecutive index values (exact match for a
        one-row index), which matches every time to its nearest row and
        absorbs float32 rounding.
    unmatched : {"raise", "nan"}, default="raise"
        What a time with no index value within ``tolerance`` gets: an error
        (a wrong ``unit`` or index is the usual cause), or NaN covariates.
    drop_time : bool, default=False
        Whether to remove the time channel from the output.
    window_shape : tuple of int (n_steps, n_nodes, n_channels) or None, default=None
        Layout of one window for 2-D input; ``None`` reads each row as a
        univariate window.

    Attributes
    ----------
    static_ : ndarray of shape (n_nodes, n_static)
        The static covariates, float64 (``n_static=0`` when none).
    dynamic_ : ndarray of shape (n_index, 1 or n_nodes, n_dynamic)
        The dynamic covariates, float64 (``n_index=0`` when none).
    dynamic_index_ : ndarray of shape (n_index,)
        The index as numbers in the units of the time channel.
    tolerance_ : float
        The matching tolerance used.
    n_nodes_ : int
        Number of nodes seen in ``fit``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Number of features per sample seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when 2-D ``X`` is a DataFrame with string column names.

    See Also
    --------
    CalendarFeatures : Calendar cycles computed from the time channel itself.
    TextEmbedder : Texts (POI names, descriptions) to static covariate vectors.

    Notes
    -----
    The output channels are, in order: the channels of ``X`` (without the
    time channel if ``drop_time``), then the ``n_dynamic`` dynamic ones,
    then the ``n_static`` static ones. Covariates are cast to the dtype of
    ``X`` (float32 stays float32; epoch seconds then resolve only to about
    two minutes, which the default ``tolerance`` absorbs for hourly data).

    Missing values: NaN in the covariates is copied into the output (it
    marks a missing value downstream, as everywhere in sk_stfm); a NaN time
    gives NaN dynamic covariates at that step (no error); a time that
    matches no index value raises, unless ``unmatched="nan"``. Windows
    are not changed otherwise.

    Examples
    --------
    Two nodes with a POI-derived feature each and an hourly temperature
    series shared by both; the windows carry their hour in the last
    channel:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from sk_stfm.harmonize import SideInfoJoiner, add_time_channel
    >>> from sk_stfm.data import STData, make_windows
    >>> times = pd.date_range("2024-01-01", periods=6, freq="h")
    >>> data = add_time_channel(STData(np.zeros((6, 2, 1)), timestamps=times), unit="h")
    >>> X, _ = make_windows(data, history=3, horizon=0, stride=3)
    >>> weather = pd.DataFrame({"temperature": [1.0, 2, 3, 4, 5, 6]}, index=times)
    >>> joiner = SideInfoJoiner(
    ...     static_covariates=[[10.0], [20.0]], dynamic_covariates=weather,
    ...     unit="h", drop_time=True,
    ... )
    >>> out = joiner.fit_transform(X)
    >>> out.shape  # (n_windows, n_steps, n_nodes, signal + temperature + POI)
    (2, 3, 2, 3)
    >>> out[1, :, 0]  # second window, node 0
    array([[ 0.,  4., 10.],
           [ 0.,  5., 10.],
           [ 0.,  6., 10.]])
    """

    _parameter_constraints: dict = {
        **BaseSTTransformer._parameter_constraints,
        "static_covariates": ["array-like", None],
        "dynamic_covariates": ["array-like", STData, None],
        "dynamic_index": ["array-like", None],
        "time_channel": [numbers.Integral],
        "unit": [StrOptions(_UNITS)],
        "tolerance": [Interval(numbers.Real, 0, None, closed="left"), None],
        "unmatched": [StrOptions({"raise", "nan"})],
        "drop_time": ["boolean"],
    }
    # scikit-learn's checks send random windows; their only channel is read
    # as a time and looked up in a wide numeric index.
    _test_index = np.arange(-1000.0, 1001.0)
    _test_params = (
        {
            "dynamic_covariates": np.column_stack(
                [np.sin(_test_index / 7.0), np.cos(_test_index / 7.0)]
            ),
            "dynamic_index": _test_index,
            "time_channel": 0,
        },
        {
            "dynamic_covariates": _test_index**2 / 1e6,
            "dynamic_index": _test_index,
            "time_channel": 0,
            "drop_time": True,
            "unmatched": "nan",
        },
    )

    def __init__(
        self,
        *,
        static_covariates=None,
        dynamic_covariates=None,
        dynamic_index=None,
        time_channel=-1,
        unit="s",
        tolerance=None,
        unmatched="raise",
        drop_time=False,
        window_shape=None,
    ):
        self.static_covariates = static_covariates
        self.dynamic_covariates = dynamic_covariates
        self.dynamic_index = dynamic_index
        self.time_channel = time_channel
        self.unit = unit
        self.tolerance = tolerance
        self.unmatched = unmatched
        self.drop_time = drop_time
        self.window_shape = window_shape

    def _needs_time(self):
        return self.dynamic_covariates is not None or self.drop_time

    def _channel_index(self, n_channels):
        if not -n_channels <= self.time_channel < n_channels:
            raise ValueError(
                f"time_channel={self.time_channel} is out of range for windows with "
                f"n_channels={n_channels}."
            )
        return self.time_channel % n_channels

    def _fit(self, windows):
        n_nodes = windows.shape[2]
        if self._needs_time():
            self._channel_index(windows.shape[3])
        self.static_ = self._check_static(n_nodes)
        self.dynamic_, self.dynamic_index_ = self._check_dynamic(n_nodes)
        self.tolerance_ = self._check_tolerance()
        if self.dynamic_covariates is not None:
            # Fail in fit, not in the first predict, on a wrong unit or index.
            self._rows(windows)

    def _check_static(self, n_nodes):
        if self.static_covariates is None:
            return np.empty((n_nodes, 0))
        static, _ = _as_covariate_array(self.static_covariates, "static_covariates")
        if static.ndim == 1:
            static = static[:, None]
        if static.ndim != 2 or static.shape[0] != n_nodes:
            raise ValueError(
                f"static_covariates must have shape (n_nodes, n_static) with n_nodes="
                f"{n_nodes}, the nodes of the windows; got shape {static.shape}."
            )
        return static

    def _check_dynamic(self, n_nodes):
        if self.dynamic_covariates is None:
            return np.empty((0, 1, 0)), np.empty(0)
        dynamic, own_index = _as_covariate_array(self.dynamic_covariates, "dynamic_covariates")
        given_shape = dynamic.shape
        if dynamic.ndim == 1:
            dynamic = dynamic[:, None, None]
        elif dynamic.ndim == 2:
            dynamic = dynamic[:, None, :]
        if dynamic.ndim != 3 or dynamic.shape[1] not in (1, n_nodes) or len(dynamic) == 0:
            raise ValueError(
                "dynamic_covariates must have shape (n_index, n_dynamic) (shared by the "
                f"nodes) or (n_index, n_nodes, n_dynamic) with n_nodes={n_nodes}, the "
                f"nodes of the windows, and n_index >= 1; got shape {given_shape}."
            )
        index = self.dynamic_index if self.dynamic_index is not None else own_index
        return dynamic, self._check_index(index, len(dynamic))

    def _check_index(self, index, n_index):
        if index is None:
            return np.arange(n_index, dtype=np.float64)
        if isinstance(index, pd.DatetimeIndex) or np.issubdtype(
            np.asarray(index).dtype, np.datetime64
        ):
            stamps = pd.DatetimeIndex(index)
            if stamps.hasnans:
                raise ValueError("dynamic_index must not hold NaT.")
            values = stamps.as_unit("ns").asi8.astype(np.float64)
            values = values / pd.Timedelta(1, unit=self.unit).value
        else:
            try:
                values = np.asarray(index, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"dynamic_index must hold timestamps or numbers; got {type(index).__name__}."
                ) from None
        if values.shape != (n_index,):
            raise ValueError(
                f"dynamic_index must have shape (n_index,) = ({n_index},), one entry per "
                f"row of dynamic_covariates; got shape {values.shape}."
            )
        if not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
            raise ValueError("dynamic_index must be finite and strictly increasing.")
        return values

    def _check_tolerance(self):
        if self.tolerance is not None:
            return float(self.tolerance)
        gaps = np.diff(self.dynamic_index_)
        return float(gaps.min() / 2.0) if len(gaps) else 0.0

    def _rows(self, windows):
        """Row of ``dynamic_`` for each (sample, step, node); -1 where none applies."""
        times = windows[..., self._channel_index(windows.shape[3])].astype(np.float64)
        index = self.dynamic_index_
        right = np.clip(np.searchsorted(index, times), 0, len(index) - 1)
        left = np.clip(right - 1, 0, len(index) - 1)
        # Nearest of the two neighbours (NaN times compare False and stay -1).
        nearer_left = np.abs(times - index[left]) <= np.abs(times - index[right])
        rows = np.where(nearer_left, left, right)
        distance = np.abs(times - index[rows])
        observed = ~np.isnan(times)
        matched = observed & (distance <= self.tolerance_ * (1 + 1e-9) + 1e-12 * np.abs(times))
        unmatched = observed & ~matched
        if unmatched.any() and self.unmatched == "raise":
            where = tuple(int(i[0]) for i in np.nonzero(unmatched))
            raise ValueError(
                f"X holds time {float(times[where])!r} at (sample, step, node) {where} "
                f"with no entry of dynamic_index within tolerance={self.tolerance_!r} "
                f"(nearest: {float(index[rows[where]])!r}); check unit={self.unit!r} and "
                "time_channel, or pass unmatched='nan'."
            )
        return np.where(matched, rows, -1)

    def _transform(self, windows):
        n_samples, n_steps, n_nodes, _ = windows.shape
        parts = []
        kept = windows
        if self.drop_time:
            kept = np.delete(windows, self._channel_index(windows.shape[3]), axis=3)
        parts.append(kept)
        if self.dynamic_covariates is not None:
            rows = self._rows(windows)
            dynamic = np.broadcast_to(
                self.dynamic_, (len(self.dynamic_), n_nodes, self.dynamic_.shape[2])
            )
            nodes = np.broadcast_to(np.arange(n_nodes), rows.shape)
            values = dynamic[np.maximum(rows, 0), nodes]
            values[rows < 0] = np.nan
            parts.append(values.astype(windows.dtype))
        if self.static_.shape[1]:
            parts.append(
                np.broadcast_to(
                    self.static_.astype(windows.dtype),
                    (n_samples, n_steps, n_nodes, self.static_.shape[1]),
                )
            )
        return np.concatenate(parts, axis=3)
