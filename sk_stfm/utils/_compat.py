"""The private APIs of scikit-learn and skorch that sk_stfm relies on, in one place.

sk_stfm validates parameters the way scikit-learn's own estimators do
(``_parameter_constraints`` checked by ``_fit_context``), and scikit-learn
keeps that machinery private. Every module imports it from here, never from
scikit-learn's private modules: a release that moves or changes one of them
breaks this module alone, where a version switch can restore it.

Public scikit-learn helpers (``validate_data``, ``get_tags``,
``available_if``) are imported from their public modules directly.
"""

from sklearn.base import _fit_context as fit_context
from sklearn.utils import _safe_indexing as safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from skorch.utils import _check_f_arguments as check_f_arguments

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "check_f_arguments",
    "fit_context",
    "safe_indexing",
]
