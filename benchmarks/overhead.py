"""Overhead of ``STForecaster.fit`` over a plain PyTorch training loop.

Both train the same PatchTST module (official ETTh1 architecture) on the
same ETTh1 windows with the same batch size, number of epochs, optimizer,
learning rate and seed; ``STForecaster`` adds input validation, masking,
the skorch loop, history and callbacks. Each variant runs ``--repeats``
times; the ratio compares the medians.

Usage::

    python benchmarks/overhead.py --epochs 3 --repeats 3

Prints a table and writes ``benchmarks/results/overhead.json``.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from sk_stfm.backbones import PatchTST
from sk_stfm.data import split_windows
from sk_stfm.datasets import load_etth1
from sk_stfm.estimators import PatchTSTConfig, STForecaster

RESULTS = Path(__file__).parent / "results"


def plain_torch_fit(X, y, epochs, batch_size, lr, seed):
    """The reference: the loop one writes by hand around the same module."""
    torch.manual_seed(seed)
    n_steps, n_nodes, n_channels = X.shape[1:]
    module = PatchTST(n_steps, n_nodes, n_channels, y.shape[1], y.shape[3])
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    X_t, y_t = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(y))
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=generator)
        for start in range(0, len(X_t), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(module(X_t[index]), y_t[index])
            loss.backward()
            optimizer.step()
    return module


def sk_stfm_fit(X, y, epochs, batch_size, lr, seed):
    model = STForecaster(
        backbone=PatchTSTConfig(),
        max_epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        validation_fraction=0.0,
        patience=None,
        random_state=seed,
    )
    return model.fit(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--windows", type=int, default=2048, help="training windows used")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(RESULTS / "overhead.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    windows = split_windows(load_etth1(), 8640, 2880, 2880, history=336, horizon=96)
    X = np.ascontiguousarray(windows.X_train[: args.windows])
    y = np.ascontiguousarray(windows.y_train[: args.windows])
    times = {"plain_torch": [], "sk_stfm": []}
    for repeat in range(args.repeats):
        # Alternate the order so that warm-up and machine noise hit both alike.
        order = ("plain_torch", "sk_stfm") if repeat % 2 == 0 else ("sk_stfm", "plain_torch")
        for variant in order:
            fit = plain_torch_fit if variant == "plain_torch" else sk_stfm_fit
            start = time.perf_counter()
            fit(X, y, args.epochs, args.batch_size, 1e-3, seed=repeat)
            times[variant].append(time.perf_counter() - start)
    plain, ours = statistics.median(times["plain_torch"]), statistics.median(times["sk_stfm"])
    ratio = ours / plain
    print(f"{'variant':12} {'median s':>9} {'runs':>30}")
    for variant, values in times.items():
        print(
            f"{variant:12} {statistics.median(values):9.2f} {str([round(v, 2) for v in values]):>30}"
        )
    print(f"ratio sk_stfm / plain torch: {ratio:.3f}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "benchmark": "overhead",
                "module": "PatchTST (d_model=16, n_heads=4, n_layers=3, d_ff=128)",
                "windows": len(X),
                "window_shape": list(X.shape[1:]),
                "horizon": int(y.shape[1]),
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "threads": args.threads,
                "seconds": times,
                "median_plain_torch": plain,
                "median_sk_stfm": ours,
                "ratio": ratio,
            },
            indent=2,
        )
    )
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
