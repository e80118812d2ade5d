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
from pathlib import Path

from sk_stfm.benchmarking._speed import measure_overhead

RESULTS = Path(__file__).parent / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--windows", type=int, default=2048, help="training windows used")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(RESULTS / "overhead.json"))
    args = parser.parse_args(argv)
    row = measure_overhead(
        n_windows=args.windows,
        epochs=args.epochs,
        repeats=args.repeats,
        batch_size=args.batch_size,
        threads=args.threads,
    )
    print(f"{'variant':12} {'median s':>9} {'runs':>30}")
    for variant, values in row["seconds"].items():
        print(
            f"{variant:12} {statistics.median(values):9.2f} {str([round(v, 2) for v in values]):>30}"
        )
    print(f"ratio sk_stfm / plain torch: {row['overhead_ratio']:.3f}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "overhead",
        "module": "PatchTST (d_model=16, n_heads=4, n_layers=3, d_ff=128)",
        "windows": row["n_windows"],
        "window_shape": row["window_shape"],
        "horizon": row["horizon"],
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "seconds": row["seconds"],
        "median_plain_torch": row["median_plain_torch"],
        "median_sk_stfm": row["median_sk_stfm"],
        "ratio": row["overhead_ratio"],
    }
    output.write_text(json.dumps(payload, indent=2))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
