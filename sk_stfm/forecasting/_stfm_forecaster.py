"""``STFMForecaster``: the former name of :class:`SktimeForecaster`, deprecated."""

from sklearn.utils import deprecated

from ._sktime_forecaster import SktimeForecaster


@deprecated(
    "STFMForecaster was renamed SktimeForecaster (the sktime face of an sk_stfm "
    "forecaster; its old name read as STForecaster's twin) and will be removed in the "
    "next release."
)
class STFMForecaster(SktimeForecaster):
    """Deprecated name of :class:`SktimeForecaster`; use that instead."""

    # Not a second estimator for discovery and the common checks.
    _is_estimator = False
