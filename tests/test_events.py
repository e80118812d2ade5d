"""Event sequences: loaders, TPP backbones, EventForecaster and baselines."""

import inspect
import pickle

import numpy as np
import pytest
import torch
from scipy.integrate import quad
from sklearn.base import clone

from sk_stfm.backbones import LogNormMixTPP, TransformerHawkes, get_backbone, list_backbones
from sk_stfm.datasets import earthquake_periods, load_earthquakes, load_wikipedia_events
from sk_stfm.estimators import (
    EventForecaster,
    HawkesProcess,
    LogNormMixConfig,
    PoissonProcess,
    RMTPPConfig,
    resolve_event_backbone,
)


def _simulate_hawkes(rng, mu, alpha, beta, t_end):
    """Ogata thinning for an exponential Hawkes process on [0, t_end]."""
    times, t = [], 0.0
    while True:
        bound = mu + alpha * beta * np.sum(np.exp(-beta * (t - np.array(times)))) + alpha * beta
        t += rng.exponential(1 / bound)
        if t > t_end:
            return np.array(times)
        rate = mu + alpha * beta * np.sum(np.exp(-beta * (t - np.array(times))))
        if rng.uniform() * bound <= rate:
            times.append(t)


@pytest.fixture(scope="module")
def hawkes_data():
    rng = np.random.default_rng(0)
    sequences = [_simulate_hawkes(rng, 0.3, 0.8, 2.0, 60.0)[:, None] for _ in range(60)]
    return [s for s in sequences if len(s) > 2]


# ---------------------------------------------------------------- loaders
def test_wikipedia_counts():
    data = load_wikipedia_events()
    assert (data.n_sequences, data.n_points, data.n_marks) == (1000, 157471, 8227)
    assert data.kind == "event" and data.columns == ("time", "mark") and data.license
    lengths = [len(s) for s in data.sequences]
    assert (min(lengths), max(lengths)) == (84, 1936)
    capped = load_wikipedia_events(n_marks=10)
    marks = np.concatenate([s[:, 1] for s in capped.sequences])
    assert capped.n_marks == 10 and marks.max() == 9
    with pytest.raises(ValueError, match="n_marks"):
        load_wikipedia_events(n_marks=1)


@pytest.mark.parametrize("region, count", [("sanjac", 21291), ("japan", 37581)])
def test_earthquake_counts_and_periods(region, count):
    data = load_earthquakes(region)
    assert data.n_sequences == 1 and data.n_points == count
    assert data.columns == ("time", "x", "y", "magnitude")
    credit = "SCEDC" if region == "sanjac" else "U.S. Geological Survey"
    assert credit in data.citation and "EarthquakeNPP" in data.citation
    periods = earthquake_periods(region)
    assert list(periods.index) == ["auxiliary", "train", "validation", "test"]
    times = data.sequences[0][:, 0]
    assert periods["start_time"].iloc[0] == 0.0 and times[0] > 0
    assert times[-1] < periods["end_time"].iloc[-1]
    with pytest.raises(ValueError, match="region"):
        load_earthquakes("mars")


def test_japan_test_period_count():
    times = load_earthquakes("japan").sequences[0][:, 0]
    test = earthquake_periods("japan").loc["test"]
    assert ((times >= test.start_time) & (times < test.end_time)).sum() == 15368


# -------------------------------------------------------------- backbones
def test_event_backbones_registered():
    assert set(list_backbones(data_kind="event")) == {"lognorm_mix", "rmtpp", "thp"}
    assert "rmtpp" not in list_backbones(data_kind="series")
    assert get_backbone("thp").tags.data_kinds == ("event",)


def test_lognorm_survival_and_likelihood_match_numerical_integrals():
    torch.manual_seed(0)
    model = LogNormMixTPP(d_model=4, n_components=3).double()
    context = torch.randn(1, 4, dtype=torch.float64)

    @torch.no_grad()
    def density(tau):
        return float(torch.exp(model.log_density(context, torch.tensor([tau]).double())))

    assert quad(density, 0, np.inf)[0] == pytest.approx(1.0, abs=1e-6)
    for tau in (0.3, 2.0):
        survival = float(
            torch.exp(model.log_survival(context, torch.tensor([tau]).double())).detach()
        )
        assert survival == pytest.approx(1 - quad(density, 0, tau)[0], abs=1e-6)
    mean = float(model.expected_gap(context))
    assert mean == pytest.approx(quad(lambda t: t * density(t), 0, np.inf)[0], rel=1e-4)


