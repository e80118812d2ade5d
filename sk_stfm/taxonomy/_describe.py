"""describe(data): measure the properties the survey's taxonomy classifies data by."""

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..data import SequenceData, STData, grid_adjacency, resolve_spatial
from ..harmonize import haversine_distance
from ._dependence import _centred, autocorrelation, dominant_periods, morans_i
from ._profile import SIGNIFICANCE, DataProfile, DependenceMeasure, Period, format_p, strength_of

# Caps that keep describe() well under a second on large data: statistics
# are averaged over at most this many series and snapshots, evenly spread.
_MAX_SERIES = 256
_MAX_SNAPSHOTS = 2000
_MAX_CORRELATED_NODES = 200
_NEIGHBOURHOODS = {"rook": 4, "queen": 8}
# Durations a period is snapped to when it lies within one step of them
# (287 five-minute steps -> 288 = 24 h): calendar cycles, not FFT bins.
_ROUND_DURATIONS = tuple(
    sorted(
        {pd.Timedelta(hours=h) for h in range(1, 49)}
        | {pd.Timedelta(days=d) for d in range(1, 15)}
        | {pd.Timedelta(weeks=w) for w in range(1, 9)}
        | {pd.Timedelta(days=d) for d in (28, 30, 91, 182, 364, 365)}
    )
)


def _evenly(n_total, n_kept):
    """Indices of at most ``n_kept`` items spread evenly over ``n_total``."""
    if n_total <= n_kept:
        return np.arange(n_total)
    return np.unique(np.linspace(0, n_total - 1, n_kept).round().astype(int))


def _measure(dependency, statistic, band, value, z_score, p_value, text):
    strength = strength_of(value, band)
    present = bool(
        strength != "none"
        and p_value is not None
        and np.isfinite(p_value)
        and p_value < SIGNIFICANCE
    )
    return DependenceMeasure(
        dependency=dependency,
        statistic=statistic,
        value=float(value),
        z_score=None if z_score is None else float(z_score),
        p_value=None if p_value is None else float(p_value),
        present=present,
        strength=strength,
        description=text,
    )


# ----------------------------------------------------------------- input
def _as_data(data, spatial):
    """STData or SequenceData from what ``describe`` accepts."""
    if isinstance(data, SequenceData):
        if spatial is not None:
            raise ValueError("spatial must be None for sequences (SequenceData).")
        return data
    if isinstance(data, STData):
        base = data
    elif isinstance(data, pd.DataFrame):
        try:
            base = STData.from_frame(data)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "data as a DataFrame must be in the wide layout of STData.from_frame "
                f"(numeric columns, one row per step): {exc}"
            ) from exc
    elif isinstance(data, np.ndarray | list | tuple) and not isinstance(data, str):
        values = np.asarray(data)
        if values.dtype.kind not in "biuf":
            raise TypeError(f"data must hold numbers; got an array of dtype {values.dtype}.")
        if values.ndim == 1:
            values = values[:, None, None]
        elif values.ndim == 2:
            values = values[:, None, :]
        elif values.ndim != 3:
            raise ValueError(
                "data must be one long array of shape (n_steps, n_channels) or "
                f"(n_steps, n_nodes, n_channels), not windows; got shape {values.shape}."
            )
        base = STData(values.astype(np.float64))
    else:
        raise TypeError(
            "data must be an STData, a SequenceData, an ndarray of shape (n_steps, n_channels) "
            "or (n_steps, n_nodes, n_channels), or a pandas DataFrame; got "
            f"{type(data).__name__}."
        )
    if spatial is None:
        return base
    context = resolve_spatial(spatial, base.n_nodes)
    kind = base.kind
    if base.kind == "series":
        kind = context.kind if context.kind != "series" else kind
    return STData(
        base.values,
        timestamps=base.timestamps,
        adjacency=context.adjacency,
        coords=base.coords,
        grid_shape=context.grid_shape,
        kind=kind,
        name=base.name,
    )


