"""Data sets: bundled real data (``load_*``) and synthetic generators (``make_*``).

The real data ship inside the package as gzip-compressed copies of their
public releases (``data/ATTRIBUTION.md`` gives origin, license and citation
of each file, and how the one derived file was made); every loader verifies
the file's sha256 before it parses it and returns an
:class:`~sk_stfm.data.STData`. Data whose license does not allow bundling
(KNMI radar) are read from a file the user provides. The synthetic
generators document their generating process, so their ground truth is known.
"""

from ._baselines import published_baselines
from ._event_loaders import earthquake_periods, load_earthquakes, load_wikipedia_events
from ._graph_loaders import load_england_covid, load_montevideo_bus, load_pedalme
from ._grid_loaders import load_nycbike1, nycbike1_windows
from ._loaders import (
    list_datasets,
    load_chickenpox,
    load_dataset,
    load_etth1,
    load_etth2,
    load_exchange_rate,
    load_ili,
    load_los_loop,
)
from ._naive import last_value_forecast, seasonal_naive_forecast
from ._synthetic import make_graph_signal, make_moving_digits, make_seasonal_series
from ._trajectory_loaders import load_geolife_sample
from ._video_loaders import load_knmi_radar

__all__ = [
    "earthquake_periods",
    "last_value_forecast",
    "list_datasets",
    "load_chickenpox",
    "load_dataset",
    "load_earthquakes",
    "load_england_covid",
    "load_etth1",
    "load_etth2",
    "load_geolife_sample",
    "load_exchange_rate",
    "load_ili",
    "load_knmi_radar",
    "load_los_loop",
    "load_montevideo_bus",
    "load_nycbike1",
    "load_pedalme",
    "load_wikipedia_events",
    "make_graph_signal",
    "make_moving_digits",
    "make_seasonal_series",
    "nycbike1_windows",
    "published_baselines",
    "seasonal_naive_forecast",
]
