"""The training layer every estimator family composes.

Estimators build their skorch net and data; this layer trains it: batches
gathered from tensors, temporal validation splits, time budgets,
checkpoints committed atomically with the fit's fingerprint, one owner per
checkpoint directory, and exact resumption of a killed fit
(:func:`fit_net`).
"""

from ._fingerprint import fit_fingerprint
from ._lock import checkpoint_dir_lock
from ._loop import checkpoint_callback, fit_net

__all__ = [
    "checkpoint_callback",
    "checkpoint_dir_lock",
    "fit_fingerprint",
    "fit_net",
]
