"""The fingerprint of a fit: what a checkpoint says about the fit that wrote it.

A fit with ``resume=True`` compares the checkpoint's fingerprint with its
own before loading anything (:func:`check_fingerprint`) and refuses,
naming what differs, to continue another fit's model: weights of the same
shape from another window length or another ``backbone`` setting would
otherwise load without an error.
"""

import dataclasses
import hashlib
import json
import math
import numbers
import os
import warnings

import numpy as np
import torch

FINGERPRINT_FILE = "fingerprint.json"
FINGERPRINT_FORMAT = 1
# Parameters a resumed fit may change: they decide neither the network nor
# the updates of an epoch. Output and devices (verbose, device,
# inference_dtype), the checkpoint itself (checkpoint_dir, resume),
# continuing fitted weights (warm_start), extra callbacks (a time budget, a
# progress printer; the killed fit often had one the resuming one has not), when training stops (max_epochs counts the whole
# fit, so a larger one resumes a finished fit into more epochs; patience,
# likewise) and the layout of 2-D input (window_shape: the windows' shape is
# compared itself).
NOT_FINGERPRINTED = (
    "verbose",
    "device",
    "inference_dtype",
    "checkpoint_dir",
    "resume",
    "warm_start",
    "callbacks",
    "max_epochs",
    "patience",
    "window_shape",
)


