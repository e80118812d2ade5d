"""Trajectories from movingpandas objects (an optional dependency)."""

import numpy as np

from ..data import sequences_from_frame


def _import_movingpandas():
    try:
        import movingpandas
    except ImportError:
        raise ImportError(
            "sequences_from_trajectories needs movingpandas, which is not installed; "
            "install it with `pip install movingpandas`."
        ) from None
    return movingpandas


def sequences_from_trajectories(trajectories, columns=()):
    """Read a movingpandas ``TrajectoryCollection`` as trajectories of sk_stfm.

    Each movingpandas ``Trajectory`` becomes one array of the irregular
    data contract, columns ``(time, lat, lon, *columns)``: time in seconds
    since 1970-01-01 UTC (naive timestamps are read as UTC), latitude and
    longitude the ``y`` and ``x`` of the point geometry. movingpandas must
    be installed (``pip install movingpandas``); it is imported only here.

    Parameters
    ----------
    trajectories : movingpandas.TrajectoryCollection or movingpandas.Trajectory
        Trajectories in a geographic coordinate system (longitude, latitude
        in degrees, such as EPSG:4326); a trajectory without a CRS is read
        as degrees. Projected ones are refused: convert them with
        ``to_crs(4326)`` first.
    columns : sequence of str, default=()
        Numeric columns of each trajectory's ``df`` to keep after
        ``(time, lat, lon)``.

    Returns
    -------
    sequences : list of ndarray of shape (n_points, 3 + len(columns))
        One array per trajectory, in the collection's order, sorted by time.
    ids : ndarray of shape (n_trajectories,)
        The ``id`` of each trajectory.

    Raises
    ------
    ImportError
        If movingpandas is not installed.
    TypeError
        If ``trajectories`` is neither a ``TrajectoryCollection`` nor a
        ``Trajectory``.
    ValueError
        If a trajectory is in a projected coordinate system, or a column is
        missing.

    See Also
    --------
    sk_stfm.data.sequences_from_frame : The same from a long-format DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> import movingpandas as mpd  # doctest: +SKIP
    >>> frame = pd.DataFrame({"id": [1, 1], "x": [116.0, 116.001], "y": [40.0, 40.0],
    ...                       "t": pd.to_datetime(["2008-12-11 04:42:14", "2008-12-11 04:42:16"])})
    >>> collection = mpd.TrajectoryCollection(frame, "id", t="t", x="x", y="y",
    ...                                       crs=4326)  # doctest: +SKIP
    >>> sequences, ids = sequences_from_trajectories(collection)  # doctest: +SKIP
    >>> sequences[0][:, 1:], ids  # doctest: +SKIP
    (array([[ 40.   , 116.   ],
           [ 40.   , 116.001]]), array([1]))
    """
    import pandas as pd

    mpd = _import_movingpandas()
    if isinstance(trajectories, mpd.TrajectoryCollection):
        items = list(trajectories.trajectories)
    elif isinstance(trajectories, mpd.Trajectory):
        items = [trajectories]
    else:
        raise TypeError(
            "trajectories must be a movingpandas TrajectoryCollection or Trajectory; "
            f"got {type(trajectories).__name__}."
        )
    columns = list(columns)
    frames = []
    for position, trajectory in enumerate(items):
        if getattr(trajectory, "crs", None) is not None and not trajectory.is_latlon:
            raise ValueError(
                f"trajectories[{position}] (id {trajectory.id!r}) is in a projected CRS "
                f"({trajectory.crs}); convert it to longitude / latitude with "
                "to_crs(4326) first."
            )
        df = trajectory.df
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise ValueError(
                f"trajectories[{position}] has no column {missing[0]!r}; columns: "
                f"{list(df.columns)}."
            )
        # A positional key, so that trajectories sharing an id stay apart.
        frame = pd.DataFrame({"time": df.index})
        frame["position"] = position
        frame["lat"] = np.asarray(df.geometry.y, dtype=np.float64)
        frame["lon"] = np.asarray(df.geometry.x, dtype=np.float64)
        for column in columns:
            frame[column] = np.asarray(df[column])
        frames.append(frame)
    if not frames:
        raise ValueError("trajectories holds no trajectory.")
    sequences, _ = sequences_from_frame(
        pd.concat(frames, ignore_index=True),
        id_column="position",
        time_column="time",
        columns=["lat", "lon", *columns],
    )
    return sequences, np.asarray([trajectory.id for trajectory in items])
