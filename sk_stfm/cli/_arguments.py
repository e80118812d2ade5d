"""Argument types and shared helpers of the ``sk-stfm`` sub-commands."""

import argparse
import json
from pathlib import Path


def require_matplotlib():
    """Return ``matplotlib.pyplot`` on the file-only Agg backend.

    Returns
    -------
    plt : module
        ``matplotlib.pyplot``.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SystemExit(
            "sk-stfm: plotting needs matplotlib; install it with pip install 'sk-stfm[plot]'."
        ) from exc
    return plt


def positive_int(text):
    """``argparse`` type: an integer of at least 1.

    Parameters
    ----------
    text : str
        The argument.

    Returns
    -------
    value : int
        The integer.
    """
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text}")
    return value


def seed(text):
    """``argparse`` type: a random seed, an integer in ``[0, 2**32 - 1]``.

    Parameters
    ----------
    text : str
        The argument.

    Returns
    -------
    value : int
        The seed.
    """
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32 - 1]; got {text}")
    return value


def positive_float(text):
    """``argparse`` type: a number greater than 0.

    Parameters
    ----------
    text : str
        The argument.

    Returns
    -------
    value : float
        The number.
    """
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text}")
    return value


def name_list(text):
    """``argparse`` type: comma-separated names.

    Parameters
    ----------
    text : str
        The argument, e.g. ``"dlinear,patchtst"``.

    Returns
    -------
    names : list of str
        The non-empty names.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names; got {text!r}")
    return names


def write_json(path, payload):
    """Write a command's report as JSON (creating its folder) and say where.

    Parameters
    ----------
    path : str or Path
        Destination file.
    payload : dict
        The report; values JSON cannot hold are written as text.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"\nWrote {path}")


def profile_record(profile):
    """A data profile as JSON-ready text, one entry per property.

    Parameters
    ----------
    profile : DataProfile
        What :func:`sk_stfm.taxonomy.describe` measured.

    Returns
    -------
    record : dict of str to str
        Property (``kind``, ``sampling``, ``missing``, ``temporal``, ...) to
        its text, as the profile prints it.
    """
    return {key: str(value) for key, value in profile.to_frame()["value"].items()}
