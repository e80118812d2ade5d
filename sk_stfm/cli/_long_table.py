"""The long table layout of the command line: one row per time and node.

A long table has a ``time`` column, a ``node`` column and the values, in
one of two forms:

* one numeric column per channel (``time, node, speed`` or
  ``time, node, flow, occupancy``): one row per time and node;
* a ``channel`` column and a ``value`` column (``time, node, channel,
  value``, as :meth:`STData.to_frame(layout="long")
  <sk_stfm.data.STData.to_frame>` writes it): one row per time, node and
  channel.

Every node has a row at every time (an empty value is a missing value); the
nodes keep the order in which they first appear, which is the order of the
rows and columns of an ``.npz`` adjacency. Forecasts are written back in the
form that was read.
"""

import numpy as np

TIME, NODE, CHANNEL, VALUE = "time", "node", "channel", "value"


def is_long(columns):
    """Whether a table's columns are those of the long layout.

    Parameters
    ----------
    columns : iterable of str
        The table's column names.

    Returns
    -------
    long : bool
        True if there are both a ``time`` and a ``node`` column: a wide
        table has one time column and numeric channels, and a channel
        named ``node`` beside a time column named ``time`` is unlikely
        enough to need ``--layout wide``.

    Examples
    --------
    >>> is_long(["time", "node", "speed"]), is_long(["date", "load", "temp"])
    (True, False)
    """
    names = {str(column) for column in columns}
    return TIME in names and NODE in names


def _first_duplicate(frame, keys):
    row = frame.loc[frame.duplicated(keys).idxmax(), keys]
    return ", ".join(f"{key}={value}" for key, value in row.items())


def read_long_table(frame, source):
    """Build an ``STData`` from a table in the long layout.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read, one column per field (no index).
    source : str
        How the user named the table, for messages.

    Returns
    -------
    data : STData
        Values ``(n_times, n_nodes, n_channels)``, nodes in order of first
        appearance, channels in column order (or order of first appearance
        in the ``channel`` column), timestamps when the times are dates.
    channel_column : bool
        Whether the channels came from a ``channel`` column.

    Raises
    ------
    ValueError
        If a column is missing or not numeric, a time or node is empty, a
        row is repeated, or the nodes do not all have the same times.
    """
    import pandas as pd

    from ..data import STData

    frame = frame.rename(columns=str)
    missing = [name for name in (TIME, NODE) if name not in frame]
    channel_column = CHANNEL in frame
    if channel_column and VALUE not in frame:
        missing.append(VALUE)
    if missing:
        raise ValueError(
            f"{source}: the long layout needs columns time, node and the values; "
            f"missing {missing} in {list(frame.columns)}."
        )
    keys = [TIME, NODE, CHANNEL] if channel_column else [TIME, NODE]
    values = [VALUE] if channel_column else [c for c in frame.columns if c not in keys]
    extra = [c for c in frame.columns if c not in keys + values]
    if extra or not values:
        raise ValueError(
            f"{source}: with a channel column the only other column is value (got also "
            f"{extra})." if extra else f"{source}: the long table has no value column."
        )
    text = [c for c in values if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        raise ValueError(f"{source}: value columns {text} are not numeric.")
    empty = [key for key in keys if frame[key].isna().any()]
    if empty:
        raise ValueError(f"{source}: column {empty[0]} has empty cells.")
    for key in keys[1:]:
        frame[key] = frame[key].astype(str)
    times = frame[TIME]
    # Dates as text; step numbers stay numbers, as in the wide layout.
    if times.dtype == object or pd.api.types.is_string_dtype(times.dtype):
        try:
            times = pd.to_datetime(times)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{source}: column time must hold times or step numbers ({exc})."
            ) from exc
        frame[TIME] = times
    if frame.duplicated(keys).any():
        raise ValueError(
            f"{source}: the row ({_first_duplicate(frame, keys)}) appears more than once."
        )
    unique_times = np.sort(times.unique())
    nodes = list(dict.fromkeys(frame[NODE]))
    channels = list(dict.fromkeys(frame[CHANNEL])) if channel_column else values
    per_node = frame.groupby(NODE, sort=False)[TIME].nunique()
    short = per_node[per_node < len(unique_times)]
    if len(short):
        node = short.index[0]
        lacking = np.setdiff1d(unique_times, frame.loc[frame[NODE] == node, TIME].unique())
        raise ValueError(
            f"{source}: node {node} has no row at time {pd.Index(lacking)[0]}, which other "
            "nodes have; every node needs a row at every time (leave the value empty "
            "where it is missing)."
        )
    if channel_column and len(frame) != len(unique_times) * len(nodes) * len(channels):
        raise ValueError(
            f"{source}: some time and node lack a row for a channel; every time and node "
            f"need one row per channel ({', '.join(channels)})."
        )
    step = np.searchsorted(unique_times, frame[TIME].to_numpy())
    node = pd.Categorical(frame[NODE], categories=nodes).codes
    array = np.full((len(unique_times), len(nodes), len(channels)), np.nan)
    if channel_column:
        channel = pd.Categorical(frame[CHANNEL], categories=channels).codes
        array[step, node, channel] = frame[VALUE].to_numpy(dtype=float)
    else:
        array[step, node] = frame[values].to_numpy(dtype=float)
    index = pd.Index(unique_times)
    timestamps = pd.DatetimeIndex(index, name=TIME) if isinstance(index, pd.DatetimeIndex) else None
    data = STData(
        array,
        timestamps=timestamps,
        node_names=nodes,
        channel_names=[str(c) for c in channels],
    )
    return data, channel_column


def long_forecast_frame(forecast, index, node_names, channel_names, channel_column):
    """A forecast as a long table, in the form the data were read in.

    Parameters
    ----------
    forecast : ndarray of shape (horizon, n_nodes, n_channels)
        The forecast, in the data's units.
    index : pandas.Index of length horizon
        The times of the forecast steps.
    node_names, channel_names : list of str
        The nodes and channels, in order.
    channel_column : bool
        Write ``time, node, channel, value`` rows (True) or ``time, node``
        and one column per channel (False).

    Returns
    -------
    frame : pandas.DataFrame
        One row per time and node (and channel), time first.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> forecast = np.arange(4.0).reshape(2, 2, 1)
    >>> long_forecast_frame(forecast, pd.RangeIndex(10, 12), ["a", "b"], ["speed"], False)
       time node  speed
    0    10    a    0.0
    1    10    b    1.0
    2    11    a    2.0
    3    11    b    3.0
    """
    import pandas as pd

    horizon, n_nodes, n_channels = forecast.shape
    times = np.repeat(np.asarray(index), n_nodes * (n_channels if channel_column else 1))
    if channel_column:
        return pd.DataFrame(
            {
                TIME: times,
                NODE: np.tile(np.repeat(node_names, n_channels), horizon),
                CHANNEL: np.tile(channel_names, horizon * n_nodes),
                VALUE: forecast.ravel(),
            }
        )
    frame = pd.DataFrame(forecast.reshape(horizon * n_nodes, n_channels), columns=channel_names)
    frame.insert(0, NODE, np.tile(node_names, horizon))
    frame.insert(0, TIME, times)
    return frame
