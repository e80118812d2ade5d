"""Training objectives: strategies that turn a batch into a loss.

``objective=`` of every estimator takes a string shortcut or one of these
configuration objects, so objectives are hyperparameters like any other.
"""

from sklearn.base import clone

from ._base import BaseObjective
from ._contrastive import (
    AUGMENTATIONS,
    Contrastive,
    ContrastiveViews,
    InfoNCELoss,
    augment,
)
from ._diffusion import (
    ConditionalDiffusion,
    DenoisingNetwork,
    Diffusion,
    DiffusionLoss,
    GenerativeDiffusion,
    ImputationDiffusion,
    noise_schedule,
)
from ._interpolation import interpolate_hidden
from ._masked import Masked, MaskedReconstruction, MaskedReconstructionLoss
from ._multi import JointPretext, MultiObjective, WeightedLoss
from ._pretraining import PretrainingObjective
from ._regression import MaskedLoss, Regression

_SHORTCUTS = {
    "regression": Regression,
    "masked": Masked,
    "contrastive": Contrastive,
    "diffusion": Diffusion,
}


def resolve_objective(objective):
    """Return a fresh objective configuration for a shortcut or an object.

    Parameters
    ----------
    objective : str, BaseObjective or None
        ``None`` and ``"regression"`` give :class:`Regression`, ``"masked"``
        gives :class:`Masked`, ``"contrastive"`` gives :class:`Contrastive`,
        ``"diffusion"`` gives :class:`Diffusion`.

    Returns
    -------
    objective : BaseObjective
        An unfitted copy, safe to use inside ``fit``.

    Examples
    --------
    >>> from sk_stfm.objectives import Regression, resolve_objective
    >>> resolve_objective(None)
    Regression()
    >>> resolve_objective(Regression(loss="mae"))
    Regression(loss='mae')
    """
    if objective is None:
        return Regression()
    if isinstance(objective, str):
        if objective not in _SHORTCUTS:
            raise ValueError(
                f"objective must be one of {sorted(_SHORTCUTS)} or a BaseObjective; "
                f"got {objective!r}."
            )
        return _SHORTCUTS[objective]()
    if isinstance(objective, BaseObjective):
        return clone(objective)
    raise TypeError(
        f"objective must be a string or a BaseObjective; got {type(objective).__name__}."
    )


def objectives_for(task):
    """Return the shortcut names of the objectives that serve a task.

    Parameters
    ----------
    task : str
        A task of :class:`~sk_stfm.utils.STFMTags` (``"forecasting"``,
        ``"imputation"``, ...).

    Returns
    -------
    names : list of str
        Sorted shortcut names, usable as ``objective=``.

    Examples
    --------
    >>> from sk_stfm.objectives import objectives_for
    >>> objectives_for("imputation")
    ['diffusion', 'masked']
    """
    return sorted(name for name, cls in _SHORTCUTS.items() if task in cls._tasks)


__all__ = [
    "AUGMENTATIONS",
    "BaseObjective",
    "ConditionalDiffusion",
    "DenoisingNetwork",
    "Diffusion",
    "DiffusionLoss",
    "GenerativeDiffusion",
    "ImputationDiffusion",
    "interpolate_hidden",
    "noise_schedule",
    "objectives_for",
    "Contrastive",
    "ContrastiveViews",
    "InfoNCELoss",
    "JointPretext",
    "MultiObjective",
    "PretrainingObjective",
    "WeightedLoss",
    "augment",
    "Masked",
    "MaskedLoss",
    "MaskedReconstruction",
    "MaskedReconstructionLoss",
    "Regression",
    "resolve_objective",
]
