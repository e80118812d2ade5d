"""``sk-stfm tune``: an Optuna search over backbone x objective on a data set."""

import time

import numpy as np

from ._arguments import name_list, positive_float, positive_int, seed, write_json
from ._data import check_window_data, holdout_windows, load_data


def _restrict(options, wanted, what):
    unknown = sorted(set(wanted) - set(options))
    if unknown:
        raise ValueError(f"--{what} {unknown} not available here; choose among {sorted(options)}.")
    return {name: options[name] for name in wanted}


def tune_windows(data, args):
    """Cut ``data`` into windows, search, and score the best model on the test part.

    Parameters
    ----------
    data : STData
        Regular data (series, graph, grid or video).
    args : argparse.Namespace
        The parsed ``tune`` arguments.

    Returns
    -------
    report : dict
        Trials, best parameters and test errors (in the data's units) of the
        best model and of the last-value baseline.
    """
    from ..datasets import last_value_forecast
    from ..estimators import STForecaster, TimeBudget
    from ..metrics import masked_mae, masked_rmse
    from ..tuning import STFMSearchCV, default_search_space

    check_window_data(data, "tune")
    history, horizon = args.history, args.horizon
    X_train, y_train, X_test, y_test, mean, std = holdout_windows(
        data, history, horizon, args.test_fraction, args.train_stride
    )

    space = default_search_space(data.kind, "forecasting", history=history)
    if args.backbones:
        space["backbone"] = _restrict(space["backbone"], args.backbones, "backbones")
    if args.objectives:
        space["objective"] = _restrict(space.get("objective", {}), args.objectives, "objectives")
    spatial = data if data.adjacency is not None or data.grid_shape is not None else None
    estimator = STForecaster(
        spatial=spatial,
        max_epochs=args.max_epochs,
        patience=3,
        random_state=args.seed,
        callbacks=[TimeBudget(args.trial_budget)] if args.trial_budget else None,
    )
    search = STFMSearchCV(
        estimator,
        space,
        cv=args.cv,
        n_trials=args.trials,
        timeout=args.timeout,
        storage=args.storage,
        study_name=args.study_name,
        random_state=args.seed,
        verbose=1,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - start

    def units(windows):
        return windows * std + mean

    truth = units(y_test)
    best = units(search.predict(X_test))
    last = units(last_value_forecast(X_test, horizon))
    results = search.cv_results_
    trials = [
        {
            "number": int(results["trial_number"][i]),
            "state": str(results["state"][i]),
            "params": _trial_labels(search.study_.trials[i], results["params"][i]),
            "cv_score": _plain(results["mean_test_score"][i]),
            "fit_seconds": _plain(results["mean_fit_time"][i]),
            "worker": search.study_.trials[i].user_attrs.get("worker"),
        }
        for i in range(len(results["params"]))
    ]
    return {
        "data": data.name,
        "kind": data.kind,
        "history": history,
        "horizon": horizon,
        "n_train_windows": len(X_train),
        "n_test_windows": len(X_test),
        "study_name": search.study_.study_name,
        "storage": None if args.storage is None else str(args.storage),
        "search_seconds": seconds,
        "trials": trials,
        "best_trial": int(results["trial_number"][search.best_index_]),
        "best_params": _trial_labels(search.study_.best_trial, search.best_params_),
        "best_cv_score": search.best_score_,
        "test": {
            "best": {"mae": masked_mae(truth, best), "rmse": masked_rmse(truth, best)},
            "last_value": {"mae": masked_mae(truth, last), "rmse": masked_rmse(truth, last)},
        },
    }


def _trial_labels(trial, params):
    """A trial's parameters as a reader knows them: components by their
    option name (``"gwnet"``), numbers rounded to 3 significant digits."""
    from ..tuning import parameter_labels

    labels = {}
    for key, value in parameter_labels(params).items():
        if isinstance(trial.params.get(key), str):
            value = trial.params[key]
        elif isinstance(value, float):
            value = float(f"{value:.3g}")
        labels[key] = _plain(value)
    return labels


def _plain(value):
    """JSON-friendly scalars (numpy numbers, NaN as None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value if isinstance(value, int | float | str | bool | type(None)) else repr(value)


def _print_report(report):
    print(f"\n{report['data']} ({report['kind']}), history {report['history']}, horizon "
          f"{report['horizon']}: {len(report['trials'])} trials in study {report['study_name']!r}")  # fmt: skip
    names = sorted({k for t in report["trials"] for k in t["params"]})
    header = f"  {'trial':>5}  {'state':8}  {'cv R2':>7}  {'fit s':>6}  " + "  ".join(names)
    print(header)
    for trial in report["trials"]:
        score = "-" if trial["cv_score"] is None else f"{trial['cv_score']:.4f}"
        fit = "-" if trial["fit_seconds"] is None else f"{trial['fit_seconds']:.1f}"
        values = "  ".join(str(trial["params"].get(k, "")) for k in names)
        print(f"  {trial['number']:>5}  {trial['state']:8}  {score:>7}  {fit:>6}  {values}")
    test = report["test"]
    print(f"\nBest trial {report['best_trial']}: {report['best_params']}")
    print("Test errors (data units):")
    for label, key in (("best model", "best"), ("last value", "last_value")):
        print(f"  {label:12} MAE {test[key]['mae']:.4f}   RMSE {test[key]['rmse']:.4f}")


def run_tune(args):
    """Run ``sk-stfm tune``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    report = tune_windows(load_data(args.data), args)
    _print_report(report)
    if args.output:
        write_json(args.output, report)
    return 0


def add_tune_command(commands):
    """Register ``tune`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "tune",
        help="search backbone x objective x training with Optuna on a data set",
        description=(
            "Search the default space of the data's kind (see "
            "sk_stfm.tuning.default_search_space) with time-respecting CV on the training "
            "part, refit the best, and compare it with the last value on the test part. "
            "With --storage and --study-name a killed search resumes, and several "
            "processes on one storage share the study."
        ),
    )
    parser.add_argument(
        "data", help="bundled data set name (see `sk-stfm datasets`) or CSV/Parquet"
    )
    parser.add_argument(
        "--trials", type=positive_int, default=10, help="trials the study must hold"
    )
    parser.add_argument("--storage", default=None, help="Optuna DB URL or journal file (resumable)")
    parser.add_argument("--study-name", default=None, help="study to create or resume")
    parser.add_argument("--backbones", type=name_list, default=None, help="e.g. dlinear,gwnet")
    parser.add_argument("--objectives", type=name_list, default=None, help="e.g. regression,masked")
    parser.add_argument("--history", type=positive_int, default=12, help="input window (steps)")
    parser.add_argument("--horizon", type=positive_int, default=12, help="forecast horizon (steps)")
    parser.add_argument(
        "--test-fraction", type=positive_float, default=0.2, help="last share held out"
    )
    parser.add_argument(
        "--train-stride", type=positive_int, default=1, help="every k-th training window"
    )
    parser.add_argument("--cv", type=positive_int, default=3, help="time-series CV folds")
    parser.add_argument("--max-epochs", type=positive_int, default=20, help="epochs per fit")
    parser.add_argument("--trial-budget", type=positive_float, default=None, help="seconds per fit")
    parser.add_argument(
        "--timeout", type=positive_float, default=None, help="seconds for the search"
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed")
    parser.add_argument("--output", default=None, help="write the report as JSON here")
    parser.set_defaults(handler=run_tune)