def test_thp_quadrature_matches_numerical_integral():
    torch.manual_seed(0)
    model = TransformerHawkes(d_model=4, n_layers=1, n_quadrature=32).double()
    with torch.no_grad():
        model.alpha.fill_(0.7)
    context = torch.randn(1, 4, dtype=torch.float64)
    a = float(model.intensity(context)[0, 0])
    integral = quad(lambda t: np.logaddexp(0, a + 0.7 * t), 0, 3.0)[0]
    log_s = float(model.log_survival(context, torch.tensor([3.0]).double()))
    assert log_s == pytest.approx(-integral, rel=1e-8)


# -------------------------------------------------------------- baselines
def test_poisson_log_likelihood_closed_form():
    rng = np.random.default_rng(1)
    sequences = [np.sort(rng.uniform(0, 50, rng.poisson(40)))[:, None] for _ in range(5)]
    model = PoissonProcess().fit(sequences, start_times=0.0, end_times=50.0)
    n = sum(len(s) for s in sequences)
    rate = n / 250.0
    assert model.rate_ == pytest.approx(rate)
    expected = (n * np.log(rate) - rate * 250.0) / n
    assert model.score(sequences, start_times=0.0, end_times=50.0) == pytest.approx(expected)


def test_hawkes_recovers_parameters(hawkes_data):
    model = HawkesProcess().fit(hawkes_data, start_times=0.0, end_times=60.0)
    assert model.alpha_ == pytest.approx(0.8, abs=0.15)
    assert model.beta_ == pytest.approx(2.0, rel=0.4)
    assert model.mu_ == pytest.approx(0.3, rel=0.4)


# -------------------------------------------------------- EventForecaster
@pytest.mark.parametrize("backbone", ["lognorm_mix", "rmtpp", "thp"])
def test_tpp_beats_poisson_on_hawkes_data(hawkes_data, backbone):
    train, test = hawkes_data[:40], hawkes_data[40:]
    windows = {"start_times": 0.0, "end_times": 60.0}
    poisson = PoissonProcess().fit(train, start_times=0.0, end_times=60.0)
    model = EventForecaster(
        backbone=resolve_event_backbone(backbone).set_params(d_model=16),
        max_epochs=15,
        patience=None,
        lr=2e-2,
        random_state=0,
    ).fit(train, **windows)
    assert model.score(test, **windows) > poisson.score(test, **windows) + 0.05


def test_poisson_like_model_matches_closed_form():
    # A fitted model's score equals the sum of its own terms: check the
    # Jacobian by rescaling time, which must shift the score by -log(c).
    rng = np.random.default_rng(2)
    sequences = [np.cumsum(rng.exponential(size=40))[:, None] for _ in range(6)]
    model = EventForecaster(max_epochs=2, random_state=0, backbone=LogNormMixConfig(d_model=8))
    base = model.fit(sequences).score(sequences)
    scaled = [s * 1000.0 for s in sequences]
    assert clone(model).fit(scaled).score(scaled) == pytest.approx(base - np.log(1000.0), abs=1e-5)


def test_spatial_components_and_api():
    rng = np.random.default_rng(3)
    n = 80
    events = np.column_stack(
        [
            np.cumsum(rng.exponential(size=n)),
            rng.normal(size=n),
            rng.normal(size=n),
            rng.uniform(1, 3, n),
        ]
    )
    model = EventForecaster(
        max_epochs=2,
        random_state=0,
        max_length=16,
        context_length=8,
        backbone=LogNormMixConfig(d_model=8),
    )
    model.fit([events[:60]], start_times=events[5, 0], end_times=events[59, 0] + 0.5)
    parts = model.score_components(
        [events], start_times=events[60, 0] - 0.1, end_times=events[-1, 0]
    )
    assert parts["n_events"] == 20
    assert parts["total"] == pytest.approx(parts["time"] + parts["space"])
    assert parts["mark"] == 0.0 and parts["space"] < 0
    nxt = model.predict([events])
    assert nxt.shape == (1, 4) and nxt[0, 0] > events[-1, 0] and np.isnan(nxt[0, 3])
    samples = model.sample([events], 5.0, random_state=0)
    assert samples[0].shape[1] == 4
    assert np.all(samples[0][:, 0] > events[-1, 0]) and np.all(
        samples[0][:, 0] <= events[-1, 0] + 5
    )


