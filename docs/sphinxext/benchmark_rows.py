"""The rows of a results file: reading them, and the fields that name them.

What the benchmark pages (``benchmark_pages``) and their figures
(``benchmark_figures``) both need to know of a results file's rows. Cells
are formatted by :func:`sk_stfm.benchmarking._results.format_number`, which
the command line uses too.
"""

import json
import re
from pathlib import Path

from sk_stfm.benchmarking._results import format_number

# Row fields that split the rows of a file into tables, in this order.
_GROUP_KEYS = ("task", "entry", "dataset", "section", "setting")
# Row fields that name what a row measured: the bars of a chart.
_LABEL_KEYS = ("model", "method", "objective", "backbone", "case")
# Row fields along which a metric is drawn as a line rather than bars.
_X_KEYS = ("horizon", "missing_rate", "n_nodes")
# Words that make a field a metric (``inflow_mae``, ``accuracy@1``, ...).
_METRIC_WORDS = {
    "value",
    "mse",
    "mae",
    "rmse",
    "mape",
    "r2",
    "accuracy",
    "auc",
    "crps",
    "ssim",
    "loglik",
    "coverage",
    "f1",
    "score",
}
# Settings that tell apart rows of the same model, in this order.
_DISTINGUISH = ("lr", "seed", "history", "horizon", "budget_seconds")
# The text of an empty cell.
_MISSING = format_number(None)


# ------------------------------------------------------------------- reading
def read_results_file(path):
    """Read a results file and check that it has the layout of one.

    Parameters
    ----------
    path : str or Path
        A JSON file written by :func:`~sk_stfm.benchmarking.write_results`
        (``benchmark``, ``machine``, settings and ``results``, a list of
        rows) or a JSON object of settings alone.

    Returns
    -------
    payload : dict
        Its content.

    Raises
    ------
    ValueError
        If the file is not a JSON object, its ``results`` are not a list of
        objects or its ``machine`` is not an object; the message names the
        file.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.json"
    >>> _ = path.write_text(json.dumps({"benchmark": "demo", "results": [{"mae": 1.5}]}))
    >>> read_results_file(path)["results"]
    [{'mae': 1.5}]
    """
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a valid results file: not JSON ({error}).") from None
    if not isinstance(payload, dict):
        raise ValueError(
            f"{path} is not a valid results file: it holds a JSON {type(payload).__name__}, "
            "not an object with 'benchmark', 'machine' and 'results'."
        )
    rows = payload.get("results", [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(
            f"{path} is not a valid results file: 'results' must be a list of objects, "
            "one per measured row."
        )
    if not isinstance(payload.get("machine", {}), dict):
        raise ValueError(f"{path} is not a valid results file: 'machine' must be an object.")
    return payload


# ----------------------------------------------------------------- the rows
def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_metric(name):
    return any(word in _METRIC_WORDS for word in re.split(r"[_@\s]+", str(name).lower()))


def _metric_columns(rows, columns):
    """Columns holding a metric (``mse``, ``inflow_mae``), not their spread."""
    return [
        c
        for c in columns
        if _is_metric(c)
        and not c.endswith("_std")
        and not c.startswith("baseline")
        and any(_is_number(row.get(c)) for row in rows)
    ]


def _columns(rows, skip=()):
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns and key not in skip]
    return columns


def _groups(rows):
    """``[(title, rows)]``: the rows split by task, entry, data set, section or setting."""
    groups = {}
    for row in rows:
        key = tuple(str(row[k]) for k in _GROUP_KEYS if k in row)
        groups.setdefault(key, []).append(row)
    return [(", ".join(key), members) for key, members in groups.items()]


def _label_key(rows):
    return next((k for k in _LABEL_KEYS if any(k in row for row in rows)), None)


def _labels(rows, key):
    """A distinct label per row: repeated names get the field that tells them apart."""
    labels = [format_number(row.get(key)) for row in rows]
    for name in {label for label in labels if labels.count(label) > 1}:
        same = [row for row, label in zip(rows, labels, strict=True) if label == name]
        columns = _columns(same)
        # A setting (learning rate, seed) tells runs apart better than a result.
        candidates = [c for c in _DISTINGUISH if c in columns] + [
            c for c in columns if not _is_metric(c) and not c.endswith("seconds")
        ]
        distinct = next(
            (
                c
                for c in candidates
                if not isinstance(same[0].get(c), dict | list)
                and len({format_number(row.get(c)) for row in same}) == len(same)
            ),
            None,
        )
        for index, row in enumerate(rows):
            if labels[index] == name and distinct is not None:
                labels[index] = f"{name} ({distinct} {format_number(row.get(distinct))})"
    return labels
