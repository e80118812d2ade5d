"""``sk-stfm demo``: forecast ETTh1 with PatchTST and compare with published numbers."""

import time
from pathlib import Path

import numpy as np

from ..metrics import masked_mae, masked_mse
from ..utils import configure_cpu_allocator
from ..utils._threads import torch_threads
from ._arguments import positive_float, positive_int, require_matplotlib, seed


def _errors(y_true, y_pred):
    return masked_mse(y_true, y_pred), masked_mae(y_true, y_pred)


def run_demo(args):
    """Forecast ETTh1 with a time-bounded PatchTST and compare with baselines."""
    plt = require_matplotlib()  # before training, not after four minutes of it
    configure_cpu_allocator()  # a command owns its process
    with torch_threads(args.threads):
        return _demo(args, plt)


def _demo(args, plt):
    """The demo itself; ``run_demo`` sets up and restores the process state."""
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import ExponentialLR

    from ..data import split_windows
    from ..datasets import (
        last_value_forecast,
        load_etth1,
        published_baselines,
        seasonal_naive_forecast,
    )
    from ..estimators import PatchTSTConfig, STForecaster, TimeBudget
    from ..taxonomy import describe, seasonal_period

    data = load_etth1()
    period, period_source = seasonal_period(describe(data))
    print(f"Loaded {data.name}: {data.n_steps} hourly steps x {data.n_channels} channels.")
    windows = split_windows(
        data,
        8640,
        2880,
        2880,
        history=args.history,
        horizon=args.horizon,
        train_stride=args.train_stride,
    )
    print(
        f"Standard protocol: {len(windows.X_train)} train, {len(windows.X_val)} validation, "
        f"{len(windows.X_test)} test windows (history {args.history}, horizon {args.horizon})."
    )
    model = STForecaster(
        backbone=PatchTSTConfig(),
        lr=5e-4,
        batch_size=128,
        max_epochs=100,
        patience=5,
        random_state=args.seed,
        verbose=1,
        callbacks=[TimeBudget(args.budget), LRScheduler(ExponentialLR, gamma=0.9)],
    )
    start = time.perf_counter()
    model.fit(windows.X_train, windows.y_train, validation_data=(windows.X_val, windows.y_val))
    fit_seconds = time.perf_counter() - start
    y_pred = model.predict(windows.X_test)
    mse, mae = _errors(windows.y_test, y_pred)
    repeat_mse, repeat_mae = _errors(
        windows.y_test, last_value_forecast(windows.X_test, args.horizon)
    )

    published = published_baselines("ETTh1").query("horizon == @args.horizon")
    print(f"\nETTh1, horizon {args.horizon}, test MSE / MAE (normalized, 7 channels):")
    print(
        f"  {'sk_stfm PatchTST (this run)':34} {mse:6.3f} / {mae:6.3f}   fit {fit_seconds:.0f} s, "
        f"{model.n_epochs_} epochs"
    )
    print(f"  {'repeat last value (this run)':34} {repeat_mse:6.3f} / {repeat_mae:6.3f}")
    if period is not None and period <= args.history:
        seasonal_mse, seasonal_mae = _errors(
            windows.y_test, seasonal_naive_forecast(windows.X_test, args.horizon, period)
        )
        label = f"seasonal naive, {period} steps (this run)"
        print(f"  {label:34} {seasonal_mse:6.3f} / {seasonal_mae:6.3f}   period: {period_source}")
    else:
        print(f"  seasonal naive: not run ({period_source}; history {args.history})")
    for row in published.itertuples():
        if row.model != "Repeat":
            print(f"  {row.model + ' (published)':34} {row.mse:6.3f} / {row.mae:6.3f}")

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    window, channel = 0, data.n_channels - 1  # the first test window, oil temperature
    history = windows.X_test[window, :, 0, channel]
    steps_future = np.arange(len(history), len(history) + args.horizon)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(np.arange(len(history)), history, color="0.4", label="history")
    ax.plot(steps_future, windows.y_test[window, :, 0, channel], color="k", label="truth")
    ax.plot(steps_future, y_pred[window, :, 0, channel], color="C1", label="PatchTST forecast")
    ax.set(
        title=f"ETTh1 {data.channel_names[channel]}: first test window (test MSE {mse:.3f})",
        xlabel="hour",
        ylabel="z-score",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(output, dpi=120)
    plt.close(fig)
    print(f"\nSaved the forecast plot to {output}")
    return 0


def add_demo_command(commands):
    """Register ``demo`` on the sub-command parsers.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-commands of ``sk-stfm``.
    """
    demo = commands.add_parser(
        "demo", help="forecast ETTh1 with PatchTST and compare with published numbers"
    )
    demo.add_argument(
        "--budget", type=positive_float, default=240.0, help="training time budget in seconds"
    )
    demo.add_argument("--horizon", type=positive_int, default=96, help="forecast horizon (steps)")
    demo.add_argument("--history", type=positive_int, default=336, help="look-back window (steps)")
    demo.add_argument(
        "--train-stride",
        type=positive_int,
        default=1,
        help="use every k-th training window (faster)",
    )
    demo.add_argument("--seed", type=seed, default=0, help="random seed")
    demo.add_argument("--threads", type=positive_int, default=2, help="torch CPU threads")
    demo.add_argument("--output", default="demo_forecast.png", help="path of the forecast plot")
    demo.set_defaults(handler=run_demo)
