"""The benchmark suites: a registry of entries and the runner behind ``sk-stfm benchmark``."""

import inspect
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..utils._threads import torch_threads
from . import _core, _speed
from ._results import previous_results, write_results

SUITES = ("core", "speed")


@dataclass(frozen=True)
class BenchmarkEntry:
    """One entry of a benchmark suite.

    Parameters
    ----------
    name : str
        Identifier, unique across suites (``"etth"``, ``"los_loop"``).
    suite : {"core", "speed"}
        The suite it belongs to.
    kind : str
        The data type it covers (``series``, ``graph``, ``grid``, ``video``,
        ``trajectory``, ``event``) or ``"speed"``.
    dataset : str
        The data it runs on.
    task : str
        What is measured.
    n_fits : int
        Neural fits bounded by the time budget (0 for fixed-work entries).
    run : callable
        ``run(budget, random_state, quick, threads) -> list of dict``.

    Examples
    --------
    >>> from sk_stfm.benchmarking import list_benchmarks
    >>> table = list_benchmarks("core")
    >>> sorted(set(table["kind"]))
    ['event', 'graph', 'grid', 'series', 'trajectory', 'video']
    """

    name: str
    suite: str
    kind: str
    dataset: str
    task: str
    n_fits: int
    run: object

    @property
    def protocol(self):
        """The protocol (split, scaling, metric), from the docstring of the function that runs it."""
        function = getattr(self.run, "func", self.run)
        doc = inspect.cleandoc(function.__doc__ or "")
        # The prose before the first numpydoc section (Parameters, Returns).
        prose = re.split(r"\n\s*\n(?=[A-Z]\w*( \w+)*\n-{3,})", doc)[0]
        return " ".join(prose.split())


def _core_entry(function):
    def run(budget, random_state, quick, threads):
        with torch_threads(threads):
            return function(budget, random_state, quick)

    run.func = function
    return run


def _throughput_entry(case):
    def run(budget, random_state, quick, threads):
        size = {"n_windows": 128, "epochs": 1} if quick else {"n_windows": 1024, "epochs": 2}
        return [
            _speed.in_fresh_process(
                _speed.measure_throughput,
                case=case,
                threads=threads,
                random_state=random_state,
                **size,
            )
        ]

    run.func = _speed.measure_throughput
    return run


def _overhead_entry(budget, random_state, quick, threads):
    size = {"n_windows": 256, "epochs": 1, "repeats": 1} if quick else {}
    return [_speed.in_fresh_process(_speed.measure_overhead, threads=threads, **size)]


_overhead_entry.func = _speed.measure_overhead

_ENTRIES = (
    BenchmarkEntry("etth", "core", "series", "ETTh1, ETTh2", "forecast 96 h", 4,
                   _core_entry(_core.run_etth)),
    BenchmarkEntry("los_loop", "core", "graph", "Los-loop", "forecast 60 min", 1,
                   _core_entry(_core.run_los_loop)),
    BenchmarkEntry("chickenpox", "core", "graph", "Chickenpox", "forecast 1 week", 1,
                   _core_entry(_core.run_chickenpox)),
    BenchmarkEntry("nycbike1", "core", "grid", "NYCBike1", "forecast 1 h", 1,
                   _core_entry(_core.run_nycbike1)),
    BenchmarkEntry("moving_digits", "core", "video", "moving digits", "next frame", 1,
                   _core_entry(_core.run_moving_digits)),
    BenchmarkEntry("geolife", "core", "trajectory", "GeoLife", "next location", 1,
                   _core_entry(_core.run_geolife)),
    BenchmarkEntry("wikipedia", "core", "event", "Wikipedia", "marked TPP likelihood", 1,
                   _core_entry(_core.run_wikipedia)),
    *(
        BenchmarkEntry(case, "speed", "speed", data, f"{backbone} fit / predict throughput", 0,
                       _throughput_entry(case))
        for case, (backbone, data) in _speed.THROUGHPUT_CASES.items()
    ),
    BenchmarkEntry("overhead", "speed", "speed", "etth1", "STForecaster vs plain torch loop", 0,
                   _overhead_entry),
)  # fmt: skip


def _check_suite(suite):
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {list(SUITES)}; got {suite!r}.")
    return suite


