"""GPT4TS / One-Fits-All: a frozen pre-trained language model as the backbone."""

import numbers

from ..backbones._registry import TEMPORAL_TAGS
from ..harmonize._language_models import describe_lm, load_language_model
from ..utils._compat import Interval
from ._base import BaseAdapter
from ._lm_backbone import LanguageModelBackbone, freeze_except, truncate_blocks

# Parameters every language-model adapter has, validated alike.
LANGUAGE_MODEL_CONSTRAINTS = {
    "lm": "no_validation",
    "n_layers": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "train": [tuple, list],
    "patch_len": [Interval(numbers.Integral, 1, None, closed="left")],
    "stride": [Interval(numbers.Integral, 1, None, closed="left")],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
}


class LanguageModelAdapter(BaseAdapter):
    """Base of the adapters that make a pre-trained language model the backbone.

    Subclasses set the language model (``lm``), how many of its blocks run
    (``n_layers``), which of its parameter groups train (``train``) and the
    patching; :meth:`build_backbone` ignores the estimator's ``backbone``.

    Examples
    --------
    >>> from sk_stfm.adapters import FrozenLM, LanguageModelAdapter, Reprogramming
    >>> issubclass(FrozenLM, LanguageModelAdapter), FrozenLM().replaces_backbone
    (True, True)
    >>> Reprogramming(lm="smollm2").backbone_name
    "Reprogramming(lm='smollm2')"
    """

    @property
    def replaces_backbone(self):
        """True: the language model is the backbone."""
        return True

    def backbone_tags(self):
        """Return the tags of the backbone built, for the estimators' compatibility checks.

        Returns
        -------
        tags : STFMTags
            A channel-independent temporal model for any regular data; no
            ``learned_encoder`` capability, so self-supervised objectives that
            pre-train an encoder are refused with a clear message.
        """
        return TEMPORAL_TAGS

    @property
    def backbone_name(self):
        """Name used in messages: the class and the language model."""
        return f"{type(self).__name__}(lm={describe_lm(self.lm)!r})"

    def language_model(self):
        """Load the language model, cut to ``n_layers`` blocks and frozen.

        Returns
        -------
        model : transformers.PreTrainedModel
            A fresh copy; only the ``train`` groups require gradients.
        """
        model = truncate_blocks(load_language_model(self.lm), self.n_layers)
        freeze_except(model, tuple(self.train))
        return model

    def _backbone_kwargs(self, model, n_steps, horizon):
        """Extra keyword arguments of :class:`LanguageModelBackbone`."""
        return {}

    def build_backbone(self, backbone, n_steps, n_nodes, n_channels, horizon, n_targets, spatial):
        """Build the language-model backbone (the estimator's ``backbone`` is not used).

        Parameters
        ----------
        backbone : BackboneConfig
            Ignored.
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon, n_targets : int
            Output steps and channels.
        spatial : SpatialContext
            Ignored: the model is channel- and node-independent.

        Returns
        -------
        module : LanguageModelBackbone
            Patches through the frozen language model.
        """
        model = self.language_model()
        return LanguageModelBackbone(
            n_steps,
            n_nodes,
            n_channels,
            horizon,
            n_targets,
            language_model=model,
            patch_len=self.patch_len,
            stride=self.stride,
            dropout=self.dropout,
            **self._backbone_kwargs(model, n_steps, horizon),
        )


class FrozenLM(LanguageModelAdapter):
    """GPT4TS / One-Fits-All: patches fed through a frozen pre-trained language model.

    Each (node, channel) series is normalized (RevIN), cut into patches and
    projected linearly to the language model's width; the tokens go as
    ``inputs_embeds`` through the model's first ``n_layers`` blocks, and a
    flatten head maps the output tokens to the horizon (Zhou et al., "One
    Fits All: Power General Time Series Analysis by Pretrained LM", NeurIPS
    2023). The attention and feed-forward weights stay frozen; only the
    input projection, the head and the ``train`` groups (layer norms,
    position embeddings) learn. The estimator's ``backbone`` is not used.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig, default="minilm"
        The pre-trained model: ``"minilm"`` (all-MiniLM-L6-v2, 384 wide, 6
        blocks), ``"smollm2"`` (SmolLM2-135M, 576 wide, 30 blocks), a local
        directory or cached model name, or a configuration (random weights,
        for tests). Never downloaded (see
        :func:`~sk_stfm.adapters.load_language_model`).
    n_layers : int or None, default=6
        Blocks of the model that run (GPT4TS uses 6 of GPT-2's 12);
        ``None``: all.
    train : tuple of str, default=("layernorm", "position")
        Parameter groups of the language model that train (the rest are
        frozen): ``"layernorm"`` (every normalization layer) and
        ``"position"`` (learned position embeddings; LLaMA's rotary
        positions have none).
    patch_len : int, default=16
        Length of a patch.
    stride : int, default=8
        Steps between the starts of consecutive patches.
    dropout : float, default=0.1
        Dropout on the patch tokens and before the head.

    See Also
    --------
    Reprogramming : Time-LLM, text prototypes and a prompt instead of a linear input.
    LoRA : Low-rank updates of the frozen weights.

    Examples
    --------
    >>> import numpy as np
    >>> from transformers import BertConfig
    >>> from sk_stfm.adapters import FrozenLM
    >>> from sk_stfm.estimators import STForecaster
    >>> tiny = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
    ...                   intermediate_size=64, vocab_size=50)
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 32, 1, 1)), rng.normal(size=(64, 8, 1, 1))
    >>> model = STForecaster(adapter=FrozenLM(lm=tiny, n_layers=1), max_epochs=1,
    ...                      random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2, 8, 1, 1)
    """

    _parameter_constraints: dict = dict(LANGUAGE_MODEL_CONSTRAINTS)

    def __init__(
        self,
        lm="minilm",
        n_layers=6,
        train=("layernorm", "position"),
        patch_len=16,
        stride=8,
        dropout=0.1,
    ):
        self.lm = lm
        self.n_layers = n_layers
        self.train = train
        self.patch_len = patch_len
        self.stride = stride
        self.dropout = dropout
