"""Hyperparameter search over backbone x objective x adapter, on Optuna.

:class:`STFMSearchCV` is a scikit-learn meta-estimator whose trials draw
from conditional spaces (each backbone, objective or adapter brings its own
parameters), are scored by time-respecting cross-validation, pruned between
epochs, and kept in an Optuna storage so that interrupted or distributed
searches share one study. :class:`AutoSTFM` searches over the estimators
that :func:`sk_stfm.taxonomy.recommend` proposes for the data. Needs the ``tuning`` extra
(``pip install 'sk-stfm[tuning]'``).
"""

try:
    import optuna  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "sk_stfm.tuning needs optuna; install it with pip install 'sk-stfm[tuning]'."
    ) from exc

from ._auto import AutoSTFM, CandidateSpace
from ._default_spaces import default_search_space
from ._pruning import TrialPruningCallback
from ._search import STFMSearchCV
from ._space import parameter_labels, sample_params, suggest
from ._storage import resolve_storage

__all__ = [
    "AutoSTFM",
    "CandidateSpace",
    "STFMSearchCV",
    "TrialPruningCallback",
    "default_search_space",
    "parameter_labels",
    "resolve_storage",
    "sample_params",
    "suggest",
]
