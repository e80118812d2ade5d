"""The ``sk-stfm`` command line.

One module per sub-command (``demo``, ``datasets``, ``tune``, ...); each
registers its parser here. Errors a user can fix (a bad path, a bad
specification, bad data) end in one line on stderr and exit status 1.
"""

import argparse
import sys

from ._benchmark import add_benchmark_command
from ._datasets import add_datasets_command
from ._demo import add_demo_command
from ._describe import add_describe_command
from ._fit import add_fit_command
from ._predict import add_predict_command
from ._recommend import add_recommend_command
from ._scaling import add_scaling_command
from ._tune import add_tune_command

_COMMANDS = (
    add_demo_command,
    add_datasets_command,
    add_describe_command,
    add_recommend_command,
    add_fit_command,
    add_predict_command,
    add_tune_command,
    add_benchmark_command,
    add_scaling_command,
)


def build_parser():
    """Return the argument parser of the ``sk-stfm`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser, with one sub-command per task.

    Examples
    --------
    >>> parser = build_parser()
    >>> parser.parse_args(["tune", "los_loop", "--trials", "4"]).trials
    4
    """
    parser = argparse.ArgumentParser(
        prog="sk-stfm",
        description="sk_stfm: spatio-temporal foundation models, the scikit-learn way.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add_command in _COMMANDS:
        add_command(commands)
    return parser


def main(argv=None):
    """Run the ``sk-stfm`` command.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        Exit status: 0 on success, 1 for an error the user can fix.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"sk-stfm: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
