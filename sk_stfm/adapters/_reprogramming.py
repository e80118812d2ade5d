"""Time-LLM: patches reprogrammed into text prototypes, behind a prompt prefix."""

import numbers

import torch
from torch import nn

from ..harmonize._language_models import load_tokenizer
from ..utils._compat import Interval
from ._frozen_lm import LANGUAGE_MODEL_CONSTRAINTS, LanguageModelAdapter

DEFAULT_DESCRIPTION = "A multivariate time series recorded at regular intervals."


class TextPrototypes(nn.Module):
    """Cross-attention of patch embeddings to prototypes of the word embeddings.

    The prototypes are learned linear combinations of the frozen language
    model's word embeddings, ``P = W E`` (``W`` of shape ``(n_prototypes,
    vocab_size)``); each patch embedding attends to them and the result is
    projected to the model's width (Time-LLM's reprogramming layer).

    Parameters
    ----------
    word_embeddings : torch.nn.Embedding
        The language model's input embeddings (frozen; shared, not copied).
    patch_len : int
        Length of a patch.
    d_model : int
        Width of the patch embedding.
    n_prototypes : int
        Number of text prototypes.
    n_heads : int
        Attention heads.
    dropout : float
        Dropout on the attention weights.

    Examples
    --------
    >>> import torch
    >>> from sk_stfm.adapters._reprogramming import TextPrototypes
    >>> layer = TextPrototypes(torch.nn.Embedding(50, 32), patch_len=8, d_model=16,
    ...                        n_prototypes=10, n_heads=2, dropout=0.0)
    >>> layer(torch.randn(6, 4, 8)).shape
    torch.Size([6, 4, 32])
    """

    def __init__(self, word_embeddings, patch_len, d_model, n_prototypes, n_heads, dropout):
        super().__init__()
        vocab_size, hidden_size = word_embeddings.weight.shape
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}.")
        self.word_embeddings = word_embeddings
        self.mapping = nn.Linear(vocab_size, n_prototypes)
        self.patch_embedding = nn.Linear(patch_len, d_model)
        self.attention = nn.MultiheadAttention(
            d_model, n_heads, dropout=dropout, kdim=hidden_size, vdim=hidden_size, batch_first=True
        )
        self.output = nn.Linear(d_model, hidden_size)

    def prototypes(self):
        """Return the text prototypes, shape ``(n_prototypes, hidden_size)``."""
        return self.mapping(self.word_embeddings.weight.T).T

    def forward(self, patches):
        """Map patches ``(n_series, n_patches, patch_len)`` to LM tokens."""
        queries = self.patch_embedding(patches)
        keys = self.prototypes().unsqueeze(0).expand(patches.shape[0], -1, -1)
        attended, _ = self.attention(queries, keys, keys, need_weights=False)
        return self.output(attended)


class PromptPrefix(nn.Module):
    """Prompt-as-Prefix: a text prompt with each series' statistics, as LM tokens.

    For every series the prompt reads the dataset description, the task
    and, with ``input_statistics``, the series' minimum, maximum, median,
    trend and its five strongest autocorrelation lags (Time-LLM); it is
    tokenized, left-padded to the longest prompt of the batch and embedded
    with the frozen word embeddings.

    Parameters
    ----------
    tokenizer : transformers.PreTrainedTokenizerBase
        The language model's tokenizer.
    word_embeddings : torch.nn.Embedding
        The language model's (frozen) input embeddings.
    description : str
        Dataset description.
    n_steps, horizon : int
        Window and forecast lengths, stated in the task sentence.
    input_statistics : bool
        Add the per-series statistics.
    """

    def __init__(self, tokenizer, word_embeddings, description, n_steps, horizon, input_statistics):
        super().__init__()
        self.tokenizer = tokenizer
        self.word_embeddings = word_embeddings
        self.description = str(description)
        self.n_steps = int(n_steps)
        self.horizon = int(horizon)
        self.input_statistics = bool(input_statistics)
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (tokenizer.eos_token_id or 0))

    def texts(self, series):
        """The prompt of each series ``(n_series, n_steps)``, as strings."""
        task = (
            f"Dataset description: {self.description} Task description: forecast the "
            f"next {self.horizon} steps given the previous {self.n_steps} steps."
        )
        if not self.input_statistics:
            return [task] * series.shape[0]
        with torch.no_grad():
            low, high = series.min(1).values, series.max(1).values
            median = series.median(1).values
            trend = (series[:, -1] - series[:, 0]) > 0
            centred = series - series.mean(1, keepdim=True)
            spectrum = torch.fft.rfft(centred, n=2 * series.shape[1])
            autocorrelation = torch.fft.irfft(spectrum * spectrum.conj())[:, 1 : series.shape[1]]
            lags = autocorrelation.topk(min(5, autocorrelation.shape[1]), dim=1).indices + 1
        return [
            f"{task} Input statistics: min value {low[i]:.3f}, max value {high[i]:.3f}, "
            f"median value {median[i]:.3f}, the trend of input is "
            f"{'upward' if trend[i] else 'downward'}, top 5 lags are: "
            f"{', '.join(str(int(v)) for v in lags[i])}."
            for i in range(series.shape[0])
        ]

    def forward(self, series):
        """Return ``(tokens, mask)`` of the prompts of ``series``."""
        ids = self.tokenizer(self.texts(series), add_special_tokens=False)["input_ids"]
        length = max(len(i) for i in ids)
        device = self.word_embeddings.weight.device
        padded = torch.full((len(ids), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), length), dtype=torch.long)
        for row, tokens in enumerate(ids):  # left padding: the prompt abuts the patches
            if tokens:
                padded[row, length - len(tokens) :] = torch.tensor(tokens)
                mask[row, length - len(tokens) :] = 1
        return self.word_embeddings(padded.to(device)), mask.to(device)


