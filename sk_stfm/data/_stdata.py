"""STData: a spatio-temporal array with the context that gives it meaning."""

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..utils._tags import DATA_KINDS as KINDS
from ._grid import check_grid_shape
from ._validation import SERIES_SHAPE_DOC, as_array, check_adjacency


def _check_dynamic_adjacency(graphs, n_steps, n_nodes):
    """Validate one adjacency per step and return them as a tuple."""
    if sp.issparse(graphs) or isinstance(graphs, (str, bytes)):
        raise TypeError(
            "dynamic_adjacency must be a sequence of n_steps adjacency matrices "
            f"(one per step); got a single {type(graphs).__name__}."
        )
    try:
        graphs = list(graphs)
    except TypeError:
        raise TypeError(
            "dynamic_adjacency must be a sequence of n_steps adjacency matrices "
            f"(one per step); got {type(graphs).__name__}."
        ) from None
    if len(graphs) != n_steps:
        raise ValueError(
            f"dynamic_adjacency must hold one matrix per step, n_steps={n_steps}; "
            f"got {len(graphs)}."
        )
    return tuple(
        check_adjacency(graph, n_nodes, name=f"dynamic_adjacency[{t}]")
        for t, graph in enumerate(graphs)
    )


def _check_timestamps(timestamps, n_steps):
    """Timestamps as a DatetimeIndex of n_steps distinct, increasing times."""
    if isinstance(timestamps, (str, bytes, dict)) or np.ndim(timestamps) != 1:
        raise TypeError(
            f"timestamps must be a DatetimeIndex (or array-like of datetimes) of length "
            f"n_steps={n_steps}; got {type(timestamps).__name__}."
        )
    try:
        index = pd.DatetimeIndex(timestamps)
    except (TypeError, ValueError, OverflowError) as error:
        raise TypeError(
            f"timestamps must hold datetimes, a DatetimeIndex of length n_steps={n_steps}; {error}."
        ) from None
    if len(index) != n_steps:
        raise ValueError(f"timestamps must have length n_steps={n_steps}; got {len(index)}.")
    if index.hasnans:
        raise ValueError(
            f"timestamps must not contain NaT (missing times); step {int(np.argmax(index.isna()))} "
            "has none. Mark a missing observation with NaN in values instead."
        )
    # One row per time, in order: windows and chronological splits rely on it.
    if not index.is_monotonic_increasing or not index.is_unique:
        steps = index[1:] - index[:-1]
        row = int(np.argmax(steps <= pd.Timedelta(0))) + 1
        what = "repeats" if index[row] == index[row - 1] else "precedes"
        raise ValueError(
            f"timestamps must be strictly increasing, one row per time; step {row} "
            f"({index[row]}) {what} step {row - 1} ({index[row - 1]})."
        )
    return index


