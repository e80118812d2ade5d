"""Estimators: skorch-trained backbones behind the scikit-learn API.

Every estimator is ``backbone x objective x adapter`` on one base
(:class:`BaseSTEstimator`); the configuration objects make the backbone's
hyperparameters reachable as nested parameters (``backbone__d_model``).
"""

from ._backbone_config import (
    BackboneConfig,
    DLinearConfig,
    MLPConfig,
    PatchTSTConfig,
    RegisteredBackbone,
    resolve_backbone,
)
from ._base import BaseSTEstimator
from ._forecaster import STForecaster
from ._spatial import SpatialContext, resolve_spatial
from ._training import TimeBudget

__all__ = [
    "BackboneConfig",
    "BaseSTEstimator",
    "DLinearConfig",
    "MLPConfig",
    "PatchTSTConfig",
    "RegisteredBackbone",
    "STForecaster",
    "SpatialContext",
    "TimeBudget",
    "resolve_backbone",
    "resolve_spatial",
]
