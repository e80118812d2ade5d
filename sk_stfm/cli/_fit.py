"""``sk-stfm fit``: train a forecaster on a data set and save it for ``predict``."""

import ast
import difflib
import inspect
import time

import numpy as np

from ..taxonomy._history import resolve_history
from ..utils._tags import WINDOW_KINDS
from ._arguments import (
    add_data_arguments,
    positive_float,
    positive_int,
    positive_int_or_auto,
    seed,
)
from ._data import (
    check_window_data,
    holdout_windows,
    infer_frequency,
    load_data,
    training_steps,
)

# Arguments every backbone module takes from the data, not from the user.
_DATA_ARGUMENTS = ("n_steps", "n_nodes", "n_channels", "horizon", "n_targets")


def window_backbones():
    """Names of the registered backbones that forecast regular windows.

    Returns
    -------
    names : list of str
        Sorted names of the forecasting backbones that take at least one of
        the kinds in ``WINDOW_KINDS``.
    """
    from ..backbones import get_backbone, list_backbones

    return [
        name
        for name in list_backbones(task="forecasting")
        if set(get_backbone(name).tags.data_kinds) & set(WINDOW_KINDS)
    ]


def parse_model_spec(spec):
    """Parse a model specification ``NAME[:PARAM=VALUE,...]`` into a backbone configuration.

    Parameters
    ----------
    spec : str
        A registered backbone name, optionally followed by ``:`` and
        comma-separated parameters of its configuration, e.g.
        ``"patchtst:d_model=32,n_layers=2"``. Values are read as Python
        literals (``32``, ``1e-3``, ``(64, 64)``, ``'end'``), ``true`` /
        ``false`` / ``none`` in any case, and otherwise as text
        (``norm=layer``).

    Returns
    -------
    config : BackboneConfig
        The configuration, ready for ``STForecaster(backbone=config)``.

    Raises
    ------
    ValueError
        If the name is not a window forecasting backbone, a parameter is
        malformed, repeated or unknown; the message names ``spec`` and the
        valid choices.

    Examples
    --------
    >>> parse_model_spec("patchtst:d_model=32,n_layers=2,norm=layer")
    PatchTSTConfig(d_model=32, n_layers=2, norm='layer')
    >>> parse_model_spec("mlp:hidden_sizes=(32, 32),revin=false")
    MLPConfig(hidden_sizes=(32, 32), revin=False)
    """
    from ..estimators import RegisteredBackbone, resolve_backbone

    name, _, text = spec.partition(":")
    name = name.strip()
    names = window_backbones()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"--model {spec!r}: unknown backbone {name!r}; choose among {', '.join(names)}.{hint}"
        )
    config = resolve_backbone(name)
    valid = _parameter_names(config)
    params = {}
    for item in _split_parameters(text):
        key, equals, value = (part.strip() for part in item.partition("="))
        if not (key and equals and value):
            raise ValueError(
                f"--model {spec!r}: parameters are PARAM=VALUE pairs separated by commas; "
                f"got {item.strip()!r}."
            )
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"--model {spec!r}: {name} has no parameter {key!r}; its parameters are "
                f"{', '.join(valid)}.{hint}"
            )
        if key in params:
            raise ValueError(f"--model {spec!r}: parameter {key!r} is given twice.")
        params[key] = _parse_value(value)
    if isinstance(config, RegisteredBackbone):
        return config.set_params(params=params or None)
    return config.set_params(**params)


def _parameter_names(config):
    """The parameters a user may set on a backbone configuration, sorted."""
    from ..estimators import RegisteredBackbone

    if not isinstance(config, RegisteredBackbone):
        return sorted(config.get_params(deep=False))
    # A backbone without its own configuration: its module's keyword arguments.
    context = set(_DATA_ARGUMENTS) | set(getattr(config.spec().cls, "spatial_context", ()))
    signature = inspect.signature(config.spec().cls)
    return sorted(
        name
        for name, parameter in signature.parameters.items()
        if name not in context
        and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    )


def _split_parameters(text):
    """Split ``a=1,b=(2, 3)`` at the commas outside brackets."""
    items, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:position])
            start = position + 1
    items.append(text[start:])
    return [item for item in items if item.strip()]


