"""Spatial benchmarks: sensor graphs (Los-loop, chickenpox), grids and Graph WaveNet scaling.

Protocols
---------
los_loop
    T-GCN protocol: the first 80 % of the 2016 five-minute steps train, the
    last 20 % test; 12 input steps; horizons 3 / 6 / 9 / 12 steps (15 to 60
    minutes). Speeds are z-scored with the training mean and standard
    deviation (one pair for all sensors) and the inputs carry the time of day
    as a sine / cosine pair (``CalendarFeatures``), for every backbone. Test
    windows lie inside the test period (stride 1). One model per backbone
    and horizon; metrics pool every test window, horizon step and sensor, in
    mph: RMSE, MAE, Accuracy ``1 - ||Y - Y_hat||_F / ||Y||_F`` and R², as in
    T-GCN. Early stopping on the last 10 % of the training windows (after a
    purge gap), under a time budget per fit.
chickenpox
    PyTorch Geometric Temporal's case study: 4 weekly lags predict the next
    week; ``temporal_signal_split(train_ratio=0.2)``, i.e. the first 103 of
    the 517 snapshots train and the other 414 test; MSE over all test
    snapshots and counties on the standardized values. Published: DCRNN
    0.7418.
nycbike1
    ST-SSL's windows (19 input hours: the last 4 and 5 around the same hour
    on each of the 3 previous days; the next hour as target) on the 16 x 8
    grid. Only the validation and test splits are public here, so models
    train on the validation split (431 windows, the last 10 % for early
    stopping) and are tested on the test split (864 windows); ST-SSL trains
    on a training split of about 3,000 windows, seven times more. Inflow and
    outflow MAE where the true value exceeds 5, as in ST-SSL.
frames
    Next-frame prediction: moving digits (``make_moving_digits``, 16 x 16
    frames, 10 input frames) and KNMI radar (the staged
    ``../shared/data/knmi_radar_nl25`` file, 5 x 5 km cells, 6 input frames
    predict the next one; the file is not shipped, see ``load_knmi_radar``).
    MSE and SSIM (scikit-image) of the predicted frame against the true
    one, beside the last input frame.
gwnet_scale
    Graph WaveNet's training time per epoch on synthetic graphs of N = 200,
    1000 and 2000 nodes with about 8 stored edges per node (a ring plus
    random chords); history 12, horizon 12, batch 64 and the same 640
    windows at every N, so the ratio of epoch times is the cost of the
    graph, linear in N when operators are sparse.

Los-loop rows time ``predict`` on the test windows twice: in the default
``inference_dtype="float64"`` and in ``"float32"``. Every run first calls
``configure_cpu_allocator`` (large activations are reused instead of being
mapped afresh at every step).

Usage::

    python benchmarks/spatial.py                     # everything
    python benchmarks/spatial.py --only los_loop --backbones gwnet stid

Prints tables and writes ``benchmarks/results/spatial.json`` and ``spatial.md``; entries
already in the file and not re-run are kept.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.benchmarking._configurations import (
    chickenpox_forecaster,
    grid_forecaster,
    los_loop_forecaster,
)
from sk_stfm.benchmarking._protocols import (
    chickenpox_windows,
    los_loop_windows,
    masked_flow_mae,
    tgcn_metrics,
)
from sk_stfm.data import make_windows
from sk_stfm.datasets import (
    load_knmi_radar,
    make_moving_digits,
    nycbike1_windows,
    published_baselines,
)
from sk_stfm.estimators import (
    ConvLSTMConfig,
    SimVPConfig,
    STForecaster,
    STPatchTransformerConfig,
    TimeBudget,
)
from sk_stfm.metrics import masked_mse
from sk_stfm.utils import configure_cpu_allocator

RESULTS = Path(__file__).parent / "results"
RESULTS_FILE = RESULTS / "spatial.json"
LOS_LOOP_HORIZONS = (3, 6, 9, 12)
KNMI_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "knmi_radar_nl25"
    / "knmi_rad_nl25_rap_5min_20100826_0000-0735.npz"
)
TASKS = ("los_loop", "chickenpox", "nycbike1", "frames", "gwnet_scale")


def run_los_loop(backbones, time_budget, seed, horizons=LOS_LOOP_HORIZONS):
    rows = []
    for horizon in horizons:
        parts, data, (mean, std) = los_loop_windows(horizon)
        X_train, y_train = parts["train"]
        X_test, y_test = parts["test"]
        truth = y_test * std + mean
        last = np.repeat(X_test[:, -1:, :, :1], horizon, axis=1) * std + mean
        rows.append(
            {
                "task": "los_loop",
                "model": "last_value",
                "horizon": horizon,
                **tgcn_metrics(truth, last),
            }
        )
        for backbone in backbones:
            model = los_loop_forecaster(backbone, time_budget, seed)
            model.set_params(spatial=data)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            prediction = model.predict(X_test) * std + mean
            predict_seconds = time.perf_counter() - start
            model.set_params(inference_dtype="float32")
            start = time.perf_counter()
            prediction_float32 = model.predict(X_test) * std + mean
            predict_seconds_float32 = time.perf_counter() - start
            epochs = model.net_.history[:, "dur"]
            rows.append(
                {
                    "task": "los_loop",
                    "model": backbone,
                    "horizon": horizon,
                    **tgcn_metrics(truth, prediction),
                    "epochs": len(epochs),
                    "seconds_per_epoch": float(np.median(epochs)),
                    "fit_seconds": fit_seconds,
                    "predict_seconds": predict_seconds,
                    "predict_seconds_float32": predict_seconds_float32,
                    "mae_float32": tgcn_metrics(truth, prediction_float32)["mae"],
                }
            )
            print(_format(rows[-1]))
    return rows


def run_chickenpox(backbones, seed):
    data, (X_train, y_train), (X_test, y_test) = chickenpox_windows()
    rows = [
        {"task": "chickenpox", "model": "last_value", "mse": masked_mse(y_test, X_test[:, -1:])},
        {
            "task": "chickenpox",
            "model": "DCRNN (PGT documentation)",
            "mse": 0.7418,
            "published": True,
        },
    ]
    for backbone in backbones:
        scores = []
        for repeat in range(3):
            model = chickenpox_forecaster(backbone, data, seed + repeat).fit(X_train, y_train)
            scores.append(masked_mse(y_test, model.predict(X_test)))
        rows.append(
            {
                "task": "chickenpox",
                "model": backbone,
                "mse": float(np.mean(scores)),
                "mse_std": float(np.std(scores)),
                "seeds": 3,
            }
        )
        print(_format(rows[-1]))
    return rows


def run_nycbike1(backbones, time_budget, seed):
    X_train, y_train = nycbike1_windows("val")
    X_test, y_test = nycbike1_windows("test")
    mean, std = X_train.mean(), X_train.std()
    rows = []

    def row(model, prediction, **extra):
        return {
            "task": "nycbike1",
            "model": model,
            "inflow_mae": masked_flow_mae(y_test[..., 0], prediction[..., 0]),
            "outflow_mae": masked_flow_mae(y_test[..., 1], prediction[..., 1]),
            **extra,
        }

    rows.append(row("last_value", X_test[:, -1:]))
    published = published_baselines("NYCBike1")
    st_ssl = published[published["model"] == "ST-SSL"].set_index("channel")["mae"]
    rows.append(
        {
            "task": "nycbike1",
            "model": "ST-SSL (published, full training split)",
            "inflow_mae": float(st_ssl["inflow"]),
            "outflow_mae": float(st_ssl["outflow"]),
            "published": True,
        }
    )
    for backbone in backbones:
        model = grid_forecaster(backbone, (16, 8), time_budget, seed)
        start = time.perf_counter()
        model.fit((X_train - mean) / std, (y_train - mean) / std)
        fit_seconds = time.perf_counter() - start
        prediction = model.predict((X_test - mean) / std) * std + mean
        rows.append(
            row(backbone, prediction, epochs=len(model.net_.history), fit_seconds=fit_seconds)
        )
        print(_format(rows[-1]))
    return rows


def frame_scores(y_true, y_pred, data_range):
    """Mean MSE and SSIM over next frames ``(n, H, W)``, ignoring NaN cells."""
    from skimage.metrics import structural_similarity

    observed = ~np.isnan(y_true)
    mse = float(np.mean((np.nan_to_num(y_true) - y_pred)[observed] ** 2))
    ssim = float(
        np.mean(
            [
                structural_similarity(
                    np.nan_to_num(t), np.where(np.isnan(t), 0.0, p), data_range=data_range
                )
                for t, p in zip(y_true, y_pred, strict=True)
            ]
        )
    )
    return mse, ssim


def frame_windows(name, seed):
    if name == "moving_digits":
        train = make_moving_digits(
            n_sequences=300, n_frames=11, frame_size=(16, 16), random_state=seed
        )
        test = make_moving_digits(
            n_sequences=100, n_frames=11, frame_size=(16, 16), random_state=seed + 1
        )
        X, y = make_windows(train, history=10, horizon=1, stride=11)
        X_test, y_test = make_windows(test, history=10, horizon=1, stride=11)
        return (X, y), (X_test, y_test), (16, 16), train
    radar = load_knmi_radar(KNMI_FILE)
    X_all, y_all = make_windows(radar, history=6, horizon=1)
    split = int(0.7 * len(X_all))
    return (X_all[:split], y_all[:split]), (X_all[split:], y_all[split:]), radar.grid_shape, radar


def run_frames(backbones, time_budget, seed):
    rows = []
    for name in ("moving_digits", "knmi_radar"):
        if name == "knmi_radar" and not KNMI_FILE.exists():
            print(f"skipping knmi_radar: {KNMI_FILE} not found")
            continue
        (X, y), (X_test, y_test), grid_shape, data = frame_windows(name, seed)
        frames = y_test[:, 0, :, 0].reshape(-1, *grid_shape)
        data_range = float(np.nanmax(y_test) - np.nanmin(y_test))
        last = X_test[:, -1, :, 0].reshape(-1, *grid_shape)
        mse, ssim = frame_scores(frames, last, data_range)
        rows.append(
            {"task": "frames", "dataset": name, "model": "last_frame", "mse": mse, "ssim": ssim}
        )
        print(_format(rows[-1]))
        for backbone in backbones:
            model = STForecaster(
                backbone=FRAME_CONFIGS[backbone](),
                spatial=data,
                lr=1e-3,
                batch_size=16,
                max_epochs=200,
                patience=10,
                random_state=seed,
                callbacks=[TimeBudget(time_budget)],
            )
            start = time.perf_counter()
            model.fit(X, y)
            fit_seconds = time.perf_counter() - start
            prediction = model.predict(X_test)[:, 0, :, 0].reshape(-1, *grid_shape)
            mse, ssim = frame_scores(frames, prediction, data_range)
            rows.append(
                {
                    "task": "frames",
                    "dataset": name,
                    "model": backbone,
                    "mse": mse,
                    "ssim": ssim,
                    "epochs": len(model.net_.history),
                    "fit_seconds": fit_seconds,
                }
            )
            print(_format(rows[-1]))
    return rows


FRAME_CONFIGS = {
    "convlstm": lambda: ConvLSTMConfig(hidden_channels=(32, 32)),
    "simvp": lambda: SimVPConfig(hidden_channels=16, translator_channels=64),
    "st_patch_transformer": lambda: STPatchTransformerConfig(patch_size=4, patch_len=2),
}


def ring_with_chords(n_nodes, edges_per_node, rng):
    """A connected graph with about ``edges_per_node`` stored entries per node."""
    rows = np.repeat(np.arange(n_nodes), edges_per_node // 2)
    offsets = rng.integers(1, n_nodes, size=rows.size)
    offsets[:: edges_per_node // 2] = 1  # the ring keeps it connected
    cols = (rows + offsets) % n_nodes
    directed = sp.coo_array((np.ones(rows.size), (rows, cols)), shape=(n_nodes, n_nodes))
    return sp.csr_array(((directed + directed.T) > 0).astype(float))


def run_gwnet_scale(seed, node_counts=(200, 1000, 2000), n_windows=640, epochs=2):
    rng = np.random.default_rng(seed)
    rows = []
    for n_nodes in node_counts:
        adjacency = ring_with_chords(n_nodes, 8, rng)
        X = rng.normal(size=(n_windows, 12, n_nodes, 1)).astype(np.float32)
        y = rng.normal(size=(n_windows, 12, n_nodes, 1)).astype(np.float32)
        model = STForecaster(
            backbone="gwnet",
            spatial=adjacency,
            max_epochs=epochs,
            batch_size=64,
            validation_fraction=0.0,
            patience=None,
            random_state=seed,
        ).fit(X, y)
        durations = model.net_.history[:, "dur"]
        rows.append(
            {
                "task": "gwnet_scale",
                "n_nodes": n_nodes,
                "n_edges": int(adjacency.nnz),
                "windows": n_windows,
                "seconds_per_epoch": float(np.median(durations)),
            }
        )
        print(_format(rows[-1]))
    base = rows[0]["seconds_per_epoch"]
    for row in rows:
        row["ratio_to_smallest"] = row["seconds_per_epoch"] / base
    return rows


def _format(row):
    return "  ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        nargs="+",
        default=list(TASKS),
        choices=TASKS,
    )
    parser.add_argument(
        "--backbones", nargs="+", default=["gwnet", "tgcn", "stid", "st_transformer"]
    )
    parser.add_argument(
        "--grid-backbones",
        nargs="+",
        default=["gwnet", "convlstm", "simvp", "st_patch_transformer"],
    )
    parser.add_argument(
        "--frame-backbones", nargs="+", default=["convlstm", "simvp", "st_patch_transformer"]
    )
    parser.add_argument("--horizons", nargs="+", type=int, default=list(LOS_LOOP_HORIZONS))
    parser.add_argument(
        "--time-budget", type=float, default=240.0, help="seconds of training per Los-loop fit"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    configure_cpu_allocator()
    runners = {
        "los_loop": lambda: run_los_loop(
            args.backbones, args.time_budget, args.seed, args.horizons
        ),
        "chickenpox": lambda: run_chickenpox(args.backbones, args.seed),
        "nycbike1": lambda: run_nycbike1(args.grid_backbones, args.time_budget, args.seed),
        "frames": lambda: run_frames(args.frame_backbones, args.time_budget, args.seed),
        "gwnet_scale": lambda: run_gwnet_scale(args.seed),
    }
    new_rows = []
    for task in args.only:
        new_rows += runners[task]()

    def key(row):
        return tuple(row.get(k) for k in ("task", "dataset", "model", "horizon", "n_nodes"))

    replaced = {key(r) for r in new_rows}
    kept = [r for r in previous_results(RESULTS_FILE) if key(r) not in replaced]
    write_results(
        RESULTS_FILE, "spatial", kept + new_rows, args.threads, time_budget=args.time_budget
    )


if __name__ == "__main__":
    main()
