"""Training objectives and task estimators on ETTh1.

Four sections, each a function writing its rows to
``benchmarks/results/objectives.json`` (``--sections`` picks some):

``forecast``
    ETTh1, history 336, horizon 96, standard protocol (see ``etth.py``):
    PatchTST trained with ``Regression``, ``Masked``, ``Contrastive`` and
    ``MultiObjective(Masked + 0.5 Contrastive)`` under the *same total
    wall-clock budget*: the regression fit gets ``--budget`` seconds; the
    self-supervised ones spend at most half of it pre-training and the rest
    fine-tuning. Test MSE / MAE on the normalized scale.
``imputation``
    The ETTh1 test period (z-scored with train statistics) cut into
    non-overlapping 96-step windows; 10 %, 30 % and 50 % of the entries are
    hidden uniformly at random (seed 0). MAE on the hidden entries of
    ``STImputer`` (masked reconstruction, and diffusion) trained on the
    train period, against ``MissingValueImputer(strategy="linear")``.
``anomaly``
    ``STAnomalyDetector`` trained on train-period windows (96 steps,
    stride 4); scored on test-period windows (stride 24) of which 10 % get
    one injected anomaly each: half a *spike* (one entry of one channel
    moved by 4 to 6 train standard deviations, random sign), half a
    *level shift* (a random channel shifted by 2 to 3 standard deviations
    over 12 to 24 consecutive steps). ROC-AUC of ``-score_samples``.
``diffusion``
    ``STForecaster(objective=Diffusion())`` on ETTh1 H=96 (PatchTST,
    ``--budget`` seconds); on every 16th test window: ordering of the
    quantiles, 80 % interval (q0.1-q0.9) coverage, CRPS from 50 samples,
    MSE of the median, against the empirical CRPS of a seasonal-naive
    ensemble (the same hour of the 10 preceding days that lie in the
    history).

Usage::

    python benchmarks/objectives.py                        # all sections
    python benchmarks/objectives.py --sections imputation anomaly --budget 60
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import ExponentialLR

from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.data import make_windows, split_windows
from sk_stfm.datasets import load_etth1
from sk_stfm.estimators import (
    PatchTSTConfig,
    STAnomalyDetector,
    STForecaster,
    STImputer,
    TimeBudget,
    hide_at_random,
)
from sk_stfm.harmonize import MissingValueImputer
from sk_stfm.metrics import interval_coverage, masked_crps, masked_mae, masked_mse
from sk_stfm.objectives import Contrastive, Diffusion, Masked, MultiObjective, Regression

RESULTS = Path(__file__).parent / "results"
SPLIT = (8640, 2880, 2880)
HISTORY, HORIZON = 336, 96


def _standard_windows(history=HISTORY, horizon=HORIZON):
    return split_windows(load_etth1(), *SPLIT, history=history, horizon=horizon)


def _scaled_periods():
    """Train and test periods of ETTh1 (T, 1, 7), z-scored with train statistics."""
    values = load_etth1().values.astype(np.float32)
    train, test = values[: SPLIT[0]], values[sum(SPLIT[:2]) : sum(SPLIT)]
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def _patchtst_forecaster(objective, budget_seconds, seed):
    return STForecaster(
        backbone=PatchTSTConfig(),
        objective=objective,
        lr=5e-4,
        batch_size=128,
        max_epochs=100,
        patience=5,
        random_state=seed,
        callbacks=[TimeBudget(budget_seconds), LRScheduler(ExponentialLR, gamma=0.9)],
    )


# ------------------------------------------------------------------ forecast
def forecast_section(budget, seed):
    windows = _standard_windows()
    objectives = {
        "regression": Regression(),
        "masked": Masked(pretrain_epochs=100),
        "contrastive": Contrastive(pretrain_epochs=100),
        "multi": MultiObjective([(Masked(), 1.0), (Contrastive(), 0.5)], pretrain_epochs=100),
    }
    rows = []
    for name, objective in objectives.items():
        # The TimeBudget callback runs in each stage: half for pre-training,
        # half for fine-tuning keeps the total equal to the regression budget.
        stage_budget = budget if name == "regression" else budget / 2
        model = _patchtst_forecaster(objective, stage_budget, seed)
        start = time.perf_counter()
        model.fit(windows.X_train, windows.y_train, validation_data=(windows.X_val, windows.y_val))
        fit_seconds = time.perf_counter() - start
        y_pred = model.predict(windows.X_test)
        rows.append(
            {
                "section": "forecast",
                "objective": name,
                "mse": masked_mse(windows.y_test, y_pred),
                "mae": masked_mae(windows.y_test, y_pred),
                "fit_seconds": fit_seconds,
                "pretrain_epochs": 0
                if model.pretrain_history_ is None
                else len(model.pretrain_history_),
                "epochs": model.n_epochs_,
            }
        )
        _print_row(rows[-1])
    return rows


# ---------------------------------------------------------------- imputation
def imputation_section(budget, seed, rates=(0.1, 0.3, 0.5), n_steps=96):
    train, test = _scaled_periods()
    X_train, _ = make_windows(train, n_steps, 0, stride=4)
    X_test, _ = make_windows(test, n_steps, 0, stride=n_steps)
    imputers = {
        "stimputer_masked": STImputer(
            backbone=PatchTSTConfig(patch_len=8, stride=4, d_model=64, d_ff=128, dropout=0.1),
            lr=1e-3,
            batch_size=64,
            max_epochs=100,
            patience=5,
            random_state=seed,
            callbacks=[TimeBudget(budget)],
        ),
        "stimputer_diffusion": STImputer(
            backbone=PatchTSTConfig(patch_len=8, stride=4, d_model=64, d_ff=128, dropout=0.1),
            objective=Diffusion(n_samples=20),
            lr=1e-3,
            batch_size=64,
            max_epochs=100,
            patience=10,
            random_state=seed,
            callbacks=[TimeBudget(budget)],
        ),
    }
    fit_seconds = {}
    for name, imputer in imputers.items():
        start = time.perf_counter()
        imputer.fit(X_train)
        fit_seconds[name] = time.perf_counter() - start
    rows = []
    for rate in rates:
        X_missing, hidden = hide_at_random(X_test, rate, random_state=0)
        truth = np.where(hidden, X_test, np.nan)
        filled = {"linear": MissingValueImputer(strategy="linear").fit_transform(X_missing)}
        for name, imputer in imputers.items():
            filled[name] = imputer.transform(X_missing.astype(np.float32))
        for name, values in filled.items():
            rows.append(
                {
                    "section": "imputation",
                    "method": name,
                    "missing_rate": rate,
                    "mae": masked_mae(truth, values),
                    "mse": masked_mse(truth, values),
                    "fit_seconds": fit_seconds.get(name, 0.0),
                    "n_hidden": int(hidden.sum()),
                }
            )
            _print_row(rows[-1])
    return rows


# ------------------------------------------------------------------- anomaly
def inject_anomalies(X, fraction, random_state=0):
    """Copy ``X`` (n, T, 1, C) and inject one spike or level shift in a share of windows.

    Returns the corrupted windows and the kind of each window: 0 normal,
    1 spike, 2 level shift. Scales are in train standard deviations (the
    data are z-scored).
    """
    rng = np.random.default_rng(random_state)
    X = X.copy()
    n, n_steps, _, n_channels = X.shape
    labels = np.zeros(n, dtype=int)
    chosen = rng.choice(n, size=max(1, int(round(fraction * n))), replace=False)
    for i, window in enumerate(chosen):
        channel = rng.integers(n_channels)
        sign = rng.choice([-1.0, 1.0])
        if i % 2 == 0:  # spike
            X[window, rng.integers(n_steps), 0, channel] += sign * rng.uniform(4, 6)
            labels[window] = 1
        else:  # level shift
            length = rng.integers(12, 25)
            start = rng.integers(0, n_steps - length)
            X[window, start : start + length, 0, channel] += sign * rng.uniform(2, 3)
            labels[window] = 2
    return X, labels


def anomaly_section(budget, seed, n_steps=96):
    train, test = _scaled_periods()
    X_train, _ = make_windows(train, n_steps, 0, stride=4)
    X_test, _ = make_windows(test, n_steps, 0, stride=24)
    X_corrupt, kinds = inject_anomalies(X_test, 0.1, random_state=0)
    labels = (kinds > 0).astype(int)
    detector = STAnomalyDetector(
        backbone=PatchTSTConfig(patch_len=8, stride=4, d_model=64, d_ff=128, dropout=0.1),
        lr=1e-3,
        batch_size=64,
        max_epochs=100,
        patience=5,
        random_state=seed,
        callbacks=[TimeBudget(budget)],
    )
    start = time.perf_counter()
    detector.fit(X_train)
    fit_seconds = time.perf_counter() - start
    scores = -detector.score_samples(X_corrupt)
    spike, shift = kinds != 2, kinds != 1  # normal windows plus one kind
    row = {
        "section": "anomaly",
        "roc_auc": float(roc_auc_score(labels, scores)),
        "roc_auc_spikes": float(roc_auc_score(labels[spike], scores[spike])),
        "roc_auc_level_shifts": float(roc_auc_score(labels[shift], scores[shift])),
        "n_windows": int(len(labels)),
        "n_anomalous": int(labels.sum()),
        "flagged_share": float(np.mean(detector.predict(X_corrupt) == -1)),
        "fit_seconds": fit_seconds,
    }
    _print_row(row)
    return [row]


# ----------------------------------------------------------------- diffusion
def seasonal_naive_ensemble(X, horizon, period=24, n_members=10):
    """Members ``(n_members, n, horizon, 1, C)``: the value one, two, ... periods
    before each target step, among the steps in the history."""
    n_steps = X.shape[1]
    steps = np.arange(horizon)
    first = -(-(steps + 1) // period)  # periods back so that the value is observed
    members = []
    for j in range(n_members):
        back = (first + j) * period
        index = n_steps - 1 + steps + 1 - back
        if index.min() < 0:
            raise ValueError("history too short for the seasonal-naive ensemble")
        members.append(X[:, index])
    return np.stack(members)


def diffusion_section(budget, seed, every=16, n_samples=50):
    windows = _standard_windows()
    model = _patchtst_forecaster(Diffusion(), budget, seed)
    start = time.perf_counter()
    model.fit(windows.X_train, windows.y_train, validation_data=(windows.X_val, windows.y_val))
    fit_seconds = time.perf_counter() - start
    X_test, y_test = windows.X_test[::every], windows.y_test[::every]
    start = time.perf_counter()
    samples = model.sample(X_test, n_samples, random_state=0)
    sample_seconds = time.perf_counter() - start
    quantiles = np.moveaxis(np.quantile(samples, (0.1, 0.5, 0.9), axis=0), 0, -1)
    ensemble = seasonal_naive_ensemble(X_test, HORIZON)
    row = {
        "section": "diffusion",
        "quantiles_ordered": bool(np.all(np.diff(quantiles, axis=-1) >= 0)),
        "coverage_80": interval_coverage(y_test, quantiles[..., 0], quantiles[..., 2]),
        "crps": masked_crps(y_test, samples),
        "seasonal_naive_crps": masked_crps(y_test, ensemble),
        "median_mse": masked_mse(y_test, quantiles[..., 1]),
        "n_test_windows": int(len(X_test)),
        "n_samples": n_samples,
        "fit_seconds": fit_seconds,
        "sample_seconds": sample_seconds,
        "epochs": model.n_epochs_,
    }
    _print_row(row)
    return [row]


def _print_row(row):
    print(
        " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
        flush=True,
    )


SECTIONS = {
    "forecast": forecast_section,
    "imputation": imputation_section,
    "anomaly": anomaly_section,
    "diffusion": diffusion_section,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(RESULTS / "objectives.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = [row for row in previous_results(args.output) if row["section"] not in args.sections]
    for section in args.sections:
        rows += SECTIONS[section](args.budget, args.seed)
    write_results(args.output, "objectives", rows, args.threads, budget_seconds=args.budget)


if __name__ == "__main__":
    main()