def _parse_value(text):
    """A parameter value: a plain Python literal, a boolean, None, or the text itself."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    if isinstance(value, list):
        value = tuple(value)
    scalars = bool | int | float | str | type(None)
    if isinstance(value, scalars) or (
        isinstance(value, tuple) and all(isinstance(item, scalars) for item in value)
    ):
        return value
    return text


def _spatial_parameter(data):
    """The ``spatial=`` of the forecaster: the grid shape or the adjacency.

    Not the STData itself, which the safe model file cannot hold; a grid
    keeps its shape (backbones that want an adjacency get its lattice).
    """
    if data.grid_shape is not None:
        return tuple(int(size) for size in data.grid_shape)
    return data.adjacency


def _check_backbone(config, spec, data, history, horizon, spatial):
    """Refuse a backbone the data cannot feed, before loading windows into it."""
    import torch

    from ..backbones import compatible_backbones
    from ..data import resolve_spatial

    context = resolve_spatial(spatial, data.n_nodes)
    usable = compatible_backbones(context.kind, "forecasting", context.available())
    if config.backbone_name not in usable:
        raise ValueError(
            f"--model {spec!r}: {config.backbone_name} cannot forecast {context.kind} data "
            f"like {data.name!r}; backbones that can: {', '.join(usable)}."
        )
    try:
        with torch.random.fork_rng():  # a trial build must not move the global RNG
            config.build(history, data.n_nodes, data.n_channels, horizon, spatial=context)
    except (TypeError, ValueError) as exc:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        raise type(exc)(f"--model {spec!r}: {cause}") from exc


def naive_forecasts(data, X_test, horizon, n_train, mean, std):
    """The last-value and seasonal naive forecasts of the test windows, scaled.

    The season is the period that ``sk-stfm describe`` reports for the data
    (see :func:`sk_stfm.taxonomy.seasonal_period`); the seasonal naive
    forecast reads it from the series, so it may be longer than the
    history.

    Parameters
    ----------
    data : STData
        The data, in their units.
    X_test : ndarray of shape (n_windows, history, n_nodes, n_channels)
        Scaled test windows; window ``i`` forecasts from step ``n_train + i``.
    horizon : int
        Steps to forecast.
    n_train : int
        Training steps.
    mean, std : ndarray of shape (1, n_nodes, n_channels)
        The training statistics that scaled the windows.

    Returns
    -------
    forecasts : dict of str to ndarray of shape (n_windows, horizon, n_nodes, n_channels)
        ``"last_value"`` and, when a season fits in the training part,
        ``"seasonal_naive"``; scaled like ``X_test``.
    period : int or None
        The season used, in steps.
    source : str
        How it was chosen, or why there is none.
    """
    from ..datasets import last_value_forecast, seasonal_naive_forecast
    from ..taxonomy import describe, seasonal_period

    forecasts = {"last_value": last_value_forecast(X_test, horizon)}
    period, source = seasonal_period(describe(data))
    if period is not None and period > n_train:
        source = f"the period of {period} steps ({source}) is longer than the training part"
        period = None
    if period is not None:
        forecasts["seasonal_naive"] = seasonal_naive_forecast(
            (data.values - mean) / std,
            horizon,
            period,
            origins=n_train + np.arange(len(X_test)),
        )
    return forecasts, period, source


def _names(names):
    return None if names is None else [str(name) for name in names]


def fit_model(args):
    """Load the data, hold out its end, train, score, and save the model.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``fit`` arguments.

    Returns
    -------
    metadata : dict
        What was written beside the model file (see
        ``sk_stfm.cli._saved_model``), including the test errors.
    """
    from ..estimators import STForecaster, TimeBudget
    from ..metrics import masked_mae, masked_rmse
    from ..objectives import objectives_for
    from ._saved_model import save_model

    config = parse_model_spec(args.model)
    if args.objective not in objectives_for("forecasting"):
        raise ValueError(
            f"--objective {args.objective!r}: choose among "
            f"{', '.join(objectives_for('forecasting'))}."
        )
    data, table_layout = load_data(args.data, args.layout, args.adjacency, return_layout=True)
    check_window_data(data, "fit")
    horizon = args.horizon
    # "auto": the look-back sktime's forecaster would choose, from the training steps.
    n_train = training_steps(data.n_steps, args.test_fraction)
    history = resolve_history(args.history, data.values[:n_train], horizon)
    spatial = _spatial_parameter(data)
    _check_backbone(config, args.model, data, history, horizon, spatial)
    X_train, y_train, X_test, y_test, mean, std = holdout_windows(
        data, history, horizon, args.test_fraction, args.train_stride
    )
    estimator = STForecaster(
        backbone=config,
        objective=args.objective,
        spatial=spatial,
        max_epochs=args.max_epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        random_state=args.seed,
        verbose=1,
        callbacks=[TimeBudget(args.budget)] if args.budget else None,
    )
    print(
        f"Training {args.model} on {data.name} ({data.kind}, shape {data.shape}): "
        f"{len(X_train)} training and {len(X_test)} test windows, history {history}, "
        f"horizon {horizon}."
    )
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start

    def units(windows):
        return windows * std + mean

    truth = units(y_test)
    naive, period, period_source = naive_forecasts(
        data, X_test, horizon, training_steps(data.n_steps, args.test_fraction), mean, std
    )
    errors = {}
    for label, forecast in {"model": estimator.predict(X_test), **naive}.items():
        errors[label] = {
            "mae": masked_mae(truth, units(forecast)),
            "rmse": masked_rmse(truth, units(forecast)),
        }
    timestamps = data.timestamps
    metadata = {
        "data": data.name,
        "kind": data.kind,
        "layout": table_layout["layout"],
        "channel_column": table_layout["channel_column"],
        "model": args.model,
        "backbone": repr(config),
        "objective": args.objective,
        "history": history,
        "horizon": horizon,
        "n_nodes": data.n_nodes,
        "n_channels": data.n_channels,
        "node_names": _names(data.node_names),
        "channel_names": _names(data.channel_names),
        "time_name": str(getattr(timestamps, "name", None) or "time"),
        "frequency": infer_frequency(timestamps),
        "last_timestamp": None if timestamps is None else timestamps[-1].isoformat(),
        "n_steps": data.n_steps,
        "mean": mean.tolist(),
        "std": std.tolist(),
        "test_fraction": args.test_fraction,
        "n_train_windows": len(X_train),
        "n_test_windows": len(X_test),
        "n_epochs": int(estimator.n_epochs_),
        "fit_seconds": fit_seconds,
        "test": errors,
        "seasonal_period": period,
        "seasonal_period_source": period_source,
    }
    print(f"\nTest errors over {len(X_test)} windows (data units):")
    labels = {"model": args.model, "last_value": "last value"}
    if period is not None:
        labels["seasonal_naive"] = f"seasonal naive ({period} steps)"
    width = max(len(label) for label in labels.values()) + 2
    for key, label in labels.items():
        print(f"  {label:{width}} MAE {errors[key]['mae']:.4f}   RMSE {errors[key]['rmse']:.4f}")
    print(f"  Seasonal naive period: {period_source}.")
    model_path, sidecar = save_model(estimator, args.output, metadata)
    print(f"\nSaved the model to {model_path} and its metadata to {sidecar}")
    return metadata


def run_fit(args):
    """Run ``sk-stfm fit``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    fit_model(args)
    return 0