def _check_params(max_lag, grid_neighbourhood, n_permutations):
    if max_lag is not None and (
        not isinstance(max_lag, numbers.Integral) or isinstance(max_lag, bool) or max_lag < 1
    ):
        raise ValueError(f"max_lag must be a positive int or None; got {max_lag!r}.")
    if grid_neighbourhood not in _NEIGHBOURHOODS:
        raise ValueError(
            f"grid_neighbourhood must be 'rook' or 'queen'; got {grid_neighbourhood!r}."
        )
    if (
        not isinstance(n_permutations, numbers.Integral)
        or isinstance(n_permutations, bool)
        or n_permutations < 0
    ):
        raise ValueError(f"n_permutations must be a non-negative int; got {n_permutations!r}.")


# --------------------------------------------------------- regular data
def _sampling(timestamps):
    """``(sampling, step)`` from the timestamps of regular-looking data."""
    if timestamps is None or len(timestamps) < 2:
        return "regular", None
    deltas = pd.TimedeltaIndex(np.diff(timestamps.values))
    if (deltas <= pd.Timedelta(0)).any():
        return "irregular", None
    counts = deltas.value_counts()
    # A few gaps (a clock change, a dropped record) do not make data irregular.
    if counts.iloc[0] >= 0.99 * len(deltas):
        return "regular", pd.Timedelta(counts.index[0])
    if pd.infer_freq(timestamps) is not None:
        return "regular", None  # a calendar frequency (months): no fixed step
    return "irregular", pd.Timedelta(deltas.median())


