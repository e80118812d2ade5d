"""The benchmark suites behind ``sk-stfm benchmark``: entries, protocols, results, CLI."""

import json

import numpy as np
import pytest

from sk_stfm.benchmarking import (
    get_benchmark,
    list_benchmarks,
    run_benchmark,
    run_suite,
    write_suite_results,
)
from sk_stfm.benchmarking._plots import relative_errors
from sk_stfm.benchmarking._protocols import (
    geolife_split,
    los_loop_windows,
    markov_scores,
    masked_flow_mae,
    next_location_targets,
    tgcn_metrics,
)
from sk_stfm.cli import main

DATA_TYPES = {"series", "graph", "grid", "video", "trajectory", "event"}


def test_core_suite_covers_every_data_type_with_a_protocol():
    table = list_benchmarks("core")
    assert set(table["kind"]) == DATA_TYPES
    assert table["name"].is_unique
    for protocol in table["protocol"]:
        assert len(protocol) > 80  # each entry documents its split and metric
    assert set(list_benchmarks()["suite"]) == {"core", "speed"}


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="no benchmark entry 'etth3'.*etth"):
        get_benchmark("etth3")
    with pytest.raises(ValueError, match="suite must be one of"):
        list_benchmarks("fast")
    with pytest.raises(ValueError, match=r"entries \['gwnet'\] are not in the core suite"):
        run_suite("core", ["gwnet"], progress=False)
    with pytest.raises(ValueError, match="budget must be a positive"):
        run_benchmark("chickenpox", budget=0)


def test_chickenpox_entry_beats_the_last_value_and_carries_the_published_number():
    (row,) = run_benchmark("chickenpox", budget=5, quick=True, threads=1)
    assert row["entry"] == "chickenpox" and row["kind"] == "graph" and row["quick"]
    assert row["metric"] == "mse" and row["published"] == {"DCRNN": 0.7418}
    assert np.isfinite(row["value"])
    # A standardized weekly series: the last value is far worse than a fitted model.
    assert row["value"] < 0.5 * row["baseline_value"]
    assert row["n_test"] == 414


def test_event_entry_scores_likelihoods_against_point_process_baselines():
    (row,) = run_benchmark("wikipedia", budget=1, quick=True, threads=1)
    assert row["higher_is_better"]
    assert set(row["baselines"]) == {"Poisson", "Hawkes"}
    # The best baseline is the one with the highest log-likelihood.
    assert row["baseline_value"] == max(row["baselines"].values())
    assert row["baselines"]["Hawkes"] > row["baselines"]["Poisson"]


def test_relative_errors_put_every_metric_on_one_scale():
    error = {"value": 2.0, "baseline_value": 4.0, "published": {"paper": 1.0}}
    assert relative_errors(error) == {"ours": 0.5, "paper": 0.25}
    accuracy = {"value": 0.8, "baseline_value": 0.4, "higher_is_better": True, "published": {}}
    assert relative_errors(accuracy) == {"ours": 0.5}
    loglik = {"value": -17.0, "baseline_value": -18.0, "higher_is_better": True}
    assert relative_errors(loglik)["ours"] == pytest.approx(np.exp(-1.0))


def test_tgcn_metrics_and_the_flow_mask():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    metrics = tgcn_metrics(y, y + 1.0)
    assert metrics["mae"] == 1.0 and metrics["rmse"] == 1.0
    assert metrics["accuracy"] == pytest.approx(1 - 2.0 / np.sqrt(30.0))
    assert metrics["r2"] == pytest.approx(1 - 4.0 / 5.0)
    flows = np.array([2.0, 6.0, 10.0])
    # Only the entries above 5 count: |6 - 8| and |10 - 9|.
    assert masked_flow_mae(flows, np.array([100.0, 8.0, 9.0])) == 1.5


def test_los_loop_protocol_scales_with_training_statistics_only():
    parts, data, (mean, std) = los_loop_windows(horizon=3)
    n_train = int(0.8 * data.n_steps)
    assert mean == pytest.approx(data.values[:n_train, :, 0].mean())
    X_train, y_train = parts["train"]
    X_test, _ = parts["test"]
    assert X_train.shape[1:] == (12, data.n_nodes, 3) and y_train.shape[1:] == (3, data.n_nodes, 1)
    # Windows never cross the split: as many as fit inside each part.
    assert len(X_train) == n_train - 12 - 3 + 1
    assert len(X_test) == data.n_steps - n_train - 12 - 3 + 1


