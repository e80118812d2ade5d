"""``sk-stfm recommend``: profile a data set and rank the models that suit it."""

from ._arguments import positive_int, profile_record, write_json


def run_recommend(args):
    """Run ``sk-stfm recommend``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    from ..taxonomy import recommend
    from ._data import load_data

    data = load_data(args.data)
    recommendations = recommend(
        data, task=args.task, budget=args.budget, top_k=args.top, horizon=args.horizon
    )
    print(recommendations.profile)
    print(f"\nModels for {args.task} on a {args.budget} budget, best first:")
    for item in recommendations:
        window = "" if item.history is None else f", history {item.history}"
        window += "" if not item.horizon else f", horizon {item.horizon}"
        print(
            f"\n{item.rank}. {item.backbone} ({type(item.estimator).__name__}, "
            f"score {item.score:.3f}{window})"
        )
        for reason in item.reasons:
            print(f"   - {reason}")
    if recommendations.excluded:
        print("\nNot proposed:")
        for name, reason in recommendations.excluded.items():
            print(f"   - {name}: {reason}")
    if args.output:
        write_json(
            args.output,
            {
                "data": getattr(data, "name", str(args.data)),
                "task": args.task,
                "budget": args.budget,
                "profile": profile_record(recommendations.profile),
                "recommendations": recommendations.to_frame().to_dict(orient="records"),
                "excluded": dict(recommendations.excluded),
            },
        )
    return 0


def add_recommend_command(commands):
    """Register ``recommend`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "recommend",
        help="profile a data set and rank the models that suit it, with reasons",
        description=(
            "Measure the data's dependencies (autocorrelation, Moran's I on its adjacency or "
            "grid), sampling, missing rate and periods, then rank ready-to-fit models by how "
            "their capability tags match (sk_stfm.taxonomy.recommend)."
        ),
    )
    parser.add_argument(
        "data", help="bundled data set name (see `sk-stfm datasets`) or CSV/Parquet"
    )
    parser.add_argument("--task", default="forecasting", help="forecasting, imputation, ...")
    parser.add_argument(
        "--budget", choices=("small", "medium", "large"), default="small", help="compute budget"
    )
    parser.add_argument("--top", type=positive_int, default=5, help="how many models to list")
    parser.add_argument("--horizon", type=positive_int, default=None, help="forecast horizon")
    parser.add_argument("--output", default=None, help="write the ranking as JSON here")
    parser.set_defaults(handler=run_recommend)
