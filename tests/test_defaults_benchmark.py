"""``benchmarks/defaults.py``: its baselines, its verdicts and its result file.

The script is loaded from its file (``benchmarks/`` is not a package). The
baselines and the win / tie / loss rule are checked on cases whose answer is
known; the quick panel runs end to end with one-epoch models (the harness,
not the estimators, is under test here), and once with the estimators'
real defaults on the smallest data set.
"""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "defaults_benchmark", ROOT / "benchmarks" / "defaults.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seasonal_naive_is_exact_on_a_periodic_series(bench):
    period, horizon = 7, 10  # a horizon longer than the season
    t = np.arange(100)
    values = np.stack([np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)], axis=1)
    origins = np.array([30, 55, 90])
    forecasts = bench.forecast_baselines(values, origins, horizon, period)
    truth = np.stack([values[o : o + horizon] for o in origins])
    assert forecasts["seasonal_naive"].shape == truth.shape
    np.testing.assert_allclose(forecasts["seasonal_naive"], truth, atol=1e-12)
    np.testing.assert_allclose(forecasts["naive"], values[origins - 1][:, None].repeat(horizon, 1))


def test_drift_is_exact_on_a_line_and_no_season_means_no_seasonal_naive(bench):
    values = 3.0 + 0.5 * np.arange(50)
    forecasts = bench.forecast_baselines(values, [20, 40], horizon=5)
    assert set(forecasts) == {"naive", "drift"}
    np.testing.assert_allclose(forecasts["drift"], [values[20:25], values[40:45]])


def test_rolling_zscore_ranks_a_spike_first(bench):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 48, 2, 3))
    X[2, 30, 1, 0] += 10.0
    scores = bench.rolling_zscore_scores(X, window=12)
    assert scores.shape == (4,) and np.argmax(scores) == 2
    # A flat stretch then a small step: an outlier only without a floor.
    flat = np.zeros((1, 48, 1, 1))
    flat[0, 40:] = 0.01
    assert bench.rolling_zscore_scores(flat, 12)[0] > 1e3
    assert bench.rolling_zscore_scores(flat, 12, floor=np.full((1, 1), 0.25))[0] < 0.1


def test_injected_anomalies_are_where_the_kinds_say(bench):
    X = np.zeros((20, 32, 2, 3))
    corrupt, kinds = bench.inject_anomalies(X, np.ones((2, 3)), 0.25, random_state=0)
    assert (kinds > 0).sum() == 5 and set(kinds) == {0, 1, 2}
    changed = np.abs(corrupt).reshape(20, -1).max(axis=1) > 0
    np.testing.assert_array_equal(changed, kinds > 0)
    assert np.all((np.abs(corrupt) > 0).reshape(20, -1).sum(axis=1)[kinds == 1] == 1)


@pytest.mark.parametrize(
    ("values", "higher_is_better", "outcome"),
    [
        ([0.95, 0.96, 0.94], True, "win"),  # 0.95 vs 0.90: beyond 2 % of 0.90
        ([0.89, 0.90, 0.91], True, "tie"),
        ([0.80, 0.81, 0.79], True, "loss"),
        ([0.60, 1.00, 1.20], True, "tie"),  # mean 0.93, but the seeds disagree
        ([0.95, math.nan, 0.94], True, "loss"),  # a failed seed
        ([8.0, 8.1, 7.9], False, "win"),  # an error metric below the best baseline
        ([9.9, 10.1, 10.0], False, "tie"),
    ],
)
def test_judge(bench, values, higher_is_better, outcome):
    baselines = {"good": 0.9, "bad": 0.5} if higher_is_better else {"good": 10.0, "bad": 20.0}
    verdict = bench.judge(values, baselines, higher_is_better)
    assert verdict["baseline"] == "good" and verdict["outcome"] == outcome


def test_tally_counts_every_row_once(bench):
    rows = [
        {"model": "A", "task": "t", "data": "x", "outcome": "win"},
        {"model": "A", "task": "t", "data": "y", "outcome": "loss", "errors": "seed 0: boom"},
        {"model": "A", "task": "t", "data": "z", "outcome": "loss"},
        {"model": "B", "task": "u", "data": "x", "outcome": "tie"},
    ]
    a, b = bench.tally(rows)
    assert (a["wins"], a["ties"], a["losses"], a["failed"]) == (1, 0, 2, 1)
    assert a["lost_on"] == "y, z" and (b["ties"], b["losses"]) == (1, 0)


