"""Ready-made conditional search spaces per data kind and task."""

from optuna.distributions import FloatDistribution

from ..backbones import compatible_backbones, get_backbone
from ..objectives import objectives_for, resolve_objective
from ..taxonomy._recommend import normalize_task
from ..utils._ranges import FloatRange, IntRange
from ..utils._tags import DATA_KINDS


def default_search_space(kind="series", task="forecasting", *, history=None, objectives=True):
    """A conditional search space over backbones, objectives and training.

    The backbones are those of the registry whose tags take ``kind`` data
    and serve ``task`` and whose registration searches them on ``kind``
    (graph models only for graphs, frame models for grids and video,
    temporal point processes for events), each with the search space its
    registration declares; the objectives are those that train ``task``,
    each with its own parameters. Learning rate and batch size complete it.

    Parameters
    ----------
    kind : {"series", "graph", "grid", "video", "trajectory", "event"}, default="series"
        Data kind, as in :class:`~sk_stfm.data.STData`.
    task : str, default="forecasting"
        A task of :class:`~sk_stfm.utils.STFMTags` (``"forecasting"``,
        ``"imputation"``, ...); ``"forecast"``, ``"impute"``, ``"anomaly"``,
        ``"classify"`` are accepted too.
    history : int or None, default=None
        Length of the input windows. Patch sizes (PatchTST patches, the
        masked objective's masked spans) are chosen to fit it; ``None``
        keeps the sizes of long windows (patches of 8 or 16 steps).
    objectives : bool, default=True
        Also search the objective (window estimators only: the event and
        trajectory models train with their own likelihood).

    Returns
    -------
    space : dict
        A search space for :class:`~sk_stfm.tuning.STFMSearchCV`.

    Examples
    --------
    >>> from sk_stfm.tuning import default_search_space
    >>> space = default_search_space("graph")
    >>> sorted(space["backbone"])
    ['dlinear', 'gwnet', 'mlp', 'patchtst', 'st_patch_transformer', 'st_transformer', 'stid', 'tgcn']
    >>> sorted(space["objective"])
    ['contrastive', 'diffusion', 'masked', 'regression']
    >>> sorted(default_search_space("series")["backbone"])
    ['dlinear', 'mlp', 'patchtst']
    """
    if kind not in DATA_KINDS:
        raise ValueError(f"kind must be one of {list(DATA_KINDS)}; got {kind!r}.")
    task = normalize_task(task)
    if history is not None and history < 1:
        raise ValueError(f"history must be a positive number of steps; got {history}.")
    names = [
        name
        for name in compatible_backbones(kind, task, available=("adjacency", "grid_shape"))
        if kind in get_backbone(name).searched_on
    ]
    if not names:
        raise ValueError(f"No registered backbone serves {task} on {kind} data.")
    space = {"backbone": {name: _backbone_option(name, history) for name in names}}
    if objectives and kind not in ("event", "trajectory"):
        usable = objectives_for(task)
        # A pre-training objective drawn with a backbone that has no learned
        # encoder (dlinear) is refused by the estimator before any training;
        # the search records that trial as failed and draws again.
        space["objective"] = {name: _objective_option(name, history) for name in usable}
    space["lr"] = FloatDistribution(1e-4, 1e-2, log=True)
    space["batch_size"] = [16, 32, 64]
    return space


def _backbone_option(name, history):
    """``(config, sub_space)`` of a registered backbone for windows of ``history`` steps."""
    spec = get_backbone(name)
    params, sub_space = spec.search_space(history)
    return spec.config(**params), {key: _optuna(value) for key, value in sub_space.items()}


def _objective_option(name, history):
    """``(objective, sub_space)`` of a registered objective for windows of ``history`` steps."""
    objective = resolve_objective(name)
    params, sub_space = type(objective).search_space(history)
    return objective.set_params(**params), {key: _optuna(value) for key, value in sub_space.items()}


def _optuna(value):
    """A registry range as an Optuna distribution; lists stay categorical choices."""
    return value.to_optuna() if isinstance(value, (IntRange, FloatRange)) else value
