"""recommend(data, task): ranked, explained, ready-to-fit estimators for a data set.

The ranking and its explanations are one concept: each score term comes with
the sentence that explains it, so they live side by side.
"""

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..backbones import (
    EventBackboneConfig,
    TrajectoryBackboneConfig,
    get_backbone,
    list_backbones,
)
from ..data import SEQUENCE_KINDS, SequenceData, STData
from ..estimators import (
    EventForecaster,
    NextLocationPredictor,
    STAnomalyDetector,
    STClassifier,
    STEncoder,
    STForecaster,
    STGenerator,
    STImputer,
    TrajectoryClassifier,
    TrajectoryEncoder,
)
from ..objectives import resolve_objective
from ..utils import get_stfm_tags
from ..utils._tags import DEPENDENCIES, TASKS
from ._budget import (
    BUDGETS,
    EVENT_TRAINING,
    HISTORY_CAP,
    TRAINING,
    size_window_model,
    sized_config,
    traits_of,
)
from ._describe import _as_data, describe
from ._profile import DataProfile, format_duration

TASK_ALIASES = {
    "forecast": "forecasting",
    "impute": "imputation",
    "anomaly": "anomaly_detection",
    "anomaly-detection": "anomaly_detection",
    "classify": "classification",
    "represent": "representation",
    "encode": "representation",
    "generate": "generation",
}

_WINDOW_ESTIMATORS = {
    "forecasting": STForecaster,
    "imputation": STImputer,
    "anomaly_detection": STAnomalyDetector,
    "classification": STClassifier,
    "representation": STEncoder,
    "generation": STGenerator,
}
_TRAJECTORY_ESTIMATORS = {
    "forecasting": NextLocationPredictor,
    "classification": TrajectoryClassifier,
    "representation": TrajectoryEncoder,
}
# An event forecaster is also a generator: ``sample`` draws continuations.
_EVENT_ESTIMATORS = {"forecasting": EventForecaster, "generation": EventForecaster}

# Score weights, documented in ``recommend``'s Notes.
_BASE = 0.4
_DEPENDENCY_WEIGHT = 0.15
_STRENGTH_WEIGHT = {"weak": 0.5, "moderate": 0.75, "strong": 1.0}
_CONTEXT_BONUS = 0.10
_LATTICE_BONUS = 0.05
_UNNEEDED_PENALTY = 0.05
_CHANNEL_INDEPENDENT_BONUS = 0.08
_COST_WEIGHT = {"small": 0.05, "medium": 0.02, "large": -0.02}
_NODE_ATTENTION_LIMIT = 500
_DEFAULT_HORIZON = 12


def normalize_task(task):
    """The canonical task name of ``task`` (``"forecast"`` -> ``"forecasting"``)."""
    if isinstance(task, str):
        name = TASK_ALIASES.get(task.lower(), task.lower())
        if name in TASKS:
            return name
    raise ValueError(
        f"task must be one of {TASKS} or an alias among {tuple(TASK_ALIASES)}; got {task!r}."
    )


