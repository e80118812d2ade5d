"""The Benchmarks and Reproducibility pages rendered from the results files.

The documentation includes what :func:`write_benchmark_pages` writes from
``benchmarks/results``; these tests render a copy of that folder (plus
files of shapes the renderer does not know) and read the tables back. The
getting-started page's ``>>>`` pipeline runs here as a doctest.
"""

import doctest
import json
import re
import shutil
from pathlib import Path

import pytest
from benchmark_pages import (
    PROTOCOLS_PAGE,
    RESULTS_PAGE,
    format_number,
    read_results_file,
    write_benchmark_pages,
)

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCRIPTS = ROOT / "benchmarks"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# A file of the ``sk-stfm benchmark`` suites' shape, with a command and its own plot.
SUITE_ROWS = [
    {
        "entry": "chickenpox",
        "kind": "graph",
        "dataset": "Chickenpox",
        "model": model,
        "metric": "mse",
        "value": value,
        "higher_is_better": False,
        "baseline": "last value",
        "baseline_value": 3.0,
        "baselines": {"last value": 3.0},
        "published": {"DCRNN": 0.7418},
        "fit_seconds": 12.5,
    }
    for model, value in (("stid", 0.72348), ("gwnet", 0.84702))
]
# A file nobody told the renderer about: no script, no command.
MYSTERY_ROWS = [
    {"task": "widgets", "model": "fast", "score": 0.912345, "fit_seconds": 1.0, "seed": 0},
    {"task": "widgets", "model": "slow", "score": 0.81, "fit_seconds": 9.0, "seed": 0},
    {"task": "gadgets", "model": "fast", "score": 0.5, "curve": [0.1, 0.2, 0.3, 0.4, 0.5]},
]


def _write(path, payload):
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def _tables(rst):
    """``[(caption, rows)]``: each list-table with the last heading or rubric above it."""
    tables, caption, rows, lines = [], None, None, rst.splitlines()
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith(".. rubric:: "):
            caption = _unescape(line[len(".. rubric:: ") :])
        elif line.strip() and re.fullmatch(r"[-~]{3,}", following):
            caption = _unescape(line)
        if line.startswith(".. list-table::"):
            rows = []
            tables.append((caption, rows))
        elif rows is not None and line.startswith("   * - "):
            rows.append([_unescape(line[len("   * - ") :])])
        elif rows is not None and line.startswith("     - "):
            rows[-1].append(_unescape(line[len("     - ") :]))
        elif rows is not None and line.strip() and not line.startswith("   :"):
            rows = None
    return tables


