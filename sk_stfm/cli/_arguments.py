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


def positive_int_or_auto(text):
    """``argparse`` type: ``auto`` (resolved from the data in ``fit``) or an integer of at least 1.

    Parameters
    ----------
    text : str
        The argument.

    Returns
    -------
    value : int or "auto"
        The integer, or ``"auto"``.
    """
    return "auto" if text == "auto" else positive_int(text)


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


def add_data_arguments(parser, adjacency_help):
    """Add the data argument and the options that say how to read it.

    ``describe``, ``fit`` and ``predict`` read data the same way: a bundled
    data set or a table, wide or long, with an optional graph.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command's parser.
    adjacency_help : str
        What ``--adjacency`` does for this sub-command.
    """
    parser.add_argument(
        "data",
        help="bundled data set name (see `sk-stfm datasets`) or CSV/Parquet table, wide "
        "(time, then one column per channel) or long (columns time, node and the values)",
    )
    parser.add_argument(
        "--layout",
        choices=("auto", "wide", "long"),
        default="auto",
        help="table layout; auto reads a table with both a `time` and a `node` column as "
        "long: one row per time and node with one column per channel, or columns "
        "channel and value (default: auto)",
    )
    parser.add_argument(
        "--adjacency",
        default=None,
        metavar="FILE",
        help="graph of a long table's nodes: an edge-list CSV (columns source, target, "
        "optional weight; one row per directed edge) or an .npz/.npy matrix in the "
        f"order the nodes first appear; {adjacency_help}",
    )