@dataclass
class Recommendation:
    """One ranked recommendation: an unfitted estimator and why it was chosen.

    Parameters
    ----------
    rank : int
        1 for the best recommendation.
    estimator : estimator
        A ready-to-fit, unfitted sk_stfm estimator: backbone and objective
        configured, ``spatial=`` set from the data's adjacency or grid when
        the backbone uses it, training sized by the budget.
    score : float
        Match of the backbone's tags and cost with the data's profile, in
        ``[0, 1]`` (see :func:`recommend`).
    reasons : list of str
        Why, in words, grounded in the measured profile and the backbone's
        tags.
    backbone : str
        Registry name of the backbone.
    task : str
        The task, canonical name.
    history : int or None
        Suggested input steps of the windows (``None`` for sequences).
    horizon : int or None
        Suggested target steps: the forecast horizon, ``0`` for window
        tasks without a future (imputation, anomaly detection, ...),
        ``None`` for sequences. ``make_windows(data, history, horizon)``
        cuts the training windows.

    Examples
    --------
    >>> from sk_stfm.estimators import STForecaster
    >>> from sk_stfm.taxonomy import Recommendation
    >>> recommendation = Recommendation(1, STForecaster(backbone="dlinear"), 0.6,
    ...                                 ["fast"], "dlinear", "forecasting", 96, 12)
    >>> print(recommendation)
    #1 dlinear (score 0.600): STForecaster(backbone='dlinear'), history=96, horizon=12
      - fast
    """

    rank: int
    estimator: object
    score: float
    reasons: list = field(default_factory=list)
    backbone: str = ""
    task: str = "forecasting"
    history: int | None = None
    horizon: int | None = None

    def _estimator_text(self):
        estimator = self.estimator
        params = estimator.get_params(deep=False)
        # scikit-learn's repr wraps long configurations over lines.
        parts = [f"backbone={' '.join(repr(params['backbone']).split())}"]
        spatial = params.get("spatial")
        if isinstance(spatial, tuple):
            parts.append(f"spatial={spatial}")
        elif spatial is not None:
            parts.append(f"spatial=<{spatial.shape[0]}-node adjacency>")
        defaults = type(estimator)().get_params(deep=False)
        for name in ("max_epochs", "patience", "batch_size"):
            if name in params and params[name] != defaults.get(name):
                parts.append(f"{name}={params[name]}")
        return f"{type(estimator).__name__}({', '.join(parts)})"

    def __repr__(self):
        windows = ""
        if self.history is not None:
            windows = f", history={self.history}, horizon={self.horizon}"
        lines = [
            f"#{self.rank} {self.backbone} (score {self.score:.3f}): "
            f"{self._estimator_text()}{windows}"
        ]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


class Recommendations(Sequence):
    """The ranked recommendations :func:`recommend` returns, with the profile and exclusions.

    A read-only sequence of :class:`Recommendation` objects, best first,
    that indexes, slices (a slice is again a ``Recommendations``) and
    iterates like a list, so ``[r.estimator for r in recommendations[:3]]``
    gives candidates for a search.

    Parameters
    ----------
    items : iterable of Recommendation
        The recommendations, best first.
    profile : DataProfile or None, default=None
        The profile they were derived from.
    excluded : dict of str to str or None, default=None
        Backbones left out, with the reason.

    Attributes
    ----------
    profile : DataProfile or None
        The profile of the data.
    excluded : dict of str to str
        Registered backbones that were not recommended, and why.

    Examples
    --------
    >>> from sk_stfm.estimators import STForecaster
    >>> from sk_stfm.taxonomy import Recommendation, Recommendations
    >>> items = Recommendations(
    ...     [Recommendation(1, STForecaster(backbone="dlinear"), 0.6, [], "dlinear")],
    ...     excluded={"gwnet": "the data have a single node"})
    >>> items.to_frame()[["rank", "backbone", "score"]]
       rank backbone  score
    0     1  dlinear    0.6
    >>> len(items), type(items[:1]).__name__, items[0].backbone
    (1, 'Recommendations', 'dlinear')
    """

    def __init__(self, items=(), profile=None, excluded=None):
        self._items = list(items)
        self.profile = profile
        self.excluded = dict(excluded or {})

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Recommendations(self._items[index], self.profile, self.excluded)
        return self._items[index]

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        header = "Recommendations"
        if self.profile is not None:
            name = f"{self.profile.name!r}, " if self.profile.name else ""
            header += f"({name}kind={self.profile.kind!r})"
        if not self:
            return header + ": none"
        return header + ":\n" + "\n".join(repr(item) for item in self)

    def to_frame(self):
        """Return one row per recommendation.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``rank``, ``backbone``, ``estimator`` (class name),
            ``score``, ``history``, ``horizon`` and ``reasons`` (joined by
            ``"; "``).
        """
        return pd.DataFrame(
            [
                {
                    "rank": item.rank,
                    "backbone": item.backbone,
                    "estimator": type(item.estimator).__name__,
                    "score": item.score,
                    "history": item.history,
                    "horizon": item.horizon,
                    "reasons": "; ".join(item.reasons),
                }
                for item in self
            ],
            columns=["rank", "backbone", "estimator", "score", "history", "horizon", "reasons"],
        )


