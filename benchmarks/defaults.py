"""Default parameters: every estimator as constructed, against one-line baselines on outside data.

Each estimator is built with its default parameters; only ``random_state``
is set (seeds 0, 1 and 2): ``STClassifier(random_state=seed)``,
``STForecaster(random_state=seed)``, ``STImputer(random_state=seed)``,
``STAnomalyDetector(random_state=seed)`` and ``SktimeForecaster`` around its
default window forecaster (``SktimeForecaster().estimator``, ``None`` meaning
``STForecaster()``, with ``random_state=seed``). Nothing is tuned and no
scaling is done here: every estimator and every baseline gets the data in
its own units, so whatever the defaults resolve from the data (learning
rate, epochs, batch size, validation, scaling) is what is measured. The
estimators' parameters and the values they resolved in ``fit`` (scalar
fitted attributes such as ``n_epochs_``) are stored with each run.

Panel
-----
Outside data only: the UCR / UEA archives and forecasting series that ship
inside sktime (read offline), and the real data sets bundled with sk_stfm.

``classification`` (``STClassifier``, accuracy)
    The archive's fixed train / test split of ACSF1, ArrowHead,
    BasicMotions, GunPoint, ItalyPowerDemand, JapaneseVowels, OSULeaf and
    UnitTest (a 42-series subset of Chinatown that sktime ships for its
    tests), as ``(n_series, n_steps, n_channels)``. JapaneseVowels has
    series of 7 to 29 steps: each is padded at the end with zeros to 29,
    the same input for every model. Left out: PLAID (1,074 series of 100 to
    1,344 steps, unequal lengths: about an hour of fitting on two cores)
    and Tecator and Covid3Month (regression targets, not classes).
    Baselines: ``random_forest``, scikit-learn's
    ``RandomForestClassifier(n_estimators=500, random_state=seed)`` on the
    flattened raw series, and ``nearest_neighbour``, 1-NN with the
    Euclidean distance on the same vectors.
``forecasting`` with ``SktimeForecaster`` (MAE)
    sktime's series: airline and shampoo sales (monthly, horizon 12,
    season 12), lynx (yearly, horizon 10, season 10: the ten-year cycle,
    the period that :func:`sk_stfm.taxonomy.describe` finds), uschange
    consumption (quarterly, horizon 8, season 4) and solar (half-hourly
    fraction of capacity, 6 days, horizon 48, season 48). The last
    ``horizon`` steps are the test part, forecast once from the end of the
    rest (``fit(y_train, fh=1..horizon)``, ``predict()``). Left out:
    Longley (16 yearly values, too short for a hold-out) and PBS (its last
    two years are zeros: every baseline is exact on the hold-out).
``forecasting`` with ``STForecaster`` (MAE)
    sk_stfm's bundled data as windows ``(n, n_steps, n_nodes, n_channels)``:
    ETTh1 and ETTh2 (the first 4 months, 7 channels: 3 months train, 1
    month test; 96 input steps, horizon 24, season 24), ILI (7 channels,
    weekly, 80 % / 20 %; 104 input steps, horizon 24, season 52), exchange
    rate (the last 2,500 days, 8 currencies, 2,000 train; 96 input steps,
    horizon 24, no season) and chickenpox (20 counties, weekly, 80 % /
    20 %; 52 input steps, horizon 4, season 52). Training windows start at
    every step of the training part; a test window starts at every step of
    the test part (its inputs may reach back into the training part).
``imputation`` (``STImputer``, MAE on the hidden entries)
    The same five bundled data sets, cut into windows of 96 steps (52 for
    ILI and chickenpox): training windows at stride 4 from the training
    part, test windows at stride a quarter of their length from the test
    part. 10 % of the test entries are hidden uniformly at random (seed 0,
    the same entries for every model and seed). Baseline:
    ``linear_interpolation``, ``MissingValueImputer(strategy="linear")``.
``anomaly`` (``STAnomalyDetector``, ROC-AUC)
    The windows of the imputation task, with test windows at every step of
    the test part; a quarter of them (seed 0) get one injected anomaly each,
    alternately a *spike* (one entry of one series moved by 4 to 6
    training standard deviations of that series, random sign) and a *level
    shift* (one series shifted by 2 to 3 standard deviations over an
    eighth to a quarter of the window). ROC-AUC of ``-score_samples``.
    Baseline: ``rolling_zscore``, the largest absolute z-score of any entry
    against the mean and standard deviation of the preceding quarter of
    its window (same series; the standard deviation floored at a quarter of
    the series' training standard deviation, so that a flat stretch does
    not make every small change an outlier).

Forecasting baselines, on the same forecast origins and steps:
``naive`` (the last observed value), ``seasonal_naive`` (the value one
season before, for data with a season: the calendar period of the
sampling frequency, or lynx's cycle as above) and ``drift`` (the last value
plus the average change per step since the first observation of the data
used). MAE is pooled over windows, steps, nodes and channels, in the data's
units.

Wins, ties and losses
---------------------
For every task and data set, the baseline with the best mean over the
seeds (the random forest is seeded too; the other baselines are
deterministic) is compared with the estimator's mean over the seeds. The
margin is the larger of twice the standard error of the estimator's mean
over the seeds (sample standard deviation over the square root of their
number) and 2 % of the best baseline's value. The estimator *wins* when it
is better than the best baseline by more than the margin, *loses* when it
is worse by more than the margin, and *ties* otherwise; a run that raises
an error is a loss. The noise that the margin covers is the estimator's
own (its seeds) and a fixed relative tolerance, not the sampling of the
test set: all models are scored on the same test entries.

Usage::

    python benchmarks/defaults.py                    # full panel, seeds 0 1 2
    python benchmarks/defaults.py --only GunPoint,airline --seeds 0
    python benchmarks/defaults.py --resume           # skip runs already measured
    python benchmarks/defaults.py --quick            # tiny panel, a smoke test

Prints a table and writes ``benchmarks/results/defaults.json``
(``--quick``: ``benchmarks/results/quick/defaults.json``) after every run,
so a killed run loses nothing: ``--resume`` keeps the runs already in the
file that were measured with the same protocol, estimator parameters and
sk_stfm version (runs that raised an error are tried again), and measures
only the others. Without ``--resume`` the selected rows are measured afresh
and the other rows of the file are kept. The script measures the sk_stfm
that ``import sk_stfm`` finds: run it from an environment where that is
the version under test.
"""

