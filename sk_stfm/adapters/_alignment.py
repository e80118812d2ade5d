"""TEST-style alignment: an encoder pre-trained into the language model's embedding space."""

import numbers

import torch
from torch import nn

from ..backbones._patchtst import patch_series
from ..harmonize._language_models import load_tokenizer
from ..objectives._contrastive import InfoNCELoss, augment
from ..utils._compat import Interval, StrOptions
from ._frozen_lm import LANGUAGE_MODEL_CONSTRAINTS, LanguageModelAdapter

# Words whose embeddings describe the shape of a series (TEST chooses such
# prototypes among the vocabulary).
PROTOTYPE_WORDS = (
    "value", "high", "low", "up", "down", "rise", "fall", "steady", "peak", "trough",
    "increase", "decrease", "periodic", "trend", "noise", "spike", "flat", "cycle",
    "level", "change", "stable", "sharp", "slow", "fast",
)  # fmt: skip


def text_prototypes(model, words, tokenizer=None):
    """Word embeddings of a language model to align series tokens with.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The language model.
    words : tuple of str or int
        Words (each takes the embedding of its first non-blank sub-word
        token; duplicates count once), or
        the number of vocabulary rows drawn at random (from torch's RNG:
        seeded inside ``fit``) for models without a tokenizer.
    tokenizer : transformers.PreTrainedTokenizerBase or None, default=None
        Needed when ``words`` are words.

    Returns
    -------
    prototypes : torch.Tensor of shape (n_prototypes, hidden_size)
        Detached copies of the embeddings.
    """
    weight = model.get_input_embeddings().weight.detach()
    if isinstance(words, numbers.Integral):
        rows = torch.randperm(weight.shape[0])[: int(words)]
        return weight[rows].clone()
    ids = []
    for word in words:
        tokens = tokenizer(" " + str(word), add_special_tokens=False)["input_ids"]
        # The leading space makes BPE vocabularies pick the word-start token;
        # tokenizers that split it off return it alone, which is skipped.
        tokens = [t for t in tokens if tokenizer.decode([t]).strip()]
        if tokens:
            ids.append(tokens[0])
    if not ids:
        raise ValueError("prototypes: none of the words has a token in the vocabulary.")
    return weight[sorted(set(ids))].clone()


class AlignmentViews(nn.Module):
    """Two augmented views of each series, as coordinates on the text prototypes.

    Each view is normalized and patched as the backbone does, embedded by
    the backbone's patch encoder, and described by the cosine similarity of
    its tokens to every prototype (averaged over patches); the module also
    returns how far the tokens lie from their nearest prototype.

    Parameters
    ----------
    backbone : LanguageModelBackbone
        The backbone whose ``embedding`` is pre-trained (shared, not copied).
    prototypes : torch.Tensor of shape (n_prototypes, hidden_size)
        Text prototypes (kept frozen).
    augmentations : tuple of str
        Augmentations of the views (see :func:`sk_stfm.objectives._contrastive.augment`).
    strength : float
        Augmentation strength.
    """

    def __init__(self, backbone, prototypes, augmentations, strength):
        super().__init__()
        self.backbone = backbone
        self.register_buffer("prototypes", nn.functional.normalize(prototypes, dim=-1))
        self.augmentations = tuple(augmentations)
        self.strength = float(strength)

    def _view(self, x):
        x, _ = self.backbone._normalize(augment(x, self.augmentations, self.strength))
        patches = patch_series(x, self.backbone.patch_len, self.backbone.stride)
        tokens = nn.functional.normalize(self.backbone.embedding(patches), dim=-1)
        similarity = tokens @ self.prototypes.T  # (series, patches, prototypes)
        distance = (1 - similarity.max(-1).values).mean()
        return similarity.mean(1), distance

    def forward(self, x):
        """Return ``(coordinates_1, coordinates_2, distance)`` of a batch."""
        (first, d1), (second, d2) = self._view(x), self._view(x)
        return first, second, (d1 + d2) / 2


class AlignmentLoss(nn.Module):
    """Instance contrast on prototype coordinates, plus the distance to the text space.

    Parameters
    ----------
    temperature : float
        InfoNCE temperature.
    alignment_weight : float
        Weight of the mean distance of tokens to their nearest prototype.
    """

    def __init__(self, temperature, alignment_weight):
        super().__init__()
        self.contrast = InfoNCELoss(temperature)
        self.alignment_weight = float(alignment_weight)

    def forward(self, outputs, target=None):
        """Return the scalar loss of :class:`AlignmentViews` outputs (target ignored)."""
        first, second, distance = outputs
        return self.contrast((first, second)) + self.alignment_weight * distance


