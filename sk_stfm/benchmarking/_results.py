"""Result files of benchmarks: JSON rows with the machine, and a markdown table beside each."""

import json
import math
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
        Its ``results``; empty if the file does not exist.

    Examples
    --------
    >>> previous_results("no/such/results.json")
    []
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

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_results(folder / "demo.json", "demo", [{"model": "last", "mae": 1.5}], threads=1)
    wrote .../demo.json
    wrote .../demo.md
    >>> previous_results(folder / "demo.json")
    [{'model': 'last', 'mae': 1.5}]
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
    write_markdown(path)


def format_number(value):
    """Format a table cell: 4 significant digits, integers with separators.

    Parameters
    ----------
    value : object
        A number, a string, a bool, None or a list of those.

    Returns
    -------
    text : str
        The cell's text (not yet escaped for reStructuredText).

    Examples
    --------
    >>> format_number(0.374123), format_number(561.49), format_number(18207456)
    ('0.3741', '561.5', '18,207,456')
    >>> format_number([0.375, 0.399]), format_number(None), format_number(True)
    ('0.375 / 0.399', '–', 'yes')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isfinite(value) and abs(value) >= 1e4:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return " / ".join(format_number(item) for item in value)
    return str(value)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "; ".join(f"{key} {_cell(item)}" for key, item in value.items())
    return "" if value is None else str(value)


def write_markdown(path):
    """Write the rows of a results file as markdown tables, one per task or data set.

    Parameters
    ----------
    path : str or Path
        A results file written by :func:`write_results`; the tables go to
        the same name with a ``.md`` suffix.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.json"
    >>> _ = path.write_text(json.dumps({"benchmark": "demo", "results": [{"mae": 1.5}]}))
    >>> write_markdown(path)
    wrote .../demo.md
    >>> print(path.with_suffix(".md").read_text().splitlines()[-1])
    | 1.5 |
    """
    path = Path(path)
    payload = json.loads(path.read_text())
    if "results" not in payload:
        raise ValueError(f"{path} was not written by write_results: it has no 'results'.")
    rows = payload["results"]
    group_key = next((k for k in ("task", "dataset") if rows and k in rows[0]), None)
    groups = {}
    for row in rows:
        groups.setdefault(row.get(group_key, "") if group_key else "", []).append(row)
    settings = {k: v for k, v in payload.items() if k not in ("benchmark", "results")}
    lines = [f"# {payload['benchmark']}", "", f"Settings: `{json.dumps(settings)}`", ""]
    for name, members in groups.items():
        columns = []
        for row in members:
            columns += [k for k in row if k not in columns and k != group_key]
        if name:
            lines += [f"## {name}", ""]
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for row in members:
            lines.append("| " + " | ".join(_cell(row.get(k)) for k in columns) + " |")
        lines.append("")
    markdown = path.with_suffix(".md")
    markdown.write_text("\n".join(lines))
    print(f"wrote {markdown}")
