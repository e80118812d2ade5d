"""Ready-made conditional search spaces per data kind and task."""

from optuna.distributions import FloatDistribution, IntDistribution

from ..backbones import compatible_backbones
from ..estimators import (
    ConvLSTMConfig,
    DLinearConfig,
    GraphWaveNetConfig,
    LogNormMixConfig,
    MLPConfig,
    PatchTSTConfig,
    RMTPPConfig,
    SimVPConfig,
    STIDConfig,
    STPatchTransformerConfig,
    STTransformerConfig,
    TGCNConfig,
    TrajectoryTransformerConfig,
    TransformerHawkesConfig,
)
from ..objectives import Contrastive, Diffusion, Masked, Regression, objectives_for
from ..taxonomy._recommend import normalize_task
from ..utils._tags import DATA_KINDS

# Widths of attention models: multiples of 8, so that every head count of
# the configurations (2 or 4) divides them.
_WIDTH = IntDistribution(16, 64, step=8)

# Per backbone: its configuration and the parameters worth searching, with
# ranges around the sizes that work on the bundled data at CPU budgets.
_BACKBONE_SPACES = {
    "dlinear": (DLinearConfig(), {"kernel_size": [13, 25, 49]}),
    "mlp": (
        MLPConfig(),
        {"hidden_sizes": [(64,), (128,), (64, 64)], "dropout": FloatDistribution(0.0, 0.3)},
    ),
    "patchtst": (
        PatchTSTConfig(),
        {
            "d_model": _WIDTH,
            "n_layers": IntDistribution(1, 3),
            "patch_len": [8, 16],
            "dropout": FloatDistribution(0.0, 0.3),
        },
    ),
    "gwnet": (
        GraphWaveNetConfig(),
        {
            "residual_channels": IntDistribution(16, 32, log=True),
            "n_blocks": IntDistribution(1, 4),
            "dropout": FloatDistribution(0.0, 0.3),
        },
    ),
    "stid": (
        STIDConfig(),
        {"embed_dim": IntDistribution(16, 64, log=True), "n_layers": IntDistribution(1, 3)},
    ),
    "tgcn": (TGCNConfig(), {"hidden_size": IntDistribution(16, 64, log=True)}),
    "st_transformer": (
        STTransformerConfig(),
        {"d_model": _WIDTH, "n_layers": IntDistribution(1, 3)},
    ),
    "st_patch_transformer": (
        STPatchTransformerConfig(),
        {"d_model": _WIDTH, "n_layers": IntDistribution(1, 3)},
    ),
    "convlstm": (ConvLSTMConfig(), {"hidden_channels": [(16,), (32,), (32, 32)]}),
    "simvp": (
        SimVPConfig(),
        {"hidden_channels": IntDistribution(8, 32, log=True), "n_translator_blocks": [1, 2]},
    ),
    "trajectory_transformer": (
        TrajectoryTransformerConfig(),
        {"d_model": IntDistribution(32, 128, log=True), "n_layers": IntDistribution(1, 3)},
    ),
    "rmtpp": (RMTPPConfig(), {"d_model": IntDistribution(16, 64, log=True)}),
    "thp": (
        TransformerHawkesConfig(),
        {"d_model": _WIDTH, "n_layers": IntDistribution(1, 2)},
    ),
    "lognorm_mix": (
        LogNormMixConfig(),
        {"d_model": IntDistribution(16, 64, log=True), "n_components": [8, 16, 32]},
    ),
}

_OBJECTIVE_SPACES = {
    "regression": (Regression(), {"loss": ["mse", "mae"]}),
    "masked": (
        Masked(),
        {"mask_ratio": FloatDistribution(0.25, 0.75), "pretrain_epochs": IntDistribution(2, 10)},
    ),
    "contrastive": (Contrastive(), {"temperature": FloatDistribution(0.05, 0.5, log=True)}),
    "diffusion": (Diffusion(), {"hidden_size": IntDistribution(32, 128, log=True)}),
}


def default_search_space(kind="series", task="forecasting", *, history=None, objectives=True):
    """A conditional search space over backbones, objectives and training.

    The backbones are those of the registry whose tags take ``kind`` data
    and serve ``task`` (graph models only for graphs, frame models for
    grids and video, temporal point processes for events), each with its
    own sizes to search; the objectives are those that train ``task``,
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
    names = [
        name
        for name in compatible_backbones(kind, task, available=("adjacency", "grid_shape"))
        if name in _BACKBONE_SPACES and _suits(name, kind)
    ]
    if not names:
        raise ValueError(f"No registered backbone serves {task} on {kind} data.")
    space = {"backbone": {name: _copy(_BACKBONE_SPACES[name]) for name in names}}
    if history is not None:
        _fit_patches(space, history)
    if objectives and kind not in ("event", "trajectory"):
        usable = [name for name in objectives_for(task) if name in _OBJECTIVE_SPACES]
        # A pre-training objective drawn with a backbone that has no learned
        # encoder (dlinear) is refused by the estimator before any training;
        # the search records that trial as failed and draws again.
        space["objective"] = {name: _copy(_OBJECTIVE_SPACES[name]) for name in usable}
        if history is not None and "masked" in space["objective"]:
            space["objective"]["masked"][0].set_params(patch_len=max(1, min(16, history // 4)))
    space["lr"] = FloatDistribution(1e-4, 1e-2, log=True)
    space["batch_size"] = [16, 32, 64]
    return space


def _suits(name, kind):
    """Whether a backbone is worth searching on a kind, beyond taking it.

    Graph and frame models take a single series too (as one node), but on
    one node they only cost trials; raw trajectories are sequences, which
    only the trajectory model reads (resampled trajectory windows are
    ``kind="series"`` data).
    """
    if kind == "series":
        return name in {"dlinear", "mlp", "patchtst"}
    if kind == "trajectory":
        return name == "trajectory_transformer"
    return True


def _fit_patches(space, history):
    """Patch sizes that fit windows of ``history`` steps (long windows keep 8 / 16)."""
    if history < 1:
        raise ValueError(f"history must be a positive number of steps; got {history}.")
    if history >= 32:
        return
    lengths = sorted({max(1, history // 4), max(1, history // 2)})
    options = space["backbone"]
    if "patchtst" in options:
        config, sub_space = options["patchtst"]
        config.set_params(stride=lengths[0])
        sub_space["patch_len"] = lengths
    if "st_patch_transformer" in options:
        options["st_patch_transformer"][0].set_params(patch_len=lengths[0])


def _copy(entry):
    component, sub_space = entry
    return component.__class__(**component.get_params(deep=False)), dict(sub_space)
