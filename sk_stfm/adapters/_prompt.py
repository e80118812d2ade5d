"""Prompt: forecasting by prompting a causal language model (LLMTime, PromptCast)."""

import hashlib
import numbers
import os
import threading
import warnings

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..harmonize._language_models import (
    _transformers,
    describe_lm,
    load_language_model,
    load_tokenizer,
)
from ..harmonize._text_serializer import TextSerializer
from ..utils._compat import HasMethods, Interval, StrOptions
from ._base import BaseAdapter

# A generated value further than this many times the largest |scaled history|
# (and 1) from zero is garbage, not a forecast: reading stops there.
_MAX_RATIO = 10.0
# Room for continuations whose numbers are longer than the history's (LLMTime: 1.3).
_TOKEN_MARGIN = 1.3
# Context length when the model's configuration does not give one.
_DEFAULT_CONTEXT = 2048


_GLOBAL_RNG = threading.Lock()

class Prompt(BaseAdapter):
    """Forecast by prompting a causal language model with the serialized history.

    Each series (one window, node and target channel) is scaled, written as
    text by ``serializer`` and continued by the language model ``lm``, as
    in LLMTime [1]_: ``n_samples`` continuations are sampled, read back,
    unscaled, and their median at each step is the forecast. Nothing is
    trained. With ``n_shots > 0`` the prompt first shows worked examples
    drawn from the training windows, in PromptCast's sentence template [2]_.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig, default="smollm2"
        The causal language model, loaded offline by
        :func:`~sk_stfm.adapters.load_language_model` (``"smollm2"``, a
        local directory or cached name, or a configuration: random weights,
        for tests).
    tokenizer : transformers.PreTrainedTokenizerBase or None, default=None
        Its tokenizer; ``None`` loads the model's own with
        :func:`~sk_stfm.adapters.load_tokenizer` (a configuration has none:
        pass one).
    serializer : TextSerializer or None, default=None
        How values are written; ``None`` means ``TextSerializer()``.
    n_samples : int, default=5
        Continuations sampled per series; the forecast is their median.
    temperature : float, default=0.7
        Sampling temperature.
    top_p : float, default=0.9
        Nucleus sampling: the smallest set of tokens holding this much
        probability is sampled from.
    n_shots : int, default=0
        Worked examples (a training history and its target) shown before
        each query, drawn without replacement from the training windows of
        the same node and channel whose target is fully observed (fewer when
        fewer exist). ``0`` is zero-shot: the prompt is the history alone.
    max_context : int or None, default=None
        Most tokens in a prompt. Longer prompts lose their examples first,
        then their oldest values. ``None``: the model's context length less
        the tokens generated.
    scaling : {"llmtime", "basic"} or None, default="llmtime"
        Scaling of each series before it is written: ``"llmtime"`` maps
        ``min - beta * (max - min)`` of the history to 0 and its
        ``alpha``-quantile above that to 1; ``"basic"`` divides by the
        ``alpha``-quantile of ``|history|`` (at least 0.01); ``None`` writes
        the values as they are.
    alpha : float, default=0.95
        Quantile of the scaling.
    beta : float, default=0.3
        Shift of ``"llmtime"`` scaling, as a fraction of the history's range.
    constrain_tokens : bool, default=True
        Sample only tokens made of digits, the separators, the sign and the
        decimal point (and end-of-text), as LLMTime does.
    device : str, default="cpu"
        Torch device the model runs on.

    See Also
    --------
    sk_stfm.harmonize.TextSerializer : Writes and reads the series.

    Notes
    -----
    The fitted forecaster (what :meth:`make_forecaster` returns) reads each
    continuation up to its first malformed value, or its first value beyond
    ``10`` times the largest scaled history value, or a last value cut off
    by the token limit. A continuation with fewer than ``horizon`` values is
    padded with its last value, or with the history's last value when none
    was read; ``predict`` warns with the number of such continuations (out
    of all it sampled) and keeps no count: it leaves the forecaster as it
    was, so that several threads may predict at once. Forecasts are
    therefore always finite.

    Sampling is seeded per prompt, from ``random_state`` and the prompt's
    text: a window's forecast does not depend on the other windows passed
    with it, nor on their order. The language model is not pickled; it is
    reloaded from local files on first use after unpickling (a model built
    from a configuration is kept, its random weights cannot be rebuilt).

    References
    ----------
    .. [1] N. Gruver, M. Finzi, S. Qiu and A. G. Wilson, "Large Language
       Models Are Zero-Shot Time Series Forecasters", NeurIPS 2023.
    .. [2] H. Xue and F. D. Salim, "PromptCast: A New Prompt-based Learning
       Paradigm for Time Series Forecasting", IEEE TKDE 2023.

    Examples
    --------
    A tiny random language model and a character tokenizer, built in
    memory (a real model, ``lm="smollm2"``, needs neither):

    >>> import numpy as np
    >>> from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    >>> from transformers import LlamaConfig, PreTrainedTokenizerFast
    >>> from sk_stfm.adapters import Prompt
    >>> vocab = {t: i for i, t in enumerate(["<eos>", *"0123456789", ",", " ", "-", "."])}
    >>> chars = Tokenizer(models.WordLevel(vocab, unk_token="<eos>"))
    >>> chars.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    >>> chars.decoder = decoders.Fuse()
    >>> tokenizer = PreTrainedTokenizerFast(tokenizer_object=chars, eos_token="<eos>")
    >>> lm = LlamaConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
    ...                  intermediate_size=32, vocab_size=len(vocab), eos_token_id=0)
    >>> windows = np.sin(np.arange(24.0)).reshape(1, 24, 1, 1)
    >>> targets = np.zeros((1, 3, 1, 1))
    >>> forecaster = Prompt(lm, tokenizer=tokenizer, n_samples=2).make_forecaster(
    ...     windows, targets, horizon=3, n_targets=1, random_state=0)
    >>> forecast = forecaster.predict(windows, random_state=0)
    >>> forecast.shape, bool(np.isfinite(forecast).all())
    ((1, 3, 1, 1), True)
    """

    generative = True
    tasks = ("forecasting",)

    _parameter_constraints: dict = {
        "lm": [str, os.PathLike, HasMethods(["to_dict"])],
        "tokenizer": [None, HasMethods(["encode", "decode"])],
        "serializer": [None, TextSerializer],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "top_p": [Interval(numbers.Real, 0, 1, closed="right")],
        "n_shots": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_context": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "scaling": [StrOptions({"llmtime", "basic"}), None],
        "alpha": [Interval(numbers.Real, 0, 1, closed="right")],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "constrain_tokens": ["boolean"],
        "device": [str],
    }

    def __init__(
        self,
        lm="smollm2",
        *,
        tokenizer=None,
        serializer=None,
        n_samples=5,
        temperature=0.7,
        top_p=0.9,
        n_shots=0,
        max_context=None,
        scaling="llmtime",
        alpha=0.95,
        beta=0.3,
        constrain_tokens=True,
        device="cpu",
    ):
        self.lm = lm
        self.tokenizer = tokenizer
        self.serializer = serializer
        self.n_samples = n_samples
        self.temperature = temperature
        self.top_p = top_p
        self.n_shots = n_shots
        self.max_context = max_context
        self.scaling = scaling
        self.alpha = alpha
        self.beta = beta
        self.constrain_tokens = constrain_tokens
        self.device = device

    def make_forecaster(self, windows, targets, *, horizon, n_targets, random_state):
        """Load the language model, draw the examples; return the forecaster.

        Parameters
        ----------
        windows : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
            Training input windows, missing values filled; the targets are
            their first ``n_targets`` channels.
        targets : ndarray of shape (n_windows, horizon, n_nodes, n_targets)
            Their targets (NaN where unobserved); read only for the examples
            of ``n_shots``.
        horizon, n_targets : int
            Output steps and channels.
        random_state : int
            Seed of the examples drawn and of a configuration's random weights.

        Returns
        -------
        forecaster : object
            Has ``predict(windows, random_state) -> ndarray of shape
            (n_windows, horizon, n_nodes, n_targets)``, float64, in the
            units of the series (it warns how many continuations it padded).
        """
        self._validate_params()
        describe_lm(self.lm)  # type check of the model argument
        for name, value in (("horizon", horizon), ("n_targets", n_targets)):
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}.")
        windows = _check_windows(windows, "windows")
        if n_targets > windows.shape[3]:
            raise ValueError(
                f"n_targets={n_targets} exceeds the n_channels={windows.shape[3]} of windows."
            )
        targets = np.asarray(targets, dtype=np.float64)
        expected = (windows.shape[0], horizon, windows.shape[2], n_targets)
        if targets.shape != expected:
            raise ValueError(
                f"targets must have shape (n_windows, horizon, n_nodes, n_targets) = "
                f"{expected}; got {targets.shape}."
            )
        serializer = TextSerializer() if self.serializer is None else clone(self.serializer)
        serializer._validate_params()
        serializer._check_format()
        shots = _draw_shots(windows, targets, n_targets, self.n_shots, random_state)
        forecaster = _PromptForecaster(
            self, serializer, shots, windows.shape[1:], horizon, n_targets
        )
        forecaster._load(random_state)
        return forecaster


