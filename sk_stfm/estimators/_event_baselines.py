"""Classical point-process baselines: homogeneous Poisson and exponential Hawkes.

They read the same columns and observation windows as
:class:`~sk_stfm.estimators.EventForecaster` and report log-likelihoods in
the same units, so that the three can be compared on the same events.
Marks follow the training frequencies (add-one smoothed) and locations a
Gaussian mixture fitted to the training locations, both independent of the
history: only the time model differs between the two baselines.
"""

import numbers

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..data._events import (
    SPATIAL_COLUMNS,
    check_marks,
    observation_windows,
    read_intensity_query,
    read_sequences,
)
from ..utils import STFMTags
from ..utils._compat import Interval, fit_context
from ..utils._deprecation import renamed_argument
from ..utils._test_params import TestParamsMixin


class _BaseEventBaseline(TestParamsMixin, BaseEstimator):
    """Columns, marks, locations and scoring shared by the baselines."""

    _parameter_constraints: dict = {
        "columns": [tuple, list, None],
        "n_marks": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "n_spatial_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, columns=None, n_marks=None, n_spatial_components=8, random_state=None):
        self.columns = columns
        self.n_marks = n_marks
        self.n_spatial_components = n_spatial_components
        self.random_state = random_state

    def _roles(self):
        mark = self.columns_.index("mark") if "mark" in self.columns_ else None
        return mark, [self.columns_.index(c) for c in SPATIAL_COLUMNS if c in self.columns_]

    @fit_context(prefer_skip_nested_validation=True)
    @renamed_argument("sequences", "X")
    def fit(self, X, y=None, *, start_times=None, end_times=None):
        """Fit the time, mark and location models by maximum likelihood.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences, time first, strictly increasing.
        y : None
            Ignored; present for API consistency.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows, as in :class:`EventForecaster`.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, self.columns_, data_marks = read_sequences(X, "X", self.columns)
        mark, spatial = self._roles()
        start, end = observation_windows(X, start_times, end_times)
        scored = [
            s[(s[:, 0] > a) & (s[:, 0] <= b)] for s, a, b in zip(X, start, end, strict=True)
        ]
        points = np.concatenate(scored) if sum(map(len, scored)) else np.concatenate(X)
        self.n_marks_ = 0
        if mark is not None:
            n_marks = self.n_marks if self.n_marks is not None else data_marks
            if n_marks is None:
                check_marks(X, mark, np.inf, "X")
                n_marks = int(max(s[:, mark].max() for s in X)) + 1
            self.n_marks_ = int(n_marks)
            check_marks(X, mark, max(self.n_marks_, 1), "X")
            counts = np.bincount(points[:, mark].astype(int), minlength=self.n_marks_)
            self.mark_log_proba_ = np.log((counts + 1.0) / (counts.sum() + self.n_marks_))
        if spatial:
            # Imported here: sklearn.mixture (and the sklearn.cluster it
            # imports) cost ``import sk_stfm`` a second for located events only.
            from sklearn.mixture import GaussianMixture

            self.spatial_model_ = GaussianMixture(
                min(self.n_spatial_components, len(points)), random_state=self.random_state
            ).fit(points[:, spatial])
        self._fit_time(X, start, end)
        return self

    @renamed_argument("sequences", "X")
    def score_components(self, X, *, start_times=None, end_times=None):
        """Log-likelihood per event, split into time, mark and location.

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows.

        Returns
        -------
        components : dict
            ``"time"``, ``"mark"``, ``"space"``, ``"total"`` (sums over all
            X divided by ``"n_events"``, the number of scored
            events), as :meth:`EventForecaster.score_components`.
        """
        check_is_fitted(self)
        X, _, _ = read_sequences(X, "X", self.columns_, len(self.columns_))
        mark, spatial = self._roles()
        start, end = observation_windows(X, start_times, end_times)
        time_ll, n_events = self._time_log_likelihood(X, start, end)
        scored = [
            s[(s[:, 0] > a) & (s[:, 0] <= b)] for s, a, b in zip(X, start, end, strict=True)
        ]
        points = np.concatenate(scored) if n_events else np.zeros((0, len(self.columns_)))
        mark_ll = space_ll = 0.0
        if mark is not None and self.n_marks_:
            check_marks(X, mark, self.n_marks_, "X")
            mark_ll = float(self.mark_log_proba_[points[:, mark].astype(int)].sum())
        if spatial and n_events:
            space_ll = float(self.spatial_model_.score_samples(points[:, spatial]).sum())
        per = max(n_events, 1)
        return {
            "time": float(time_ll / per),
            "mark": float(mark_ll / per),
            "space": float(space_ll / per),
            "total": float((time_ll + mark_ll + space_ll) / per),
            "n_events": n_events,
        }

    @renamed_argument("sequences", "X")
    def score(self, X, y=None, *, start_times=None, end_times=None):
        """Mean log-likelihood per event (time, mark and location).

        Parameters
        ----------
        X : list of array-like of shape (n_events, n_columns) or SequenceData
            Event sequences.
        y : None
            Ignored; present for API consistency.
        start_times, end_times : float, array-like of shape (n_sequences,) or None
            Observation windows.

        Returns
        -------
        score : float
            Total log-likelihood divided by the number of scored events.
        """
        return self.score_components(X, start_times=start_times, end_times=end_times)[
            "total"
        ]

    def intensity(self, sequence, times):
        """Conditional intensity at each time, given the events before it.

        Parameters
        ----------
        sequence : array-like of shape (n_events, n_columns)
            One event sequence, in the training columns.
        times : array-like of shape (n_times,)
            Where to evaluate the intensity, in the units of time.

        Returns
        -------
        intensity : ndarray of shape (n_times,)
            Expected events per unit of time (all marks); NaN at times at or
            before the first event, as :meth:`EventForecaster.intensity`.
        """
        check_is_fitted(self)
        sequence, query, n_before = read_intensity_query(sequence, times, self.columns_)
        out = self._time_intensity(sequence[:, 0], query, n_before)
        return np.where(n_before > 0, out, np.nan)

    def __stfm_tags__(self):
        return STFMTags(
            data_kinds=("event",),
            dependencies=("temporal", "spatio-temporal"),
            tasks=("forecasting",),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Sequence estimator: fit takes a list of event sequences.
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags


class PoissonProcess(_BaseEventBaseline):
    """Homogeneous Poisson process: a constant rate, fitted in closed form.

    The rate is the number of scored training events over the total length
    of the training windows; the log-likelihood of a window of length ``T``
    with ``n`` events is ``n log(rate) - rate T``. Marks and locations as
    described in the module (training frequencies, a Gaussian mixture).

    Parameters
    ----------
    columns : tuple of str or None, default=None
        Column names, as in :class:`EventForecaster`.
    n_marks : int or None, default=None
        Number of mark types; ``None``: from the data.
    n_spatial_components : int, default=8
        Components of the Gaussian mixture over locations.
    random_state : int, RandomState instance or None, default=None
        Seeds the Gaussian mixture.

    Attributes
    ----------
    columns_ : tuple of str
        Column names.
    n_marks_ : int
        Number of mark types (0 when unmarked).
    rate_ : float
        Events per unit of time.
    mark_log_proba_ : ndarray of shape (n_marks,)
        Log frequencies of the marks (marked data only).
    spatial_model_ : sklearn.mixture.GaussianMixture
        Density of the locations (data with ``x`` and ``y`` only).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import PoissonProcess
    >>> sequences = [np.arange(1.0, 11.0)[:, None]]
    >>> model = PoissonProcess().fit(sequences, start_times=0.0, end_times=10.0)
    >>> model.rate_
    1.0
    >>> round(model.score(sequences, start_times=0.0, end_times=10.0), 6)
    -1.0
    """

    def _fit_time(self, sequences, start, end):
        n = sum(
            int(((s[:, 0] > a) & (s[:, 0] <= b)).sum())
            for s, a, b in zip(sequences, start, end, strict=True)
        )
        length = float(np.sum(end - start))
        if n == 0 or length <= 0:
            raise ValueError(
                "X holds no scored event in their observation windows (after "
                "start_times, up to end_times) to fit a rate to."
            )
        self.rate_ = float(n / length)

    def _time_log_likelihood(self, sequences, start, end):
        n = sum(
            int(((s[:, 0] > a) & (s[:, 0] <= b)).sum())
            for s, a, b in zip(sequences, start, end, strict=True)
        )
        return n * np.log(self.rate_) - self.rate_ * float(np.sum(end - start)), n

    def _time_intensity(self, event_times, query, n_before):
        return np.full(query.shape, self.rate_)


def _hawkes_terms(sequences, start, end, mu, alpha, beta):
    """Log-likelihood of an exponential Hawkes process on the windows, and the count.

    Intensity ``mu + alpha beta sum_{t_j < t} exp(-beta (t - t_j))``
    (``alpha`` is the branching ratio); events before a window excite it.
    The sum over past events is ``exp(-beta t_i + logcumsumexp(beta t_j))``,
    computed with ``np.logaddexp.accumulate``: exact, vectorized and free of
    overflow.
    """
    total, count = 0.0, 0
    for sequence, t0, t1 in zip(sequences, start, end, strict=True):
        times = sequence[:, 0]
        times = times[times <= t1]
        if times.size == 0:
            total -= mu * (t1 - t0)
            continue
        cumulative = np.logaddexp.accumulate(beta * times)
        excitation = np.zeros_like(times)
        excitation[1:] = np.exp(cumulative[:-1] - beta * times[1:])
        scored = times > t0
        total += np.log(mu + alpha * beta * excitation[scored]).sum()
        total -= mu * (t1 - t0) + alpha * np.sum(
            np.exp(-beta * np.clip(t0 - times, 0, None)) - np.exp(-beta * (t1 - times))
        )
        count += int(scored.sum())
    return total, count


class HawkesProcess(_BaseEventBaseline):
    """Univariate Hawkes process with an exponential kernel, fitted by maximum likelihood.

    Intensity ``lambda(t) = mu + alpha beta sum_{t_j < t} exp(-beta (t -
    t_j))`` in time (all marks excite alike); ``mu > 0``, branching ratio
    ``0 < alpha < 1`` and decay ``beta > 0`` maximize the exact
    log-likelihood of the training windows (L-BFGS-B on unconstrained
    transforms, time rescaled by the mean gap for conditioning; the
    reported log-likelihood is in the user's units). Marks and locations as
    described in the module.

    Parameters
    ----------
    columns : tuple of str or None, default=None
        Column names, as in :class:`EventForecaster`.
    n_marks : int or None, default=None
        Number of mark types; ``None``: from the data.
    n_spatial_components : int, default=8
        Components of the Gaussian mixture over locations.
    random_state : int, RandomState instance or None, default=None
        Seeds the Gaussian mixture.

    Attributes
    ----------
    columns_ : tuple of str
        Column names.
    n_marks_ : int
        Number of mark types (0 when unmarked).
    mu_ : float
        Background rate (events per unit of time).
    alpha_ : float
        Branching ratio (expected events triggered by one event).
    beta_ : float
        Decay rate of the kernel (per unit of time).
    mark_log_proba_ : ndarray of shape (n_marks,)
        Log frequencies of the marks (marked data only).
    spatial_model_ : sklearn.mixture.GaussianMixture
        Density of the locations (data with ``x`` and ``y`` only).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators import HawkesProcess
    >>> rng = np.random.default_rng(0)
    >>> sequences = [np.cumsum(rng.exponential(size=200))[:, None]]
    >>> model = HawkesProcess().fit(sequences)
    >>> bool(model.alpha_ < 0.5)
    True
    """

    def _fit_time(self, sequences, start, end):
        gaps = np.concatenate([np.diff(s[:, 0]) for s in sequences])
        scale = float(gaps.mean()) if gaps.size else 1.0
        scaled = [s[:, :1] / scale for s in sequences]
        a, b = start / scale, end / scale

        def loss(theta):
            mu, alpha, beta = np.exp(theta[0]), 1 / (1 + np.exp(-theta[1])), np.exp(theta[2])
            value, count = _hawkes_terms(scaled, a, b, mu, alpha, beta)
            return -value / max(count, 1)

        _, count = _hawkes_terms(scaled, a, b, 1.0, 0.0, 1.0)
        rate = max(count, 1) / max(float(np.sum(b - a)), 1e-12)
        best = None
        for beta0 in (0.1, 1.0, 10.0):  # the likelihood is not concave in beta
            theta0 = np.array([np.log(rate * 0.5), 0.0, np.log(beta0)])
            result = minimize(loss, theta0, method="L-BFGS-B")
            if best is None or result.fun < best.fun:
                best = result
        theta = best.x
        self.mu_ = float(np.exp(theta[0]) / scale)
        self.alpha_ = float(1 / (1 + np.exp(-theta[1])))
        self.beta_ = float(np.exp(theta[2]) / scale)

    def _time_log_likelihood(self, sequences, start, end):
        return _hawkes_terms(sequences, start, end, self.mu_, self.alpha_, self.beta_)

    def _time_intensity(self, event_times, query, n_before):
        # The sum over the events before each query, as in _hawkes_terms:
        # a running log-sum-exp of beta * t_j, at most log(n) above 0.
        cumulative = np.logaddexp.accumulate(self.beta_ * event_times)
        before = cumulative[np.maximum(n_before - 1, 0)] - self.beta_ * query
        excitation = np.where(n_before > 0, np.exp(before), 0.0)
        return self.mu_ + self.alpha_ * self.beta_ * excitation