def test_marks_repeatability_and_pickle():
    rng = np.random.default_rng(4)
    sequences = [
        np.column_stack([np.cumsum(rng.exponential(size=25)), rng.integers(0, 4, 25)])
        for _ in range(6)
    ]
    params = EventForecaster.get_test_params()[0]
    first = EventForecaster(**params).fit(sequences)
    second = EventForecaster(**params).fit(sequences)
    assert first.score(sequences) == second.score(sequences)
    proba = first.predict_proba(sequences)
    assert proba.shape == (6, 4) and np.allclose(proba.sum(1), 1)
    restored = pickle.loads(pickle.dumps(first))
    assert restored.score(sequences) == first.score(sequences)
    np.testing.assert_array_equal(restored.predict(sequences), first.predict(sequences))
    # Same seed, same samples.
    a = first.sample(sequences[:2], 3.0, random_state=1)
    b = first.sample(sequences[:2], 3.0, random_state=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("params", EventForecaster.get_test_params())
def test_test_params_fit(params):
    rng = np.random.default_rng(5)
    sequences = [np.cumsum(rng.exponential(size=12))[:, None] for _ in range(3)]
    model = EventForecaster(**params).fit(sequences)
    assert np.isfinite(model.score(sequences))
    assert not EventForecaster().__sklearn_tags__().input_tags.two_d_array


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "sequences, error, match",
    [
        ([np.array([[0.0, 0], [2.0, 1], [1.0, 0]])], ValueError, r"X\[0\].*increasing"),
        ([np.array([[0.0, 0], [1.0, 1], [1.0, 0]])], ValueError, r"X\[0\].*strictly"),
        ([np.zeros((0, 2))], ValueError, r"X\[0\] has no points"),
        ([np.array([[0.0, 0], [np.nan, 1]])], ValueError, r"X\[0\] must be finite"),
        ([np.array([[0.0, 0], [1.0, 1]]), np.array([[0.0], [1.0]])], ValueError, "columns"),
        ([], ValueError, "at least one sequence"),
        ("abc", TypeError, "X"),
        ([np.array([[0.0, 0.5], [1.0, 1]])], ValueError, "integer codes"),
        ([np.zeros((3, 3)) + np.arange(3)[:, None]], ValueError, "columns"),
    ],
)
def test_malformed_sequences_raise(sequences, error, match):
    with pytest.raises(error, match=match):
        EventForecaster(max_epochs=1).fit(sequences)


def test_errors_after_fit():
    rng = np.random.default_rng(6)
    sequences = [np.cumsum(rng.exponential(size=10))[:, None] for _ in range(3)]
    model = EventForecaster(**EventForecaster.get_test_params()[1]).fit(sequences)
    with pytest.raises(ValueError, match=r"X\[0\].*columns"):
        model.predict([np.zeros((3, 2))])
    with pytest.raises(ValueError, match="predict_proba needs marked"):
        model.predict_proba(sequences)
    with pytest.raises(ValueError, match="end_times"):
        model.score(sequences, start_times=5.0, end_times=1.0)
    with pytest.raises(ValueError, match="horizon_time"):
        model.sample(sequences, -1.0)


def test_backbone_configurations_are_nested_parameters():
    model = EventForecaster(backbone=RMTPPConfig(d_model=4), max_epochs=1, random_state=0)
    assert model.get_params()["backbone__d_model"] == 4
    model.set_params(backbone__d_model=6)
    rng = np.random.default_rng(0)
    sequences = [np.column_stack([np.cumsum(rng.exponential(size=20)), rng.integers(0, 2, 20)])]
    fitted = model.fit(sequences)
    assert fitted.net_.module_.d_model == 6
    with pytest.raises(ValueError, match="not an event backbone"):
        resolve_event_backbone("gwnet")
    with pytest.raises(TypeError, match="EventBackboneConfig"):
        resolve_event_backbone(3)


# -------------------------------------------------------------- intensity
def test_hawkes_intensity_is_the_kernel_sum(hawkes_data):
    model = HawkesProcess().fit(hawkes_data)
    sequence = hawkes_data[0]
    times = np.linspace(sequence[0, 0], sequence[-1, 0] + 3.0, 50)
    expected = [
        model.mu_
        + model.alpha_
        * model.beta_
        * np.exp(-model.beta_ * (t - sequence[sequence[:, 0] < t, 0])).sum()
        for t in times[1:]
    ]
    got = model.intensity(sequence, times)
    assert np.isnan(got[0])  # at the first event: no history
    np.testing.assert_allclose(got[1:], expected, rtol=1e-10)
    poisson = PoissonProcess().fit(hawkes_data)
    np.testing.assert_allclose(poisson.intensity(sequence, times[1:]), poisson.rate_)


