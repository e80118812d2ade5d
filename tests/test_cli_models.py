"""sk-stfm describe, fit and predict: profile a data set, train a model, forecast with it."""

import json

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import one_error_line

from sk_stfm.cli import build_parser, main

N_STEPS, HISTORY, HORIZON = 24 * 30, 48, 24


def _hourly_frame(n_steps, seed=0):
    """Three daily-seasonal hourly channels with a little noise, indexed by ``date``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    day = 2 * np.pi * t / 24
    return pd.DataFrame(
        {
            "load": 10 + 3 * np.sin(day) + 0.1 * rng.standard_normal(n_steps),
            "temp": 5 * np.cos(day) + 0.1 * rng.standard_normal(n_steps),
            "price": 100 + 20 * np.sin(day + 1.0) + rng.standard_normal(n_steps),
        },
        index=pd.date_range("2024-01-01", periods=n_steps, freq="h", name="date"),
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A user CSV (with a few NaNs), the truth after it, and a dlinear fitted on it."""
    folder = tmp_path_factory.mktemp("cli_models")
    frame = _hourly_frame(N_STEPS + HORIZON)
    data, truth = frame.iloc[:N_STEPS].copy(), frame.iloc[N_STEPS:]
    data.iloc[[5, 100, 300], [0, 1, 2]] = np.nan
    csv = folder / "hourly.csv"
    data.to_csv(csv)
    model = folder / "models" / "hourly.pt"
    status = main(
        ["fit", str(csv), "--model", "dlinear:kernel_size=13", "--output", str(model),
         "--history", str(HISTORY), "--horizon", str(HORIZON), "--max-epochs", "8",
         "--lr", "0.01", "--batch-size", "32", "--train-stride", "2", "--budget", "60"]
    )  # fmt: skip
    assert status == 0
    return {"csv": csv, "data": data, "truth": truth, "model": model, "folder": folder}


@pytest.mark.parametrize("command", ["describe", "fit", "predict"])
def test_new_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: sk-stfm {command}" in capsys.readouterr().out


