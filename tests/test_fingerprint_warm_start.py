"""Checkpoint fingerprints and warm starts of the window estimators.

A checkpoint records the fit that wrote it (estimator class, window and
target shapes, the parameters that decide the network and training), and
``resume=True`` refuses another fit's checkpoint by name instead of
continuing the wrong model; ``warm_start=True`` continues the fitted
network on new data of the same shapes.
"""

import copy
import json
import re

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sk_stfm.estimators import MLPConfig, STAnomalyDetector, STForecaster
from sk_stfm.estimators._checkpoint import FINGERPRINT_FILE, fit_fingerprint

_rng = np.random.default_rng(3)
X = _rng.normal(size=(40, 12, 2, 1)).astype(np.float32)
Y = X[:, -3:] + 0.1 * _rng.normal(size=(40, 3, 2, 1)).astype(np.float32)


def _model(**params):
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(16,), dropout=0.1),
        "max_epochs": 3,
        "batch_size": 8,
        "lr": 1e-2,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    return STForecaster(**{**defaults, **params})


def _weights(model):
    return copy.deepcopy(model.net_.module_.state_dict())


def _max_difference(first, second):
    return max(float((first[name] - second[name]).abs().max()) for name in first)


class _FirstEpochWeights(Callback):
    """The module's weights as the first epoch begins."""

    def on_epoch_begin(self, net, **kwargs):
        if not hasattr(self, "weights_"):
            self.weights_ = copy.deepcopy(net.module_.state_dict())


def _first_epoch_weights(model):
    # The estimator trains with a copy of the callbacks it is given.
    return dict(model.net_.callbacks_)["start"].weights_


# ------------------------------------------------------------------ fingerprint
def test_the_checkpoint_holds_the_fit_fingerprint(tmp_path):
    model = _model(checkpoint_dir=tmp_path).fit(X, Y)
    saved = json.loads((tmp_path / FINGERPRINT_FILE).read_text())
    assert saved == fit_fingerprint(model)
    assert saved["estimator"] == "STForecaster"
    assert saved["window_shape"] == [12, 2, 1] and saved["target_shape"] == [3, 2, 1]
    assert saved["params"]["backbone__hidden_sizes"] == [16] and saved["params"]["lr"] == 0.01
    # What a resumed fit may change is not recorded.
    for name in ("max_epochs", "patience", "callbacks", "verbose", "device", "checkpoint_dir"):
        assert name not in saved["params"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # Another window length: weights of another input layer.
        ({"X": X[:, 2:]}, "window_shape (12, 2, 1); this fit has (10, 2, 1)"),
        # Another horizon.
        ({"y": Y[:, :2]}, "target_shape (3, 2, 1); this fit has (2, 2, 1)"),
    ],
)
def test_resume_refuses_a_checkpoint_of_data_of_another_shape(tmp_path, change, message):
    _model(max_epochs=2, checkpoint_dir=tmp_path).fit(X, Y)
    saved = (tmp_path / "params.pt").read_bytes()
    data = {"X": X, "y": Y, **change}
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        _model(checkpoint_dir=tmp_path, resume=True).fit(data["X"], data["y"])
    assert f"the checkpoint in {tmp_path} was written by a fit with" in str(error.value)
    assert "another checkpoint_dir" in str(error.value) and "resume=False" in str(error.value)
    # Refused before anything was written: the checkpoint is intact.
    assert (tmp_path / "params.pt").read_bytes() == saved


