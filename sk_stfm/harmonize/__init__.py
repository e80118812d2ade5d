"""Data harmonization: scikit-learn transformers on spatio-temporal windows.

Every transformer takes windows ``(n_samples, n_steps, n_nodes, n_channels)``
(or 2-D rows read through ``window_shape``), tolerates NaN, and returns its
output in the layout it was given, so it can sit in a
:class:`sklearn.pipeline.Pipeline` in front of any sk_stfm estimator.
"""

from ._base import BaseSTTransformer
from ._calendar import CalendarFeatures, add_time_channel, calendar_features
from ._fourier import FourierFeatures
from ._graph_filter import GraphFilter
from ._grid_graph import GridToGraph
from ._laplacian import LaplacianPositionalEncoding, laplacian_eigenvectors
from ._missing import MissingValueImputer
from ._outliers import OutlierClipper
from ._patching import TemporalPatcher
from ._scaling import STStandardScaler
from ._spatial_patching import SpatialPatcher

__all__ = [
    "BaseSTTransformer",
    "CalendarFeatures",
    "FourierFeatures",
    "GraphFilter",
    "GridToGraph",
    "LaplacianPositionalEncoding",
    "MissingValueImputer",
    "OutlierClipper",
    "STStandardScaler",
    "SpatialPatcher",
    "TemporalPatcher",
    "add_time_channel",
    "calendar_features",
    "laplacian_eigenvectors",
]
