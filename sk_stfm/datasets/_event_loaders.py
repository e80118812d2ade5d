"""Loaders of bundled event sequences: Wikipedia edits and earthquake catalogs.

The files hold flat integer arrays (converted once by
``benchmarks/make_event_files.py``; no object arrays, nothing unpickled),
stored as byte planes for compression; every loader verifies the sha256 of
the file before it reads it and returns a :class:`~sk_stfm.data.SequenceData`.
"""

import io

import numpy as np
import pandas as pd

from ..data import SequenceData, unflatten_sequences
from ._files import _context, _read_verified

# End of the observation window of every Wikipedia sequence: the 31 days of
# the month the edits come from (the last edit is at 2,678,373 s).
WIKIPEDIA_WINDOW_END = 31 * 86400.0

# EarthquakeNPP's benchmark periods (Datasets/README.md): the auxiliary
# period only conditions, train / validation / test are scored in turn.
_EARTHQUAKE_PERIODS = {
    "sanjac": (
        "earthquake_sanjac",
        ("2008-01-01", "2009-01-01", "2014-01-01", "2016-01-01", "2018-01-01"),
    ),
    "japan": (
        "earthquake_japan",
        ("1990-01-01", "1992-01-01", "2007-01-01", "2011-01-01", "2020-01-01"),
    ),
}
_PERIOD_NAMES = ("auxiliary", "train", "validation", "test")


def _unshuffle(planes, dtype):
    """Values of ``dtype`` from their byte planes ``(itemsize, n)`` (see the script)."""
    return np.ascontiguousarray(planes.T).view(dtype).ravel()


def _read_arrays(filename, data_home):
    with np.load(io.BytesIO(_read_verified(filename, data_home)), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _check_region(region):
    if not isinstance(region, str) or region not in _EARTHQUAKE_PERIODS:
        raise ValueError(f"region must be one of {sorted(_EARTHQUAKE_PERIODS)}; got {region!r}.")
    return _EARTHQUAKE_PERIODS[region]


def load_wikipedia_events(*, n_marks=None, data_home=None):
    """Load the Wikipedia edit sequences of IFL-TPP (1,000 users, 157,471 edits).

    Each sequence is one user's edits over one month (JODIE data, as
    released by Shchur et al., 2020): column ``time`` in seconds since the
    start of the month, whole seconds, strictly increasing; column ``mark``
    the edited page. The release numbers the 8,227 pages ``0 .. 8226``
    already, so the codes are kept as they are. The observation window of
    every sequence is ``[0, WIKIPEDIA_WINDOW_END]`` = 31 days (2,678,400 s;
    the last edit is at 2,678,373 s): pass these as ``start_times`` and
    ``end_times`` to :class:`~sk_stfm.estimators.EventForecaster` so that
    log-likelihoods include the time before the first and after the last
    edit.

    Parameters
    ----------
    n_marks : int or None, default=None
        Keep the ``n_marks - 1`` most frequent pages as codes ``0 ..
        n_marks - 2`` (most frequent first, ties by page id) and merge all
        other pages into code ``n_marks - 1`` ("other"); ``None`` keeps the
        8,227 page ids.
    data_home : str or path-like or None, default=None
        Folder holding ``wikipedia_events.npz.gz``; ``None`` uses the copy
        shipped with sk_stfm.

    Returns
    -------
    data : SequenceData
        1,000 sequences of shape ``(n_edits, 2)`` with columns ``("time",
        "mark")``, ``kind="event"``, ``n_marks`` 8,227 (or the cap), ``ids``
        the sequence index ``0 .. 999`` of the release, and provenance.

    Raises
    ------
    ValueError
        If ``n_marks`` is not in ``[2, 8227]``, or the file fails its
        checksum.
    TypeError
        If ``n_marks`` is not an int.

    Examples
    --------
    >>> from sk_stfm.datasets import load_wikipedia_events
    >>> data = load_wikipedia_events()
    >>> data.n_sequences, data.n_points, data.n_marks, data.columns
    (1000, 157471, 8227, ('time', 'mark'))
    >>> load_wikipedia_events(n_marks=50).n_marks
    50
    """
    if n_marks is not None and (
        isinstance(n_marks, bool) or not isinstance(n_marks, int | np.integer)
    ):
        raise TypeError(f"n_marks must be an int or None; got {n_marks!r}.")
    if n_marks is not None and n_marks < 2:
        raise ValueError(f"n_marks must be at least 2; got {n_marks}.")
    arrays = _read_arrays("wikipedia_events.npz.gz", data_home)
    gaps = _unshuffle(arrays["gap"], np.int32).astype(np.float64)
    marks = _unshuffle(arrays["mark"], np.int16).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(arrays["lengths"], dtype=np.int64)])
    times = np.concatenate(
        [np.cumsum(gaps[start:stop]) for start, stop in zip(offsets[:-1], offsets[1:], strict=True)]
    )
    n_pages = int(marks.max()) + 1
    if n_marks is not None:
        if n_marks > n_pages:
            raise ValueError(f"n_marks must be in [2, {n_pages}]; got {n_marks}.")
        counts = np.bincount(marks, minlength=n_pages)
        order = np.lexsort((np.arange(n_pages), -counts))  # most frequent first
        codes = np.full(n_pages, n_marks - 1)
        codes[order[: n_marks - 1]] = np.arange(n_marks - 1)
        marks = codes[marks]
    else:
        n_marks = n_pages
    sequences = unflatten_sequences(np.column_stack([times, marks]), offsets)
    return SequenceData(
        sequences,
        columns=("time", "mark"),
        ids=np.arange(len(sequences)),
        n_marks=int(n_marks),
        **_context("wikipedia_events"),
    )