def test_resume_refuses_a_checkpoint_of_other_parameters(tmp_path):
    _model(max_epochs=2, checkpoint_dir=tmp_path).fit(X, Y)
    # Same shapes of weights for a different dropout and learning rate: without the
    # fingerprint the checkpoint would load silently.
    other = _model(
        backbone=MLPConfig(hidden_sizes=(16,), dropout=0.3),
        lr=2e-2,
        checkpoint_dir=tmp_path,
        resume=True,
    )
    with pytest.raises(ValueError) as error:
        other.fit(X, Y)
    assert (
        "written by a fit with backbone__dropout 0.1, lr 0.01; this fit has "
        "backbone__dropout 0.3, lr 0.02."
    ) in str(error.value)
    wider = _model(backbone=MLPConfig(hidden_sizes=(32,)), checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(ValueError, match=re.escape("backbone__hidden_sizes (16,);")):
        wider.fit(X, Y)


def test_resume_accepts_the_parameters_a_resumed_fit_may_change(tmp_path):
    _model(max_epochs=2, checkpoint_dir=tmp_path).fit(X, Y)
    uninterrupted = _weights(_model(max_epochs=4).fit(X, Y))
    resumed = _model(
        max_epochs=4,
        verbose=0,
        inference_dtype="float32",
        callbacks=[("start", _FirstEpochWeights())],
        checkpoint_dir=tmp_path,
        resume=True,
    ).fit(X, Y)
    assert resumed.n_epochs_ == 4
    assert _max_difference(_weights(resumed), uninterrupted) == 0


def test_a_checkpoint_without_fingerprint_resumes_with_a_warning(tmp_path):
    # As an older sk_stfm wrote it.
    _model(max_epochs=2, checkpoint_dir=tmp_path).fit(X, Y)
    (tmp_path / FINGERPRINT_FILE).unlink()
    with pytest.warns(UserWarning, match="holds no fingerprint.json.*cannot be verified"):
        resumed = _model(max_epochs=4, checkpoint_dir=tmp_path, resume=True).fit(X, Y)
    assert resumed.net_.history[:, "epoch"] == [1, 2, 3, 4]
    uninterrupted = _weights(_model(max_epochs=4).fit(X, Y))
    assert _max_difference(_weights(resumed), uninterrupted) == 0
    # The resumed fit committed its own fingerprint.
    assert json.loads((tmp_path / FINGERPRINT_FILE).read_text()) == fit_fingerprint(resumed)


def test_a_fingerprint_that_is_not_one_is_refused(tmp_path):
    _model(max_epochs=1, checkpoint_dir=tmp_path).fit(X, Y)
    (tmp_path / FINGERPRINT_FILE).write_text("[1, 2")
    with pytest.raises(ValueError, match="fingerprint.json is not a fingerprint written by"):
        _model(max_epochs=2, checkpoint_dir=tmp_path, resume=True).fit(X, Y)


def test_a_new_fit_in_the_directory_replaces_the_fingerprint(tmp_path):
    _model(max_epochs=1, checkpoint_dir=tmp_path).fit(X, Y)
    # resume=False trains from scratch and overwrites the checkpoint, fingerprint included.
    _model(max_epochs=1, lr=2e-2, checkpoint_dir=tmp_path).fit(X, Y)
    resumed = _model(max_epochs=2, lr=2e-2, checkpoint_dir=tmp_path, resume=True).fit(X, Y)
    assert resumed.net_.history[:, "epoch"] == [1, 2]


def test_the_fingerprint_tells_adjacencies_apart_and_is_stable():
    ring = np.roll(np.eye(4), 1, axis=1)

    def fingerprint(adjacency, random_state=0):
        model = _model(spatial=adjacency, random_state=random_state)
        model.window_shape_, model.output_shape_ = (12, 4, 1), (3, 4, 1)
        return fit_fingerprint(model)

    assert fingerprint(ring + ring.T) == fingerprint((ring + ring.T).copy())
    assert fingerprint(ring + ring.T) != fingerprint(np.eye(4))
    # Objects are recorded by class, not by a repr with their address.
    states = np.random.RandomState(0), np.random.RandomState(1)
    assert fingerprint(None, states[0]) == fingerprint(None, states[1])
    assert fingerprint(None, states[0])["params"]["random_state"] == "RandomState"


# ------------------------------------------------------------------- warm start
def test_warm_start_continues_training_the_fitted_network():
    model = _model().fit(X, Y)
    first_losses = model.net_.history[:, "train_loss"]
    module, fitted = model.net_.module_, _weights(model)
    model.set_params(warm_start=True, max_epochs=2, callbacks=[("start", _FirstEpochWeights())])
    model.fit(X, Y)
    # The same module, from the fitted weights, two epochs more.
    assert model.net_.module_ is module
    assert _max_difference(_first_epoch_weights(model), fitted) == 0
    assert model.n_epochs_ == 5 and len(model.net_.history) == 2
    # The loss goes on from where the first fit left it, below a fresh start's.
    fresh = _model(max_epochs=2).fit(X, Y)
    assert model.net_.history[0, "train_loss"] < first_losses[0]
    assert model.net_.history[-1, "train_loss"] < fresh.net_.history[-1, "train_loss"]
    assert _max_difference(_weights(model), _weights(fresh)) > 1e-3


def test_warm_start_keeps_the_units_of_the_first_fit():
    model = _model().fit(X, Y)
    mean, scale = model.input_mean_.copy(), model.input_scale_.copy()
    model.set_params(warm_start=True, max_epochs=1).fit(X + 5.0, Y + 5.0)
    np.testing.assert_array_equal(model.input_mean_, mean)
    np.testing.assert_array_equal(model.input_scale_, scale)


def test_warm_start_on_an_unfitted_estimator_is_a_plain_fit():
    warm = _model(warm_start=True).fit(X, Y)
    cold = _model().fit(X, Y)
    np.testing.assert_array_equal(warm.predict(X), cold.predict(X))
    assert warm.n_epochs_ == cold.n_epochs_ == 3


def test_without_warm_start_a_second_fit_starts_afresh():
    model = _model().fit(X, Y)
    module = model.net_.module_
    model.fit(X, Y)
    assert model.net_.module_ is not module and model.n_epochs_ == 3
    np.testing.assert_array_equal(model.predict(X), _model().fit(X, Y).predict(X))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((X[:, 2:], Y), "X must have windows of shape (n_samples, 12, 2, 1)"),
        ((X, Y[:, :2]), "targets must have shape (n, 3, 2, 1) as in fit; got (40, 2, 2, 1)"),
        ((X.reshape(40, -1), Y), "X must have windows of shape (n_samples, 12, 2, 1)"),
    ],
)
def test_warm_start_refuses_data_of_another_shape(data, message):
    model = _model().fit(X, Y)
    before, module = model.predict(X), model.net_.module_
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="warm_start=True continues the fitted network") as error:
        model.fit(*data)
    assert message in str(error.value) and "warm_start=False" in str(error.value)
    # The fitted estimator is untouched.
    assert model.net_.module_ is module and model.n_epochs_ == 3
    np.testing.assert_array_equal(model.predict(X), before)


def test_warm_start_does_not_read_the_checkpoint(tmp_path):
    # resume=True resumes a new fit; a warm start continues the network in memory.
    model = _model(checkpoint_dir=tmp_path, resume=True).fit(X, Y)
    fitted = _weights(model)
    model.set_params(warm_start=True, max_epochs=2, callbacks=[("start", _FirstEpochWeights())])
    model.fit(X, Y)
    assert _max_difference(_first_epoch_weights(model), fitted) == 0
    assert model.n_epochs_ == 5
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history) == 2  # the checkpoint is of the last fit
    saved = torch.load(tmp_path / "params.pt", weights_only=True)
    assert _max_difference(saved, _weights(model)) == 0


def test_warm_start_is_a_parameter_of_every_window_estimator():
    model = STAnomalyDetector(**STAnomalyDetector.get_test_params()[0])
    windows = X[:, :, :1]
    model.fit(windows)
    module = model.net_.module_
    model.set_params(warm_start=True, max_epochs=1).fit(windows)
    assert model.net_.module_ is module
    with pytest.raises(ValueError, match="warm_start=True continues"):
        model.fit(X)
