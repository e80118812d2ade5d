"""Loaders for the bundled series and sensor graphs, and the catalog of all data sets.

Every loader checks the sha256 of the shipped file before it parses it, so a
truncated or altered installation fails loudly instead of returning wrong
numbers. Files are gzip archives read into memory; nothing is pickled.
"""

import io
import json

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..data import STData
from ._event_loaders import load_earthquakes, load_wikipedia_events
from ._files import DATA_DIR as DATA_DIR  # re-exported: callers locate the shipped files
from ._files import _context, _read_verified
from ._graph_loaders import load_england_covid, load_montevideo_bus, load_pedalme
from ._grid_loaders import load_nycbike1
from ._registry import DATASETS
from ._trajectory_loaders import load_geolife_sample
from ._video_loaders import load_knmi_radar

ETT_CHANNELS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
EXCHANGE_RATE_COUNTRIES = (
    "Australia",
    "British",
    "Canada",
    "Switzerland",
    "China",
    "Japan",
    "New Zealand",
    "Singapore",
)


def _load_ett(name, filename, data_home):
    frame = pd.read_csv(io.BytesIO(_read_verified(filename, data_home)))
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d %H:%M:%S")
    # Setting freq makes pandas check that the rows are hourly without gaps.
    timestamps = pd.DatetimeIndex(dates, freq="h", name="date")
    values = frame[list(ETT_CHANNELS)].to_numpy(dtype=np.float64)
    return STData(
        values=values[:, None, :],
        timestamps=timestamps,
        channel_names=list(ETT_CHANNELS),
        **_context(name),
    )


def load_etth1(*, data_home=None):
    """Load ETTh1, hourly electricity transformer data of station 1.

    17,420 hourly steps (2016-07-01 00:00 to 2018-06-26 19:00) of 7 channels:
    six loads and the oil temperature ``OT``, the usual forecasting target.
    The file is shipped unmodified, as its license (CC BY-ND 4.0) requires;
    cite Informer (Zhou et al., AAAI 2021) when you use it.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (17420, 1, 7), float64; ``timestamps`` an hourly
        DatetimeIndex (``freq="h"``); ``channel_names`` HUFL, HULL, MUFL,
        MULL, LUFL, LULL, OT; ``kind="series"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    See Also
    --------
    load_etth2 : The same measurements at station 2.

    Examples
    --------
    >>> from sk_stfm.datasets import load_etth1
    >>> data = load_etth1()
    >>> data.values.shape
    (17420, 1, 7)
    >>> data.timestamps[0], data.timestamps.freqstr
    (Timestamp('2016-07-01 00:00:00'), 'h')
    >>> data.channel_names[-1]
    'OT'
    """
    return _load_ett("etth1", "ETTh1.csv.gz", data_home)


def load_etth2(*, data_home=None):
    """Load ETTh2, hourly electricity transformer data of station 2.

    17,420 hourly steps (2016-07-01 00:00 to 2018-06-26 19:00) of 7 channels:
    six loads and the oil temperature ``OT``, the usual forecasting target.
    The file is shipped unmodified, as its license (CC BY-ND 4.0) requires;
    cite Informer (Zhou et al., AAAI 2021) when you use it.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (17420, 1, 7), float64; ``timestamps`` an hourly
        DatetimeIndex (``freq="h"``); ``channel_names`` HUFL, HULL, MUFL,
        MULL, LUFL, LULL, OT; ``kind="series"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    See Also
    --------
    load_etth1 : The same measurements at station 1.

    Examples
    --------
    >>> from sk_stfm.datasets import load_etth2
    >>> data = load_etth2()
    >>> data.values.shape
    (17420, 1, 7)
    >>> str(data.timestamps[-1])
    '2018-06-26 19:00:00'
    """
    return _load_ett("etth2", "ETTh2.csv.gz", data_home)


def load_ili(*, data_home=None):
    """Load the weekly US influenza-like illness (ILI) data.

    966 weekly steps (2002-01-01 to 2020-06-30) of 7 channels from the CDC
    ILINet surveillance, in the form of the Autoformer data bundle.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (966, 1, 7), float64; ``timestamps`` a weekly
        DatetimeIndex (``freq="7D"``) from the file's ``date`` column;
        ``channel_names`` the file's column names (the last, ``OT``, is the
        usual target); ``kind="series"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_ili
    >>> data = load_ili()
    >>> data.values.shape
    (966, 1, 7)
    >>> data.timestamps[1] - data.timestamps[0]
    Timedelta('7 days 00:00:00')
    """
    frame = pd.read_csv(io.BytesIO(_read_verified("national_illness.csv.gz", data_home)))
    dates = pd.to_datetime(frame.pop("date"), format="%Y-%m-%d %H:%M:%S")
    timestamps = pd.DatetimeIndex(dates, freq="7D", name="date")
    return STData(
        values=frame.to_numpy(dtype=np.float64)[:, None, :],
        timestamps=timestamps,
        channel_names=list(frame.columns),
        **_context("ili"),
    )


