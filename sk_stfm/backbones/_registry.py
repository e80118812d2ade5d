"""The backbone registry: everything the package knows about each backbone.

A backbone is one module and one :func:`register_backbone` call beside it.
The registration carries every fact the rest of the package asks about the
backbone: its capability tags, its configuration class (made from the
module's signature), the learning rate of ``lr="auto"``, its default search
space, its cost traits and how to size it for a budget (``recommend``), the
width parameters of the scaling probe, and the tiny settings the tests use.
Estimators, :mod:`~sk_stfm.tuning`, :mod:`~sk_stfm.taxonomy`,
:mod:`~sk_stfm.benchmarking` and the tests read them here and never name a
backbone themselves.
"""

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from torch import nn

from ..utils._tags import DATA_KINDS, DEPENDENCIES, TASKS, STFMTags
from ._config import BackboneConfig, config_class

_REGISTRY = {}


@dataclass(frozen=True)
class BackboneTraits:
    """What a backbone costs and how it reads the data, beyond its tags.

    ``recommend`` ranks and sizes backbones with them.

    Parameters
    ----------
    cost : int, default=2
        Relative training cost at equal width, 1 (cheapest) to 3.
    note : str, default="a registered backbone"
        The one-line reason shown to users.
    channel_independent : bool, default=False
        Each channel is modelled on its own (PatchTST, DLinear), which the
        survey's temporal models found robust on multivariate series.
    node_attention : bool, default=False
        Attention over all node pairs (memory grows with their square).
    max_history : int or None, default=None
        Longest window worth giving a model that steps through it
        (recurrent) or attends over every step.

    Examples
    --------
    >>> from sk_stfm.backbones import get_backbone
    >>> get_backbone("dlinear").traits.cost
    1
    """

    cost: int = 2
    note: str = "a registered backbone"
    channel_independent: bool = False
    node_attention: bool = False
    max_history: int | None = None


@dataclass(frozen=True)
class AutoChoice:
    """When an estimator's ``backbone="auto"`` picks a backbone, and how.

    Among the registered backbones that serve the task and whose choice
    admits the windows, ``"auto"`` takes the highest ``rank``.

    Parameters
    ----------
    rank : int
        Preference; the highest admissible rank wins.
    min_steps : int, default=1
        Shortest window (in steps) it is picked for.
    min_channels : int, default=1
        Fewest channels it is picked for.
    params : dict or None, default=None
        Configuration parameters it is picked with.

    Examples
    --------
    >>> from sk_stfm.backbones import get_backbone
    >>> get_backbone("patchtst").auto["default"].min_steps
    16
    """

    rank: int
    min_steps: int = 1
    min_channels: int = 1
    params: Mapping | None = None


def _no_sizes(level, history, profile):
    return {}


def _generic_memory(params, history, profile):
    # An order of magnitude for a backbone that declares none: 64 floats
    # per input value.
    return profile.n_nodes * history * profile.n_channels * 64


def _static_space(space):
    def search_space(history):
        return {}, dict(space)

    return search_space


