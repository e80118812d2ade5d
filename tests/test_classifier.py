"""Tests for sk_stfm.estimators.STClassifier: learning, sklearn API, pre-training, persistence.

Every model is tiny and trained for a few epochs on synthetic waveforms
whose classes are known, so each test checks values (accuracies,
probabilities, exact predictions), not only that the code runs.
"""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone, is_classifier
from sklearn.model_selection import cross_val_score

from sk_stfm.estimators import MLPConfig, PatchTSTConfig
from sk_stfm.estimators._classifier import STClassifier, _StratifiedValidationSplit
from sk_stfm.estimators._training import WindowDataset
from sk_stfm.objectives import Contrastive, Masked

N_STEPS = 32
SHAPES = {
    "sine": np.sin,
    "square": lambda t: np.sign(np.sin(t)),
    "sawtooth": lambda t: (t / np.pi) % 2 - 1,
}
PATCHTST = PatchTSTConfig(
    patch_len=4, stride=4, d_model=16, n_heads=2, n_layers=1, d_ff=32, dropout=0.0
)
MLP = MLPConfig(hidden_sizes=(16,), revin=False)


def _waves(n_per_class, classes=("sine", "square", "sawtooth"), n_nodes=None, seed=0):
    """Noisy waveforms of random phase, one class per shape; shuffled."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, N_STEPS)
    X, y = [], []
    for name in classes:
        extra = () if n_nodes is None else (n_nodes,)
        phase = rng.uniform(0, 2 * np.pi, size=(n_per_class, 1) + tuple(1 for _ in extra))
        grid = t[:, None] if extra else t
        X.append(SHAPES[name](grid + phase) + 0.2 * rng.normal(size=(n_per_class, N_STEPS) + extra))
        y += [name] * n_per_class
    X, y = np.concatenate(X)[..., None].astype(np.float32), np.array(y)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _classifier(backbone=PATCHTST, **params):
    defaults = {
        "backbone": backbone,
        "max_epochs": 40,
        "lr": 1e-2,
        "batch_size": 32,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    defaults.update(params)
    return STClassifier(**defaults)


@pytest.fixture(scope="module")
def waves():
    return _waves(40, seed=0), _waves(30, seed=1)


@pytest.fixture(scope="module")
def fitted(waves):
    (X, y), _ = waves
    return _classifier().fit(X, y)


# ------------------------------------------------------------------ learning
def test_learns_separable_waveforms_with_string_labels(waves, fitted):
    _, (X_test, y_test) = waves
    np.testing.assert_array_equal(fitted.classes_, ["sawtooth", "sine", "square"])
    assert fitted.score(X_test, y_test) > 0.9
    assert fitted.predict(X_test).dtype == fitted.classes_.dtype


def test_probabilities_are_a_softmax_consistent_with_predict(waves, fitted):
    _, (X_test, _) = waves
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(proba >= 0)
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(X_test))
    logits = fitted.decision_function(X_test)
    assert logits.shape == (len(X_test), 3)
    np.testing.assert_allclose(fitted.predict_log_proba(X_test), np.log(proba), atol=1e-12)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(proba, shifted / shifted.sum(axis=1, keepdims=True))


def test_binary_decision_function_is_the_margin_of_the_second_class():
    X, y = _waves(30, classes=("sine", "square"))
    clf = _classifier(MLP, max_epochs=60).fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))
    assert clf.score(X, y) > 0.9


def test_integer_labels_keep_their_values():
    X, y = _waves(20, classes=("sine", "square"))
    labels = np.where(y == "sine", 7, -3)
    clf = _classifier(MLP, max_epochs=5).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    assert set(clf.predict(X)) <= {-3, 7}


# ------------------------------------------------------------- data contract
def test_graph_windows_and_2d_through_window_shape_agree():
    X, y = _waves(15, n_nodes=3)  # (n, T, N=3, C=1)
    assert X.shape[1:] == (N_STEPS, 3, 1)
    clf = _classifier(MLP, max_epochs=5).fit(X, y)
    flat = _classifier(MLP, max_epochs=5, window_shape=X.shape[1:]).fit(X.reshape(len(X), -1), y)
    assert clf.predict(X).shape == (len(X),)
    np.testing.assert_allclose(
        clf.predict_proba(X), flat.predict_proba(X.reshape(len(X), -1)), rtol=1e-10
    )
    with pytest.raises(ValueError, match="windows of shape"):
        clf.predict(X[:, :, :2])


def test_3d_input_is_one_node_with_channels():
    X, y = _waves(15)
    X3 = np.concatenate([X, -X], axis=-1)  # (n, T, C=2)
    clf = _classifier(MLP, max_epochs=3).fit(X3, y)
    assert clf.window_shape_ == (N_STEPS, 1, 2)
    assert clf.predict_proba(X3).shape == (len(X3), 3)


def test_nan_inputs_give_finite_probabilities(waves):
    (X, y), _ = waves
    X = X.copy()
    X[0, :5] = np.nan
    X[1, :, 0] = np.nan  # a window with no observation at all
    clf = _classifier(MLP, max_epochs=3).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.full(120, np.nan), "y contains NaN"),
        (np.zeros((120, 2)), "y should be a 1d array"),
        (np.linspace(0, 1, 120), "Unknown label type"),
        (np.zeros(50), "inconsistent numbers of samples"),
        (None, "requires y"),
    ],
    ids=["nan", "2d", "continuous", "length", "none"],
)
def test_bad_labels_are_refused(waves, y, match):
    (X, _), _ = waves
    with pytest.raises(ValueError, match=match):
        _classifier(MLP, max_epochs=1).fit(X, y)


def test_column_vector_y_warns_and_fits_like_1d(waves):
    (X, y), _ = waves
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        column = _classifier(MLP, max_epochs=2).fit(X, y[:, None])
    flat = _classifier(MLP, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(column.predict_proba(X), flat.predict_proba(X))


# ------------------------------------------------------------------ training
def test_explicit_validation_data_is_used_and_checked(waves):
    (X, y), (X_val, y_val) = waves
    clf = _classifier(MLP, max_epochs=3).fit(X, y, validation_data=(X_val, y_val))
    assert "valid_loss" in clf.net_.history[-1]
    with pytest.raises(ValueError, match="labels not seen in y"):
        _classifier(MLP, max_epochs=1).fit(
            X, y, validation_data=(X_val, np.where(y_val == "sine", "cosine", y_val))
        )


def test_validation_split_is_stratified_and_repeatable():
    labels = torch.tensor([0] * 40 + [1] * 20 + [2] * 10)
    data = WindowDataset(torch.arange(70.0).reshape(70, 1, 1, 1), labels)
    split = _StratifiedValidationSplit(0.2, random_state=3)
    train, valid = split(data)
    assert np.bincount(valid.y.numpy()).tolist() == [8, 4, 2]
    assert len(train) + len(valid) == 70
    assert not set(train.X.flatten().tolist()) & set(valid.X.flatten().tolist())
    again = split(data)[1]
    assert torch.equal(valid.X, again.X)


@pytest.mark.parametrize(
    ("labels", "fraction"),
    [([0] * 10 + [1], 0.2), ([0] * 10 + [1] * 10, 0.0), ([0, 1, 2, 0, 1, 2], 0.6)],
    ids=["singleton-class", "fraction-0", "no-room"],
)
def test_tiny_or_disabled_validation_trains_on_everything(labels, fraction):
    data = WindowDataset(torch.zeros(len(labels), 1, 1, 1), torch.tensor(labels))
    train, valid = _StratifiedValidationSplit(fraction)(data)
    assert valid is None and len(train) == len(labels)


def test_early_stopping_runs_on_the_stratified_split(waves):
    (X, y), _ = waves
    clf = _classifier(MLP, max_epochs=200, patience=2, validation_fraction=0.2).fit(X, y)
    assert "valid_loss" in clf.net_.history[-1]
    assert clf.n_epochs_ < 200


def test_same_seed_same_predictions_and_global_rng_untouched(waves):
    (X, y), _ = waves
    torch.manual_seed(123)
    state = torch.get_rng_state()
    first = _classifier(MLP, max_epochs=3, validation_fraction=0.2).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    second = _classifier(MLP, max_epochs=3, validation_fraction=0.2).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_cross_validation_with_stratified_folds(waves):
    (X, y), _ = waves
    scores = cross_val_score(_classifier(MLP, max_epochs=3), X, y, cv=2)
    assert scores.shape == (2,)


def test_tags_are_those_of_a_single_output_classifier():
    clf = STClassifier()
    tags = clf.__sklearn_tags__()
    assert is_classifier(clf)
    assert tags.target_tags.multi_output is False
    assert tags.classifier_tags.multi_label is False
    assert tags.input_tags.allow_nan and tags.input_tags.three_d_array


# -------------------------------------------------------------- pre-training
def test_masked_pretraining_runs_then_fine_tunes(waves):
    (X, y), (X_test, y_test) = waves
    clf = _classifier(objective=Masked(pretrain_epochs=2, patch_len=4)).fit(X, y)
    assert len(clf.pretrain_history_) == 2
    assert np.isfinite(clf.pretrain_history_[:, "train_loss"]).all()
    assert clf.score(X_test, y_test) > 0.8
    assert _classifier().fit(X, y).pretrain_history_ is None


def test_contrastive_frozen_encoder_is_a_linear_probe(waves):
    (X, y), _ = waves
    objective = Contrastive(pretrain_epochs=1, projection_dim=8, finetune="frozen")
    clf = _classifier(MLPConfig(hidden_sizes=(16,)), objective=objective, max_epochs=2).fit(X, y)
    module = clf.net_.module_
    encoder = [p for n, p in module.backbone.named_parameters() if n.startswith("encoder.")]
    assert encoder and not any(p.requires_grad for p in encoder)
    assert module.classifier.weight.requires_grad
    module.train()
    module(torch.zeros(2, N_STEPS, 1, 1))
    assert not module.backbone.training


def test_objective_needing_a_learned_encoder_refuses_dlinear(waves):
    (X, y), _ = waves
    with pytest.raises(ValueError, match="learned_encoder.*dlinear"):
        _classifier("dlinear", objective=Masked(pretrain_epochs=1)).fit(X, y)


def test_objective_not_serving_classification_is_refused(waves):
    (X, y), _ = waves
    with pytest.raises(ValueError, match="cannot train STClassifier"):
        _classifier(MLP, objective="diffusion").fit(X, y)


# --------------------------------------------------------------- persistence
def test_pickle_round_trip_predicts_identically(waves, fitted):
    _, (X_test, _) = waves
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))
    np.testing.assert_array_equal(restored.classes_, fitted.classes_)


@pytest.mark.parametrize("kind", ["str", "int", "object"])
def test_save_load_round_trip(tmp_path, waves, kind):
    (X, y), (X_test, _) = waves
    labels = {
        "str": y,
        "int": np.unique(y, return_inverse=True)[1] * 10,
        "object": y.astype(object),
    }[kind]
    clf = _classifier(MLP, objective=Masked(pretrain_epochs=1, patch_len=4), max_epochs=2)
    clf.fit(X, labels)
    path = clf.save(tmp_path / "clf.pt")
    loaded = STClassifier.load(path)
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    assert loaded.get_params()["objective"].get_params() == clf.objective.get_params()


def test_clone_is_unfitted_with_same_params(fitted):
    copy = clone(fitted)
    assert not hasattr(copy, "classes_")
    assert copy.get_params()["lr"] == fitted.lr
