"""STFMSearchCV: Optuna search over backbone x objective x adapter with temporal CV.

One estimator, one module: the search, its refit, its persistent studies and
the scikit-learn ``*SearchCV`` attributes it mirrors belong together.
"""

import copy
import numbers
import os
import socket
import time
import warnings

import numpy as np
import optuna
from joblib import Parallel, delayed
from optuna.pruners import BasePruner, MedianPruner, NopPruner
from optuna.samplers import BaseSampler, TPESampler
from optuna.storages import BaseStorage
from optuna.study import MaxTrialsCallback
from optuna.trial import FixedTrial, TrialState
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import TimeSeriesSplit, check_cv
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable
from tqdm.auto import tqdm

from ..data import WINDOW_SHAPE_DOC
from ..data._validation import check_windows_input
from ..estimators import MLPConfig, STForecaster
from ..utils._compat import HasMethods, Interval, StrOptions, fit_context, safe_indexing
from ..utils._test_params import TestParamsMixin
from ._pruning import TrialPruningCallback
from ._space import parameter_labels, sample_params
from ._storage import resolve_storage

# Trials that count towards n_trials: every outcome but "still running"
# (the trial of a killed worker stays running and is tried again).
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def _best_estimator_has(attr):
    """Delegate ``attr`` to the refitted model, or to the template before fit."""

    def check(self):
        if not self.refit:
            raise AttributeError(
                f"{type(self).__name__} was built with refit=False; {attr} needs the refitted "
                "model. Refit best_params_ yourself, or set refit=True."
            )
        estimator = getattr(self, "best_estimator_", self.estimator)
        return hasattr(estimator, attr)

    return check


def _fit_and_score(estimator, X, y, train, test, scorer, fold, trial):
    """Fit a fresh clone on one fold and return (score, fit time, score time)."""
    estimator = clone(estimator)
    if trial is not None:
        callbacks = list(estimator.get_params()["callbacks"] or [])
        estimator.set_params(callbacks=[*callbacks, TrialPruningCallback(trial, fold=fold)])
    X_train, X_test = safe_indexing(X, train), safe_indexing(X, test)
    y_train = None if y is None else safe_indexing(y, train)
    y_test = None if y is None else safe_indexing(y, test)
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    score = scorer(estimator, X_test, y_test)
    return float(score), fit_time, time.perf_counter() - start - fit_time