def load_exchange_rate(*, data_home=None):
    """Load the daily exchange rates of 8 currencies (LSTNet release).

    7,588 daily steps of the exchange rates of Australia, British, Canada,
    Switzerland, China, Japan, New Zealand and Singapore, 1990 to 2016
    according to LSTNet. The release has no dates, so ``timestamps`` is
    ``None``: the ``date`` column of the Autoformer CSV variant is a
    synthetic daily index, not the real calendar.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (7588, 1, 8), float64, channels in LSTNet order;
        ``timestamps=None``; ``channel_names`` the 8 countries;
        ``kind="series"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_exchange_rate
    >>> data = load_exchange_rate()
    >>> data.values.shape
    (7588, 1, 8)
    >>> data.timestamps is None
    True
    >>> data.channel_names[:3]
    ['Australia', 'British', 'Canada']
    """
    raw = _read_verified("exchange_rate.txt.gz", data_home)
    values = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float64, ndmin=2)
    return STData(
        values=values[:, None, :],
        timestamps=None,
        channel_names=list(EXCHANGE_RATE_COUNTRIES),
        **_context("exchange_rate"),
    )


def load_los_loop(*, data_home=None):
    """Load Los-loop, one week of 5-minute traffic speeds on a sensor graph.

    Speeds (mph) of 207 loop detectors in Los Angeles, a one-week subset of
    METR-LA used by T-GCN, with the 207 x 207 Gaussian-kernel adjacency of
    T-GCN. The adjacency is symmetric, with weights in (0, 1] and weight 1 on
    the diagonal, as shipped by T-GCN (drop the diagonal with
    ``A.setdiag(0); A.eliminate_zeros()`` where a model adds its own self
    loops). The file has no time column; the timestamps are rebuilt from the
    documented span, 2012-03-01 00:00 to 2012-03-07 23:55. The sensor
    coordinates come from DCRNN's ``graph_sensor_locations.csv`` (METR-LA),
    matched to the nodes by sensor ID.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data files. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (2016, 207, 1), float64; ``adjacency`` a
        :class:`scipy.sparse.csr_array` of shape (207, 207), float64;
        ``node_names`` the METR-LA sensor IDs; ``coords`` of shape (207, 2),
        the (longitude, latitude) of each sensor in degrees (WGS 84), row
        ``i`` for node ``i``; ``timestamps`` every 5 minutes
        (``freq="5min"``) from 2012-03-01 00:00; ``kind="graph"``.

    Raises
    ------
    ValueError
        If a file's sha256 differs from the registered one (a corrupted
        installation), or a sensor has no location.
    FileNotFoundError
        If a file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_los_loop
    >>> data = load_los_loop()
    >>> data.values.shape, data.adjacency.shape
    ((2016, 207, 1), (207, 207))
    >>> data.node_names[0], data.coords[0].tolist()
    ('773869', [-118.31829, 34.15497])
    """
    speed = pd.read_csv(io.BytesIO(_read_verified("los_speed.csv.gz", data_home)))
    weights = np.loadtxt(
        io.BytesIO(_read_verified("los_adj.csv.gz", data_home)),
        delimiter=",",
        dtype=np.float64,
    )
    locations = pd.read_csv(
        io.BytesIO(_read_verified("graph_sensor_locations.csv.gz", data_home)),
        dtype={"sensor_id": str},
    ).set_index("sensor_id")
    node_names = list(speed.columns)
    unknown = sorted(set(node_names) - set(locations.index))
    if unknown:
        raise ValueError(f"Los-loop sensors {unknown} have no location in the METR-LA file.")
    coords = locations.loc[node_names, ["longitude", "latitude"]].to_numpy(dtype=np.float64)
    timestamps = pd.date_range("2012-03-01", periods=len(speed), freq="5min")
    return STData(
        values=speed.to_numpy(dtype=np.float64)[:, :, None],
        timestamps=timestamps,
        adjacency=sp.csr_array(weights),
        coords=coords,
        node_names=node_names,
        channel_names=["speed"],
        **_context("los_loop"),
    )


