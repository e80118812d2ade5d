"""Saving and loading fitted estimators without pickle.

A saved estimator is one ``torch.save`` file holding plain data: a JSON
string with the constructor parameters, the fitted attributes as tensors and
numbers, and the network's ``state_dict``. ``load`` reads it with
``torch.load(weights_only=True)``, which refuses anything that would execute
code, and rebuilds only classes that live in sk_stfm.
"""

import importlib
import json
import os
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator

from .._version import __version__
from ..data import SpatialContext, STData, check_adjacency
from ..data._validation import _is_networkx_graph
from ..utils._saved_file import FORMAT, FORMAT_VERSION, read_saved_file

# The format is defined beside its reader in utils (an adapter reads saved
# weights there too); it is named here as well, as before.
__all__ = ["FORMAT", "FORMAT_VERSION", "load_payload", "save_estimator"]


def _encode(value):
    """Encode a constructor parameter as JSON-compatible data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if _is_networkx_graph(value):
        value = check_adjacency(value)
    if isinstance(value, STData):
        # spatial=STData keeps the space of the nodes, not the series.
        value = value.spatial_context()
    if isinstance(value, SpatialContext):
        return {
            "__spatial__": {
                "kind": value.kind,
                "adjacency": _encode(value.adjacency),
                "grid_shape": _encode(value.grid_shape),
                "n_nodes": value.n_nodes,
            }
        }
    if isinstance(value, tuple | list):
        return {"__sequence__": type(value).__name__, "items": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, BaseEstimator):
        cls = type(value)
        if not cls.__module__.startswith("sk_stfm."):
            raise TypeError(
                f"cannot save a parameter of type {cls.__name__}: only sk_stfm "
                "configuration objects are saved; pickle the estimator instead."
            )
        encoded = {
            "__config__": f"{cls.__module__}:{cls.__qualname__}",
            "params": {k: _encode(v) for k, v in value.get_params(deep=False).items()},
        }
        # A fitted sk_stfm transformer (the grid tokenizer of a trajectory
        # model) keeps what it learned: plain data, like everything else here.
        fitted = {
            k: _encode(v)
            for k, v in vars(value).items()
            if k.endswith("_") and not k.startswith("_")
        }
        if fitted:
            encoded["fitted"] = fitted
        return encoded
    if sp.issparse(value):
        coo = sp.coo_array(value)
        return {
            "__sparse__": [list(coo.shape), coo.row.tolist(), coo.col.tolist(), coo.data.tolist()]
        }
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype)}
    raise TypeError(
        f"cannot save a parameter of type {type(value).__name__}; pass arrays, sparse "
        "matrices or sk_stfm configuration objects, or pickle the estimator instead."
    )


def _import_sk_stfm_class(path):
    module_name, _, qualname = path.partition(":")
    if not module_name.startswith("sk_stfm."):
        raise ValueError(f"refusing to load class {path!r}: not part of sk_stfm.")
    try:
        cls = getattr(importlib.import_module(module_name), qualname)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load class {path!r}: it does not exist in sk_stfm.") from exc
    if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
        raise ValueError(f"refusing to load {path!r}: not an sk_stfm estimator class.")
    return cls


def _fitted_items(fitted):
    """Name-value pairs of fitted attributes, refusing names that are not ``name_``.

    The names come from the file: only public fitted-attribute names may be
    set, never a method or a private or special attribute.
    """
    if not isinstance(fitted, dict):
        raise ValueError("the fitted attributes of a saved estimator must be a mapping.")
    for name in fitted:
        if not (
            isinstance(name, str)
            and name.isidentifier()
            and name.endswith("_")
            and not name.startswith("_")
        ):
            raise ValueError(f"refusing to load fitted attribute {name!r}: not a fitted name.")
    return fitted.items()


def _decode(value):
    """Inverse of :func:`_encode`."""
    if not isinstance(value, dict):
        return value
    if "__sequence__" in value:
        items = [_decode(v) for v in value["items"]]
        return tuple(items) if value["__sequence__"] == "tuple" else items
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__config__" in value:
        cls = _import_sk_stfm_class(value["__config__"])
        instance = cls(**{k: _decode(v) for k, v in value["params"].items()})
        for name, fitted in _fitted_items(value.get("fitted", {})):
            setattr(instance, name, _decode(fitted))
        return instance
    if "__spatial__" in value:
        return SpatialContext(**{k: _decode(v) for k, v in value["__spatial__"].items()})
    if "__sparse__" in value:
        shape, row, col, data = value["__sparse__"]
        return sp.csr_array((data, (row, col)), shape=tuple(shape))
    if "__array__" in value:
        return np.asarray(value["__array__"], dtype=value["dtype"])
    raise ValueError(f"unknown encoded value {sorted(value)}.")


def save_estimator(estimator, path, fitted_attributes):
    """Write a fitted estimator to ``path`` (see the module docstring).

    Parameters
    ----------
    estimator : BaseSTEstimator
        A fitted estimator.
    path : str or path-like
        Destination file.
    fitted_attributes : dict
        Name to value (arrays, numbers, tuples) of what ``fit`` learned
        besides the network weights.
    """
    params = estimator.get_params(deep=False)
    if params.get("callbacks"):
        warnings.warn(
            "callbacks are training-time objects and are not saved; the loaded "
            "estimator has callbacks=None.",
            UserWarning,
            stacklevel=3,
        )
        params["callbacks"] = None
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sk_stfm_version": __version__,
        "class": f"{type(estimator).__module__}:{type(estimator).__qualname__}",
        "params": json.dumps({k: _encode(v) for k, v in params.items()}),
        "fitted": json.dumps({k: _encode(v) for k, v in fitted_attributes.items()}),
        "state_dict": estimator.net_.module_.state_dict(),
    }
    torch.save(payload, path)


def load_payload(path):
    """Read a saved estimator file; return ``(cls, params, fitted, state_dict)``.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.

    Returns
    -------
    cls : type
        The estimator class.
    params : dict
        Constructor parameters.
    fitted : dict
        Fitted attributes.
    state_dict : dict
        Network weights.
    """
    payload = read_saved_file(path)
    cls = _import_sk_stfm_class(payload["class"])
    params = {k: _decode(v) for k, v in json.loads(payload["params"]).items()}
    fitted = {k: _decode(v) for k, v in _fitted_items(json.loads(payload["fitted"]))}
    return cls, params, fitted, payload["state_dict"]
