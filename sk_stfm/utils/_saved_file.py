"""The file an estimator's ``save`` writes: its format, its version, and a safe read.

One ``torch.save`` file of plain data (see :mod:`sk_stfm.estimators._persistence`,
which writes it and rebuilds estimators from it). Reading it needs nothing
above this layer, so that an adapter can take a pre-trained backbone's
weights from a saved estimator without importing the estimators.
"""

import torch

from .._version import __version__

FORMAT = "sk_stfm-estimator"
FORMAT_VERSION = 1


def read_saved_file(path):
    """Read a file written by an estimator's ``save`` and check its format.

    ``torch.load(weights_only=True)`` refuses anything that would execute
    code; the payload's classes are named by strings, not loaded.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.

    Returns
    -------
    payload : dict
        ``class`` (``"module:qualname"``), ``params`` and ``fitted`` (JSON
        strings), ``state_dict`` (the network's weights) and the format
        fields.

    Raises
    ------
    ValueError
        If the file was not written by ``save``, holds objects that do not
        load safely, or was written in another format version (the message
        names both sk_stfm versions).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "not_saved.pt"
    >>> torch.save({"weights": torch.zeros(2)}, path)
    >>> read_saved_file(path)
    Traceback (most recent call last):
    ...
    ValueError: ... is not a file saved by sk_stfm's save().
    """
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, ...
        raise ValueError(
            f"{path} is not a file saved by sk_stfm's save(), or it holds objects that "
            f"are not allowed to load safely: {exc}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a file saved by sk_stfm's save().")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        # Name both sides, so that the fix (which sk_stfm to install) is plain.
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ValueError(
            f"{path} was saved in format version {version} (by sk_stfm "
            f"{payload.get('sk_stfm_version')}); the installed sk_stfm {__version__} "
            f"reads format version {FORMAT_VERSION}. "
            + (
                "Upgrade sk_stfm to load it."
                if newer
                else "Load it with the sk_stfm version that saved it."
            )
        )
    return payload