def get_benchmark(name):
    """Return the benchmark entry called ``name``.

    Parameters
    ----------
    name : str
        An entry of :func:`list_benchmarks`.

    Returns
    -------
    entry : BenchmarkEntry
        The entry.

    Raises
    ------
    ValueError
        If no entry has that name.

    Examples
    --------
    >>> from sk_stfm.benchmarking import get_benchmark
    >>> get_benchmark("los_loop").kind
    'graph'
    """
    for entry in _ENTRIES:
        if entry.name == name:
            return entry
    raise ValueError(
        f"no benchmark entry {name!r}; choose among {[entry.name for entry in _ENTRIES]}."
    )


def list_benchmarks(suite=None):
    """List the entries of the benchmark suites.

    Parameters
    ----------
    suite : {"core", "speed"} or None, default=None
        Only this suite; ``None`` lists both.

    Returns
    -------
    table : pandas.DataFrame
        One row per entry: ``name``, ``suite``, ``kind``, ``dataset``,
        ``task``, ``n_fits`` (fits bounded by the time budget) and
        ``protocol``.

    Examples
    --------
    >>> from sk_stfm.benchmarking import list_benchmarks
    >>> list_benchmarks("core")["name"].tolist()
    ['etth', 'los_loop', 'chickenpox', 'nycbike1', 'moving_digits', 'geolife', 'wikipedia']
    """
    if suite is not None:
        _check_suite(suite)
    return pd.DataFrame(
        [
            {
                "name": e.name,
                "suite": e.suite,
                "kind": e.kind,
                "dataset": e.dataset,
                "task": e.task,
                "n_fits": e.n_fits,
                "protocol": e.protocol,
            }
            for e in _ENTRIES
            if suite is None or e.suite == suite
        ]
    )


def run_benchmark(name, budget=60.0, random_state=0, quick=False, threads=2):
    """Run one benchmark entry and return its result rows.

    Parameters
    ----------
    name : str
        An entry of :func:`list_benchmarks`.
    budget : float, default=60.0
        Seconds of training per neural fit of a core entry (the fit stops at
        the end of the first epoch past it); speed entries do fixed work.
    random_state : int, default=0
        Seed of the models and of generated data.
    quick : bool, default=False
        Subsample the data so the entry runs in seconds; the rows are marked
        ``quick`` and are not comparable with published numbers.
    threads : int, default=2
        Torch threads.

    Returns
    -------
    rows : list of dict
        The entry's results, each with ``entry``, ``kind``, ``quick``,
        ``threads`` and (core entries) ``budget_seconds`` added.

    Examples
    --------
    >>> from sk_stfm.benchmarking import run_benchmark
    >>> rows = run_benchmark("chickenpox", budget=1, quick=True)  # doctest: +SKIP
    >>> rows[0]["metric"], rows[0]["published"]  # doctest: +SKIP
    ('mse', {'DCRNN': 0.7418})
    """
    if not budget > 0:
        raise ValueError(f"budget must be a positive number of seconds; got {budget!r}.")
    if int(threads) < 1:
        raise ValueError(f"threads must be at least 1; got {threads!r}.")
    entry = get_benchmark(name)
    rows = entry.run(float(budget), int(random_state), bool(quick), int(threads))
    context = {"entry": entry.name, "kind": entry.kind, "quick": bool(quick), "threads": int(threads)}
    if entry.n_fits:
        context["budget_seconds"] = float(budget)
    return [{**context, **row} for row in rows]


