"""The sk-stfm command line."""

import pytest

from sk_stfm.cli import build_parser, main


def test_datasets_lists_bundled_data(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in ("etth1", "etth2", "ili", "exchange_rate", "los_loop", "chickenpox"):
        assert name in out
    assert "(17420, 1, 7)" in out


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_demo_runs_and_saves_a_plot(tmp_path, capsys):
    plot = tmp_path / "forecast.png"
    status = main(["demo", "--budget", "1", "--train-stride", "97", "--output", str(plot)])
    assert status == 0
    out = capsys.readouterr().out
    assert "repeat last value" in out and "DLinear (published)" in out
    # The season describe finds in ETTh1 (a day of hours), named with its source.
    assert "seasonal naive, 24 steps (this run)" in out and "found by describe (24 h)" in out
    assert plot.stat().st_size > 10_000


def test_bad_arguments_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--horizon", "0"])
    assert exit_info.value.code == 2
    assert "--horizon" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    ["demo", "datasets", "describe", "recommend", "fit", "predict", "tune", "benchmark", "scaling"],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: sk-stfm" in capsys.readouterr().out


def test_recommend_ranks_graph_models_first_on_los_loop(tmp_path, capsys):
    import json

    output = tmp_path / "ranking.json"
    assert main(["recommend", "los_loop", "--top", "3", "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "Moran's I" in out and "1. " in out
    ranking = json.loads(output.read_text())["recommendations"]
    assert len(ranking) == 3
    assert ranking[0]["backbone"] in {
        "gwnet",
        "tgcn",
        "stid",
        "st_transformer",
        "st_patch_transformer",
    }


def _sine_csv(path, n_steps=300):
    import numpy as np
    import pandas as pd

    t = np.arange(n_steps)
    frame = pd.DataFrame(
        {"a": np.sin(2 * np.pi * t / 12), "b": np.cos(2 * np.pi * t / 12)},
        index=pd.date_range("2024-01-01", periods=n_steps, freq="h", name="time"),
    )
    frame.to_csv(path)
    return path


def test_tune_on_a_csv_resumes_its_study(tmp_path, capsys):
    import json

    csv = _sine_csv(tmp_path / "sine.csv")
    storage = tmp_path / "study.log"
    common = ["tune", str(csv), "--backbones", "dlinear,mlp", "--objectives", "regression",
              "--max-epochs", "3", "--cv", "2", "--storage", str(storage), "--study-name", "s"]  # fmt: skip
    assert main([*common, "--trials", "2", "--output", str(tmp_path / "a.json")]) == 0
    assert main([*common, "--trials", "3", "--output", str(tmp_path / "b.json")]) == 0
    first = json.loads((tmp_path / "a.json").read_text())
    second = json.loads((tmp_path / "b.json").read_text())
    assert len(first["trials"]) == 2 and len(second["trials"]) == 3
    assert second["trials"][:2] == first["trials"]  # kept, not re-run
    test = second["test"]
    assert test["best"]["mae"] < test["last_value"]["mae"]
    assert "Test errors" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "neither a bundled data set"),
        ("time,a\n2024-01-01,x\n2024-01-02,y\n", "not numeric"),
        ("", "not a readable table"),
    ],
)
def test_bad_data_gives_one_line_and_status_1(tmp_path, capsys, content, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert main(["recommend", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("sk-stfm: error:") and message in err
    assert len(err.splitlines()) == 1


def test_tune_refuses_unknown_backbones(tmp_path, capsys):
    csv = _sine_csv(tmp_path / "sine.csv")
    assert main(["tune", str(csv), "--backbones", "gpt5"]) == 1
    assert "--backbones ['gpt5']" in capsys.readouterr().err
