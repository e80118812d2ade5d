"""The scaling-law probe: the power-law fit, the probe's protocol and ``sk-stfm scaling``."""

import json
import re

import numpy as np
import pytest

from sk_stfm.benchmarking import PowerLaw, ScalingResult, fit_power_law, scaling_probe
from sk_stfm.benchmarking._scaling import _scaled_backbone
from sk_stfm.cli import main
from sk_stfm.datasets import load_ili, make_seasonal_series
from sk_stfm.estimators import (
    GraphWaveNetConfig,
    MLPConfig,
    PatchTSTConfig,
    STIDConfig,
    resolve_backbone,
)

TRUE_LAW = {"E": 0.25, "A": 30.0, "alpha": 0.45, "B": 12.0, "beta": 0.35}
# A cheap PatchTST for the probe: one layer, two heads.
TINY_PATCHTST = PatchTSTConfig(n_heads=2, n_layers=1)


def _chinchilla(N, D, E, A, alpha, B, beta):
    return E + A / N**alpha + B / D**beta


def _grid(sizes=(1e3, 3e3, 1e4, 3e4, 1e5), samples=(300, 1000, 3000, 10_000)):
    N, D = np.meshgrid(sizes, samples)
    return N.ravel(), D.ravel()


# ----------------------------------------------------------------- the law


def test_fit_power_law_recovers_a_known_law():
    N, D = _grid()
    law = fit_power_law(N, D, _chinchilla(N, D, **TRUE_LAW))
    assert law.form == "joint"
    for name, value in TRUE_LAW.items():
        assert getattr(law, name) == pytest.approx(value, rel=1e-3), name
    assert law.r2 == pytest.approx(1.0)
    assert law.rmse < 1e-6
    assert law.n_points == len(N)
    assert law.predict(5e4, 5e3) == pytest.approx(_chinchilla(5e4, 5e3, **TRUE_LAW), rel=1e-6)


def test_fit_power_law_is_close_under_noise_and_reports_the_misfit():
    N, D = _grid()
    rng = np.random.default_rng(0)
    noisy = _chinchilla(N, D, **TRUE_LAW) * np.exp(rng.normal(0, 0.01, N.shape))
    law = fit_power_law(N, D, noisy)
    assert law.alpha == pytest.approx(TRUE_LAW["alpha"], abs=0.05)
    assert 0.005 < law.rmse < 0.02  # about the 1 % noise, in log space
    assert 0.9 < law.r2 < 1.0


def test_fit_power_law_does_not_depend_on_units():
    # Counting parameters in thousands rescales A by 1000**alpha, nothing else.
    N, D = _grid()
    L = _chinchilla(N, D, **TRUE_LAW)
    law, rescaled = fit_power_law(N, D, L), fit_power_law(N / 1000, D, L)
    assert rescaled.alpha == pytest.approx(law.alpha, rel=1e-4)
    assert rescaled.A == pytest.approx(law.A / 1000**law.alpha, rel=1e-3)


@pytest.mark.parametrize(
    "fixed, form, params",
    [("n_samples", "size", ("E", "A", "alpha")), ("n_parameters", "data", ("E", "B", "beta"))],
)
def test_one_fixed_size_falls_back_to_the_law_in_the_other(fixed, form, params):
    sizes = np.array([1e3, 3e3, 1e4, 3e4, 1e5])
    if fixed == "n_samples":
        N, D = sizes, np.full(5, 2000.0)
        truth = {"E": 0.25 + 12.0 / 2000.0**0.35, "A": 30.0, "alpha": 0.45}
    else:
        N, D = np.full(5, 1e4), sizes
        truth = {"E": 0.25 + 30.0 / 1e4**0.45, "B": 12.0, "beta": 0.35}
    law = fit_power_law(N, D, _chinchilla(N, D, **TRUE_LAW))
    assert law.form == form
    for name in params:
        assert getattr(law, name) == pytest.approx(truth[name], rel=1e-3), name
    unidentified = {"E", "A", "alpha", "B", "beta"} - set(params)
    assert all(getattr(law, name) is None for name in unidentified)
    other = {"n_parameters": 5e3} if form == "size" else {"n_samples": 5e3}
    assert np.isfinite(law.predict(**other))  # the fixed variable is not needed
    with pytest.raises(ValueError, match="required"):
        law.predict(**{"n_samples" if form == "size" else "n_parameters": 5e3})