def _temporal_measure(matrix, max_lag):
    n_steps = matrix.shape[0]
    if max_lag is None:
        max_lag = min(max((n_steps - 1) // 4, 1), 1000)
    max_lag = int(min(max_lag, n_steps - 1))
    acf = autocorrelation(matrix, max_lag).mean(axis=1)
    lag = 1 + int(np.argmax(np.abs(acf[1:])))
    value = float(acf[lag])
    z_score = value * np.sqrt(n_steps)
    # The strongest of max_lag lags: Bonferroni over the lags searched.
    p_value = float(min(1.0, max_lag * 2 * stats.norm.sf(abs(z_score))))
    lag_one = "" if lag == 1 else f"lag 1: {acf[1]:.2f}; "
    text = (
        f"autocorrelation = {value:.2f} at lag {lag} ({lag_one}"
        f"z = {z_score:.1f}, {format_p(p_value)})"
    )
    return _measure("temporal", "autocorrelation", "autocorrelation", value, z_score, p_value, text)


def _snap(steps, time_step):
    """A period within one step of a round duration becomes that duration."""
    if time_step is None or time_step <= pd.Timedelta(0):
        return steps
    duration = steps * time_step
    best = None
    for candidate in _ROUND_DURATIONS:
        gap = abs(candidate - duration)
        if gap <= time_step and candidate % time_step == pd.Timedelta(0):
            if best is None or gap < abs(best - duration):
                best = candidate
    return steps if best is None else int(best // time_step)


def _periods(matrix, time_step, max_period=None):
    periods = []
    for steps, acf, power in dominant_periods(matrix):
        if max_period is not None and steps > max_period:
            continue
        steps = _snap(steps, time_step)
        if any(p.steps == steps for p in periods):
            continue
        duration = None if time_step is None else steps * time_step
        periods.append(Period(steps, duration, round(acf, 4), round(power, 4)))
    return tuple(periods)


def _weights(data, grid_neighbourhood):
    """``(weights, what they are)`` of the data's space, or ``(None, None)``."""
    if data.grid_shape is not None:
        connectivity = _NEIGHBOURHOODS[grid_neighbourhood]
        label = f"{grid_neighbourhood} ({connectivity}-neighbour) grid"
        return grid_adjacency(data.grid_shape, connectivity=connectivity), label
    if data.adjacency is not None:
        weights = sp.csr_array(data.adjacency, copy=True)  # setdiag must not touch the data's
        weights.setdiag(0)
        weights.eliminate_zeros()
        if weights.nnz:
            return weights, "adjacency"
    return None, None


def _snapshots(values):
    """Rows ``(step, channel)`` of node values, at most ``_MAX_SNAPSHOTS`` steps."""
    kept = values[_evenly(values.shape[0], _MAX_SNAPSHOTS)]
    return kept.transpose(0, 2, 1).reshape(-1, values.shape[1])


def _moran_measure(dependency, values, weights, label, what, n_permutations, random_state):
    result = morans_i(
        _snapshots(values), weights, n_permutations=n_permutations, random_state=random_state
    )
    p_value = result.p_value
    significance = f"z = {result.z_score:.1f}, {format_p(result.p_value)}"
    if result.p_value_permutation is not None:
        p_value = result.p_value_permutation
        significance += f"; permutation {format_p(p_value)}"
    text = f"Moran's I{what} = {result.statistic:.2f} ({significance}) on the {label}"
    return _measure(
        dependency, "Moran's I", "moran", result.statistic, result.z_score, p_value, text
    )


def _node_correlation(dependency, values, what):
    """Mean correlation between node series (data with nodes but no graph)."""
    nodes = _evenly(values.shape[1], _MAX_CORRELATED_NODES)
    correlations = []
    for channel in range(values.shape[2]):
        centred = _centred(values[:, nodes, channel])
        norms = np.sqrt((centred**2).sum(axis=0))
        keep = norms > 0
        if keep.sum() < 2:
            continue
        scaled = centred[:, keep] / norms[keep]
        matrix = scaled.T @ scaled
        n = matrix.shape[0]
        correlations.append((matrix.sum() - np.trace(matrix)) / (n * (n - 1)))
    if not correlations:
        return None
    value = float(np.mean(correlations))
    n_steps = values.shape[0]
    # Fisher's z of one pair: pairs share series, so this is the evidence of
    # a typical pair, not of their average.
    z_score = float(np.arctanh(np.clip(value, -0.999999, 0.999999)) * np.sqrt(max(n_steps - 3, 1)))
    p_value = float(2 * stats.norm.sf(abs(z_score)))
    text = (
        f"mean correlation between nodes{what} = {value:.2f} (typical pair: z = {z_score:.1f}, "
        f"{format_p(p_value)}); no adjacency"
    )
    return _measure(dependency, "correlation", "correlation", value, z_score, p_value, text)


def _regular_profile(data, max_lag, grid_neighbourhood, n_permutations, random_state):
    values = np.asarray(data.values, dtype=np.float64)
    n_steps, n_nodes, n_channels = values.shape
    if n_steps < 4:
        raise ValueError(f"data must have at least 4 steps to be described; got {n_steps}.")
    sampling, time_step = _sampling(data.timestamps)
    flat = values.reshape(n_steps, -1)
    matrix = flat[:, _evenly(flat.shape[1], _MAX_SERIES)]
    temporal = _temporal_measure(matrix, max_lag)
    spatial = spatio_temporal = None
    if n_nodes > 1:
        weights, label = _weights(data, grid_neighbourhood)
        changes = np.diff(values, axis=0)
        if weights is not None and n_nodes >= 3:
            spatial = _moran_measure(
                "spatial", values, weights, label, "", n_permutations, random_state
            )
            spatio_temporal = _moran_measure(
                "spatio-temporal",
                changes,
                weights,
                label,
                " of the step-to-step changes",
                n_permutations,
                random_state,
            )
        else:
            spatial = _node_correlation("spatial", values, "")
            spatio_temporal = _node_correlation(
                "spatio-temporal", changes, " in step-to-step changes"
            )
    context = tuple(
        name
        for name, value in (
            ("adjacency", data.adjacency),
            ("grid_shape", data.grid_shape),
            ("coords", data.coords),
            ("timestamps", data.timestamps),
        )
        if value is not None
    )
    return DataProfile(
        name=data.name,
        kind=data.kind,
        sampling=sampling,
        n_steps=n_steps,
        n_nodes=n_nodes,
        n_channels=n_channels,
        n_sequences=None,
        n_points=None,
        time_step=time_step,
        missing_rate=float(np.isnan(values).mean()),
        context=context,
        temporal=temporal,
        spatial=spatial,
        spatio_temporal=spatio_temporal,
        periods=_periods(matrix, time_step),
        grid_shape=data.grid_shape,
    )


# ------------------------------------------------------------ sequences
def _pooled_pairs(series_list):
    """Consecutive pairs ``(a_k, a_{k+1})`` within each sequence, centred per sequence."""
    first, second = [], []
    for series in series_list:
        if series.size < 3:
            continue
        centred = series - series.mean()
        first.append(centred[:-1])
        second.append(centred[1:])
    if not first:
        return np.empty(0), np.empty(0)
    return np.concatenate(first), np.concatenate(second)


def _correlation_measure(dependency, statistic, a, b, text, *, rank=False):
    if a.size < 10 or a.std() == 0 or b.std() == 0:
        return None
    if rank:
        value = float(stats.spearmanr(a, b).statistic)
    else:
        value = float(np.corrcoef(a, b)[0, 1])
    z_score = value * np.sqrt(a.size - 1)
    p_value = float(2 * stats.norm.sf(abs(z_score)))
    text = f"{text} = {value:.2f} (z = {z_score:.1f}, {format_p(p_value)})"
    return _measure(dependency, statistic, "correlation", value, z_score, p_value, text)


def _positive_log(gaps, floor):
    return np.log(np.maximum(gaps, floor))


def _location_columns(columns):
    for pair in (("lat", "lon"), ("x", "y"), ("latitude", "longitude")):
        if all(c in columns for c in pair):
            return pair
    return ()


def _hourly_periods(sequences):
    """Periods of the hourly counts of points (times in seconds)."""
    times = np.concatenate([s[:, 0] for s in sequences])
    span = times.max() - times.min()
    n_bins = int(span // 3600) + 1
    if span < 3 * 86400 or n_bins > 200_000:
        return ()
    counts = np.bincount(((times - times.min()) // 3600).astype(int), minlength=n_bins)
    # Activity cycles of people and machines are daily or weekly; longer
    # "periods" of event counts are bursts (aftershock sequences, campaigns).
    return _periods(counts.astype(np.float64), pd.Timedelta(hours=1), max_period=2 * 168)


def _sequence_profile(data):
    sequences = data.sequences
    columns = tuple(data.columns)
    gaps = [np.diff(s[:, 0]) for s in sequences]
    all_gaps = np.concatenate(gaps) if gaps else np.empty(0)
    positive = all_gaps[all_gaps > 0]
    floor = 1e-3 * (np.median(positive) if positive.size else 1.0)
    locations = _location_columns(columns)
    temporal = spatio_temporal = None
    if data.kind == "event":
        log_gaps = [_positive_log(g, floor) for g in gaps]
        a, b = _pooled_pairs(log_gaps)
        normalized = np.concatenate([g / g.mean() for g in gaps if g.size and g.mean() > 0] or [[]])
        burstiness = ""
        if normalized.size > 1:
            sigma, mu = normalized.std(), normalized.mean()
            value = (sigma - mu) / (sigma + mu)
            shape = "clustered" if value > 0.1 else "regular" if value < -0.1 else "Poisson-like"
            burstiness = f"; burstiness = {value:.2f} ({shape})"
        temporal = _correlation_measure(
            "temporal", "correlation", a, b, "lag-1 correlation of log inter-event times"
        )
        if temporal is not None and burstiness:
            temporal = _with_text(temporal, temporal.description + burstiness)
        if locations:
            index = [columns.index(c) for c in locations]
            time_parts, distance_parts = [], []
            for sequence, gap in zip(sequences, gaps, strict=True):
                if gap.size < 2:
                    continue
                distance = np.sqrt((np.diff(sequence[:, index], axis=0) ** 2).sum(axis=1))
                time_parts.append(gap)
                distance_parts.append(distance)
            if time_parts:
                spatio_temporal = _correlation_measure(
                    "spatio-temporal",
                    "Spearman correlation",
                    np.concatenate(time_parts),
                    np.concatenate(distance_parts),
                    "Spearman correlation of the time and the distance to the previous event",
                    rank=True,
                )
    else:
        speeds, cosines = [], []
        index = [columns.index(c) for c in locations] if locations else [1, 2][: len(columns) - 1]
        for sequence, gap in zip(sequences, gaps, strict=True):
            if gap.size < 3 or len(index) < 2:
                continue
            a, b = sequence[:, index[0]], sequence[:, index[1]]
            if locations == ("lat", "lon"):
                step = haversine_distance(a[:-1], b[:-1], a[1:], b[1:])
                # Moves in metres east and north, for their directions.
                moves = np.column_stack([np.diff(b) * np.cos(np.radians(a[:-1])), np.diff(a)])
            else:
                moves = np.column_stack([np.diff(a), np.diff(b)])
                step = np.sqrt((moves**2).sum(axis=1))
            moving = gap > 0
            speeds.append(_positive_log(step[moving] / gap[moving], 1e-9))
            norms = np.sqrt((moves**2).sum(axis=1))
            unit = moves[norms > 0] / norms[norms > 0, None]
            if len(unit) > 1:
                cosines.append((unit[1:] * unit[:-1]).sum(axis=1))
        a, b = _pooled_pairs(speeds)
        temporal = _correlation_measure(
            "temporal", "correlation", a, b, "lag-1 correlation of log speeds"
        )
        if cosines:
            pooled = np.concatenate(cosines)
            value = float(pooled.mean())
            # Independent directions: each cosine has mean 0, variance 1/2.
            z_score = value * np.sqrt(2 * pooled.size)
            p_value = float(2 * stats.norm.sf(abs(z_score)))
            text = (
                f"directional persistence (mean cosine of consecutive moves) = {value:.2f} "
                f"(z = {z_score:.1f}, {format_p(p_value)})"
            )
            spatio_temporal = _measure(
                "spatio-temporal", "mean cosine", "correlation", value, z_score, p_value, text
            )
    values = np.concatenate([s.ravel() for s in sequences])
    return DataProfile(
        name=data.name,
        kind=data.kind,
        sampling="irregular",
        n_steps=None,
        n_nodes=None,
        n_channels=None,
        n_sequences=data.n_sequences,
        n_points=data.n_points,
        time_step=pd.Timedelta(seconds=float(np.median(all_gaps))) if all_gaps.size else None,
        missing_rate=float(np.isnan(values).mean()),
        context=("timestamps",) + (("coords",) if locations else ()),
        temporal=temporal,
        spatial=None,
        spatio_temporal=spatio_temporal,
        periods=_hourly_periods(sequences),
        n_marks=data.n_marks,
        spatial_columns=locations,
    )


def _with_text(measure, text):
    return DependenceMeasure(
        measure.dependency,
        measure.statistic,
        measure.value,
        measure.z_score,
        measure.p_value,
        measure.present,
        measure.strength,
        text,
    )


def describe(
    data,
    *,
    max_lag=None,
    spatial=None,
    grid_neighbourhood="rook",
    n_permutations=0,
    random_state=None,
):
    """Profile a data set by the survey's taxonomy: its kind and dependencies, measured.

    The survey of spatio-temporal foundation models classifies data by
    source (series, graph, grid, video, trajectory, event) and by the
    dependencies they show (temporal, spatial, spatio-temporal); this
    function measures each with a classical statistic, and reports the
    sampling, missing values, dominant periods and size that decide which
    models fit (see :func:`recommend`).

    Parameters
    ----------
    data : STData, SequenceData, ndarray or pandas.DataFrame
        The data: an :class:`~sk_stfm.data.STData` (its ``kind``,
        ``adjacency``, ``grid_shape`` and ``timestamps`` are read), a
        :class:`~sk_stfm.data.SequenceData` of trajectories or events, an
        array of shape ``(n_steps, n_channels)`` or ``(n_steps, n_nodes,
        n_channels)`` (NaN = missing), or a DataFrame in the wide layout of
        :meth:`STData.from_frame <sk_stfm.data.STData.from_frame>`.
    max_lag : int or None, default=None
        Largest lag searched for the strongest autocorrelation; ``None``
        means a quarter of the series, at most 1000 steps.
    spatial : None, array-like, sparse matrix, networkx graph or tuple (H, W), default=None
        Spatial context to use instead of the data's, as in the
        ``spatial=`` parameter of the estimators (an adjacency or a grid
        shape); for arrays it is the only way to give one.
    grid_neighbourhood : {"rook", "queen"}, default="rook"
        Neighbours of a grid cell for Moran's I: the 4 cells sharing an
        edge, or the 8 sharing an edge or a corner.
    n_permutations : int, default=0
        Permutations for Moran's I (its p-value then comes from them);
        ``0`` uses the normal approximation only.
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations.

    Returns
    -------
    profile : DataProfile
        The measured profile; ``profile.dependencies`` lists the
        dependencies present.

    Raises
    ------
    TypeError
        If ``data`` is not one of the accepted types.
    ValueError
        If ``data`` has the wrong shape or too few steps, or a parameter is
        out of range.

    Notes
    -----
    For regular data:

    * **temporal**: autocorrelation of every (node, channel) series
      (:func:`autocorrelation`), averaged over series; the statistic is its
      largest absolute value over lags ``1 .. max_lag``, with the
      white-noise z-score ``r * sqrt(n_steps)`` and a Bonferroni correction
      over the lags.
    * **spatial**: Moran's I (:func:`morans_i`) of the values of each step
      and channel on the adjacency, or on the rook / queen lattice of a
      grid, averaged over steps; without a graph, the mean correlation
      between node series.
    * **spatio-temporal**: the same statistic on the step-to-step changes
      ``x[t] - x[t - 1]``: whether neighbours *change* together, which a
      static spatial pattern alone does not produce.
    * **periods**: :func:`dominant_periods`; a period within one step of a
      round duration (hours, days, weeks) is snapped to it, and its
      duration is given when the timestamps are regular.

    For sequences (always irregular): temporal dependence is the lag-1
    correlation of the log inter-event times (events) or log speeds
    (trajectories), within sequences; spatio-temporal dependence is the
    rank correlation of the time and the distance to the previous event
    (events with locations) or the directional persistence of consecutive
    moves (trajectories); periods are those of the hourly counts of points.

    At most 256 series, 200 nodes (correlations) and 2000 steps (Moran's I)
    are used, evenly spread, so that large data are described in well
    under a second.

    Examples
    --------
    >>> from sk_stfm.datasets import load_los_loop
    >>> from sk_stfm.taxonomy import describe
    >>> profile = describe(load_los_loop())
    >>> profile.dependencies
    ('temporal', 'spatial', 'spatio-temporal')
    >>> round(profile.spatial.value, 2), profile.spatial.strength
    (0.33, 'moderate')
    >>> str(profile.periods[0])
    '288 steps (24 h)'
    """
    _check_params(max_lag, grid_neighbourhood, n_permutations)
    data = _as_data(data, spatial)
    if isinstance(data, SequenceData):
        return _sequence_profile(data)
    return _regular_profile(data, max_lag, grid_neighbourhood, n_permutations, random_state)
