"""Reading and writing ``benchmarks/results/*.json``, the same way for every script."""

import json
import platform
from pathlib import Path

import torch


def previous_results(path):
    """Return the result rows already in ``path`` (an empty list if none).

    Parameters
    ----------
    path : str or Path
        A results file written by :func:`write_results`.

    Returns
    -------
    rows : list of dict
        Its ``results``.
    """
    path = Path(path)
    return json.loads(path.read_text())["results"] if path.exists() else []


def write_results(path, benchmark, rows, threads, **settings):
    """Write result rows with the machine they were measured on, and say so.

    Parameters
    ----------
    path : str or Path
        Destination file; its folder is created.
    benchmark : str
        Name of the benchmark.
    rows : list of dict
        One row per measured entry.
    threads : int
        Torch threads used.
    **settings
        Other run settings stored beside the rows (e.g. a time budget).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = {
        "processor": platform.processor() or platform.machine(),
        "threads": threads,
        "torch": torch.__version__,
    }
    payload = {"benchmark": benchmark, **settings, "machine": machine, "results": rows}
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path}")
