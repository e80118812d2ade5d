"""``sk-stfm scaling``: probe the scaling law of a backbone on a data set."""

import argparse
import shlex
from pathlib import Path

from ..utils._threads import torch_threads
from ._arguments import positive_float, positive_int, require_matplotlib, seed


def _numbers(text, kind, option):
    """Comma-separated numbers; range checks are left to ``scaling_probe``."""
    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"{option} must be comma-separated {'integers' if kind is int else 'numbers'}; "
            f"got {text!r}."
        ) from None
    if not values:
        raise ValueError(f"{option} must hold at least one value; got {text!r}.")
    return values


def _validation_size(text):
    """``argparse`` type: a share of the steps, or a whole number of steps."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a share (< 1) or a number of steps; got {text!r}"
        ) from None
    return int(value) if value >= 1 and value.is_integer() else value


def _print_result(result):
    settings = result.settings
    print(
        f"\n{settings['data']}, {result.backbone}, history {settings['history']}, horizon "
        f"{settings['horizon']}: {len(result.runs)} runs, {settings['n_validation_windows']} "
        "validation windows"
    )
    print(result.runs.to_string(index=False, float_format=lambda value: f"{value:.4g}"))
    if result.law is None:
        print("\nNo power law fitted: vary the widths and fractions over 3 or more values.")
    else:
        print(f"\nFitted law: {result.law}")


def scaling_command(args):
    """The ``sk-stfm scaling`` command line that reproduces ``args``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    command : str
        The command, every option spelled out.
    """
    options = [
        ("--backbone", args.backbone),
        ("--widths", args.widths),
        ("--fractions", args.fractions),
        ("--history", args.history),
        ("--horizon", args.horizon),
        ("--validation-size", args.validation_size),
        ("--train-stride", args.train_stride),
        ("--max-epochs", args.max_epochs),
        ("--budget", args.budget),
        ("--batch-size", args.batch_size),
        ("--lr", args.lr),
        ("--patience", args.patience),
        ("--seed", args.seed),
        ("--threads", args.threads),
        ("--output-dir", args.output_dir),
    ]
    words = ["sk-stfm", "scaling", args.data]
    for option, value in options:
        if value is not None:
            words += [option, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(words)


def run_scaling(args):
    """Run ``sk-stfm scaling``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    from ..benchmarking import scaling_probe, write_results
    from ._data import load_data

    widths = _numbers(args.widths, int, "--widths")
    fractions = _numbers(args.fractions, float, "--fractions")
    plt = require_matplotlib()  # before training, not after it
    data = load_data(args.data)
    with torch_threads(args.threads):
        result = scaling_probe(
            data,
            backbone=args.backbone,
            widths=widths,
            fractions=fractions,
            history=args.history,
            horizon=args.horizon,
            validation_size=args.validation_size,
            train_stride=args.train_stride,
            max_epochs=args.max_epochs,
            budget=args.budget,
            batch_size=args.batch_size,
            lr=args.lr,
            patience=args.patience,
            random_state=args.seed,
            verbose=1,
        )
    _print_result(result)
    output = Path(args.output_dir)
    report = result.to_dict()
    write_results(
        output / "scaling.json",
        "scaling",
        report["runs"],
        threads=args.threads,
        command=scaling_command(args),
        backbone=report["backbone"],
        **report["settings"],
        law=report["law"],
    )
    fig = result.plot()
    fig.savefig(output / "scaling.png", dpi=120)
    plt.close(fig)
    print(f"wrote {output / 'scaling.png'}")
    return 0


def add_scaling_command(commands):
    """Register ``scaling`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "scaling",
        help="fit a backbone over model widths x data fractions and fit a scaling law",
        description=(
            "Train the backbone at each width and each share of the training windows, "
            "keep each run's best validation loss on a fixed validation part (the last "
            "steps of the data), and fit L(N, D) = E + A / N**alpha + B / D**beta to the "
            "losses (N: trainable parameters, D: training windows). Writes scaling.json, "
            "scaling.md and scaling.png to --output-dir."
        ),
    )
    parser.add_argument(
        "data", help="bundled data set name (see `sk-stfm datasets`) or CSV/Parquet"
    )
    parser.add_argument(
        "--backbone", default="patchtst", help="backbone with a width (e.g. patchtst, stid)"
    )
    parser.add_argument("--widths", default="8,16,32", help="comma-separated widths")
    parser.add_argument(
        "--fractions", default="0.25,0.5,1", help="comma-separated shares of training windows"
    )
    parser.add_argument("--history", type=positive_int, default=96, help="input window (steps)")
    parser.add_argument("--horizon", type=positive_int, default=24, help="forecast horizon (steps)")
    parser.add_argument(
        "--validation-size",
        type=_validation_size,
        default=0.2,
        help="last share (< 1) or number of steps that validates",
    )
    parser.add_argument(
        "--train-stride", type=positive_int, default=1, help="every k-th training window"
    )
    parser.add_argument("--max-epochs", type=positive_int, default=10, help="epochs per fit")
    parser.add_argument("--budget", type=positive_float, default=None, help="seconds per fit")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="windows per step")
    parser.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate")
    parser.add_argument(
        "--patience", type=positive_int, default=3, help="epochs without improvement"
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
    parser.add_argument("--output-dir", default="scaling", help="folder of the result files")
    parser.set_defaults(handler=run_scaling)
