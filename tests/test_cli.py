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
    assert plot.stat().st_size > 10_000


def test_bad_arguments_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--horizon", "0"])
    assert exit_info.value.code == 2
    assert "--horizon" in capsys.readouterr().err
