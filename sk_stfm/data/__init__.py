"""The data contract: :class:`STData`, windows, chronological splits, masks, sequences.

Regular data are 4-D windows ``(n_samples, n_steps, n_nodes, n_channels)``
cut from a long ``(n_steps, n_nodes, n_channels)`` array; NaN marks a missing
value and becomes a mask before any model sees it. Irregular data
(trajectories, events) are lists of per-sequence arrays, time first.
What an estimator knows of space (:class:`SpatialContext`) is resolved here too.
"""

from ._grid import check_grid_shape, grid_adjacency
from ._masks import fill_along_time, fill_missing, observed_mask
from ._partition import partition_matrix, spatial_partition
from ._protocol import SplitWindows, split_windows
from ._sequence_data import SEQUENCE_KINDS, SequenceData
from ._sequences import (
    SEQUENCES_DOC,
    check_sequences,
    flatten_sequences,
    padded_to_sequences,
    sequences_from_frame,
    sequences_to_padded,
    unflatten_sequences,
)
from ._spatial import SpatialContext, resolve_spatial
from ._split import temporal_split
from ._stdata import KINDS, STData
from ._validation import (
    SERIES_SHAPE_DOC,
    WINDOW_SHAPE_DOC,
    as_windows,
    check_adjacency,
    check_series,
    check_window_shape,
    input_ndim,
    restore_layout,
)
from ._windows import make_windows

__all__ = [
    "SEQUENCES_DOC",
    "SEQUENCE_KINDS",
    "SequenceData",
    "SERIES_SHAPE_DOC",
    "WINDOW_SHAPE_DOC",
    "KINDS",
    "STData",
    "SpatialContext",
    "SplitWindows",
    "as_windows",
    "check_adjacency",
    "check_grid_shape",
    "check_sequences",
    "check_series",
    "check_window_shape",
    "fill_along_time",
    "fill_missing",
    "flatten_sequences",
    "grid_adjacency",
    "input_ndim",
    "make_windows",
    "observed_mask",
    "padded_to_sequences",
    "partition_matrix",
    "resolve_spatial",
    "restore_layout",
    "sequences_from_frame",
    "sequences_to_padded",
    "spatial_partition",
    "split_windows",
    "temporal_split",
    "unflatten_sequences",
]