@pytest.fixture
def one_epoch_models(bench, monkeypatch):
    """The panel's estimators trained for one epoch: fast, and still the real harness."""
    fits = []
    real = bench.make_model

    def make_model(name, seed):
        model = real(name, seed)
        prefix = "estimator__" if name == "SktimeForecaster" else ""
        model.set_params(**{f"{prefix}max_epochs": 1})
        fit = model.fit

        def counted_fit(*args, **kwargs):
            fits.append(name)
            return fit(*args, **kwargs)

        model.fit = counted_fit
        return model

    monkeypatch.setattr(bench, "make_model", make_model)
    return fits


@pytest.mark.slow
def test_quick_panel_writes_rows_that_resume(bench, one_epoch_models, tmp_path, capsys):
    pytest.importorskip("sktime")
    output = tmp_path / "defaults.json"
    bench.main(["--quick", "--seeds", "0", "1", "--output", str(output)])
    payload = json.loads(output.read_text())
    rows = {(row["task"], row["data"], row["model"]): row for row in payload["results"]}
    assert set(rows) == {
        ("classification", "UnitTest", "STClassifier"),
        ("forecasting", "airline", "SktimeForecaster"),
        ("forecasting", "ILI", "STForecaster"),
        ("imputation", "ILI", "STImputer"),
        ("anomaly", "ILI", "STAnomalyDetector"),
    }
    assert len(one_epoch_models) == 10  # five cases, two seeds
    for row in rows.values():
        assert row["seeds"] == [0, 1] and len(row["runs"]) == 2
        assert row["outcome"] in ("win", "tie", "loss") and row["errors"] is None
        assert row["value"] == pytest.approx(np.mean(row["values"]))
        best = (max if row["higher_is_better"] else min)(
            row[name] for name in row["runs"][0]["baselines"]
        )
        assert row["baseline_value"] == best
    # Airline's last year against the year before: seasonal naive by hand.
    airline = rows["forecasting", "airline", "SktimeForecaster"]
    from sktime.datasets import load_airline

    y = load_airline().to_numpy()
    assert airline["seasonal_naive"] == pytest.approx(np.mean(np.abs(y[-24:-12] - y[-12:])))
    assert airline["naive"] == pytest.approx(np.mean(np.abs(y[-13] - y[-12:])))
    assert set(rows["classification", "UnitTest", "STClassifier"]) >= {
        "random_forest",
        "nearest_neighbour",
    }
    # The tally agrees with the rows, and the markdown table was written.
    summary = {entry["model"]: entry for entry in payload["summary"]}
    for (_, _, model), row in rows.items():
        counts = summary[model]
        assert counts["wins"] + counts["ties"] + counts["losses"] == 1
        assert counts[{"win": "wins", "tie": "ties", "loss": "losses"}[row["outcome"]]] == 1
    assert output.with_suffix(".md").is_file()
    assert "wins" in capsys.readouterr().out

    # --resume measures only what is missing: here, seed 2 of the classifier.
    del one_epoch_models[:]
    bench.main(["--quick", "--resume", "--only", "UnitTest", "--seeds", "0", "1", "2",
                "--output", str(output)])  # fmt: skip
    assert one_epoch_models == ["STClassifier"]
    rows = json.loads(output.read_text())["results"]
    classifier = next(row for row in rows if row["model"] == "STClassifier")
    assert classifier["seeds"] == [0, 1, 2] and len(rows) == 5
    # Without --resume the selected rows are measured afresh, the others kept.
    bench.main(["--quick", "--only", "airline", "--seeds", "0", "--output", str(output)])
    assert one_epoch_models[1:] == ["SktimeForecaster"]
    rows = {row["model"]: row for row in json.loads(output.read_text())["results"]}
    assert rows["SktimeForecaster"]["seeds"] == [0] and rows["STClassifier"]["seeds"] == [0, 1, 2]


def test_only_names_tasks_data_sets_or_estimators(bench):
    cases = bench.build_cases(quick=True)
    assert {c.data for c in bench.select(cases, "imputation,UnitTest")} == {"ILI", "UnitTest"}
    assert [c.model for c in bench.select(cases, "sktimeforecaster")] == ["SktimeForecaster"]
    with pytest.raises(SystemExit, match="nothing"):
        bench.select(cases, "nothing")


@pytest.mark.slow
def test_real_defaults_on_the_smallest_data_set(bench, tmp_path):
    pytest.importorskip("sktime")
    output = tmp_path / "defaults.json"
    rows, summary = bench.main(
        ["--quick", "--only", "UnitTest", "--seeds", "0", "--output", str(output)]
    )
    (row,) = rows
    assert row["params"]["max_epochs"] == bench.make_model("STClassifier", 0).max_epochs
    assert 0.0 <= row["value"] <= 1.0 and row["runs"][0]["fitted"]["n_epochs_"] >= 1
    (counts,) = summary
    assert counts["model"] == "STClassifier" and counts["failed"] == 0
    assert counts["wins"] + counts["ties"] + counts["losses"] == 1
