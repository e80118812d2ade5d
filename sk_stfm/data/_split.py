"""Chronological train / validation / test splits that never shuffle."""

import numbers

import numpy as np

from ._stdata import STData
from ._validation import check_series


def _split_sizes(n_steps, train, val, test):
    parts = {"train": train, "val": val, "test": test}
    kinds = {
        name: "int"
        if isinstance(p, numbers.Integral) and not isinstance(p, bool)
        else "float"
        if isinstance(p, numbers.Real) and not isinstance(p, bool)
        else "bad"
        for name, p in parts.items()
    }
    for name, kind in kinds.items():
        if kind == "bad":
            raise TypeError(
                f"{name} must be a fraction (float in [0, 1]) or a number of rows "
                f"(int); got {parts[name]!r}."
            )
    if len(set(kinds.values())) != 1:
        raise TypeError(
            "train, val and test must all be fractions (floats) or all be numbers "
            f"of rows (ints); got {train!r}, {val!r}, {test!r}."
        )
    if kinds["train"] == "float":
        for name, p in parts.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be a fraction in [0, 1]; got {p}.")
        if train + val + test > 1.0 + 1e-9:
            raise ValueError(f"train + val + test must not exceed 1; got {train + val + test}.")
        n_train = int(np.floor(train * n_steps))
        n_val = int(np.floor(val * n_steps))
        n_test = int(np.floor(test * n_steps))
        # Fractions summing to 1 must use every row: rounding goes to train.
        if abs(train + val + test - 1.0) < 1e-9:
            n_train = n_steps - n_val - n_test
        return n_train, n_val, n_test
    for name, p in parts.items():
        if p < 0:
            raise ValueError(f"{name} must be a non-negative number of rows; got {p}.")
    if train + val + test > n_steps:
        raise ValueError(
            f"train + val + test = {train + val + test} rows exceeds the {n_steps} steps of data."
        )
    return int(train), int(val), int(test)


def temporal_split(data, train=0.7, val=0.1, test=0.2, overlap=0):
    """Split a series into consecutive train, validation and test parts.

    The parts follow each other in time and are never shuffled, so no future
    value leaks into training. Rows after ``train + val + test`` are dropped
    (the ETT protocol, for example, uses rows ``[0, 14400)`` of 17,420).

    Parameters
    ----------
    data : STData or array-like of shape (n_steps, n_nodes, n_channels)
        The series to split.
    train, val, test : float or int, default=0.7, 0.1, 0.2
        Either fractions of ``n_steps`` (floats summing to at most 1) or
        numbers of rows (ints); all three must be of the same kind.
    overlap : int, default=0
        Number of rows before each of ``val`` and ``test`` to prepend to it,
        usually the look-back ``history``: then the first validation window
        predicts the first validation row, as in the Autoformer protocol.
        The targets stay disjoint.

    Returns
    -------
    train, val, test : STData or ndarray
        The three parts, of the same type as ``data``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import temporal_split
    >>> series = np.arange(10.0)[:, None, None]
    >>> tr, va, te = temporal_split(series, 6, 2, 2, overlap=1)
    >>> tr[:, 0, 0], va[:, 0, 0], te[:, 0, 0]
    (array([0., 1., 2., 3., 4., 5.]), array([5., 6., 7.]), array([7., 8., 9.]))
    """
    is_stdata = isinstance(data, STData)
    values = check_series(data.values if is_stdata else data, name="data")
    if isinstance(overlap, bool) or not isinstance(overlap, numbers.Integral) or overlap < 0:
        raise ValueError(f"overlap must be a non-negative int; got {overlap!r}.")
    n_train, n_val, n_test = _split_sizes(values.shape[0], train, val, test)
    bounds = [
        (0, n_train),
        (max(n_train - overlap, 0), n_train + n_val),
        (max(n_train + n_val - overlap, 0), n_train + n_val + n_test),
    ]
    if is_stdata:
        return tuple(data.slice_steps(start, stop) for start, stop in bounds)
    return tuple(values[start:stop] for start, stop in bounds)
