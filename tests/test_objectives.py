"""Training objectives: regression and masked pre-training."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sk_stfm.backbones import MLPBackbone
from sk_stfm.data import make_windows
from sk_stfm.datasets import make_seasonal_series
from sk_stfm.estimators import PatchTSTConfig, STForecaster
from sk_stfm.objectives import (
    AUGMENTATIONS,
    Contrastive,
    InfoNCELoss,
    Masked,
    MaskedReconstruction,
    MaskedReconstructionLoss,
    MultiObjective,
    Regression,
    augment,
    interpolate_hidden,
    resolve_objective,
)

TINY_PATCHTST = PatchTSTConfig(patch_len=8, stride=8, d_model=8, n_heads=2, n_layers=1, d_ff=16)


@pytest.fixture(scope="module")
def windows():
    data = make_seasonal_series(n_steps=700, n_channels=2, periods=(24,), random_state=0)
    X, y = make_windows(data, history=48, horizon=12)
    return X[:500], y[:500], X[560:], y[560:]


class _Identity(torch.nn.Module):
    def forward(self, x):
        return x


def test_reconstruction_hides_whole_patches_and_interpolates_them():
    torch.manual_seed(0)
    model = MaskedReconstruction(_Identity(), mask_ratio=0.5, patch_len=4)
    x = torch.arange(2 * 16 * 3 * 2, dtype=torch.float32).reshape(2, 16, 3, 2)
    seen, hidden = model(x)
    # Patches are hidden for all channels of a node together, 4 steps at a time.
    assert torch.equal(hidden[..., 0], hidden[..., 1])
    assert torch.equal(hidden[:, ::4], hidden[:, 3::4])
    visible = ~hidden
    torch.testing.assert_close(seen[hidden], interpolate_hidden(x, hidden)[hidden])
    torch.testing.assert_close(seen[visible], x[visible])
    # Hidden steps between visible ones lie on the line joining them.
    series = torch.arange(8.0).reshape(1, 8, 1, 1)
    gaps = torch.zeros_like(series, dtype=torch.bool)
    gaps[:, 2:5] = True
    torch.testing.assert_close(model.reconstruct(series, gaps), series)


def test_reconstruction_hides_about_the_mask_ratio():
    torch.manual_seed(0)
    model = MaskedReconstruction(_Identity(), mask_ratio=0.3, patch_len=2)
    _, hidden = model(torch.zeros(256, 40, 4, 1))
    assert abs(hidden.float().mean().item() - 0.3) < 0.02


def test_reconstruction_loss_counts_hidden_observed_entries_only():
    reconstruction = torch.zeros(4)
    hidden = torch.tensor([True, True, False, True])
    target = torch.tensor([2.0, float("nan"), 100.0, 4.0])
    loss = MaskedReconstructionLoss("mse")((reconstruction, hidden), target)
    assert loss.item() == pytest.approx((4.0 + 16.0) / 2)


def test_masked_pretraining_learns_to_reconstruct(windows):
    X, y, _, _ = windows
    model = STForecaster(
        backbone=TINY_PATCHTST,
        objective=Masked(patch_len=8, pretrain_epochs=6),
        max_epochs=1,
        lr=3e-3,
        random_state=0,
    ).fit(X, y)
    losses = model.pretrain_history_[:, "valid_loss"]
    assert len(losses) >= 3
    assert min(losses) < 0.7 * losses[0]


def test_masked_forecaster_beats_repeating_the_last_value(windows):
    X, y, X_test, y_test = windows
    model = STForecaster(
        backbone=TINY_PATCHTST,
        objective=Masked(patch_len=8, pretrain_epochs=3),
        max_epochs=4,
        lr=3e-3,
        random_state=0,
    ).fit(X, y)
    naive = np.mean((np.repeat(X_test[:, -1:], y.shape[1], axis=1) - y_test) ** 2)
    assert np.mean((model.predict(X_test) - y_test) ** 2) < 0.5 * naive


def _encoder_state(model):
    return {
        k: v.clone()
        for k, v in model.net_.module_.state_dict().items()
        if not k.startswith(("head.", "channel_map."))
    }


@pytest.mark.parametrize("finetune", ["head", "frozen"])
def test_head_finetuning_leaves_the_encoder_as_pretrained(windows, finetune):
    X, y, _, _ = windows
    states = []
    for epochs in (1, 3):
        model = STForecaster(
            backbone=TINY_PATCHTST,
            objective=Masked(patch_len=8, pretrain_epochs=2, finetune=finetune),
            max_epochs=epochs,
            patience=None,
            random_state=0,
        ).fit(X, y)
        states.append((_encoder_state(model), model.net_.module_.head.linear.weight.clone()))
    (encoder_1, head_1), (encoder_3, head_3) = states
    assert not torch.equal(head_1, head_3)
    for key, value in encoder_1.items():
        if finetune == "head" and "running" in key or key.endswith("num_batches_tracked"):
            continue  # "head" keeps the encoder's weights, not its batch statistics
        torch.testing.assert_close(value, encoder_3[key], msg=key)


def test_masked_model_round_trips_through_pickle_and_save(windows, tmp_path):
    X, y, X_test, _ = windows
    model = STForecaster(
        backbone=TINY_PATCHTST,
        objective=Masked(patch_len=8, pretrain_epochs=1, finetune="frozen"),
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    expected = model.predict(X_test)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X_test), expected)
    loaded = STForecaster.load(model.save(tmp_path / "masked.pt"))
    np.testing.assert_array_equal(loaded.predict(X_test), expected)
    assert loaded.get_params()["objective__finetune"] == "frozen"


def test_grid_search_over_objectives(windows):
    X, y, _, _ = windows
    search = GridSearchCV(
        STForecaster(backbone=TINY_PATCHTST, max_epochs=1, random_state=0),
        {"objective": [Regression(), Masked(patch_len=8, pretrain_epochs=1)]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X[:200], y[:200])
    assert set(search.cv_results_["param_objective"].astype(str)) == {
        "Regression()",
        "Masked(patch_len=8, pretrain_epochs=1)",
    }


def test_objective_shortcuts_and_errors():
    assert isinstance(resolve_objective("masked"), Masked)
    assert isinstance(resolve_objective(None), Regression)
    with pytest.raises(ValueError, match="objective must be one of"):
        resolve_objective("contrastive-ish")
    with pytest.raises(TypeError, match="objective"):
        resolve_objective(3)
    with pytest.raises(ValueError, match="finetune"):
        Masked(finetune="some").make_criterion()


def test_short_windows_mask_in_chunks_of_their_length():
    backbone = MLPBackbone(4, 1, 1, horizon=2)
    module, _ = Masked(patch_len=16).make_pretext(backbone)
    assert module.patch_len == 4
    assert backbone.horizon == 4  # the pretext head outputs the whole window


# ------------------------------------------------------------------ contrastive
def test_augmentations_keep_shape_and_change_the_window():
    torch.manual_seed(0)
    x = torch.randn(8, 32, 3, 2)
    for name in AUGMENTATIONS:
        view = augment(x, (name,))
        assert view.shape == x.shape
        assert not torch.equal(view, x), name
    single_node = torch.randn(8, 32, 1, 2)
    assert torch.equal(augment(single_node, ("node_drop",)), single_node)
    with pytest.raises(ValueError, match="augmentations"):
        augment(x, ("rotate",))


def test_crop_stretches_a_sub_window_of_a_ramp():
    torch.manual_seed(0)
    ramp = torch.arange(20.0).reshape(1, 20, 1, 1).repeat(4, 1, 1, 1)
    view = augment(ramp, ("crop",))
    steps = view[:, 1:, 0, 0] - view[:, :-1, 0, 0]
    assert torch.all(steps > 0)  # still increasing: a stretched sub-window
    assert torch.all(view >= 0) and torch.all(view <= 19)
    assert torch.all(view[:, -1, 0, 0] - view[:, 0, 0, 0] >= 0.6 * 19 - 1e-4)


def test_info_nce_prefers_matching_views():
    z = torch.randn(16, 8)
    loss = InfoNCELoss(temperature=0.1)
    assert loss((z, z), None) < loss((z, z.roll(1, dims=0)), None)


def test_contrastive_pretraining_lowers_its_loss(windows):
    X, y, _, _ = windows
    model = STForecaster(
        backbone=TINY_PATCHTST,
        objective=Contrastive(augmentations=("jitter", "crop"), pretrain_epochs=6),
        max_epochs=1,
        lr=3e-3,
        batch_size=64,
        random_state=0,
    ).fit(X, y)
    losses = model.pretrain_history_[:, "train_loss"]
    chance = np.log(64)  # InfoNCE of embeddings that cannot tell windows apart
    assert losses[0] < chance
    assert min(losses[1:]) < losses[0] - 0.1
    assert model.net_.module_.head.linear.out_features == y.shape[1]


def test_multi_objective_sums_weighted_pretext_losses(windows):
    X, y, X_test, y_test = windows
    objective = MultiObjective(
        [(Masked(patch_len=8), 1.0), (Contrastive(augmentations=("jitter",)), 0.5)],
        pretrain_epochs=2,
    )
    module, criterion = objective.make_pretext(TINY_PATCHTST.build(48, 1, 2, horizon=12))
    assert criterion.weights == [1.0, 0.5]
    torch.manual_seed(0)
    x = torch.as_tensor(np.ascontiguousarray(X[:32]), dtype=torch.float32)
    outputs = module(x)
    parts = [c(o, x) for c, o in zip(criterion.criteria, outputs, strict=True)]
    torch.manual_seed(0)
    torch.testing.assert_close(criterion(module(x), x), parts[0] + 0.5 * parts[1])
    model = STForecaster(
        backbone=TINY_PATCHTST, objective=objective, max_epochs=3, lr=3e-3, random_state=0
    ).fit(X, y)
    naive = np.mean((np.repeat(X_test[:, -1:], y.shape[1], axis=1) - y_test) ** 2)
    assert np.mean((model.predict(X_test) - y_test) ** 2) < 0.5 * naive


@pytest.mark.parametrize(
    "objectives, error",
    [
        ([], ValueError),
        ([(Masked(), 0.0)], ValueError),
        ([(Regression(), 1.0)], TypeError),
        ([Masked()], ValueError),
    ],
)
def test_multi_objective_rejects_bad_components(objectives, error):
    with pytest.raises(error):
        MultiObjective(objectives).make_pretext(TINY_PATCHTST.build(48, 1, 2, horizon=12))