def add_fit_command(commands):
    """Register ``fit`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "fit",
        help="train a forecaster on a data set and save it for `sk-stfm predict`",
        description=(
            "Hold out the last --test-fraction of the data in time, z-score every node and "
            "channel with the training statistics, train an STForecaster, print its test "
            "MAE / RMSE in the data's units beside the last value's and the seasonal naive "
            "forecast's (with the strongest period `sk-stfm describe` finds), and save it: the "
            "forecaster's own safe save() file at --output and, beside it, --output.json "
            "with what `sk-stfm predict` needs to forecast raw data."
        ),
    )
    add_data_arguments(parser, "graph backbones (stid, gwnet, ...) take it as spatial context")
    parser.add_argument(
        "--model",
        required=True,
        help="backbone name with optional parameters, e.g. dlinear or patchtst:d_model=32,n_layers=2",
    )
    parser.add_argument("--output", required=True, help="path of the model file (e.g. model.pt)")
    parser.add_argument(
        "--history",
        type=positive_int_or_auto,
        default="auto",
        help="input window (steps); auto: from the length and period of the training part",
    )
    parser.add_argument("--horizon", type=positive_int, default=12, help="forecast horizon (steps)")
    parser.add_argument(
        "--objective", default="regression", help="training objective: regression, masked, ..."
    )
    parser.add_argument(
        "--max-epochs",
        type=positive_int_or_auto,
        default="auto",
        help="training epochs; auto: resolved from the number of windows",
    )
    parser.add_argument(
        "--budget", type=positive_float, default=None, help="training time budget in seconds"
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int_or_auto,
        default="auto",
        help="windows per batch; auto: resolved from the number of windows",
    )
    parser.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate")
    parser.add_argument("--seed", type=seed, default=0, help="random seed")
    parser.add_argument(
        "--test-fraction", type=positive_float, default=0.2, help="last share held out"
    )
    parser.add_argument(
        "--train-stride", type=positive_int, default=1, help="every k-th training window"
    )
    parser.set_defaults(handler=run_fit)