# ------------------------------------------------------------- windows
def _period_text(period):
    if period.duration is None:
        return f"{period.steps}-step"
    return f"{period.steps}-step ({format_duration(period.duration)})"


def _windows(profile, task, budget, horizon):
    """``(history, horizon, reason)`` of the suggested windows."""
    if horizon is None:
        horizon = _DEFAULT_HORIZON if task == "forecasting" else 0
    n_steps = profile.n_steps
    if n_steps < horizon + 4:
        raise ValueError(
            f"data have {n_steps} steps, too few for windows of a horizon of {horizon} steps "
            "and a history of at least 4."
        )
    # Windows must leave at least half of the steps as window starts.
    cap = max(2, min(HISTORY_CAP[budget], n_steps // 2 - horizon))
    fitting = [period for period in profile.periods if period.steps <= cap]
    if fitting:
        period = max(fitting, key=lambda p: p.steps)
        cycles = cap // period.steps
        history = cycles * period.steps
        cycle_text = "one cycle" if cycles == 1 else f"{cycles} cycles"
        why = f"= {cycle_text} of the {_period_text(period)} period"
    else:
        history = int(np.clip(4 * max(horizon, _DEFAULT_HORIZON), 2, cap))
        longer = [p for p in profile.periods if p.steps > cap]
        if longer:
            why = (
                f"(the {_period_text(longer[0])} period is longer than the {budget} budget's "
                f"window cap of {cap} steps; a larger budget covers it)"
            )
        else:
            why = "(no dominant period: 4 x the horizon)"
    length = f"history {history} steps"
    if profile.time_step is not None:
        length += f" ({format_duration(history * profile.time_step)})"
    return int(history), int(horizon), f"{length} {why}"


# -------------------------------------------------------------- scoring
def _dependency_reasons(name, tags, profile):
    """Score and reasons of the dependencies the backbone captures or misses."""
    score, reasons = 0.0, []
    for dependency in DEPENDENCIES:
        measure = profile.measure(dependency)
        if measure is None:
            continue
        captured = dependency in tags.dependencies
        if measure.present:
            verdict = f"{name} models it" if captured else f"{name} does not model it"
            reasons.append(f"{measure}: {dependency} dependence is {measure.strength}; {verdict}")
            if captured:
                score += _DEPENDENCY_WEIGHT * _STRENGTH_WEIGHT[measure.strength]
        elif captured and dependency != "temporal":
            score -= _UNNEEDED_PENALTY
            reasons.append(
                f"{measure}: no {dependency} dependence; {name} models one the data do not show"
            )
    return score, reasons


def _context_reasons(name, spec, profile, spatial):
    """Bonus and reason for a backbone that uses the data's graph or grid."""
    uses = set(getattr(spec.cls, "spatial_context", ()))
    if spatial is None or not uses:
        return 0.0, []
    spatial_present = any(
        m is not None and m.present for m in (profile.spatial, profile.spatio_temporal)
    )
    if not spatial_present:
        return 0.0, []
    if isinstance(spatial, tuple):
        height, width = spatial
        if "grid_shape" in uses:
            return _CONTEXT_BONUS, [
                f"{name} reads the {height} x {width} grid as an image (spatial={spatial})"
            ]
        return _LATTICE_BONUS, [
            f"{name} uses the lattice of the {height} x {width} grid as its graph "
            f"(spatial={spatial})"
        ]
    # Edges between distinct nodes: self-loops say nothing about the graph's reach.
    matrix = sp.coo_array(spatial)
    edges = int(np.count_nonzero(matrix.data[matrix.row != matrix.col]))
    return _CONTEXT_BONUS, [
        f"{name} uses the adjacency ({spatial.shape[0]} nodes, {edges} edges) through spatial="
    ]


def _cost_reasons(name, profile, budget):
    traits = traits_of(name)
    score = -_COST_WEIGHT[budget] * (traits.cost - 1)
    reasons = [f"cost {traits.cost} of 3 ({traits.note}); budget {budget!r}"]
    if traits.node_attention and (profile.n_nodes or 0) > _NODE_ATTENTION_LIMIT:
        if budget != "large":
            score -= _UNNEEDED_PENALTY
            reasons.append(
                f"attention over {profile.n_nodes} x {profile.n_nodes} node pairs is costly "
                f"on a {budget} budget"
            )
    if traits.channel_independent and profile.n_nodes == 1 and (profile.n_channels or 0) > 1:
        score += _CHANNEL_INDEPENDENT_BONUS
        reasons.append(
            f"channel-independent: each of the {profile.n_channels} channels is modelled on "
            "its own, robust on multivariate series (Nie et al., 2023; Zeng et al., 2023)"
        )
    return score, reasons


# ------------------------------------------------------------ candidates
def _spatial_parameter(data):
    """What the estimators' ``spatial=`` gets from the data, or None."""
    if not isinstance(data, STData):
        return None
    if data.grid_shape is not None:
        return tuple(int(s) for s in data.grid_shape)
    if data.adjacency is not None:
        # Sparse keeps the estimator's repr and clones small.
        return sp.csr_array(data.adjacency)
    return None


def _default_objective_tags(estimator_class):
    objective = getattr(estimator_class, "_default_objective", None)
    return get_stfm_tags(resolve_objective(objective))


def _exclusion(name, spec, profile, task, estimator_class):
    """Why a backbone cannot serve (None when it can)."""
    tags = spec.tags
    irregular_backbone = set(tags.data_kinds) <= set(SEQUENCE_KINDS)
    if profile.kind not in tags.data_kinds:
        return f"takes {', '.join(tags.data_kinds)} data, not {profile.kind}"
    if task not in tags.tasks:
        return f"serves {', '.join(tags.tasks)}, not {task}"
    if estimator_class is None:
        return f"no sk_stfm estimator serves {task} on {profile.kind} data"
    is_sequence = profile.n_sequences is not None
    if is_sequence and not irregular_backbone:
        return (
            "reads regular windows; these are irregular sequences (resample them to a "
            "regular step, e.g. with TrajectoryResampler, to use it)"
        )
    if not is_sequence and irregular_backbone:
        return "reads irregular sequences; these are regular windows"
    missing = set(tags.requires) - set(profile.context)
    if missing:
        return f"requires {', '.join(sorted(missing))}, which the data lack"
    if not is_sequence:
        spatial_model = {"spatial", "spatio-temporal"} & set(tags.dependencies)
        if spatial_model and profile.n_nodes == 1:
            return (
                f"models {' and '.join(sorted(spatial_model))} dependencies across nodes; "
                "the data have a single node"
            )
        needed = set(_default_objective_tags(estimator_class).requires)
        lacking = needed - set(tags.capabilities)
        if lacking:
            return (
                f"the default objective of {estimator_class.__name__} needs a backbone with "
                f"{', '.join(sorted(lacking))}, which {name} lacks"
            )
    return None


def _estimator_class(profile, task):
    if profile.kind == "event":
        return _EVENT_ESTIMATORS.get(task)
    if profile.kind == "trajectory" and profile.n_sequences is not None:
        return _TRAJECTORY_ESTIMATORS.get(task)
    return _WINDOW_ESTIMATORS.get(task)


def _build(name, estimator_class, profile, budget, history, spatial, random_state):
    """``(estimator, history, notes)`` of a recommendation; estimator None if unconfigurable."""
    if estimator_class is EventForecaster:
        config = sized_config(name, budget)
        if not isinstance(config, EventBackboneConfig):
            return None, None, []
        estimator = EventForecaster(
            backbone=config, random_state=random_state, **EVENT_TRAINING[budget]
        )
        return estimator, None, []
    if profile.n_sequences is not None:
        # Raw trajectories are padded sequences: only backbones built for
        # them (a trajectory configuration) read them.
        config = sized_config(name, budget)
        if not isinstance(config, TrajectoryBackboneConfig):
            return None, None, []
        estimator = estimator_class(backbone=config, random_state=random_state, **TRAINING[budget])
        return estimator, None, []
    config, history, batch_size, notes = size_window_model(name, budget, history, profile)
    spec = get_backbone(name)
    params = {
        "backbone": config,
        "batch_size": batch_size,
        "random_state": random_state,
        **TRAINING[budget],
    }
    if getattr(spec.cls, "spatial_context", ()) and spatial is not None:
        params["spatial"] = spatial
    return estimator_class(**params), history, notes


def _check_budget(budget):
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}; got {budget!r}.")


def recommend(
    data,
    task="forecasting",
    budget="small",
    top_k=None,
    *,
    horizon=None,
    spatial=None,
    profile=None,
    random_state=None,
):
    """Rank the registered backbones for a data set and a task, and explain why.

    The data are profiled with :func:`describe`; every registered backbone
    whose tags accept the data kind, the task and the context the data
    provide is scored by how well its tags match the profile (dependencies
    captured vs. present, use of the graph or grid) and by its cost at the
    budget. Each recommendation carries an unfitted estimator configured
    for the budget, the suggested windows, and its reasons.

    Parameters
    ----------
    data : STData, SequenceData, ndarray or pandas.DataFrame
        The data, as for :func:`describe`.
    task : str, default="forecasting"
        ``"forecasting"``, ``"imputation"``, ``"anomaly_detection"``,
        ``"classification"``, ``"representation"``, ``"generation"``, or
        an alias: ``"forecast"``, ``"impute"``, ``"anomaly"``,
        ``"classify"``, ``"encode"``, ``"generate"``.
    budget : {"small", "medium", "large"}, default="small"
        Compute to spend: sizes the models (widths, depths), the training
        (``max_epochs`` 20 / 50 / 200, ``patience`` 3 / 5 / 10; 10 / 30 /
        100 epochs for events), the longest history (96 / 336 / 720
        steps), the estimated training memory of a configuration (1 / 4 /
        16 GB: the batch size, then the history, are lowered to stay under
        it), and how much cheap models are preferred.
    top_k : int or None, default=None
        Keep the ``top_k`` best; ``None`` keeps all.
    horizon : int or None, default=None
        Forecast horizon in steps; ``None`` means 12 for forecasting and 0
        for tasks without a future.
    spatial : None, array-like, sparse matrix, networkx graph or tuple (H, W), default=None
        Spatial context instead of the data's (see :func:`describe`).
    profile : DataProfile or None, default=None
        A profile of ``data`` already computed by :func:`describe`, to skip
        profiling again.
    random_state : int, RandomState instance or None, default=None
        Passed to every estimator.

    Returns
    -------
    recommendations : Recommendations
        :class:`Recommendation` objects, best first (a sequence that
        indexes and slices like a list); its ``profile`` is the profile
        used and ``excluded`` maps each registered backbone that was left
        out to the reason.

    Raises
    ------
    ValueError
        If the task or budget is unknown, the data are too short for the
        horizon, or no registered backbone can serve the task on the data.

    See Also
    --------
    describe : The profile behind the ranking.
    taxonomy_table : Which backbones cover which data kind and dependency.

    Notes
    -----
    A backbone is a candidate when its tags list the data kind and the
    task, the data provide what it ``requires``, it reads the data's layout
    (regular windows or irregular sequences), it is not a spatial model
    facing a single node, and it offers what the task's default objective
    needs (a learned encoder for masked pre-training). Its score is

    * 0.4 for being a candidate;
    * for each dependency present in the profile and modelled by the
      backbone (its ``dependencies`` tag), 0.15 times 0.5 / 0.75 / 1 for a
      weak / moderate / strong dependence;
    * 0.1 when it uses the data's adjacency or grid (0.05 for a grid's
      lattice used as a graph), when spatial dependence is present;
    * -0.05 for each spatial dependency it models that the data do not
      show;
    * 0.08 for a channel-independent model of a multivariate single-node
      series;
    * -0.05 / -0.02 / +0.02 per step of relative cost (1 to 3) on a small /
      medium / large budget, and -0.05 for attention over more than 500
      nodes below a large budget;

    clipped to ``[0, 1]``. Ties go to the cheaper, then alphabetical, name.

    The suggested history is the largest whole number of cycles of the
    longest dominant period that fits the budget's window cap (e.g. 96
    steps = 4 days of hourly data with a 24 h period on a small budget),
    or 4 x the horizon when no period fits. Backbones that step through
    every step of the window (recurrent, or attending over each step) cap
    it (96 steps; 48 for ConvLSTM), and the memory cap of the budget may
    lower it further; each recommendation has its own ``history``.

    Examples
    --------
    >>> from sk_stfm.datasets import load_los_loop
    >>> from sk_stfm.taxonomy import recommend
    >>> recommendations = recommend(load_los_loop(), task="forecast", top_k=3)
    >>> [r.backbone for r in recommendations]
    ['gwnet', 'st_patch_transformer', 'tgcn']
    >>> best = recommendations[0]
    >>> type(best.estimator).__name__, best.history, best.horizon
    ('STForecaster', 48, 12)
    >>> best.estimator.spatial.shape
    (207, 207)
    """
    task = normalize_task(task)
    _check_budget(budget)
    if top_k is not None and (
        not isinstance(top_k, numbers.Integral) or isinstance(top_k, bool) or top_k < 1
    ):
        raise ValueError(f"top_k must be a positive int or None; got {top_k!r}.")
    if horizon is not None and (
        not isinstance(horizon, numbers.Integral) or isinstance(horizon, bool) or horizon < 0
    ):
        raise ValueError(f"horizon must be a non-negative int or None; got {horizon!r}.")
    if profile is not None and not isinstance(profile, DataProfile):
        raise TypeError(f"profile must be a DataProfile or None; got {type(profile).__name__}.")
    data = _as_data(data, spatial)
    if profile is None:
        profile = describe(data)
    spatial_value = _spatial_parameter(data)
    estimator_class = _estimator_class(profile, task)
    is_sequence = isinstance(data, SequenceData)
    history = window_horizon = window_reason = None
    if not is_sequence:
        history, window_horizon, window_reason = _windows(profile, task, budget, horizon)

    scored, excluded = [], {}
    for name in list_backbones():
        spec = get_backbone(name)
        reason = _exclusion(name, spec, profile, task, estimator_class)
        if reason is None:
            estimator, backbone_history, sizing = _build(
                name, estimator_class, profile, budget, history, spatial_value, random_state
            )
            if estimator is None:
                reason = f"{estimator_class.__name__} has no configuration for {name}"
        if reason is not None:
            excluded[name] = reason
            continue
        tags = spec.tags
        reasons = [f"takes {profile.kind} data for {task} (tags: {', '.join(tags.data_kinds)})"]
        score = _BASE
        dependency_score, dependency_reasons = _dependency_reasons(name, tags, profile)
        context_score, context_reasons = _context_reasons(
            name, spec, profile, estimator.get_params().get("spatial")
        )
        cost_score, cost_reasons = _cost_reasons(name, profile, budget)
        score += dependency_score + context_score + cost_score
        reasons += dependency_reasons + context_reasons + cost_reasons
        if window_reason is not None:
            reasons.append(window_reason)
        reasons += sizing
        if profile.sampling == "irregular" and not is_sequence:
            reasons.append(
                "the timestamps are irregular: resample to a regular step first, window "
                "models assume one"
            )
        score = round(float(np.clip(score, 0.0, 1.0)), 3)
        scored.append((score, traits_of(name).cost, name, estimator, reasons, backbone_history))
    if not scored:
        same_kind = [
            f"{name} ({excluded[name]})" for name in list_backbones(data_kind=profile.kind)
        ]
        raise ValueError(
            f"no registered backbone serves {task} on {profile.kind} data "
            f"({profile.sampling}). Backbones for {profile.kind} data: "
            + ("; ".join(same_kind) if same_kind else "none")
            + "."
        )
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    if top_k is not None:
        for _, _, name, _, _, _ in scored[top_k:]:
            excluded[name] = f"ranked below the top {top_k}"
        scored = scored[:top_k]
    items = [
        Recommendation(
            rank=rank,
            estimator=estimator,
            score=score,
            reasons=reasons,
            backbone=name,
            task=task,
            history=backbone_history,
            horizon=window_horizon,
        )
        for rank, (score, _, name, estimator, reasons, backbone_history) in enumerate(
            scored, start=1
        )
    ]
    return Recommendations(items, profile=profile, excluded=excluded)