class Reprogramming(LanguageModelAdapter):
    """Time-LLM: patches reprogrammed into text prototypes of a frozen language model.

    Each (node, channel) series is normalized (RevIN) and cut into patches;
    the patches cross-attend to learned *text prototypes* (linear
    combinations of the language model's word embeddings), which turns them
    into tokens the model can read, and a prompt (dataset description,
    task, input statistics) is prepended as a prefix (Jin et al., "Time-LLM:
    Time Series Forecasting by Reprogramming Large Language Models", ICLR
    2024). The language model stays frozen; the reprogramming layer and
    the flatten head over the patch outputs train. The estimator's
    ``backbone`` is not used.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig, default="minilm"
        The pre-trained model, as in :class:`FrozenLM`.
    n_layers : int or None, default=6
        Blocks of the model that run; ``None``: all.
    n_prototypes : int, default=100
        Text prototypes (Time-LLM uses 1,000 for 32k-word vocabularies).
    d_model : int, default=32
        Width of the patch embedding (the attention queries).
    n_heads : int, default=4
        Heads of the reprogramming attention; must divide ``d_model``.
    prompt : str, default="A multivariate time series recorded at regular intervals."
        The dataset description at the start of the prompt.
    input_statistics : bool, default=True
        Add each series' min, max, median, trend and top-5 lags to its
        prompt; ``False``: one fixed prompt.
    tokenizer : transformers.PreTrainedTokenizerBase or None, default=None
        The model's tokenizer; ``None``: loaded with it (a configuration
        ``lm`` has none: pass one).
    train : tuple of str, default=()
        Parameter groups of the language model that train (see
        :class:`FrozenLM`); none in Time-LLM.
    patch_len : int, default=16
        Length of a patch.
    stride : int, default=8
        Steps between the starts of consecutive patches.
    dropout : float, default=0.1
        Dropout on the patch tokens, the attention and before the head.

    See Also
    --------
    FrozenLM : GPT4TS, a linear patch embedding and trained layer norms.

    Examples
    --------
    >>> import numpy as np
    >>> from tokenizers import Tokenizer, models, pre_tokenizers
    >>> from transformers import BertConfig, PreTrainedTokenizerFast
    >>> from sk_stfm.adapters import Reprogramming
    >>> from sk_stfm.estimators import STForecaster
    >>> vocab = {c: i for i, c in enumerate("[PAD] [UNK]".split() + list("0123456789.,:- "))}
    >>> core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    >>> core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    >>> tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]")
    >>> tiny = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
    ...                   intermediate_size=64, vocab_size=len(vocab),
    ...                   max_position_embeddings=512)
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(32, 32, 1, 1)), rng.normal(size=(32, 8, 1, 1))
    >>> adapter = Reprogramming(lm=tiny, n_layers=1, tokenizer=tokenizer, n_prototypes=8)
    >>> model = STForecaster(adapter=adapter, max_epochs=1, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2, 8, 1, 1)
    """

    _parameter_constraints: dict = {
        **LANGUAGE_MODEL_CONSTRAINTS,
        "n_prototypes": [Interval(numbers.Integral, 1, None, closed="left")],
        "d_model": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "prompt": [str],
        "input_statistics": ["boolean"],
        "tokenizer": "no_validation",
    }

    def __init__(
        self,
        lm="minilm",
        n_layers=6,
        n_prototypes=100,
        d_model=32,
        n_heads=4,
        prompt=DEFAULT_DESCRIPTION,
        input_statistics=True,
        tokenizer=None,
        train=(),
        patch_len=16,
        stride=8,
        dropout=0.1,
    ):
        self.lm = lm
        self.n_layers = n_layers
        self.n_prototypes = n_prototypes
        self.d_model = d_model
        self.n_heads = n_heads
        self.prompt = prompt
        self.input_statistics = input_statistics
        self.tokenizer = tokenizer
        self.train = train
        self.patch_len = patch_len
        self.stride = stride
        self.dropout = dropout

    def _backbone_kwargs(self, model, n_steps, horizon):
        tokenizer = self.tokenizer if self.tokenizer is not None else load_tokenizer(self.lm)
        words = model.get_input_embeddings()
        words.weight.requires_grad_(False)
        return {
            "embedding": TextPrototypes(
                words,
                self.patch_len,
                self.d_model,
                self.n_prototypes,
                self.n_heads,
                self.dropout,
            ),
            "prefix": PromptPrefix(
                tokenizer, words, self.prompt, n_steps, horizon, self.input_statistics
            ),
        }
