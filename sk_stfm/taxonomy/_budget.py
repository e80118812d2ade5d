"""Budgets: how large a configuration and how much training a recommendation gets.

``recommend(budget=...)`` sizes every backbone with the same three steps
(small / medium / large): model widths and depths, training epochs, and
the history of the input windows. What each backbone costs relative to the
others is a property of its architecture that the registry's tags do not
record, so it is kept here, next to the sizes.
"""

from dataclasses import dataclass

import pandas as pd

from ..estimators import (
    ConvLSTMConfig,
    DLinearConfig,
    GraphWaveNetConfig,
    LogNormMixConfig,
    MLPConfig,
    PatchTSTConfig,
    RegisteredBackbone,
    RMTPPConfig,
    SimVPConfig,
    STIDConfig,
    STPatchTransformerConfig,
    STTransformerConfig,
    TGCNConfig,
    TrajectoryTransformerConfig,
    TransformerHawkesConfig,
)

BUDGETS = ("small", "medium", "large")
BUDGET_INDEX = {name: index for index, name in enumerate(BUDGETS)}

# Training of the window and sequence estimators at each budget.
TRAINING = {
    "small": {"max_epochs": 20, "patience": 3},
    "medium": {"max_epochs": 50, "patience": 5},
    "large": {"max_epochs": 200, "patience": 10},
}
EVENT_TRAINING = {
    "small": {"max_epochs": 10, "patience": 3},
    "medium": {"max_epochs": 30, "patience": 5},
    "large": {"max_epochs": 100, "patience": 10},
}
# Longest input window at each budget, in steps.
HISTORY_CAP = {"small": 96, "medium": 336, "large": 720}
# Estimated training memory a configuration may take at each budget, in
# bytes: the batch size, then the history, are lowered to stay under it.
MEMORY_CAP = {"small": 1 * 2**30, "medium": 4 * 2**30, "large": 16 * 2**30}
_BATCH_SIZES = (64, 32, 16, 8)


@dataclass(frozen=True)
class BackboneTraits:
    """What a backbone costs and how it reads the data, beyond its tags.

    ``cost`` is a relative training cost (1 cheapest, 3 most expensive) at
    equal width; ``channel_independent`` says whether each channel is
    modelled on its own (PatchTST, DLinear), which the survey's temporal
    models found robust on multivariate series; ``node_attention`` marks
    attention over all node pairs; ``max_history`` caps the window of
    models that step through it (recurrent) or attend over every step;
    ``note`` is the one-line reason shown to users.
    """

    cost: int
    note: str
    channel_independent: bool = False
    node_attention: bool = False
    max_history: int | None = None


TRAITS = {
    "dlinear": BackboneTraits(1, "linear maps over time: trains in seconds", True),
    "mlp": BackboneTraits(1, "one MLP per node window: cheap, mixes the channels of a node"),
    "patchtst": BackboneTraits(2, "Transformer over patches of each channel", True),
    "stid": BackboneTraits(1, "MLP with node embeddings: among the cheapest spatial models"),
    "gwnet": BackboneTraits(2, "dilated convolutions with graph diffusion"),
    "tgcn": BackboneTraits(2, "recurrent: reads the window one step at a time", max_history=96),
    "st_transformer": BackboneTraits(
        3, "attention over every step and over all node pairs", node_attention=True, max_history=96
    ),
    "st_patch_transformer": BackboneTraits(2, "attention over space-time patches"),
    "convlstm": BackboneTraits(3, "recurrent convolutions over the grid", max_history=48),
    "simvp": BackboneTraits(2, "convolutional video predictor, all frames at once"),
    "trajectory_transformer": BackboneTraits(2, "Transformer over the points"),
    "rmtpp": BackboneTraits(1, "GRU history with a closed-form intensity: the cheapest TPP"),
    "lognorm_mix": BackboneTraits(
        1, "intensity-free log-normal mixture: exact likelihood and sampling"
    ),
    "thp": BackboneTraits(2, "Transformer history with a numerically integrated intensity"),
}
DEFAULT_TRAITS = BackboneTraits(2, "a registered backbone")


def traits_of(name):
    """The :class:`BackboneTraits` of a backbone (neutral for unknown ones)."""
    return TRAITS.get(name, DEFAULT_TRAITS)


def _pick(budget, small, medium, large):
    return {"small": small, "medium": medium, "large": large}[budget]


