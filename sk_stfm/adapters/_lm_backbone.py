"""A pre-trained language model as a channel-independent patch backbone.

GPT4TS / One-Fits-All (Zhou et al., NeurIPS 2023): every (node, channel)
series of a window is normalized on its own (RevIN), cut into patches,
projected to the language model's width and fed as ``inputs_embeds`` through
the first ``n_layers`` blocks of the frozen model; a flatten head maps the
output tokens to the horizon. Time-LLM's reprogramming (Jin et al., ICLR
2024) replaces the linear projection by cross-attention to text prototypes
and prepends a prompt (:class:`~sk_stfm.adapters.Reprogramming`).
"""

import torch
from torch import nn

from ..backbones._base import BaseBackbone, _check_fraction, _check_int
from ..backbones._patchtst import PatchTST, _FlattenHead, count_patches, patch_series
from ..backbones._revin import RevIN

# Parameter groups of a frozen LM that may train, by what their names hold.
TRAINABLE_GROUPS = {
    "layernorm": ("norm", "ln_"),
    "position": ("position_embeddings", "wpe", "position_embedding"),
}


def transformer_blocks(model):
    """The ``(parent, attribute, ModuleList)`` holding a model's Transformer blocks.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A base model (BERT, GPT-2, LLaMA, ...).

    Returns
    -------
    parent : torch.nn.Module
        The module that holds the list.
    name : str
        Its attribute name (``"layer"``, ``"h"``, ``"layers"``).
    blocks : torch.nn.ModuleList
        The blocks, in order.
    """
    n_blocks = getattr(model.config, "num_hidden_layers", None)
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.ModuleList) and len(child) == n_blocks:
                return parent, name, child
    raise ValueError(
        f"cannot find the {n_blocks} Transformer blocks of {type(model).__name__}; pass a "
        "model with a list of blocks (BERT, GPT-2, LLaMA and most Hugging Face models)."
    )


def truncate_blocks(model, n_layers):
    """Keep the first ``n_layers`` blocks of a model (in place); return it.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A base model.
    n_layers : int or None
        Blocks to keep; ``None`` keeps all.

    Returns
    -------
    model : transformers.PreTrainedModel
        The same model.
    """
    parent, name, blocks = transformer_blocks(model)
    if n_layers is None:
        return model
    n_layers = _check_int(n_layers, "n_layers")
    if n_layers > len(blocks):
        raise ValueError(
            f"n_layers={n_layers} exceeds the {len(blocks)} blocks of the language model."
        )
    setattr(parent, name, nn.ModuleList(list(blocks)[:n_layers]))
    # Models that loop over config.num_hidden_layers (LLaMA) must see the cut.
    model.config.num_hidden_layers = n_layers
    if getattr(model.config, "layer_types", None) is not None:
        model.config.layer_types = list(model.config.layer_types)[:n_layers]
    return model


def freeze_except(model, train):
    """Freeze a model's parameters but those of the named groups.

    Parameters
    ----------
    model : torch.nn.Module
        The language model.
    train : tuple of str
        Groups that keep training, among :data:`TRAINABLE_GROUPS`
        (``"layernorm"``, ``"position"``).

    Returns
    -------
    n_trainable : int
        Number of language-model parameters left trainable.
    """
    unknown = set(train) - set(TRAINABLE_GROUPS)
    if unknown:
        raise ValueError(
            f"train must name groups among {sorted(TRAINABLE_GROUPS)}; got {sorted(unknown)}."
        )
    markers = tuple(m for group in train for m in TRAINABLE_GROUPS[group])
    n_trainable = 0
    for name, parameter in model.named_parameters():
        keep = any(marker in name.lower() for marker in markers)
        parameter.requires_grad_(keep)
        n_trainable += parameter.numel() if keep else 0
    return n_trainable


