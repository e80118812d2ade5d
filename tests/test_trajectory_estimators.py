"""Trajectory models: GridTokenizer, TrajectoryTransformer and the trajectory estimators."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone, is_classifier, is_regressor

from sk_stfm.backbones import TrajectoryTransformer, get_backbone, list_backbones
from sk_stfm.data import sequences_to_padded
from sk_stfm.estimators import (
    NextLocationPredictor,
    NextPointRegressor,
    TrajectoryClassifier,
    TrajectoryEncoder,
    TrajectoryTransformerConfig,
)
from sk_stfm.harmonize import GridTokenizer
from sk_stfm.objectives._sequence_pretext import augment_sequences

TINY = TrajectoryTransformerConfig(d_model=16, n_heads=2, n_layers=1, d_ff=32, dropout=0.0)


def random_walks(n, n_points=20, center=(39.9, 116.3), step=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    walks = []
    for _ in range(n):
        length = int(rng.integers(n_points // 2, n_points + 1))
        times = np.cumsum(rng.uniform(5, 120, length))
        steps = rng.normal(0, step, (length, 2)).cumsum(axis=0)
        walks.append(np.column_stack([times, center[0] + steps[:, 0], center[1] + steps[:, 1]]))
    return walks


# Five places about 2 km apart; a mobility Markov chain over them.
PLACES = np.array(
    [[39.90, 116.30], [39.92, 116.30], [39.92, 116.33], [39.90, 116.33], [39.91, 116.315]]
)
TRANSITIONS = np.array(
    [
        [0.05, 0.85, 0.0, 0.0, 0.10],
        [0.0, 0.05, 0.85, 0.0, 0.10],
        [0.0, 0.0, 0.05, 0.85, 0.10],
        [0.85, 0.0, 0.0, 0.05, 0.10],
        [0.25, 0.25, 0.25, 0.25, 0.0],
    ]
)


def markov_trajectories(n, n_points=24, seed=0):
    rng = np.random.default_rng(seed)
    trajectories = []
    for _ in range(n):
        state = int(rng.integers(len(PLACES)))
        states = []
        for _ in range(n_points):
            states.append(state)
            state = int(rng.choice(len(PLACES), p=TRANSITIONS[state]))
        times = np.cumsum(rng.uniform(300, 900, n_points))
        jitter = rng.normal(0, 1e-4, (n_points, 2))
        trajectories.append(np.column_stack([times, PLACES[states] + jitter]))
    return trajectories


# ------------------------------------------------------------ GridTokenizer
class TestGridTokenizer:
    def test_points_and_sequences_give_the_same_ids(self):
        walks = random_walks(5)
        tokenizer = GridTokenizer(cell_size=100).fit(walks)
        as_list = tokenizer.transform(walks)
        as_points = tokenizer.transform(np.concatenate(walks))
        assert [len(ids) for ids in as_list] == [len(w) for w in walks]
        assert as_points.shape == (sum(len(w) for w in walks), 1)
        np.testing.assert_array_equal(np.concatenate(as_list), as_points[:, 0])
        assert as_points.min() >= 1  # every training point is in the vocabulary
        assert as_points.max() == tokenizer.n_tokens_ - 1

    def test_unseen_and_outside_points_get_id_zero(self):
        tokenizer = GridTokenizer(cell_size=500).fit(markov_trajectories(3))
        far = np.array([[0.0, 10.0, 10.0], [0.0, 39.915, 116.32]])  # outside, unvisited cell
        assert tokenizer.transform(far)[:, 0].tolist() == [0, 0]

    def test_cell_centers_decode_to_the_cell(self):
        trajectories = markov_trajectories(4)
        tokenizer = GridTokenizer(cell_size=300).fit(trajectories)
        ids = tokenizer.transform(trajectories)[0]
        centers = tokenizer.decode(ids)
        error = np.abs(centers - trajectories[0][:, 1:3])
        assert (error[:, 0] <= tokenizer.cell_degrees_[0] / 2 + 1e-12).all()
        assert (error[:, 1] <= tokenizer.cell_degrees_[1] / 2 + 1e-12).all()
        assert np.isnan(tokenizer.cell_centers_[0]).all()
        assert tokenizer.cell_counts_.sum() == len(np.concatenate(trajectories))

    def test_min_count_sends_rare_cells_to_zero(self):
        points = np.array([[0, 39.9, 116.3], [1, 39.9, 116.3], [2, 39.95, 116.35]], float)
        tokenizer = GridTokenizer(cell_size=100, min_count=2).fit(points)
        assert tokenizer.n_tokens_ == 2
        assert tokenizer.transform(points)[:, 0].tolist() == [1, 1, 0]

    def test_errors_name_the_argument(self):
        with pytest.raises(ValueError, match="n_features=2"):
            GridTokenizer().fit(np.zeros((4, 2)))
        with pytest.raises(ValueError, match="2D array"):
            GridTokenizer().fit(np.zeros((2, 3, 4, 5)))
        with pytest.raises(ValueError, match=r"X\[0\]: times must be non-decreasing"):
            GridTokenizer().fit([np.array([[1.0, 39.9, 116.3], [0.0, 39.9, 116.3]])])


# ------------------------------------------------------ TrajectoryTransformer
class TestTrajectoryTransformer:
    def test_registered_for_trajectories(self):
        assert "trajectory_transformer" in list_backbones(data_kind="trajectory")
        assert get_backbone("trajectory_transformer").tags.data_kinds == ("trajectory",)

    @pytest.mark.parametrize("time_encoding", ["sinusoidal", "learnable"])
    def test_padding_does_not_change_the_output(self, time_encoding):
        walks = random_walks(3, n_points=8)
        torch.manual_seed(0)
        short = torch.tensor(sequences_to_padded(walks), dtype=torch.float64)
        model = TrajectoryTransformer(
            short.shape[1] + 5, 1, 4, horizon=1, d_model=8, n_heads=2, time_encoding=time_encoding
        ).double()
        model.eval()
        long = torch.tensor(sequences_to_padded(walks, short.shape[1] + 5), dtype=torch.float64)
        alone = torch.tensor(sequences_to_padded(walks[:1], short.shape[1] + 5))
        torch.testing.assert_close(model.embed(long)[:1], model.embed(alone))
        z, valid = model.encode_points(long)
        assert (z[~valid] == 0).all()

    def test_causal_outputs_ignore_the_future(self):
        walk = random_walks(1, n_points=10)[0][:10]
        x = torch.tensor(sequences_to_padded([walk, walk[:6]], 10), dtype=torch.float64)
        model = (
            TrajectoryTransformer(10, 1, 4, 10, d_model=8, n_heads=2, causal=True).double().eval()
        )
        z, _ = model.encode_points(x)
        torch.testing.assert_close(z[0, :6], z[1, :6])

    def test_augmented_views_keep_a_point_and_padding(self):
        x = torch.tensor(sequences_to_padded(random_walks(6, n_points=12)), dtype=torch.float32)
        view = augment_sequences(x, time_channel=1, feature_channels=[2, 3])
        padding = torch.isnan(x[:, :, 0, 1])
        assert torch.isnan(view[:, :, 0, 1])[padding].all()
        assert (~torch.isnan(view[:, :, 0, 1])).any(dim=1).all()


# ------------------------------------------------------------ the estimators
ESTIMATORS = [
    (TrajectoryEncoder, {}),
    (TrajectoryClassifier, {}),
    (NextLocationPredictor, {"tokenizer": GridTokenizer(cell_size=300)}),
    (NextLocationPredictor, {"target": "point"}),
]


def _fit(cls, params, X, seed=0):
    estimator = cls(backbone=TINY, max_epochs=2, max_length=16, random_state=seed, **params)
    y = np.arange(len(X)) % 2
    return estimator.fit(X, y) if cls is TrajectoryClassifier else estimator.fit(X)


def _output(estimator, X):
    return estimator.transform(X) if hasattr(estimator, "transform") else estimator.predict(X)


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=lambda v: getattr(v, "__name__", str(v)))
class TestSequenceEstimators:
    def test_reproducible_picklable_and_input_untouched(self, cls, params):
        X = random_walks(12, n_points=24)  # longer than max_length: cut, not refused
        copy = [x.copy() for x in X]
        first = _fit(cls, params, X)
        for x, c in zip(X, copy, strict=True):
            np.testing.assert_array_equal(x, c)
        second = _fit(cls, clone_params(params), X)
        np.testing.assert_allclose(_output(first, X), _output(second, X))
        restored = pickle.loads(pickle.dumps(first))
        np.testing.assert_allclose(_output(restored, X), _output(first, X))
        # Predictions do not depend on the other sequences in the call.
        np.testing.assert_allclose(_output(first, X[:3]), _output(first, X)[:3], atol=1e-9)
        assert clone(first).get_params()["max_length"] == 16

    @pytest.mark.parametrize(
        "bad, message",
        [
            ([np.array([[1.0, 39.9, 116.3], [0.0, 39.9, 116.3]])], "non-decreasing"),
            ([np.zeros((0, 3))], "no points"),
            ([np.array([[0.0, np.nan, 116.3]])], "finite"),
            ([np.array([[0.0, 39.9], [1.0, 39.9]])], "columns"),
        ],
    )
    def test_malformed_sequences_are_refused(self, cls, params, bad, message):
        fitted = _fit(cls, params, random_walks(8))
        with pytest.raises(ValueError, match=rf"X\[0\].*{message}|{message}.*X"):
            _output(fitted, bad)
        with pytest.raises(ValueError, match=r"X\[\d+\]"):
            _fit(cls, params, bad + random_walks(4))


def clone_params(params):
    return {k: clone(v) if hasattr(v, "get_params") else v for k, v in params.items()}


def test_encoder_places_a_noisy_subsampled_copy_near_its_original():
    rng = np.random.default_rng(1)
    centers = [(39.9 + 0.05 * i, 116.3 + 0.05 * j) for i in range(4) for j in range(4)]
    X = [walk for c in centers for walk in random_walks(2, 30, c, seed=int(rng.integers(1e6)))]
    encoder = TrajectoryEncoder(backbone=TINY, max_epochs=3, random_state=0).fit(X)
    copies = [x[::2] + np.r_[0, 2e-4, 2e-4] * rng.normal(size=x[::2].shape) for x in X]
    original, copy = encoder.transform(X), encoder.transform(copies)
    distance = np.linalg.norm(original[:, None] - copy[None], axis=-1)
    own = np.diag(distance)
    others = distance[~np.eye(len(X), dtype=bool)].reshape(len(X), -1)
    assert (own < others.min(axis=1)).mean() > 0.8
    assert own.mean() < 0.5 * others.mean()


def test_masked_encoder_trains_and_embeds():
    X = random_walks(20)
    encoder = TrajectoryEncoder(backbone=TINY, objective="masked", max_epochs=2, random_state=0)
    embeddings = encoder.fit_transform(X)
    assert embeddings.shape == (20, 16) and np.isfinite(embeddings).all()
    assert encoder.get_feature_names_out()[0] == "trajectoryencoder0"


def test_classifier_tells_users_apart():
    X = random_walks(20, center=(39.9, 116.3), seed=0) + random_walks(
        20, center=(39.95, 116.4), seed=1
    )
    y = np.array(["u1"] * 20 + ["u2"] * 20)
    clf = TrajectoryClassifier(backbone=TINY, max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert clf.classes_.tolist() == ["u1", "u2"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) >= 0.9
    with pytest.raises(ValueError, match="requires y"):
        TrajectoryClassifier(backbone=TINY).fit(X, None)


def test_classifier_with_contrastive_pretraining():
    X = random_walks(16)
    clf = TrajectoryClassifier(backbone=TINY, objective="contrastive", max_epochs=2, random_state=0)
    clf.fit(X, np.arange(16) % 2)
    assert clf.pretrain_history_ is not None and len(clf.pretrain_history_) >= 1


def test_next_location_beats_the_most_frequent_cell_on_markov_mobility():
    train, test = markov_trajectories(60, seed=0), markov_trajectories(20, seed=1)
    model = NextLocationPredictor(
        tokenizer=GridTokenizer(cell_size=500),
        backbone=TINY,
        max_length=24,
        max_epochs=40,
        lr=5e-3,
        patience=None,
        random_state=0,
    ).fit(train)
    # Histories of every length; the truth is the cell of the next point.
    histories = [t[:end] for t in test for end in range(2, len(t))]
    truth = np.array(
        [
            model.tokenizer_.transform(t[end : end + 1])[0, 0]
            for t in test
            for end in range(2, len(t))
        ]
    )
    accuracy = (model.predict(histories) == truth).mean()
    ids = np.concatenate(model.tokenizer_.transform(train))
    most_frequent = (truth == np.bincount(ids).argmax()).mean()
    proba = model.predict_proba(histories)
    assert proba.shape == (len(histories), model.tokenizer_.n_tokens_)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.classes_.tolist() == list(range(model.tokenizer_.n_tokens_))
    assert accuracy > most_frequent + 0.3, (accuracy, most_frequent)
    assert model.score(histories, truth) == pytest.approx(accuracy)
    centers = model.predict_coordinates(histories[:5])
    assert centers.shape == (5, 2) and np.isfinite(centers).all()


def test_next_point_regression_returns_coordinates():
    train = markov_trajectories(30)
    model = NextPointRegressor(backbone=TINY, max_epochs=3, random_state=0)
    prediction = model.fit(train).predict(train[:4])
    assert prediction.shape == (4, 2) and prediction.dtype == np.float64
    assert np.abs(prediction - PLACES.mean(axis=0)).max() < 0.1  # in Beijing, not in scaled units
    assert not hasattr(model, "predict_proba") and not hasattr(model, "classes_")
    assert is_regressor(model) and not is_classifier(model)
    # R^2 against the true next points, and minus metres without them.
    truth = np.array([t[-1, 1:3] for t in train[:4]])
    assert model.score([t[:-1] for t in train[:4]], truth) <= 1.0
    assert model.score(train) < 0


def test_the_point_target_of_the_classifier_is_deprecated_but_still_regresses():
    train = markov_trajectories(10)
    model = NextLocationPredictor(target="point", backbone=TINY, max_epochs=1, random_state=0)
    with pytest.warns(FutureWarning, match="NextPointRegressor"):
        model.fit(train)
    expected = NextPointRegressor(backbone=TINY, max_epochs=1, random_state=0).fit(train)
    np.testing.assert_allclose(model.predict(train[:3]), expected.predict(train[:3]))


def test_sequence_estimators_refuse_2d_arrays_in_sklearn_tags():
    for cls in (TrajectoryEncoder, TrajectoryClassifier, NextLocationPredictor, NextPointRegressor):
        assert cls().__sklearn_tags__().input_tags.two_d_array is False
