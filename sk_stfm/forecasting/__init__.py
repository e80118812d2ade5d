"""sktime integration: sk_stfm forecasters behind sktime's forecasting API.

:class:`SktimeForecaster` turns any sk_stfm window forecaster into an sktime
forecaster, so that sktime's ``evaluate``, ``ForecastingGridSearchCV`` and
pipelines run it on pandas series and panels. sktime is an optional
dependency: ``pip install 'sk-stfm[forecasting]'``.
"""

try:
    import sktime  # noqa: F401
except ImportError as error:
    raise ImportError(
        "sk_stfm.forecasting needs sktime; install it with pip install 'sk-stfm[forecasting]'."
    ) from error

from ._sktime_forecaster import SktimeForecaster

# The former name, deprecated (it read as STForecaster's twin).
from ._stfm_forecaster import STFMForecaster  # noqa: F401

__all__ = ["SktimeForecaster"]
