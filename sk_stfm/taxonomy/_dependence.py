"""Dependence statistics: autocorrelation, Moran's I and dominant periods.

These are the measurements behind :func:`~sk_stfm.taxonomy.describe`: the
survey classifies data by the dependencies they show (temporal, spatial,
spatio-temporal), and each is measured here by a classical statistic whose
null distribution is known, so that a profile can say both how strong a
dependence is and whether it is distinguishable from noise.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import signal, stats
from scipy.fft import next_fast_len
from sklearn.utils import check_random_state

from ..data import check_adjacency

_MAX_PEAKS = 100
_MIN_RELATIVE_POWER = 0.01


def _as_series_matrix(values, name="values"):
    """Series as columns of a (n_steps, n_series) float array; NaN kept."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim < 2:
        raise ValueError(f"{name} must have a time axis first; got shape {array.shape}.")
    return array.reshape(array.shape[0], -1)


def _centred(matrix):
    """Each column minus its observed mean, NaN set to 0 (the mean).

    Missing entries then add nothing to a lagged product: the estimates
    shrink towards zero where data are missing instead of failing.
    """
    with np.errstate(invalid="ignore"):
        observed = np.isfinite(matrix)
        counts = observed.sum(axis=0)
        means = np.where(counts > 0, np.nansum(matrix, axis=0) / np.maximum(counts, 1), 0.0)
    centred = np.where(observed, matrix - means, 0.0)
    return centred


def autocorrelation(values, max_lag=None):
    """Sample autocorrelation of each series, computed by FFT.

    The biased estimator ``r_k = sum_t z_t z_{t+k} / sum_t z_t^2`` of
    Box and Jenkins, which is what white-noise bands (``±1.96 / sqrt(n)``)
    and the Ljung-Box test assume. Missing values (NaN) count as the
    series' mean.

    Parameters
    ----------
    values : array-like of shape (n_steps,) or (n_steps, ...)
        One series, or several: every axis after the first is flattened
        into series (for example ``(n_steps, n_nodes, n_channels)``).
    max_lag : int or None, default=None
        Largest lag returned; ``None`` means ``n_steps - 1``.

    Returns
    -------
    acf : ndarray of shape (max_lag + 1, n_series)
        ``acf[k, j]`` is the lag-``k`` autocorrelation of series ``j``;
        ``acf[0]`` is 1 (0 for a constant series).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.taxonomy import autocorrelation
    >>> t = np.arange(240)
    >>> acf = autocorrelation(np.sin(2 * np.pi * t / 24), max_lag=24)
    >>> acf.shape
    (25, 1)
    >>> round(float(acf[24, 0]), 2), round(float(acf[12, 0]), 2)
    (0.9, -0.95)
    """
    matrix = _centred(_as_series_matrix(values))
    n_steps = matrix.shape[0]
    if max_lag is None:
        max_lag = n_steps - 1
    if not isinstance(max_lag, int | np.integer) or isinstance(max_lag, bool) or max_lag < 0:
        raise ValueError(f"max_lag must be a non-negative int or None; got {max_lag!r}.")
    max_lag = int(min(max_lag, n_steps - 1))
    # Zero-padding to twice the length makes the circular correlation of
    # the FFT the linear one.
    size = next_fast_len(2 * n_steps)
    spectrum = np.fft.rfft(matrix, n=size, axis=0)
    covariance = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=0)[: max_lag + 1]
    variance = covariance[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        acf = np.where(variance > 0, covariance / np.where(variance > 0, variance, 1.0), 0.0)
    return acf


@dataclass(frozen=True)
class MoranResult:
    """Moran's I of values on a spatial weight matrix, with its significance.

    Parameters
    ----------
    statistic : float
        Moran's I (the mean over snapshots when several were given).
    expected : float
        Its expectation under no spatial autocorrelation, ``-1 / (n - 1)``.
    variance : float
        Its variance under the normality assumption (Cliff and Ord), for
        one snapshot.
    z_score : float
        ``(statistic - expected) / sqrt(variance)``.
    p_value : float
        Two-sided p-value of the z-score under normality.
    p_value_permutation : float or None
        Pseudo p-value of a permutation test (one-sided, in the direction
        of the observed statistic), or ``None`` without permutations.
    n_snapshots : int
        Number of snapshots averaged.

    Examples
    --------
    >>> from sk_stfm.taxonomy import MoranResult
    >>> result = MoranResult(0.5, -0.1, 0.01, 6.0, 2e-9, None, 1)
    >>> result.z_score
    6.0
    """

    statistic: float
    expected: float
    variance: float
    z_score: float
    p_value: float
    p_value_permutation: float | None
    n_snapshots: int


def _weight_moments(weights):
    """S0, S1, S2 of Cliff and Ord for a sparse weight matrix."""
    s0 = float(weights.sum())
    symmetric = weights + weights.T
    s1 = 0.5 * float(symmetric.multiply(symmetric).sum())
    degrees = np.asarray(weights.sum(axis=0)).ravel() + np.asarray(weights.sum(axis=1)).ravel()
    s2 = float((degrees**2).sum())
    return s0, s1, s2


def _moran_statistics(centred, weights, s0):
    """Moran's I of each row of ``centred`` (rows with no variance: NaN)."""
    n_nodes = centred.shape[1]
    lagged = (weights @ centred.T).T
    numerator = np.einsum("ti,ti->t", centred, lagged)
    denominator = np.einsum("ti,ti->t", centred, centred)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, n_nodes / s0 * numerator / denominator, np.nan)


