"""Transferred models on ETTh1 (H = 96): frozen language models, LoRA, quantization, prompting.

Protocol
--------
ETTh1 with the standard 12 / 4 / 4-month split (``split_windows(8640, 2880,
2880)``, scaled on the training months), input 336 steps, horizon 96, all 7
channels; MSE and MAE over every test window, step and channel.

Settings
    ``full``: every ``--train-stride``-th training window (adjacent windows
    overlap in 335 of 336 steps; the stride keeps a CPU epoch short), and
    every 4th validation window for early stopping. ``few-shot``: the first
    10 % of the training windows in time, all of them (as GPT4TS / Time-LLM
    take the first 10 % of the training period).
Models
    ``patchtst`` trained from scratch (official ETTh1 architecture);
    ``FrozenLM`` (GPT4TS) and ``Reprogramming`` (Time-LLM, with Time-LLM's
    ETT description and input statistics in the prompt) on the real
    all-MiniLM-L6-v2 weights (first ``--n-layers`` blocks, patches of 16
    with stride 16); ``LoRA`` (r = 8 on every linear layer of the frozen
    model) over the same ``FrozenLM``. The few-shot setting runs
    ``patchtst`` and ``FrozenLM`` only (CPU time). ``Prompt`` (LLMTime, SmolLM2-135M,
    zero-shot) on the oil temperature of ``--prompt-windows`` test windows
    only (generation is slow on a CPU), against PatchTST on the same
    windows and channel. Each neural fit stops after ``--budget`` seconds
    (``TimeBudget``) or by early stopping on the validation windows.
Quantization
    ``quantize(model)`` of the fitted ``FrozenLM``: the same weights with
    int8 dynamic linear layers; test MSE and predict time before and after.

Reported per model: test MSE / MAE, trainable and total parameters (and,
for LoRA, its share of the adapted model), fit and predict seconds
(predictions in float32). Run on an otherwise idle machine::

    python benchmarks/transfer.py [--budget 300] [--settings full few-shot]

Prints a table and writes ``benchmarks/results/transfer.json`` and ``.md``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from sk_stfm.adapters import FrozenLM, LoRA, Prompt, Reprogramming, quantize
from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.data import split_windows
from sk_stfm.datasets import load_etth1, published_baselines
from sk_stfm.estimators import PatchTSTConfig, STForecaster, TimeBudget
from sk_stfm.metrics import masked_mae, masked_mse

RESULTS = Path(__file__).parent / "results" / "transfer.json"
HORIZON, HISTORY = 96, 336
DESCRIPTION = (
    "The Electricity Transformer Temperature (ETT) is a crucial indicator in the electric "
    "power long-term deployment: hourly loads and oil temperature of a transformer."
)


def _estimator(adapter, budget, lr):
    return STForecaster(
        backbone=PatchTSTConfig(),
        adapter=adapter,
        lr=lr,
        batch_size=32,
        max_epochs=100,
        patience=3,
        random_state=0,
        inference_dtype="float32",
        callbacks=[TimeBudget(budget)],
    )


# The models of each setting: the few-shot setting compares the transferred
# model with training from scratch; the full one has every adapter.
SETTING_MODELS = {
    "full": ("patchtst", "FrozenLM", "LoRA", "Reprogramming"),
    "few-shot": ("patchtst", "FrozenLM"),
}


def _models(args, setting):
    lm = dict(lm="minilm", n_layers=args.n_layers, patch_len=16, stride=16)
    models = {
        "patchtst": lambda: _estimator(None, args.budget, 5e-4),
        "FrozenLM": lambda: _estimator(FrozenLM(**lm), args.budget, args.lm_lr),
        "LoRA": lambda: _estimator(
            LoRA(r=8, alpha=16, base=FrozenLM(**lm)), args.budget, args.lm_lr
        ),
        "Reprogramming": lambda: _estimator(
            Reprogramming(prompt=DESCRIPTION, **lm), args.budget, args.lm_lr
        ),
    }
    for name in args.models or SETTING_MODELS[setting]:
        yield name, models[name]()


def _parameters(model):
    module = model.net_.module_
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in module.parameters())


def _timed_predict(model, X):
    start = time.perf_counter()
    prediction = model.predict(X)
    return prediction, time.perf_counter() - start


def _settings(windows, name, stride):
    if name == "full":
        return windows.X_train[::stride], windows.y_train[::stride]
    n = len(windows.X_train) // 10
    return windows.X_train[:n], windows.y_train[:n]


def run(args):
    windows = split_windows(load_etth1(), 8640, 2880, 2880, history=HISTORY, horizon=HORIZON)
    validation = (windows.X_val[::4], windows.y_val[::4])
    rows, patchtst = [], None
    for setting in args.settings:
        X, y = _settings(windows, setting, args.train_stride)
        label = f"full, every {args.train_stride}th window" if setting == "full" else setting
        for name, model in _models(args, setting):
            start = time.perf_counter()
            model.fit(X, y, validation_data=validation)
            fit_seconds = time.perf_counter() - start
            prediction, predict_seconds = _timed_predict(model, windows.X_test)
            trainable, total = _parameters(model)
            row = {
                "setting": label,
                "model": name,
                "n_train_windows": len(X),
                "mse": masked_mse(windows.y_test, prediction),
                "mae": masked_mae(windows.y_test, prediction),
                "trainable_parameters": trainable,
                "total_parameters": total,
                "fit_seconds": round(fit_seconds, 1),
                "epochs": model.n_epochs_,
                "lr": model.lr,
                "best_valid_loss": float(np.min(model.net_.history[:, "valid_loss"])),
                "predict_seconds": round(predict_seconds, 1),
            }
            if name == "LoRA":
                # The low-rank updates, and everything that trains (with the
                # task's patch projection and head), over the adapted LM.
                adapted = model.adapter_.n_adapted_
                row["lora_parameters"] = model.adapter_.n_lora_
                row["lora_share_of_adapted"] = model.adapter_.n_lora_ / adapted
                row["trainable_share_of_adapted"] = model.adapter_.n_trainable_ / adapted
            rows.append(row)
            print(row, flush=True)
            if name == "FrozenLM":
                fast = quantize(model)
                prediction, seconds = _timed_predict(fast, windows.X_test)
                rows.append(
                    {
                        **row,
                        "model": "FrozenLM + quantize(int8)",
                        "mse": masked_mse(windows.y_test, prediction),
                        "mae": masked_mae(windows.y_test, prediction),
                        "fit_seconds": None,
                        "predict_seconds": round(seconds, 1),
                        "speed_up": round(row["predict_seconds"] / max(seconds, 1e-9), 2),
                    }
                )
                print(rows[-1], flush=True)
            if name == "patchtst" and setting == args.settings[0]:
                patchtst = model
    if args.prompt_windows:
        rows += prompt_rows(windows, patchtst, args.prompt_windows)
    return rows


def prompt_rows(windows, patchtst, n_windows):
    """LLMTime zero-shot on the oil temperature of a few test windows."""
    index = np.linspace(0, len(windows.X_test) - 1, n_windows).astype(int)
    X = windows.X_test[index][..., -1:]  # OT, the last channel
    y = windows.y_test[index][..., -1:]
    model = STForecaster(adapter=Prompt(lm="smollm2", n_samples=3), random_state=0)
    start = time.perf_counter()
    model.fit(X, y)  # zero-shot: validates and keeps the context
    prediction, seconds = _timed_predict(model, X)
    fit_seconds = time.perf_counter() - start - seconds
    compared = [
        ("Prompt (zero-shot, SmolLM2)", prediction, seconds),
        ("last value (same windows, OT)", np.repeat(X[:, -1:], HORIZON, axis=1), None),
    ]
    if patchtst is not None:
        reference = patchtst.predict(windows.X_test[index])[..., -1:]
        compared.append(("patchtst (same windows, OT)", reference, None))
    rows = []
    for name, values, predict_seconds in compared:
        rows.append(
            {
                "setting": f"zero-shot, {n_windows} test windows, OT only",
                "model": name,
                "mse": masked_mse(y, values),
                "mae": masked_mae(y, values),
                "fit_seconds": round(fit_seconds, 1) if predict_seconds else None,
                "predict_seconds": None if predict_seconds is None else round(predict_seconds, 1),
            }
        )
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=300.0)
    parser.add_argument("--settings", nargs="*", default=["full", "few-shot"])
    parser.add_argument("--train-stride", type=int, default=8)
    parser.add_argument("--n-layers", type=int, default=3)
    parser.add_argument("--lm-lr", type=float, default=1e-4)
    parser.add_argument("--models", nargs="*", help="a subset of each setting's models")
    parser.add_argument("--prompt-windows", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=UserWarning)
    rows = run(args)
    print(f"\n{'setting':<32} {'model':<30} {'mse':>7} {'mae':>7} {'train':>9} {'fit s':>7}")
    for r in rows:
        print(
            f"{r['setting']:<32} {r['model']:<30} {r['mse']:>7.4f} {r['mae']:>7.4f} "
            f"{r.get('trainable_parameters', '') or '':>9} {r.get('fit_seconds') or '':>7}"
        )
    # A rerun replaces its own (setting, model) rows and keeps the others.
    rerun = {(r["setting"], r["model"]) for r in rows}
    kept = [r for r in previous_results(RESULTS) if (r["setting"], r["model"]) not in rerun]
    published = {
        row.model: [row.mse, row.mae]
        for row in published_baselines("ETTh1").query("horizon == @HORIZON").itertuples()
    }
    write_results(
        RESULTS,
        "transfer",
        kept + rows,
        args.threads,
        budget_seconds=args.budget,
        train_stride=args.train_stride,
        n_layers=args.n_layers,
        published=published,
    )


if __name__ == "__main__":
    main()
