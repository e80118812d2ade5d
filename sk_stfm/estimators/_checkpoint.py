"""Former home of the checkpoints, now in :mod:`sk_stfm.training` (kept for old imports)."""

from ..training._checkpoint import (  # noqa: F401
    EARLY_STOPPING_FILE,
    JOURNAL,
    RNG_FILE,
    AtomicCheckpoint,
    ResumableEarlyStopping,
    early_stopping_state,
    has_checkpoint,
    recover,
    resume_from_checkpoint,
    rng_state,
)
from ..training._fingerprint import (  # noqa: F401
    FINGERPRINT_FILE,
    NOT_FINGERPRINTED,
    check_fingerprint,
    fit_fingerprint,
)
from ..training._lock import LOCK_FILE, checkpoint_dir_lock  # noqa: F401
