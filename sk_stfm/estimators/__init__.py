"""Estimators: skorch-trained backbones behind the scikit-learn API.

Every estimator is ``backbone x objective x adapter`` on one base
(:class:`BaseSTEstimator`); the configuration objects make the backbone's
hyperparameters reachable as nested parameters (``backbone__d_model``).
They live in :mod:`sk_stfm.backbones`, with the registrations that make
them; their names stay importable from here, where earlier versions
defined them.
"""

# The spatial context belongs to the data layer (sk_stfm.data lists it); it
# stays importable from here, as it was.
# The backbone configurations live in sk_stfm.backbones; their names stay
# importable from here, where earlier versions defined them.
from ..backbones import (  # noqa: F401
    BackboneConfig,
    ConvLSTMConfig,
    DLinearConfig,
    EventBackboneConfig,
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
from ..data import SpatialContext, resolve_spatial  # noqa: F401
from ._anomaly import STAnomalyDetector, round_robin_masks
from ._backbone_config import (
    resolve_backbone,
)
from ._base import BaseSTEstimator
from ._classifier import STClassifier
from ._encoder import STEncoder
from ._event_backbone_config import (
    resolve_event_backbone,
)
from ._event_baselines import HawkesProcess, PoissonProcess
from ._events import EventForecaster
from ._forecaster import STForecaster
from ._generator import STGenerator
from ._imputer import STImputer, hide_at_random
from ._next_location import NextLocationPredictor, NextPointRegressor
from ._training import TimeBudget
from ._trajectory import (
    BaseTrajectoryEstimator,
    TrajectoryClassifier,
    TrajectoryEncoder,
)
from ._window_tasks import BaseWindowTaskEstimator

__all__ = [
    "resolve_event_backbone",
    "BaseSTEstimator",
    "EventForecaster",
    "HawkesProcess",
    "PoissonProcess",
    "STAnomalyDetector",
    "STClassifier",
    "STEncoder",
    "STForecaster",
    "STGenerator",
    "STImputer",
    "TimeBudget",
    "BaseTrajectoryEstimator",
    "NextLocationPredictor",
    "NextPointRegressor",
    "TrajectoryClassifier",
    "TrajectoryEncoder",
    "BaseWindowTaskEstimator",
    "hide_at_random",
    "resolve_backbone",
    "round_robin_masks",
]