def load_earthquakes(region="sanjac", *, data_home=None):
    """Load an EarthquakeNPP catalog as one long spatio-temporal event sequence.

    ``"sanjac"`` is the QTM catalog of the San Jacinto fault region (Ross et
    al., 2019; SCEDC), Mc 1.0, 21,291 events from 2008 to 2017.
    ``"japan"`` is the USGS ComCat catalog of Japan, M >= 2.5, 37,581
    events from 1990 to 2019 (EarthquakeNPP's ``Japan_Deprecated``, the
    region of Neural STPP). The data may be redistributed (SCEDC's grant;
    USGS data are in the US public domain); credit SCEDC / USGS and
    EarthquakeNPP (see ``citation``).

    Parameters
    ----------
    region : {"sanjac", "japan"}, default="sanjac"
        Which catalog.
    data_home : str or path-like or None, default=None
        Folder holding ``earthquake_<region>.npz.gz``; ``None`` uses the copy
        shipped with sk_stfm.

    Returns
    -------
    data : SequenceData
        One sequence of shape ``(n_events, 4)`` with columns ``("time", "x",
        "y", "magnitude")``: time in seconds since the start of the
        catalog's auxiliary period (2008-01-01 00:00 UTC for ``"sanjac"``,
        1990-01-01 00:00 UTC for ``"japan"``; millisecond resolution; see
        :func:`earthquake_periods`), ``x`` and ``y`` the catalog's projected
        coordinates in km (rounded to the metre), and the magnitude.
        Longitude and latitude are not shipped.

    Raises
    ------
    ValueError
        If ``region`` is unknown, or the file fails its checksum.

    Examples
    --------
    >>> from sk_stfm.datasets import load_earthquakes
    >>> data = load_earthquakes("sanjac")
    >>> data.columns, data.n_points
    (('time', 'x', 'y', 'magnitude'), 21291)
    >>> load_earthquakes("japan").n_points
    37581
    """
    name, bounds = _check_region(region)
    arrays = _read_arrays(f"{name}.npz.gz", data_home)
    epoch_ms = pd.Timestamp(bounds[0]).value // 1_000_000
    ms = np.cumsum(_unshuffle(arrays["dt_ms"], np.int64)) - epoch_ms
    values = np.column_stack(
        [
            ms / 1000.0,
            _unshuffle(arrays["x_m"], np.int32) / 1000.0,
            _unshuffle(arrays["y_m"], np.int32) / 1000.0,
            _unshuffle(arrays["magnitude_c"], np.int16) / 100.0,
        ]
    )
    return SequenceData([values], columns=("time", "x", "y", "magnitude"), **_context(name))


def earthquake_periods(region="sanjac"):
    """Return EarthquakeNPP's benchmark periods of a catalog, in the loader's time units.

    The auxiliary period only conditions the models (its events are
    history); models train on the training period, select on the
    validation period and are scored on the test period, each conditioned
    on all events before it.

    Parameters
    ----------
    region : {"sanjac", "japan"}, default="sanjac"
        Which catalog (as in :func:`load_earthquakes`).

    Returns
    -------
    periods : pandas.DataFrame
        One row per period (``auxiliary``, ``train``, ``validation``,
        ``test``), with columns ``start`` and ``end`` (UTC timestamps) and
        ``start_time`` and ``end_time`` (seconds since the start of the
        auxiliary period, the time column of :func:`load_earthquakes`).

    Examples
    --------
    >>> from sk_stfm.datasets import earthquake_periods
    >>> periods = earthquake_periods("sanjac")
    >>> periods.loc["test", ["start", "end"]].astype(str).tolist()
    ['2016-01-01 00:00:00+00:00', '2018-01-01 00:00:00+00:00']
    >>> float(periods.loc["train", "start_time"])
    31622400.0
    """
    _, bounds = _check_region(region)
    stamps = pd.to_datetime(list(bounds), utc=True)
    seconds = (stamps - stamps[0]).total_seconds().to_numpy()
    return pd.DataFrame(
        {
            "start": stamps[:-1],
            "end": stamps[1:],
            "start_time": seconds[:-1],
            "end_time": seconds[1:],
        },
        index=pd.Index(_PERIOD_NAMES, name="period"),
    )
