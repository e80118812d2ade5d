"""``sk-stfm benchmark``: run the core or speed suite, or some of its entries."""

from ..benchmarking._results import format_number
from ._arguments import name_list, positive_float, positive_int, require_matplotlib, seed


def _format(value):
    if isinstance(value, dict):
        return ", ".join(f"{k} {format_number(v)}" for k, v in value.items()) or "-"
    return format_number(value)


def _print_core(results):
    print(f"\n{'data':14} {'model':22} {'metric':17} {'ours':>9} {'best naive':>24}  published")
    for row in results.to_dict(orient="records"):
        naive = f"{row['baseline']} {_format(row['baseline_value'])}"
        print(
            f"{row['dataset']:14} {row['model']:22} {row['metric']:17} "
            f"{_format(row['value']):>9} {naive:>24}  {_format(row['published'])}"
        )


def _print_speed(results):
    print(f"\n{'case':22} {'params':>9} {'fit win/s':>10} {'predict win/s':>14} {'peak MiB':>9}")
    for row in results.to_dict(orient="records"):
        if "overhead_ratio" in row and row["overhead_ratio"] == row["overhead_ratio"]:
            print(
                f"{'overhead':22} sk_stfm fit {row['median_sk_stfm']:.2f} s vs plain torch "
                f"{row['median_plain_torch']:.2f} s: x{row['overhead_ratio']:.3f}"
            )
            continue
        peak = "-" if row["peak_rss_mib"] is None else f"{row['peak_rss_mib']:.0f}"
        print(
            f"{row['case']:22} {int(row['n_parameters']):>9} {row['fit_windows_per_second']:>10.1f} "
            f"{row['predict_windows_per_second']:>14.1f} {peak:>9}"
        )


def run_benchmark_command(args):
    """Run ``sk-stfm benchmark``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    from ..benchmarking import list_benchmarks, run_suite

    if args.list:
        table = list_benchmarks(args.suite)
        for row in table.itertuples():
            print(f"{row.name:22} {row.suite:6} {row.kind:11} {row.dataset:16} {row.task}")
        return 0
    require_matplotlib()  # before training, not after ten minutes of it
    results = run_suite(
        args.suite,
        args.entries,
        budget=args.budget,
        random_state=args.seed,
        quick=args.quick,
        threads=args.threads,
        output_dir=args.output_dir
        or ("benchmarks/results/quick" if args.quick else "benchmarks/results"),
    )
    (_print_core if args.suite == "core" else _print_speed)(results)
    seconds = results.groupby("entry")["entry_seconds"].first().sum()
    print(f"\n{results['entry'].nunique()} entries in {seconds:.0f} s")
    return 0


def add_benchmark_command(commands):
    """Register ``benchmark`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "benchmark",
        help="run the core suite (one entry per data type) or the speed suite",
        description=(
            "core: one leakage-safe entry per data type (ETTh1/ETTh2, Los-loop, chickenpox, "
            "NYCBike1, moving digits, GeoLife, Wikipedia events), each model's training stopped "
            "at the end of the first epoch past --budget seconds, scored beside naive baselines and published numbers; "
            "about 10 x budget seconds in all (6.5 minutes at the default on 2 idle CPU cores). "
            "speed: fit / predict throughput and peak memory per backbone, and the overhead "
            "over a plain PyTorch loop (about 3 minutes). Writes <suite>.json, <suite>.md "
            "and <suite>.png into --output-dir, keeping the rows of entries not re-run."
        ),
    )
    parser.add_argument("--suite", choices=("core", "speed"), default="core", help="which suite")
    parser.add_argument(
        "--entries", type=name_list, default=None, help="only these entries, e.g. etth,los_loop"
    )
    parser.add_argument(
        "--budget", type=positive_float, default=60.0, help="seconds of training per fit"
    )
    parser.add_argument(
        "--quick", action="store_true", help="subsampled smoke run (not comparable)"
    )
    parser.add_argument("--threads", type=positive_int, default=2, help="torch threads")
    parser.add_argument("--seed", type=seed, default=0, help="random seed")
    parser.add_argument(
        "--output-dir",
        default=None,
        help="where results are written (default: benchmarks/results, or "
        "benchmarks/results/quick with --quick, so a smoke run never replaces a full one)",
    )
    parser.add_argument("--list", action="store_true", help="list the entries and exit")
    parser.set_defaults(handler=run_benchmark_command)
