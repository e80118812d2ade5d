"""LoRA: low-rank updates of frozen weights, through the peft library."""

import numbers
import os

import torch
from torch import nn

from ..utils._compat import Interval
from ..utils._saved_file import read_saved_file
from ._base import BaseAdapter
from ._frozen_lm import LanguageModelAdapter

# Top-level parts of a backbone that are new for the task and always train.
_TASK_PARTS = ("head", "channel_map", "embedding")


def _peft():
    try:
        import peft
    except ImportError:
        raise ImportError("LoRA needs the peft library: pip install 'sk-stfm[llm]'.") from None
    return peft


def linear_layer_names(module, within=None):
    """Names of the ``nn.Linear`` layers of a module, outside its task parts.

    Parameters
    ----------
    module : torch.nn.Module
        A backbone.
    within : str or None, default=None
        Only layers under this child (e.g. ``"language_model"``).

    Returns
    -------
    names : list of str
        Dotted module names, the default ``target_modules`` of :class:`LoRA`.

    Examples
    --------
    >>> from sk_stfm.backbones import PatchTST
    >>> from sk_stfm.adapters._lora import linear_layer_names
    >>> linear_layer_names(PatchTST(32, 1, 1, 8, n_layers=1))
    ['encoder.0.qkv', 'encoder.0.out_proj', 'encoder.0.linear1', 'encoder.0.linear2']
    """
    names = []
    for name, child in module.named_modules():
        top = name.split(".")[0]
        if not isinstance(child, nn.Linear) or top in _TASK_PARTS + ("patch_embedding",):
            continue
        if within is not None and top != within:
            continue
        names.append(name)
    return names


def _load_pretrained_backbone(path):
    """The backbone weights in a file written by an sk_stfm estimator's ``save``."""
    state_dict = read_saved_file(path)["state_dict"]
    # Task modules that wrap the backbone (an encoder's) prefix its weights.
    prefix = "backbone."
    if not any(k.startswith(prefix) for k in state_dict):
        return dict(state_dict)
    return {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}


