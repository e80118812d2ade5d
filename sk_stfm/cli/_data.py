"""Data given on the command line: a bundled data set's name or a CSV / Parquet file."""

from pathlib import Path


def load_data(spec):
    """Load a bundled data set by name, or a table file as an ``STData``.

    Parameters
    ----------
    spec : str
        A name listed by ``sk-stfm datasets`` (``"etth1"``, ``"los_loop"``,
        ...) or the path of a ``.csv`` / ``.parquet`` file in wide layout:
        the first column is the time (parsed as dates when it can be), every
        other column a numeric channel; empty cells are missing values.

    Returns
    -------
    data : STData or SequenceData
        The data.

    Raises
    ------
    FileNotFoundError
        If ``spec`` is neither a data set name nor an existing file.
    ValueError
        If the file is not CSV / Parquet, is empty, or has non-numeric
        columns.

    Examples
    --------
    >>> load_data("ili").shape
    (966, 1, 7)
    """
    from ..datasets import list_datasets, load_dataset

    names = list(list_datasets()["name"])
    if spec in names:
        return load_dataset(spec)
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(
            f"{spec!r} is neither a bundled data set ({', '.join(names)}) nor an existing file."
        )
    return _read_table(path)


def _read_table(path):
    import pandas as pd

    from ..data import STData

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, index_col=0)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            if not isinstance(frame.index, pd.DatetimeIndex) and len(frame.columns):
                frame = frame.set_index(frame.columns[0])
        else:
            raise ValueError(
                f"{path}: expected a .csv or .parquet file; got {suffix or 'no suffix'}."
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable table ({exc}).") from exc
    if frame.empty or not len(frame.columns):
        raise ValueError(f"{path}: the table has no rows or no value columns.")
    text = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ValueError(
            f"{path}: columns {text} are not numeric; every column after the time must hold numbers."
        )
    if frame.index.dtype == object:  # dates as text; step numbers stay numbers
        try:
            frame.index = pd.to_datetime(frame.index)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{path}: the first column must hold times or step numbers ({exc})."
            ) from exc
    return STData.from_frame(frame, name=path.stem)
