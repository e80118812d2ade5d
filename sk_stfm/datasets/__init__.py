"""Data sets: bundled real data (``load_*``) and synthetic generators (``make_*``).

The real data ship inside the package as unmodified, gzip-compressed copies of
their public releases (``data/ATTRIBUTION.md`` gives origin, license and
citation of each file); every loader verifies the file's sha256 before it
parses it and returns an :class:`~sk_stfm.data.STData`. The synthetic
generators document their generating process, so their ground truth is known.
"""

from ._baselines import published_baselines
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
from ._synthetic import make_graph_signal, make_seasonal_series

__all__ = [
    "list_datasets",
    "load_chickenpox",
    "load_dataset",
    "load_etth1",
    "load_etth2",
    "load_exchange_rate",
    "load_ili",
    "load_los_loop",
    "make_graph_signal",
    "make_seasonal_series",
    "published_baselines",
]