class _PromptForecaster:
    """What :class:`Prompt` fitted: the model, the examples, the settings."""

    def __init__(self, prompt, serializer, shots, window_shape, horizon, n_targets):
        self.lm = prompt.lm
        self.tokenizer = prompt.tokenizer
        self.serializer = serializer
        self.settings = {
            name: getattr(prompt, name)
            for name in (
                "n_samples",
                "n_shots",
                "temperature",
                "top_p",
                "max_context",
                "scaling",
                "alpha",
                "beta",
                "constrain_tokens",
                "device",
            )
        }
        self.shots = shots
        self.n_steps, self.n_nodes, self.n_channels = window_shape
        self.horizon = horizon
        self.n_targets = n_targets
        self._model = None
        self._tokenizer = None
        self._allowed = None
        # The model is loaded on first use (again after unpickling), once
        # even when several threads predict at the same time.
        self._lock = threading.Lock()

    # ------------------------------------------------------------- the model
    def _load(self, random_state=0):
        """Load the model and tokenizer (once; again after unpickling)."""
        with self._lock:
            return self._load_unlocked(random_state)

    def _load_unlocked(self, random_state):
        if self._model is None:
            # A configuration's random weights come from the seed, off the global RNG.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(_as_seed(random_state))
                model = load_language_model(self.lm, causal=True)
            self._model = model.to(self.settings["device"])
        if self._tokenizer is None:
            if self.tokenizer is not None:
                self._tokenizer = self.tokenizer
            elif isinstance(self.lm, str | os.PathLike):
                self._tokenizer = load_tokenizer(self.lm)
            else:
                raise TypeError(
                    f"Prompt(lm={describe_lm(self.lm)!r}) needs tokenizer=: a model "
                    "configuration has no vocabulary."
                )
            vocab = self._model.get_output_embeddings().weight.shape[0]
            if len(self._tokenizer) > vocab:
                raise ValueError(
                    f"the tokenizer has {len(self._tokenizer)} tokens, more than the "
                    f"{vocab} of the language model's vocabulary."
                )
        return self._model, self._tokenizer

    def _eos_id(self):
        tokenizer = self._tokenizer
        eos = tokenizer.eos_token_id
        if eos is None:
            eos = self._model.generation_config.eos_token_id
        if isinstance(eos, list | tuple):
            eos = eos[0] if eos else None
        return eos

    def _allowed_tokens(self):
        """Boolean mask of the tokens made of digits, separators, sign and point."""
        if self._allowed is None:
            serializer = self.serializer
            chars = set("0123456789") | set(serializer.sep) | set(serializer.minus_sign)
            chars |= set(serializer.digit_sep) | set(serializer.decimal_point or "")
            vocab = self._model.get_output_embeddings().weight.shape[0]
            texts = self._tokenizer.batch_decode([[i] for i in range(len(self._tokenizer))])
            mask = torch.zeros(vocab, dtype=torch.bool)
            mask[: len(texts)] = torch.tensor([bool(t) and set(t) <= chars for t in texts])
            eos = self._eos_id()
            if eos is not None:
                mask[eos] = True
            self._allowed = mask
        return self._allowed

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]
        state["_allowed"] = None
        if isinstance(self.lm, str | os.PathLike):
            # Weights on local disk are reloaded (through the loader's cache).
            state["_model"] = None
        if self.tokenizer is None:
            state["_tokenizer"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # --------------------------------------------------------------- scaling
    def _scaler(self, history):
        """``(shift, scale)`` with ``scaled = (x - shift) / scale``."""
        settings = self.settings
        observed = history[np.isfinite(history)]
        if settings["scaling"] is None or observed.size == 0:
            return 0.0, 1.0
        alpha = settings["alpha"]
        if settings["scaling"] == "basic":
            return 0.0, max(float(np.quantile(np.abs(observed), alpha)), 0.01)
        low, high = observed.min(), observed.max()
        shift = float(low - settings["beta"] * (high - low))
        scale = float(np.quantile(observed - shift, alpha))
        # A constant history has no spread to scale by.
        return shift, (scale if scale > np.finfo(np.float64).tiny else 1.0)

    def _scaled(self, series, scaler):
        shift, scale = scaler
        return (np.asarray(series, dtype=np.float64) - shift) / scale

    # --------------------------------------------------------------- prompts
    def _text(self, values):
        return self.serializer._write(values) + self.serializer.sep

    def _prompt(self, history, shots):
        """The prompt for one scaled history, after scaled ``(history, target)`` shots.

        Zero-shot prompts are the history alone (LLMTime); with ``n_shots``
        they follow PromptCast's template, even when ``max_context`` left no
        example in.
        """
        if not self.settings["n_shots"]:
            return self._text(history)
        parts = []
        for shot_history, shot_target in shots:
            parts.append(
                f"The values for the past {len(shot_history)} time steps are "
                f"{self._text(shot_history).rstrip()}\nThe values for the next "
                f"{len(shot_target)} time steps are {self._text(shot_target).rstrip()}\n\n"
            )
        parts.append(
            f"The values for the past {len(history)} time steps are "
            f"{self._text(history).rstrip()}\nThe values for the next {self.horizon} "
            "time steps are "
        )
        return "".join(parts)

    def _n_tokens(self, text):
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def _fit_prompt(self, history, shots, max_new_tokens):
        """The prompt, cut to ``max_context``: examples go first, then old values."""
        budget = self.settings["max_context"]
        if budget is None:
            config = self._model.config
            budget = getattr(config, "max_position_embeddings", None) or _DEFAULT_CONTEXT
            budget -= max_new_tokens
        shots = list(shots)
        text = self._prompt(history, shots)
        n_tokens = self._n_tokens(text)
        while n_tokens > budget and shots:
            shots.pop(0)
            text = self._prompt(history, shots)
            n_tokens = self._n_tokens(text)
        while n_tokens > budget and len(history) > 1:
            per_value = n_tokens / len(history)
            drop = max(1, int(np.ceil((n_tokens - budget) / per_value)))
            history = history[min(drop, len(history) - 1) :]
            text = self._prompt(history, shots)
            n_tokens = self._n_tokens(text)
        if n_tokens > budget:
            raise ValueError(
                f"max_context={budget} tokens cannot hold even one value of the history "
                f"({n_tokens} tokens)."
            )
        return text

    def _max_new_tokens(self, history):
        per_value = self._n_tokens(self._text(history)) / max(len(history), 1)
        return int(np.ceil(_TOKEN_MARGIN * self.horizon * per_value)) + 2

    # --------------------------------------------------------------- sampling
    def _sample(self, text, seed, max_new_tokens):
        """``n_samples`` continuations of ``text``: ``(strings, finished)``.

        A continuation is finished when it ended (end-of-text, or the padding
        that follows the stopping rule) before the token limit cut it.
        """
        transformers = _transformers()
        model, tokenizer = self._model, self._tokenizer
        device = self.settings["device"]
        n_samples = self.settings["n_samples"]
        ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        ids = ids.to(device).repeat(n_samples, 1)
        eos = self._eos_id()
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
        processors = transformers.LogitsProcessorList()
        if self.settings["constrain_tokens"]:
            processors.append(_AllowedTokens(self._allowed_tokens()))
        stopping = transformers.StoppingCriteriaList(
            [_EnoughValues(ids.shape[1], tokenizer, self.serializer, self.horizon)]
        )
        devices = [] if torch.device(device).type == "cpu" else [torch.device(device)]
        # generate() draws from torch's global RNG, which threads share: one
        # seeded sampling at a time keeps each prompt's draws its own.
        with _GLOBAL_RNG, torch.no_grad(), torch.random.fork_rng(devices=devices):
            prefix = {}
            if ids.shape[1] > 1:
                # The samples share their prompt: read it once, not n_samples times.
                output = model(input_ids=ids[:1, :-1], use_cache=True)
                # transformers 5 names the key-value cache "cache", 4 "past_key_values";
                # generate takes it under the same name.
                name = "cache" if "cache" in output.keys() else "past_key_values"
                output[name].batch_repeat_interleave(n_samples)
                prefix = {name: output[name]}
            torch.manual_seed(seed)
            out = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                **prefix,
                do_sample=True,
                temperature=self.settings["temperature"],
                top_p=self.settings["top_p"],
                top_k=None,
                max_new_tokens=max_new_tokens,
                logits_processor=processors,
                stopping_criteria=stopping,
                eos_token_id=eos,
                pad_token_id=pad,
            )
        new = out[:, ids.shape[1] :].cpu()
        ended = (new == eos).any(dim=1).tolist() if eos is not None else [False] * len(new)
        strings = tokenizer.batch_decode(new, skip_special_tokens=True)
        return strings, ended

    def _read(self, continuation, ended, history, bound):
        """``(values, padded)``: ``horizon`` finite scaled values read from a continuation."""
        serializer = self.serializer
        if not ended:
            # Cut by the token limit: the text after the last separator may be a
            # number cut short.
            seps = list(serializer._split_pattern().finditer(continuation))
            continuation = continuation[: seps[-1].start()] if seps else ""
        values = serializer.parse(continuation, self.horizon)
        bad = ~np.isfinite(values) | (np.abs(values) > bound)
        n_read = int(np.argmax(bad)) if bad.any() else self.horizon
        if n_read == self.horizon:
            return values, False
        if n_read > 0:
            fill = values[n_read - 1]
        else:
            observed = history[np.isfinite(history)]
            fill = observed[-1] if observed.size else 0.0
        values[n_read:] = fill
        return values, True

    def _forecast(self, history, shots, random_state, cache, counts):
        """Median forecast (``horizon``,) of one series, in its units."""
        scaler = self._scaler(history)
        scaled = self._scaled(history, scaler)
        scaled_shots = []
        for shot_history, shot_target in shots:
            shot_scaler = self._scaler(shot_history)
            scaled_shots.append(
                (self._scaled(shot_history, shot_scaler), self._scaled(shot_target, shot_scaler))
            )
        max_new_tokens = self._max_new_tokens(scaled)
        text = self._fit_prompt(scaled, scaled_shots, max_new_tokens)
        if text not in cache:
            digest = hashlib.blake2b(f"{random_state}\x00{text}".encode(), digest_size=8)
            seed = int.from_bytes(digest.digest(), "little") % (2**63)
            observed = np.abs(scaled[np.isfinite(scaled)])
            bound = _MAX_RATIO * max(1.0, float(observed.max()) if observed.size else 1.0)
            strings, ended = self._sample(text, seed, max_new_tokens)
            samples, padded = [], 0
            for continuation, eos in zip(strings, ended, strict=True):
                values, was_padded = self._read(continuation, eos, scaled, bound)
                samples.append(values)
                padded += was_padded
            cache[text] = (np.median(np.stack(samples), axis=0), padded, len(strings))
        median, padded, n_continuations = cache[text]
        counts["padded"] += padded
        counts["continuations"] += n_continuations
        shift, scale = scaler
        return median * scale + shift

    def predict(self, windows, random_state):
        """Forecast the first ``n_targets`` channels of each window.

        Parameters
        ----------
        windows : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
            Input windows, missing values filled (NaN is written as missing).
        random_state : int
            Seed of the sampling.

        Returns
        -------
        forecast : ndarray of shape (n_windows, horizon, n_nodes, n_targets)
            Median forecasts, float64, in the units of the series.
        """
        windows = _check_windows(windows, "windows")
        if windows.shape[2:] != (self.n_nodes, self.n_channels):
            raise ValueError(
                f"windows must have shape (n_windows, n_steps, {self.n_nodes}, "
                f"{self.n_channels}) as in training; got {windows.shape}."
            )
        random_state = _as_seed(random_state)
        self._load(random_state)
        # Counted per call, not stored: predict leaves the forecaster as it was.
        counts = {"padded": 0, "continuations": 0}
        n_windows = windows.shape[0]
        out = np.empty((n_windows, self.horizon, self.n_nodes, self.n_targets))
        cache = {}  # identical prompts (repeated windows) are sampled once
        for w in range(n_windows):
            for node in range(self.n_nodes):
                for channel in range(self.n_targets):
                    out[w, :, node, channel] = self._forecast(
                        windows[w, :, node, channel],
                        self.shots.get((node, channel), ()),
                        random_state,
                        cache,
                        counts,
                    )
        if counts["padded"]:
            warnings.warn(
                f"{counts['padded']} of {counts['continuations']} continuations of the "
                "language model held fewer values than the horizon (malformed or ended "
                "early) and were padded with their last value; more n_samples, another "
                "serializer or constrain_tokens=True make them rarer.",
                UserWarning,
                stacklevel=3,
            )
        return out


