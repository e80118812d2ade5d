"""The survey's data-property taxonomy as code: profile data, then choose a model.

The survey of spatio-temporal foundation models classifies data by source
(series, graph, grid, video, trajectory, event) and by the dependencies they
show (temporal, spatial, spatio-temporal). :func:`describe` measures both for
a data set (autocorrelation, Moran's I, dominant periods, sampling, missing
values) and returns a :class:`DataProfile`; :func:`recommend` matches the
profile against the tags of the registered backbones and returns ranked,
explained, ready-to-fit estimators; :func:`taxonomy_table` lays the
registry out as the survey's table.
"""

from ._budget import BUDGETS
from ._dependence import MoranResult, autocorrelation, dominant_periods, morans_i
from ._describe import describe
from ._profile import DataProfile, DependenceMeasure, Period
from ._recommend import TASK_ALIASES, Recommendation, Recommendations, recommend
from ._season import seasonal_period
from ._table import taxonomy_table

__all__ = [
    "BUDGETS",
    "DataProfile",
    "DependenceMeasure",
    "MoranResult",
    "Period",
    "Recommendation",
    "Recommendations",
    "TASK_ALIASES",
    "autocorrelation",
    "describe",
    "dominant_periods",
    "morans_i",
    "recommend",
    "seasonal_period",
    "taxonomy_table",
]
