"""Benchmarks: result files, the core and speed suites, and the scaling-law probe.

The suites are what ``sk-stfm benchmark`` runs; ``benchmarks/`` holds the
longer scripts that reproduce published tables. Both write their results
with :func:`write_results` (a JSON file and a markdown table beside it).
"""

from ._power_law import PowerLaw, fit_power_law
from ._results import previous_results, write_markdown, write_results
from ._scaling import ScalingResult, scaling_probe
from ._suite import (
    BenchmarkEntry,
    get_benchmark,
    list_benchmarks,
    run_benchmark,
    run_suite,
    write_suite_results,
)

__all__ = [
    "BenchmarkEntry",
    "get_benchmark",
    "list_benchmarks",
    "run_benchmark",
    "run_suite",
    "write_suite_results",
    "PowerLaw",
    "ScalingResult",
    "fit_power_law",
    "scaling_probe",
    "previous_results",
    "write_markdown",
    "write_results",
]
