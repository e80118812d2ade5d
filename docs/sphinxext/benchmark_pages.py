"""The benchmark pages of the documentation, rendered from the results files.

:func:`write_benchmark_pages` turns every ``benchmarks/results/*.json`` into
a reStructuredText section (what it measures, the command that regenerates
it, the machine, tables with the published numbers beside ours, PNG plots)
and every benchmark's protocol, taken from the docstring of the script or
module that wrote it, into a second file. The documentation includes both
at build time, so the pages cannot drift from the results. A file of a
shape this module does not know is rendered from its rows as they are, so
a new benchmark appears without code changes.

matplotlib (the ``plot`` extra) is imported when a plot is drawn. The
module belongs to the documentation, not to the installed package:
``docs/conf.py`` puts this folder on ``sys.path`` and calls it at build time.
"""

import ast
import itertools
import json
import re
from pathlib import Path

from benchmark_figures import _group_chart, _new_figure, _png
from benchmark_rows import (
    _GROUP_KEYS,
    _MISSING,
    _columns,
    _groups,
    _label_key,
    _metric_columns,
    format_number,
    read_results_file,
)

import sk_stfm.benchmarking

# The suite modules (``sk-stfm benchmark``), whose docstrings are protocols.
_SUITES = Path(sk_stfm.benchmarking.__file__).parent
RESULTS_PAGE = "results.rst"
PROTOCOLS_PAGE = "protocols.rst"

# Reading order of the benchmarks the repository ships; any other results
# file follows, in alphabetical order. The defaults benchmark comes first:
# it says what a user gets without choosing anything.
_ORDER = (
    "defaults",
    "etth",
    "overhead",
    "objectives",
    "classification",
    "spatial",
    "trajectories",
    "events",
    "transfer",
    "tuning",
)
# Top-level fields that are not run settings.
_RESERVED = (
    "benchmark",
    "machine",
    "results",
    "published",
    "command",
    "description",
    "protocols",
)


def _module_docstring(path):
    """Docstring of the Python file ``path`` (parsed, never imported), or None."""
    if not path.is_file():
        return None
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


def _protocol_source(stem, scripts_dir):
    """``(file, docstring)`` of the script or suite module that writes ``stem``.json."""
    candidates = (
        (f"benchmarks/{stem}.py", scripts_dir / f"{stem}.py"),
        (f"sk_stfm/benchmarking/_{stem}.py", _SUITES / f"_{stem}.py"),
    )
    for shown, path in candidates:
        doc = _module_docstring(path)
        if doc:
            return shown, doc
    return None, None


def _regenerate_command(stem, payload, scripts_dir):
    if isinstance(payload.get("command"), str):
        return payload["command"]
    if (scripts_dir / f"{stem}.py").is_file():
        return f"python benchmarks/{stem}.py"
    return None


# ------------------------------------------------------------ reStructuredText
def _escape(text):
    """``text`` shown literally by reStructuredText (inline markup escaped)."""
    return re.sub(r"([\\*`|_])", r"\\\1", str(text))


def _cell(value):
    # One line per cell; an empty cell would end the list-table item.
    return _escape(" ".join(format_number(value).split()) or _MISSING)


def _header(name):
    return _escape(str(name).replace("_", " "))


def _heading(text, char):
    return [text, char * len(text), ""]


