"""Event sequences for point-process estimators: columns, windows, padded pieces.

Shared by :class:`EventForecaster` and the Poisson / Hawkes baselines, so
that every model reads the same columns and scores the same events.
"""

import numbers

import numpy as np

from ._sequence_data import SequenceData
from ._sequences import check_sequences

# Column layouts read without a ``columns`` parameter, by number of columns.
DEFAULT_COLUMNS = {
    1: ("time",),
    2: ("time", "mark"),
    4: ("time", "x", "y", "magnitude"),
}
SPATIAL_COLUMNS = ("x", "y")


def resolve_columns(columns, n_columns, name="sequences"):
    """The column names of sequences with ``n_columns`` columns."""
    if columns is None:
        if n_columns not in DEFAULT_COLUMNS:
            raise ValueError(
                f"{name} have {n_columns} columns; pass columns=(...) naming them (time "
                f"first; 'mark' for categorical marks, 'x' and 'y' for locations). Without "
                f"it, 1, 2 or 4 columns are read as {list(DEFAULT_COLUMNS.values())}."
            )
        return DEFAULT_COLUMNS[n_columns]
    columns = tuple(str(c) for c in columns)
    if len(columns) != n_columns or columns[0] != "time":
        raise ValueError(
            f"columns must name the {n_columns} columns of {name}, 'time' first; got {columns}."
        )
    return columns


def read_sequences(sequences, name, columns=None, n_columns=None):
    """Validate sequences (a list or a SequenceData); return ``(list, columns, n_marks)``."""
    n_marks = None
    if isinstance(sequences, SequenceData):
        if sequences.kind != "event":
            raise ValueError(f"{name} must be event data; got kind={sequences.kind!r}.")
        columns = sequences.columns if columns is None else columns
        n_marks = sequences.n_marks
        sequences = sequences.sequences
    checked = check_sequences(sequences, name, n_columns=n_columns, strictly_increasing=True)
    return checked, resolve_columns(columns, checked[0].shape[1], name), n_marks


def check_marks(sequences, column, n_marks, name):
    """Marks must be integer codes in ``[0, n_marks)``."""
    for index, sequence in enumerate(sequences):
        marks = sequence[:, column]
        if marks.size and (
            np.any(marks != np.round(marks)) or marks.min() < 0 or marks.max() >= n_marks
        ):
            raise ValueError(
                f"{name}[{index}]: marks (column {column}) must be integer codes in "
                f"[0, {n_marks}); got values in [{marks.min()}, {marks.max()}]."
            )


def observation_windows(sequences, start_times, end_times):
    """Per-sequence ``(start, end)`` of the observation windows, validated.

    By default a window starts at the sequence's first event (which then
    only conditions) and ends at its last event (an empty survival term).
    """
    n = len(sequences)
    bounds = []
    for label, given, default in (
        ("start_times", start_times, [s[0, 0] for s in sequences]),
        ("end_times", end_times, [s[-1, 0] for s in sequences]),
    ):
        if given is None:
            bounds.append(np.asarray(default, dtype=np.float64))
            continue
        if isinstance(given, numbers.Real):
            given = np.full(n, float(given))
        try:
            array = np.asarray(given, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{label} must be numbers, one per sequence.") from None
        if array.shape != (n,) or not np.all(np.isfinite(array)):
            raise ValueError(
                f"{label} must be finite, a number or one per sequence, shape ({n},); "
                f"got shape {array.shape}."
            )
        bounds.append(array)
    start, end = bounds
    if np.any(end < start):
        index = int(np.argmax(end < start))
        raise ValueError(
            f"end_times must not precede start_times; sequence {index} has start "
            f"{start[index]} and end {end[index]}."
        )
    return start, end


def make_pieces(sequences, start, end, max_length, context_length):
    """Cut each window's scored events into pieces with a history prefix.

    Returns a list of dicts (one per piece) with the event indices and the
    window terms; events after ``end`` are left out, events at or before
    ``start`` condition only.
    """
    pieces = []
    for index, (sequence, t0, t1) in enumerate(zip(sequences, start, end, strict=True)):
        times = sequence[:, 0]
        n_kept = int(np.searchsorted(times, t1, side="right"))
        first = int(np.searchsorted(times, t0, side="right"))  # first scored event
        scored_starts = list(range(first, n_kept, max_length)) or [first]
        for k, begin in enumerate(scored_starts):
            stop = min(begin + max_length, n_kept)
            history = max(0, begin - context_length)
            piece = {
                "sequence": index,
                "history": history,
                "begin": begin,
                "stop": stop,
                "start_gap": t0 - times[begin - 1] if k == 0 and begin > 0 else 0.0,
                "first_gap": times[0] - t0 if begin == 0 else np.nan,
                "end_gap": t1 - times[stop - 1] if stop > 0 else t1 - t0,
                "has_end": k == len(scored_starts) - 1,
            }
            pieces.append(piece)
    return pieces


def read_intensity_query(sequence, times, columns):
    """Validate one sequence and its query times for ``intensity``.

    Returns the checked sequence, the query times as a float array of shape
    ``(n_times,)``, and for each time the number of events strictly before
    it (0: the time precedes the first event, where the intensity is left
    undefined).
    """
    if isinstance(sequence, SequenceData) or (
        isinstance(sequence, list | tuple) and len(sequence) and np.ndim(sequence[0]) == 2
    ):
        raise TypeError(
            "sequence must be one event sequence, an array of shape (n_events, "
            f"{len(columns)}); call intensity once per sequence."
        )
    (checked,), _, _ = read_sequences([sequence], "sequence", columns, len(columns))
    try:
        query = np.asarray(times, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("times must be numbers, an array of shape (n_times,).") from None
    if query.ndim != 1 or not np.all(np.isfinite(query)):
        raise ValueError(
            f"times must be a finite array of shape (n_times,); got shape {query.shape}"
            + ("" if query.ndim != 1 else " with NaN or inf")
            + "."
        )
    return checked, query, np.searchsorted(checked[:, 0], query, side="left")
