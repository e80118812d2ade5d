"""``sk-stfm describe``: print the data-property profile of a data set."""

import math

from ._arguments import add_data_arguments, profile_record, write_json


def _number(value):
    """A float for JSON: ``None`` where it is missing or not finite."""
    return None if value is None or not math.isfinite(value) else float(value)


def profile_statistics(profile):
    """The numbers behind a profile, for programs that read the JSON report.

    Parameters
    ----------
    profile : DataProfile
        What :func:`sk_stfm.taxonomy.describe` measured.

    Returns
    -------
    statistics : dict
        ``kind``, ``sampling``, ``shape`` (``None`` for sequences),
        ``time_step`` (text or ``None``), ``missing_rate``, ``context``, one
        entry per dependence (its statistic, value, z-score, p-value,
        strength and whether it is present; ``None`` where it does not
        apply) and ``periods`` (steps, duration, autocorrelation, power).
    """
    measures = {
        name: None
        if measure is None
        else {
            "statistic": measure.statistic,
            "value": _number(measure.value),
            "z_score": _number(measure.z_score),
            "p_value": _number(measure.p_value),
            "strength": measure.strength,
            "present": measure.present,
        }
        for name, measure in (
            ("temporal", profile.temporal),
            ("spatial", profile.spatial),
            ("spatio_temporal", profile.spatio_temporal),
        )
    }
    return {
        "kind": profile.kind,
        "sampling": profile.sampling,
        "shape": None if profile.shape is None else list(profile.shape),
        "time_step": None if profile.time_step is None else str(profile.time_step),
        "missing_rate": _number(profile.missing_rate),
        "context": list(profile.context),
        **measures,
        "periods": [
            {
                "steps": period.steps,
                "duration": None if period.duration is None else str(period.duration),
                "autocorrelation": _number(period.autocorrelation),
                "power": _number(period.power),
            }
            for period in profile.periods
        ],
        "dependencies": list(profile.dependencies),
    }


def run_describe(args):
    """Run ``sk-stfm describe``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    from ..taxonomy import describe
    from ._data import load_data

    data = load_data(args.data, args.layout, args.adjacency)
    profile = describe(data)
    print(profile)
    if args.output:
        write_json(
            args.output,
            {
                "data": getattr(data, "name", str(args.data)),
                "profile": profile_record(profile),
                "statistics": profile_statistics(profile),
            },
        )
    return 0


def add_describe_command(commands):
    """Register ``describe`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "describe",
        help="profile a data set: kind, sampling, missing values, dependencies, periods",
        description=(
            "Measure what the survey's taxonomy classifies data by "
            "(sk_stfm.taxonomy.describe): kind and shape, sampling, missing rate, "
            "autocorrelation, Moran's I on the adjacency or grid, Moran's I of the changes, "
            "and the dominant periods."
        ),
    )
    add_data_arguments(parser, "spatial dependence is measured on it")
    parser.add_argument("--output", default=None, help="write the profile as JSON here")
    parser.set_defaults(handler=run_describe)
