"""Loaders for the graph signals released by PyTorch Geometric Temporal.

PedalMe and Montevideo bus have one static graph; England COVID has one
mobility graph per day, carried in :attr:`STData.dynamic_adjacency`. The JSON
files are shipped unmodified and parsed with :mod:`json`; nothing is pickled.
"""

import json

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..data import STData
from ._files import _context, _read_verified


def _weighted_csr(sources, targets, weights, n_nodes):
    """Directed weighted adjacency ``A[source, target] = weight``, as CSR.

    Duplicate pairs would be summed by scipy; the releases have none (the
    tests check it), so every entry is exactly one published edge weight.
    """
    matrix = sp.coo_array(
        (np.asarray(weights, dtype=np.float64), (np.asarray(sources), np.asarray(targets))),
        shape=(n_nodes, n_nodes),
    )
    matrix = sp.csr_array(matrix)
    matrix.sort_indices()
    return matrix


def load_pedalme(*, data_home=None):
    """Load PedalMe London, weekly bicycle delivery demand on a locality graph.

    35 weeks (2020 to 2021) of the delivery demand of the PedalMe courier
    company in 15 London localities, as released by PyTorch Geometric
    Temporal (PGT). The values are transformed by the release (mean near 0
    per locality, range about -3.6 to 5.0), not raw counts; the release has
    no dates (``timestamps=None``) and no locality names. The adjacency is
    the file's complete weighted graph: symmetric, weights in (0, 1], weight
    1 on the diagonal, 225 stored entries (drop the diagonal with
    ``A.setdiag(0); A.eliminate_zeros()`` where a model adds its own self
    loops). PGT's protocol feeds 4 weekly lags to predict the next week.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (35, 15, 1), float64, the file's ``X`` (weeks x
        localities); ``adjacency`` a symmetric
        :class:`scipy.sparse.csr_array` of shape (15, 15); ``timestamps``
        and ``node_names`` ``None`` (not in the release); ``kind="graph"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_pedalme
    >>> data = load_pedalme()
    >>> data.values.shape, data.adjacency.nnz
    ((35, 15, 1), 225)
    >>> data.timestamps is None
    True
    """
    content = json.loads(_read_verified("pedalme_london.json.gz", data_home))
    values = np.asarray(content["X"], dtype=np.float64)
    edges = np.asarray(content["edges"], dtype=np.int64)
    n_nodes = values.shape[1]
    adjacency = _weighted_csr(edges[:, 0], edges[:, 1], content["weights"], n_nodes)
    return STData(
        values=values[:, :, None],
        timestamps=None,
        adjacency=adjacency,
        channel_names=["deliveries (transformed)"],
        **_context("pedalme"),
    )


def load_montevideo_bus(*, data_home=None):
    """Load Montevideo bus, hourly passenger inflow at 675 bus stops.

    Hourly boardings at the stops of 11 bus lines of Montevideo (Uruguay)
    during October 2020, as released by PyTorch Geometric Temporal (PGT):
    744 hours of raw counts (integers 0 to 101). The file is a networkx
    node-link graph; each node's ``y`` is its inflow series (its feature
    ``X["y"]`` is the same series, so there is one channel). The timestamps,
    local time from 2020-10-01 00:00, are inferred: 744 = 31 x 24, and the
    inflow is lowest at night and at weekends with this start.

    The adjacency is **directed**, ``A[i, j]`` the weight of the edge from
    stop ``i`` to the next stop ``j`` on a bus line (690 edges), and the
    weights are **road distances in metres**, as released: a distance, not a
    similarity. Convert them before a model that reads larger weights as
    stronger links, for example ``A.data = np.exp(-((A.data / A.data.std()) ** 2))``.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (744, 675, 1), float64; ``adjacency`` a directed
        :class:`scipy.sparse.csr_array` of shape (675, 675) with 690 entries;
        ``node_names`` the bus-stop IDs, in file order; ``coords`` of shape
        (675, 2), the file's projected ``(x, y)`` in metres (keys ``lon``
        and ``lat``; consistent with UTM zone 21 south, the release does not
        name the projection); ``timestamps`` hourly (``freq="h"``) from
        2020-10-01 00:00; ``kind="graph"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_montevideo_bus
    >>> data = load_montevideo_bus()
    >>> data.values.shape, data.adjacency.nnz
    ((744, 675, 1), 690)
    >>> data.node_names[0], str(data.timestamps[-1])
    ('5289', '2020-10-31 23:00:00')
    """
    content = json.loads(_read_verified("montevideo_bus.json.gz", data_home))
    nodes = content["nodes"]
    stop_ids = [node["bus_stop"] for node in nodes]
    index = {stop: i for i, stop in enumerate(stop_ids)}
    values = np.asarray([node["y"] for node in nodes], dtype=np.float64).T
    links = content["links"]
    adjacency = _weighted_csr(
        [index[link["source"]] for link in links],
        [index[link["target"]] for link in links],
        [link["weight"] for link in links],
        len(nodes),
    )
    coords = np.asarray([[node["lon"], node["lat"]] for node in nodes], dtype=np.float64)
    return STData(
        values=values[:, :, None],
        timestamps=pd.date_range("2020-10-01", periods=len(values), freq="h"),
        adjacency=adjacency,
        coords=coords,
        node_names=[str(stop) for stop in stop_ids],
        channel_names=["passenger inflow"],
        **_context("montevideo_bus"),
    )


