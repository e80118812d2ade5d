"""Discovery of every public estimator and transformer in sk_stfm."""

import inspect
import pkgutil
from importlib import import_module
from pathlib import Path

from sklearn.base import BaseEstimator, TransformerMixin

# Sub-packages whose import needs an optional extra; skipped when it is missing.
_OPTIONAL_ROOTS = ("sk_stfm.forecasting", "sk_stfm.tuning", "sk_stfm.adapters")
# The package's folder, found without importing the package: utils is the
# lowest layer and imports nothing above it (as scikit-learn's all_estimators
# walks its own folder); the modules found are imported by name.
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def all_estimators(type_filter=None):
    """List the public estimators of sk_stfm, like scikit-learn's ``all_estimators``.

    Parameters
    ----------
    type_filter : {"transformer", "estimator"} or None, default=None
        ``"transformer"`` keeps transformers, ``"estimator"`` keeps the
        others; ``None`` keeps all.

    Returns
    -------
    estimators : list of (str, type)
        Class names and classes, sorted by name.

    Examples
    --------
    >>> from sk_stfm.utils import all_estimators
    >>> names = [name for name, _ in all_estimators(type_filter="transformer")]
    >>> "STStandardScaler" in names
    True
    """
    found = {}
    for info in pkgutil.walk_packages([str(_PACKAGE_ROOT)], prefix="sk_stfm."):
        if ".tests" in info.name:
            continue
        try:
            module = import_module(info.name)
        except ImportError as exc:
            if info.name.startswith(_OPTIONAL_ROOTS) and _missing_extra(exc):
                continue
            raise
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and cls.__module__.startswith("sk_stfm.")
                and not name.startswith(("_", "Base"))
                and not inspect.isabstract(cls)
                and _is_public_estimator(cls)
            ):
                found[name] = cls
    estimators = sorted(found.items())
    if type_filter == "transformer":
        return [(n, c) for n, c in estimators if issubclass(c, TransformerMixin)]
    if type_filter == "estimator":
        return [(n, c) for n, c in estimators if not issubclass(c, TransformerMixin)]
    if type_filter is not None:
        raise ValueError(
            f"type_filter must be 'transformer', 'estimator' or None; got {type_filter!r}."
        )
    return estimators


def _missing_extra(exc):
    """Whether an ImportError is an optional package missing, not a bug in sk_stfm."""
    missing = exc.name or getattr(exc.__cause__, "name", None) or ""
    return bool(missing) and not missing.startswith("sk_stfm")


def _is_public_estimator(cls):
    # Config objects (backbone / objective / adapter settings) are estimators
    # for parameter routing only; they mark themselves as not fittable.
    return getattr(cls, "_is_estimator", True)