def _steps_per_day(time_step):
    if time_step is None or time_step <= pd.Timedelta(0):
        return None
    ratio = pd.Timedelta(days=1) / time_step
    return int(ratio) if float(ratio).is_integer() and ratio >= 1 else None


def window_config(name, budget, history, profile):
    """Configuration of a window backbone for a budget and a history length.

    Parameters
    ----------
    name : str
        Registered backbone name.
    budget : {"small", "medium", "large"}
        The budget.
    history : int
        Steps of the input windows.
    profile : DataProfile
        The profile of the data (its time step sizes STID's day).

    Returns
    -------
    config : BackboneConfig
        A configuration object, ``RegisteredBackbone(name)`` for a backbone
        this module does not know.
    """
    if name == "dlinear":
        # The moving average must fit the window and be odd.
        kernel = min(25, history if history % 2 else history - 1)
        return DLinearConfig(kernel_size=max(kernel, 1))
    if name == "patchtst":
        patch_len = min(16, max(2, history // 4))
        width = _pick(budget, (16, 4, 1, 64), (16, 4, 3, 128), (128, 16, 3, 256))
        return PatchTSTConfig(
            patch_len=patch_len,
            stride=max(1, patch_len // 2),
            d_model=width[0],
            n_heads=width[1],
            n_layers=width[2],
            d_ff=width[3],
            dropout=_pick(budget, 0.2, 0.3, 0.2),
        )
    if name == "mlp":
        return MLPConfig(hidden_sizes=_pick(budget, (64,), (256,), (512, 512)))
    if name == "gwnet":
        width = _pick(budget, (16, 64, 128, 2), (32, 128, 256, 4), (64, 256, 512, 4))
        return GraphWaveNetConfig(
            residual_channels=width[0],
            dilation_channels=width[0],
            skip_channels=width[1],
            end_channels=width[2],
            n_blocks=width[3],
        )
    if name == "tgcn":
        return TGCNConfig(hidden_size=_pick(budget, 16, 64, 128))
    if name == "stid":
        width = _pick(budget, 16, 32, 64)
        steps_per_day = _steps_per_day(profile.time_step) or 288
        return STIDConfig(
            embed_dim=width,
            node_dim=width,
            time_of_day_dim=width,
            day_of_week_dim=width,
            steps_per_day=steps_per_day,
            n_layers=_pick(budget, 2, 3, 4),
        )
    if name == "st_transformer":
        width = _pick(budget, (16, 2, 1, 32), (32, 4, 2, 64), (64, 8, 3, 128))
        return STTransformerConfig(
            d_model=width[0], n_heads=width[1], n_layers=width[2], d_ff=width[3]
        )
    if name == "st_patch_transformer":
        width = _pick(budget, (16, 2, 1, 32), (32, 4, 2, 64), (64, 8, 3, 128))
        # Attention is over all (patch, segment) tokens: at most 16
        # segments keep it affordable on long windows.
        return STPatchTransformerConfig(
            patch_len=min(history, max(4, -(-history // 16))),
            d_model=width[0],
            n_heads=width[1],
            n_layers=width[2],
            d_ff=width[3],
        )
    if name == "convlstm":
        return ConvLSTMConfig(hidden_channels=_pick(budget, (16,), (32, 32), (64, 64)))
    if name == "simvp":
        width = _pick(budget, (8, 32, 1), (16, 64, 2), (32, 128, 4))
        return SimVPConfig(
            hidden_channels=width[0], translator_channels=width[1], n_translator_blocks=width[2]
        )
    return RegisteredBackbone(name)


def trajectory_config(name, budget):
    """Configuration of a trajectory backbone for a budget (see :func:`window_config`)."""
    if name == "trajectory_transformer":
        width = _pick(budget, (32, 4, 1, 64), (64, 4, 2, 128), (128, 8, 4, 256))
        return TrajectoryTransformerConfig(
            d_model=width[0], n_heads=width[1], n_layers=width[2], d_ff=width[3]
        )
    return RegisteredBackbone(name)


def event_config(name, budget):
    """Configuration of an event backbone for a budget, or ``None`` if unknown."""
    width = _pick(budget, 16, 32, 64)
    if name == "lognorm_mix":
        return LogNormMixConfig(d_model=width, n_components=_pick(budget, 8, 16, 32))
    if name == "rmtpp":
        return RMTPPConfig(d_model=width)
    if name == "thp":
        return TransformerHawkesConfig(d_model=width, n_layers=_pick(budget, 1, 2, 3))
    return None


def _n_patches(history, patch_len, stride):
    return (history + stride - patch_len) // stride + 1


def _spatial_patches(profile, patch_size):
    grid = profile.grid_shape
    if grid is not None:
        return -(-grid[0] // patch_size) * -(-grid[1] // patch_size)
    return max(1, -(-profile.n_nodes // patch_size**2))


def memory_per_window(name, config, history, profile):
    """Rough training memory of one window, in bytes (activations, attention maps).

    An order of magnitude, not a measurement: it counts the largest
    activations of each architecture (times a slack for the backward pass)
    and the attention maps of the Transformers, which grow with the square
    of their number of tokens.
    """
    n_nodes, n_channels, steps = profile.n_nodes, profile.n_channels, history
    node_steps = n_nodes * steps
    params = config.get_params(deep=False)
    if name == "dlinear":
        floats = node_steps * n_channels * 4
    elif name == "mlp":
        floats = n_nodes * (steps * n_channels + sum(params["hidden_sizes"])) * 3
    elif name == "patchtst":
        patches = _n_patches(steps, params["patch_len"], params["stride"])
        layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
        floats = n_nodes * n_channels * layers * (patches * width * 16 + heads * patches**2 * 4)
    elif name == "gwnet":
        layers = params["n_blocks"] * params["n_layers"]
        floats = (
            node_steps * layers * (params["residual_channels"] * 12 + params["skip_channels"] * 2)
        )
    elif name == "tgcn":
        floats = node_steps * params["hidden_size"] * 14
    elif name == "stid":
        floats = n_nodes * params["embed_dim"] * 4 * params["n_layers"] * 4 + node_steps
    elif name == "st_transformer":
        layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
        attention = heads * layers * 2 * (n_nodes * steps**2 + steps * n_nodes**2)
        floats = node_steps * width * layers * 10 + attention
    elif name == "st_patch_transformer":
        tokens = _spatial_patches(profile, params["patch_size"]) * -(-steps // params["patch_len"])
        layers, heads, width = params["n_layers"], params["n_heads"], params["d_model"]
        floats = tokens * width * layers * 20 + heads * layers * 4 * tokens**2 + node_steps * 8
    elif name == "convlstm":
        floats = node_steps * sum(params["hidden_channels"]) * 12
    elif name == "simvp":
        blocks = max(1, params["n_translator_blocks"])
        floats = node_steps * params["hidden_channels"] * 6 * blocks
        floats += n_nodes * params["translator_channels"] * blocks * 6
    else:
        floats = node_steps * n_channels * 64
    return 4 * int(floats)


def size_window_model(name, budget, history, profile):
    """Configuration, history and batch size of a window model within the budget's memory.

    Parameters
    ----------
    name : str
        Registered backbone name.
    budget : {"small", "medium", "large"}
        The budget.
    history : int
        The history suggested by the data (periods) and the budget.
    profile : DataProfile
        The profile of the data.

    Returns
    -------
    config : BackboneConfig
        The configuration for the final history.
    history : int
        The history, lowered by the backbone's ``max_history`` or to fit
        the memory cap.
    batch_size : int
        The largest of 64, 32, 16, 8 under the memory cap.
    notes : list of str
        What was lowered, and why.
    """
    notes = []
    traits = traits_of(name)
    if traits.max_history is not None and history > traits.max_history:
        history = traits.max_history
        notes.append(f"history lowered to {history} steps ({traits.note})")
    memory_cap = MEMORY_CAP[budget]
    suggested = history
    while True:
        config = window_config(name, budget, history, profile)
        per_window = memory_per_window(name, config, history, profile)
        batch_size = next(
            (size for size in _BATCH_SIZES if size * per_window <= memory_cap), _BATCH_SIZES[-1]
        )
        if batch_size * per_window <= memory_cap or history <= 8:
            break
        history = max(8, history // 2)
    limit = f"the estimated training memory under {memory_cap / 2**30:g} GB ({budget} budget)"
    if history < suggested:
        notes.append(f"history lowered to {history} steps to keep {limit}")
    elif batch_size < _BATCH_SIZES[0]:
        notes.append(f"batch_size {batch_size} keeps {limit}")
    return config, history, batch_size, notes