def test_geolife_split_is_chronological_per_user():
    trajectories, users, train, test = geolife_split()
    assert not set(train) & set(test)
    for user in np.unique(users):
        starts = {i: trajectories[i][0, 0] for i in np.flatnonzero(users == user)}
        last_train = max(starts[i] for i in train if i in starts)
        first_test = min(starts[i] for i in test if i in starts)
        assert last_train <= first_test


def test_next_location_targets_and_markov_scores():
    trajectory = np.arange(12.0).reshape(4, 3)
    histories, last, truth = next_location_targets([trajectory], [np.array([0, 1, 1, 2])], 2)
    assert [len(h) for h in histories] == [1, 2, 2]
    assert last.tolist() == [0, 1, 1] and truth.tolist() == [1, 1, 2]
    scores = markov_scores([np.array([0, 1, 2, 1, 2])], np.array([1, 3]), 4)
    assert scores[0].argmax() == 2  # 1 -> 2 twice
    assert scores[1].argmax() == 3  # never left cell 3: stay


def test_results_of_entries_not_rerun_are_kept_under_the_same_settings(tmp_path, capsys):
    def row(entry, value, budget=1.0):
        return {"entry": entry, "kind": "graph", "dataset": entry, "model": "m", "metric": "mse",
                "value": value, "baseline": "last", "baseline_value": 1.0, "published": {},
                "quick": True, "threads": 1, "budget_seconds": budget,
                "entry_seconds": 2.0}  # fmt: skip

    settings = {"threads": 1, "budget": 1.0, "random_state": 0, "quick": True}
    write_suite_results("core", [row("a", 0.5), row("b", 0.6)], tmp_path, **settings)
    path = write_suite_results("core", [row("b", 0.4)], tmp_path, **settings)
    payload = json.loads(path.read_text())
    assert {(r["entry"], r["value"]) for r in payload["results"]} == {("a", 0.5), ("b", 0.4)}
    assert payload["command"] == "sk-stfm benchmark --suite core --budget 1 --quick"
    assert payload["run_seconds"] == 4.0  # one time per entry
    assert path.with_suffix(".png").stat().st_size > 5_000
    assert "| a |" in path.with_suffix(".md").read_text().replace("| graph |", "|")
    # Another budget: the earlier rows would be mislabelled, so they go.
    settings["budget"] = 5.0
    write_suite_results("core", [row("b", 0.3, budget=5.0)], tmp_path, **settings)
    payload = json.loads(path.read_text())
    assert [(r["entry"], r["value"]) for r in payload["results"]] == [("b", 0.3)]
    assert payload["budget_seconds"] == 5.0
    assert "starting afresh" in capsys.readouterr().out


@pytest.mark.slow
def test_core_suite_writes_one_result_per_data_type(tmp_path, capsys):
    status = main(["benchmark", "--suite", "core", "--quick", "--budget", "1", "--threads", "1",
                   "--output-dir", str(tmp_path)])  # fmt: skip
    assert status == 0
    payload = json.loads((tmp_path / "core.json").read_text())
    rows = payload["results"]
    assert {row["kind"] for row in rows} == DATA_TYPES
    assert all(np.isfinite(row["value"]) and np.isfinite(row["baseline_value"]) for row in rows)
    assert payload["quick"] and payload["machine"]["threads"] == 1
    published = {(row["dataset"], row["metric"]): row["published"] for row in rows}
    assert published["ETTh1", "mse"]["Repeat"] == 1.295
    assert published["Los-loop", "mae"] == {"T-GCN": 3.964}
    assert (tmp_path / "core.md").exists() and (tmp_path / "core.png").exists()
    out = capsys.readouterr().out
    assert "7 entries in" in out and "Los-loop" in out


def test_speed_entry_measures_throughput_and_memory_in_a_fresh_process():
    (row,) = run_benchmark("dlinear_etth1", quick=True, threads=1)
    assert row["entry"] == "dlinear_etth1" and row["n_windows"] == 128
    assert row["fit_windows_per_second"] > 0 and row["predict_windows_per_second"] > 0
    assert row["n_parameters"] == 2 * 336 * 96 + 2 * 96  # seasonal and trend linear maps
    assert row["peak_rss_mib"] > 50  # a whole interpreter with torch


def test_benchmark_command_lists_entries_and_rejects_bad_ones(capsys):
    assert main(["benchmark", "--list"]) == 0
    out = capsys.readouterr().out
    assert "los_loop" in out and "wikipedia" in out and "overhead" not in out
    assert main(["benchmark", "--suite", "speed", "--list"]) == 0
    assert "overhead" in capsys.readouterr().out
    assert main(["benchmark", "--entries", "nope", "--output-dir", "/tmp/unused"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "['nope'] are not in the core suite" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "--budget", "-1"])
    assert exit_info.value.code == 2