class _AllowedTokens:
    """Logits processor: only the allowed tokens can be sampled.

    Duck-typed to transformers' ``LogitsProcessor`` (as ``_EnoughValues`` to
    ``StoppingCriteria``), so that importing sk_stfm.adapters does not import
    transformers.
    """

    def __init__(self, mask):
        self.mask = mask

    def __call__(self, input_ids, scores):
        mask = self.mask.to(scores.device)
        if mask.shape[0] < scores.shape[-1]:
            mask = torch.cat([mask, mask.new_zeros(scores.shape[-1] - mask.shape[0])])
        return scores.masked_fill(~mask[: scores.shape[-1]], -float("inf"))


class _EnoughValues:
    """Stopping criterion: a row is done once it holds ``n_values`` separated values."""

    def __init__(self, prompt_length, tokenizer, serializer, n_values):
        self.prompt_length = prompt_length
        self.tokenizer = tokenizer
        self.split = serializer._split_pattern()
        self.n_values = n_values

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tokenizer.batch_decode(
            input_ids[:, self.prompt_length :], skip_special_tokens=True
        )
        # A separator after the n-th value completes it; one before the first
        # value (a continuation that repeats the prompt's last sep) does not count.
        tokens = [self.split.split(text.lstrip()) for text in texts]
        done = [len(t) - (len(t) > 1 and t[0] == "") > self.n_values for t in tokens]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _as_seed(random_state):
    """An int seed from an int, None or a RandomState."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def _check_windows(windows, name):
    windows = np.asarray(windows, dtype=np.float64)
    if windows.ndim != 4 or windows.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (n_windows, n_steps, n_nodes, n_channels) with "
            f"n_steps >= 1; got {windows.shape}."
        )
    if np.isinf(windows).any():
        raise ValueError(f"{name} must not contain infinity.")
    return windows


def _draw_shots(windows, targets, n_targets, n_shots, random_state):
    """``{(node, channel): [(history, target), ...]}``, drawn per node and channel."""
    if n_shots == 0:
        return {}
    rng = check_random_state(random_state)
    shots = {}
    observed = np.isfinite(targets).all(axis=1)  # (n_windows, n_nodes, n_targets)
    for node in range(windows.shape[2]):
        for channel in range(n_targets):
            candidates = np.flatnonzero(observed[:, node, channel])
            chosen = rng.choice(candidates, size=min(n_shots, len(candidates)), replace=False)
            shots[(node, channel)] = [
                (windows[i, :, node, channel].copy(), targets[i, :, node, channel].copy())
                for i in np.sort(chosen)
            ]
    return shots
