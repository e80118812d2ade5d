"""Estimators: skorch-trained backbones behind the scikit-learn API.

Every estimator is ``backbone x objective x adapter`` on one base
(:class:`BaseSTEstimator`); the configuration objects make the backbone's
hyperparameters reachable as nested parameters (``backbone__d_model``).
"""

# The spatial context belongs to the data layer (sk_stfm.data lists it); it
# stays importable from here, as it was.
from ..data import SpatialContext, resolve_spatial  # noqa: F401
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
from ._event_backbone_config import (
    EventBackboneConfig,
    LogNormMixConfig,
    RMTPPConfig,
    TransformerHawkesConfig,
    resolve_event_backbone,
)
from ._event_baselines import HawkesProcess, PoissonProcess
from ._events import EventForecaster
from ._forecaster import STForecaster
from ._generator import STGenerator
from ._imputer import STImputer, hide_at_random
from ._training import TimeBudget
from ._trajectory import (
    BaseTrajectoryEstimator,
    NextLocationPredictor,
    TrajectoryClassifier,
    TrajectoryEncoder,
    TrajectoryTransformerConfig,
)
from ._window_tasks import BaseWindowTaskEstimator

__all__ = [
    "EventBackboneConfig",
    "LogNormMixConfig",
    "RMTPPConfig",
    "TransformerHawkesConfig",
    "resolve_event_backbone",
    "BackboneConfig",
    "BaseSTEstimator",
    "ConvLSTMConfig",
    "DLinearConfig",
    "EventForecaster",
    "GraphWaveNetConfig",
    "HawkesProcess",
    "MLPConfig",
    "PatchTSTConfig",
    "PoissonProcess",
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
    "TGCNConfig",
    "TimeBudget",
    "BaseTrajectoryEstimator",
    "NextLocationPredictor",
    "TrajectoryClassifier",
    "TrajectoryEncoder",
    "TrajectoryTransformerConfig",
    "BaseWindowTaskEstimator",
    "hide_at_random",
    "resolve_backbone",
    "round_robin_masks",
]
