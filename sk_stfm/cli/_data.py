"""Data given on the command line: a bundled data set's name or a CSV / Parquet file."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..data._protocol import training_statistics
from ..utils._tags import WINDOW_KINDS

LAYOUTS = ("auto", "wide", "long")


def load_data(spec, layout="auto", adjacency=None, return_layout=False):
    """Load a bundled data set by name, or a table file as an ``STData``.

    Parameters
    ----------
    spec : str
        A name listed by ``sk-stfm datasets`` (``"etth1"``, ``"los_loop"``,
        ...) or the path of a ``.csv`` / ``.parquet`` table, in one of two
        layouts. Wide: the first column is the time (parsed as dates when
        it can be), every other column a numeric channel of one series.
        Long: columns ``time``, ``node`` and the values, one row per time
        and node (see ``sk_stfm.cli._long_table``), for data with several
        nodes such as a sensor network. Empty cells are missing values.
    layout : {"auto", "wide", "long"}, default="auto"
        Layout of a table file; ``"auto"`` reads a table with both a
        ``time`` and a ``node`` column as long, any other as wide.
    adjacency : str or None, default=None
        Path of the graph of a long table's nodes: an edge-list ``.csv``
        or an ``.npz`` / ``.npy`` matrix (see
        ``sk_stfm.cli._adjacency.read_adjacency``). The data are then of
        kind ``"graph"``.
    return_layout : bool, default=False
        Also return the layout the data were read in.

    Returns
    -------
    data : STData or SequenceData
        The data.
    table_layout : dict
        Only if ``return_layout``: ``{"layout": "bundled" | "wide" |
        "long", "channel_column": bool}``; a forecast is written back in it.

    Raises
    ------
    FileNotFoundError
        If ``spec`` is neither a data set name nor an existing file.
    ValueError
        If the file is not CSV / Parquet, is empty, has non-numeric value
        columns, breaks the long layout, or ``adjacency`` is given for
        anything but a long table.

    Examples
    --------
    >>> load_data("ili").shape
    (966, 1, 7)
    """
    from ..datasets import list_datasets, load_dataset

    if layout not in LAYOUTS:
        raise ValueError(f"--layout must be one of {', '.join(LAYOUTS)}; got {layout!r}.")
    names = list(list_datasets()["name"])
    if spec in names:
        if adjacency is not None:
            raise ValueError(
                f"--adjacency is for long tables; the bundled {spec!r} carries its own context."
            )
        data, table_layout = load_dataset(spec), {"layout": "bundled", "channel_column": False}
    else:
        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(
                f"{spec!r} is neither a bundled data set ({', '.join(names)}) nor an existing file."
            )
        data, table_layout = _read_file(path, layout, adjacency)
    return (data, table_layout) if return_layout else data


def _read_file(path, layout, adjacency):
    """An STData and its table layout from a CSV / Parquet file."""
    import pandas as pd

    from ._adjacency import read_adjacency
    from ._long_table import CHANNEL, NODE, is_long, read_long_table

    frame = _read_frame(path, text_columns=(NODE, CHANNEL) if layout != "wide" else ())
    if layout == "long" or (layout == "auto" and is_long(frame.columns)):
        data, channel_column = read_long_table(frame, str(path))
        context = {"name": path.stem}
        if adjacency is not None:
            context.update(adjacency=read_adjacency(adjacency, data.node_names), kind="graph")
        return replace(data, **context), {"layout": "long", "channel_column": channel_column}
    if adjacency is not None:
        raise ValueError(
            f"--adjacency needs a long table (columns time, node, values); {path} is read as "
            "a wide table of one node."
        )
    if isinstance(frame.columns, pd.RangeIndex) or not len(frame.columns):
        raise ValueError(f"{path}: the table has no rows or no value columns.")
    return _wide_data(frame.set_index(frame.columns[0]), path), {
        "layout": "wide",
        "channel_column": False,
    }


def _read_frame(path, text_columns):
    """The table as read, every field a column; ``text_columns`` kept as text."""
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            header = pd.read_csv(path, nrows=0).columns
            text = {name: str for name in text_columns if name in header}
            return pd.read_csv(path, dtype=text or None)
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            # A table written with its index (the time) gets it back as a column.
            if not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None):
                frame = frame.reset_index()
            return frame
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable table ({exc}).") from exc
    raise ValueError(f"{path}: expected a .csv or .parquet file; got {suffix or 'no suffix'}.")


def _wide_data(frame, path):
    """An STData from a wide table indexed by its first column."""
    import pandas as pd

    from ..data import STData

    if frame.empty or not len(frame.columns):
        raise ValueError(f"{path}: the table has no rows or no value columns.")
    text = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ValueError(
            f"{path}: columns {text} are not numeric; every column after the time must hold numbers."
        )
    # Dates as text (object or, from pandas 3, str dtype); step numbers stay numbers.
    if frame.index.dtype == object or pd.api.types.is_string_dtype(frame.index.dtype):
        try:
            frame.index = pd.to_datetime(frame.index)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{path}: the first column must hold times or step numbers ({exc})."
            ) from exc
    if not frame.index.is_monotonic_increasing or not frame.index.is_unique:
        raise ValueError(
            f"{path}: the times in the first column must increase strictly (sort the rows "
            "and drop duplicated times)."
        )
    return STData.from_frame(frame, name=path.stem)


def check_window_data(data, command):
    """Refuse data that cannot be cut into regular windows.

    Parameters
    ----------
    data : STData or SequenceData
        The loaded data.
    command : str
        The sub-command, named in the message.

    Raises
    ------
    ValueError
        If the data's kind is not one of ``WINDOW_KINDS``.
    """
    if data.kind not in WINDOW_KINDS:
        raise ValueError(
            f"sk-stfm {command} needs regular window data; {data.name!r} is {data.kind} data "
            f"(supported: {', '.join(WINDOW_KINDS)})."
        )


def holdout_windows(data, history, horizon, test_fraction, train_stride=1):
    """Hold out the end of the data in time, scale both parts, and cut windows.

    The first ``1 - test_fraction`` of the steps train; the rest test. The
    test part starts with the last ``history`` training steps, so that its
    first window forecasts the first test step. Both parts are z-scored with
    the training mean and standard deviation of each node and channel.

    Parameters
    ----------
    data : STData
        Regular data.
    history, horizon : int
        Input and output window lengths (steps).
    test_fraction : float
        Share of the steps held out, in (0, 1).
    train_stride : int, default=1
        Keep every ``train_stride``-th training window.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
        Scaled windows.
    mean, std : ndarray of shape (1, n_nodes, n_channels)
        The training statistics; ``windows * std + mean`` is in data units.

    Raises
    ------
    ValueError
        If ``test_fraction`` is not in (0, 1), either part is too short for
        one window, or a series has no observed training value.
    """
    from ..data import make_windows

    n_train = training_steps(data.n_steps, test_fraction)
    train, test = data.values[:n_train], data.values[n_train:]
    # The test windows take their inputs from the end of the training part,
    # so the test part needs only the horizon.
    if len(test) < horizon:
        raise ValueError(
            f"the test part has {len(test)} steps, fewer than the horizon {horizon}; "
            "lower --horizon or raise --test-fraction."
        )
    if len(train) < history + horizon:
        raise ValueError(
            f"the training part has {len(train)} steps, fewer than history + horizon = "
            f"{history + horizon}; lower --history / --horizon or --test-fraction."
        )
    mean, std = scaling_statistics(train, name=data.name)
    test = np.concatenate([train[-history:], test])
    X_train, y_train = make_windows(
        (train - mean) / std, history=history, horizon=horizon, stride=train_stride
    )
    X_test, y_test = make_windows((test - mean) / std, history=history, horizon=horizon)
    return X_train, y_train, X_test, y_test, mean, std


def training_steps(n_steps, test_fraction):
    """Number of steps that train when the last ``test_fraction`` is held out.

    Parameters
    ----------
    n_steps : int
        Steps of the data.
    test_fraction : float
        Share of the steps held out, in (0, 1).

    Returns
    -------
    n_train : int
        The first ``n_train`` steps train; the test windows forecast from
        step ``n_train`` on.

    Raises
    ------
    ValueError
        If ``test_fraction`` is not in (0, 1).

    Examples
    --------
    >>> training_steps(100, 0.2)
    80
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"--test-fraction must be between 0 and 1; got {test_fraction}.")
    return int(round(n_steps * (1 - test_fraction)))


