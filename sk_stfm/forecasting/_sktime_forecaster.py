"""SktimeForecaster: an sk_stfm window forecaster behind sktime's forecasting API."""

import numbers

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.forecasting.base import BaseForecaster

from ..data import make_windows
from ..data._validation import check_int
from ..estimators import DLinearConfig, MLPConfig, STForecaster
from ..objectives import Diffusion
from ..taxonomy._history import dominant_period, resolve_history
from ..taxonomy._season import calendar_period
from ._baseline_choice import MAX_WINDOWS, choose_strategy, mean_absolute_error, naive_forecasts
from ._observations import Observations

# Epochs of the fine-tune of ``update(update_params=True)`` over the windows of
# the updated series (see the Notes of SktimeForecaster for the measurement).
UPDATE_EPOCHS = 5
# What a fine-tune sets on the fitted estimator, and restores afterwards:
# a fixed number of epochs at a constant rate, all windows training (the
# new ones are the last: a validation split would hold them out).
_FINE_TUNE = {
    "warm_start": True,
    "max_epochs": UPDATE_EPOCHS,
    "lr_schedule": "constant",
    "patience": None,
    "validation_fraction": 0.0,
}


def _default_estimator():
    return STForecaster()


def _is_probabilistic(estimator):
    """Whether ``estimator`` forecasts quantiles (``available_if`` hides the method)."""
    try:
        return hasattr(estimator, "predict_quantiles")
    except (TypeError, ValueError):
        # An invalid objective is reported by fit, not by the constructor.
        return False


