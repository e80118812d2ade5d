"""Irregular data: trajectories and event sequences as lists of per-sequence arrays.

A *sequence* is a 2-D float array ``(n_points, n_columns)`` whose first
column is time, in seconds, non-decreasing; the other columns are what was
observed at that time (latitude and longitude for a trajectory, a mark for
an event). A data set is a list of sequences of different lengths, all with
the same columns. Three equivalent layouts convert into each other exactly:

- the list itself (what estimators take);
- a *padded* 4-D array ``(n_sequences, max_length, 1, 1 + n_columns)``
  whose channel 0 is the time since the previous point (0 at the first),
  followed by the sequence's columns, with NaN rows after each sequence's
  end: the regular window layout with a time-delta channel;
- *flat* arrays, all points stacked ``(n_points_total, n_columns)`` plus
  ``offsets`` of shape ``(n_sequences + 1,)`` (how files store them, with no
  object arrays and so no pickle).
"""

import numbers

import numpy as np

SEQUENCES_DOC = (
    "list of array-like of shape (n_points, n_columns): one 2-D array per "
    "sequence, time in seconds (non-decreasing) in column 0"
)


def _as_float(array, name):
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers; {exc}.") from None


def check_sequences(
    sequences,
    name="sequences",
    *,
    n_columns=None,
    allow_empty=False,
    strictly_increasing=False,
):
    """Validate irregular sequences and return them as float64 arrays.

    Parameters
    ----------
    sequences : list of array-like, or ndarray of shape (n_sequences, max_length, 1, 1 + n_columns)
        One array ``(n_points, n_columns)`` per sequence (a 1-D array is one
        column, time), or the padded layout of :func:`sequences_to_padded`.
    name : str, default="sequences"
        Argument name used in error messages.
    n_columns : int or None, default=None
        Required number of columns; ``None`` only requires all sequences to
        have the same number.
    allow_empty : bool, default=False
        Accept sequences without points.
    strictly_increasing : bool, default=False
        Refuse ties in time as well as decreasing times (models of the gaps
        between events need positive gaps).

    Returns
    -------
    sequences : list of ndarray of shape (n_points, n_columns)
        Float64 copies, C-contiguous.

    Raises
    ------
    TypeError
        If ``sequences`` is not a list of arrays or holds non-numbers.
    ValueError
        If the list is empty, a sequence has the wrong number of dimensions
        or columns, no points (unless ``allow_empty``), non-finite values, or
        times that go backwards.

    Examples
    --------
    >>> from sk_stfm.data import check_sequences
    >>> [s.shape for s in check_sequences([[0.0, 1.5, 4.0], [2.0, 3.0]])]
    [(3, 1), (2, 1)]
    >>> check_sequences([[[0.0, 1], [2.0, 1], [1.0, 0]]])
    Traceback (most recent call last):
    ...
    ValueError: sequences[0]: times must be non-decreasing; row 2 (t=1.0) follows t=2.0.
    """
    if isinstance(sequences, np.ndarray) and sequences.ndim == 4:
        return check_sequences(
            padded_to_sequences(sequences, name=name),
            name,
            n_columns=n_columns,
            allow_empty=allow_empty,
            strictly_increasing=strictly_increasing,
        )
    if isinstance(sequences, (str, bytes, dict)) or not hasattr(sequences, "__len__"):
        raise TypeError(f"{name} must be a {SEQUENCES_DOC}; got {type(sequences).__name__}.")
    if len(sequences) == 0:
        raise ValueError(f"{name} must hold at least one sequence; got an empty list.")
    checked = []
    for index, sequence in enumerate(sequences):
        label = f"{name}[{index}]"
        if isinstance(sequence, (str, bytes)):
            raise TypeError(f"{label} must be an array of numbers; got a string.")
        array = _as_float(sequence, label)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(
                f"{label} must be 1-D (n_points,) or 2-D (n_points, n_columns); "
                f"got shape {array.shape}."
            )
        expected = (
            n_columns if n_columns is not None else (checked[0].shape[1] if checked else None)
        )
        if expected is not None and array.shape[1] != expected:
            raise ValueError(
                f"{label} must have {expected} columns (time first), like "
                f"{'the others' if n_columns is None else 'n_columns'}; got {array.shape[1]}."
            )
        if array.shape[0] == 0 and not allow_empty:
            raise ValueError(f"{label} has no points; every sequence needs at least one.")
        if not np.all(np.isfinite(array)):
            row, column = np.argwhere(~np.isfinite(array))[0]
            raise ValueError(
                f"{label} must be finite; row {row}, column {column} is {array[row, column]}."
            )
        gaps = np.diff(array[:, 0])
        bad = np.flatnonzero(gaps <= 0 if strictly_increasing else gaps < 0)
        if bad.size:
            row = bad[0] + 1
            order = "strictly increasing" if strictly_increasing else "non-decreasing"
            raise ValueError(
                f"{label}: times must be {order}; row {row} (t={array[row, 0]}) "
                f"follows t={array[row - 1, 0]}."
            )
        checked.append(np.ascontiguousarray(array))
    return checked