def test_describe_prints_the_profile_and_writes_json(tmp_path, capsys):
    output = tmp_path / "report" / "ili.json"
    assert main(["describe", "ili", "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "DataProfile('ili')" in out and "autocorrelation" in out and "periods:" in out
    report = json.loads(output.read_text())
    assert report["data"] == "ili"
    assert report["profile"]["kind"] == "series (966 steps x 1 node x 7 channels)"
    statistics = report["statistics"]
    assert statistics["shape"] == [966, 1, 7] and statistics["kind"] == "series"
    assert statistics["temporal"]["present"] is True
    assert statistics["spatial"] is None
    assert 0 <= statistics["missing_rate"] < 1


def test_describe_reads_the_dates_of_a_csv(fitted, capsys):
    assert main(["describe", str(fitted["csv"])]) == 0
    out = capsys.readouterr().out
    assert "regular, 1 h" in out and "timestamps" in out
    assert "24 steps (24 h)" in out
    assert "missing:         0.4 %" in out  # 3 rows x 3 channels of 720 x 3


def test_fit_reports_test_errors_and_saves_model_and_metadata(fitted):
    from sk_stfm.estimators import STForecaster

    model = STForecaster.load(fitted["model"])  # the estimator's own safe file
    assert model.window_shape_ == (HISTORY, 1, 3)
    assert model.callbacks is None  # the time budget is training-only
    metadata = json.loads(fitted["model"].with_name("hourly.pt.json").read_text())
    assert metadata["format"] == "sk_stfm-cli-model"
    assert metadata["channel_names"] == ["load", "temp", "price"]
    assert metadata["time_name"] == "date" and metadata["frequency"] == "h"
    assert metadata["last_timestamp"] == "2024-01-30T23:00:00"
    assert (metadata["history"], metadata["horizon"]) == (HISTORY, HORIZON)
    means = np.asarray(metadata["mean"])[0, 0]
    np.testing.assert_allclose(means, fitted["data"].iloc[: int(N_STEPS * 0.8)].mean(), rtol=1e-6)
    test = metadata["test"]
    # In data units: a daily cycle is far better forecast than by its last value.
    assert test["model"]["mae"] < 0.5 * test["last_value"]["mae"]
    assert test["model"]["rmse"] < test["last_value"]["rmse"]


def test_predict_round_trips_a_user_csv(fitted, tmp_path, capsys):
    output, plot = tmp_path / "forecast.csv", tmp_path / "forecast.png"
    status = main(
        ["predict", str(fitted["model"]), str(fitted["csv"]), "--output", str(output),
         "--plot", str(plot)]
    )  # fmt: skip
    assert status == 0
    assert "Forecast 24 steps" in capsys.readouterr().out
    forecast = pd.read_csv(output, index_col=0, parse_dates=True)
    data, truth = fitted["data"], fitted["truth"]
    assert forecast.shape == (HORIZON, 3)
    assert list(forecast.columns) == list(pd.read_csv(fitted["csv"], index_col=0).columns)
    assert forecast.index.name == "date"
    pd.testing.assert_index_equal(forecast.index, truth.index, check_names=False)
    assert forecast.index[0] == data.index[-1] + pd.Timedelta(hours=1)
    assert np.isfinite(forecast.to_numpy()).all()
    error = np.abs(forecast.to_numpy() - truth.to_numpy()).mean(axis=0)
    flat = np.abs(data.mean().to_numpy() - truth.to_numpy()).mean(axis=0)
    assert (error < 0.5 * flat).all(), (error, flat)
    assert plot.stat().st_size > 10_000
    # The forecast is in the layout of the input: it reads back as data.
    appended = pd.concat([data, forecast])
    appended.to_csv(tmp_path / "appended.csv")
    assert main(["describe", str(tmp_path / "appended.csv")]) == 0
    assert "744 steps x 1 node x 3 channels" in capsys.readouterr().out


def test_predict_reads_parquet_like_csv(fitted, tmp_path):
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "hourly.parquet"
    fitted["data"].reset_index().to_parquet(parquet)
    for source, name in ((fitted["csv"], "a.csv"), (parquet, "b.csv")):
        assert main(["predict", str(fitted["model"]), str(source), "--output", str(tmp_path / name)]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "a.csv", index_col=0), pd.read_csv(tmp_path / "b.csv", index_col=0)
    )


@pytest.mark.parametrize(
    "content, suffix, message",
    [
        (None, ".csv", "neither a bundled data set"),
        ("time,a\n2024-01-01,x\n2024-01-02,y\n", ".csv", "columns ['a'] are not numeric"),
        ("time,a\n2024-01-01,1\n2024-01-02,2\n", ".txt", "expected a .csv or .parquet file"),
    ],
)
def test_fit_refuses_bad_data_files(tmp_path, capsys, content, suffix, message):
    path = tmp_path / f"data{suffix}"
    if content is not None:
        path.write_text(content)
    status = main(["fit", str(path), "--model", "dlinear", "--output", str(tmp_path / "m.pt")])
    assert status == 1
    assert message in one_error_line(capsys)
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.parametrize(
    "spec, fragments",
    [
        (
            "patchtsx",
            ["--model 'patchtsx'", "unknown backbone 'patchtsx'", "dlinear", "'patchtst'?"],
        ),
        ("dlinear:kernal_size=5", ["no parameter 'kernal_size'", "individual, kernel_size"]),
        ("dlinear:kernel_size", ["PARAM=VALUE", "'kernel_size'"]),
        ("dlinear:kernel_size=5,kernel_size=7", ["given twice"]),
        ("thp", ["unknown backbone 'thp'"]),  # an event model, not a window one
        ("patchtst:patch_len=500", ["--model 'patchtst:patch_len=500'", "patch_len=500"]),
    ],
)
def test_fit_refuses_bad_model_specs(fitted, tmp_path, capsys, spec, fragments):
    status = main(["fit", str(fitted["csv"]), "--model", spec, "--output", str(tmp_path / "m.pt")])
    assert status == 1
    err = one_error_line(capsys)
    for fragment in fragments:
        assert fragment in err


@pytest.mark.parametrize(
    "data, arguments, message",
    [
        ("wikipedia_events", [], "needs regular window data; 'wikipedia_events' is event data"),
        ("chickenpox", ["--model", "convlstm"], "convlstm cannot forecast graph data"),
        ("ili", ["--objective", "mse"], "--objective 'mse': choose among"),
        ("ili", ["--test-fraction", "1.5"], "--test-fraction must be between 0 and 1"),
        ("ili", ["--history", "800"], "fewer than history + horizon"),
        ("ili", ["--horizon", "300"], "fewer than the horizon 300"),
    ],
)
def test_fit_refuses_data_the_model_cannot_take(tmp_path, capsys, data, arguments, message):
    arguments = ["--model", "dlinear", *arguments] if "--model" not in arguments else arguments
    assert main(["fit", data, *arguments, "--output", str(tmp_path / "m.pt")]) == 1
    assert message in one_error_line(capsys)


def test_fit_refuses_a_series_without_training_values(tmp_path, capsys):
    frame = _hourly_frame(200)
    frame.iloc[:180, 1] = np.nan  # the training part is the first 160 steps
    frame.to_csv(tmp_path / "gappy.csv")
    assert main(["fit", str(tmp_path / "gappy.csv"), "--model", "dlinear",
                 "--output", str(tmp_path / "m.pt")]) == 1  # fmt: skip
    assert "channel 1 has no observed value in the training part" in one_error_line(capsys)


def test_predict_refuses_data_with_other_columns(fitted, tmp_path, capsys):
    other = fitted["data"].rename(columns={"price": "humidity"})
    other.to_csv(tmp_path / "other.csv")
    status = main(["predict", str(fitted["model"]), str(tmp_path / "other.csv"),
                   "--output", str(tmp_path / "f.csv")])  # fmt: skip
    assert status == 1
    err = one_error_line(capsys)
    assert "has 3 columns (load, temp, humidity)" in err
    assert "fitted on hourly with 3 columns (load, temp, price)" in err
    assert not (tmp_path / "f.csv").exists()


def test_predict_refuses_other_nodes_steps_and_sampling(fitted, tmp_path, capsys):
    def predict(source):
        return main(["predict", str(fitted["model"]), str(source), "--output", str(tmp_path / "f.csv")])  # fmt: skip

    assert predict("chickenpox") == 1
    assert "has 20 nodes (BACS, BARANYA" in one_error_line(capsys)
    fitted["data"].iloc[-10:].to_csv(tmp_path / "short.csv")
    assert predict(tmp_path / "short.csv") == 1
    assert "has 10 steps; the model reads the last history = 48" in one_error_line(capsys)
    fitted["data"].resample("D").mean().to_csv(tmp_path / "daily.csv")
    assert predict(tmp_path / "daily.csv") == 1
    assert "sampled every D, but the model was fitted on data sampled every h" in (
        one_error_line(capsys)
    )


def test_predict_needs_the_metadata_of_fit(fitted, tmp_path, capsys):
    lone = tmp_path / "lone.pt"
    lone.write_bytes(fitted["model"].read_bytes())
    args = ["predict", str(lone), str(fitted["csv"]), "--output", str(tmp_path / "f.csv")]
    assert main(args) == 1
    assert "lone.pt.json: the metadata that sk-stfm fit writes" in one_error_line(capsys)
    (tmp_path / "lone.pt.json").write_text(json.dumps({"format": "something-else"}))
    assert main(args) == 1
    assert "not the metadata of an sk-stfm fit model" in one_error_line(capsys)
    metadata = json.loads(fitted["model"].with_name("hourly.pt.json").read_text())
    (tmp_path / "lone.pt.json").write_text(json.dumps({**metadata, "format_version": 99}))
    assert main(args) == 1
    assert "metadata format version 99" in one_error_line(capsys)
    (tmp_path / "lone.pt.json").write_text(json.dumps({**metadata, "history": 12}))
    assert main(args) == 1
    assert "does not belong to" in one_error_line(capsys)
    assert (
        main(["predict", str(tmp_path / "none.pt"), str(fitted["csv"]), "--output", "f.csv"]) == 1
    )
    assert "no such model file" in one_error_line(capsys)


def test_model_specs_read_python_literals():
    from sk_stfm.cli._fit import parse_model_spec
    from sk_stfm.estimators import MLPConfig, PatchTSTConfig

    config = parse_model_spec(
        "patchtst:d_model=32,dropout=0.1,revin=False,padding_patch=none,norm=layer,n_heads=2"
    )
    assert isinstance(config, PatchTSTConfig)
    params = config.get_params()
    assert params["d_model"] == 32 and isinstance(params["d_model"], int)
    assert params["dropout"] == 0.1 and params["revin"] is False
    assert params["padding_patch"] is None and params["norm"] == "layer"
    config = parse_model_spec("mlp:hidden_sizes=[16, 8],revin=TRUE")
    assert isinstance(config, MLPConfig) and config.hidden_sizes == (16, 8) and config.revin
    assert parse_model_spec(" dlinear ").get_params() == parse_model_spec("dlinear:").get_params()


def test_forecast_times_are_step_numbers_without_timestamps():
    from sk_stfm.cli._predict import future_index
    from sk_stfm.data import STData

    data = STData(np.zeros((30, 1, 2)))
    index = future_index(data, {"time_name": "step", "frequency": None}, horizon=3)
    assert list(index) == [30, 31, 32] and index.name == "step"
    weekly = STData(
        np.zeros((5, 1, 1)), timestamps=pd.date_range("2024-01-02", periods=5, freq="W-TUE")
    )
    index = future_index(weekly, {"time_name": "time", "frequency": "W-TUE"}, horizon=2)
    assert list(index) == list(pd.date_range("2024-02-06", periods=2, freq="W-TUE"))


def test_a_missing_row_does_not_change_the_frequency(tmp_path, capsys):
    # Daily data with one row missing: pandas names its step "24h", a
    # complete daily grid "D"; both are one day.
    days = pd.date_range("2024-01-01", periods=120, freq="D", name="date")
    frame = pd.DataFrame({"level": np.sin(2 * np.pi * np.arange(120) / 7)}, index=days)
    gappy = tmp_path / "gappy.csv"
    frame.drop(days[40]).to_csv(gappy)
    model = tmp_path / "daily.pt"
    assert main(["fit", str(gappy), "--model", "dlinear", "--output", str(model),
                 "--history", "14", "--horizon", "7", "--max-epochs", "1"]) == 0  # fmt: skip
    complete = tmp_path / "complete.csv"
    frame.to_csv(complete)
    forecast = tmp_path / "forecast.csv"
    assert main(["predict", str(model), str(complete), "--output", str(forecast)]) == 0
    times = pd.read_csv(forecast, index_col=0, parse_dates=True).index
    assert list(times) == list(pd.date_range(days[-1], periods=8, freq="D")[1:])
    capsys.readouterr()


def test_times_that_do_not_increase_are_refused(tmp_path, capsys):
    frame = _hourly_frame(100)
    path = tmp_path / "descending.csv"
    frame.iloc[::-1].to_csv(path)
    assert main(["describe", str(path)]) == 1
    assert "must increase strictly" in one_error_line(capsys)


def test_fit_defaults_resolve_history_and_schedule_from_the_data(tmp_path, capsys):
    """Without --history, --max-epochs and --batch-size the data decide, and the
    model beats the seasonal naive forecast on a seasonal series it was not tuned on."""
    from sk_stfm.cli._data import training_steps
    from sk_stfm.taxonomy._history import resolve_history

    frame = _hourly_frame(N_STEPS + HORIZON)
    csv = tmp_path / "hourly.csv"
    frame.to_csv(csv)
    model = tmp_path / "hourly.pt"
    assert main(["fit", str(csv), "--model", "dlinear", "--output", str(model),
                 "--horizon", str(HORIZON)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    sidecar = json.loads(model.with_name("hourly.pt.json").read_text())
    values = frame.to_numpy()[:, None, :]
    expected = resolve_history("auto", values[: training_steps(len(frame), 0.2)], HORIZON)
    assert sidecar["history"] == expected != 12
    errors = {line.split("MAE")[0].strip(): float(line.split("MAE")[1].split()[0])
              for line in out.splitlines() if "MAE" in line}  # fmt: skip
    seasonal = next(value for name, value in errors.items() if name.startswith("seasonal naive"))
    assert errors["dlinear"] < seasonal