class LoRA(BaseAdapter):
    """Low-rank adaptation of a frozen model (Hu et al., ICLR 2022), via peft.

    Every target linear layer ``W`` becomes ``W + (alpha / r) B A`` with
    ``A`` of rank ``r``; ``W`` stays frozen and only ``A``, ``B`` and the
    task parts (input embedding, head, channel map) train. The low-rank
    layers are injected by :func:`peft.inject_adapter_in_model`; before
    ``predict`` they are merged into ``W``, so inference costs what the
    frozen model costs.

    Parameters
    ----------
    r : int, default=8
        Rank of the update.
    alpha : float, default=16
        Scale numerator: the update is multiplied by ``alpha / r``.
    dropout : float, default=0.0
        Dropout on the input of the low-rank branch.
    target_modules : list of str, str or None, default=None
        Layers to adapt, as peft takes them (names, or a regex string);
        ``None``: every linear layer of the frozen language model, or of
        the backbone outside its head (see :func:`linear_layer_names`).
    base : LanguageModelAdapter, str, os.PathLike or None, default=None
        What is adapted: a language-model adapter such as
        :class:`FrozenLM` (its ``train`` groups keep training too); a file
        written by a fitted sk_stfm estimator's ``save`` (e.g. a
        pre-trained :class:`~sk_stfm.estimators.STEncoder`), whose backbone
        weights initialise the estimator's backbone (same backbone and
        window shape; a path, because searches clone their parameters and
        a clone of a fitted estimator is not fitted); or ``None``, the
        estimator's backbone from scratch.

    Attributes
    ----------
    n_trainable_ : int
        Set on the adapter copy the estimator holds (``adapter_``) once
        built: parameters that train, the task parts included.
    n_lora_ : int
        Parameters of the low-rank updates alone.
    n_adapted_ : int
        Parameters of the adapted (frozen) model, for the share that trains.

    Examples
    --------
    >>> import numpy as np
    >>> from transformers import BertConfig
    >>> from sk_stfm.adapters import FrozenLM, LoRA
    >>> from sk_stfm.estimators import STForecaster
    >>> tiny = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
    ...                   intermediate_size=64, vocab_size=50)
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 32, 1, 1)), rng.normal(size=(64, 8, 1, 1))
    >>> adapter = LoRA(r=4, base=FrozenLM(lm=tiny, n_layers=2))
    >>> model = STForecaster(adapter=adapter, max_epochs=1, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2, 8, 1, 1)
    >>> bool(model.adapter_.n_trainable_ < model.adapter_.n_adapted_)
    True
    """

    _parameter_constraints: dict = {
        "r": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "target_modules": [list, tuple, str, None],
        "base": [LanguageModelAdapter, str, os.PathLike, None],
    }

    def __init__(self, r=8, alpha=16, dropout=0.0, target_modules=None, base=None):
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.target_modules = target_modules
        self.base = base

    @property
    def replaces_backbone(self):
        """Whether the base is a language-model adapter."""
        return isinstance(self.base, LanguageModelAdapter)

    def backbone_tags(self):
        """Return the tags of the base language-model adapter's backbone.

        Returns
        -------
        tags : STFMTags
            As :meth:`LanguageModelAdapter.backbone_tags`.
        """
        return self.base.backbone_tags()

    @property
    def backbone_name(self):
        """Name used in messages."""
        return f"LoRA({self.base.backbone_name})"

    @property
    def tasks(self):
        """The tasks of the base adapter (all tasks for a backbone)."""
        if isinstance(self.base, BaseAdapter):
            return self.base.tasks
        return BaseAdapter.tasks

    def build_backbone(self, backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial):
        """Build the base's backbone, with pre-trained weights where given.

        Parameters
        ----------
        backbone : BackboneConfig
            The estimator's backbone (used unless the base is a
            language-model adapter).
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon, n_targets : int
            Output steps and channels.
        spatial : SpatialContext
            The estimator's spatial context.

        Returns
        -------
        module : BaseBackbone
            Not yet adapted (see :meth:`adapt`).
        """
        if isinstance(self.base, BaseAdapter):
            return self.base.build_backbone(
                backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial
            )
        module = super().build_backbone(
            backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial
        )
        if self.base is not None:
            weights = _load_pretrained_backbone(self.base)
            own = module.state_dict()
            # The task head differs between the pre-training and the task.
            shared = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
            body = [k for k in own if k.split(".")[0] not in _TASK_PARTS]
            missing = [k for k in body if k not in shared]
            if missing:
                raise ValueError(
                    f"base's backbone does not match the estimator's (missing or reshaped: "
                    f"{missing[:5]}); pre-train it with the same backbone and window shape."
                )
            module.load_state_dict(shared, strict=False)
        return module

    def adapt(self, module):
        """Inject the low-rank layers and freeze everything else but the task parts.

        Parameters
        ----------
        module : BaseBackbone
            The backbone from :meth:`build_backbone`.

        Returns
        -------
        module : BaseBackbone
            The same module, with peft LoRA layers.
        """
        peft = _peft()
        language_model = self.replaces_backbone
        before = {n for n, p in module.named_parameters() if p.requires_grad}
        targets = self.target_modules
        if targets is None:
            targets = linear_layer_names(module, "language_model" if language_model else None)
        if not targets:
            raise ValueError("LoRA found no linear layer to adapt; pass target_modules.")
        self.n_adapted_ = sum(
            p.numel()
            for n, p in module.named_parameters()
            if n.split(".")[0] not in _TASK_PARTS + ("revin",)
        )
        config = peft.LoraConfig(
            r=self.r,
            lora_alpha=self.alpha,
            lora_dropout=self.dropout,
            target_modules=list(targets) if not isinstance(targets, str) else targets,
        )
        module = peft.inject_adapter_in_model(config, module)
        for name, parameter in module.named_parameters():
            keep = "lora_" in name or name.split(".")[0] in _TASK_PARTS
            if language_model:
                keep = keep or name in before
            parameter.requires_grad_(keep)
        self.n_trainable_ = sum(p.numel() for p in module.parameters() if p.requires_grad)
        self.n_lora_ = sum(p.numel() for n, p in module.named_parameters() if "lora_" in n)
        return module

    def inference_module(self, module):
        """Merge the low-rank updates into the frozen weights.

        Parameters
        ----------
        module : torch.nn.Module
            A copy of the trained network.

        Returns
        -------
        module : torch.nn.Module
            The same module, each LoRA layer merged (its output unchanged).
        """
        from peft.tuners.lora import LoraLayer

        with torch.no_grad():
            for layer in module.modules():
                if isinstance(layer, LoraLayer) and not layer.merged:
                    layer.merge()
        if isinstance(self.base, BaseAdapter):
            module = self.base.inference_module(module)
        return module
