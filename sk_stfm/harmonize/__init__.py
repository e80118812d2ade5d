"""Data harmonization: scikit-learn transformers on spatio-temporal windows.

Every transformer takes windows ``(n_samples, n_steps, n_nodes, n_channels)``
(or 2-D rows read through ``window_shape``), tolerates NaN, and returns its
output in the layout it was given, so it can sit in a
:class:`sklearn.pipeline.Pipeline` in front of any sk_stfm estimator.
"""

from ._base import BaseSTTransformer
from ._calendar import CalendarFeatures, add_time_channel, calendar_features
from ._fourier import FourierFeatures
from ._geodesy import haversine_distance
from ._graph_filter import GraphFilter
from ._grid_graph import GridToGraph
from ._grid_tokenizer import GridTokenizer
from ._laplacian import LaplacianPositionalEncoding, laplacian_eigenvectors
from ._local_projection import LocalProjector
from ._missing import MissingValueImputer
from ._outliers import OutlierClipper
from ._patching import TemporalPatcher
from ._scaling import STStandardScaler
from ._side_info import SideInfoJoiner
from ._spatial_patching import SpatialPatcher
from ._stay_points import STAY_POINT_COLUMNS, StayPointDetector
from ._text_embedder import TextEmbedder
from ._text_serializer import TextSerializer
from ._trajectory_cleaning import TrajectoryCleaner
from ._trajectory_collections import sequences_from_trajectories
from ._trajectory_resampling import TrajectoryResampler

__all__ = [
    "BaseSTTransformer",
    "CalendarFeatures",
    "FourierFeatures",
    "GraphFilter",
    "GridToGraph",
    "GridTokenizer",
    "LaplacianPositionalEncoding",
    "LocalProjector",
    "MissingValueImputer",
    "OutlierClipper",
    "STAY_POINT_COLUMNS",
    "STStandardScaler",
    "SideInfoJoiner",
    "SpatialPatcher",
    "StayPointDetector",
    "TemporalPatcher",
    "TextEmbedder",
    "TextSerializer",
    "TrajectoryCleaner",
    "TrajectoryResampler",
    "add_time_channel",
    "calendar_features",
    "haversine_distance",
    "laplacian_eigenvectors",
    "sequences_from_trajectories",
]