def scaling_statistics(train, name=""):
    """Mean and standard deviation of each node and channel over time.

    Parameters
    ----------
    train : ndarray of shape (n_steps, n_nodes, n_channels)
        Training values; NaN is missing.
    name : str, default=""
        Name of the data, for the message.

    Returns
    -------
    mean, std : ndarray of shape (1, n_nodes, n_channels)
        NaN-ignoring statistics; a constant series gets a std of 1.

    Raises
    ------
    ValueError
        If a node and channel has no observed value.
    """
    observed = ~np.isnan(train)
    if not observed.any(axis=0).all():
        node, channel = np.argwhere(~observed.any(axis=0))[0]
        raise ValueError(
            f"{name or 'the data'}: node {node}, channel {channel} has no observed value in "
            "the training part; drop it or lower --test-fraction."
        )
    mean, std = training_statistics(train)
    return mean[np.newaxis], std[np.newaxis]


def infer_frequency(timestamps):
    """The step of regular timestamps as a pandas frequency string.

    Parameters
    ----------
    timestamps : pandas.DatetimeIndex or None
        Increasing timestamps.

    Returns
    -------
    frequency : str or None
        A calendar frequency when pandas can infer one (``"h"``,
        ``"W-SUN"``, ``"MS"``), else the most common gap between
        consecutive timestamps (rows missing from the table do not change
        it); ``None`` without at least two timestamps.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_frequency(pd.date_range("2024-01-01", periods=5, freq="h"))
    'h'
    >>> infer_frequency(pd.DatetimeIndex(["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-09"]))
    '48h'
    """
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    if timestamps is None or len(timestamps) < 2:
        return None
    frequency = pd.infer_freq(timestamps) if len(timestamps) >= 3 else None
    if frequency is None:
        gaps = pd.Series(timestamps[1:] - timestamps[:-1])
        frequency = gaps.mode().iloc[0]
    return to_offset(frequency).freqstr


def same_frequency(first, second):
    """Whether two frequency strings name the same step.

    Fixed steps compare by duration (``"D"`` and ``"24h"`` agree, as a
    regular grid and a grid with a missing row name them); calendar steps
    (``"MS"``, ``"W-SUN"``) compare by name.

    Parameters
    ----------
    first, second : str
        Frequencies as :func:`infer_frequency` returns them.

    Returns
    -------
    same : bool
        True if both name one step.

    Examples
    --------
    >>> same_frequency("D", "24h"), same_frequency("2D", "24h"), same_frequency("MS", "MS")
    (True, False, True)
    """
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    def duration(offset):
        # Days are not Ticks from pandas 3 on, but still a fixed step here.
        if isinstance(offset, pd.offsets.Day):
            return pd.Timedelta(days=offset.n)
        if isinstance(offset, pd.offsets.Tick):
            return pd.Timedelta(offset)
        return None  # a calendar step (months, weeks anchored on a day)

    offsets = to_offset(first), to_offset(second)
    durations = [duration(offset) for offset in offsets]
    if None in durations:
        return offsets[0] == offsets[1]
    return durations[0] == durations[1]