def load_chickenpox(*, data_home=None):
    """Load Hungarian chickenpox, weekly cases on the graph of 20 counties.

    521 weeks of chickenpox cases in the 20 Hungarian counties (Budapest
    included), as released by PyTorch Geometric Temporal. The values are
    standardized per county (mean 0, standard deviation 1), not raw counts.
    The release has no dates; the timestamps start on Monday 2005-01-03, the
    first week of the UCI "Hungarian Chickenpox Cases" data. The adjacency is
    binary and symmetric: 41 undirected county-neighbour edges (82 stored
    entries); the 20 self loops listed in the file are dropped.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (521, 20, 1), float64; ``adjacency`` a binary
        symmetric :class:`scipy.sparse.csr_array` of shape (20, 20);
        ``node_names`` the county names in index order; ``timestamps``
        weekly (``freq="7D"``) from 2005-01-03; ``kind="graph"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_chickenpox
    >>> data = load_chickenpox()
    >>> data.values.shape, data.adjacency.nnz
    ((521, 20, 1), 82)
    >>> data.node_names[:2]
    ['BACS', 'BARANYA']
    """
    content = json.loads(_read_verified("chickenpox.json.gz", data_home))
    node_ids = content["node_ids"]
    node_names = sorted(node_ids, key=node_ids.get)
    n_nodes = len(node_names)
    values = np.asarray(content["FX"], dtype=np.float64)
    edges = np.asarray(content["edges"], dtype=np.int64)
    edges = edges[edges[:, 0] != edges[:, 1]]
    # The file lists each neighbour pair in both directions; adding the
    # transpose keeps the graph undirected even if one direction were absent.
    directed = sp.coo_array(
        (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes)
    )
    adjacency = sp.csr_array(((directed + directed.T) > 0).astype(np.float64))
    adjacency.sort_indices()
    timestamps = pd.date_range("2005-01-03", periods=len(values), freq="7D")
    return STData(
        values=values[:, :, None],
        timestamps=timestamps,
        adjacency=adjacency,
        node_names=node_names,
        channel_names=["cases (standardized)"],
        **_context("chickenpox"),
    )


_LOADERS = {
    "etth1": load_etth1,
    "etth2": load_etth2,
    "ili": load_ili,
    "exchange_rate": load_exchange_rate,
    "los_loop": load_los_loop,
    "chickenpox": load_chickenpox,
    "pedalme": load_pedalme,
    "montevideo_bus": load_montevideo_bus,
    "england_covid": load_england_covid,
    "nycbike1": load_nycbike1,
    "knmi_radar": load_knmi_radar,
    "geolife_sample": load_geolife_sample,
    "wikipedia_events": load_wikipedia_events,
    "earthquake_sanjac": lambda data_home=None: load_earthquakes("sanjac", data_home=data_home),
    "earthquake_japan": lambda data_home=None: load_earthquakes("japan", data_home=data_home),
}


def load_dataset(name, *, data_home=None):
    """Load a data set by name, with its loader's default options.

    Parameters
    ----------
    name : str
        One of the names listed by :func:`list_datasets`.
    data_home : str or path-like or None, default=None
        Folder that holds the data files. ``None`` uses the files shipped with
        sk_stfm; a data set that is not bundled (``knmi_radar``) needs it.

    Returns
    -------
    data : STData or SequenceData
        What the data set's own ``load_<name>`` function returns with its
        default arguments (the test split of ``nycbike1``, for example);
        trajectories and events are :class:`~sk_stfm.data.SequenceData`.

    Raises
    ------
    ValueError
        If ``name`` is not a known data set, or a file fails its checksum.
    FileNotFoundError
        If a file is missing, or ``data_home`` is ``None`` for a data set
        that is not bundled.

    Examples
    --------
    >>> from sk_stfm.datasets import load_dataset
    >>> load_dataset("ili").shape
    (966, 1, 7)
    """
    if not isinstance(name, str) or name not in _LOADERS:
        raise ValueError(f"Unknown data set {name!r}; name must be one of {sorted(_LOADERS)}.")
    return _LOADERS[name](data_home=data_home)


def list_datasets():
    """List the real data sets, without loading them.

    Returns
    -------
    datasets : pandas.DataFrame
        One row per data set, with columns ``name``, ``kind``, ``shape`` (the
        tuple ``(n_steps, n_nodes, n_channels)`` that the loader returns with
        its default arguments; ``(n_points, n_sequences, n_columns)`` for
        trajectories and events), ``sampling_interval`` (a pandas offset
        alias, empty for irregular data), ``license``, ``citation`` and ``bundled`` (``False`` for the
        data read from a file the user provides, such as ``knmi_radar``).

    Examples
    --------
    >>> from sk_stfm.datasets import list_datasets
    >>> table = list_datasets()
    >>> table.loc[table["name"] == "los_loop", "shape"].item()
    (2016, 207, 1)
    >>> list(table.columns)
    ['name', 'kind', 'shape', 'sampling_interval', 'license', 'citation', 'bundled']
    >>> table.loc[~table["bundled"], "name"].tolist()
    ['knmi_radar']
    """
    return pd.DataFrame(
        [
            {
                "name": record.name,
                "kind": record.kind,
                "shape": tuple(record.shape),
                "sampling_interval": record.sampling_interval,
                "license": record.license,
                "citation": record.citation,
                "bundled": record.bundled,
            }
            for record in DATASETS.values()
        ],
        columns=["name", "kind", "shape", "sampling_interval", "license", "citation", "bundled"],
    )