import argparse
import contextlib
import functools
import hashlib
import io
import json
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import sk_stfm
from sk_stfm.benchmarking import previous_results, write_results
from sk_stfm.benchmarking._results import format_number

RESULTS = Path(__file__).parent / "results"
SEEDS = (0, 1, 2)
RELATIVE_TOLERANCE = 0.02
TIE_RULE = (
    "tie when |ours - best baseline| <= max(2 * sem over seeds, "
    f"{RELATIVE_TOLERANCE:g} * |best baseline|); an error is a loss"
)


# -------------------------------------------------------------- baselines
def forecast_baselines(values, origins, horizon, period=None):
    """Naive, seasonal-naive and drift forecasts from the past of ``values``.

    Parameters
    ----------
    values : ndarray of shape (n_steps, ...)
        The whole series; only the steps before each origin are read.
    origins : array-like of int
        The first forecast step of each forecast.
    horizon : int
        Steps forecast from each origin.
    period : int or None, default=None
        Season length; no seasonal-naive forecast when None.

    Returns
    -------
    forecasts : dict of str to ndarray of shape (n_origins, horizon, ...)
        ``naive``, ``seasonal_naive`` (with a period) and ``drift``.
    """
    values = np.asarray(values, dtype=float)
    origins = np.asarray(origins, dtype=int)
    steps = np.arange(horizon)
    last = values[origins - 1]
    extra = (1,) * (values.ndim - 1)
    forecasts = {"naive": np.repeat(last[:, None], horizon, axis=1)}
    if period is not None:
        # Step h is the value a whole number of seasons back, inside the past.
        back = period * ((steps + period) // period)
        forecasts["seasonal_naive"] = values[origins[:, None] - back[None, :] + steps[None, :]]
    slope = (last - values[0]) / np.maximum(origins - 1, 1).reshape(-1, *extra)
    forecasts["drift"] = last[:, None] + (steps + 1).reshape(1, -1, *extra) * slope[:, None]
    return forecasts


def rolling_zscore_scores(X, window, floor=1e-6):
    """Anomaly score of each window: its largest trailing z-score.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
        Windows in data units.
    window : int
        Trailing steps whose mean and standard deviation score each step.
    floor : float or ndarray of shape (n_nodes, n_channels), default=1e-6
        Smallest standard deviation divided by, per series: a flat stretch
        would otherwise make any small change look anomalous.

    Returns
    -------
    scores : ndarray of shape (n_windows,)
        ``max |x_t - mean(x_{t-window:t})| / max(std(x_{t-window:t}), floor)``
        over the steps from ``window`` on and over nodes and channels;
        higher is more anomalous.
    """
    X = np.asarray(X, dtype=float)
    view = np.lib.stride_tricks.sliding_window_view(X[:, :-1], window, axis=1)
    mean, std = view.mean(axis=-1), view.std(axis=-1)
    z = np.abs(X[:, window:] - mean) / np.maximum(std, floor)
    return z.reshape(len(X), -1).max(axis=1)


def inject_anomalies(X, scale, fraction, random_state=0):
    """Copy ``X`` and inject one spike or level shift in a share of its windows.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_steps, n_nodes, n_channels)
        Windows in data units.
    scale : ndarray of shape (n_nodes, n_channels)
        Standard deviation of each series, the unit of the injections.
    fraction : float
        Share of the windows that get an anomaly (at least one, and at
        least one window keeps none).
    random_state : int, default=0
        Seed of the draws.

    Returns
    -------
    X_corrupt : ndarray
        The windows with the anomalies.
    kinds : ndarray of shape (n_windows,)
        0 normal, 1 spike, 2 level shift.
    """
    rng = np.random.default_rng(random_state)
    X = np.array(X, dtype=float)
    n, n_steps, n_nodes, n_channels = X.shape
    kinds = np.zeros(n, dtype=int)
    n_anomalous = min(max(1, int(round(fraction * n))), n - 1)
    for i, index in enumerate(rng.choice(n, size=n_anomalous, replace=False)):
        node, channel = rng.integers(n_nodes), rng.integers(n_channels)
        unit = rng.choice([-1.0, 1.0]) * scale[node, channel]
        if i % 2 == 0:
            X[index, rng.integers(n_steps), node, channel] += unit * rng.uniform(4, 6)
            kinds[index] = 1
        else:
            length = rng.integers(max(1, n_steps // 8), max(2, n_steps // 4) + 1)
            start = rng.integers(0, n_steps - length + 1)
            X[index, start : start + length, node, channel] += unit * rng.uniform(2, 3)
            kinds[index] = 2
    return X, kinds


# ------------------------------------------------------------- the verdict
def judge(values, baselines, higher_is_better, relative=RELATIVE_TOLERANCE):
    """Compare an estimator's values over seeds with the best baseline.

    Parameters
    ----------
    values : list of float
        The estimator's metric, one per seed (NaN for a failed run).
    baselines : dict of str to float
        Each baseline's metric (mean over seeds).
    higher_is_better : bool
        Direction of the metric.
    relative : float, default=0.02
        Relative tolerance around the best baseline.

    Returns
    -------
    verdict : dict
        ``baseline`` (the best one's name), ``baseline_value``, ``margin``
        and ``outcome`` (``"win"``, ``"tie"`` or ``"loss"``).
    """
    pick = max if higher_is_better else min
    best = pick(baselines, key=baselines.get)
    reference = baselines[best]
    values = np.asarray(values, dtype=float)
    sem = float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    margin = max(2.0 * sem, relative * abs(reference)) if np.all(np.isfinite(values)) else 0.0
    if not len(values) or not np.all(np.isfinite(values)):
        outcome = "loss"
    else:
        gain = float(values.mean() - reference) * (1.0 if higher_is_better else -1.0)
        outcome = "win" if gain > margin else "loss" if gain < -margin else "tie"
    return {"baseline": best, "baseline_value": reference, "margin": margin, "outcome": outcome}


def tally(rows):
    """Wins, ties and losses of each estimator over the rows.

    Parameters
    ----------
    rows : list of dict
        Result rows with ``model``, ``task``, ``data`` and ``outcome``.

    Returns
    -------
    summary : list of dict
        One row per estimator and task: ``wins``, ``ties``, ``losses``,
        ``failed`` (losses by an error) and ``lost_on`` (the data sets).
    """
    summary = {}
    for row in rows:
        key = (row["model"], row["task"])
        entry = summary.setdefault(
            key,
            {"model": key[0], "task": key[1], "wins": 0, "ties": 0, "losses": 0, "failed": 0},
        )
        entry[{"win": "wins", "tie": "ties", "loss": "losses"}[row["outcome"]]] += 1
        entry["failed"] += bool(row.get("errors"))
        if row["outcome"] == "loss":
            entry["lost_on"] = ", ".join(filter(None, [entry.get("lost_on"), row["data"]]))
    return list(summary.values())


# -------------------------------------------------------------------- data
def _quiet(function):
    """Run a data loader with sktime's and pandas' warnings silenced."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args, **kwargs)

    return wrapper


@functools.cache
@_quiet
def load_archive(name):
    """``X_train, y_train, X_test, y_test``, X of shape (n, n_steps, n_channels), raw."""
    from sktime.datasets import load_UCR_UEA_dataset

    splits = []
    for split in ("train", "test"):
        try:
            X, y = load_UCR_UEA_dataset(name, split=split, return_type="numpy3D")
            series = list(X)
        except ValueError:  # unequal lengths: one (n_channels, n_steps) array per series
            nested, y = load_UCR_UEA_dataset(name, split=split, return_type="nested_univ")
            series = [np.stack([np.asarray(cell) for cell in row]) for row in nested.to_numpy()]
        splits.append((series, np.asarray(y)))
    length = max(s.shape[-1] for part, _ in splits for s in part)

    def stack(series):
        padded = [np.pad(s, ((0, 0), (0, length - s.shape[-1]))) for s in series]
        return np.stack(padded).transpose(0, 2, 1).astype(np.float32)

    (train, y_train), (test, y_test) = splits
    return stack(train), y_train, stack(test), y_test


# name: (sktime loader, keyword arguments, horizon, season)
SKTIME_SERIES = {
    "airline": ("load_airline", {}, 12, 12),
    "shampoo_sales": ("load_shampoo_sales", {}, 12, 12),
    "lynx": ("load_lynx", {}, 10, 10),
    "uschange": ("load_uschange", {}, 8, 4),
    "solar": ("load_solar", {"api_version": None}, 48, 48),
}


@functools.cache
@_quiet
def load_sktime_series(name):
    """The series as a pandas Series (uschange: consumption)."""
    import sktime.datasets

    loader, kwargs, _, _ = SKTIME_SERIES[name]
    y = getattr(sktime.datasets, loader)(**kwargs)
    return (y[0] if isinstance(y, tuple) else y).astype(float)


@dataclass(frozen=True)
class Bundled:
    """How a bundled data set enters the panel."""

    loader: str
    steps: tuple = (None, None)  # slice of the steps used
    n_train: int | float = 0.8  # training steps, or their share
    history: int = 96
    horizon: int = 24
    period: int | None = None
    window: int = 96  # steps of an imputation / anomaly window

    def values(self):
        import sk_stfm.datasets

        data = getattr(sk_stfm.datasets, self.loader)()
        return np.asarray(data.values[slice(*self.steps)], dtype=np.float32)

    def train_steps(self, n_steps):
        return self.n_train if isinstance(self.n_train, int) else int(self.n_train * n_steps)


BUNDLED = {
    "ETTh1": Bundled("load_etth1", (0, 2880), 2160, 96, 24, 24, 96),
    "ETTh2": Bundled("load_etth2", (0, 2880), 2160, 96, 24, 24, 96),
    "ILI": Bundled("load_ili", (None, None), 0.8, 104, 24, 52, 52),
    "exchange_rate": Bundled("load_exchange_rate", (-2500, None), 2000, 96, 24, None, 96),
    "chickenpox": Bundled("load_chickenpox", (None, None), 0.8, 52, 4, 52, 52),
}
QUICK_BUNDLED = {"ILI": Bundled("load_ili", (0, 300), 0.5, 52, 12, 52, 52)}
ARCHIVES = (
    "ACSF1",
    "ArrowHead",
    "BasicMotions",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
    "OSULeaf",
    "UnitTest",
)


@functools.cache
def _bundled_values(spec):
    return spec.values()


# ------------------------------------------------------------------ models
def _fitted_values(model):
    """Scalar fitted attributes (``n_epochs_``, resolved ``"auto"`` values)."""
    out = {}
    for name, value in vars(model).items():
        if name.endswith("_") and not name.startswith("_"):
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, bool | int | float | str):
                out[name] = value
    return out


def _parameters(model):
    """The model's parameters that a JSON file can hold as they are."""
    return {
        name: value
        for name, value in model.get_params().items()
        if value is None or isinstance(value, bool | int | float | str)
    }


def make_model(name, seed):
    """The estimator ``name`` as constructed, with ``random_state=seed`` only."""
    from sklearn.base import clone

    from sk_stfm.estimators import STAnomalyDetector, STClassifier, STForecaster, STImputer

    if name == "SktimeForecaster":
        from sk_stfm.forecasting import SktimeForecaster

        inner = SktimeForecaster().estimator
        inner = STForecaster() if inner is None else clone(inner)
        return SktimeForecaster(estimator=inner.set_params(random_state=seed))
    classes = {
        "STClassifier": STClassifier,
        "STForecaster": STForecaster,
        "STImputer": STImputer,
        "STAnomalyDetector": STAnomalyDetector,
    }
    return classes[name](random_state=seed)


def _fit_timed(model, *args, **kwargs):
    start = time.perf_counter()
    model.fit(*args, **kwargs)
    return time.perf_counter() - start


# ------------------------------------------------------------------- cases
@dataclass
class Case:
    """One estimator on one panel data set: how to run a seed, and what it measures."""

    task: str
    data: str
    model: str
    metric: str
    higher_is_better: bool
    protocol: dict
    run: object  # run(seed) -> (value, baselines, fitted model, fit seconds)
    info: object  # info() -> sizes of the data, for the row


def classification_case(name):
    def run(seed):
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.neighbors import KNeighborsClassifier

        X_train, y_train, X_test, y_test = load_archive(name)
        model = make_model("STClassifier", seed)
        seconds = _fit_timed(model, X_train, y_train)
        value = float(np.mean(model.predict(X_test) == y_test))
        flat_train, flat_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
        forest = RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1)
        nearest = KNeighborsClassifier(n_neighbors=1)
        baselines = {
            "random_forest": float(
                np.mean(forest.fit(flat_train, y_train).predict(flat_test) == y_test)
            ),
            "nearest_neighbour": float(
                np.mean(nearest.fit(flat_train, y_train).predict(flat_test) == y_test)
            ),
        }
        return value, baselines, model, seconds

    def info():
        X_train, y_train, X_test, _ = load_archive(name)
        return {
            "n_train": len(X_train),
            "n_test": len(X_test),
            "n_steps": X_train.shape[1],
            "n_channels": X_train.shape[2],
            "n_classes": len(np.unique(y_train)),
        }

    return Case("classification", name, "STClassifier", "accuracy", True, {}, run, info)


def sktime_forecasting_case(name):
    _, _, horizon, period = SKTIME_SERIES[name]

    def run(seed):
        y = load_sktime_series(name)
        y_train, y_test = y.iloc[:-horizon], y.iloc[-horizon:].to_numpy()
        model = make_model("SktimeForecaster", seed)
        fh = np.arange(1, horizon + 1)
        seconds = _fit_timed(model, y_train, fh=fh)
        value = float(np.mean(np.abs(np.asarray(model.predict(), dtype=float) - y_test)))
        forecasts = forecast_baselines(y.to_numpy(), [len(y_train)], horizon, period)
        baselines = {k: float(np.mean(np.abs(f[0] - y_test))) for k, f in forecasts.items()}
        return value, baselines, model, seconds

    def info():
        n_train = len(load_sktime_series(name)) - horizon
        return {"n_train": n_train, "n_test": horizon, "steps_ahead": horizon, "season": period}

    protocol = {"horizon": horizon, "period": period}
    return Case("forecasting", name, "SktimeForecaster", "mae", False, protocol, run, info)


def _split(spec):
    values = _bundled_values(spec)
    return values, spec.train_steps(len(values))


def window_forecasting_case(name, spec):
    from sk_stfm.data import make_windows

    def run(seed):
        values, n_train = _split(spec)
        X_train, y_train = make_windows(values[:n_train], spec.history, spec.horizon)
        X_test, y_test = make_windows(values[n_train - spec.history :], spec.history, spec.horizon)
        model = make_model("STForecaster", seed)
        seconds = _fit_timed(model, X_train, y_train)
        value = float(np.mean(np.abs(model.predict(X_test) - y_test)))
        origins = n_train + np.arange(len(X_test))
        forecasts = forecast_baselines(values, origins, spec.horizon, spec.period)
        baselines = {k: float(np.mean(np.abs(f - y_test))) for k, f in forecasts.items()}
        return value, baselines, model, seconds

    def info():
        values, n_train = _split(spec)
        return {
            "n_train": n_train - spec.history - spec.horizon + 1,
            "n_test": len(values) - n_train - spec.horizon + 1,
            "input_steps": spec.history,
            "steps_ahead": spec.horizon,
            "season": spec.period,
            "n_nodes": values.shape[1],
            "n_channels": values.shape[2],
        }

    return Case("forecasting", name, "STForecaster", "mae", False, _protocol(spec), run, info)


def _protocol(spec):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(spec).items()}


def _task_windows(spec, test_stride):
    """Training windows (stride 4) and test windows of the training and test parts."""
    from sk_stfm.data import make_windows

    values, n_train = _split(spec)
    X_train, _ = make_windows(values[:n_train], spec.window, 0, stride=4)
    X_test, _ = make_windows(values[n_train:], spec.window, 0, stride=test_stride)
    return values[:n_train], X_train, X_test


def _window_info(spec, test_stride):
    _, X_train, X_test = _task_windows(spec, test_stride)
    return {
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_steps": spec.window,
        "n_nodes": X_test.shape[2],
        "n_channels": X_test.shape[3],
    }


def imputation_case(name, spec):
    from sk_stfm.estimators import hide_at_random
    from sk_stfm.harmonize import MissingValueImputer

    stride = max(1, spec.window // 4)

    def run(seed):
        _, X_train, X_test = _task_windows(spec, stride)
        X_missing, hidden = hide_at_random(X_test, 0.1, random_state=0)
        model = make_model("STImputer", seed)
        seconds = _fit_timed(model, X_train)
        filled = np.asarray(model.transform(X_missing), dtype=float)
        linear = MissingValueImputer(strategy="linear").fit_transform(X_missing)
        value = float(np.mean(np.abs(filled - X_test)[hidden]))
        baselines = {"linear_interpolation": float(np.mean(np.abs(linear - X_test)[hidden]))}
        return value, baselines, model, seconds

    info = functools.partial(_window_info, spec, stride)
    return Case("imputation", name, "STImputer", "mae", False, _protocol(spec), run, info)


def anomaly_case(name, spec):
    from sklearn.metrics import roc_auc_score

    def run(seed):
        train, X_train, X_test = _task_windows(spec, 1)
        X_corrupt, kinds = inject_anomalies(X_test, train.std(axis=0), 0.25, random_state=0)
        labels = (kinds > 0).astype(int)
        model = make_model("STAnomalyDetector", seed)
        seconds = _fit_timed(model, X_train)
        value = float(roc_auc_score(labels, -model.score_samples(X_corrupt.astype(np.float32))))
        floor = 0.25 * train.std(axis=0) + 1e-12
        zscores = rolling_zscore_scores(X_corrupt, max(2, spec.window // 4), floor)
        baselines = {"rolling_zscore": float(roc_auc_score(labels, zscores))}
        return value, baselines, model, seconds

    info = functools.partial(_window_info, spec, 1)
    return Case("anomaly", name, "STAnomalyDetector", "roc_auc", True, _protocol(spec), run, info)


def build_cases(quick=False):
    """Every (task, data set, estimator) of the panel, in running order."""
    archives = ("UnitTest",) if quick else ARCHIVES
    series = ("airline",) if quick else tuple(SKTIME_SERIES)
    bundled = QUICK_BUNDLED if quick else BUNDLED
    cases = [classification_case(name) for name in archives]
    cases += [sktime_forecasting_case(name) for name in series]
    for make in (window_forecasting_case, imputation_case, anomaly_case):
        cases += [make(name, spec) for name, spec in bundled.items()]
    return cases


def select(cases, only):
    """Cases whose task, data set or estimator is among the names in ``only``."""
    if not only:
        return cases
    wanted = {name.strip().lower() for name in only.split(",") if name.strip()}
    chosen = [c for c in cases if wanted & {c.task.lower(), c.data.lower(), c.model.lower()}]
    unknown = wanted - {n.lower() for c in cases for n in (c.task, c.data, c.model)}
    if unknown:
        raise SystemExit(f"--only: no task, data set or estimator named {sorted(unknown)}")
    return chosen


# -------------------------------------------------------------------- rows
def _config(case):
    """Fingerprint of what a run measures: protocol, parameters, package version."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's notice of a future default
        params = _parameters(make_model(case.model, 0))
    params.pop("random_state", None)
    params.pop("estimator__random_state", None)
    text = json.dumps(
        {"protocol": case.protocol, "params": params, "version": sk_stfm.__version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(text.encode()).hexdigest()[:12], params


def run_seed(case, seed, config):
    """One seed of one case as a run record; an error is recorded, not raised."""
    try:
        # sktime's and skorch's notices (future defaults, ...) would bury the table.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, baselines, model, seconds = case.run(seed)
    except Exception as error:  # a default that crashes is a result, and a loss
        return {"seed": seed, "config": config, "error": f"{type(error).__name__}: {error}"}
    fitted = getattr(model, "estimator_", model)
    return {
        "seed": seed,
        "config": config,
        "value": value,
        "baselines": baselines,
        "fit_seconds": seconds,
        "fitted": _fitted_values(fitted),
    }


def make_row(case, runs, params):
    """The result row of a case from its runs (aggregated over seeds)."""
    runs = sorted(runs, key=lambda run: run["seed"])
    # A failed run and a non-finite metric (NaN forecasts) count alike.
    values = [float(run.get("value", math.nan)) for run in runs]
    measured = [run for run in runs if "error" not in run]
    names = list(dict.fromkeys(k for run in measured for k in run["baselines"]))
    baselines = {k: float(np.mean([run["baselines"][k] for run in measured])) for k in names}
    finite = [v for v in values if math.isfinite(v)]
    row = {
        "task": case.task,
        "data": case.data,
        "model": case.model,
        "metric": case.metric,
        "value": float(np.mean(finite)) if finite else None,
        "value_std": float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0,
        "higher_is_better": case.higher_is_better,
        **baselines,
    }
    if baselines:
        verdict = judge(values, baselines, case.higher_is_better)
    else:  # every seed failed: nothing to compare with, a loss
        verdict = {"baseline": None, "baseline_value": None, "margin": None, "outcome": "loss"}
    row.update(verdict)
    row["relative"] = (
        row["value"] / row["baseline_value"]
        if row["value"] is not None and row["baseline_value"]
        else None
    )
    epochs = [run.get("fitted", {}).get("n_epochs_") for run in runs]
    row.update(
        seeds=[run["seed"] for run in runs],
        values=[None if not math.isfinite(v) else v for v in values],
        fit_seconds=float(np.mean([r["fit_seconds"] for r in measured])) if measured else None,
        epochs=epochs if any(e is not None for e in epochs) else None,
        **case.info(),
        errors="; ".join(f"seed {r['seed']}: {r['error']}" for r in runs if "error" in r) or None,
        protocol=case.protocol,
        params=params,
        runs=runs,
    )
    return row


def _key(row):
    return row["task"], row["data"], row["model"]


def _print_header():
    header = (
        f"{'task':14} {'data':16} {'model':17} {'metric':8} {'ours (mean ± std)':>20} "
        f"{'outcome':7}  baselines (best first)"
    )
    print(header)
    print("-" * len(header), flush=True)


def _print_row(row):
    ours = (
        "failed"
        if row["value"] is None
        else (f"{format_number(row['value'])} ± {format_number(row['value_std'])}")
    )
    names = list(dict.fromkeys(k for run in row["runs"] for k in run.get("baselines", {})))
    names = sorted(names, key=lambda k: k != row["baseline"])
    baselines = ", ".join(f"{k} {format_number(row[k])}" for k in names if k in row)
    print(
        f"{row['task']:14} {row['data']:16} {row['model']:17} {row['metric']:8} {ours:>20} "
        f"{row['outcome']:7}  {baselines}",
        flush=True,
    )
    if row.get("errors"):
        print(f"{'':14} {row['errors'][:200]}", flush=True)


def _print_summary(summary):
    print()
    header = f"{'model':17} {'task':14} {'wins':>4} {'ties':>4} {'losses':>6}  lost on"
    print(header)
    print("-" * len(header))
    for entry in summary:
        print(
            f"{entry['model']:17} {entry['task']:14} {entry['wins']:4d} {entry['ties']:4d} "
            f"{entry['losses']:6d}  {entry.get('lost_on', '')}"
        )


def save(path, rows, args, quiet=True):
    """Write the rows, the settings and the per-estimator tally."""
    settings = {
        "seeds": list(args.seeds),
        "tie_rule": TIE_RULE,
        "sk_stfm_version": sk_stfm.__version__,
        "quick": args.quick,
        "summary": tally(rows),
    }
    sink = io.StringIO() if quiet else None
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        write_results(path, "defaults", rows, args.threads, **settings)
    # The markdown tables are the rows; the tally goes below them.
    lines = ["## wins / ties / losses against the best baseline", ""]
    lines += ["| model | task | wins | ties | losses | lost on |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {e['model']} | {e['task']} | {e['wins']} | {e['ties']} | {e['losses']} "
        f"| {e.get('lost_on', '')} |"
        for e in settings["summary"]
    ]
    markdown = Path(path).with_suffix(".md")
    markdown.write_text(markdown.read_text() + "\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny panel, for tests")
    parser.add_argument(
        "--only", default="", help="comma-separated tasks, data sets or estimators to run"
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--resume", action="store_true", help="skip runs already measured")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    default = RESULTS / "quick" / "defaults.json" if args.quick else RESULTS / "defaults.json"
    path = Path(args.output) if args.output else default

    panel = build_cases(args.quick)
    cases = select(panel, args.only)
    # Rows of cases no longer in the panel are dropped with the file's others kept.
    known = {(c.task, c.data, c.model) for c in panel}
    rows = {_key(row): row for row in previous_results(path) if _key(row) in known}
    _print_header()
    for case in cases:
        config, params = _config(case)
        previous = rows.get((case.task, case.data, case.model), {}).get("runs", [])
        # Runs that raised are tried again: an error is cheap to repeat.
        kept = [
            r for r in previous if args.resume and r.get("config") == config and "error" not in r
        ]
        runs = [r for r in kept if r["seed"] in args.seeds]
        for seed in args.seeds:
            if any(r["seed"] == seed for r in runs):
                continue
            runs.append(run_seed(case, seed, config))
            rows[case.task, case.data, case.model] = make_row(case, runs, params)
            save(path, list(rows.values()), args)
        row = make_row(case, runs, params)
        rows[_key(row)] = row
        _print_row(row)
    save(path, list(rows.values()), args, quiet=False)
    summary = tally(list(rows.values()))
    _print_summary(summary)
    return list(rows.values()), summary


if __name__ == "__main__":
    main()