@dataclass(frozen=True)
class BackboneSpec:
    """A registered backbone: what the package knows about it.

    Built by :func:`register_backbone`; see its parameters for each field.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"patchtst"``.
    cls : type
        The :class:`torch.nn.Module` subclass, built as
        ``cls(n_steps, n_nodes, n_channels, horizon, n_targets=None, **hyperparameters)``.
        Event backbones (``data_kinds=("event",)``, see
        :class:`~sk_stfm.backbones.BaseTPP`) read sequences, not windows, and
        are built as ``cls(n_marks=0, n_features=0, n_spatial=0,
        **hyperparameters)``.
    tags : STFMTags
        Data kinds, dependencies and tasks it handles, and the context it
        requires.
    description : str
        One line for listings.
    config : type
        Its configuration class (a :class:`BackboneConfig`,
        :class:`TrajectoryBackboneConfig` or :class:`EventBackboneConfig`).
    lr : float
        The Adam learning rate of an estimator's ``lr="auto"``.
    search_space : callable
        ``search_space(history) -> (params, space)``: configuration
        parameters fixed for windows of ``history`` steps (``None``:
        unknown) and the ranges worth searching.
    searched_on : tuple of str
        Data kinds on which default search spaces include it.
    traits : BackboneTraits
        Cost and reading of the data, for ``recommend``.
    sizes : callable
        ``sizes(level, history, profile) -> params``: configuration at
        budget level 0 (small), 1 (medium) or 2 (large).
    memory : callable
        ``memory(params, history, profile) -> float``: training floats of
        one window (activations, attention maps; an order of magnitude).
    width_parameters : tuple of str
        The width knobs of the scaling probe; empty when it has none.
    test_params : dict
        A tiny configuration for fast tests.
    test_fit_params : dict
        Estimator parameters its tests train with (epochs, learning rate).
    auto : dict
        ``{task or "default": AutoChoice}``: when ``backbone="auto"`` picks it.

    Examples
    --------
    >>> from sk_stfm.backbones import get_backbone
    >>> spec = get_backbone("dlinear")
    >>> spec.tags.dependencies
    ('temporal',)
    >>> model = spec.cls(n_steps=32, n_nodes=1, n_channels=1, horizon=8)
    >>> model.horizon
    8
    >>> spec.config(kernel_size=5)
    DLinearConfig(kernel_size=5)
    """

    name: str
    cls: type
    tags: STFMTags
    description: str
    config: type
    lr: float = 1e-3
    search_space: Callable = field(default_factory=lambda: _static_space({}))
    searched_on: tuple = ()
    traits: BackboneTraits = field(default_factory=BackboneTraits)
    sizes: Callable = field(default_factory=lambda: _no_sizes)
    memory: Callable = field(default_factory=lambda: _generic_memory)
    width_parameters: tuple = ()
    test_params: Mapping = field(default_factory=dict)
    test_fit_params: Mapping = field(default_factory=dict)
    auto: Mapping = field(default_factory=dict)


