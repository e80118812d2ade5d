"""AutoSTFM: recommend the candidates for the data, then search over them."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.model_selection import TimeSeriesSplit
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ..data import WINDOW_SHAPE_DOC
from ..data._validation import check_windows_input
from ..estimators import BackboneConfig, resolve_backbone
from ..taxonomy import recommend
from ..taxonomy._recommend import TASK_ALIASES
from ..utils._compat import Interval, StrOptions, fit_context
from ..utils._tags import TASKS
from ..utils._test_params import TestParamsMixin
from ._default_spaces import _backbone_option
from ._search import STFMSearchCV
from ._space import sample_params


class CandidateSpace:
    """A search space whose first choice is one of several ready estimators.

    Each candidate brings all its parameters (backbone, spatial context,
    batch size, epochs, ...), and its backbone's own sub-space; the
    learning rate is searched around each candidate's.

    Parameters
    ----------
    candidates : dict of str to estimator
        Candidates of one class, by label.
    lr_range : tuple of float, default=(0.3, 3.0)
        The learning rate is drawn log-uniformly between these multiples of
        the candidate's ``lr``.

    Examples
    --------
    >>> from optuna.trial import FixedTrial
    >>> from sk_stfm.estimators import STForecaster
    >>> space = CandidateSpace({"dlinear": STForecaster(backbone="dlinear")})
    >>> params = space(FixedTrial({"candidate": "dlinear", "lr": 1e-3,
    ...                            "dlinear__kernel_size": 25}))
    >>> params["backbone"], params["lr"]
    (DLinearConfig(), 0.001)
    """

    def __init__(self, candidates, lr_range=(0.3, 3.0)):
        self.candidates = candidates
        self.lr_range = lr_range

    def __call__(self, trial):
        """Draw a candidate and its parameters.

        Parameters
        ----------
        trial : optuna.trial.BaseTrial
            The trial that draws.

        Returns
        -------
        params : dict
            Parameters for ``set_params`` on an estimator of the candidates' class.
        """
        label = trial.suggest_categorical("candidate", list(self.candidates))
        candidate = self.candidates[label]
        params = {
            key: clone(value) if hasattr(value, "get_params") else value
            for key, value in candidate.get_params(deep=False).items()
        }
        name = None
        if isinstance(params.get("backbone"), str | BackboneConfig):
            # A configuration object, so that its parameters can be set.
            params["backbone"] = resolve_backbone(params["backbone"])
            name = params["backbone"].spec().name
        if name is not None:
            sub_space = _backbone_option(name, None)[1]
            # The candidate's own sizes were chosen for the budget and memory;
            # search only what does not change the cost much.
            sub_space = {k: v for k, v in sub_space.items() if k in ("dropout", "kernel_size")}
            params.update(
                sample_params(trial, sub_space, prefix="backbone__", optuna_prefix=f"{label}__")
            )
        if "lr" in params:
            low, high = self.lr_range
            # "auto" searches around the rate registered with the backbone.
            lr = params["lr"]
            if lr == "auto":
                lr = params["backbone"].spec().lr if name is not None else 1e-3
            params["lr"] = trial.suggest_float("lr", lr * low, lr * high, log=True)
        return params


def _search_has(attr):
    def check(self):
        return hasattr(getattr(self, "search_", None) or self._template(), attr)

    return check


class AutoSTFM(TestParamsMixin, MetaEstimatorMixin, BaseEstimator):
    """Choose a model for the data: recommend candidates, then search over them.

    ``fit`` profiles the data (:func:`~sk_stfm.taxonomy.describe`), takes
    the ``n_candidates`` best estimators that
    :func:`~sk_stfm.taxonomy.recommend` proposes for the task and budget
    (each configured for the data: spatial context, sizes, epochs), and runs
    an :class:`STFMSearchCV` whose first choice is the candidate and whose
    other choices are the candidate's learning rate and regularisation.
    The best configuration is refitted on all the windows.

    Parameters
    ----------
    task : str, default="forecasting"
        A task of :class:`~sk_stfm.utils.STFMTags` or an alias
        (``"forecast"``, ``"impute"``, ``"anomaly"``, ``"classify"``).
    data : STData, array-like or None, default=None
        Deprecated: pass ``data`` to :meth:`fit` (a parameter is copied by
        every clone). Used, with a ``FutureWarning``, when ``fit`` gets none.
    budget : {"small", "medium", "large"}, default="small"
        Compute budget, passed to ``recommend`` (model sizes, epochs).
    n_candidates : int, default=3
        Number of top recommendations to search over.
    n_trials : int, default=10
        Trials of the search.
    max_epochs : int or None, default=None
        Overrides the candidates' ``max_epochs`` (``None`` keeps the
        budget's).
    cv : int, cross-validation generator or None, default=None
        As in :class:`STFMSearchCV` (a gapped ``TimeSeriesSplit``).
    scoring : str, callable or None, default=None
        As in :class:`STFMSearchCV`.
    timeout : float or None, default=None
        Seconds after which no new trial starts.
    storage : None, str, os.PathLike or optuna storage, default=None
        As in :class:`STFMSearchCV`: a persistent storage with a
        ``study_name`` makes the search resumable.
    study_name : str or None, default=None
        Name of the study in ``storage``.
    random_state : int, RandomState instance or None, default=None
        Seeds the recommendations' estimators and the sampler.
    verbose : int, default=0
        Verbosity of the search.

    Attributes
    ----------
    profile_ : DataProfile
        The profile of the data.
    recommendations_ : Recommendations
        What ``recommend`` proposed, ranked, with the reasons.
    search_ : STFMSearchCV
        The fitted search over the candidates.
    best_estimator_ : estimator object
        The best configuration refitted on all the windows.
    best_params_ : dict
        Its parameters.
    best_score_ : float
        Its mean cross-validated score.
    cv_results_ : dict of numpy arrays
        The search's results, one entry per trial.
    n_features_in_ : int
        Number of features of ``X``.

    See Also
    --------
    sk_stfm.taxonomy.recommend : The ranked candidates and their reasons.
    STFMSearchCV : The search itself, for a space of your own.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.tuning import AutoSTFM
    >>> t = np.arange(400, dtype=np.float32)
    >>> series = np.sin(2 * np.pi * t / 24)[:, None, None]
    >>> X, y = make_windows(series, history=48, horizon=12)
    >>> auto = AutoSTFM(n_candidates=2, n_trials=2, max_epochs=2, cv=2, random_state=0)
    >>> auto = auto.fit(X, y)
    >>> len(auto.recommendations_) >= 2, auto.predict(X[:1]).shape
    (True, (1, 12, 1, 1))
    """

    _test_params = (
        {
            "n_candidates": 2,
            "n_trials": 2,
            # Enough epochs at the candidates' learning rates to fit the
            # checks' regression problems (R^2 > 0.5).
            "max_epochs": 25,
            # Without a gap: the common checks fit on as few as 6 windows.
            "cv": TimeSeriesSplit(n_splits=2),
            "random_state": 0,
        },
    )

    _parameter_constraints: dict = {
        "task": [StrOptions(set(TASKS) | set(TASK_ALIASES))],
        "data": "no_validation",
        "budget": [StrOptions({"small", "medium", "large"})],
        "n_candidates": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "cv": ["cv_object"],
        "scoring": "no_validation",
        "timeout": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "storage": "no_validation",
        "study_name": [str, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        task="forecasting",
        *,
        data=None,
        budget="small",
        n_candidates=3,
        n_trials=10,
        max_epochs=None,
        cv=None,
        scoring=None,
        timeout=None,
        storage=None,
        study_name=None,
        random_state=None,
        verbose=0,
    ):
        self.task = task
        self.data = data
        self.budget = budget
        self.n_candidates = n_candidates
        self.n_trials = n_trials
        self.max_epochs = max_epochs
        self.cv = cv
        self.scoring = scoring
        self.timeout = timeout
        self.storage = storage
        self.study_name = study_name
        self.random_state = random_state
        self.verbose = verbose

    def _template(self):
        """An estimator of the task's class, for delegation before fit."""
        from ..taxonomy._recommend import _WINDOW_ESTIMATORS, normalize_task

        return _WINDOW_ESTIMATORS.get(
            normalize_task(self.task), _WINDOW_ESTIMATORS["forecasting"]
        )()

    def _data(self, data):
        """The series to profile: ``fit``'s ``data``, else the deprecated parameter."""
        if data is not None:
            return data
        if self.data is not None:
            warnings.warn(
                "AutoSTFM(data=...) is deprecated and will be removed in the next release: "
                "data in a parameter is copied by every clone; pass it to fit "
                "(AutoSTFM().fit(X, y, data=data)).",
                FutureWarning,
                stacklevel=3,
            )
        return self.data

    def _profiled_data(self, X, data):
        if data is not None:
            return data
        windows = np.asarray(X, dtype=float)
        if windows.ndim == 2:  # rows are univariate windows, as the estimators read them
            windows = windows[:, :, None, None]
        if windows.ndim == 3:
            windows = windows[:, :, None, :]
        if windows.ndim != 4 or len(windows) == 0:
            raise ValueError(
                "AutoSTFM profiles the windows X when data=None: X must have shape "
                f"(n_samples, n_steps, n_nodes, n_channels); got {windows.shape}. Pass data= "
                "(the series, e.g. an STData) for other inputs."
            )
        return np.concatenate([windows[:, 0], windows[-1, 1:]])

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, data=None):
        """Recommend candidates for the data and search over them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_nodes, n_channels)
            Windows, in time order (or what the task's estimator takes).
        y : array-like or None, default=None
            Targets, for supervised tasks.
        data : STData, array-like or None, default=None
            What to profile: the series the windows were cut from, with its
            adjacency or grid. ``None`` profiles the series that the windows
            ``X`` cover (their first steps, then the last window), which has
            no spatial context.

        Returns
        -------
        self : AutoSTFM
            The fitted model chooser.
        """
        data = self._data(data)
        if data is None:
            check_windows_input(X)
            X = check_array(X, allow_nd=True, ensure_all_finite="allow-nan", input_name="X")
            if len(X) < 2:
                raise ValueError(f"AutoSTFM needs at least 2 windows; X has n_samples={len(X)}.")
        if y is not None:
            check_windows_input(y, "y", ndims=(1, 2, 3, 4), shape_doc=WINDOW_SHAPE_DOC)
        # Targets of 2-D layouts are one step per output (as the estimators read them).
        shape = None if y is None else np.asarray(y).shape
        horizon = shape[1] if shape is not None and len(shape) >= 3 else 1
        recommendations = recommend(
            self._profiled_data(X, data),
            task=self.task,
            budget=self.budget,
            horizon=horizon,
            random_state=self.random_state,
        )
        self.recommendations_ = recommendations
        self.profile_ = recommendations.profile
        chosen = list(recommendations[: self.n_candidates])
        candidates = {}
        for item in chosen:
            estimator = clone(item.estimator)
            if self.max_epochs is not None and "max_epochs" in estimator.get_params():
                estimator.set_params(max_epochs=self.max_epochs)
            candidates[item.backbone] = estimator
        template = next(iter(candidates.values()))
        if len({type(c) for c in candidates.values()}) > 1:
            raise ValueError(  # pragma: no cover - one task gives one estimator class
                "the recommended candidates are of different estimator classes."
            )
        self.search_ = STFMSearchCV(
            template,
            CandidateSpace(candidates),
            cv=self.cv,
            scoring=self.scoring,
            n_trials=self.n_trials,
            timeout=self.timeout,
            storage=self.storage,
            study_name=self.study_name,
            random_state=self.random_state,
            verbose=self.verbose,
        ).fit(X, y)
        self.best_estimator_ = self.search_.best_estimator_
        self.best_params_ = self.search_.best_params_
        self.best_score_ = self.search_.best_score_
        self.cv_results_ = self.search_.cv_results_
        if hasattr(self.search_, "n_features_in_"):
            self.n_features_in_ = self.search_.n_features_in_
        return self

    @available_if(_search_has("predict"))
    def predict(self, X):
        """Predict with the best configuration.

        Parameters
        ----------
        X : array-like
            Input as the task's estimator takes it.

        Returns
        -------
        y_pred : ndarray
            Its predictions.
        """
        check_is_fitted(self, "search_")
        return self.search_.predict(X)

    @available_if(_search_has("transform"))
    def transform(self, X):
        """Transform with the best configuration.

        Parameters
        ----------
        X : array-like
            Input as the task's estimator takes it.

        Returns
        -------
        X_new : ndarray
            Its output.
        """
        check_is_fitted(self, "search_")
        return self.search_.transform(X)

    @available_if(_search_has("score"))
    def score(self, X, y=None):
        """Score of the best configuration with the search's scorer.

        Parameters
        ----------
        X : array-like
            Input as the task's estimator takes it.
        y : array-like or None, default=None
            Targets.

        Returns
        -------
        score : float
            The score.
        """
        check_is_fitted(self, "search_")
        return self.search_.score(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._template().__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.input_tags = inner.input_tags
        tags.target_tags = inner.target_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        return tags
