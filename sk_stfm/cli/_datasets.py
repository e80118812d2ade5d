"""``sk-stfm datasets``: list the bundled data sets."""


def run_datasets(args):
    """List the bundled data sets.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (none are used).

    Returns
    -------
    status : int
        0.
    """
    import pandas as pd

    from ..datasets import list_datasets

    table = list_datasets()
    with pd.option_context("display.max_colwidth", 60, "display.width", 160):
        print(
            table[["name", "kind", "shape", "sampling_interval", "license"]].to_string(index=False)
        )
    return 0


def add_datasets_command(commands):
    """Register ``datasets`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser("datasets", help="list the bundled data sets")
    parser.set_defaults(handler=run_datasets)