def sequences_to_padded(sequences, max_length=None):
    """Pad sequences into the 4-D window layout with a time-delta channel.

    Parameters
    ----------
    sequences : list of array-like of shape (n_points, n_columns)
        Validated with :func:`check_sequences`.
    max_length : int or None, default=None
        Length of the padded axis; ``None`` is the longest sequence. A
        sequence longer than this is refused, never cut silently.

    Returns
    -------
    padded : ndarray of shape (n_sequences, max_length, 1, 1 + n_columns)
        Channel 0 is the time since the previous point (0 at the first),
        then the columns; rows after a sequence's end are NaN.

    Examples
    --------
    >>> from sk_stfm.data import sequences_to_padded
    >>> sequences_to_padded([[0.0, 2.0, 5.0], [1.0]])[:, :, 0, :]
    array([[[ 0.,  0.],
            [ 2.,  2.],
            [ 3.,  5.]],
    <BLANKLINE>
           [[ 0.,  1.],
            [nan, nan],
            [nan, nan]]])
    """
    sequences = check_sequences(sequences, allow_empty=True)
    longest = max(len(s) for s in sequences)
    if max_length is None:
        max_length = longest
    if isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral):
        raise TypeError(f"max_length must be an int or None; got {type(max_length).__name__}.")
    if max_length < max(longest, 1):
        raise ValueError(
            f"max_length={max_length} is shorter than the longest sequence "
            f"({longest} points); cut the sequences first."
        )
    n_columns = sequences[0].shape[1]
    padded = np.full((len(sequences), int(max_length), 1, 1 + n_columns), np.nan)
    for row, sequence in enumerate(sequences):
        n = len(sequence)
        if n:
            padded[row, :n, 0, 0] = np.diff(sequence[:, 0], prepend=sequence[0, 0])
            padded[row, :n, 0, 1:] = sequence
    return padded


def padded_to_sequences(padded, name="padded"):
    """Turn the padded layout of :func:`sequences_to_padded` back into a list.

    Parameters
    ----------
    padded : array-like of shape (n_sequences, max_length, 1, 1 + n_columns)
        NaN rows mark padding; channel 0 (the time delta) is dropped.
    name : str, default="padded"
        Argument name used in error messages.

    Returns
    -------
    sequences : list of ndarray of shape (n_points, n_columns)
        The rows of each sequence before its padding.

    Examples
    --------
    >>> from sk_stfm.data import padded_to_sequences, sequences_to_padded
    >>> padded_to_sequences(sequences_to_padded([[0.0, 2.0], [1.0]]))
    [array([[0.],
           [2.]]), array([[1.]])]
    """
    padded = _as_float(padded, name)
    if padded.ndim != 4 or padded.shape[2] != 1 or padded.shape[3] < 2:
        raise ValueError(
            f"{name} must have shape (n_sequences, max_length, 1, 1 + n_columns) "
            f"with a time-delta channel first; got {padded.shape}."
        )
    rows = padded[:, :, 0, :]
    observed = ~np.isnan(rows).all(axis=-1)
    sequences = []
    for index, (row, keep) in enumerate(zip(rows, observed, strict=True)):
        n = int(keep.sum())
        if not keep[:n].all():
            raise ValueError(
                f"{name}[{index}] has padding (NaN rows) before its last point; "
                "padding goes after the end of each sequence."
            )
        sequences.append(np.ascontiguousarray(row[:n, 1:]))
    return sequences


def flatten_sequences(sequences):
    """Stack sequences into one array plus offsets (the layout of shipped files).

    Parameters
    ----------
    sequences : list of array-like of shape (n_points, n_columns)
        The sequences, validated by :func:`check_sequences` (empty ones
        allowed).

    Returns
    -------
    values : ndarray of shape (n_points_total, n_columns)
        All points, sequence after sequence.
    offsets : ndarray of shape (n_sequences + 1,)
        Sequence ``i`` is ``values[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> from sk_stfm.data import flatten_sequences
    >>> values, offsets = flatten_sequences([[0.0, 1.0], [5.0]])
    >>> values.ravel().tolist(), offsets.tolist()
    ([0.0, 1.0, 5.0], [0, 2, 3])
    """
    sequences = check_sequences(sequences, allow_empty=True)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sequences])]).astype(np.int64)
    return np.concatenate(sequences, axis=0), offsets