def register_backbone(
    name,
    cls,
    tags,
    description,
    *,
    config=BackboneConfig,
    config_name=None,
    lr=1e-3,
    search_space=None,
    searched_on=None,
    traits=None,
    sizes=None,
    memory=None,
    width_parameters=(),
    test_params=None,
    test_fit_params=None,
    auto=None,
    overwrite=False,
):
    """Register a backbone class under a name, with everything known about it.

    Call it once, in the backbone's own module; nothing else in the package
    names the backbone.

    Parameters
    ----------
    name : str
        Registry key; lower case by convention.
    cls : type
        Subclass of :class:`torch.nn.Module` following the backbone
        signature (ideally of :class:`BaseBackbone`), with every
        hyperparameter an explicit keyword with a default.
    tags : STFMTags
        Its capabilities.
    description : str
        One line for listings.
    config : type, default=BackboneConfig
        The base of its configuration class, made from ``cls``'s signature
        (:class:`TrajectoryBackboneConfig` for raw trajectories,
        :class:`EventBackboneConfig` for point processes); or a finished
        configuration class (one whose ``backbone_name`` is ``name``), used
        as it is.
    config_name : str or None, default=None
        Name of the made configuration class; ``None`` gives
        ``cls.__name__ + "Config"``.
    lr : float, default=1e-3
        Learning rate of ``lr="auto"`` (measured on outside data, see the
        defaults benchmark).
    search_space : dict or callable or None, default=None
        Ranges worth searching, ``{parameter: list of values, IntRange or
        FloatRange}``; or ``search_space(history) -> (params, space)`` when
        they depend on the window length. ``None``: searched with its
        defaults only.
    searched_on : tuple of str or None, default=None
        Data kinds on which default search spaces include it; ``None`` means
        every kind of its tags.
    traits : BackboneTraits or None, default=None
        Its cost, for ``recommend``; ``None`` gives neutral traits.
    sizes : callable or None, default=None
        ``sizes(level, history, profile) -> dict`` of configuration
        parameters at budget level 0, 1, 2 (small, medium, large);
        ``profile`` has ``n_nodes``, ``n_channels``, ``grid_shape`` and
        ``time_step``. ``None``: the defaults at every budget.
    memory : callable or None, default=None
        ``memory(params, history, profile) -> float``: training floats of
        one window of ``history`` steps for configuration ``params``.
        ``None``: 64 floats per input value.
    width_parameters : tuple of str, default=()
        Parameters the scaling probe sets to a width: the first one to the
        width, the others in the proportion the configuration gives them.
    test_params : dict or None, default=None
        Configuration parameters of a tiny model for fast tests.
    test_fit_params : dict or None, default=None
        Estimator parameters the tests train it with, when the common ones
        (20 epochs at ``lr=1e-2``) do not suit it.
    auto : dict or None, default=None
        ``{task or "default": AutoChoice}``: when an estimator's
        ``backbone="auto"`` picks this backbone (:func:`auto_backbone`);
        ``None``: never.
    overwrite : bool, default=False
        Replace an existing entry of the same name instead of raising.

    Returns
    -------
    spec : BackboneSpec
        The registered entry; ``spec.config`` is the configuration class.

    Raises
    ------
    ValueError
        If ``name`` is taken and ``overwrite`` is False.
    TypeError
        If ``cls`` is not an ``nn.Module`` subclass or ``tags`` not an
        :class:`STFMTags`.

    Examples
    --------
    >>> from sk_stfm.backbones import DLinear, register_backbone
    >>> from sk_stfm.utils import STFMTags
    >>> spec = register_backbone(
    ...     "my_dlinear", DLinear, STFMTags(), "DLinear under another name", overwrite=True
    ... )
    >>> spec.config(kernel_size=5)
    DLinearConfig(kernel_size=5)
    >>> unregister_backbone("my_dlinear").name
    'my_dlinear'
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str; got {name!r}.")
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"cls must be a torch.nn.Module subclass; got {cls!r}.")
    if not isinstance(tags, STFMTags):
        raise TypeError(f"tags must be an STFMTags; got {type(tags).__name__}.")
    if name in _REGISTRY and not overwrite:
        raise ValueError(
            f"A backbone named {name!r} is already registered; pass overwrite=True to replace it."
        )
    if not isinstance(lr, float) or not lr > 0:
        raise TypeError(f"lr must be a positive float; got {lr!r}.")
    if not (isinstance(config, type) and hasattr(config, "data_arguments")):
        raise TypeError(f"config must be a configuration class; got {config!r}.")
    if config.backbone_name != name:
        config = config_class(cls, name, config, config_name)
    if search_space is None or isinstance(search_space, Mapping):
        search_space = _static_space(search_space or {})
    elif not callable(search_space):
        raise TypeError(f"search_space must be a dict or a callable; got {search_space!r}.")
    spec = BackboneSpec(
        name=name,
        cls=cls,
        tags=tags,
        description=str(description),
        config=config,
        lr=lr,
        search_space=search_space,
        searched_on=tuple(tags.data_kinds if searched_on is None else searched_on),
        traits=traits or BackboneTraits(),
        sizes=sizes or _no_sizes,
        memory=memory or _generic_memory,
        width_parameters=tuple(width_parameters),
        test_params=dict(test_params or {}),
        test_fit_params=dict(test_fit_params or {}),
        auto=dict(auto or {}),
    )
    _REGISTRY[name] = spec
    return spec


def auto_backbone(task, *, n_steps=None, n_channels=None, data_kind=None, family=None):
    """The configuration that ``backbone="auto"`` stands for.

    Among the registered backbones that serve ``task`` (and take
    ``data_kind``, and whose configuration is of ``family``), those with an
    :class:`AutoChoice` for the task (or a ``"default"`` one) that admits
    the windows compete; the highest rank wins.

    Parameters
    ----------
    task : str
        The estimator's task.
    n_steps, n_channels : int or None, default=None
        Shape of the windows; ``None`` admits any.
    data_kind : str or None, default=None
        Keep backbones taking this kind of data.
    family : type or None, default=None
        Keep backbones whose configuration class subclasses it.

    Returns
    -------
    config : BackboneConfig
        The chosen backbone's configuration, with its choice's parameters.

    Raises
    ------
    ValueError
        If no registered backbone is a choice for the task and the windows.

    Examples
    --------
    >>> from sk_stfm.backbones import auto_backbone
    >>> auto_backbone("forecasting", n_steps=96, data_kind="series")
    PatchTSTConfig()
    >>> auto_backbone("forecasting", n_steps=8, data_kind="series")
    MLPConfig()
    """
    _check_choice(task, TASKS, "task")
    candidates = []
    for name in list_backbones(data_kind=data_kind, task=task):
        spec = _REGISTRY[name]
        choice = spec.auto.get(task, spec.auto.get("default"))
        if choice is None or (family is not None and not issubclass(spec.config, family)):
            continue
        if (n_steps is not None and n_steps < choice.min_steps) or (
            n_channels is not None and n_channels < choice.min_channels
        ):
            continue
        candidates.append((choice.rank, name, spec, choice))
    if not candidates:
        raise ValueError(
            f"no registered backbone is an automatic choice for {task} on windows of "
            f"{n_steps} steps and {n_channels} channels; pass backbone= explicitly."
        )
    _, _, spec, choice = max(candidates, key=lambda candidate: candidate[:2])
    return spec.config(**(choice.params or {}))


def unregister_backbone(name):
    """Remove a backbone from the registry.

    Parameters
    ----------
    name : str
        Registry key of the backbone.

    Returns
    -------
    spec : BackboneSpec
        The removed entry.

    Examples
    --------
    >>> from sk_stfm.backbones import DLinear, register_backbone, unregister_backbone
    >>> from sk_stfm.utils import STFMTags
    >>> _ = register_backbone("scratch", DLinear, STFMTags(), "temporary")
    >>> unregister_backbone("scratch").description
    'temporary'
    """
    get_backbone(name)  # raises, naming the registered backbones
    return _REGISTRY.pop(name)


def get_backbone(name):
    """Look up a registered backbone.

    Parameters
    ----------
    name : str
        Registry key.

    Returns
    -------
    spec : BackboneSpec
        Its class, tags and description.

    Raises
    ------
    ValueError
        If no backbone has that name; the message lists the registered ones.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.backbones import get_backbone
    >>> spec = get_backbone("mlp")
    >>> model = spec.cls(n_steps=16, n_nodes=2, n_channels=1, horizon=4)
    >>> model(torch.randn(3, 16, 2, 1)).shape
    torch.Size([3, 4, 2, 1])
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        pass
    names = sorted(_REGISTRY)
    close = difflib.get_close_matches(str(name), names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Unknown backbone {name!r}. Registered backbones: {', '.join(names)}.{hint}")


def _check_choice(value, allowed, name):
    if value is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {allowed} or None; got {value!r}.")


def list_backbones(data_kind=None, task=None, dependency=None, *, as_frame=False):
    """List registered backbones, optionally filtered by their tags.

    Parameters
    ----------
    data_kind : str, default=None
        Keep backbones accepting this data kind (``"series"``, ``"graph"``,
        ...).
    task : str, default=None
        Keep backbones serving this task.
    dependency : str, default=None
        Keep backbones modelling this dependency (``"temporal"``,
        ``"spatial"``, ``"spatio-temporal"``).
    as_frame : bool, default=False
        Return a :class:`pandas.DataFrame` with columns ``name``,
        ``data_kinds``, ``dependencies``, ``tasks``, ``requires``,
        ``capabilities`` and ``description`` instead of a list.

    Returns
    -------
    backbones : list of str or pandas.DataFrame
        Matching names, sorted.

    Examples
    --------
    >>> from sk_stfm.backbones import list_backbones
    >>> [name for name in list_backbones(data_kind="graph") if name in ("dlinear", "mlp", "patchtst")]
    ['dlinear', 'mlp', 'patchtst']
    >>> list(list_backbones(as_frame=True).columns)
    ['name', 'data_kinds', 'dependencies', 'tasks', 'requires', 'capabilities', 'description']
    """
    _check_choice(data_kind, DATA_KINDS, "data_kind")
    _check_choice(task, TASKS, "task")
    _check_choice(dependency, DEPENDENCIES, "dependency")
    specs = [
        spec
        for _, spec in sorted(_REGISTRY.items())
        if (data_kind is None or data_kind in spec.tags.data_kinds)
        and (task is None or task in spec.tags.tasks)
        and (dependency is None or dependency in spec.tags.dependencies)
    ]
    if not as_frame:
        return [spec.name for spec in specs]
    import pandas as pd

    columns = [
        "name",
        "data_kinds",
        "dependencies",
        "tasks",
        "requires",
        "capabilities",
        "description",
    ]
    rows = [
        (
            spec.name,
            tuple(spec.tags.data_kinds),
            tuple(spec.tags.dependencies),
            tuple(spec.tags.tasks),
            tuple(spec.tags.requires),
            tuple(spec.tags.capabilities),
            spec.description,
        )
        for spec in specs
    ]
    return pd.DataFrame(rows, columns=columns)


def compatible_backbones(data_kind, task, available=(), capabilities=()):
    """Return the names of the backbones that can run on some data for some task.

    Parameters
    ----------
    data_kind : str
        Kind of the data (``"series"``, ``"graph"``, ``"grid"``, ...).
    task : str
        The task (``"forecasting"``, ``"imputation"``, ...).
    available : str or tuple of str, default=()
        Context the data provides, e.g. ``("adjacency",)``; backbones whose
        ``requires`` tag asks for anything else are left out.
    capabilities : str or tuple of str, default=()
        Capabilities the backbone must offer, e.g. ``("learned_encoder",)``
        for an objective that pre-trains the encoder.

    Returns
    -------
    names : list of str
        Sorted names of the compatible backbones.

    Examples
    --------
    >>> from sk_stfm.backbones import compatible_backbones
    >>> "patchtst" in compatible_backbones("series", "forecasting")
    True
    >>> "dlinear" in compatible_backbones("series", "forecasting", capabilities="learned_encoder")
    False
    """
    _check_choice(data_kind, DATA_KINDS, "data_kind")
    _check_choice(task, TASKS, "task")
    available = {available} if isinstance(available, str) else set(available)
    capabilities = {capabilities} if isinstance(capabilities, str) else set(capabilities)
    return [
        name
        for name in list_backbones(data_kind=data_kind, task=task)
        if set(_REGISTRY[name].tags.requires) <= available
        and capabilities <= set(_REGISTRY[name].tags.capabilities)
    ]


# Tags shared by the built-in registrations.
TEMPORAL_TAGS = STFMTags(
    # Node- and channel-independent temporal models run on any regular
    # (n_steps, n_nodes, n_channels) data, modelling time only.
    data_kinds=("series", "graph", "grid", "trajectory"),
    dependencies=("temporal",),
    tasks=(
        "forecasting",
        "imputation",
        "anomaly_detection",
        "classification",
        "representation",
        "generation",
    ),
    requires=(),
)
LEARNED_TEMPORAL_TAGS = dataclasses.replace(TEMPORAL_TAGS, capabilities=("learned_encoder",))
# Spatial models take plain series too (one node, or nodes without a
# graph): scikit-learn's checks and a first fit need no adjacency.
SPATIO_TEMPORAL_TAGS = STFMTags(
    data_kinds=("series", "graph", "grid"),
    dependencies=("temporal", "spatial", "spatio-temporal"),
    tasks=TEMPORAL_TAGS.tasks,
    requires=(),
    capabilities=("learned_encoder",),
)
# Grid models read a flattened grid back as an image; without a grid shape
# the nodes form one column, so a plain series still fits.
GRID_TAGS = dataclasses.replace(SPATIO_TEMPORAL_TAGS, data_kinds=("series", "grid", "video"))
# Graph and frame models take a single series too (as one node), but on one
# node a search only spends trials on them.
SPATIAL_SEARCH_KINDS = ("graph", "grid", "video")
# The budget levels of ``sizes``: small, medium, large.
BUDGET_LEVELS = ("small", "medium", "large")