class Alignment(LanguageModelAdapter):
    """TEST: a series encoder aligned to a frozen language model's embedding space.

    Two stages (Sun et al., "TEST: Text Prototype Aligned Embedding to
    Activate LLM's Ability for Time Series", ICLR 2024):

    1. **Alignment** (self-supervised, the language model is not run): a
       patch encoder maps each normalized series' patches to tokens of the
       model's width. It is trained so that two augmented views of a series
       agree in their coordinates on *text prototypes* (the embeddings of
       descriptive words: InfoNCE across the batch) and so that each token
       lies close to a prototype, i.e. inside the language model's text
       embedding space.
    2. **Forecasting** through the frozen model: the aligned tokens go as
       ``inputs_embeds`` through its first ``n_layers`` blocks, and the
       encoder and a flatten head are fine-tuned on the task.

    The estimator's ``backbone`` is not used.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig, default="minilm"
        The pre-trained model, as in :class:`FrozenLM`.
    n_layers : int or None, default=6
        Blocks of the model that run; ``None``: all.
    method : {"contrastive"}, default="contrastive"
        The alignment objective (TEST's text-prototype-aligned contrast).
    prototypes : tuple of str or int, default=PROTOTYPE_WORDS
        Words whose embeddings are the prototypes, or a number of random
        vocabulary rows (for a configuration ``lm`` without tokenizer).
    tokenizer : transformers.PreTrainedTokenizerBase or None, default=None
        For word prototypes; ``None``: the model's own.
    d_hidden : int, default=64
        Width of the encoder's hidden layer (patch -> hidden -> model width).
    pretrain_epochs : int, default=5
        Epochs of the alignment stage.
    temperature : float, default=0.1
        InfoNCE temperature.
    alignment_weight : float, default=1.0
        Weight of the distance to the text space.
    augmentations : tuple of str, default=("jitter", "scale")
        Augmentations of the two views.
    train : tuple of str, default=()
        Parameter groups of the language model that train in stage 2.
    patch_len : int, default=16
        Length of a patch.
    stride : int, default=8
        Steps between the starts of consecutive patches.
    dropout : float, default=0.1
        Dropout on the tokens and before the head.

    Examples
    --------
    >>> import numpy as np
    >>> from transformers import BertConfig
    >>> from sk_stfm.adapters import Alignment
    >>> from sk_stfm.estimators import STForecaster
    >>> tiny = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
    ...                   intermediate_size=64, vocab_size=50)
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 32, 1, 1)), rng.normal(size=(64, 8, 1, 1))
    >>> adapter = Alignment(lm=tiny, n_layers=1, prototypes=10, pretrain_epochs=1)
    >>> model = STForecaster(adapter=adapter, max_epochs=1, random_state=0).fit(X, y)
    >>> len(model.pretrain_history_), model.predict(X[:2]).shape
    (1, (2, 8, 1, 1))
    """

    _parameter_constraints: dict = {
        **LANGUAGE_MODEL_CONSTRAINTS,
        "method": [StrOptions({"contrastive"})],
        "prototypes": [tuple, list, Interval(numbers.Integral, 1, None, closed="left")],
        "tokenizer": "no_validation",
        "d_hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "pretrain_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "alignment_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "augmentations": [tuple, list],
    }

    def __init__(
        self,
        lm="minilm",
        n_layers=6,
        method="contrastive",
        prototypes=PROTOTYPE_WORDS,
        tokenizer=None,
        d_hidden=64,
        pretrain_epochs=5,
        temperature=0.1,
        alignment_weight=1.0,
        augmentations=("jitter", "scale"),
        train=(),
        patch_len=16,
        stride=8,
        dropout=0.1,
    ):
        self.lm = lm
        self.n_layers = n_layers
        self.method = method
        self.prototypes = prototypes
        self.tokenizer = tokenizer
        self.d_hidden = d_hidden
        self.pretrain_epochs = pretrain_epochs
        self.temperature = temperature
        self.alignment_weight = alignment_weight
        self.augmentations = augmentations
        self.train = train
        self.patch_len = patch_len
        self.stride = stride
        self.dropout = dropout

    def _backbone_kwargs(self, model, n_steps, horizon):
        hidden = int(model.config.hidden_size)
        tokenizer = None
        if not isinstance(self.prototypes, numbers.Integral):
            tokenizer = self.tokenizer if self.tokenizer is not None else load_tokenizer(self.lm)
        self._prototypes = text_prototypes(model, self.prototypes, tokenizer)
        encoder = nn.Sequential(
            nn.Linear(self.patch_len, self.d_hidden), nn.GELU(), nn.Linear(self.d_hidden, hidden)
        )
        return {"embedding": encoder}

    def make_pretext(self, module):
        """Return the alignment stage: the two-view module and its loss.

        Parameters
        ----------
        module : LanguageModelBackbone
            The backbone built by :meth:`build_backbone`.

        Returns
        -------
        pretext : tuple of (AlignmentViews, AlignmentLoss)
            Trained for ``pretrain_epochs`` before the task.
        """
        augment(torch.zeros(1, 2, 1, 1), tuple(self.augmentations))  # validates the names
        views = AlignmentViews(module, self._prototypes, self.augmentations, 1.0)
        return views, AlignmentLoss(self.temperature, self.alignment_weight)
