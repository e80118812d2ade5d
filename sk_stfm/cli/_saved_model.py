"""The model files of ``sk-stfm fit`` and ``sk-stfm predict``.

A fitted model is two files:

``MODEL_PATH``
    The forecaster, written by its own
    :meth:`~sk_stfm.estimators.BaseSTEstimator.save`: plain data read back
    with ``torch.load(weights_only=True)``, never unpickled. Python code can
    load it with :meth:`STForecaster.load <sk_stfm.estimators.BaseSTEstimator.load>`.
``MODEL_PATH.json``
    What the command line needs to forecast raw data with it, as JSON: the
    window (``history``, ``horizon``), the data's layout (``n_nodes``,
    ``n_channels``, ``node_names``, ``channel_names``, ``time_name``), the
    training ``mean`` and ``std`` of each node and channel, the timestamps'
    ``frequency`` and ``last_timestamp``, and the fit's record (``data``,
    ``model``, ``objective``, ``test`` errors, ...). Its ``format`` and
    ``format_version`` say which reader it needs.
"""

import copy
import json
from pathlib import Path

import numpy as np

from .._version import __version__

FORMAT = "sk_stfm-cli-model"
FORMAT_VERSION = 1
_REQUIRED = (
    "history",
    "horizon",
    "n_nodes",
    "n_channels",
    "node_names",
    "channel_names",
    "time_name",
    "frequency",
    "mean",
    "std",
)


def metadata_path(model_path):
    """Return the path of the JSON file beside a model file.

    Parameters
    ----------
    model_path : str or Path
        The model file.

    Returns
    -------
    path : Path
        ``MODEL_PATH.json``.

    Examples
    --------
    >>> metadata_path("models/etth1.pt").as_posix()
    'models/etth1.pt.json'
    """
    path = Path(model_path)
    return path.with_name(path.name + ".json")


def save_model(estimator, model_path, metadata):
    """Write a fitted forecaster and its command-line metadata.

    Parameters
    ----------
    estimator : STForecaster
        The fitted forecaster; training-time callbacks are not saved.
    model_path : str or Path
        Destination of the model file; the metadata go to
        ``MODEL_PATH.json`` (see the module docstring).
    metadata : dict
        JSON-ready metadata holding at least the keys :func:`load_model`
        reads (``history``, ``horizon``, ``n_nodes``, ``n_channels``,
        ``node_names``, ``channel_names``, ``time_name``, ``frequency``,
        ``mean``, ``std``).

    Returns
    -------
    paths : tuple of Path
        The model file and the metadata file.
    """
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    # Callbacks (the time budget) belong to training, not to the model: the
    # loaded forecaster would drop them anyway, with a warning.
    copy.copy(estimator).set_params(callbacks=None).save(model_path)
    sidecar = metadata_path(model_path)
    record = {"format": FORMAT, "format_version": FORMAT_VERSION, "sk_stfm_version": __version__}
    sidecar.write_text(json.dumps({**record, **metadata}, indent=2, allow_nan=False))
    return model_path, sidecar


def load_model(model_path):
    """Read a model written by :func:`save_model`.

    Parameters
    ----------
    model_path : str or Path
        The model file.

    Returns
    -------
    estimator : STForecaster
        The fitted forecaster.
    metadata : dict
        The metadata, with ``mean`` and ``std`` as arrays of shape
        ``(1, n_nodes, n_channels)``.

    Raises
    ------
    FileNotFoundError
        If the model file or its ``.json`` metadata is missing.
    ValueError
        If either file is not of the format this version writes, or they do
        not belong together.
    """
    from ..estimators import STForecaster

    model_path = Path(model_path)
    sidecar = metadata_path(model_path)
    if not model_path.is_file():
        raise FileNotFoundError(f"{model_path}: no such model file; write one with sk-stfm fit.")
    if not sidecar.is_file():
        raise FileNotFoundError(
            f"{sidecar}: the metadata that sk-stfm fit writes beside {model_path.name} is "
            "missing; predict needs both files (refit with sk-stfm fit)."
        )
    try:
        metadata = json.loads(sidecar.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{sidecar}: not a JSON file ({exc}).") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(f"{sidecar}: not the metadata of an sk-stfm fit model ({FORMAT}).")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{sidecar}: metadata format version {metadata.get('format_version')} (written by "
            f"sk_stfm {metadata.get('sk_stfm_version')}); this sk_stfm reads version "
            f"{FORMAT_VERSION}. Refit the model or use the sk_stfm that wrote it."
        )
    missing = [key for key in _REQUIRED if key not in metadata]
    if missing:
        raise ValueError(f"{sidecar}: the metadata lack {missing}.")
    shape = (1, metadata["n_nodes"], metadata["n_channels"])
    for key in ("mean", "std"):
        metadata[key] = np.asarray(metadata[key], dtype=float)
        if metadata[key].shape != shape:
            raise ValueError(f"{sidecar}: {key} has shape {metadata[key].shape}, not {shape}.")
    estimator = STForecaster.load(model_path)
    window = (metadata["history"], metadata["n_nodes"], metadata["n_channels"])
    if (
        tuple(estimator.window_shape_) != window
        or estimator.output_shape_[0] != metadata["horizon"]
    ):
        raise ValueError(
            f"{sidecar} does not belong to {model_path}: the metadata describe windows "
            f"{window} and horizon {metadata['horizon']}, the model "
            f"{tuple(estimator.window_shape_)} and {estimator.output_shape_[0]}."
        )
    return estimator, metadata