@pytest.mark.parametrize(
    "N, D, match",
    [
        # Two sizes give one loss difference, which many (A, alpha) reproduce.
        ([1e3, 1e4] * 3, [100] * 2 + [200] * 2 + [400] * 2, "2 distinct n_parameters"),
        ([1e3, 1e4, 1e5] * 2, [100] * 3 + [200] * 3, "2 distinct n_samples"),
        ([1e3] * 6, [100] * 6, "1 distinct"),
        ([1e3, 1e4, 1e5], [100] * 3, "needs more runs"),  # 3 parameters, 3 runs
    ],
)
def test_degenerate_grids_raise(N, D, match):
    losses = _chinchilla(np.asarray(N), np.asarray(D), **TRUE_LAW)
    with pytest.raises(ValueError, match=match):
        fit_power_law(N, D, losses)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"losses": [1.0, 0.0, 0.5, 0.4]}, ValueError, "losses must hold positive"),
        ({"losses": [1.0, np.nan, 0.5, 0.4]}, ValueError, "losses must hold positive"),
        ({"n_parameters": [1e3, 1e4, 1e5]}, ValueError, "one entry per run"),
        ({"n_samples": [["a"] * 4]}, TypeError, "n_samples must be a sequence"),
    ],
)
def test_fit_power_law_validates_its_inputs(kwargs, error, match):
    arguments = {
        "n_parameters": [1e3, 1e4, 1e5, 1e6],
        "n_samples": [100] * 4,
        "losses": [1.0, 0.8, 0.5, 0.4],
    } | kwargs
    with pytest.raises(error, match=match):
        fit_power_law(**arguments)


def test_power_law_to_dict_is_json_ready():
    law = PowerLaw("size", E=0.3, A=2.0, alpha=0.5, B=None, beta=None, r2=float("nan"),
                   rmse=0.0, n_points=4)  # fmt: skip
    payload = json.loads(json.dumps(law.to_dict()))
    assert payload["r2"] is None and payload["beta"] is None
    assert payload["formula"] == "L(N) = E + A / N**alpha"
    assert str(law).startswith("L(N) = 0.3 + 2 / N**0.5")


# ------------------------------------------------------------- the widths


@pytest.mark.parametrize(
    "config, width, expected",
    [
        (PatchTSTConfig(), 32, {"d_model": 32, "d_ff": 256, "n_layers": 3}),
        (PatchTSTConfig(d_model=16, d_ff=32, n_layers=1), 8, {"d_ff": 16, "n_layers": 1}),
        (MLPConfig(hidden_sizes=(64, 32)), 16, {"hidden_sizes": (16, 8)}),
        (STIDConfig(node_dim=0), 8, {"embed_dim": 8, "node_dim": 0, "time_of_day_dim": 8}),
        (GraphWaveNetConfig(), 8, {"residual_channels": 8, "skip_channels": 32}),
    ],
)
def test_width_scales_the_size_parameters_in_proportion(config, width, expected):
    scaled = _scaled_backbone(config, width)
    assert {name: scaled.get_params()[name] for name in expected} == expected
    assert config.get_params() == resolve_backbone(config).get_params()  # untouched


@pytest.mark.parametrize("backbone", ["patchtst", "mlp", "stid", "gwnet", "st_transformer"])
def test_wider_backbones_have_more_parameters(backbone):
    config = resolve_backbone(backbone)
    counts = [
        sum(p.numel() for p in _scaled_backbone(config, width).build(24, 3, 2, 6).parameters())
        for width in (8, 16, 32)
    ]
    assert counts[0] < counts[1] < counts[2]


# -------------------------------------------------------------- the probe


def test_scaling_probe_runs_the_grid():
    widths, fractions = (4, 8), (0.25, 0.5, 1.0)
    with pytest.warns(UserWarning, match="no power law fitted: .*2 distinct n_parameters"):
        result = scaling_probe(
            load_ili(),
            TINY_PATCHTST,
            widths=widths,
            fractions=fractions,
            history=24,
            horizon=6,
            max_epochs=1,
        )
    runs = result.runs
    assert len(runs) == len(widths) * len(fractions)
    assert list(runs["width"]) == [4, 4, 4, 8, 8, 8]
    by_width = runs.groupby("width")["n_parameters"].unique()
    assert by_width[4].size == by_width[8].size == 1  # data do not change the model
    assert by_width[4][0] < by_width[8][0]
    # The windows of a fraction are nested and grow with it.
    n_windows = runs.groupby("fraction")["n_train_windows"].unique()
    assert n_windows[0.25][0] < n_windows[0.5][0] < n_windows[1.0][0]
    assert n_windows[1.0][0] == result.settings["n_train_windows"]
    assert np.all(np.isfinite(runs["valid_loss"])) and np.all(runs["valid_loss"] > 0)
    assert set(runs["epochs"]) == {1} and set(runs["best_epoch"]) == {1}
    assert result.law is None and result.backbone == "patchtst"
    assert json.loads(json.dumps(result.to_dict()))["law"] is None


