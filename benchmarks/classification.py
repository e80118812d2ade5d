"""Multivariate time series classification on UEA data sets: STClassifier vs ROCKET.

Protocol: the archive's fixed train / test split, as shipped inside sktime
(``load_UCR_UEA_dataset``, no download). sktime's ``numpy3D`` panels are
``(n_instances, n_channels, n_timepoints)``; they are transposed to sk_stfm's
``(n_samples, n_steps, n_channels)``. Every channel is z-scored with the
mean and standard deviation of the training set. JapaneseVowels has series
of 7 to 29 steps: each is padded at the end to the longest length of the
archive (29) with zeros after z-scoring (the training mean; the statistics
use observed steps only), the same input for both models (ROCKET takes
equal lengths only). Zero padding keeps the length of a series visible;
padding by repeating the last observation instead costs ROCKET about 12
points of accuracy on JapaneseVowels (0.85 vs 0.98).

The STClassifier configuration is fixed in advance, not tuned on the test
split: a small PatchTST encoder without RevIN (per-window normalization
would erase the amplitude that tells e.g. standing from running), trained
for a fixed number of epochs without validation (the training sets hold
40 and 270 series, too few to spare a validation part). ROCKET is sktime's
``RocketClassifier`` (10,000 kernels, ridge classifier); it needs ``numba``.
Test accuracy and fit time on this machine are reported.

Usage::

    python benchmarks/classification.py
    python benchmarks/classification.py --datasets BasicMotions --models stclassifier

Prints a table and writes ``benchmarks/results/classification.json``.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.estimators import PatchTSTConfig, STClassifier

RESULTS = Path(__file__).parent / "results"
DATASETS = ("BasicMotions", "JapaneseVowels")
MODELS = ("stclassifier", "rocket")


def _pad(series, length):
    """``(n_channels, n_steps)`` series padded with NaN to ``length`` steps."""
    width = ((0, 0), (0, length - series.shape[1]))
    return np.pad(np.asarray(series, dtype=float), width, constant_values=np.nan)


def load(name):
    """Return ``X_train, y_train, X_test, y_test`` with X of shape (n, n_steps, n_channels)."""
    from sktime.datasets import load_UCR_UEA_dataset

    splits = {}
    for split in ("train", "test"):
        try:
            X, y = load_UCR_UEA_dataset(name, split=split, return_type="numpy3D")
        except ValueError:  # unequal lengths: one (n_channels, n_steps) array per series
            nested, y = load_UCR_UEA_dataset(name, split=split, return_type="nested_univ")
            X = [np.stack([np.asarray(cell) for cell in row]) for row in nested.to_numpy()]
        splits[split] = (X, np.asarray(y))
    (X_train, y_train), (X_test, y_test) = splits["train"], splits["test"]
    length = max(x.shape[-1] for x in list(X_train) + list(X_test))
    X_train = np.stack([_pad(x, length) for x in X_train])
    X_test = np.stack([_pad(x, length) for x in X_test])
    # (n, C, T) -> (n, T, C): time before channels, as sk_stfm reads windows.
    X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
    mean = np.nanmean(X_train, axis=(0, 1))
    std = np.nanstd(X_train, axis=(0, 1))
    std = np.where(std > 0, std, 1.0)

    def scale(X):
        return np.nan_to_num((X - mean) / std, nan=0.0).astype(np.float32)

    return scale(X_train), y_train, scale(X_test), y_test


def make_stclassifier(n_steps, seed):
    """The benchmark configuration (fixed in advance; see the module docstring)."""
    patch_len = 8 if n_steps >= 64 else 4
    return STClassifier(
        backbone=PatchTSTConfig(
            patch_len=patch_len,
            stride=patch_len // 2,
            d_model=32,
            n_heads=4,
            n_layers=2,
            d_ff=64,
            dropout=0.1,
            revin=False,
        ),
        max_epochs=100,
        batch_size=16,
        lr=1e-3,
        weight_decay=1e-4,
        optimizer="adamw",
        patience=None,
        validation_fraction=0.0,
        random_state=seed,
    )


def make_rocket(seed):
    from sktime.classification.kernel_based import RocketClassifier

    return RocketClassifier(num_kernels=10000, random_state=seed)


def run_one(name, model_name, seed):
    X_train, y_train, X_test, y_test = load(name)
    if model_name == "stclassifier":
        model = make_stclassifier(X_train.shape[1], seed)
        fit_X, test_X = X_train, X_test
    else:
        model = make_rocket(seed)
        # sktime's numpy3D layout: (n_instances, n_channels, n_timepoints).
        fit_X, test_X = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
    start = time.perf_counter()
    model.fit(fit_X, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = model.predict(test_X)
    predict_seconds = time.perf_counter() - start
    row = {
        "dataset": name,
        "model": model_name,
        "accuracy": float(np.mean(y_pred == y_test)),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "n_train": int(len(X_train)),
        "n_test": int(len(X_test)),
        "n_steps": int(X_train.shape[1]),
        "n_channels": int(X_train.shape[2]),
        "n_classes": int(len(np.unique(y_train))),
        "seed": seed,
    }
    if model_name == "stclassifier":
        row["epochs"] = model.n_epochs_
        row["params"] = {
            k: v for k, v in model.get_params().items() if isinstance(v, int | float | str)
        }
        row["backbone"] = {
            k: v
            for k, v in model.backbone.get_params().items()
            if isinstance(v, int | float | str | bool)
        }
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(RESULTS / "classification.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    rows = []
    header = f"{'dataset':15} {'model':13} {'accuracy':>8} {'fit s':>7} {'pred s':>7}"
    print(header)
    print("-" * len(header))
    for name in args.datasets:
        for model_name in args.models:
            try:
                row = run_one(name, model_name, args.seed)
            except ModuleNotFoundError as exc:  # ROCKET without numba
                print(f"{name:15} {model_name:13} skipped: {exc}", flush=True)
                continue
            rows.append(row)
            print(
                f"{name:15} {model_name:13} {row['accuracy']:8.3f} "
                f"{row['fit_seconds']:7.1f} {row['predict_seconds']:7.1f}",
                flush=True,
            )
    merged = {(r["dataset"], r["model"]): r for r in previous_results(args.output)}
    merged.update({(r["dataset"], r["model"]): r for r in rows})
    write_results(args.output, "classification", list(merged.values()), args.threads)


if __name__ == "__main__":
    main()