def _table(rst, caption=None):
    """The first table under ``caption`` (None: the last table), as one dict per row."""
    found = [rows for name, rows in _tables(rst) if caption is None or name == caption]
    assert found, f"no table under {caption!r}"
    header, *body = found[0] if caption is not None else found[-1]
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The shipped results plus a suite file and an unknown file, rendered once."""
    results = tmp_path_factory.mktemp("results")
    for path in RESULTS.glob("*.json"):
        shutil.copy(path, results)
    suite = _write(
        results / "toy_suite.json",
        {
            "benchmark": "toy_suite",
            "budget_seconds": 60.0,
            "command": "sk-stfm benchmark --suite toy_suite",
            "machine": {"processor": "x86_64", "threads": 2, "torch": "2.13.0+cpu"},
            "results": SUITE_ROWS,
        },
    )
    suite.with_suffix(".png").write_bytes(PNG_MAGIC + b"a plot the suite drew")
    _write(results / "mystery.json", {"benchmark": "mystery", "results": MYSTERY_ROWS})
    output = tmp_path_factory.mktemp("pages")
    written = write_benchmark_pages(results, output, scripts_dir=SCRIPTS)
    return {
        "results_dir": results,
        "output": output,
        "written": written,
        "results": (output / RESULTS_PAGE).read_text(encoding="utf-8"),
        "protocols": (output / PROTOCOLS_PAGE).read_text(encoding="utf-8"),
    }


def _section(rst, stem):
    """The text of the section of ``stem`` in the results page."""
    start = rst.index(f".. _benchmark-{stem}:")
    end = rst.find(".. _benchmark-", start + 1)
    return rst[start : end if end > 0 else None]


def test_every_results_file_gets_a_section_and_a_protocol(rendered):
    stems = sorted(path.stem for path in rendered["results_dir"].glob("*.json"))
    assert {"etth", "overhead", "spatial", "toy_suite", "mystery"} <= set(stems)
    for stem in stems:
        section = _section(rendered["results"], stem)
        assert f":Protocol: :ref:`protocol-{stem}`" in section
        assert f"``benchmarks/results/{stem}.json``" in section
        assert f".. _protocol-{stem}:" in rendered["protocols"]
        if (SCRIPTS / f"{stem}.py").is_file():
            assert f":Regenerate: ``python benchmarks/{stem}.py``" in section
    # The scripts' docstrings give the titles and the protocols.
    assert (
        "ETTh1 / ETTh2 long-term forecasting under the standard protocol\n---"
        in (rendered["results"])
    )
    assert "From the docstring of ``benchmarks/spatial.py``." in rendered["protocols"]
    assert ".. rubric:: Protocols" in rendered["protocols"]  # numpydoc heading inside a section


def test_sections_name_the_machine_of_their_file(rendered):
    for path in rendered["results_dir"].glob("*.json"):
        machine = read_results_file(path).get("machine")
        section = _section(rendered["results"], path.stem)
        if machine:
            assert f":Machine: processor {machine['processor']}" in _unescape(section)
        else:
            assert ":Machine: not recorded" in section


def test_etth_tables_put_the_published_numbers_beside_ours(rendered):
    rows = read_results_file(rendered["results_dir"] / "etth.json")["results"]
    names = {"dlinear": "DLinear", "patchtst": "PatchTST"}
    section = _section(rendered["results"], "etth")
    for position, metric in enumerate(("mse", "mae")):
        for row in rows:
            table = _table(section, f"{row['dataset']}: test {metric.upper()}")
            line = next(cells for cells in table if cells["H"] == str(row["horizon"]))
            assert line[names[row["backbone"]]] == format_number(row[metric])
            assert line["last value"] == format_number(row[f"repeat_{metric}"])
            for name, numbers in row["published"].items():
                assert line[f"{name} (published)"] == format_number(numbers[position])


def test_published_rows_and_values_of_other_files_are_shown(rendered):
    spatial = _section(rendered["results"], "spatial")
    for row in read_results_file(rendered["results_dir"] / "spatial.json")["results"]:
        if row.get("published") is True:
            table = _table(spatial, row["task"])
            line = next(cells for cells in table if cells["model"] == row["model"])
            assert line["published"] == "yes"
            metric = next(k for k in ("mse", "inflow_mae") if k in row)
            assert line[metric.replace("_", " ")] == format_number(row[metric])
    payload = read_results_file(rendered["results_dir"] / "transfer.json")
    published = _table(
        _section(rendered["results"], "transfer"), "Published numbers stored with the results"
    )
    assert {line["model"]: line["published"] for line in published} == {
        name: format_number(value) for name, value in payload["published"].items()
    }
    # A suite's published dict becomes a column per published model.
    suite = _table(_section(rendered["results"], "toy_suite"))
    assert [line["DCRNN (published)"] for line in suite] == ["0.7418", "0.7418"]
    assert [line["value"] for line in suite] == ["0.7235", "0.847"]


def test_every_figure_is_a_png_written_next_to_the_pages(rendered):
    targets = re.findall(r"^\.\. figure:: (\S+)$", rendered["results"], flags=re.M)
    assert "plot_etth_mse.png" in targets
    assert "plot_spatial_los-loop.png" in targets
    for target in targets:
        path = rendered["output"] / target
        assert path in rendered["written"]
        assert path.read_bytes().startswith(PNG_MAGIC), target


def test_a_plot_written_by_the_benchmark_is_shown_instead_of_ours(rendered):
    section = _section(rendered["results"], "toy_suite")
    figures = re.findall(r"^\.\. figure:: (\S+)$", section, flags=re.M)
    assert figures == ["toy_suite.png"]
    copied = rendered["output"] / "toy_suite.png"
    assert copied.read_bytes() == PNG_MAGIC + b"a plot the suite drew"
    assert ":Regenerate: ``sk-stfm benchmark --suite toy_suite``" in section


def test_an_unknown_file_is_rendered_from_its_rows(rendered):
    section = _section(rendered["results"], "mystery")
    assert "mystery\n-------" in section
    assert ":Regenerate: the file names no command" in section
    widgets = _table(section, "widgets")
    assert [line["model"] for line in widgets] == ["fast", "slow"]
    assert [line["score"] for line in widgets] == ["0.9123", "0.81"]
    assert "In every row: seed 0." in section  # constant columns leave the table
    gadgets = _table(section, "gadgets")
    assert "curve" not in gadgets[0]
    assert "Nested fields not shown (see the JSON file): ``curve``." in section
    assert re.search(r"^\.\. figure:: plot_mystery_widgets\.png$", section, flags=re.M)
    assert "The results file records no protocol." in rendered["protocols"]


def test_overhead_without_rows_shows_its_fields(rendered):
    payload = read_results_file(rendered["results_dir"] / "overhead.json")
    fields = _table(_section(rendered["results"], "overhead"), "Results")
    shown = {line["field"]: line["value"] for line in fields}
    assert shown["ratio"] == format_number(payload["ratio"])


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "holds a JSON list"),
        ('{"benchmark": "x", "results": {"mse": 1}}', "'results' must be a list of objects"),
        ('{"benchmark": "x", "results": [1, 2]}', "'results' must be a list of objects"),
        ('{"benchmark": "x", "machine": "fast", "results": []}', "'machine' must be an object"),
    ],
)
def test_a_malformed_file_is_named_in_the_error(tmp_path, content, problem):
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "good.json", {"benchmark": "good", "results": [{"mse": 1.0}]})
    (results / "broken.json").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json") as error:
        write_benchmark_pages(results, tmp_path / "pages")
    assert problem in str(error.value)


def test_rendering_again_rewrites_nothing(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "mystery.json", {"benchmark": "mystery", "results": MYSTERY_ROWS})
    # Without a plot of its own, a suite's rows are drawn with their references.
    _write(results / "suite.json", {"benchmark": "suite", "results": SUITE_ROWS})
    written = write_benchmark_pages(results, tmp_path / "pages")
    stamps = {path: path.stat().st_mtime_ns for path in written}
    assert {path.name for path in written if path.suffix == ".png"} == {
        "plot_mystery_widgets.png",
        "plot_suite_chickenpox-chickenpox.png",
    }
    assert write_benchmark_pages(results, tmp_path / "pages") == written
    assert {path: path.stat().st_mtime_ns for path in written} == stamps


def test_an_empty_results_folder_says_so(tmp_path):
    write_benchmark_pages(tmp_path / "nothing", tmp_path / "pages")
    assert "No results files" in (tmp_path / "pages" / RESULTS_PAGE).read_text(encoding="utf-8")


@pytest.mark.slow
def test_getting_started_pipeline_runs():
    # The page's ``>>>`` pipeline trains a model on ETTh1 (a few seconds).
    result = doctest.testfile(
        str(ROOT / "docs" / "getting_started.rst"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of getting_started.rst failed"