def load_england_covid(*, data_home=None):
    """Load England COVID-19, daily cases with one mobility graph per day.

    Daily new reported COVID-19 cases in 129 English NUTS3 regions over 61
    days, with a directed, weighted mobility graph for each day (Facebook
    Data for Good movements from region ``i`` to region ``j``; the diagonal
    counts the people who stay), as released by PyTorch Geometric Temporal
    (PGT) from Panagopoulos et al. (AAAI 2021). Raw counts, integers 0 to
    182; the release has no region names.

    The graph changes every day, so it travels in
    :attr:`~sk_stfm.data.STData.dynamic_adjacency`: a tuple of 61
    :class:`scipy.sparse.csr_array`, entry ``t`` the graph of day ``t``
    (``dynamic_adjacency[t][i, j]`` people moving from ``i`` to ``j``).
    ``adjacency`` holds their mean, the average daily flow (a day without
    an edge counts 0), for models that take one static graph. Both are
    sliced with the values by :meth:`~sk_stfm.data.STData.slice_steps` and
    :func:`~sk_stfm.data.temporal_split`.

    The timestamps, 2020-03-13 to 2020-05-12, are inferred: PGT's docstring
    says "3 March to 12 May" (71 days), but the daily graphs lose edges on
    Saturdays and Sundays, Good Friday (10 April) and Easter Monday
    (13 April 2020) only with a 13 March start. PGT's protocol standardizes
    the cases and feeds 8 daily lags to predict the next day.

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        Folder that holds the data file. ``None`` uses the files shipped with
        sk_stfm; another folder is meant for tests and repaired copies.

    Returns
    -------
    data : STData
        ``values`` of shape (61, 129, 1), float64; ``dynamic_adjacency`` 61
        directed :class:`scipy.sparse.csr_array` of shape (129, 129);
        ``adjacency`` their mean; ``timestamps`` daily (``freq="D"``) from
        2020-03-13; ``node_names`` ``None`` (not in the release);
        ``kind="graph"``.

    Raises
    ------
    ValueError
        If the file's sha256 differs from the registered one (a corrupted
        installation).
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> from sk_stfm.datasets import load_england_covid
    >>> data = load_england_covid()
    >>> data.values.shape, len(data.dynamic_adjacency)
    ((61, 129, 1), 61)
    >>> data.dynamic_adjacency[0].nnz, str(data.timestamps[0].date())
    (2158, '2020-03-13')
    """
    content = json.loads(_read_verified("england_covid.json.gz", data_home))
    values = np.asarray(content["y"], dtype=np.float64)
    n_steps, n_nodes = values.shape
    edge_index = content["edge_mapping"]["edge_index"]
    edge_weight = content["edge_mapping"]["edge_weight"]
    daily = []
    for t in range(n_steps):
        edges = np.asarray(edge_index[str(t)], dtype=np.int64).reshape(-1, 2)
        daily.append(_weighted_csr(edges[:, 0], edges[:, 1], edge_weight[str(t)], n_nodes))
    mean = sp.csr_array(sum(daily[1:], daily[0]) / n_steps)
    mean.sort_indices()
    return STData(
        values=values[:, :, None],
        timestamps=pd.date_range("2020-03-13", periods=n_steps, freq="D"),
        adjacency=mean,
        dynamic_adjacency=daily,
        channel_names=["new cases"],
        **_context("england_covid"),
    )