def _digest(array):
    """A short, stable digest of an array's shape, type and values."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.shape} {array.dtype.str}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _as_json(value):
    """``value`` as JSON that is equal for equal settings (no memory addresses)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else repr(value)  # JSON NaN != NaN
    if isinstance(value, (tuple, list)):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if hasattr(value, "get_params"):
        # Its parameters are fingerprinted by name (``backbone__d_model``).
        return type(value).__name__
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if hasattr(value, "tocsr"):  # a scipy sparse matrix or array
        value = value.tocsr()
        value.sort_indices()
        parts = (value.data, value.indices, value.indptr)
        return {"sparse": list(value.shape), "digest": [_digest(part) for part in parts]}
    if isinstance(value, np.ndarray):
        return {"array": list(value.shape), "digest": _digest(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return {"class": type(value).__name__, **_as_json(fields)}
    # A RandomState instance, a networkx graph...: their class, which a repr
    # with an address would not keep equal from one process to the next.
    return type(value).__name__


def fit_fingerprint(estimator):
    """What a checkpoint records of the fit that writes it.

    The fields are those that make a checkpoint's weights, optimizer state
    and history the right ones to continue: the estimator class, the shape
    of its input windows and of its targets (its classes, for a
    classifier), and its parameters (``get_params(deep=True)``, so that a
    nested ``backbone__d_model`` is named) less :data:`NOT_FINGERPRINTED`:
    those that a resumed fit may change without training another model.
    ``spatial`` is described as resolved (kind, adjacency digest, grid
    shape), arrays by shape and digest, estimators and classes by name.

    Parameters
    ----------
    estimator : BaseSTEstimator
        An estimator whose ``fit`` has validated the data (``window_shape_``
        is set).

    Returns
    -------
    fingerprint : dict
        JSON-serializable: ``format``, ``estimator``, ``window_shape``,
        ``target_shape``, ``classes`` (or ``None``), ``data`` (what an
        estimator of sequences says of its data, or ``None``) and ``params``.

    Examples
    --------
    >>> from sk_stfm.estimators import STForecaster
    >>> from sk_stfm.training import fit_fingerprint
    >>> model = STForecaster(backbone="dlinear", max_epochs=2)
    >>> model.window_shape_, model.output_shape_ = (24, 1, 1), (12, 1, 1)
    >>> fingerprint = fit_fingerprint(model)
    >>> fingerprint["window_shape"], fingerprint["target_shape"]
    ([24, 1, 1], [12, 1, 1])
    >>> fingerprint["params"]["backbone"], "max_epochs" in fingerprint["params"]
    ('dlinear', False)
    """
    params = {
        name: value
        for name, value in estimator.get_params(deep=True).items()
        if name.split("__")[0] not in NOT_FINGERPRINTED
    }
    if "spatial" in params and getattr(estimator, "spatial_", None) is not None:
        params["spatial"] = estimator.spatial_  # what the network is built with
    classes = getattr(estimator, "classes_", None)
    # Estimators of sequences, not windows, describe their data themselves
    # (an event model: its marks and columns).
    describe = getattr(estimator, "_fingerprint_data", None)
    fingerprint = {
        "format": FINGERPRINT_FORMAT,
        "estimator": type(estimator).__name__,
        "window_shape": getattr(estimator, "window_shape_", None),
        "target_shape": getattr(estimator, "output_shape_", None),
        "classes": None if classes is None else list(classes),
        "data": None if describe is None else describe(),
        "params": {name: params[name] for name in sorted(params)},
    }
    # Through JSON, as the checkpoint stores it: tuples become lists.
    return json.loads(json.dumps(_as_json(fingerprint)))


def _show(value):
    """A fingerprint value as the user wrote it: lists as tuples."""
    if isinstance(value, list):
        return repr(tuple(_show_item(item) for item in value))
    return repr(value)


def _show_item(value):
    return tuple(_show_item(item) for item in value) if isinstance(value, list) else value


def _differences(saved, current):
    """``(name, saved value, current value)`` of each fingerprint field that differs."""
    differences = []
    for name in ("estimator", "window_shape", "target_shape", "classes", "data"):
        if saved.get(name) != current.get(name):
            differences.append((name, saved.get(name), current.get(name)))
    saved_params = saved.get("params") if isinstance(saved.get("params"), dict) else {}
    for name in sorted(set(saved_params) | set(current["params"])):
        missing = "<not a parameter>"
        old, new = saved_params.get(name, missing), current["params"].get(name, missing)
        if old != new:
            differences.append((name, old, new))
    return differences


def check_fingerprint(checkpoint):
    """Refuse to resume ``checkpoint`` unless its fit is the one resuming.

    Compares the checkpoint's ``fingerprint.json`` with the fingerprint of
    the resuming fit, ``checkpoint.fingerprint`` (see
    :func:`fit_fingerprint`); does nothing when the latter is ``None``.

    Parameters
    ----------
    checkpoint : AtomicCheckpoint
        The callback of the resuming fit, naming the files.

    Raises
    ------
    ValueError
        If the fingerprints differ (the message names each difference and
        how to proceed), or the file is not a fingerprint.

    Warns
    -----
    UserWarning
        When the checkpoint holds no fingerprint (written by an older
        sk_stfm): it resumes unverified.
    """
    current = getattr(checkpoint, "fingerprint", None)
    if current is None:
        return
    path = os.path.join(checkpoint.dirname, checkpoint.fn_prefix + FINGERPRINT_FILE)
    if not os.path.exists(path):
        warnings.warn(
            f"the checkpoint in {checkpoint.dirname} holds no {FINGERPRINT_FILE} (written by "
            "an older sk_stfm): it cannot be verified that it comes from a fit of this "
            "estimator, with these parameters, on data of this shape. Resuming it as it is.",
            UserWarning,
            stacklevel=4,
        )
        return
    try:
        with open(path, encoding="utf-8") as file:
            saved = json.load(file)
    except (OSError, ValueError) as exc:
        saved, error = None, f" ({type(exc).__name__}: {exc})"
    else:
        error = ""
    if not isinstance(saved, dict):
        raise ValueError(
            f"cannot resume from {checkpoint.dirname}: {FINGERPRINT_FILE} is not a fingerprint "
            f"written by sk_stfm{error}. Pass another checkpoint_dir, or resume=False to train "
            "from scratch."
        )
    differences = _differences(saved, current)
    if not differences:
        return
    written = ", ".join(f"{name} {_show(old)}" for name, old, _ in differences)
    this = ", ".join(f"{name} {_show(new)}" for name, _, new in differences)
    if len(differences) == 1:
        this = _show(differences[0][2])
    raise ValueError(
        f"cannot resume: the checkpoint in {checkpoint.dirname} was written by a fit with "
        f"{written}; this fit has {this}. Its weights, optimizer state and history are "
        "those of another model. Pass another checkpoint_dir to train this one (and keep "
        "that checkpoint), or resume=False to train from scratch in this directory "
        "(overwriting it)."
    )