def unflatten_sequences(values, offsets, name="values"):
    """Split stacked points back into sequences (inverse of :func:`flatten_sequences`).

    Parameters
    ----------
    values : array-like of shape (n_points_total, n_columns)
        All points, sequence after sequence.
    offsets : array-like of int of shape (n_sequences + 1,)
        Non-decreasing, from 0 to ``n_points_total``.
    name : str, default="values"
        Argument name used in error messages.

    Returns
    -------
    sequences : list of ndarray of shape (n_points, n_columns)
        Copies of the slices of ``values``.

    Examples
    --------
    >>> from sk_stfm.data import unflatten_sequences
    >>> [s.ravel().tolist() for s in unflatten_sequences([[0.0], [1.0], [5.0]], [0, 2, 3])]
    [[0.0, 1.0], [5.0]]
    """
    values = _as_float(values, name)
    if values.ndim == 1:
        values = values[:, None]
    offsets = np.asarray(offsets)
    if (
        offsets.ndim != 1
        or offsets.size < 2
        or not np.issubdtype(offsets.dtype, np.integer)
        or offsets[0] != 0
        or offsets[-1] != len(values)
        or np.any(np.diff(offsets) < 0)
    ):
        raise ValueError(
            f"offsets must be non-decreasing integers from 0 to len({name})={len(values)}, "
            f"shape (n_sequences + 1,); got {offsets!r}."
        )
    return [
        values[start:stop].copy() for start, stop in zip(offsets[:-1], offsets[1:], strict=True)
    ]


def sequences_from_frame(frame, id_column="id", time_column="time", columns=None):
    """Read sequences from a long-format pandas DataFrame, one per id.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per point: ``id, time, ...`` (``id, time, lat, lon`` for
        trajectories, ``id, time, mark`` for events).
    id_column : str, default="id"
        Column naming the sequence of each row.
    time_column : str, default="time"
        Times: numbers (seconds) or datetimes (converted to seconds since
        1970-01-01 UTC; naive datetimes are read as UTC).
    columns : list of str or None, default=None
        Value columns after time; ``None`` takes every other numeric column.

    Returns
    -------
    sequences : list of ndarray of shape (n_points, 1 + len(columns))
        Time first, sorted by time within each id (stable, so ties keep
        the frame's order).
    ids : ndarray of shape (n_sequences,)
        The id of each sequence, in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_stfm.data import sequences_from_frame
    >>> frame = pd.DataFrame({"id": ["a", "b", "a"], "time": [5.0, 1.0, 2.0],
    ...                       "mark": [1, 0, 2]})
    >>> sequences, ids = sequences_from_frame(frame)
    >>> ids.tolist(), sequences[0].tolist()
    (['a', 'b'], [[2.0, 2.0], [5.0, 1.0]])
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in (id_column, time_column) if c not in frame.columns]
    if missing:
        raise ValueError(f"frame has no column {missing[0]!r}; columns: {list(frame.columns)}.")
    if columns is None:
        columns = [
            c
            for c in frame.columns
            if c not in (id_column, time_column) and pd.api.types.is_numeric_dtype(frame[c])
        ]
    columns = list(columns)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"frame has no column {absent[0]!r}; columns: {list(frame.columns)}.")
    times = frame[time_column]
    if pd.api.types.is_datetime64_any_dtype(times):
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = (times - pd.Timestamp(0)).dt.total_seconds().to_numpy()
    else:
        seconds = _as_float(times.to_numpy(), f"frame[{time_column!r}]")
    values = np.column_stack(
        [seconds] + [_as_float(frame[c].to_numpy(), f"frame[{c!r}]") for c in columns]
    )
    codes, ids = pd.factorize(frame[id_column], sort=False)
    if (codes < 0).any():
        raise ValueError(f"frame[{id_column!r}] has missing ids.")
    order = np.lexsort((seconds, codes))  # by id, then time; stable
    values, codes = values[order], codes[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    sequences = np.split(values, bounds)
    return check_sequences(sequences, f"frame grouped by {id_column!r}"), np.asarray(ids)