def morans_i(values, weights, *, n_permutations=0, random_state=None):
    """Compute Moran's I, the spatial autocorrelation of values on a weight matrix.

    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2`` with ``z`` the
    values minus their mean over nodes and ``S0`` the sum of the weights.
    ``I`` near ``1`` means neighbours are alike, near ``-1 / (n - 1)``
    (its expectation) no spatial pattern, negative values a checkerboard.

    Parameters
    ----------
    values : array-like of shape (n_nodes,) or (n_snapshots, n_nodes)
        One value per node, or several snapshots (time steps, channels);
        NaN is missing and counts as the snapshot's mean.
    weights : array-like, scipy sparse matrix or networkx graph of shape (n_nodes, n_nodes)
        Spatial weights (an adjacency); the diagonal is ignored.
    n_permutations : int, default=0
        Random relabellings of the nodes for a permutation test (the same
        relabelling of every snapshot, so temporal structure is kept);
        ``0`` skips it.
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations.

    Returns
    -------
    result : MoranResult
        The statistic, averaged over snapshots, and its significance.

    Notes
    -----
    The z-score uses the variance of one snapshot under the normality
    assumption (Cliff and Ord, 1981). Snapshots of a time series are not
    independent, so the z-score of the mean is that of a typical snapshot,
    not of ``n_snapshots`` independent draws; the permutation test, which
    relabels all snapshots alike, is exact for the mean.

    Examples
    --------
    Values that vary smoothly along a path of 50 nodes are strongly
    autocorrelated; shuffled ones are not:

    >>> import numpy as np
    >>> from sk_stfm.taxonomy import morans_i
    >>> path = np.eye(50, k=1) + np.eye(50, k=-1)
    >>> smooth = np.sin(np.linspace(0, 3, 50))
    >>> result = morans_i(smooth, path)
    >>> round(result.statistic, 2), bool(result.p_value < 0.001)
    (0.93, True)
    >>> shuffled = np.random.default_rng(0).permutation(smooth)
    >>> bool(abs(morans_i(shuffled, path).z_score) < 2)
    True
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(
            f"values must have shape (n_nodes,) or (n_snapshots, n_nodes); got {x.shape}."
        )
    n_nodes = x.shape[1]
    if n_nodes < 3:
        raise ValueError(f"values must have at least 3 nodes for Moran's I; got {n_nodes}.")
    matrix = sp.csr_array(check_adjacency(weights, n_nodes, name="weights"), copy=True)
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    s0, s1, s2 = _weight_moments(matrix)
    if s0 <= 0:
        raise ValueError("weights must have at least one edge between distinct nodes.")
    centred = _centred(x.T).T
    per_snapshot = _moran_statistics(centred, matrix, s0)
    statistic = float(np.nanmean(per_snapshot)) if np.isfinite(per_snapshot).any() else np.nan
    expected = -1.0 / (n_nodes - 1)
    variance = (n_nodes**2 * s1 - n_nodes * s2 + 3 * s0**2) / (
        (n_nodes**2 - 1) * s0**2
    ) - expected**2
    variance = max(float(variance), 1e-300)
    z_score = (statistic - expected) / np.sqrt(variance)
    p_value = float(2 * stats.norm.sf(abs(z_score))) if np.isfinite(z_score) else np.nan
    p_permutation = None
    if n_permutations:
        rng = check_random_state(random_state)
        permuted = np.empty(int(n_permutations))
        for index in range(int(n_permutations)):
            order = rng.permutation(n_nodes)
            permuted[index] = np.nanmean(_moran_statistics(centred[:, order], matrix, s0))
        if statistic >= expected:
            extreme = np.sum(permuted >= statistic)
        else:
            extreme = np.sum(permuted <= statistic)
        p_permutation = float((extreme + 1) / (n_permutations + 1))
    return MoranResult(
        statistic=statistic,
        expected=float(expected),
        variance=float(variance),
        z_score=float(z_score),
        p_value=p_value,
        p_value_permutation=p_permutation,
        n_snapshots=int(x.shape[0]),
    )


def _spectrum(matrix):
    """Periodogram averaged over series, each scaled to unit total power."""
    n_steps = matrix.shape[0]
    steps = np.arange(n_steps, dtype=np.float64)
    centred = _centred(matrix)
    # A linear trend leaks power into the lowest frequencies and would
    # mask the seasonal peaks.
    slope = (steps - steps.mean()) @ centred / max(((steps - steps.mean()) ** 2).sum(), 1e-12)
    detrended = centred - np.outer(steps - steps.mean(), slope)
    power = np.abs(np.fft.rfft(detrended, axis=0)) ** 2
    power[0] = 0.0
    totals = power.sum(axis=0)
    power = power[:, totals > 0] / totals[totals > 0]
    if power.shape[1] == 0:
        return np.zeros(n_steps // 2 + 1)
    return power.mean(axis=1)


def _background(power, k):
    """Median power of the frequencies from ``k / 2`` to ``2 k``, the peak's bins left out.

    Real spectra are red (more power at low frequencies): a peak is judged
    against its neighbourhood, not against the whole periodogram, so that
    slow drifts are not mistaken for periods.
    """
    low, high = max(1, k // 2), min(power.size, 2 * k + 2)
    neighbours = np.concatenate([power[low : max(low, k - 1)], power[k + 2 : high]])
    neighbours = neighbours[neighbours > 0]
    return float(np.median(neighbours)) if neighbours.size else np.inf


def _noise_ratio(n_series, n_bins, alpha=0.01):
    """Ratio to the median that noise exceeds in no bin, with probability ``1 - alpha``.

    A periodogram bin of white noise is exponential; averaged over
    ``n_series`` series it is Gamma-distributed. Series of one data set are
    correlated, so at most 4 count as independent: the bound errs towards
    missing a weak period rather than reporting noise.
    """
    shape = min(max(int(n_series), 1), 4)
    law = stats.gamma(a=shape, scale=1.0 / shape)
    return float(law.isf(alpha / max(n_bins, 1)) / law.median())


def _is_harmonic(period, stronger, tolerance=0.02):
    """Whether ``period`` is a half, third or quarter of a stronger period."""
    for other in stronger:
        ratio = other / period
        multiple = round(ratio)
        if multiple in (2, 3, 4) and abs(other - multiple * period) <= max(1, tolerance * other):
            return True
    return False


def dominant_periods(values, n_periods=3, *, min_cycles=3, min_power_ratio=5.0):
    """Dominant periods of one or several series, in steps.

    The AutoPeriod recipe (Vlachos, Yu and Castelli, 2005): peaks of the
    periodogram propose periods, and the autocorrelation validates and
    refines them to a whole number of steps.

    1. The periodogram of each detrended series, scaled to unit power, is
       averaged over series; its local maxima that exceed the median of the
       neighbouring frequencies by ``min_power_ratio``, and by what white
       noise exceeds in no bin with probability 0.99, are candidates.
    2. Each candidate is refined to the lag of largest autocorrelation
       (averaged over series) within the periodogram bin's range of
       periods, and kept if that lag is a local maximum of the
       autocorrelation above the 95 % white-noise band ``1.96 / sqrt(n_steps)``.
    3. Harmonics (a half, third or quarter of a stronger period, such as
       12 h under a 24 h cycle) and peaks with less than 1 % of the power
       of the strongest are dropped, and the ``n_periods`` with the most
       power are returned, strongest first.

    Parameters
    ----------
    values : array-like of shape (n_steps,) or (n_steps, ...)
        The series; axes after the first are flattened into series. NaN is
        missing and counts as the series' mean.
    n_periods : int, default=3
        Most periods returned.
    min_cycles : int, default=3
        Periods longer than ``n_steps / min_cycles`` are not considered:
        a period needs several cycles to be told from a trend.
    min_power_ratio : float, default=5.0
        Least ratio of a peak to the median periodogram of the frequencies
        around it (from half to twice its frequency): spectra of real data
        are red, so a peak is judged against its neighbourhood.

    Returns
    -------
    periods : list of tuple (int, float, float)
        ``(period in steps, autocorrelation at that lag, share of the
        spectral power in the peak's bin)`` of each period found.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.taxonomy import dominant_periods
    >>> t = np.arange(24 * 7 * 8)
    >>> rng = np.random.default_rng(0)
    >>> series = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168)
    >>> [period for period, _, _ in dominant_periods(series + 0.1 * rng.normal(size=t.size))]
    [24, 168]
    """
    matrix = _as_series_matrix(values)
    n_steps = matrix.shape[0]
    if n_steps < 8:
        return []
    power = _spectrum(matrix)
    # Padding with zeros lets the first and last bins be peaks; an index
    # into the padded array is then the frequency index k itself.
    peaks, _ = signal.find_peaks(np.concatenate([[0.0], power[1:], [0.0]]))
    peaks = [k for k in peaks if 1 <= k < power.size and 2 <= n_steps / k <= n_steps / min_cycles]
    # Only the strongest local maxima can be periods; judging every one of
    # them against its neighbourhood would cost O(n_steps^2) on long series.
    peaks = sorted(peaks, key=lambda k: -power[k])[:_MAX_PEAKS]
    threshold = max(min_power_ratio, _noise_ratio(matrix.shape[1], power.size - 1))
    candidates = [k for k in peaks if power[k] >= threshold * _background(power, k)]
    candidates.sort(key=lambda k: -power[k])
    if not candidates:
        return []
    largest = int(np.ceil(n_steps / max(min(candidates), 1) * 1.1)) + 2
    acf = autocorrelation(matrix, max_lag=min(n_steps - 1, largest)).mean(axis=1)
    band = 1.96 / np.sqrt(n_steps)
    found = {}
    for k in candidates[:20]:
        low = max(2, int(np.floor(n_steps / (k + 1))))
        high = min(acf.size - 2, int(np.ceil(n_steps / max(k - 1, 0.5))))
        if high < low:
            continue
        lag = low + int(np.argmax(acf[low : high + 1]))
        # A period must be a hill of the autocorrelation, above the 95 %
        # white-noise band: a periodogram peak alone is often noise.
        is_hill = acf[lag] >= acf[lag - 1] and acf[lag] >= acf[lag + 1] and acf[lag] > band
        if is_hill and lag not in found:
            found[lag] = (float(acf[lag]), float(power[k]))
    kept = []
    for lag, (value, share) in sorted(found.items(), key=lambda item: -item[1][1]):
        # A bin with a hundredth of the strongest peak's power is a ripple
        # of the autocorrelation at a multiple of that period, not a cycle.
        if kept and share < _MIN_RELATIVE_POWER * kept[0][2]:
            break
        if not _is_harmonic(lag, [other for other, _, _ in kept]):
            kept.append((int(lag), value, share))
    return kept[:n_periods]
