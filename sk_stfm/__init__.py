"""sk_stfm: the scikit-learn of spatio-temporal foundation models.

The main estimators are re-exported here; every stage of the pipeline has
its own sub-package (:mod:`sk_stfm.data`, :mod:`sk_stfm.datasets`,
:mod:`sk_stfm.harmonize`, :mod:`sk_stfm.backbones`, :mod:`sk_stfm.objectives`,
:mod:`sk_stfm.estimators`, :mod:`sk_stfm.metrics`).
"""

from ._version import __version__
from .data import STData, make_windows, split_windows, temporal_split
from .estimators import STForecaster

__all__ = [
    "STData",
    "STForecaster",
    "__version__",
    "make_windows",
    "split_windows",
    "temporal_split",
]
