"""``sk-stfm predict``: forecast the steps after a data set with a model from ``fit``."""

from pathlib import Path

import numpy as np

from ._arguments import add_data_arguments, require_matplotlib
from ._data import check_window_data, infer_frequency, load_data, same_frequency


def _layout_text(count, names, noun):
    """``"3 columns (a, b, c)"``, at most 8 names shown."""
    text = f"{count} {noun if count != 1 else noun[:-1]}"
    if names:
        shown = [str(name) for name in names[:8]] + (["..."] if len(names) > 8 else [])
        text += f" ({', '.join(shown)})"
    return text


def _check_layout(data, metadata, source):
    """Refuse data whose nodes or channels are not those the model was fitted on."""
    for noun, names, count, key in (
        ("nodes", data.node_names, data.n_nodes, "node"),
        ("columns", data.channel_names, data.n_channels, "channel"),
    ):
        expected = metadata[f"{key}_names"]
        expected_count = metadata[f"n_{key}s"]
        got = None if names is None else [str(name) for name in names]
        if count != expected_count or (
            got is not None and expected is not None and got != expected
        ):
            raise ValueError(
                f"{source} has {_layout_text(count, got, noun)}, but the model was fitted on "
                f"{metadata.get('data') or 'data'} with "
                f"{_layout_text(expected_count, expected, noun)}; pass data with the same {noun}."
            )


def future_index(data, metadata, horizon):
    """The times of the ``horizon`` steps after the data.

    Parameters
    ----------
    data : STData
        The data being continued.
    metadata : dict
        The model's metadata; its ``frequency`` is used when the data's own
        cannot be inferred (fewer than two timestamps), and must agree with
        the data's otherwise.
    horizon : int
        Steps to forecast.

    Returns
    -------
    index : pandas.DatetimeIndex or pandas.RangeIndex
        The next timestamps at the data's frequency, or step numbers
        ``n_steps, ..., n_steps + horizon - 1`` for data without
        timestamps; named after the model's time column.
    """
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    name = metadata["time_name"]
    if data.timestamps is None:
        return pd.RangeIndex(data.n_steps, data.n_steps + horizon, name=name)
    frequency = infer_frequency(data.timestamps)
    fitted = metadata["frequency"]
    if frequency is not None and fitted is not None and not same_frequency(frequency, fitted):
        raise ValueError(
            f"{data.name!r} is sampled every {frequency}, but the model was fitted on data "
            f"sampled every {fitted}; resample the data to {fitted}."
        )
    frequency = frequency or fitted
    if frequency is None:
        raise ValueError(
            f"{data.name!r} has a single timestamp and the model no frequency; cannot "
            "tell the times of the forecast."
        )
    step, last = to_offset(fitted or frequency), data.timestamps[-1]
    return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)], name=name)


def forecast_frame(estimator, metadata, data, source):
    """Forecast the ``horizon`` steps after ``data``, in its units and wide layout.

    Parameters
    ----------
    estimator : STForecaster
        The fitted forecaster.
    metadata : dict
        Its metadata (see ``sk_stfm.cli._saved_model``).
    data : STData
        Regular data with the nodes and channels the model was fitted on.
    source : str
        How the user named the data, for messages.

    Returns
    -------
    frame : pandas.DataFrame
        One row per forecast step, indexed by time (see
        :func:`future_index`), with the columns of
        :meth:`STData.to_frame <sk_stfm.data.STData.to_frame>`: the channel
        names for one node, ``(node, channel)`` pairs for several.
    """
    from ..data import STData

    check_window_data(data, "predict")
    _check_layout(data, metadata, source)
    history, horizon = metadata["history"], metadata["horizon"]
    index = future_index(data, metadata, horizon)
    if data.n_steps < history:
        raise ValueError(
            f"{source} has {data.n_steps} steps; the model reads the last history = "
            f"{history} steps."
        )
    mean, std = metadata["mean"], metadata["std"]
    window = (data.values[-history:] - mean) / std
    forecast = estimator.predict(window[None].astype(np.float32))[0] * std[0] + mean[0]
    frame = STData(
        values=forecast,
        node_names=data.node_names,
        channel_names=data.channel_names,
    ).to_frame()
    frame.index = index
    return frame