@dataclass(eq=False)
class STData:
    """A long spatio-temporal array with timestamps, space and provenance.

    Loaders in :mod:`sk_stfm.datasets` return it; :func:`~sk_stfm.data.make_windows`
    and :func:`~sk_stfm.data.temporal_split` take it. A plain multivariate
    series has one node; a graph has one node per sensor; a grid of H x W
    cells has ``H * W`` nodes and keeps ``grid_shape=(H, W)``.

    Parameters
    ----------
    values : ndarray of shape (n_steps, n_nodes, n_channels)
        The observations; NaN marks a missing value.
    timestamps : pandas.DatetimeIndex of length n_steps or None, default=None
        Time of each step, strictly increasing (gaps are allowed; NaT and
        repeated times are refused).
    adjacency : ndarray or scipy sparse array of shape (n_nodes, n_nodes) or None
        Non-negative edge weights between nodes.
    coords : ndarray of shape (n_nodes, 2) or None, default=None
        Coordinates of the nodes (for example longitude, latitude).
    grid_shape : tuple of int (H, W) or None, default=None
        Shape of the grid whose cells are the nodes, row-major; one side
        may be ``-1``, inferred from ``n_nodes``.
    kind : {"series", "graph", "grid", "video", "trajectory", "event"}, default="series"
        The data type.
    name : str, default=""
        Short name of the data set.
    description : str, default=""
        What the data measure.
    citation : str, default=""
        How to cite the source.
    license : str, default=""
        The license or terms of use of the data.
    node_names : list of str or None, default=None
        Name of each node.
    channel_names : list of str or None, default=None
        Name of each channel.
    dynamic_adjacency : sequence of n_steps (n_nodes, n_nodes) matrices or None, default=None
        One graph per step, for data whose graph changes over time (daily
        mobility, for example): entry ``t`` holds the edge weights at step
        ``t``. Each matrix is validated like ``adjacency`` (dense stays dense,
        sparse becomes a :class:`scipy.sparse.csr_array`) and the sequence is
        stored as a tuple; :meth:`slice_steps` slices it with the values.
        ``adjacency`` then holds a static summary of these graphs, for the
        models that take a single graph.

    Attributes
    ----------
    n_steps : int
        Number of time steps.
    n_nodes : int
        Number of nodes.
    n_channels : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import STData
    >>> d = STData(np.zeros((24, 3, 2)), kind="graph", adjacency=np.eye(3))
    >>> d.n_steps, d.n_nodes, d.n_channels
    (24, 3, 2)

    A graph that changes at every step travels in ``dynamic_adjacency``:

    >>> daily = [np.eye(3) * (t + 1) for t in range(24)]
    >>> d = STData(np.zeros((24, 3, 1)), kind="graph", dynamic_adjacency=daily)
    >>> len(d.dynamic_adjacency), float(d.slice_steps(2, 5).dynamic_adjacency[0][0, 0])
    (24, 3.0)
    """

    values: np.ndarray
    timestamps: pd.DatetimeIndex | None = None
    adjacency: object = None
    coords: np.ndarray | None = None
    grid_shape: tuple | None = None
    kind: str = "series"
    name: str = ""
    description: str = ""
    citation: str = ""
    license: str = ""
    node_names: list | None = field(default=None)
    channel_names: list | None = field(default=None)
    dynamic_adjacency: tuple | None = None

    def __post_init__(self):
        values = as_array(self.values, "values")
        if values.ndim != 3:
            raise ValueError(
                f"values must be an array of shape {SERIES_SHAPE_DOC}; got an "
                f"array with {values.ndim} dimension(s) and shape {values.shape}."
            )
        if values.dtype.kind not in "biuf":
            raise TypeError(f"values must be numeric; got dtype {values.dtype}.")
        self.values = values
        n_steps, n_nodes, n_channels = values.shape
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}.")
        if self.timestamps is not None:
            self.timestamps = _check_timestamps(self.timestamps, n_steps)
        if self.adjacency is not None:
            self.adjacency = check_adjacency(self.adjacency, n_nodes)
        if self.dynamic_adjacency is not None:
            self.dynamic_adjacency = _check_dynamic_adjacency(
                self.dynamic_adjacency, n_steps, n_nodes
            )
        if self.coords is not None:
            coords = as_array(self.coords, "coords")
            if coords.dtype.kind not in "biuf":
                raise TypeError(f"coords must hold numbers; got dtype {coords.dtype}.")
            self.coords = coords.astype(float)
            if self.coords.ndim != 2 or self.coords.shape[0] != n_nodes:
                raise ValueError(
                    f"coords must have shape (n_nodes={n_nodes}, n_dims); got {self.coords.shape}."
                )
        if self.grid_shape is not None:
            self.grid_shape = check_grid_shape(self.grid_shape, n_nodes)
        for attr, size, what in (
            ("node_names", n_nodes, "n_nodes"),
            ("channel_names", n_channels, "n_channels"),
        ):
            names = getattr(self, attr)
            if names is not None:
                if isinstance(names, (str, bytes)) or not hasattr(names, "__len__"):
                    raise TypeError(
                        f"{attr} must be a list of {what}={size} names; got {type(names).__name__}."
                    )
                names = [str(n) for n in names]
                if len(names) != size:
                    raise ValueError(f"{attr} must have {what}={size} entries; got {len(names)}.")
                setattr(self, attr, names)

    @property
    def n_steps(self):
        """Number of time steps."""
        return self.values.shape[0]

    @property
    def n_nodes(self):
        """Number of nodes (sensors, grid cells, or 1 for a plain series)."""
        return self.values.shape[1]

    @property
    def n_channels(self):
        """Number of channels (variables) per node."""
        return self.values.shape[2]

    @property
    def shape(self):
        """Shape ``(n_steps, n_nodes, n_channels)`` of :attr:`values`."""
        return self.values.shape

    def __repr__(self):
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"STData({name}kind={self.kind!r}, n_steps={self.n_steps}, "
            f"n_nodes={self.n_nodes}, n_channels={self.n_channels})"
        )

    def spatial_context(self):
        """The space of the nodes, without the values: what ``spatial=`` keeps.

        Returns
        -------
        context : SpatialContext
            The grid shape (kind ``"grid"``, or ``"video"`` for frames) or
            the adjacency (kind ``"graph"``) of the data; an empty context
            for a plain series.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_stfm.data import STData
        >>> STData(np.zeros((10, 6, 1)), grid_shape=(2, 3)).spatial_context().grid_shape
        (2, 3)
        """
        from ._spatial import SpatialContext

        if self.grid_shape is not None:
            kind = "video" if self.kind == "video" else "grid"
            return SpatialContext(kind, self.adjacency, self.grid_shape, n_nodes=self.n_nodes)
        if self.adjacency is not None:
            return SpatialContext("graph", self.adjacency, n_nodes=self.n_nodes)
        return SpatialContext(n_nodes=self.n_nodes)

    def __sklearn_clone__(self):
        # As an estimator's ``spatial=`` parameter, an STData gives only the
        # space of its nodes: clones (each fold of a search) keep that, not a
        # copy of the whole series.
        return self.spatial_context()

    def slice_steps(self, start, stop):
        """Return the steps ``[start, stop)`` as a new :class:`STData`.

        Parameters
        ----------
        start, stop : int
            Row bounds, as in Python slicing.

        Returns
        -------
        part : STData
            Same context, values, timestamps and ``dynamic_adjacency``
            restricted to the rows (a view of :attr:`values`).
        """
        timestamps = None if self.timestamps is None else self.timestamps[start:stop]
        dynamic = None
        if self.dynamic_adjacency is not None:
            dynamic = self.dynamic_adjacency[start:stop]
        return replace(
            self,
            values=self.values[start:stop],
            timestamps=timestamps,
            dynamic_adjacency=dynamic,
        )

    def _node_labels(self):
        return self.node_names or [str(i) for i in range(self.n_nodes)]

    def _channel_labels(self):
        return self.channel_names or [str(i) for i in range(self.n_channels)]

    def _time_index(self):
        if self.timestamps is not None:
            return pd.Index(self.timestamps, name="time")
        return pd.RangeIndex(self.n_steps, name="time")

    def to_frame(self, layout="wide"):
        """Return the values as a pandas DataFrame.

        Parameters
        ----------
        layout : {"wide", "long"}, default="wide"
            ``"wide"``: one row per step, indexed by time, with columns
            ``(node, channel)`` (a MultiIndex; plain channel names when there
            is a single node). ``"long"``: one row per observation with
            columns ``time, node, channel, value``.

        Returns
        -------
        frame : pandas.DataFrame
            The values in the requested layout.
        """
        index = self._time_index()
        if layout == "wide":
            if self.n_nodes == 1:
                columns = pd.Index(self._channel_labels(), name="channel")
            else:
                columns = pd.MultiIndex.from_product(
                    [self._node_labels(), self._channel_labels()],
                    names=["node", "channel"],
                )
            return pd.DataFrame(self.values.reshape(self.n_steps, -1), index=index, columns=columns)
        if layout == "long":
            time, node, channel = np.meshgrid(
                np.arange(self.n_steps),
                np.arange(self.n_nodes),
                np.arange(self.n_channels),
                indexing="ij",
            )
            return pd.DataFrame(
                {
                    "time": np.asarray(index)[time.ravel()],
                    "node": np.asarray(self._node_labels())[node.ravel()],
                    "channel": np.asarray(self._channel_labels())[channel.ravel()],
                    "value": self.values.ravel(),
                }
            )
        raise ValueError(f"layout must be 'wide' or 'long'; got {layout!r}.")

    @classmethod
    def from_frame(
        cls,
        frame,
        layout="wide",
        time="time",
        node="node",
        channel="channel",
        value="value",
        **context,
    ):
        """Build an :class:`STData` from a pandas DataFrame.

        Parameters
        ----------
        frame : pandas.DataFrame
            In ``"wide"`` layout: one row per step, indexed by time (a
            DatetimeIndex becomes :attr:`timestamps`), with plain columns
            (channels of one node) or ``(node, channel)`` MultiIndex columns.
            In ``"long"`` layout: one row per observation; missing
            combinations become NaN.
        layout : {"wide", "long"}, default="wide"
            Layout of ``frame``.
        time, node, channel, value : str
            Column names of the long layout. ``node`` and ``channel`` may be
            absent from the frame (a single node or channel).
        **context
            Further :class:`STData` fields (``adjacency``, ``kind``,
            ``name``, ...).

        Returns
        -------
        data : STData
            The frame as a spatio-temporal array.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
        if layout == "wide":
            values = frame.to_numpy(dtype=float)
            if isinstance(frame.columns, pd.MultiIndex):
                nodes = list(dict.fromkeys(frame.columns.get_level_values(0)))
                channels = list(dict.fromkeys(frame.columns.get_level_values(1)))
                full = pd.MultiIndex.from_product([nodes, channels])
                values = frame.reindex(columns=full).to_numpy(dtype=float)
                values = values.reshape(len(frame), len(nodes), len(channels))
            else:
                nodes, channels = None, list(frame.columns)
                values = values[:, None, :]
            index = frame.index
        elif layout == "long":
            if time not in frame:
                raise ValueError(f"frame has no time column {time!r}.")
            if value not in frame:
                raise ValueError(f"frame has no value column {value!r}.")
            keys = [k for k in (node, channel) if k in frame]
            wide = (
                frame.pivot_table(
                    index=time, columns=keys or None, values=value, aggfunc="first", dropna=False
                )
                if keys
                else frame.set_index(time)[[value]]
            )
            wide = wide.sort_index()
            nodes = list(dict.fromkeys(frame[node])) if node in frame else ["0"]
            channels = list(dict.fromkeys(frame[channel])) if channel in frame else [value]
            if node in frame and channel in frame:
                full = pd.MultiIndex.from_product([nodes, channels])
            elif node in frame:
                full = pd.Index(nodes)
            elif channel in frame:
                full = pd.Index(channels)
            else:
                full = pd.Index([value])
            values = wide.reindex(columns=full).to_numpy(dtype=float)
            values = values.reshape(len(wide), len(nodes), len(channels))
            index = wide.index
            if node not in frame:
                nodes = None
        else:
            raise ValueError(f"layout must be 'wide' or 'long'; got {layout!r}.")
        timestamps = index if isinstance(index, pd.DatetimeIndex) else None
        context.setdefault("node_names", nodes)
        context.setdefault("channel_names", channels)
        return cls(values=values, timestamps=timestamps, **context)
