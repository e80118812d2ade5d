"""Optuna search on Los-loop, killed with SIGKILL and resumed: the search goes on where it stopped.

Runs ``sk-stfm tune los_loop`` over backbone in {dlinear, patchtst, gwnet} x
objective in {regression, masked} with a journal storage, kills the process
with SIGKILL once the study holds at least 2 finished trials, starts the
same command again, and checks that the finished trials were kept and that
the refitted best model beats the last value on the held-out 20 % (T-GCN
protocol: 80/20 split in time, 12-step windows; horizon 12 = 60 min).
Writes ``benchmarks/results/tuning.json`` and ``.md``.

Run: ``python benchmarks/tuning.py [--trials 6] [--max-epochs 5]``.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from sk_stfm.benchmarking import write_results
from sk_stfm.tuning import resolve_storage

RESULTS = Path(__file__).parent / "results" / "tuning.json"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def _finished(storage, study_name):
    try:
        study = optuna.load_study(study_name=study_name, storage=resolve_storage(storage))
    except KeyError:
        return {}
    return {t.number: (t.state.name, t.value) for t in study.trials if t.state in FINISHED}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--max-epochs", type=int, default=5)
    parser.add_argument("--train-stride", type=int, default=2)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sk_stfm_tune_"))
    storage, study_name = str(workdir / "los_loop.journal"), "los_loop_bench"
    report_path = workdir / "report.json"
    command = [
        sys.executable, "-m", "sk_stfm.cli", "tune", "los_loop",
        "--backbones", "dlinear,patchtst,gwnet", "--objectives", "regression,masked",
        "--trials", str(args.trials), "--max-epochs", str(args.max_epochs),
        "--train-stride", str(args.train_stride), "--cv", "2",
        "--history", "12", "--horizon", str(args.horizon), "--seed", str(args.seed),
        "--storage", storage, "--study-name", study_name, "--output", str(report_path),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    start = time.perf_counter()
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while len(_finished(storage, study_name)) < 2:
        if first.poll() is not None:
            raise SystemExit(f"the first search ended (status {first.returncode}) before 2 trials")
        time.sleep(1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_after = time.perf_counter() - start
    kept = _finished(storage, study_name)
    print(f"killed after {killed_after:.0f} s with {len(kept)} finished trials: {kept}")

    resumed = subprocess.run(command, env=env, capture_output=True, text=True)
    if resumed.returncode != 0:
        raise SystemExit(resumed.stderr[-2000:])
    print(resumed.stdout[-3000:])
    report = json.loads(report_path.read_text())
    after = {t["number"]: t for t in report["trials"]}
    kept_ok = all(after[n]["state"] == state for n, (state, _) in kept.items())
    test = report["test"]
    rows = [
        {
            "dataset": "los_loop",
            "model": f"best of search ({report['best_params'].get('backbone')}, "
            f"{report['best_params'].get('objective')})",
            "mae": test["best"]["mae"],
            "rmse": test["best"]["rmse"],
        },
        {
            "dataset": "los_loop",
            "model": "last value",
            "mae": test["last_value"]["mae"],
            "rmse": test["last_value"]["rmse"],
        },
    ]
    write_results(
        RESULTS,
        "tuning",
        rows,
        threads=int(os.environ.get("OMP_NUM_THREADS", 0)) or None,
        horizon=args.horizon,
        history=12,
        n_trials=args.trials,
        max_epochs=args.max_epochs,
        train_stride=args.train_stride,
        killed_after_seconds=round(killed_after, 1),
        trials_finished_when_killed=len(kept),
        trials_kept_after_restart=kept_ok,
        trials=report["trials"],
        best_params=report["best_params"],
        total_seconds=round(time.perf_counter() - start, 1),
    )
    beats = test["best"]["mae"] < test["last_value"]["mae"]
    print(f"kept the {len(kept)} trials finished before the kill: {kept_ok}; "
          f"best beats last value (MAE): {beats}")  # fmt: skip


if __name__ == "__main__":
    main()