def test_scaling_probe_keeps_the_most_recent_windows(monkeypatch):
    # A fraction trains on the windows just before the validation part.
    seen = []
    from sk_stfm.estimators import STForecaster

    fit = STForecaster.fit

    def recording_fit(self, X, y, validation_data=None):
        seen.append((X[[0, -1], 0, 0, 0].copy(), validation_data[0][0, 0, 0, 0]))
        return fit(self, X, y, validation_data)

    monkeypatch.setattr(STForecaster, "fit", recording_fit)
    steps = np.arange(400.0)  # the value is the step: windows tell where they start
    with pytest.warns(UserWarning, match="no power law"):
        scaling_probe(steps, "mlp", widths=(4,), fractions=(0.5, 1.0), history=10, horizon=5,
                      validation_size=100, max_epochs=1)  # fmt: skip
    (half, val_start), (full, same_val_start) = seen
    assert val_start == same_val_start  # one validation part for every run
    assert half[-1] == full[-1]  # both end just before validation
    assert full[0] < half[0]
    # The last training target (step 299) precedes the first validation target.
    scale = np.std(steps[:300])
    last_target = half[-1] * scale + steps[:300].mean() + 10 + 5 - 1
    first_target = val_start * scale + steps[:300].mean() + 10
    assert round(last_target) == 299 and round(first_target) == 300


def test_scaling_probe_fits_a_law_and_plots_it():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    series = make_seasonal_series(400, n_channels=2, random_state=0)
    result = scaling_probe(series, MLPConfig(hidden_sizes=(8,)), widths=(2, 4, 8, 16),
                           fractions=(1.0,), history=24, horizon=6, max_epochs=2)  # fmt: skip
    assert isinstance(result, ScalingResult)
    assert result.law.form == "size" and result.law.n_points == 4
    assert np.all(np.diff(result.runs["n_parameters"]) > 0)
    fig = result.plot()
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2  # the measured points and the fitted curve
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"backbone": "dlinear"}, ValueError, "no width to scale; .*patchtst"),
        ({"widths": (8, 0)}, ValueError, "widths must be positive"),
        ({"widths": (8, 2.5)}, TypeError, "widths must be ints"),
        ({"widths": (8, 8)}, ValueError, "widths must be distinct"),
        ({"widths": (6,)}, ValueError, "not multiples of the 4 attention heads"),
        ({"fractions": (0.5, 1.5)}, ValueError, r"fractions must be in \(0, 1\]"),
        ({"fractions": (0.0,)}, ValueError, r"fractions must be in \(0, 1\]"),
        ({"fractions": ()}, ValueError, "at least one"),
        ({"validation_size": 1.0}, ValueError, "validation_size"),
        ({"validation_size": 5}, ValueError, "validation part has"),
        ({"budget": 0}, ValueError, "budget"),
        ({"budget": True}, ValueError, "budget"),
        ({"history": 0}, ValueError, "history"),
    ],
)
def test_scaling_probe_validates_its_arguments(kwargs, error, match):
    arguments = {"widths": (8,), "fractions": (1.0,), "history": 24, "horizon": 6} | kwargs
    with pytest.raises(error, match=match):
        scaling_probe(np.zeros((200, 1, 1)), **arguments)


# ------------------------------------------------------------------ the CLI


def test_cli_writes_json_markdown_and_plot(tmp_path, capsys):
    status = main(["scaling", "ili", "--widths", "4,8,16", "--fractions", "0.5,0.75,1",
                   "--history", "24", "--horizon", "6", "--max-epochs", "1", "--train-stride", "3",
                   "--output-dir", str(tmp_path)])  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "n_parameters" in out and "Fitted law: L(N, D)" in out
    payload = json.loads((tmp_path / "scaling.json").read_text())
    assert payload["benchmark"] == "scaling" and payload["backbone"] == "patchtst"
    assert payload["command"].startswith("sk-stfm scaling ili --backbone patchtst --widths 4,8,16")
    assert len(payload["results"]) == 9
    assert payload["law"]["form"] == "joint" and payload["law"]["alpha"] >= 0
    assert "| width | n_parameters |" in (tmp_path / "scaling.md").read_text()
    assert (tmp_path / "scaling.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "option, value, match",
    [
        ("--widths", "8,0", "widths must be positive"),
        ("--widths", "8,x", "--widths must be comma-separated integers"),
        ("--fractions", "0.5,2", r"fractions must be in \(0, 1\]"),
        ("--fractions", "0,1", r"fractions must be in \(0, 1\]"),
        ("--backbone", "dlinear", "no width to scale"),
    ],
)
def test_cli_bad_arguments_exit_1_with_one_line(tmp_path, capsys, option, value, match):
    status = main(["scaling", "ili", option, value, "--output-dir", str(tmp_path)])
    assert status == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("sk-stfm: error:")
    assert re.search(match, error)
    assert not (tmp_path / "scaling.json").exists()


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["scaling", "--help"])
    assert exit_info.value.code == 0
    assert "--fractions" in capsys.readouterr().out
