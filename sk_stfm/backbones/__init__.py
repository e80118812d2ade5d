"""Backbones: pure :mod:`torch` modules and a registry of their capabilities.

Every backbone is built as ``Backbone(n_steps, n_nodes, n_channels, horizon,
n_targets=None, **hyperparameters)`` and maps windows of shape
``(batch, n_steps, n_nodes, n_channels)`` to outputs of shape
``(batch, horizon, n_nodes, n_targets)``. ``encode`` returns the
representation before the ``head``, and ``reset_head`` swaps the head for a
new horizon or output size when fine-tuning a pre-trained encoder.
"""

from ._base import BaseBackbone
from ._convlstm import ConvLSTM
from ._dlinear import DLinear
from ._graph import LowRankAdjacency, SparseOperator, normalized_adjacency
from ._gwnet import GraphWaveNet
from ._layers import ByteDropout, TokenBatchNorm, TransformerEncoderLayer
from ._mlp import MLPBackbone
from ._patchtst import PatchTST
from ._registry import (
    BackboneSpec,
    compatible_backbones,
    get_backbone,
    list_backbones,
    register_backbone,
    unregister_backbone,
)
from ._revin import RevIN
from ._simvp import SimVP
from ._st_patch_transformer import STPatchTransformer
from ._st_transformer import STTransformer
from ._stid import STID
from ._tgcn import TGCN
from ._tpp import RMTPP, BaseTPP, LogNormMixTPP, TransformerHawkes
from ._trajectory_transformer import TrajectoryTransformer

__all__ = [
    "BackboneSpec",
    "BaseBackbone",
    "BaseTPP",
    "ConvLSTM",
    "ByteDropout",
    "DLinear",
    "GraphWaveNet",
    "LogNormMixTPP",
    "LowRankAdjacency",
    "MLPBackbone",
    "PatchTST",
    "RMTPP",
    "RevIN",
    "STID",
    "STPatchTransformer",
    "STTransformer",
    "SimVP",
    "SparseOperator",
    "TGCN",
    "TokenBatchNorm",
    "TransformerHawkes",
    "TrajectoryTransformer",
    "TransformerEncoderLayer",
    "compatible_backbones",
    "get_backbone",
    "list_backbones",
    "normalized_adjacency",
    "register_backbone",
    "unregister_backbone",
]