class LanguageModelBackbone(BaseBackbone):
    """Patches of each series through a frozen pre-trained language model.

    Parameters
    ----------
    n_steps, n_nodes, n_channels : int
        Shape of one input window.
    horizon : int
        Number of output steps.
    n_targets : int, default=None
        Number of output channels; ``None`` means ``n_channels``.
    language_model : transformers.PreTrainedModel
        A base model (hidden states out), already cut to the blocks it
        should run and frozen as wanted (see :func:`truncate_blocks`,
        :func:`freeze_except`).
    patch_len : int, default=16
        Length of a patch.
    stride : int, default=8
        Steps between the starts of consecutive patches.
    dropout : float, default=0.1
        Dropout on the patch tokens and before the head.
    embedding : torch.nn.Module or None, default=None
        Maps patches ``(n_series, n_patches, patch_len)`` to tokens
        ``(n_series, n_patches, hidden_size)``; ``None``: a linear layer.
    prefix : callable or None, default=None
        Called with the normalized series ``(n_series, n_steps)``; returns
        ``(tokens, mask)`` of shape ``(n_series, n_prefix, hidden_size)``
        and ``(n_series, n_prefix)``, prepended to the patch tokens (a
        prompt); ``None``: no prefix.

    Attributes
    ----------
    n_patches : int
        Patches per series.
    language_model : transformers.PreTrainedModel
        The (partly frozen) model.
    embedding : torch.nn.Module
        Patch embedding.
    head : torch.nn.Module
        Flatten head ``Linear(n_patches * hidden_size -> horizon)``.

    Notes
    -----
    :meth:`encode` returns ``(batch, n_nodes, n_channels, n_patches,
    hidden_size)`` in normalized units (the prefix tokens are dropped).

    Examples
    --------
    >>> import torch
    >>> from transformers import BertConfig, BertModel
    >>> from sk_stfm.adapters._lm_backbone import LanguageModelBackbone
    >>> lm = BertModel(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
    ...                           intermediate_size=64, vocab_size=50))
    >>> model = LanguageModelBackbone(48, 2, 1, 12, language_model=lm).eval()
    >>> model(torch.randn(3, 48, 2, 1)).shape
    torch.Size([3, 12, 2, 1])
    """

    def __init__(
        self,
        n_steps,
        n_nodes,
        n_channels,
        horizon,
        n_targets=None,
        *,
        language_model,
        patch_len=16,
        stride=8,
        dropout=0.1,
        embedding=None,
        prefix=None,
    ):
        super().__init__(n_steps, n_nodes, n_channels, horizon, n_targets)
        self.patch_len = _check_int(patch_len, "patch_len")
        self.stride = _check_int(stride, "stride")
        self.n_patches = count_patches(self.n_steps, self.patch_len, self.stride)
        self.hidden_size = int(language_model.config.hidden_size)
        self.dropout_rate = _check_fraction(dropout, "dropout")
        self.revin = RevIN(self.n_channels, affine=False)
        self.language_model = language_model
        self.embedding = (
            nn.Linear(self.patch_len, self.hidden_size) if embedding is None else embedding
        )
        self.prefix = prefix
        self.token_dropout = nn.Dropout(self.dropout_rate)
        self.reset_head(self.horizon, self.n_targets)

    def _encode(self, x):
        x, statistics = self._normalize(x)
        patches = patch_series(x, self.patch_len, self.stride)
        tokens = self.token_dropout(self.embedding(patches))
        mask = torch.ones(tokens.shape[:2], dtype=torch.long, device=tokens.device)
        n_prefix = 0
        if self.prefix is not None:
            series = x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])
            prefix_tokens, prefix_mask = self.prefix(series)
            n_prefix = prefix_tokens.shape[1]
            tokens = torch.cat([prefix_tokens.to(tokens.dtype), tokens], dim=1)
            mask = torch.cat([prefix_mask.to(mask.dtype), mask], dim=1)
        hidden = self.language_model(inputs_embeds=tokens, attention_mask=mask).last_hidden_state
        z = hidden[:, n_prefix:]
        z = z.reshape(x.shape[0], self.n_nodes, self.n_channels, self.n_patches, self.hidden_size)
        return z, statistics

    # The same patch-averaged node embedding as PatchTST's (its width is
    # the language model's hidden size here).
    embed = PatchTST.embed

    def _make_head(self, horizon):
        return _FlattenHead(self.n_patches * self.hidden_size, horizon, self.dropout_rate)