class STFMSearchCV(TestParamsMixin, MetaEstimatorMixin, BaseEstimator):
    """Optuna search over an estimator's backbone, objective, adapter and training.

    Each Optuna trial draws one configuration from ``search_space`` (a
    conditional space: choosing ``backbone="patchtst"`` is what makes
    ``backbone__d_model`` exist), scores it by cross-validation that
    respects time (by default a ``TimeSeriesSplit`` whose gap keeps the
    targets of training windows out of the validation windows), and tells
    the study. Trials whose validation loss falls behind are stopped
    between epochs by the ``pruner``. The best configuration is refitted on
    all the data.

    With a persistent ``storage`` and a ``study_name``, every finished
    trial is kept: a search killed mid-way and started again resumes where
    it stopped, and several processes or machines fitting a search on one
    storage share one study.

    Parameters
    ----------
    estimator : estimator object
        The template, typically an
        :class:`~sk_stfm.estimators.STForecaster`; each trial fits clones
        of it with the drawn parameters.
    search_space : dict or callable
        What a trial draws; see :func:`~sk_stfm.tuning.sample_params` for the
        format (distributions, lists, conditional ``{label: option}``
        choices) or give a callable ``space(trial) -> dict``. Ready-made
        spaces: :func:`~sk_stfm.tuning.default_search_space`.
    cv : int, cross-validation generator, iterable or None, default=None
        Splits of the windows. ``None`` means 3 splits and an int ``k``
        means ``k`` splits of a ``TimeSeriesSplit`` with a gap of
        ``horizon - 1`` windows when ``y`` holds windows (3-D or 4-D), so
        no training target overlaps a validation target for windows cut
        with stride 1. Shuffled splits leak the future: avoid them.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; ``None`` uses the estimator's ``score``.
        Greater is better.
    n_trials : int, default=10
        Number of finished trials (complete, pruned or failed) the study
        must hold. A search resumed on a study that already holds some runs
        only the rest; workers sharing a study stop together once it is
        reached.
    timeout : float or None, default=None
        Stop starting trials after this many seconds of this ``fit``.
    storage : None, str, os.PathLike or optuna.storages.BaseStorage, default=None
        Where the study lives: ``None`` (memory), a database URL such as
        ``"sqlite:///search.db"``, or a journal file path.
    study_name : str or None, default=None
        Name of the study in ``storage``; an existing study of that name is
        resumed. ``None`` creates a new study with a unique name.
    sampler : optuna.samplers.BaseSampler or None, default=None
        ``None`` means a ``TPESampler`` seeded by ``random_state`` plus the
        number of trials the study already holds, so that a resumed search
        does not replay its first draws.
    pruner : "median", optuna.pruners.BasePruner or None, default="median"
        Epoch-level pruning: ``"median"`` is a ``MedianPruner`` that stops
        a trial whose validation loss is worse than the median of earlier
        trials at the same fold and epoch (after 2 trials and 2 epochs);
        ``None`` disables pruning. Needs an estimator with a ``callbacks``
        parameter and a validation split (``validation_fraction > 0``).
    n_jobs : int or None, default=None
        Cross-validation folds fitted in parallel through joblib. With
        ``n_jobs > 1`` and an in-memory study, the epochs reported by
        parallel folds do not reach the study; give a ``storage`` to keep
        them.
    refit : bool, default=True
        Refit the best configuration on all the data as ``best_estimator_``.
    error_score : "raise" or float, default=np.nan
        Score of a configuration whose fit fails: ``"raise"`` re-raises; NaN
        marks the trial failed (a ``FitFailedWarning`` says why).
    random_state : int, RandomState instance or None, default=None
        Seeds the default sampler. Workers sharing a study should use
        different seeds, or they draw the same configurations.
    verbose : int, default=0
        ``0`` is silent; ``1`` shows a progress bar over the trials with the
        best score so far; ``2`` adds Optuna's log of every trial.

    Attributes
    ----------
    study_ : optuna.study.Study
        The study, with every trial of its storage.
    cv_results_ : dict of numpy arrays
        One entry per trial of the study, in trial order, as in
        scikit-learn's searches: ``params``, ``param_<name>`` (components
        by class name), ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, ``mean_fit_time``,
        ``std_fit_time``, ``mean_score_time``, ``std_score_time``, plus
        ``state`` (``"COMPLETE"``, ``"PRUNED"``, ``"FAIL"``, ``"RUNNING"``)
        and ``trial_number``.
    best_index_ : int
        Index of the best trial in ``cv_results_``.
    best_score_ : float
        Its mean cross-validated score.
    best_params_ : dict
        Its parameters, ready for ``estimator.set_params``.
    best_estimator_ : estimator object
        The best configuration refitted on all the data (``refit=True``).
    refit_time_ : float
        Seconds taken by that refit.
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Number of cross-validation folds.
    n_features_in_ : int
        Number of features of ``X`` seen by ``best_estimator_``.

    See Also
    --------
    sk_stfm.tuning.default_search_space : Spaces per data kind and task.
    sklearn.model_selection.GridSearchCV : Exhaustive search, no pruning.

    Examples
    --------
    >>> import numpy as np
    >>> from optuna.distributions import FloatDistribution
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.estimators import STForecaster
    >>> from sk_stfm.tuning import STFMSearchCV
    >>> t = np.arange(300, dtype=np.float32)
    >>> X, y = make_windows(np.sin(t / 4)[:, None, None], history=24, horizon=6)
    >>> space = {
    ...     "backbone": {"dlinear": {}, "mlp": {"hidden_sizes": [(16,), (32,)]}},
    ...     "lr": FloatDistribution(1e-3, 1e-1, log=True),
    ... }
    >>> search = STFMSearchCV(
    ...     STForecaster(max_epochs=2, random_state=0), space, n_trials=3, cv=2, random_state=0
    ... ).fit(X, y)
    >>> len(search.cv_results_["mean_test_score"])
    3
    >>> search.predict(X[:2]).shape
    (2, 6, 1, 1)
    """

    _test_params = (
        {
            "estimator": STForecaster(
                backbone=MLPConfig(hidden_sizes=(16,), revin=False),
                max_epochs=5,
                lr=3e-2,
                batch_size=32,
                random_state=0,
            ),
            "search_space": {"lr": [1e-2, 3e-2]},
            "n_trials": 2,
            # Without a gap: the common checks fit on as few as 6 windows.
            "cv": TimeSeriesSplit(n_splits=2),
            "random_state": 0,
        },
    )

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "search_space": [dict, callable],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left")],
        "timeout": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "storage": [None, str, os.PathLike, BaseStorage],
        "study_name": [str, None],
        "sampler": [BaseSampler, None],
        "pruner": [StrOptions({"median"}), BasePruner, None],
        "n_jobs": [numbers.Integral, None],
        "refit": ["boolean"],
        "error_score": [StrOptions({"raise"}), numbers.Real],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        search_space,
        *,
        cv=None,
        scoring=None,
        n_trials=10,
        timeout=None,
        storage=None,
        study_name=None,
        sampler=None,
        pruner="median",
        n_jobs=None,
        refit=True,
        error_score=np.nan,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.search_space = search_space
        self.cv = cv
        self.scoring = scoring
        self.n_trials = n_trials
        self.timeout = timeout
        self.storage = storage
        self.study_name = study_name
        self.sampler = sampler
        self.pruner = pruner
        self.n_jobs = n_jobs
        self.refit = refit
        self.error_score = error_score
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Run the trials the study still lacks, then refit the best configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Input windows (or whatever the estimator takes), in time order.
        y : array-like of shape (n_samples, horizon, n_nodes, n_targets) or None
            Targets of the windows.

        Returns
        -------
        self : STFMSearchCV
            The fitted search.
        """
        if get_tags(self.estimator).input_tags.three_d_array:
            # Bad windows are refused here, by name, rather than once per failed trial.
            check_windows_input(X)
            if y is not None:
                check_windows_input(y, "y", ndims=(1, 2, 3, 4), shape_doc=WINDOW_SHAPE_DOC)
        try:
            X, y = indexable(X, y)
        except ValueError as exc:
            raise ValueError(f"X and y must have the same number of samples: {exc}") from None
        cv = self._check_cv(y)
        self.n_splits_ = cv.get_n_splits(X, y)
        try:
            splits = list(cv.split(X, y))
        except ValueError as exc:
            n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
            raise ValueError(f"X has n_samples={n_samples}, too few for cv={cv!r}: {exc}") from exc
        errors = []  # why this fit's failed trials failed
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        verbosity = optuna.logging.get_verbosity()
        # Failed trials are reported as FitFailedWarning and progress by the
        # bar; Optuna's own log repeats both, so it speaks from verbose=2 on.
        optuna.logging.set_verbosity(
            optuna.logging.INFO if self.verbose > 1 else optuna.logging.ERROR
        )
        progress = None
        try:
            study = self._study()
            finished = sum(t.state in _FINISHED for t in study.trials)
            progress = _Progress(self.n_trials, finished, enabled=bool(self.verbose))
            if finished < self.n_trials:
                study.optimize(
                    lambda trial: self._evaluate(trial, X, y, splits, errors),
                    timeout=self.timeout,
                    # Stop when the study (all workers together) holds n_trials.
                    callbacks=[MaxTrialsCallback(self.n_trials, states=_FINISHED), progress],
                    gc_after_trial=True,
                )
        finally:
            optuna.logging.set_verbosity(verbosity)
            if progress is not None:
                progress.close()
        self.study_ = study
        self.cv_results_ = self._results(study)
        self._select_best(study, errors)
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "n_features_in_"):
                self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _check_cv(self, y):
        cv = 3 if self.cv is None else self.cv
        if isinstance(cv, numbers.Integral):
            shape = None if y is None else np.asarray(y).shape
            horizon = shape[1] if shape is not None and len(shape) >= 3 else 1
            return TimeSeriesSplit(n_splits=int(cv), gap=horizon - 1)
        return check_cv(cv, y)

    def _study(self):
        pruner = self.pruner
        if pruner == "median":
            pruner = MedianPruner(n_startup_trials=2, n_warmup_steps=2)
        elif pruner is None:
            pruner = NopPruner()
        study = optuna.create_study(
            storage=resolve_storage(self.storage),
            study_name=self.study_name,
            sampler=self.sampler,
            pruner=pruner,
            direction="maximize",
            load_if_exists=True,
        )
        if self.sampler is None:
            seed = self.random_state
            if seed is not None and not isinstance(seed, numbers.Integral):
                seed = int(check_random_state(seed).randint(0, 2**31 - 1))
            # Offset by the trials already there: a resumed search draws new
            # configurations instead of replaying the first ones.
            study.sampler = TPESampler(seed=None if seed is None else seed + len(study.trials))
        return study

    def _prunes(self):
        return self.pruner is not None and "callbacks" in self.estimator.get_params()

    def _evaluate(self, trial, X, y, splits, errors):
        """Optuna objective: the mean cross-validated score of one configuration."""
        params = sample_params(trial, self.search_space)
        trial.set_user_attr("labels", _json_safe(parameter_labels(params)))
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        try:
            estimator = clone(self.estimator).set_params(**params)
            folds = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_and_score)(
                    estimator, X, y, train, test, self.scorer_, fold,
                    trial if self._prunes() else None,
                )
                for fold, (train, test) in enumerate(splits)
            )  # fmt: skip
        except optuna.TrialPruned:
            raise
        except Exception as exc:
            if self.error_score == "raise":
                raise
            errors.append(exc)
            trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
            warnings.warn(
                f"Trial {trial.number} failed to fit with {trial.params}; its score "
                f"is {self.error_score}. {type(exc).__name__}: {exc}",
                FitFailedWarning,
                stacklevel=2,
            )
            return float(self.error_score)
        scores, fit_times, score_times = (list(values) for values in zip(*folds, strict=True))
        trial.set_user_attr("split_test_scores", scores)
        trial.set_user_attr("fit_times", fit_times)
        trial.set_user_attr("score_times", score_times)
        return float(np.mean(scores))

    # -------------------------------------------------------------- results
    def _params_of(self, trial):
        """Rebuild a finished trial's estimator parameters from its stored draws."""
        try:
            return sample_params(FixedTrial(trial.params, trial.number), self.search_space)
        except Exception:  # a trial drawn from another space shares the study
            return dict(trial.params)

    def _results(self, study):
        trials = study.trials
        n_splits = self.n_splits_
        # Per-fold records of each trial; NaN where a trial has none (pruned,
        # failed, running, or drawn by a search with other folds).
        per_fold = {}
        for key in ("split_test_scores", "fit_times", "score_times"):
            table = per_fold[key] = np.full((len(trials), n_splits), np.nan)
            for i, trial in enumerate(trials):
                values = trial.user_attrs.get(key)
                if values is not None and len(values) == n_splits:
                    table[i] = values
        splits, fit_times, score_times = per_fold.values()
        params = [self._params_of(trial) for trial in trials]
        results = {
            "trial_number": np.array([t.number for t in trials]),
            "state": np.array([t.state.name for t in trials], dtype=object),
            "params": params,
        }
        names = sorted({name for p in params for name in p})
        labels = [parameter_labels(p) for p in params]
        for name in names:
            column = np.ma.masked_all(len(trials), dtype=object)
            for i, label in enumerate(labels):
                if name in label:
                    column[i] = label[name]
            results[f"param_{name}"] = column
        for k in range(n_splits):
            results[f"split{k}_test_score"] = splits[:, k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: unfinished trials
            mean = np.nanmean(splits, axis=1) if n_splits else np.full(len(trials), np.nan)
            mean[np.isnan(splits).any(axis=1)] = np.nan
            results["mean_test_score"] = mean
            results["std_test_score"] = np.std(splits, axis=1)
            results["mean_fit_time"] = np.nanmean(fit_times, axis=1)
            results["std_fit_time"] = np.nanstd(fit_times, axis=1)
            results["mean_score_time"] = np.nanmean(score_times, axis=1)
            results["std_score_time"] = np.nanstd(score_times, axis=1)
        order = np.where(np.isnan(mean), np.inf, -mean)
        results["rank_test_score"] = rankdata(order, method="min").astype(np.int32)
        return results

    def _select_best(self, study, errors):
        complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
        if not complete and errors:
            # Every fit failed: the data or the estimator is at fault, not a
            # configuration. Raise what the estimator raised, as it would.
            raise errors[0]
        if not complete:
            raise ValueError(
                f"No trial of study {study.study_name!r} completed (all were pruned or "
                "failed). Give more trials, a later pruner warm-up, or check the space."
            )
        best = max(complete, key=lambda t: t.value)
        self.best_index_ = int(np.flatnonzero(self.cv_results_["trial_number"] == best.number)[0])
        self.best_score_ = float(best.value)
        self.best_params_ = self._params_of(best)

    # ----------------------------------------------------------- delegation
    @available_if(_best_estimator_has("predict"))
    def predict(self, X):
        """Predict with the refitted best model.

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.

        Returns
        -------
        y_pred : ndarray
            The best model's predictions.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_best_estimator_has("predict_quantiles"))
    def predict_quantiles(self, X, **kwargs):
        """Quantiles from the refitted best model (probabilistic objectives).

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.
        **kwargs : dict
            Passed to the model's ``predict_quantiles``.

        Returns
        -------
        quantiles : ndarray
            The best model's quantiles.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_quantiles(X, **kwargs)

    @available_if(_best_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the refitted best model.

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The best model's probabilities.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_estimator_has("transform"))
    def transform(self, X):
        """Transform with the refitted best model.

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.

        Returns
        -------
        X_new : ndarray
            The best model's output.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    @available_if(_best_estimator_has("score_samples"))
    def score_samples(self, X):
        """Per-sample scores of the refitted best model.

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The best model's scores.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.score_samples(X)

    @available_if(_best_estimator_has("score"))
    def score(self, X, y=None):
        """Score of the refitted best model with the search's scorer.

        Parameters
        ----------
        X : array-like
            Input as the estimator takes it.
        y : array-like or None, default=None
            Targets.

        Returns
        -------
        score : float
            ``scorer_(best_estimator_, X, y)``.
        """
        check_is_fitted(self, "best_estimator_")
        return self.scorer_(self.best_estimator_, X, y)

    @property
    def classes_(self):
        """Class labels of the refitted best model (classifiers)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = copy.deepcopy(get_tags(self.estimator))
        tags.estimator_type = inner.estimator_type
        tags.input_tags = inner.input_tags
        tags.target_tags = inner.target_tags
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        return tags

    def _expected_check_failures(self):
        # The search inherits whatever checks its estimator documents as not applicable.
        return getattr(self.estimator, "_expected_check_failures", lambda: {})()


class _Progress:
    """Optuna callback: a progress bar over the study's finished trials."""

    def __init__(self, total, done, enabled):
        self.bar = tqdm(total=total, initial=done, desc="trials", unit="trial", disable=not enabled)

    def __call__(self, study, trial):
        if trial.state in _FINISHED:
            self.bar.update(1)
        complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
        if complete:
            self.bar.set_postfix(best=f"{max(t.value for t in complete):.4g}")

    def close(self):
        self.bar.close()


def _json_safe(labels):
    """Labels as a storage can keep them (journal and RDB storages write JSON)."""
    return {
        k: v if isinstance(v, int | float | str | bool | type(None)) else repr(v)
        for k, v in labels.items()
    }