@pytest.mark.parametrize("backbone", ["rmtpp", "thp", "lognorm_mix"])
def test_neural_intensity_integrates_to_the_time_likelihood(hawkes_data, backbone):
    # log f(tau_k) = log lambda(t_k) - integral of lambda over (t_{k-1}, t_k].
    model = EventForecaster(backbone, max_epochs=1, batch_size=16, random_state=0)
    model.fit(hawkes_data[:10])
    sequence, k = hawkes_data[0], 4
    a, b = sequence[k - 1, 0], sequence[k, 0]
    grid = np.linspace(a, b, 4001)[1:]
    lam = model.intensity(sequence, grid)
    integral = np.trapezoid(lam, grid) + lam[0] * (grid[0] - a)
    time_ll = model.score_components([sequence[: k + 1]], start_times=a, end_times=b)["time"]
    np.testing.assert_allclose(np.log(lam[-1]) - integral, time_ll, rtol=2e-3, atol=2e-3)


def test_intensity_rejects_bad_queries(hawkes_data):
    model = PoissonProcess().fit(hawkes_data)
    with pytest.raises(ValueError, match="times must be a finite array of shape"):
        model.intensity(hawkes_data[0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="with NaN or inf"):
        model.intensity(hawkes_data[0], [1.0, np.nan])
    with pytest.raises(TypeError, match="sequence must be one event sequence"):
        model.intensity(hawkes_data[:2], [1.0])
    with pytest.raises(ValueError, match="sequence"):
        model.intensity(hawkes_data[0][::-1], [1.0])


def test_event_checkpoints_resume_and_refuse_another_fit(tmp_path):
    rng = np.random.default_rng(5)
    sequences = [
        np.column_stack([np.cumsum(rng.exponential(size=20)), rng.integers(0, 3, 20)])
        for _ in range(6)
    ]
    params = {"backbone": LogNormMixConfig(d_model=8, n_components=2), "random_state": 0}
    reference = EventForecaster(**params, max_epochs=4).fit(sequences)
    EventForecaster(**params, max_epochs=2, checkpoint_dir=tmp_path).fit(sequences)
    assert (tmp_path / "fingerprint.json").exists()
    resumed = EventForecaster(**params, max_epochs=4, checkpoint_dir=tmp_path, resume=True)
    resumed.fit(sequences)
    assert resumed.net_.history[:, "epoch"] == [1, 2, 3, 4]
    assert resumed.score(sequences) == pytest.approx(reference.score(sequences), rel=1e-6)
    # Another backbone setting, or data with other marks: another fit's checkpoint.
    other = EventForecaster(
        backbone=LogNormMixConfig(d_model=16, n_components=2),
        random_state=0,
        checkpoint_dir=tmp_path,
        resume=True,
    )
    with pytest.raises(ValueError, match="backbone__d_model"):
        other.fit(sequences)
    unmarked = [s[:, :1] for s in sequences]
    with pytest.raises(ValueError, match="cannot resume"):
        EventForecaster(**params, checkpoint_dir=tmp_path, resume=True).fit(unmarked)


def test_the_data_is_x_as_for_every_estimator_and_old_keywords_warn():
    rng = np.random.default_rng(6)
    sequences = [np.cumsum(rng.exponential(size=15))[:, None] for _ in range(4)]
    for cls in (EventForecaster, PoissonProcess):
        params = cls.get_test_params()[0]
        assert list(inspect.signature(cls.fit).parameters)[1] == "X"
        with pytest.warns(FutureWarning, match=r"fit\(sequences=...\) is deprecated"):
            model = cls(**params).fit(sequences=sequences)
        with pytest.warns(FutureWarning, match="score"):
            assert model.score(sequences=sequences) == model.score(sequences)
    fitted = EventForecaster(**EventForecaster.get_test_params()[0]).fit(sequences)
    with pytest.warns(FutureWarning, match=r"predict\(history=...\)"):
        predicted = fitted.predict(history=sequences)
    assert len(predicted) == len(sequences)
    with pytest.raises(TypeError, match="pass the data once"):
        PoissonProcess().fit(sequences, sequences=sequences)
