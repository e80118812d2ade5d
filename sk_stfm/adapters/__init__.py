"""Transfer adapters: pre-trained language models adapted to spatio-temporal data.

Each adapter is a scikit-learn configuration object passed as
``adapter=`` to an estimator, so that it is cloned, searched and compared
like any other hyperparameter (see the "Transferred models" user guide).
"""

from ..harmonize._language_models import describe_lm, load_language_model, load_tokenizer
from ._alignment import Alignment
from ._base import BaseAdapter
from ._feature_enhancer import FeatureEnhancer
from ._frozen_lm import FrozenLM, LanguageModelAdapter
from ._lora import LoRA
from ._prompt import Prompt
from ._quantize import Quantize, quantize
from ._reprogramming import Reprogramming

__all__ = [
    "Alignment",
    "BaseAdapter",
    "FeatureEnhancer",
    "FrozenLM",
    "LanguageModelAdapter",
    "LoRA",
    "Prompt",
    "Quantize",
    "Reprogramming",
    "describe_lm",
    "load_language_model",
    "load_tokenizer",
    "quantize",
]
