"""Trajectory benchmarks on the GeoLife sample: next location and user classification.

Protocol
--------
Data
    ``load_geolife_sample()`` (2 users, 217,653 fixes, Beijing; trajectories
    split at gaps over 20 minutes), resampled to one fix every 120 s with
    ``TrajectoryResampler(step=120)``; trajectories with fewer than 4 fixes
    are dropped. Chronological split per user: the first 70 % of each
    user's trajectories (in time order) train, the last 30 % test.
next_location
    500 m cells (``GridTokenizer(cell_size=500)``, fitted on the training
    fixes; test fixes in cells never visited in training get id 0, and
    count as errors unless a method predicts 0). Every test fix after the
    first is a target; its history is the trajectory up to the previous
    fix (the last 64 fixes). Accuracy@1 and @5 of
    ``NextLocationPredictor`` (causal TrajectoryTransformer, d_model 64, 2
    layers, cell-id embeddings, trained on every transition of the training
    trajectories) against: the most frequent training cell (@5: the five
    most frequent), the cell of the last fix ("same cell"), and a
    first-order Markov chain of training cell transitions (falling back to
    the same cell for unseen cells).
user_classification
    Which of the 2 users a whole test trajectory belongs to:
    ``TrajectoryClassifier`` (same backbone, last 128 fixes) against the
    majority class and a RandomForest on hand-made features (mean and
    standard deviation of latitude and longitude, duration, number of
    fixes, start hour).

Each model trains under a ``TimeBudget`` with two torch threads; the whole
script runs in under five minutes on a laptop CPU.

Usage::

    python benchmarks/trajectories.py

Prints a table and writes ``benchmarks/results/trajectories.json``.
"""

import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier

from sk_stfm.benchmarking import write_results
from sk_stfm.benchmarking._configurations import next_location_predictor
from sk_stfm.benchmarking._protocols import geolife_split, markov_scores, next_location_targets
from sk_stfm.estimators import (
    TimeBudget,
    TrajectoryClassifier,
    TrajectoryTransformerConfig,
)
from sk_stfm.harmonize import GridTokenizer

THREADS = 2
STEP = 120.0
CELL_SIZE = 500.0
HISTORY = 64
BUDGET_NEXT = 150
BUDGET_USER = 60
RESULTS = Path(__file__).parent / "results" / "trajectories.json"


def top_k(scores, k):
    return np.argsort(-scores, axis=1)[:, :k]


def next_location(trajectories, train, test):
    train_x = [trajectories[i] for i in train]
    test_x = [trajectories[i] for i in test]
    tokenizer = GridTokenizer(cell_size=CELL_SIZE).fit(train_x)
    train_ids = tokenizer.transform(train_x)
    test_ids = tokenizer.transform(test_x)
    n = tokenizer.n_tokens_
    histories, last, truth = next_location_targets(test_x, test_ids, HISTORY)
    rows = []

    def row(method, top, seconds=None):
        hits = top == truth[:, None]
        rows.append(
            {
                "task": "next_location",
                "method": method,
                "accuracy@1": float(hits[:, 0].mean()),
                "accuracy@5": float(hits[:, :5].any(axis=1).mean()) if top.shape[1] >= 5 else None,
                "fit_seconds": seconds,
                "n_test": int(len(truth)),
                "n_cells": int(n),
            }
        )

    counts = np.bincount(np.concatenate(train_ids), minlength=n).astype(float)
    row("most frequent cell", np.tile(top_k(counts[None], 5), (len(truth), 1)))
    row("same cell as last fix", last[:, None])
    row("first-order Markov", top_k(markov_scores(train_ids, last, n), 5))
    model = next_location_predictor(BUDGET_NEXT, 0, history=HISTORY, cell_size=CELL_SIZE)
    start = time.perf_counter()
    model.fit(train_x)
    seconds = time.perf_counter() - start
    row(
        f"NextLocationPredictor ({model.n_epochs_} epochs)",
        top_k(model.predict_proba(histories), 5),
        round(seconds, 1),
    )
    return rows


def features(t):
    hours = (t[0, 0] % 86400) / 3600
    return [
        t[:, 1].mean(),
        t[:, 2].mean(),
        t[:, 1].std(),
        t[:, 2].std(),
        t[-1, 0] - t[0, 0],
        len(t),
        np.sin(2 * np.pi * hours / 24),
        np.cos(2 * np.pi * hours / 24),
    ]


def user_classification(trajectories, users, train, test):
    train_x = [trajectories[i] for i in train]
    test_x = [trajectories[i] for i in test]
    y_train, y_test = users[train], users[test]
    rows = []

    def row(method, prediction, seconds=None):
        rows.append(
            {
                "task": "user_classification",
                "method": method,
                "accuracy": float((prediction == y_test).mean()),
                "fit_seconds": seconds,
                "n_test": int(len(y_test)),
            }
        )

    values, counts = np.unique(y_train, return_counts=True)
    row("majority class", np.full(len(y_test), values[counts.argmax()]))
    forest = RandomForestClassifier(n_estimators=300, random_state=0, n_jobs=THREADS)
    forest.fit(np.array([features(t) for t in train_x]), y_train)
    row("features + RandomForest", forest.predict(np.array([features(t) for t in test_x])))
    clf = TrajectoryClassifier(
        backbone=TrajectoryTransformerConfig(d_model=64, n_heads=4, n_layers=2, d_ff=128),
        max_length=128,
        max_epochs=200,
        batch_size=32,
        patience=10,
        random_state=0,
        inference_dtype="float32",
        callbacks=[TimeBudget(BUDGET_USER)],
    )
    start = time.perf_counter()
    clf.fit(train_x, y_train)
    seconds = time.perf_counter() - start
    row(f"TrajectoryClassifier ({clf.n_epochs_} epochs)", clf.predict(test_x), round(seconds, 1))
    return rows


def main():
    torch.set_num_threads(THREADS)
    trajectories, users, train, test = geolife_split(step=STEP)
    print(
        f"{len(trajectories)} trajectories ({sum(len(t) for t in trajectories)} fixes at "
        f"{STEP:.0f} s), {len(train)} train / {len(test)} test"
    )
    rows = next_location(trajectories, train, test)
    rows += user_classification(trajectories, users, train, test)
    print(f"\n{'task':<20} {'method':<40} {'acc@1':>7} {'acc@5':>7} {'fit s':>7}")
    for r in rows:
        acc1 = r.get("accuracy@1", r.get("accuracy"))
        acc5 = r.get("accuracy@5")
        print(
            f"{r['task']:<20} {r['method']:<40} {acc1:>7.3f} "
            f"{'' if acc5 is None else f'{acc5:.3f}':>7} "
            f"{'' if r['fit_seconds'] is None else r['fit_seconds']:>7}"
        )
    write_results(
        RESULTS,
        "trajectories",
        rows,
        THREADS,
        step_seconds=STEP,
        cell_size_m=CELL_SIZE,
        history=HISTORY,
        budget_seconds={"next_location": BUDGET_NEXT, "user_classification": BUDGET_USER},
    )


if __name__ == "__main__":
    main()