def _table(headers, rows):
    """A list-table; ``headers`` and the cells of ``rows`` are rst text."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [headers, *rows]:
        first, *rest = row
        lines.append(f"   * - {first}")
        lines += [f"     - {cell}" for cell in rest]
    return [*lines, ""]


def _figure(target, caption):
    """A figure; ``caption`` is plain text (escaped here, and kept as is for ``:alt:``)."""
    alt = " ".join(caption.split())
    return [f".. figure:: {target}", f"   :alt: {alt}", "", f"   {_escape(alt)}", ""]


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "rows"


def _rows_table(rows, group_keys):
    """A table of ``rows`` and the lines around it.

    Constant columns become one sentence above the table, a ``published``
    dict becomes one column per published model, and nested fields (lists,
    other dicts) are named below it.
    """
    columns = _columns(rows, skip=group_keys)
    expand_published = any(isinstance(row.get("published"), dict) for row in rows)
    published = []
    if expand_published:
        for row in rows:
            published += [n for n in row.get("published") or {} if n not in published]
    nested = [
        c
        for c in columns
        if not (c == "published" and expand_published)
        and any(isinstance(row.get(c), dict | list) and not _is_short(row[c]) for row in rows)
    ]
    scalar = [c for c in columns if c not in nested and not (c == "published" and expand_published)]
    keep = set(_metric_columns(rows, scalar)) | {_label_key(rows)}
    constant = [
        c
        for c in scalar
        if len(rows) > 1
        and c not in keep
        and all(c in row for row in rows)
        and len({json.dumps(row[c]) for row in rows}) == 1
    ]
    shown = [c for c in scalar if c not in constant]
    headers = [_header(c) for c in shown] + [f"{_escape(n)} (published)" for n in published]
    body = [
        [_cell(row.get(c)) for c in shown]
        + [_cell((row.get("published") or {}).get(n)) for n in published]
        for row in rows
    ]
    lines = []
    if constant:
        settings = "; ".join(f"{_header(c)} {_cell(rows[0][c])}" for c in constant)
        lines += [f"In every row: {settings}.", ""]
    if headers:
        lines += _table(headers, body)
    if nested:
        names = ", ".join(f"``{c}``" for c in nested)
        lines += [f"Nested fields not shown (see the JSON file): {names}.", ""]
    return lines


def _is_short(value):
    """Whether a list fits a cell: a few numbers or words (``window_shape``)."""
    return (
        isinstance(value, list)
        and len(value) <= 4
        and all(isinstance(v, int | float | str) for v in value)
    )


def _settings_table(payload):
    """The top-level fields other than the rows and the machine.

    They are the run's settings, or its results in a file without rows.
    """
    rows = []
    for key, value in payload.items():
        if key in _RESERVED or _is_rows(value):
            continue
        if isinstance(value, dict):
            text = "; ".join(f"{_escape(k)} {_cell(v)}" for k, v in value.items())
        else:
            text = _cell(value)
        rows.append([_header(key), text])
    if not rows:
        return []
    caption = "Settings" if payload.get("results") else "Results"
    return [f".. rubric:: {caption}", "", *_table(["field", "value"], rows)]


def _is_rows(value):
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _machine(payload):
    machine = payload.get("machine")
    if machine:
        return ", ".join(f"{_escape(k)} {_cell(v)}" for k, v in machine.items())
    return "not recorded"


# -------------------------------------------------------- known benchmarks
# The ETTh results carry, per row, the published (MSE, MAE) of each model of
# the literature at that data set and horizon (``published_baselines``).
_PUBLISHED_PAIR = ("mse", "mae")


def _display_name(backbone, published_names):
    """``"dlinear"`` -> ``"DLinear"``, from the published names when one matches."""
    for name in published_names:
        if name.split("/")[0].lower() == backbone.lower():
            return name.split("/")[0]
    return backbone


def _etth_blocks(stem, payload, image_prefix, figures):
    rows = payload.get("results", [])
    datasets = list(dict.fromkeys(row["dataset"] for row in rows))
    backbones = list(dict.fromkeys(row["backbone"] for row in rows))
    published_names = list(dict.fromkeys(n for row in rows for n in row.get("published", {})))
    names = {b: _display_name(b, published_names) for b in backbones}

    figure, axes = _new_figure(4.2 * len(datasets), 3.4, len(datasets))
    for ax, dataset in zip(axes, datasets, strict=True):
        of_data = [row for row in rows if row["dataset"] == dataset]
        for index, backbone in enumerate(backbones):
            points = sorted(
                (row["horizon"], row["mse"]) for row in of_data if row["backbone"] == backbone
            )
            if points:
                ax.plot(*zip(*points, strict=True), "o-", color=f"C{index}", label=names[backbone])
            styles = itertools.cycle(("s--", "^:", "v-."))
            for style, name in zip(styles, _matching(published_names, backbone), strict=False):
                points = sorted(
                    (row["horizon"], row["published"][name][0])
                    for row in of_data
                    if name in row.get("published", {})
                )
                if points:
                    ax.plot(
                        *zip(*points, strict=True),
                        style,
                        color=f"C{index}",
                        alpha=0.6,
                        label=f"{name} (published)",
                    )
        ax.set_title(dataset)
        ax.set_xlabel("horizon")
        ax.set_ylabel("test MSE")
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize="small")
    name = f"plot_{stem}_mse.png"
    figures[name] = _png(figure)
    lines = _figure(
        image_prefix + name,
        "Test MSE by horizon: ours (solid) and published (dashed and dotted).",
    )
    for dataset in datasets:
        of_data = [row for row in rows if row["dataset"] == dataset]
        horizons = sorted({row["horizon"] for row in of_data})
        lines += _heading(_escape(dataset), "~")
        for position, metric in enumerate(_PUBLISHED_PAIR):
            headers = ["H"] + [_escape(names[b]) for b in backbones]
            has_repeat = any(f"repeat_{metric}" in row for row in of_data)
            headers += ["last value"] if has_repeat else []
            headers += [f"{_escape(n)} (published)" for n in published_names]
            body = []
            for horizon in horizons:
                at = [row for row in of_data if row["horizon"] == horizon]
                ours = {row["backbone"]: row.get(metric) for row in at}
                cells = [_cell(horizon)] + [_cell(ours.get(b)) for b in backbones]
                if has_repeat:
                    cells.append(_cell(at[0].get(f"repeat_{metric}")))
                reference = at[0].get("published", {})
                cells += [
                    _cell(reference[n][position] if n in reference else None)
                    for n in published_names
                ]
                body.append(cells)
            lines += [f".. rubric:: {_escape(dataset)}: test {metric.upper()}", ""]
            lines += _table(headers, body)
        runs = [
            {k: v for k, v in row.items() if k not in ("dataset", "published", "valid_loss")}
            for row in of_data
        ]
        for row in runs:
            for metric in (*_PUBLISHED_PAIR, *(f"repeat_{m}" for m in _PUBLISHED_PAIR)):
                row.pop(metric, None)
        lines += [f".. rubric:: {_escape(dataset)}: training runs", ""]
        lines += _rows_table(runs, ())
    return lines


def _matching(published_names, backbone):
    return [n for n in published_names if n.split("/")[0].lower() == backbone.lower()]


# Benchmarks whose rows are drawn by their own renderer, keyed by name.
_RENDERERS = {"etth": _etth_blocks}


def _generic_blocks(stem, payload, image_prefix, figures, draw):
    lines = []
    if isinstance(payload.get("published"), dict):
        lines += [".. rubric:: Published numbers stored with the results", ""]
        lines += _table(
            ["model", "published"],
            [[_escape(n), _cell(v)] for n, v in payload["published"].items()],
        )
    extra = [(key, value) for key, value in payload.items() if key != "results" and _is_rows(value)]
    groups = _groups(payload.get("results", []))
    sections = [(title, members, True) for title, members in groups]
    sections += [(key, value, False) for key, value in extra]
    for title, members, is_result in sections:
        group_keys = [k for k in _GROUP_KEYS if any(k in row for row in members)]
        if title and (len(sections) > 1 or not is_result):
            lines += _heading(_escape(title), "~")
        lines += _rows_table(members, group_keys if is_result else ())
        chart = _group_chart(members) if draw and is_result else None
        if chart is not None:
            figure, what = chart
            name = f"plot_{stem}_{_slug(title)}.png"
            figures[name] = _png(figure)
            caption = f"{title}: {what}." if title else f"{what[:1].upper()}{what[1:]}."
            lines += _figure(image_prefix + name, caption)
    return lines


# --------------------------------------------------------------------- pages
def _title(summary, fallback):
    if not summary:
        return fallback, ""
    head, _, rest = summary.partition(": ")
    rest = rest.strip()
    return head.rstrip("."), (rest[:1].upper() + rest[1:]) if rest else ""


def _split_docstring(doc):
    """``(summary, body)``: the first paragraph on one line, and the rest."""
    if not doc:
        return "", ""
    first, _, body = doc.strip().partition("\n\n")
    return " ".join(first.split()), body


def _rubrics(body):
    """numpydoc headings (``Protocol`` over dashes) as rubrics: they sit inside a section."""
    lines = body.splitlines()
    out = []
    index = 0
    while index < len(lines):
        line = lines[index]
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            line.strip()
            and re.fullmatch(r"[-=~^]{3,}", underline.strip())
            and len(underline.strip()) >= len(line.strip())
        ):
            out += [f".. rubric:: {line.strip()}", ""]
            index += 2
            # The heading's own blank line would follow the one added above.
            if index < len(lines) and not lines[index].strip():
                index += 1
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


def _results_files(results_dir):
    files = {path.stem: path for path in sorted(results_dir.glob("*.json"))}
    known = [files.pop(stem) for stem in _ORDER if stem in files]
    return known + list(files.values())


def write_benchmark_pages(results_dir, output_dir, *, scripts_dir=None, image_prefix=""):
    """Render the results files into reStructuredText pages and PNG plots.

    Writes, in ``output_dir``: ``results.rst``, one section per results
    file (its title and what it measures from the docstring of the script
    or suite module that wrote it, the command that regenerates it, the
    machine, the settings, tables with the published numbers beside ours
    and plots); ``protocols.rst``, the protocol of each benchmark (the rest
    of that docstring); and the plots as ``plot_*.png``. A PNG that the
    benchmark wrote beside its results file (``scaling.png`` beside
    ``scaling.json``) is copied and shown instead of the plots drawn here.
    Sections of ``results.rst`` are underlined with ``-`` and those of
    ``protocols.rst`` with ``~``: include them under a page title (``=``)
    and under a section of a page, respectively. Files are rewritten only
    when their content changes.

    Parameters
    ----------
    results_dir : str or Path
        Folder of the results files (``benchmarks/results``).
    output_dir : str or Path
        Folder the pages and plots are written to; created if needed.
    scripts_dir : str or Path or None, default=None
        Folder of the benchmark scripts; None means the parent of
        ``results_dir``.
    image_prefix : str, default=""
        Prefix of the plots' paths in the pages. Sphinx reads images of an
        included file relative to the including document, so pass the
        output folder relative to the source folder (``"/_generated/"``).

    Returns
    -------
    written : list of Path
        The pages and the plots.

    Raises
    ------
    ValueError
        If a results file is malformed; the message names the file.
    """
    results_dir, output_dir = Path(results_dir), Path(output_dir)
    scripts_dir = results_dir.parent if scripts_dir is None else Path(scripts_dir)
    files = _results_files(results_dir) if results_dir.is_dir() else []
    payloads = [(path, read_results_file(path)) for path in files]

    figures = {}
    results = [
        ".. Generated from the results files by docs/sphinxext/benchmark_pages.py; do not edit.",
        "",
    ]
    protocols = list(results)
    if not payloads:
        results += [f"No results files in ``{results_dir}``.", ""]
    for path, payload in payloads:
        stem = path.stem
        source, doc = _protocol_source(stem, scripts_dir)
        summary, body = _split_docstring(doc)
        if not summary and isinstance(payload.get("description"), str):
            summary = payload["description"]
        title, measures = _title(summary, _escape(payload.get("benchmark", stem)))
        command = _regenerate_command(stem, payload, scripts_dir)
        label = re.sub(r"[^a-z0-9_]+", "-", stem.lower())

        results += [f".. _benchmark-{label}:", ""] + _heading(title, "-")
        if measures:
            results += [measures, ""]
        results += [
            f":Results: ``benchmarks/results/{path.name}``",
            f":Regenerate: ``{command}``" if command else ":Regenerate: the file names no command",
            f":Protocol: :ref:`protocol-{label}`",
            f":Machine: {_machine(payload)}",
            "",
        ]
        results += _settings_table(payload)
        own_plot = path.with_suffix(".png")
        if own_plot.is_file():
            name = f"{stem}.png"
            figures[name] = own_plot.read_bytes()
            results += _figure(image_prefix + name, f"{name}, drawn by the benchmark.")
        renderer = _RENDERERS.get(str(payload.get("benchmark", stem)))
        if renderer is not None and not own_plot.is_file():
            results += renderer(stem, payload, image_prefix, figures)
        else:
            results += _generic_blocks(
                stem, payload, image_prefix, figures, draw=not own_plot.is_file()
            )

        protocols += [f".. _protocol-{label}:", ""] + _heading(title, "~")
        protocols += [f"Results: :ref:`benchmark-{label}`.", ""]
        if source:
            protocols += [f"From the docstring of ``{source}``.", ""]
        protocols += [_rubrics(body) if body else "The results file records no protocol.", ""]
        # Suites record the protocol of each of their entries.
        entries = payload.get("protocols")
        if isinstance(entries, dict):
            for name, text in entries.items():
                protocols += [f"``{_escape(str(name))}``", f"    {text}", ""]

    output_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        RESULTS_PAGE: "\n".join(results).encode("utf-8"),
        PROTOCOLS_PAGE: "\n".join(protocols).encode("utf-8"),
        **figures,
    }
    written = []
    for name, content in contents.items():
        target = output_dir / name
        # An unchanged file keeps its timestamp: Sphinx does not rebuild for nothing.
        if not target.is_file() or target.read_bytes() != content:
            target.write_bytes(content)
        written.append(target)
    return written
