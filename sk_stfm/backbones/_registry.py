"""The backbone registry: names, classes and capability tags.

Estimators resolve a string ``backbone="patchtst"`` here, and the taxonomy
reads the tags to say which backbones suit a data set and a task.
"""

import dataclasses
import difflib
from dataclasses import dataclass

from torch import nn

from ..utils._tags import DATA_KINDS, DEPENDENCIES, TASKS, STFMTags
from ._convlstm import ConvLSTM
from ._dlinear import DLinear
from ._gwnet import GraphWaveNet
from ._mlp import MLPBackbone
from ._patchtst import PatchTST
from ._simvp import SimVP
from ._st_patch_transformer import STPatchTransformer
from ._st_transformer import STTransformer
from ._stid import STID
from ._tgcn import TGCN
from ._tpp import RMTPP, LogNormMixTPP, TransformerHawkes
from ._trajectory_transformer import TrajectoryTransformer

_REGISTRY = {}


@dataclass(frozen=True)
class BackboneSpec:
    """A registered backbone.

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
    lr : float, default=1e-3
        The Adam learning rate an estimator's ``lr="auto"`` trains the
        backbone with.

    Examples
    --------
    >>> from sk_stfm.backbones import get_backbone
    >>> spec = get_backbone("dlinear")
    >>> spec.tags.dependencies
    ('temporal',)
    >>> model = spec.cls(n_steps=32, n_nodes=1, n_channels=1, horizon=8)
    >>> model.horizon
    8
    """

    name: str
    cls: type
    tags: STFMTags
    description: str
    lr: float = 1e-3


def register_backbone(name, cls, tags, description, *, lr=1e-3, overwrite=False):
    """Register a backbone class under a name.

    Parameters
    ----------
    name : str
        Registry key; lower case by convention.
    cls : type
        Subclass of :class:`torch.nn.Module` following the backbone
        signature (ideally of :class:`BaseBackbone`).
    tags : STFMTags
        Its capabilities.
    description : str
        One line for listings.
    lr : float, default=1e-3
        Learning rate of ``lr="auto"`` (measured on outside data, see the
        defaults benchmark).
    overwrite : bool, default=False
        Replace an existing entry of the same name instead of raising.

    Returns
    -------
    spec : BackboneSpec
        The registered entry.

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
    >>> spec.name
    'my_dlinear'
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
    spec = BackboneSpec(name=name, cls=cls, tags=tags, description=str(description), lr=lr)
    _REGISTRY[name] = spec
    return spec


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


_TEMPORAL_TAGS = STFMTags(
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
# DLinear's "encoder" is a fixed moving-average decomposition: nothing a
# self-supervised stage could pre-train.
_LEARNED_TEMPORAL_TAGS = dataclasses.replace(_TEMPORAL_TAGS, capabilities=("learned_encoder",))
register_backbone(
    "dlinear",
    DLinear,
    _TEMPORAL_TAGS,
    "DLinear (Zeng et al., 2023): moving-average decomposition plus linear maps over time.",
)
register_backbone(
    "patchtst",
    PatchTST,
    _LEARNED_TEMPORAL_TAGS,
    "PatchTST (Nie et al., 2023): channel-independent Transformer over patches, with RevIN.",
)
register_backbone(
    "mlp",
    MLPBackbone,
    _LEARNED_TEMPORAL_TAGS,
    "MLP over each node's flattened window, shared across nodes, with RevIN.",
)

_ALL_TASKS = _TEMPORAL_TAGS.tasks
# Spatial models take plain series too (one node, or nodes without a
# graph): scikit-learn's checks and a first fit need no adjacency.
_SPATIO_TEMPORAL_TAGS = STFMTags(
    data_kinds=("series", "graph", "grid"),
    dependencies=("temporal", "spatial", "spatio-temporal"),
    tasks=_ALL_TASKS,
    requires=(),
    capabilities=("learned_encoder",),
)
register_backbone(
    "gwnet",
    GraphWaveNet,
    _SPATIO_TEMPORAL_TAGS,
    "Graph WaveNet (Wu et al., 2019): gated dilated convolutions + diffusion graph "
    "convolution over the given and a learned adjacency.",
)
register_backbone(
    "tgcn",
    TGCN,
    _SPATIO_TEMPORAL_TAGS,
    "T-GCN (Zhao et al., 2020): a GRU whose gates are graph convolutions.",
)
register_backbone(
    "stid",
    STID,
    dataclasses.replace(_SPATIO_TEMPORAL_TAGS, dependencies=("temporal", "spatial")),
    "STID (Shao et al., 2022): MLP with node, time-of-day and day-of-week embeddings.",
)
register_backbone(
    "st_transformer",
    STTransformer,
    _SPATIO_TEMPORAL_TAGS,
    "Factorized spatio-temporal Transformer: attention over time, then over nodes, "
    "with optional Laplacian positions.",
)
# Grid models read a flattened grid back as an image; without a grid shape
# the nodes form one column, so a plain series still fits.
_GRID_TAGS = dataclasses.replace(_SPATIO_TEMPORAL_TAGS, data_kinds=("series", "grid", "video"))
register_backbone(
    "convlstm",
    ConvLSTM,
    _GRID_TAGS,
    "ConvLSTM (Shi et al., 2015): an LSTM whose gates are convolutions over the grid.",
)
register_backbone(
    "simvp",
    SimVP,
    _GRID_TAGS,
    "SimVP-style video predictor (Gao et al., 2022): convolutional encoder, "
    "translator over stacked frames, and decoder.",
)
register_backbone(
    "st_patch_transformer",
    STPatchTransformer,
    dataclasses.replace(_SPATIO_TEMPORAL_TAGS, data_kinds=("series", "graph", "grid", "video")),
    "UniST-style Transformer over space-time patches; one spatial patching (grid blocks "
    "or graph clusters) lets the same weights run on grids and graphs.",
)
# Irregular trajectories only: the input is the padded sequence layout
# (time-delta and time channels, NaN rows of padding), not regular windows.
register_backbone(
    "trajectory_transformer",
    TrajectoryTransformer,
    STFMTags(
        data_kinds=("trajectory",),
        dependencies=("temporal", "spatio-temporal"),
        tasks=("forecasting", "classification", "representation"),
        requires=(),
        capabilities=("learned_encoder",),
    ),
    "Trajectory Transformer (TrajFM / START / TrajCL style): points with a continuous "
    "time encoding, optional cell-id tokens and a key-padding mask.",
)

# Temporal point processes read event sequences, not windows (their own
# signature, see BaseTPP); a spatial head makes them spatio-temporal.
_EVENT_TAGS = STFMTags(
    data_kinds=("event",),
    dependencies=("temporal", "spatio-temporal"),
    tasks=("forecasting", "generation"),
    requires=(),
)
register_backbone(
    "rmtpp",
    RMTPP,
    _EVENT_TAGS,
    "RMTPP (Du et al., 2016): GRU history, exponential intensity in the time since the "
    "last event, closed-form likelihood.",
)
register_backbone(
    "thp",
    TransformerHawkes,
    _EVENT_TAGS,
    "Transformer Hawkes process (Zuo et al., 2020): causal Transformer history, softplus "
    "intensity integrated by Gauss-Legendre quadrature.",
)
register_backbone(
    "lognorm_mix",
    LogNormMixTPP,
    _EVENT_TAGS,
    "LogNormMix (Shchur et al., 2020): intensity-free, log-normal mixture of the time to "
    "the next event; closed-form survival and exact sampling.",
)