def run_suite(
    suite="core",
    entries=None,
    *,
    budget=60.0,
    random_state=0,
    quick=False,
    threads=2,
    output_dir=None,
    progress=True,
):
    """Run a benchmark suite and, with ``output_dir``, write its results.

    Parameters
    ----------
    suite : {"core", "speed"}, default="core"
        ``"core"``: one leakage-safe entry per data type (ETTh1/ETTh2,
        Los-loop, chickenpox, NYCBike1, moving digits, GeoLife, Wikipedia
        events) with naive baselines and published numbers.
        ``"speed"``: fit and predict throughput and peak memory per
        backbone, and the overhead of ``STForecaster`` over a plain PyTorch
        loop.
    entries : list of str or None, default=None
        Run only these entries of the suite.
    budget : float, default=60.0
        Seconds of training per neural fit. The core suite trains 10 fits,
        so it takes about ``10 * budget`` seconds plus data preparation and
        scoring (6.5 minutes at the default on 2 otherwise idle CPU cores in the
        recorded run).
    random_state : int, default=0
        Seed.
    quick : bool, default=False
        Subsampled smoke run (see :func:`run_benchmark`).
    threads : int, default=2
        Torch threads.
    output_dir : str or path-like or None, default=None
        Folder for ``<suite>.json``, its markdown table and ``<suite>.png``.
        Rows of entries not re-run are kept from an earlier file.
    progress : bool, default=True
        Show a progress bar over the entries.

    Returns
    -------
    results : pandas.DataFrame
        One row per result, with the seconds each entry took in
        ``entry_seconds``.

    Examples
    --------
    >>> from sk_stfm.benchmarking import run_suite
    >>> results = run_suite("core", ["chickenpox"], budget=1, quick=True)  # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    _check_suite(suite)
    names = list(list_benchmarks(suite)["name"])
    entries = names if entries is None else list(entries)
    unknown = sorted(set(entries) - set(names))
    if unknown:
        raise ValueError(f"entries {unknown} are not in the {suite} suite; choose among {names}.")
    rows = []
    bar = tqdm(entries, desc=f"{suite} suite", unit="entry", disable=not progress)
    for name in bar:
        bar.set_postfix_str(name)
        start = time.perf_counter()
        new = run_benchmark(name, budget, random_state, quick, threads)
        seconds = time.perf_counter() - start
        rows += [{**row, "entry_seconds": seconds} for row in new]
    if output_dir is not None:
        write_suite_results(suite, rows, output_dir, threads=threads, budget=budget,
                            random_state=random_state, quick=quick)  # fmt: skip
    return pd.DataFrame(rows)


def write_suite_results(suite, rows, output_dir, *, threads, budget, random_state, quick):
    """Write a suite's rows (merged with earlier rows of other entries) and its plot.

    Rows of entries not re-run are kept only when they were measured with
    the same settings (``quick``, time budget, threads), so that the
    settings written at the top of the file hold for every row; otherwise
    the file starts afresh.

    Parameters
    ----------
    suite : {"core", "speed"}
        The suite.
    rows : list of dict
        New result rows, each with its ``entry``.
    output_dir : str or path-like
        Folder of ``<suite>.json``, ``<suite>.md`` and ``<suite>.png``.
    threads : int
        Torch threads used.
    budget : float
        Seconds of training per fit.
    random_state : int
        Seed.
    quick : bool
        Whether the run was subsampled.

    Returns
    -------
    path : Path
        The JSON file.

    Examples
    --------
    >>> import tempfile
    >>> from sk_stfm.benchmarking import write_suite_results
    >>> rows = [{"entry": "chickenpox", "kind": "graph", "dataset": "Chickenpox",
    ...          "model": "stid", "metric": "mse", "value": 0.7, "higher_is_better": False,
    ...          "baseline": "last value", "baseline_value": 3.0, "published": {"DCRNN": 0.74}}]
    >>> path = write_suite_results("core", rows, tempfile.mkdtemp(), threads=2, budget=60.0,
    ...                            random_state=0, quick=False)
    wrote .../core.json
    wrote .../core.md
    >>> path.with_suffix(".png").exists()
    True
    """
    from ._plots import plot_suite

    _check_suite(suite)
    path = Path(output_dir) / f"{suite}.json"
    # The speed suite does fixed work: the time budget does not apply to it.
    budget_settings = {"budget_seconds": float(budget)} if suite == "core" else {}
    settings = {"quick": bool(quick), "threads": int(threads), **budget_settings}
    rerun = {row["entry"] for row in rows}
    earlier = previous_results(path)
    kept = [row for row in earlier if row.get("entry") not in rerun]
    if any(row.get(key) != value for row in kept for key, value in settings.items()):
        print(f"{path}: earlier rows were measured with other settings; starting afresh.")
        kept = []
    merged = kept + list(rows)
    entry_seconds = {row["entry"]: row["entry_seconds"] for row in merged if "entry_seconds" in row}
    command = f"sk-stfm benchmark --suite {suite}"
    command += f" --budget {budget:g}" if suite == "core" else ""
    write_results(
        path,
        suite,
        merged,
        threads,
        **budget_settings,
        random_state=random_state,
        quick=quick,
        run_seconds=sum(entry_seconds.values()),
        command=command + (" --quick" if quick else ""),
        protocols={
            entry.name: entry.protocol
            for entry in _ENTRIES
            if entry.name in {row["entry"] for row in merged}
        },
    )
    figure = plot_suite(suite, merged)
    figure.savefig(path.with_suffix(".png"), dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return path
