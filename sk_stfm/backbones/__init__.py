"""Backbones: pure :mod:`torch` modules and a registry of their capabilities.

Every backbone is built as ``Backbone(n_steps, n_nodes, n_channels, horizon,
n_targets=None, **hyperparameters)`` and maps windows of shape
``(batch, n_steps, n_nodes, n_channels)`` to outputs of shape
``(batch, horizon, n_nodes, n_targets)``. ``encode`` returns the
representation before the ``head``, and ``reset_head`` swaps the head for a
new horizon or output size when fine-tuning a pre-trained encoder.
"""

from ._base import BaseBackbone
from ._dlinear import DLinear
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

__all__ = [
    "BackboneSpec",
    "BaseBackbone",
    "ByteDropout",
    "DLinear",
    "MLPBackbone",
    "PatchTST",
    "RevIN",
    "TokenBatchNorm",
    "TransformerEncoderLayer",
    "compatible_backbones",
    "get_backbone",
    "list_backbones",
    "register_backbone",
    "unregister_backbone",
]
