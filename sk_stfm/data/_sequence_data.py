"""SequenceData: irregular sequences (trajectories, events) with their provenance."""

from dataclasses import dataclass, replace

import numpy as np

from ._sequences import check_sequences, flatten_sequences, sequences_to_padded
from ._validation import check_int

SEQUENCE_KINDS = ("trajectory", "event")


@dataclass
class SequenceData:
    """Irregular sequences with column names and provenance.

    The irregular counterpart of :class:`~sk_stfm.data.STData`: loaders of
    trajectories and event sequences return it, and estimators take its
    ``sequences`` (a list of per-sequence arrays, time first).

    Parameters
    ----------
    sequences : list of ndarray of shape (n_points, n_columns)
        One array per sequence; column 0 is time in seconds, non-decreasing.
        Validated by :func:`~sk_stfm.data.check_sequences` and stored as
        float64.
    columns : tuple of str
        Name of each column; the first is ``"time"``.
    kind : {"trajectory", "event"}, default="event"
        The data type.
    ids : ndarray of shape (n_sequences,) or None, default=None
        An identifier per sequence (user, page, trajectory id).
    n_marks : int or None, default=None
        For events with categorical marks (column 1, integer codes
        ``0 .. n_marks - 1``), the number of mark types.
    name : str, default=""
        Short name of the data set.
    description : str, default=""
        What the data measure.
    citation : str, default=""
        How to cite the source.
    license : str, default=""
        The license or terms of use of the data.

    Attributes
    ----------
    n_sequences : int
        Number of sequences.
    n_points : int
        Number of points (events, fixes) in all sequences.

    Examples
    --------
    >>> from sk_stfm.data import SequenceData
    >>> data = SequenceData([[[0.0, 1], [2.5, 0]], [[1.0, 1]]], columns=("time", "mark"),
    ...                     n_marks=2)
    >>> data.n_sequences, data.n_points
    (2, 3)
    >>> data.subset([1]).sequences
    [array([[1., 1.]])]
    """

    sequences: list
    columns: tuple
    kind: str = "event"
    ids: np.ndarray | None = None
    n_marks: int | None = None
    name: str = ""
    description: str = ""
    citation: str = ""
    license: str = ""

    def __post_init__(self):
        if self.kind not in SEQUENCE_KINDS:
            raise ValueError(f"kind must be one of {SEQUENCE_KINDS}; got {self.kind!r}.")
        if isinstance(self.columns, (str, bytes)) or not hasattr(self.columns, "__iter__"):
            raise TypeError(
                f"columns must be a tuple of column names, 'time' first; got {self.columns!r}."
            )
        self.columns = tuple(str(c) for c in self.columns)
        if not self.columns or self.columns[0] != "time":
            raise ValueError(f"columns must start with 'time'; got {self.columns}.")
        self.sequences = check_sequences(self.sequences, n_columns=len(self.columns))
        if self.ids is not None:
            self.ids = np.asarray(self.ids)
            if self.ids.shape != (len(self.sequences),):
                raise ValueError(
                    f"ids must have shape (n_sequences,)=({len(self.sequences)},); "
                    f"got {self.ids.shape}."
                )
        if self.n_marks is not None:
            self.n_marks = check_int(self.n_marks, "n_marks")
            if len(self.columns) < 2:
                raise ValueError("n_marks needs a mark column (column 1) after time.")
            marks = np.concatenate([s[:, 1] for s in self.sequences])
            if np.any(marks != np.round(marks)) or marks.min() < 0 or marks.max() >= self.n_marks:
                raise ValueError(
                    f"marks (column 1) must be integer codes in [0, n_marks={self.n_marks}); "
                    f"got values in [{marks.min()}, {marks.max()}]."
                )

    @property
    def n_sequences(self):
        """Number of sequences."""
        return len(self.sequences)

    @property
    def n_points(self):
        """Number of points in all sequences."""
        return int(sum(len(s) for s in self.sequences))

    def subset(self, indices):
        """Return the sequences at ``indices`` (an integer or boolean index).

        Parameters
        ----------
        indices : array-like of int or bool
            Which sequences to keep, in this order.

        Returns
        -------
        data : SequenceData
            The same columns and provenance, fewer sequences.
        """
        positions = np.arange(self.n_sequences)[np.asarray(indices)]
        return replace(
            self,
            sequences=[self.sequences[i] for i in positions],
            ids=None if self.ids is None else self.ids[positions],
        )

    def to_padded(self, max_length=None):
        """The padded layout, see :func:`~sk_stfm.data.sequences_to_padded`.

        Parameters
        ----------
        max_length : int or None, default=None
            Length of the padded axis; ``None`` is the longest sequence.

        Returns
        -------
        padded : ndarray of shape (n_sequences, max_length, 1, 1 + n_columns)
            Time deltas first, then the columns; NaN rows pad.
        """
        return sequences_to_padded(self.sequences, max_length)

    def flat(self):
        """All points stacked, with offsets, see :func:`~sk_stfm.data.flatten_sequences`.

        Returns
        -------
        values : ndarray of shape (n_points, n_columns)
            All points, sequence after sequence.
        offsets : ndarray of shape (n_sequences + 1,)
            Sequence ``i`` is ``values[offsets[i]:offsets[i + 1]]``.
        """
        return flatten_sequences(self.sequences)
