"""Tests for sk_stfm.estimators.STForecaster: learning, data contract, training loop.

Every model here is tiny and trained for a few epochs on synthetic series
whose ground truth is known, so each test checks values (errors against a
naive forecast, exact predictions, recorded losses), not only that the
code runs.
"""

import copy
import json
import os
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from sk_stfm.backbones import DLinear, _registry, list_backbones, register_backbone
from sk_stfm.data import make_windows, temporal_split
from sk_stfm.datasets import make_graph_signal, make_seasonal_series
from sk_stfm.estimators import DLinearConfig, MLPConfig, PatchTSTConfig, STForecaster
from sk_stfm.estimators._training import TemporalValidationSplit, WindowDataset
from sk_stfm.harmonize import STStandardScaler
from sk_stfm.objectives import MaskedLoss
from sk_stfm.utils import STFMTags

HISTORY, HORIZON = 48, 12

BACKBONES = {
    "dlinear": DLinearConfig(kernel_size=5),
    "mlp": MLPConfig(hidden_sizes=(16,)),
    "patchtst": PatchTSTConfig(
        d_model=8, n_heads=2, n_layers=1, d_ff=16, patch_len=4, stride=4, dropout=0.1
    ),
}


def _forecaster(backbone="dlinear", **params):
    """A tiny forecaster: a few epochs, no validation unless asked."""
    defaults = {
        "backbone": BACKBONES.get(backbone, backbone) if isinstance(backbone, str) else backbone,
        "max_epochs": 4,
        "lr": 1e-2,
        "batch_size": 32,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    defaults.update(params)
    return STForecaster(**defaults)


def _naive(X, horizon, n_targets=None):
    """Repeat the last observed input value over the horizon."""
    last = np.asarray(X, dtype=np.float64)[:, -1:]
    if n_targets is not None:
        last = last[..., :n_targets]
    return np.repeat(last, horizon, axis=1)


def _mse(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    observed = ~np.isnan(b)
    return float(np.mean((a[observed] - b[observed]) ** 2))


@pytest.fixture(scope="module")
def seasonal():
    """Train windows and later, held-out test windows of one seasonal series."""
    series = make_seasonal_series(n_steps=400, noise=0.1, random_state=0)
    train, _, test = temporal_split(series, 0.7, 0.0, 0.3, overlap=HISTORY)
    X_train, y_train = make_windows(train, HISTORY, HORIZON)
    X_test, y_test = make_windows(test, HISTORY, HORIZON)
    return np.array(X_train), np.array(y_train), np.array(X_test), np.array(y_test)


@pytest.fixture(scope="module")
def graph():
    """Windows of a 3-channel signal on a 4-node graph, and its adjacency."""
    data = make_graph_signal(n_nodes=4, n_steps=200, n_channels=3, random_state=0)
    X, y = make_windows(data, 24, 6)
    return np.array(X), np.array(y), data.adjacency


class WeightRecorder(Callback):
    """Keep a copy of the module's weights at the end of every epoch."""

    def initialize(self):
        self.weights_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append(copy.deepcopy(net.module_.state_dict()))


class FirstEpochWeights(Callback):
    """Keep the module's weights as the first epoch begins (after any resume)."""

    def initialize(self):
        self.weights_ = None
        return self

    def on_epoch_begin(self, net, **kwargs):
        if self.weights_ is None:
            self.weights_ = copy.deepcopy(net.module_.state_dict())


def _callback(model, name):
    return dict(model.net_.callbacks_)[name]


def _assert_same_weights(actual, expected):
    assert actual.keys() == expected.keys()
    for key in expected:
        assert torch.equal(actual[key], expected[key]), key


# ---------------------------------------------------------------------- learning
@pytest.mark.parametrize("backbone", ["dlinear", "patchtst", "mlp"])
def test_each_backbone_beats_the_naive_forecast_on_later_windows(seasonal, backbone):
    X_train, y_train, X_test, y_test = seasonal
    model = _forecaster(backbone, max_epochs=3).fit(X_train, y_train)
    naive = _mse(_naive(X_test, HORIZON), y_test)
    learned = _mse(model.predict(X_test), y_test)
    # A period-24 sine with noise 0.1: repeating the last value errs by ~1,
    # a learned forecast by little more than the noise variance (0.01).
    assert naive > 0.5
    assert learned < 0.1 * naive


# ------------------------------------------------------------------------ shapes
def test_prediction_has_the_shape_and_float64_dtype_of_4d_y(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(max_epochs=1).fit(X_train, y_train)
    pred = model.predict(X_test)
    assert pred.shape == (len(X_test), HORIZON, 1, 1)
    assert pred.dtype == np.float64
    assert model.window_shape_ == (HISTORY, 1, 1)
    assert model.output_shape_ == (HORIZON, 1, 1)
    assert model.n_features_in_ == HISTORY


def test_3d_single_node_windows_give_3d_predictions_equal_to_4d(seasonal):
    X_train, y_train, X_test, _ = seasonal
    four_d = _forecaster(max_epochs=2).fit(X_train, y_train).predict(X_test)
    model = _forecaster(max_epochs=2).fit(X_train[:, :, 0], y_train[:, :, 0])
    pred = model.predict(X_test[:, :, 0])
    assert pred.shape == (len(X_test), HORIZON, 1)
    assert pred.dtype == np.float64
    np.testing.assert_array_equal(pred, four_d[:, :, 0])


def test_2d_y_is_step_major_over_nodes(graph):
    X, y, _ = graph
    X, y = X[..., :1], y[..., :1]
    n, horizon, n_nodes = y.shape[:3]
    four_d = _forecaster(max_epochs=2).fit(X, y).predict(X)
    model = _forecaster(max_epochs=2).fit(X, y.reshape(n, horizon * n_nodes))
    pred = model.predict(X)
    assert pred.shape == (n, horizon * n_nodes)
    assert pred.dtype == np.float64
    # The same targets in another layout train the same network.
    np.testing.assert_array_equal(pred, four_d.reshape(n, -1))


def test_1d_y_is_a_one_step_forecast(seasonal):
    X_train, y_train, X_test, _ = seasonal
    one_step = _forecaster(max_epochs=2).fit(X_train, y_train[:, :1]).predict(X_test)
    model = _forecaster(max_epochs=2).fit(X_train, y_train[:, 0, 0, 0])
    pred = model.predict(X_test)
    assert pred.shape == (len(X_test),)
    assert pred.dtype == np.float64
    np.testing.assert_array_equal(pred, one_step[:, 0, 0, 0])


def test_2d_x_through_window_shape_equals_4d(graph):
    X, y, _ = graph
    four_d = _forecaster(max_epochs=2).fit(X, y).predict(X)
    model = _forecaster(max_epochs=2, window_shape=X.shape[1:]).fit(X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(model.predict(X.reshape(len(X), -1)), four_d)


def test_graph_windows_with_fewer_targets_than_channels(graph):
    X, y, adjacency = graph
    y_first = y[..., :1]  # forecast channel 0 from all three channels
    model = _forecaster("mlp", max_epochs=10, spatial=adjacency).fit(X, y_first)
    pred = model.predict(X)
    assert pred.shape == (len(X), 6, 4, 1)
    assert pred.dtype == np.float64
    assert model.window_shape_ == (24, 4, 3)
    assert model.output_shape_ == (6, 4, 1)
    assert model.spatial_.kind == "graph"
    assert _mse(pred, y_first) < _mse(_naive(X, 6, n_targets=1), y_first)


# ------------------------------------------------------------------ missing data
def test_nan_in_x_and_y_is_accepted_and_predictions_are_finite(seasonal):
    X_train, y_train, X_test, _ = seasonal
    rng = np.random.default_rng(0)
    X_nan, y_nan = X_train.copy(), y_train.copy()
    X_nan[rng.random(X_nan.shape) < 0.1] = np.nan
    y_nan[rng.random(y_nan.shape) < 0.1] = np.nan
    X_nan[0] = np.nan  # a window with no observation at all
    model = _forecaster(max_epochs=2).fit(X_nan, y_nan)
    assert np.all(np.isfinite(model.net_.history[:, "train_loss"]))
    assert np.all(np.isfinite(model.predict(X_nan)))
    X_test_nan = X_test.copy()
    X_test_nan[:, ::2] = np.nan
    X_test_nan[1] = np.nan
    assert np.all(np.isfinite(model.predict(X_test_nan)))


def test_missing_inputs_are_filled_forward_in_time(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(max_epochs=1).fit(X_train, y_train)
    window = X_test[:1].copy()
    gaps = window.copy()
    gaps[0, [10, 11, 30], 0, 0] = np.nan
    filled = window.copy()
    filled[0, [10, 11], 0, 0] = window[0, 9, 0, 0]
    filled[0, 30, 0, 0] = window[0, 29, 0, 0]
    np.testing.assert_array_equal(model.predict(gaps), model.predict(filled))
    # A leading gap takes the first observation; an empty window the training mean.
    lead = window.copy()
    lead[0, :5, 0, 0] = np.nan
    first = window.copy()
    first[0, :5, 0, 0] = window[0, 5, 0, 0]
    np.testing.assert_array_equal(model.predict(lead), model.predict(first))
    np.testing.assert_allclose(model.fill_values_, [[X_train.mean()]], rtol=1e-5)
    empty = np.full_like(window, np.nan)
    mean = np.full_like(window, model.fill_values_[0, 0])
    np.testing.assert_array_equal(model.predict(empty), model.predict(mean))


def test_all_nan_y_raises(seasonal):
    X_train, y_train, _, _ = seasonal
    with pytest.raises(ValueError, match=r"\by\b"):
        _forecaster(max_epochs=1).fit(X_train, np.full_like(y_train, np.nan))


def test_loss_is_masked_so_30_percent_missing_targets_still_learn(seasonal):
    X_train, y_train, X_test, y_test = seasonal
    y_nan = y_train.copy()
    y_nan[np.random.default_rng(1).random(y_nan.shape) < 0.3] = np.nan
    model = _forecaster(max_epochs=5).fit(X_train, y_nan)
    assert _mse(model.predict(X_test), y_test) < 0.25 * _mse(_naive(X_test, HORIZON), y_test)


def test_masked_loss_ignores_nan_entries_exactly():
    y_pred = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y_true = torch.tensor([[1.0, float("nan")], [5.0, float("nan")]])
    loss = MaskedLoss("mse")(y_pred, y_true)
    assert loss.item() == pytest.approx((0.0 + 4.0) / 2)  # mean over the 2 observed
    loss.backward()
    np.testing.assert_allclose(y_pred.grad.numpy(), [[0.0, 0.0], [-2.0, 0.0]])
    assert MaskedLoss("mae")(y_pred, y_true).item() == pytest.approx((0.0 + 2.0) / 2)
    huber = MaskedLoss("huber", huber_delta=1.0)(y_pred, y_true).item()
    assert huber == pytest.approx((0.0 + (2.0 - 0.5)) / 2)
    no_target = MaskedLoss()(y_pred, torch.full((2, 2), float("nan")))
    assert no_target.item() == 0.0


# ------------------------------------------------------------------- determinism
def test_same_seed_same_predictions_other_seed_other_predictions(seasonal):
    X_train, y_train, X_test, _ = seasonal
    # PatchTST with dropout: initialization, dropout and shuffling all seeded.
    first = _forecaster("patchtst", max_epochs=1, random_state=3).fit(X_train, y_train)
    again = _forecaster("patchtst", max_epochs=1, random_state=3).fit(X_train, y_train)
    other = _forecaster("patchtst", max_epochs=1, random_state=4).fit(X_train, y_train)
    np.testing.assert_array_equal(first.predict(X_test), again.predict(X_test))
    assert not np.allclose(first.predict(X_test), other.predict(X_test))


def test_fit_and_predict_leave_the_global_torch_rng_untouched(seasonal):
    X_train, y_train, X_test, _ = seasonal
    torch.manual_seed(123)
    state = torch.get_rng_state()
    model = _forecaster("mlp", max_epochs=1).fit(X_train, y_train)
    model.predict(X_test)
    assert torch.equal(torch.get_rng_state(), state)


def test_load_leaves_the_global_torch_rng_untouched(seasonal, tmp_path):
    X_train, y_train, _, _ = seasonal
    path = _forecaster(max_epochs=1).fit(X_train, y_train).save(tmp_path / "model.pt")
    torch.manual_seed(123)
    state = torch.get_rng_state()
    STForecaster.load(path)
    assert torch.equal(torch.get_rng_state(), state)


def test_refitting_starts_afresh(seasonal, graph):
    X_train, y_train, X_test, _ = seasonal
    X, y, _ = graph
    model = _forecaster(max_epochs=2)
    first = model.fit(X_train, y_train).predict(X_test)
    model.fit(X, y[..., :1])
    assert model.window_shape_ == (24, 4, 3)
    assert model.predict(X).shape == (len(X), 6, 4, 1)
    np.testing.assert_array_equal(model.fit(X_train, y_train).predict(X_test), first)


# -------------------------------------------------------------- batch invariance
@pytest.mark.parametrize("backbone", ["patchtst", "mlp"])
def test_predictions_do_not_depend_on_batch_size_or_order(seasonal, backbone):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(backbone, max_epochs=1).fit(X_train, y_train)
    full = model.predict(X_test)
    chunks = np.concatenate(
        [model.predict(X_test[:1]), model.predict(X_test[1:8]), model.predict(X_test[8:])]
    )
    np.testing.assert_allclose(chunks, full, rtol=0, atol=1e-12)
    order = np.random.default_rng(0).permutation(len(X_test))
    np.testing.assert_allclose(model.predict(X_test[order]), full[order], rtol=0, atol=1e-12)


def test_predict_leaves_the_float32_weights_unchanged(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster("patchtst", max_epochs=1).fit(X_train, y_train)
    before = copy.deepcopy(model.net_.module_.state_dict())
    model.predict(X_test)
    after = model.net_.module_.state_dict()
    assert all(
        value.dtype == torch.float32 for value in after.values() if value.is_floating_point()
    )
    _assert_same_weights(after, before)


# ------------------------------------------------------------ temporal validation
def test_temporal_validation_split_takes_the_last_windows():
    X = torch.arange(20, dtype=torch.float32).reshape(20, 1, 1, 1)
    train, valid = TemporalValidationSplit(0.25)(WindowDataset(X, X))
    np.testing.assert_array_equal(train.X.flatten(), np.arange(15))
    np.testing.assert_array_equal(valid.X.flatten(), np.arange(15, 20))
    np.testing.assert_array_equal(valid.y.flatten(), np.arange(15, 20))
    _, none = TemporalValidationSplit(0.0)(WindowDataset(X, X))
    assert none is None
    explicit = WindowDataset(X[:3], X[:3])
    whole, given = TemporalValidationSplit(0.25, explicit)(WindowDataset(X, X))
    assert len(whole) == 20
    assert given is explicit


def _epoch_sizes(model, kind):
    return sum(model.net_.history[-1, "batches", :, f"{kind}_batch_size"])


def test_validation_fraction_validates_on_the_last_windows(seasonal):
    X_train, y_train, _, _ = seasonal
    n = len(X_train)
    n_valid = round(0.25 * n)
    # Without scaling the losses are in the units of y, as is the recomputed MSE.
    model = _forecaster(max_epochs=2, validation_fraction=0.25, scaling=None).fit(X_train, y_train)
    assert _epoch_sizes(model, "valid") == n_valid
    # The windows that share steps with the validation windows do not train.
    gap = X_train.shape[1] + y_train.shape[1] - 1
    assert _epoch_sizes(model, "train") == n - n_valid - gap
    # Without early stopping the final weights are the last epoch's, whose
    # validation loss is the error on the tail windows, not on the head.
    recorded = model.net_.history[-1, "valid_loss"]
    tail = _mse(model.predict(X_train[-n_valid:]), y_train[-n_valid:])
    head = _mse(model.predict(X_train[:n_valid]), y_train[:n_valid])
    assert recorded == pytest.approx(tail, rel=1e-4)
    assert recorded != pytest.approx(head, rel=1e-2)


def test_validation_data_replaces_the_split(seasonal):
    X_train, y_train, X_test, y_test = seasonal
    model = _forecaster(max_epochs=2, validation_fraction=0.25, scaling=None)
    model.fit(X_train, y_train, validation_data=(X_test, y_test))
    assert _epoch_sizes(model, "train") == len(X_train)
    assert _epoch_sizes(model, "valid") == len(X_test)
    recorded = model.net_.history[-1, "valid_loss"]
    assert recorded == pytest.approx(_mse(model.predict(X_test), y_test), rel=1e-4)


def test_validation_data_with_other_target_shape_raises(seasonal):
    X_train, y_train, X_test, y_test = seasonal
    with pytest.raises(ValueError, match="validation_data"):
        _forecaster(max_epochs=1).fit(X_train, y_train, validation_data=(X_test, y_test[:, :6]))


def test_early_stopping_ends_on_the_best_validation_weights(seasonal):
    X_train, y_train, X_test, y_test = seasonal
    # Validating against a damped future (half the true targets): the
    # validation loss falls while the model's amplitude grows towards half
    # the signal, then rises as it fits the full signal. Early stopping must
    # end on the weights of the lowest validation loss, not the last ones.
    damped = 0.5 * y_test
    model = _forecaster(
        max_epochs=50,
        lr=1e-3,
        patience=2,
        scaling=None,
        callbacks=[("recorder", WeightRecorder())],
    ).fit(X_train, y_train, validation_data=(X_test, damped))
    history = model.net_.history
    valid_loss = np.array(history[:, "valid_loss"])
    best = int(np.argmin(valid_loss))
    assert model.n_epochs_ == len(history) < 50
    assert best == len(history) - 3  # stopped after `patience` epochs without improvement
    assert best > 0  # a later epoch, not the initial descent only
    assert history[best, "valid_loss_best"] and not history[-1, "valid_loss_best"]
    recorder = _callback(model, "recorder")
    # User callbacks run after early stopping, which ends the fit at the end of
    # the last epoch: the recorder sees every epoch but that one.
    assert len(recorder.weights_) == len(history) - 1
    _assert_same_weights(model.net_.module_.state_dict(), recorder.weights_[best])
    recomputed = _mse(model.predict(X_test), damped)
    assert recomputed == pytest.approx(valid_loss[best], rel=1e-5)
    assert recomputed != pytest.approx(valid_loss[-1], rel=1e-3)


def test_a_time_budget_still_ends_on_the_best_weights(seasonal):
    """A user callback that stops training runs after early stopping, so the
    final epoch is considered when the best weights are restored."""
    from sk_stfm.estimators import TimeBudget

    X_train, y_train, X_test, y_test = seasonal
    model = _forecaster(
        max_epochs=50, patience=50, scaling=None, callbacks=[TimeBudget(max_seconds=0.0)]
    ).fit(X_train, y_train, validation_data=(X_test, y_test))
    history = model.net_.history
    assert len(history) == 1 and history[-1, "valid_loss_best"]
    recomputed = _mse(model.predict(X_test), y_test)
    assert recomputed == pytest.approx(history[-1, "valid_loss"], rel=1e-5)


def test_without_patience_training_runs_max_epochs(seasonal):
    X_train, y_train, _, _ = seasonal
    model = _forecaster(max_epochs=3, patience=None, validation_fraction=0.25)
    assert model.fit(X_train, y_train).n_epochs_ == 3
    assert "early_stopping" not in dict(model.net_.callbacks_)


# -------------------------------------------------------------------- persistence
def test_pickle_round_trip_predicts_identically(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster("patchtst", max_epochs=1).fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X_test), model.predict(X_test))


@pytest.mark.parametrize("backbone", ["patchtst", "mlp"])
def test_save_load_round_trip(seasonal, tmp_path, backbone):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(backbone, max_epochs=1).fit(X_train, y_train)
    path = model.save(tmp_path / "model.pt")
    loaded = STForecaster.load(path)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    assert repr(loaded.get_params(deep=True)) == repr(model.get_params(deep=True))
    assert loaded.window_shape_ == model.window_shape_
    assert loaded.target_shape_ == model.target_shape_
    np.testing.assert_array_equal(loaded.fill_values_, model.fill_values_)


def test_save_load_keeps_a_sparse_spatial_adjacency(graph, tmp_path):
    X, y, adjacency = graph
    model = _forecaster(max_epochs=1, spatial=adjacency).fit(X, y[..., :1])
    loaded = STForecaster.load(model.save(tmp_path / "graph.pt"))
    np.testing.assert_array_equal(loaded.spatial.toarray(), adjacency.toarray())
    assert loaded.spatial_.kind == "graph"
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_save_drops_callbacks_with_a_warning(seasonal, tmp_path):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(max_epochs=1, callbacks=[("recorder", WeightRecorder())])
    model.fit(X_train, y_train)
    with pytest.warns(UserWarning, match="callbacks"):
        path = model.save(tmp_path / "model.pt")
    loaded = STForecaster.load(path)
    assert loaded.callbacks is None
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_save_refuses_parameters_it_cannot_store_without_pickle(seasonal, tmp_path):
    X_train, y_train, _, _ = seasonal
    model = _forecaster(max_epochs=1, optimizer=torch.optim.SGD).fit(X_train, y_train)
    with pytest.raises(TypeError, match="pickle"):
        model.save(tmp_path / "model.pt")
    assert not (tmp_path / "model.pt").exists()
    restored = pickle.loads(pickle.dumps(model))  # the documented way out
    np.testing.assert_array_equal(restored.predict(X_train[:5]), model.predict(X_train[:5]))


class _RunsCode:
    """Unpickling this would run a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("writer", ["pickle", "torch"])
def test_loading_a_malicious_file_raises_and_runs_nothing(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"format": "sk_stfm-estimator", "format_version": 1, "x": _RunsCode(marker)}
    if writer == "pickle":
        with open(path, "wb") as file:
            pickle.dump(payload, file)
    else:
        torch.save(payload, path)
    with pytest.raises(ValueError, match="not allowed to load safely|not a file saved"):
        STForecaster.load(path)
    assert not marker.exists()
    # Control: the payload is live, an unsafe load does run it.
    if writer == "pickle":
        with open(path, "rb") as file:
            pickle.load(file)
    else:
        torch.load(path, weights_only=False)
    assert marker.exists()


def _saved_payload(seasonal, tmp_path):
    X_train, y_train, _, _ = seasonal
    path = _forecaster(max_epochs=1).fit(X_train, y_train).save(tmp_path / "model.pt")
    return torch.load(path, weights_only=True)


def test_other_format_version_raises_naming_it(seasonal, tmp_path):
    payload = _saved_payload(seasonal, tmp_path)
    payload["format_version"] = 99
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="format version 99"):
        STForecaster.load(tmp_path / "future.pt")


def test_loading_a_file_not_saved_by_sk_stfm_raises(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file saved by sk_stfm"):
        STForecaster.load(tmp_path / "other.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a file saved by sk_stfm"):
        STForecaster.load(tmp_path / "text.pt")


@pytest.mark.parametrize(
    "cls_path",
    ["os:system", "builtins:eval", "sklearn.linear_model:LinearRegression"],
)
def test_loading_refuses_classes_outside_sk_stfm(seasonal, tmp_path, cls_path):
    payload = _saved_payload(seasonal, tmp_path)
    payload["class"] = cls_path
    torch.save(payload, tmp_path / "tampered.pt")
    with pytest.raises(ValueError, match="refusing to load"):
        STForecaster.load(tmp_path / "tampered.pt")


def test_loading_refuses_another_sk_stfm_class(seasonal, tmp_path):
    payload = _saved_payload(seasonal, tmp_path)
    payload["class"] = "sk_stfm.harmonize._scaling:STStandardScaler"
    torch.save(payload, tmp_path / "scaler.pt")
    with pytest.raises(ValueError, match="not a STForecaster"):
        STForecaster.load(tmp_path / "scaler.pt")


@pytest.mark.parametrize(
    "cls_path", ["sk_stfm.no_such_module:STForecaster", "sk_stfm.estimators:NoSuchClass"]
)
def test_loading_a_missing_sk_stfm_class_raises_value_error(seasonal, tmp_path, cls_path):
    payload = _saved_payload(seasonal, tmp_path)
    payload["class"] = cls_path
    torch.save(payload, tmp_path / "tampered.pt")
    with pytest.raises(ValueError):
        STForecaster.load(tmp_path / "tampered.pt")


# -------------------------------------------------------------------- checkpoints
def test_checkpoint_dir_saves_every_epoch(seasonal, tmp_path):
    X_train, y_train, _, _ = seasonal
    model = _forecaster(max_epochs=2, checkpoint_dir=tmp_path).fit(X_train, y_train)
    assert {"params.pt", "optimizer.pt", "history.json"} <= set(os.listdir(tmp_path))
    saved = json.loads((tmp_path / "history.json").read_text())
    assert [epoch["epoch"] for epoch in saved] == [1, 2]
    assert [epoch["train_loss"] for epoch in saved] == model.net_.history[:, "train_loss"]
    _assert_same_weights(
        torch.load(tmp_path / "params.pt", weights_only=True), model.net_.module_.state_dict()
    )


def test_resume_continues_from_the_checkpoint(seasonal, tmp_path):
    X_train, y_train, _, _ = seasonal
    first = _forecaster(max_epochs=2, checkpoint_dir=tmp_path).fit(X_train, y_train)
    saved = torch.load(tmp_path / "params.pt", weights_only=True)
    # max_epochs counts the whole fit: the resumed run trains the 3 epochs left.
    resumed = _forecaster(
        max_epochs=5,
        checkpoint_dir=tmp_path,
        resume=True,
        callbacks=[("start", FirstEpochWeights())],
    ).fit(X_train, y_train)
    history = resumed.net_.history
    assert history[:, "epoch"] == [1, 2, 3, 4, 5]
    assert history[:2, "train_loss"] == first.net_.history[:, "train_loss"]
    assert resumed.n_epochs_ == 5
    # Training restarted from the saved weights, not from a new initialization.
    _assert_same_weights(_callback(resumed, "start").weights_, saved)


def test_resuming_a_finished_fit_trains_no_more(seasonal, tmp_path):
    X_train, y_train, X_test, _ = seasonal
    first = _forecaster(max_epochs=2, checkpoint_dir=tmp_path).fit(X_train, y_train)
    again = _forecaster(max_epochs=2, checkpoint_dir=tmp_path, resume=True).fit(X_train, y_train)
    assert again.n_epochs_ == 2
    np.testing.assert_array_equal(again.predict(X_test), first.predict(X_test))


def test_resume_without_a_checkpoint_trains_from_scratch(seasonal, tmp_path):
    X_train, y_train, X_test, _ = seasonal
    fresh = _forecaster(max_epochs=2).fit(X_train, y_train)
    resumed = _forecaster(max_epochs=2, checkpoint_dir=tmp_path / "new", resume=True)
    resumed.fit(X_train, y_train)
    assert resumed.n_epochs_ == 2
    np.testing.assert_array_equal(resumed.predict(X_test), fresh.predict(X_test))


# ---------------------------------------------------------- scikit-learn integration
def test_pipeline_with_scaler_on_4d_windows(graph):
    X, y, _ = graph
    pipe = Pipeline([("scale", STStandardScaler()), ("model", _forecaster(max_epochs=2))])
    pred = pipe.fit(X, y).predict(X)
    assert pred.shape == y.shape
    assert pred.dtype == np.float64
    assert np.all(np.isfinite(pred))
    np.testing.assert_allclose(pipe.named_steps["scale"].mean_, X.mean(axis=(0, 1)))


def test_grid_search_over_backbones_with_time_series_split(seasonal):
    X_train, y_train, _, _ = seasonal
    search = GridSearchCV(
        STForecaster(max_epochs=2, lr=1e-2, batch_size=32, random_state=0),
        {"backbone": ["dlinear", "mlp"]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X_train, y_train)
    assert search.best_params_["backbone"] in {"dlinear", "mlp"}
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(X_train[:3]).shape == (3, HORIZON, 1, 1)


def test_set_params_reaches_the_backbone_config(seasonal):
    X_train, y_train, _, _ = seasonal
    config = PatchTSTConfig(d_model=8, n_heads=2, n_layers=1, d_ff=16, patch_len=4, stride=4)
    model = _forecaster(config, max_epochs=1)
    model.set_params(backbone__d_model=12)
    assert model.get_params()["backbone__d_model"] == 12
    assert model.backbone is config and config.d_model == 12
    model.fit(X_train, y_train)
    assert model.net_.module_.d_model == 12
    assert model.net_.module_.patch_embedding.out_features == 12
    assert model.backbone_ is not config  # fit works on a copy of the parameter


def test_clone_gives_an_unfitted_copy_with_equal_params(seasonal):
    X_train, y_train, _, _ = seasonal
    model = _forecaster("mlp", max_epochs=1).fit(X_train, y_train)
    copy_ = clone(model)
    assert repr(copy_.get_params(deep=True)) == repr(model.get_params(deep=True))
    assert not hasattr(copy_, "net_")
    assert copy_.backbone is not model.backbone


# ------------------------------------------------------------------------ errors
def test_unknown_backbone_name_lists_registered_backbones(seasonal):
    X_train, y_train, _, _ = seasonal
    with pytest.raises(ValueError, match="Registered backbones: .*dlinear") as info:
        _forecaster("no_such_backbone").fit(X_train, y_train)
    for name in list_backbones():
        assert name in str(info.value)


def test_backbone_whose_tags_do_not_fit_names_those_that_do(seasonal, graph, monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))
    register_backbone(
        "graph_only",
        DLinear,
        STFMTags(requires=("adjacency",), data_kinds=("graph",)),
        "test",
        overwrite=True,
    )
    X_train, y_train, _, _ = seasonal
    with pytest.raises(ValueError, match="Backbones that fit: .*dlinear") as info:
        _forecaster("graph_only").fit(X_train, y_train)
    assert "'graph_only'" in str(info.value)
    assert "graph_only'" not in str(info.value).split("Backbones that fit:")[1]
    # With an adjacency the same backbone fits.
    X, y, adjacency = graph
    model = _forecaster("graph_only", max_epochs=1, spatial=adjacency).fit(X, y)
    assert model.predict(X).shape == y.shape


def test_adapter_must_be_none(seasonal):
    X_train, y_train, _, _ = seasonal
    with pytest.raises(ValueError, match="adapter"):
        _forecaster(adapter="lora").fit(X_train, y_train)


def test_5d_x_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"\(n_samples, n_steps, n_nodes, n_channels\)"):
        _forecaster().fit(np.zeros((4, 8, 1, 1, 1)), np.zeros((4, 2, 1, 1)))


def test_mismatched_x_and_y_lengths_raise(seasonal):
    X_train, y_train, _, _ = seasonal
    with pytest.raises(ValueError, match="samples"):
        _forecaster().fit(X_train, y_train[:-1])


def test_y_with_other_node_count_raises(graph):
    X, y, _ = graph
    with pytest.raises(ValueError, match="n_nodes"):
        _forecaster().fit(X, y[:, :, :2])


def test_predict_on_windows_of_another_shape_raises(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = _forecaster(max_epochs=1).fit(X_train, y_train)
    with pytest.raises(ValueError, match="shape"):
        model.predict(X_test[:, :24])
    with pytest.raises(ValueError, match="shape"):
        model.predict(np.repeat(X_test, 2, axis=2))


def test_spatial_adjacency_of_wrong_size_raises(graph):
    X, y, _ = graph
    with pytest.raises(ValueError, match="spatial"):
        _forecaster(spatial=np.ones((3, 3))).fit(X, y)


@pytest.mark.parametrize("X", ["windows", np.full((4, 8, 1, 1), "a")])
def test_non_numeric_x_raises(X):
    with pytest.raises((ValueError, TypeError)):
        _forecaster().fit(X, np.zeros((4, 2, 1, 1)))


def test_predict_before_fit_raises(seasonal):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _forecaster().predict(seasonal[2])


# ------------------------------------------------------------------------- score
def test_score_is_r2_over_flattened_targets(graph):
    X, y, _ = graph
    model = _forecaster(max_epochs=3).fit(X, y)
    pred = model.predict(X)
    expected = r2_score(y.reshape(len(y), -1), pred.reshape(len(pred), -1))
    assert model.score(X, y) == pytest.approx(expected, rel=1e-12)
    weights = np.linspace(1.0, 2.0, len(X))
    expected_weighted = r2_score(
        y.reshape(len(y), -1), pred.reshape(len(pred), -1), sample_weight=weights
    )
    assert model.score(X, y, sample_weight=weights) == pytest.approx(expected_weighted)


def test_score_barely_changes_when_one_target_is_missing(graph):
    X, y, _ = graph
    offsets = np.array([0.0, 10.0, -5.0, 30.0])[None, None, :, None]
    X, y = X + offsets, y + offsets  # nodes on different levels
    model = _forecaster(max_epochs=3).fit(X, y)
    y_one_nan = y.copy()
    y_one_nan[0, 0, 0, 0] = np.nan  # one of len(y) * 6 * 4 * 3 entries
    assert model.score(X, y_one_nan) == pytest.approx(model.score(X, y), abs=0.05)


# ------------------------------------------------------------ backbone configs
@pytest.mark.parametrize("config_cls", [DLinearConfig, PatchTSTConfig, MLPConfig])
def test_configs_mirror_the_module_hyperparameters(config_cls):
    """A configuration exposes exactly the keyword-only hyperparameters of its module."""
    import inspect

    from sk_stfm.backbones import get_backbone

    module_cls = get_backbone(config_cls.backbone_name).cls
    module_params = {
        name: p.default
        for name, p in inspect.signature(module_cls.__init__).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert config_cls().get_params() == module_params


def test_bad_backbone_parameter_names_the_nested_parameter(seasonal):
    X_train, y_train, _, _ = seasonal
    model = _forecaster(backbone=PatchTSTConfig(d_model=10, n_heads=4))
    with pytest.raises(ValueError, match="backbone__"):
        model.fit(X_train, y_train)


def test_grid_search_over_dlinear_and_patchtst(seasonal):
    X_train, y_train, _, _ = seasonal
    search = GridSearchCV(
        _forecaster(max_epochs=1),
        {"backbone": ["dlinear", PatchTSTConfig(d_model=8, n_heads=2, n_layers=1, d_ff=16)]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_float32_inference_agrees_with_float64_and_bad_dtypes_are_named(seasonal):
    X_train, y_train, X_test, _ = seasonal
    model = STForecaster(backbone="dlinear", max_epochs=2, random_state=0).fit(X_train, y_train)
    exact = model.predict(X_test)
    fast = model.set_params(inference_dtype="float32").predict(X_test)
    assert fast.dtype == np.float64 and fast.shape == exact.shape
    np.testing.assert_allclose(fast, exact, rtol=1e-4, atol=1e-5)
    assert not np.array_equal(fast, exact)  # it did run in float32
    with pytest.raises(ValueError, match="inference_dtype"):
        model.set_params(inference_dtype="float16").predict(X_test)
    with pytest.raises(ValueError, match="inference_dtype"):
        STForecaster(inference_dtype="half").fit(X_train, y_train)
