"""Former home of the training pieces, now in :mod:`sk_stfm.training` (kept for old imports)."""

from ..training._data import (  # noqa: F401
    TemporalValidationSplit,
    TensorBatchLoader,
    TimeBudget,
    WindowDataset,
)