def _check_graph(estimator, data, path):
    """Refuse an ``--adjacency`` other than the graph the model was fitted with."""
    import scipy.sparse as sp

    fitted = estimator.spatial
    if not (sp.issparse(fitted) or isinstance(fitted, np.ndarray)):
        raise ValueError(f"--adjacency {path}: the model was fitted without a graph.")
    given = data.adjacency
    same = fitted.shape == given.shape and not (
        abs(sp.csr_array(fitted, dtype=float) - sp.csr_array(given, dtype=float)) > 1e-9
    ).nnz
    if not same:
        raise ValueError(
            f"--adjacency {path}: the graph differs from the one the model was fitted with "
            "(the model keeps its graph; --adjacency may be left out)."
        )


def _plot(path, data, frame, metadata):
    """History and forecast of each channel (of the first node) as a PNG."""
    plt = require_matplotlib()
    horizon = len(frame)
    n_recent = min(data.n_steps, max(metadata["history"], 2 * horizon))
    if data.timestamps is not None:
        past = data.timestamps[-n_recent:]
    else:
        past = np.arange(data.n_steps - n_recent, data.n_steps)
    forecast = frame.to_numpy().reshape(horizon, data.n_nodes, data.n_channels)
    channels = data.channel_names or [str(c) for c in range(data.n_channels)]
    node = "" if data.n_nodes == 1 else f" (node {(data.node_names or ['0'])[0]})"
    fig, axes = plt.subplots(
        data.n_channels, 1, figsize=(9, 2.2 * data.n_channels + 0.8), sharex=True, squeeze=False
    )
    for channel, ax in enumerate(axes[:, 0]):
        recent = data.values[-n_recent:, 0, channel]
        ax.plot(past, recent, color="0.3", label="history")
        # Start the forecast's line at the last value, so the two lines join.
        times, values = list(frame.index), list(forecast[:, 0, channel])
        if not np.isnan(recent[-1]):
            times, values = [past[-1], *times], [recent[-1], *values]
        ax.plot(times, values, color="C1", label="forecast")
        ax.axvline(past[-1], color="0.7", linestyle=":")
        ax.set_title(f"{channels[channel]}{node}", fontsize=10, loc="left")
    axes[0, 0].legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel(metadata["time_name"])
    fig.suptitle(f"{metadata.get('model', 'model')}: {horizon}-step forecast of {data.name}")
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_predict(args):
    """Run ``sk-stfm predict``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    status : int
        0 on success.
    """
    from ._long_table import long_forecast_frame
    from ._saved_model import load_model

    if args.plot:
        require_matplotlib()  # before the work, not after it
    estimator, metadata = load_model(args.model)
    data, table_layout = load_data(args.data, args.layout, args.adjacency, return_layout=True)
    if args.adjacency is not None:
        _check_graph(estimator, data, args.adjacency)
    frame = forecast_frame(estimator, metadata, data, args.data)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if table_layout["layout"] == "long":
        # Written back as it was read: one row per time and node.
        long_forecast_frame(
            frame.to_numpy().reshape(len(frame), data.n_nodes, data.n_channels),
            frame.index,
            data.node_names,
            data.channel_names,
            table_layout["channel_column"],
        ).to_csv(output, index=False)
    else:
        frame.to_csv(output)
    first, last = frame.index[0], frame.index[-1]
    print(
        f"Forecast {len(frame)} steps of {data.name} ({first} to {last}) with "
        f"{metadata.get('model', args.model)}; wrote {output}"
    )
    if args.plot:
        _plot(args.plot, data, frame, metadata)
        print(f"Saved the plot to {args.plot}")
    return 0


def add_predict_command(commands):
    """Register ``predict`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    parser = commands.add_parser(
        "predict",
        help="forecast the steps after a data set with a model saved by `sk-stfm fit`",
        description=(
            "Load a model written by `sk-stfm fit` (MODEL_PATH and MODEL_PATH.json), check "
            "that the data have its nodes and columns, forecast the horizon after the data's "
            "last history steps and write it as CSV in the data's units and table layout "
            "(wide or long, the same columns), its times continuing the data's (step "
            "numbers without timestamps)."
        ),
    )
    parser.add_argument("model", help="model file written by `sk-stfm fit`")
    add_data_arguments(
        parser, "optional, the model keeps its graph: checked against the model's"
    )
    parser.add_argument("--output", required=True, help="path of the forecast CSV")
    parser.add_argument(
        "--plot", default=None, help="also save a PNG of the recent history and the forecast"
    )
    parser.set_defaults(handler=run_predict)
