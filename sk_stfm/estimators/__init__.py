"""Estimators: skorch-trained backbones behind the scikit-learn API.

Every estimator is ``backbone x objective x adapter`` on one base
(:class:`BaseSTEstimator`); the configuration objects make the backbone's
hyperparameters reachable as nested parameters (``backbone__d_model``).
"""

from ._anomaly import STAnomalyDetector, round_robin_masks
from ._backbone_config import (
    BackboneConfig,
    ConvLSTMConfig,
    DLinearConfig,
    GraphWaveNetConfig,
    MLPConfig,
    PatchTSTConfig,
    RegisteredBackbone,
    SimVPConfig,
    STIDConfig,
    STPatchTransformerConfig,
    STTransformerConfig,
    TGCNConfig,
    resolve_backbone,
)
from ._base import BaseSTEstimator
from ._classifier import STClassifier
from ._encoder import STEncoder
from ._forecaster import STForecaster
from ._generator import STGenerator
from ._imputer import STImputer, hide_at_random
from ._spatial import SpatialContext, resolve_spatial
from ._training import TimeBudget
from ._window_tasks import BaseWindowTaskEstimator

__all__ = [
    "BackboneConfig",
    "BaseSTEstimator",
    "ConvLSTMConfig",
    "DLinearConfig",
    "GraphWaveNetConfig",
    "MLPConfig",
    "PatchTSTConfig",
    "RegisteredBackbone",
    "STAnomalyDetector",
    "STClassifier",
    "STEncoder",
    "STForecaster",
    "STGenerator",
    "STIDConfig",
    "STImputer",
    "STPatchTransformerConfig",
    "STTransformerConfig",
    "SimVPConfig",
    "SpatialContext",
    "TGCNConfig",
    "TimeBudget",
    "BaseWindowTaskEstimator",
    "hide_at_random",
    "resolve_backbone",
    "resolve_spatial",
    "round_robin_masks",
]
