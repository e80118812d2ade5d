"""Data given on the command line: a bundled data set's name or a CSV / Parquet file."""

from pathlib import Path

import numpy as np

from ..data._protocol import training_statistics
from ..utils._tags import WINDOW_KINDS


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
            # A table written without its index has a default RangeIndex:
            # the time is then its first column.
            if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
                if len(frame.columns):
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

    if not 0 < test_fraction < 1:
        raise ValueError(f"--test-fraction must be between 0 and 1; got {test_fraction}.")
    n_train = int(round(data.n_steps * (1 - test_fraction)))
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


def last_value_forecast(X, horizon):
    """The last-value baseline: repeat each series' last observed input value.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
        Scaled input windows; NaN is missing.
    horizon : int
        Steps to forecast.

    Returns
    -------
    y_pred : ndarray of shape (n_windows, horizon, n_nodes, n_channels)
        The forecast; a series with no observation in its window gets 0,
        the training mean in scaled units.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([1.0, 2.0, np.nan]).reshape(1, 3, 1, 1)
    >>> last_value_forecast(X, horizon=2).ravel().tolist()
    [2.0, 2.0]
    """
    observed = ~np.isnan(X)
    last = X.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1, keepdims=True)
    values = np.take_along_axis(X, last, axis=1)
    values = np.where(observed.any(axis=1, keepdims=True), values, 0.0)
    return np.repeat(values, horizon, axis=1)


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