class SktimeForecaster(BaseForecaster):
    """Any sk_stfm window forecaster as an sktime forecaster.

    ``fit(y, X, fh)`` cuts the series into windows of ``history`` input
    steps (by default chosen from the series' length and period) and
    ``max(fh)`` target steps (:func:`~sk_stfm.data.make_windows`)
    and trains a clone of ``estimator`` on them; ``predict`` feeds it the
    last ``history`` steps observed and returns the steps of ``fh``. The
    forecaster is global: a panel (``pd-multiindex``, instances x time) is
    one window array whose nodes are the instances, so one model learns
    from all of them and a graph backbone sees them as the nodes of its
    graph. Columns of ``y`` are the target channels; the columns of ``X``
    are appended to the input channels as side information.

    Parameters
    ----------
    estimator : estimator or None, default=None
        A window forecaster with ``fit(X, y)`` and ``predict(X)`` on arrays
        of shape ``(n_windows, n_steps, n_nodes, n_channels)``, such as
        :class:`~sk_stfm.estimators.STForecaster` (the default, ``None``,
        is ``STForecaster()``). Cloned in ``fit``. With a ``predict_quantiles``
        method (a probabilistic objective such as
        :class:`~sk_stfm.objectives.Diffusion`) the forecaster also gives
        ``predict_quantiles`` and ``predict_interval``.
    history : int or "auto", default="auto"
        Input steps of each window: the look-back the model forecasts from.
        ``y`` in ``fit`` needs at least ``history + max(fh)`` steps (one
        training window). ``"auto"`` chooses it in ``fit`` from the length
        of ``y``, the horizon and the dominant period of ``y`` (see Notes),
        and needs ``y`` of at least ``4 + max(fh)`` steps; the value used
        is ``history_``.
    stride : int, default=1
        Steps between the starts of consecutive training windows; a larger
        stride trains on fewer windows of a long series.
    baseline : {"auto"} or None, default="auto"
        ``"auto"``: when the series gives fewer than 500 training windows
        (too few for the network to validate itself), hold out its last
        ``max(fh)`` steps, fit the network on the steps before them and
        compare its error there (MAE over nodes and targets) with the naive
        (last value) and seasonal naive (``period_``) forecasts
        from the same origin; the rule with the lowest error forecasts, the
        network on ties. The choice is ``strategy_``, the errors
        ``validation_errors_``. The network is fitted on the whole series
        in every case. Probabilistic estimators are not checked. ``None``
        always forecasts with the network.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (``STForecaster()`` if it is
        ``None``).
    horizon_ : int
        Target steps of the windows: the largest step of ``fh``.
    history_ : int
        Input steps of the windows: ``history``, or the one ``"auto"``
        chose for the series of the last fit.
    strategy_ : {"model", "naive", "seasonal_naive"}
        What forecasts: the fitted network, or the naive rule that beat it
        on the held-out end of the series (see ``baseline``).
    validation_errors_ : dict of str to float
        Held-out MAE of each candidate of ``baseline="auto"`` (empty when no
        check ran).
    period_ : int or None
        Season length of the seasonal naive forecast: the calendar season
        of the index (12 months, 4 quarters, 52 weeks, the day of sub-daily
        steps), else the strongest period of
        :func:`~sk_stfm.taxonomy.describe`, else ``None``.

    See Also
    --------
    sk_stfm.estimators.STForecaster : The window forecaster wrapped by default.
    sk_stfm.data.make_windows : How the series is cut into training windows.

    Notes
    -----
    ``fh`` must be out of sample (steps after the cutoff); the network
    forecasts steps ``1 .. max(fh)`` at once and the steps of ``fh`` are
    taken from them. The horizon is fixed by ``fit``: predicting another
    ``fh`` needs a new fit, as sktime's ``requires-fh-in-fit`` tag says.

    ``history="auto"`` reads the series of ``n`` steps (the targets) and
    the horizon ``h = max(fh)``:

    1. the preferred history is two cycles of the strongest period that
       :func:`~sk_stfm.taxonomy.describe` finds, ``2 p``, and at least
       ``h``; without a period it is ``4 h``, and at least 8;
    2. it is capped so that at least half of the ``n - h + 1`` window
       starts, and at least 8, remain training windows (at stride 1), and
       at 512 steps;
    3. it is at least 4 steps, leaving fewer training windows (down to
       one) on a series shorter than ``h + 11`` steps. A series shorter
       than ``4 + h`` steps raises a ``ValueError`` naming that length.

    A 144-month series with a yearly cycle and ``h = 12`` gets 24 months;
    a 36-month one without a period found gets 13 months for ``h = 12``
    and 12 months for ``h = 3``. ``update(update_params=True)`` keeps
    ``history_``: it is the input length of the fitted network.

    Exogenous ``X`` is only used over the past: each input window holds
    the ``X`` of its ``history`` steps, so ``predict`` needs no future
    ``X`` (one passed is ignored), and the ``X`` given to ``fit`` and
    ``update`` provides the context. Steps of ``X`` that are not given (an
    ``update`` without ``X``) are missing values, which the window model
    fills like any other.

    ``update(y, X, update_params=False)`` appends the new steps to the
    observed series, so that the next forecast starts from them, and keeps
    the weights. ``update_params=True`` also fine-tunes the fitted network
    instead of training a new one: ``estimator_`` continues training
    (``warm_start=True``) for 5 epochs, at its learning rate held constant
    and without validation, on the windows of all the steps observed so
    far, cut with the ``history_``, ``stride`` and horizon of ``fit``; its
    parameters are left as they were. When the new steps cover the
    horizon, ``baseline="auto"`` first checks the network against the naive
    rules on the last ``max(fh)`` steps, which it has not seen: the
    held-out check of a refit, without its second network. With fewer new
    steps the last choice stands. An estimator without ``warm_start`` (not
    an sk_stfm one) is refitted on all the steps, as by ``fit``.

    The budget was measured on the airline series (144 months; default
    ``STForecaster(random_state=0)``, one CPU thread), fitting on the first
    96, 108 and 120 months, updating with the next 12 and forecasting the
    12 after them: the mean absolute error over the three origins was 23.5
    after a 5-epoch update, 24.7, 24.0 and 26.4 after 3, 10 and 20 epochs
    (24.8 with 5 epochs at a tenth of the rate), 23.5 after a refit, 26.1
    without an update and 35.9 for the seasonal naive forecast. From 120
    months, the update took 0.3 s against 10 s for a refit of one network
    (``baseline=None``) and 20 s with the default baseline check, with
    errors of 18.2 (update), 17.9 (refit) and 47.8 (seasonal naive).

    Missing values (NaN) are allowed in ``y`` and ``X`` when the estimator
    allows them, as ``STForecaster`` does: inputs are filled along time and
    missing targets are left out of the loss.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sk_stfm.estimators import STForecaster
    >>> from sk_stfm.forecasting import SktimeForecaster
    >>> t = np.arange(240)
    >>> index = pd.period_range("2024-01-01", periods=240, freq="h")
    >>> y = pd.Series(np.sin(2 * np.pi * t / 24), index=index, name="load")
    >>> forecaster = SktimeForecaster(STForecaster(backbone="dlinear", max_epochs=10, random_state=0))
    >>> forecaster = forecaster.fit(y, fh=[1, 2, 3])
    >>> forecaster.history_  # two cycles of the daily period
    48
    >>> y_pred = forecaster.predict()
    >>> y_pred.index[0], y_pred.shape
    (Period('2024-01-11 00:00', 'h'), (3,))
    """

    _tags = {
        "authors": ["sk_stfm developers"],
        "maintainers": ["sk_stfm developers"],
        # Series are one node, panels are nodes of one window array;
        # hierarchical data is vectorized by sktime over the upper levels.
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        # Future X is never read: a window holds the X of its past steps.
        "capability:non_contiguous_X": True,
        "capability:categorical_in_X": False,
        "capability:missing_values": True,
        # The nodes of a window array share their time steps.
        "capability:unequal_length": False,
        # The network is trained for the steps after the cutoff.
        "capability:insample": False,
        "capability:pred_int:insample": False,
        # Set per instance by __dynamic_tags__ from the estimator.
        "capability:pred_int": True,
        "property:randomness": "stochastic",
        "capability:random_state": False,
        # The horizon is the length of the training targets.
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        # update(update_params=True) fine-tunes the fitted network.
        "capability:update": True,
        "fit_is_empty": False,
    }

    def __init__(self, estimator=None, history="auto", stride=1, baseline="auto"):
        self.estimator = estimator
        self.history = history
        self.stride = stride
        self.baseline = baseline
        super().__init__()

    def __dynamic_tags__(self):
        """Set the tags that depend on the wrapped estimator."""
        self._set_estimator_tags()

    def _set_estimator_tags(self):
        estimator = _default_estimator() if self.estimator is None else self.estimator
        params = estimator.get_params() if hasattr(estimator, "get_params") else {}
        # An int seed fixes weights, shuffling and sampling: same data, same forecasts.
        seeded = isinstance(params.get("random_state"), numbers.Integral)
        self.set_tags(
            **{
                "capability:pred_int": _is_probabilistic(estimator),
                "property:randomness": "deterministic" if seeded else "stochastic",
            }
        )

    # ------------------------------------------------------------- fitting
    def _fit(self, y, X, fh):
        """Train a clone of ``estimator`` on the windows of ``y`` and ``X``.

        Parameters
        ----------
        y : pd.DataFrame
            Targets: one series, or a panel with a 2-level row MultiIndex.
        X : pd.DataFrame or None
            Exogenous series on an index that contains that of ``y``.
        fh : ForecastingHorizon
            Out-of-sample steps to forecast.

        Returns
        -------
        self : SktimeForecaster
            The fitted forecaster.
        """
        # skbase sets nested parameters (``estimator__objective``) after
        # rebuilding the instance, so the tags are brought up to date here.
        self._set_estimator_tags()
        self.horizon_ = int(np.max(fh.to_relative(self.cutoff).to_numpy()))
        self._observations = Observations.from_frames(y, X)
        self._train()
        return self

    def _train(self):
        """Fit a fresh clone of ``estimator`` on every window observed."""
        observations = self._observations
        history = resolve_history(self.history, observations.targets, self.horizon_)
        stride = check_int(self.stride, "stride")
        n_steps, needed = len(observations.index), history + self.horizon_
        if n_steps < needed:
            raise ValueError(
                f"y has {n_steps} time steps, fewer than history + max(fh) = {history} + "
                f"{self.horizon_} = {needed} (one training window); pass a longer series "
                "or lower history."
            )
        estimator = _default_estimator() if self.estimator is None else self.estimator
        if self.baseline not in ("auto", None):
            raise ValueError(f'baseline must be "auto" or None; got {self.baseline!r}.')
        self._set_period()
        values = observations.values()
        held_out = n_steps - self.horizon_
        model = None
        if self._checks_baseline(estimator, history, stride) and held_out >= needed:
            # The network of the steps before the held-out end, from the same origin.
            model = self._fit_clone(estimator, values[:held_out], history, stride)
        self._choose_strategy(model, history, values)
        self.estimator_ = self._fit_clone(estimator, values, history, stride)
        self.history_ = history

    def _set_period(self):
        """The season of the seasonal naive forecast, ``period_``."""
        observations = self._observations
        # The calendar season of the index is exact; a period estimated from
        # a short series is not (it is the fallback, e.g. lynx's 10 years).
        self.period_ = calendar_period(observations.index) or dominant_period(observations.targets)

    def _checks_baseline(self, estimator, history, stride):
        """Whether ``baseline="auto"`` compares the network with the naive rules."""
        n_windows = (len(self._observations.index) - history - self.horizon_) // stride + 1
        return (
            self.baseline == "auto" and not _is_probabilistic(estimator) and n_windows < MAX_WINDOWS
        )

    def _choose_strategy(self, model, history, values):
        """Set ``strategy_``: the lowest error on the last ``horizon_`` steps.

        ``model`` is a network that has not seen those steps; ``None`` (no
        check) leaves the forecasts to the fitted network. ``values`` are
        the observed steps (``Observations.values()``).
        """
        self.validation_errors_ = {}
        self.strategy_ = "model"
        if model is None:
            return
        targets = self._observations.targets
        held_out = len(targets) - self.horizon_
        window = values[held_out - history : held_out][None]
        forecast = np.asarray(model.predict(window), dtype=np.float64)
        forecast = forecast.reshape(self._forecast_shape())
        truth = targets[held_out:]
        errors = {"model": mean_absolute_error(forecast, truth)}
        for name, naive in naive_forecasts(targets, held_out, self.horizon_, self.period_).items():
            errors[name] = mean_absolute_error(naive, truth)
        self.validation_errors_ = errors
        self.strategy_ = choose_strategy(errors)

    def _fit_clone(self, estimator, values, history, stride):
        """A clone of ``estimator`` fitted on the windows of ``values``."""
        X_windows, y_windows = make_windows(values, history, self.horizon_, stride)
        # Targets are the first channels of the windows: y, not X.
        return clone(estimator).fit(X_windows, y_windows[..., : self._observations.n_targets])

    def _update(self, y, X=None, update_params=True):
        """Append the new steps; with ``update_params``, fine-tune on all of them.

        Parameters
        ----------
        y : pd.DataFrame
            New targets, with the instances of ``fit``.
        X : pd.DataFrame or None, default=None
            New exogenous values.
        update_params : bool, default=True
            Continue training the fitted estimator on the windows of all
            steps observed so far (see the Notes of the class).

        Returns
        -------
        self : SktimeForecaster
            The updated forecaster.
        """
        n_seen = len(self._observations.index)
        self._observations = self._observations.extend(y, X)
        if not update_params:
            return self
        if set(_FINE_TUNE) <= set(self.estimator_.get_params(deep=False)):
            self._fine_tune(n_seen)
        else:
            self._train()
        return self

    def _fine_tune(self, n_seen):
        """Continue training ``estimator_`` on the windows of every step observed.

        ``n_seen`` steps were observed when it was last trained.
        """
        estimator = self.estimator_
        params = estimator.get_params(deep=False)
        stride = check_int(self.stride, "stride")
        values = self._observations.values()
        self._set_period()
        if not self._checks_baseline(estimator, self.history_, stride):
            self._choose_strategy(None, self.history_, values)
        elif len(values) - self.horizon_ >= n_seen:
            # The network has not seen the last horizon_ steps yet: it is the
            # held-out network of a refit's check, at the cost of a predict.
            self._choose_strategy(estimator, self.history_, values)
        # With fewer new steps than the horizon, the last check stands.
        X_windows, y_windows = make_windows(values, self.history_, self.horizon_, stride)
        estimator.set_params(**_FINE_TUNE)
        try:
            estimator.fit(X_windows, y_windows[..., : self._observations.n_targets])
        finally:
            # The fitted estimator keeps the parameters it was given.
            estimator.set_params(**{name: params[name] for name in _FINE_TUNE})

    # ---------------------------------------------------------- forecasting
    def _last_window(self):
        return self._observations.last_window(self.history_, self.cutoff[0])

    def _steps(self, fh):
        """Positions of the steps of ``fh`` among the ``horizon_`` forecast ones."""
        return fh.to_relative(self.cutoff).to_numpy().astype(int) - 1

    def _forecast_frame(self, forecast, fh, columns):
        """Frame of ``forecast`` (horizon, nodes, columns) at the steps of ``fh``."""
        index = fh.to_absolute_index(self.cutoff)
        return self._observations.to_frame(forecast[self._steps(fh)], index, columns)

    def _predict(self, fh, X):
        """Forecast the steps of ``fh`` from the last ``history`` observed steps.

        Parameters
        ----------
        fh : ForecastingHorizon
            Out-of-sample steps, as in ``fit``.
        X : pd.DataFrame or None
            Exogenous series of the forecast period, not used (see Notes of
            the class).

        Returns
        -------
        y_pred : pd.DataFrame
            Point forecasts in the layout of ``y``.
        """
        if self.strategy_ == "model":
            forecast = np.asarray(self.estimator_.predict(self._last_window()), dtype=np.float64)
            forecast = forecast.reshape(self._forecast_shape())
        else:
            targets = self._observations.targets
            forecast = naive_forecasts(targets, len(targets), self.horizon_, self.period_)[
                self.strategy_
            ]
        return self._forecast_frame(forecast, fh, pd.Index(self._get_varnames()))

    def _forecast_shape(self):
        n_nodes = self._observations.targets.shape[1]
        return self.horizon_, n_nodes, self._observations.n_targets

    def _predict_quantiles(self, fh, X, alpha):
        """Quantile forecasts from the samples of a probabilistic estimator.

        Parameters
        ----------
        fh : ForecastingHorizon
            Out-of-sample steps, as in ``fit``.
        X : pd.DataFrame or None
            Exogenous series of the forecast period, not used.
        alpha : list of float
            Quantile levels in (0, 1).

        Returns
        -------
        quantiles : pd.DataFrame
            Columns ``(variable, level)``, rows as in ``predict``.
        """
        levels = list(alpha)
        if not levels:
            # sktime's check of alpha / coverage lets an empty list through.
            raise ValueError(
                "alpha (quantile levels) or coverage (interval coverages) must hold at least "
                "one value; got an empty list."
            )
        quantiles = self.estimator_.predict_quantiles(self._last_window(), quantiles=levels)
        # (1, horizon, nodes, targets, levels) -> (horizon, nodes, targets * levels),
        # variable-major like the columns.
        quantiles = np.asarray(quantiles, dtype=np.float64)
        quantiles = quantiles.reshape(self._forecast_shape() + (len(levels),))
        quantiles = quantiles.reshape(quantiles.shape[:2] + (-1,))
        columns = pd.MultiIndex.from_product([self._get_varnames(), levels])
        return self._forecast_frame(quantiles, fh, columns)

    # ------------------------------------------------------------- testing
    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return tiny, offline parameter sets for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Keyword arguments, each building one test instance: DLinear, an
            MLP with the history chosen by ``"auto"``, and DLinear with a
            diffusion objective (probabilistic), each trained for two epochs
            on short windows.

        Examples
        --------
        >>> from sk_stfm.forecasting import SktimeForecaster
        >>> [params["history"] for params in SktimeForecaster.get_test_params()]
        [6, 'auto', 6]
        """
        # Short windows: sktime's test series have 20 to 50 steps.
        training = {"max_epochs": 2, "batch_size": 16, "validation_fraction": 0.0}
        return [
            {
                "estimator": STForecaster(
                    backbone=DLinearConfig(kernel_size=5), random_state=0, **training
                ),
                "history": 6,
            },
            {
                "estimator": STForecaster(
                    backbone=MLPConfig(hidden_sizes=(8,)), lr=1e-2, random_state=0, **training
                ),
                "history": "auto",
            },
            {
                "estimator": STForecaster(
                    backbone=DLinearConfig(kernel_size=5),
                    objective=Diffusion(n_diffusion_steps=4, n_samples=8, hidden_size=8, n_layers=1),
                    random_state=0,
                    **training,
                ),
                "history": 6,
                "stride": 2,
            },
        ]
