"""Event-sequence benchmarks: Wikipedia edits (marked TPP) and San Jacinto earthquakes (STPP).

Protocols
---------
wikipedia
    IFL-TPP data (``load_wikipedia_events``, 1,000 sequences, 8,227 page
    marks). A random 60 / 20 / 20 split of the sequences (seed 0) into
    train / validation / test. Every sequence is observed on ``[0,
    2,678,400] s`` (the month), so log-likelihoods include the gap before
    the first edit and the survival term after the last. Reported: test
    log-likelihood per event = total log-likelihood of the test sequences
    (time + mark) / number of test events, in seconds (``time``) and nats;
    the "time" column is the temporal part alone. Neural models train under
    a wall-clock budget per model (``--budget``, default 120 s) with early
    stopping on the validation sequences; Poisson and Hawkes are fitted in
    closed form / by L-BFGS-B. Marks of the baselines: training frequencies.
sanjac
    EarthquakeNPP periods (``earthquake_periods("sanjac")``): fit on the
    training period (2009-2014) with the auxiliary year as history, score
    the test period (2016-2018) conditioned on every earlier event.
    Temporal and spatial test log-likelihood per event (seconds, km^2);
    baselines' spatial density: a Gaussian mixture of the training
    locations.

Run only on an otherwise idle machine, 2 torch threads::

    python benchmarks/events.py [--budget 120] [--only wikipedia sanjac]

Prints a table and writes ``benchmarks/results/events.json``.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.benchmarking._configurations import event_forecaster
from sk_stfm.benchmarking._protocols import wikipedia_split
from sk_stfm.datasets import (
    earthquake_periods,
    load_earthquakes,
)
from sk_stfm.estimators import (
    EventForecaster,
    HawkesProcess,
    LogNormMixConfig,
    PoissonProcess,
    RMTPPConfig,
    TransformerHawkesConfig,
)

RESULTS = Path(__file__).parent / "results" / "events.json"
NEURAL = {
    "rmtpp": RMTPPConfig(d_model=32),
    "thp": TransformerHawkesConfig(d_model=32, n_layers=2, n_quadrature=16),
    "lognorm_mix": LogNormMixConfig(d_model=32, n_components=16),
}


def _models(budget):
    yield "poisson", PoissonProcess(random_state=0)
    yield "hawkes", HawkesProcess(random_state=0)
    for name, config in NEURAL.items():
        yield name, event_forecaster(config, budget, 0)


def wikipedia(budget):
    train, _, test, window = wikipedia_split(seed=0)
    rows = []
    for name, model in _models(budget):
        start = time.perf_counter()
        model.fit(train, **window)
        seconds = time.perf_counter() - start
        parts = model.score_components(test, **window)
        rows.append(
            {
                "dataset": "wikipedia",
                "model": name,
                "test_loglik_per_event": parts["total"],
                "time": parts["time"],
                "mark": parts["mark"],
                "n_test_events": parts["n_events"],
                "fit_seconds": round(seconds, 1),
                "epochs": getattr(model, "n_epochs_", None),
            }
        )
        print(rows[-1], flush=True)
    return rows


def sanjac(budget):
    data = load_earthquakes("sanjac")
    periods = earthquake_periods("sanjac")
    train_start, train_end = periods.loc["train", ["start_time", "end_time"]]
    test_start, test_end = periods.loc["test", ["start_time", "end_time"]]
    catalog = data.sequences
    rows = []
    for name, model in _models(budget):
        if isinstance(model, EventForecaster):
            # One long catalog in few pieces: lr 1e-2 diverges (RMTPP) on it.
            model.set_params(max_length=256, context_length=64, batch_size=8, lr=1e-3)
        start = time.perf_counter()
        try:
            model.fit(catalog, start_times=train_start, end_times=train_end)
        except RuntimeError as exc:  # a diverged fit is a result, not a crash
            rows.append({"dataset": "sanjac", "model": name, "error": str(exc)})
            print(rows[-1], flush=True)
            continue
        seconds = time.perf_counter() - start
        parts = model.score_components(catalog, start_times=test_start, end_times=test_end)
        rows.append(
            {
                "dataset": "sanjac",
                "model": name,
                "temporal_loglik_per_event": parts["time"],
                "spatial_loglik_per_event": parts["space"],
                "n_test_events": parts["n_events"],
                "fit_seconds": round(seconds, 1),
                "epochs": getattr(model, "n_epochs_", None),
            }
        )
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--only", nargs="*", default=["wikipedia", "sanjac"])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    if "wikipedia" in args.only:
        rows += wikipedia(args.budget)
    if "sanjac" in args.only:
        rows += sanjac(args.budget)
    print(
        f"\n{'dataset':<10} {'model':<12} {'loglik/event':>13} {'time':>9} {'space':>9} {'fit s':>7}"
    )
    for row in rows:
        if "error" in row:
            print(f"{row['dataset']:<10} {row['model']:<12} {row['error']}")
            continue
        total = row.get("test_loglik_per_event", np.nan)
        temporal = row.get("time", row.get("temporal_loglik_per_event"))
        space = row.get("spatial_loglik_per_event", np.nan)
        print(
            f"{row['dataset']:<10} {row['model']:<12} {total:>13.3f} {temporal:>9.3f} "
            f"{space:>9.3f} {row['fit_seconds']:>7.1f}"
        )
    # Entries of data sets not re-run are kept.
    kept = [r for r in previous_results(RESULTS) if r["dataset"] not in args.only]
    write_results(RESULTS, "events", kept + rows, args.threads, budget_seconds=args.budget)


if __name__ == "__main__":
    main()
