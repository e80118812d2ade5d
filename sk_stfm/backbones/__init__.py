"""Backbones: pure :mod:`torch` modules, their configurations, and the registry.

Every backbone is built as ``Backbone(n_steps, n_nodes, n_channels, horizon,
n_targets=None, **hyperparameters)`` and maps windows of shape
``(batch, n_steps, n_nodes, n_channels)`` to outputs of shape
``(batch, horizon, n_nodes, n_targets)``. ``encode`` returns the
representation before the ``head``, and ``reset_head`` swaps the head for a
new horizon or output size when fine-tuning a pre-trained encoder.

Each backbone module ends with its one :func:`register_backbone` call, which
declares everything the package knows about it and makes its configuration
class (``PatchTSTConfig``, ...), the scikit-learn object that
``backbone=`` and ``backbone__<name>`` parameters set.
"""

from ._base import BaseBackbone
from ._config import (
    BackboneConfig,
    EventBackboneConfig,
    RegisteredBackbone,
    TrajectoryBackboneConfig,
)
from ._convlstm import ConvLSTM, ConvLSTMConfig
from ._dlinear import DLinear, DLinearConfig
from ._graph import LowRankAdjacency, SparseOperator, normalized_adjacency
from ._gwnet import GraphWaveNet, GraphWaveNetConfig
from ._layers import ByteDropout, TokenBatchNorm, TransformerEncoderLayer
from ._lognorm_mix import LogNormMixConfig, LogNormMixTPP
from ._mlp import MLPBackbone, MLPConfig
from ._patchtst import PatchTST, PatchTSTConfig
from ._registry import (
    AutoChoice,
    BackboneSpec,
    BackboneTraits,
    auto_backbone,
    compatible_backbones,
    get_backbone,
    list_backbones,
    register_backbone,
    unregister_backbone,
)
from ._revin import RevIN
from ._rmtpp import RMTPP, RMTPPConfig
from ._simvp import SimVP, SimVPConfig
from ._st_patch_transformer import STPatchTransformer, STPatchTransformerConfig
from ._st_transformer import STTransformer, STTransformerConfig
from ._stid import STID, STIDConfig
from ._tgcn import TGCN, TGCNConfig
from ._thp import TransformerHawkes, TransformerHawkesConfig
from ._tpp import BaseTPP
from ._trajectory_transformer import TrajectoryTransformer, TrajectoryTransformerConfig

__all__ = [
    "AutoChoice",
    "auto_backbone",
    "BackboneConfig",
    "BackboneSpec",
    "BackboneTraits",
    "BaseBackbone",
    "BaseTPP",
    "ByteDropout",
    "ConvLSTM",
    "ConvLSTMConfig",
    "DLinear",
    "DLinearConfig",
    "EventBackboneConfig",
    "GraphWaveNet",
    "GraphWaveNetConfig",
    "LogNormMixConfig",
    "LogNormMixTPP",
    "LowRankAdjacency",
    "MLPBackbone",
    "MLPConfig",
    "PatchTST",
    "PatchTSTConfig",
    "RMTPP",
    "RMTPPConfig",
    "RegisteredBackbone",
    "RevIN",
    "STID",
    "STIDConfig",
    "STPatchTransformer",
    "STPatchTransformerConfig",
    "STTransformer",
    "STTransformerConfig",
    "SimVP",
    "SimVPConfig",
    "SparseOperator",
    "TGCN",
    "TGCNConfig",
    "TokenBatchNorm",
    "TrajectoryBackboneConfig",
    "TrajectoryTransformer",
    "TrajectoryTransformerConfig",
    "TransformerEncoderLayer",
    "TransformerHawkes",
    "TransformerHawkesConfig",
    "compatible_backbones",
    "get_backbone",
    "list_backbones",
    "normalized_adjacency",
    "register_backbone",
    "unregister_backbone",
]
