"""Budgets: how large a configuration and how much training a recommendation gets.

``recommend(budget=...)`` sizes every backbone with the same three steps
(small / medium / large): model widths and depths, training epochs, and
the history of the input windows. What each backbone costs, how it is
sized at each step and how much memory a window takes are declared by its
registration (``traits``, ``sizes``, ``memory``); this module applies them.
"""

from ..backbones import get_backbone
from ..backbones._registry import BUDGET_LEVELS

BUDGETS = BUDGET_LEVELS
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


def traits_of(name):
    """The :class:`~sk_stfm.backbones.BackboneTraits` of a registered backbone.

    Parameters
    ----------
    name : str
        Registry key.

    Returns
    -------
    traits : BackboneTraits
        Its registered cost and reading of the data.
    """
    return get_backbone(name).traits


def sized_config(name, budget, history=None, profile=None):
    """Configuration of a registered backbone at a budget.

    Parameters
    ----------
    name : str
        Registered backbone name.
    budget : {"small", "medium", "large"}
        The budget.
    history : int or None, default=None
        Steps of the input windows (window and trajectory backbones).
    profile : DataProfile or None, default=None
        The profile of the data (e.g. its time step sizes STID's day).

    Returns
    -------
    config : BackboneConfig or EventBackboneConfig
        The registered configuration class with the sizes its registration
        gives for the budget.
    """
    spec = get_backbone(name)
    return spec.config(**spec.sizes(BUDGET_INDEX[budget], history, profile))


def memory_per_window(name, config, history, profile):
    """Rough training memory of one window, in bytes (activations, attention maps).

    An order of magnitude, not a measurement: each registration counts the
    largest activations of its architecture (times a slack for the backward
    pass) and the attention maps of the Transformers, which grow with the
    square of their number of tokens.
    """
    return 4 * int(get_backbone(name).memory(config.get_params(deep=False), history, profile))


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
        config = sized_config(name, budget, history, profile)
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
