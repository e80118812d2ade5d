"""Tests for sk_stfm.backbones: shapes, heads, decomposition, RevIN, registry."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from sk_stfm.backbones import (
    BackboneSpec,
    BaseBackbone,
    ByteDropout,
    DLinear,
    MLPBackbone,
    PatchTST,
    RevIN,
    TransformerEncoderLayer,
    _registry,
    compatible_backbones,
    get_backbone,
    list_backbones,
    register_backbone,
)
from sk_stfm.backbones._base import make_channel_map
from sk_stfm.backbones._dlinear import SeriesDecomposition
from sk_stfm.backbones._patchtst import count_patches
from sk_stfm.utils import STFMTags

T, N, C, H = 32, 3, 2, 8

# Small, fast settings; dropout 0 where a test needs exact, learnable maps.
FACTORIES = {
    "dlinear": lambda **kw: DLinear(T, N, C, H, kernel_size=5, **kw),
    "dlinear_individual": lambda **kw: DLinear(T, N, C, H, kernel_size=5, individual=True, **kw),
    "patchtst": lambda **kw: PatchTST(
        T,
        N,
        C,
        H,
        patch_len=8,
        stride=4,
        d_model=16,
        n_heads=2,
        n_layers=1,
        d_ff=32,
        dropout=0.0,
        **kw,
    ),
    "patchtst_prenorm": lambda **kw: PatchTST(
        T,
        N,
        C,
        H,
        patch_len=8,
        stride=4,
        d_model=16,
        n_heads=2,
        n_layers=1,
        d_ff=32,
        norm_first=True,
        revin_affine=True,
        **kw,
    ),
    "mlp": lambda **kw: MLPBackbone(T, N, C, H, hidden_sizes=(32,), dropout=0.0, **kw),
    "mlp_norevin": lambda **kw: MLPBackbone(T, N, C, H, hidden_sizes=(), revin=False, **kw),
}
CHANNEL_INDEPENDENT = ["dlinear", "dlinear_individual", "patchtst", "patchtst_prenorm"]


@pytest.fixture(autouse=True)
def _seeded():
    # Seed every test without leaking the global RNG state to other test files.
    with torch.random.fork_rng():
        torch.manual_seed(0)
        yield


def _windows(batch=4):
    return torch.randn(batch, T, N, C)


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("n_targets", [None, 1, 3])
def test_output_shape(name, n_targets):
    model = FACTORIES[name](n_targets=n_targets)
    assert isinstance(model, BaseBackbone)
    out = model(_windows(5))
    assert out.shape == (5, H, N, C if n_targets is None else n_targets)
    assert out.dtype == torch.float32
    assert model.n_targets == (C if n_targets is None else n_targets)


@pytest.mark.parametrize(
    "name, shape",
    [
        ("dlinear", (5, N, C, 2, T)),
        ("patchtst", (5, N, C, count_patches(T, 8, 4), 16)),
        ("mlp", (5, N, 32)),
        ("mlp_norevin", (5, N, T * C)),
    ],
)
def test_encode_shape(name, shape):
    assert FACTORIES[name]().encode(_windows(5)).shape == shape


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_wrong_input_shape_raises(name):
    model = FACTORIES[name]()
    with pytest.raises(ValueError, match="n_steps, n_nodes, n_channels"):
        model(torch.randn(2, T + 1, N, C))
    with pytest.raises(ValueError, match="expects input of shape"):
        model(torch.randn(T, N, C))


def test_invalid_hyperparameters():
    with pytest.raises(ValueError, match="must divide"):
        PatchTST(T, N, C, H, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="longer than"):
        PatchTST(4, N, C, H, patch_len=16, stride=8)
    with pytest.raises(ValueError, match="horizon"):
        DLinear(T, N, C, 0)
    with pytest.raises(TypeError, match="n_nodes"):
        MLPBackbone(T, 2.5, C, H)
    with pytest.raises(ValueError, match="dropout"):
        MLPBackbone(T, N, C, H, dropout=1.5)


# --------------------------------------------------------------------------- heads


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_reset_head_changes_horizon_and_outputs(name):
    model = FACTORIES[name]().eval()
    x = _windows(3)
    encoder_before = {k: v.clone() for k, v in model.state_dict().items() if "head" not in k}
    z_before = model.encode(x)
    old_head = model.head

    returned = model.reset_head(horizon=5, n_targets=1)
    assert returned is model
    assert model.head is not old_head
    assert model.horizon == 5 and model.n_targets == 1
    assert model(x).shape == (3, 5, N, 1)
    # The encoder is untouched: same weights, same representation.
    for key, value in model.state_dict().items():
        if key in encoder_before:
            torch.testing.assert_close(value, encoder_before[key])
    torch.testing.assert_close(model.encode(x), z_before)

    # n_targets=None keeps the current number of outputs.
    model.reset_head(horizon=7)
    assert model(x).shape == (3, 7, N, 1)


def test_reset_head_follows_dtype_of_encoder():
    model = FACTORIES["patchtst"]().double()
    model.reset_head(horizon=4, n_targets=3)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert model(_windows(2).double()).shape == (2, 4, N, 3)


def test_dlinear_head_is_the_two_linear_layers():
    model = DLinear(T, N, C, H)
    assert isinstance(model.head.seasonal, torch.nn.Linear)
    assert model.head.seasonal.weight.shape == (H, T)
    assert model.head.trend.weight.shape == (H, T)
    individual = DLinear(T, N, C, H, individual=True)
    assert individual.head.seasonal.weight.shape == (N * C, H, T)


def test_channel_map_starts_as_identity_on_first_channels():
    y = torch.randn(2, 4, 3, 5)
    torch.testing.assert_close(make_channel_map(5, 2)(y), y[..., :2])
    widened = make_channel_map(5, 7)(y)
    torch.testing.assert_close(widened[..., :5], y)
    assert torch.all(widened[..., 5:] == 0)
    assert isinstance(make_channel_map(3, 3), torch.nn.Identity)


# --------------------------------------------------------------------------- DLinear


def test_decomposition_trend_of_constant_is_constant():
    x = torch.full((2, 3, 40), 4.5)
    seasonal, trend = SeriesDecomposition(kernel_size=25)(x)
    torch.testing.assert_close(trend, x)
    torch.testing.assert_close(seasonal, torch.zeros_like(x))


@pytest.mark.parametrize("kernel_size", [5, 25])
def test_moving_average_of_ramp_is_exact_in_interior(kernel_size):
    ramp = torch.arange(60, dtype=torch.float32).reshape(1, 60)
    trend = SeriesDecomposition(kernel_size).moving_average(ramp)
    half = kernel_size // 2
    torch.testing.assert_close(trend[:, half:-half], ramp[:, half:-half])
    # Replicate padding pulls the ends towards the first / last value.
    assert trend[0, 0] > ramp[0, 0] and trend[0, -1] < ramp[0, -1]


@pytest.mark.parametrize("kernel_size", [4, 25, 80])
def test_decomposition_keeps_length(kernel_size):
    x = torch.randn(3, 2, 30)
    seasonal, trend = SeriesDecomposition(kernel_size)(x)
    assert seasonal.shape == trend.shape == x.shape
    torch.testing.assert_close(seasonal + trend, x)


# --------------------------------------------------------------------------- RevIN


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("subtract_last", [False, True])
def test_revin_round_trip(affine, subtract_last):
    revin = RevIN(C, affine=affine, subtract_last=subtract_last)
    if affine:
        with torch.no_grad():
            revin.affine_weight.copy_(torch.tensor([2.0, 0.5]))
            revin.affine_bias.copy_(torch.tensor([-1.0, 3.0]))
    x = 100 + 20 * torch.randn(4, T, N, C)
    z, stats = revin.normalize(x)
    torch.testing.assert_close(revin.denormalize(z, stats), x, rtol=1e-5, atol=1e-3)
    # Stateful form of the reference implementation.
    torch.testing.assert_close(revin(revin(x, "norm"), "denorm"), x, rtol=1e-5, atol=1e-3)


def test_revin_normalizes_each_series_over_time():
    x = 5 + 3 * torch.randn(4, 64, N, C)
    z, (center, scale) = RevIN(C, affine=False).normalize(x)
    assert center.shape == scale.shape == (4, 1, N, C)
    torch.testing.assert_close(z.mean(dim=1), torch.zeros(4, N, C), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.std(dim=1, unbiased=False), torch.ones(4, N, C), atol=1e-3, rtol=0)


def test_revin_denorm_before_norm_raises():
    with pytest.raises(RuntimeError, match="norm"):
        RevIN(1)(torch.zeros(1, 2, 1), mode="denorm")


def test_revin_makes_patchtst_scale_equivariant():
    model = FACTORIES["patchtst"]().eval()
    x = _windows(2)
    torch.testing.assert_close(model(10 * x + 3), 10 * model(x) + 3, rtol=1e-4, atol=1e-3)


# --------------------------------------------------------------------------- PatchTST


@pytest.mark.parametrize(
    "n_steps, patch_len, stride", [(336, 16, 8), (512, 16, 8), (96, 16, 8), (32, 8, 4), (30, 7, 3)]
)
def test_patchtst_n_patches_formula(n_steps, patch_len, stride):
    expected = (n_steps - patch_len) // stride + 1 + 1  # +1 for the end padding
    model = PatchTST(n_steps, 1, 1, 4, patch_len=patch_len, stride=stride, n_layers=1)
    assert model.n_patches == expected
    patches = model.patch(torch.randn(2, n_steps, 1, 1))
    assert patches.shape == (2, expected, patch_len)
    no_padding = PatchTST(n_steps, 1, 1, 4, patch_len=patch_len, stride=stride, padding_patch=None)
    assert no_padding.n_patches == expected - 1
    assert count_patches(336, 16, 8) == 42


def test_patchtst_patches_repeat_last_value():
    model = PatchTST(32, 2, 1, 4, patch_len=8, stride=4)
    x = torch.arange(64, dtype=torch.float32).reshape(1, 32, 2, 1)
    patches = model.patch(x)  # series ordered (batch, node, channel)
    series_node1 = x[0, :, 1, 0]
    torch.testing.assert_close(patches[1, 0], series_node1[:8])
    torch.testing.assert_close(
        patches[1, -1], torch.cat((series_node1[-4:], series_node1[-1:].repeat(4)))
    )


def test_patchtst_defaults_match_official_etth1_config():
    model = PatchTST(336, 1, 7, 96)
    layer = model.encoder[0]
    assert (model.patch_len, model.stride, model.d_model) == (16, 8, 16)
    assert len(model.encoder) == 3
    assert layer.n_heads == 4
    assert layer.linear1.out_features == 128
    assert layer.dropout_ff.p == 0.3
    assert layer.attn_dropout.p == 0.0
    assert model.head.dropout.p == 0.0
    assert model.head.linear.in_features == 42 * 16
    assert model.revin is not None and not model.revin.affine


# --------------------------------------------------------------------------- independence


@pytest.mark.parametrize("name", CHANNEL_INDEPENDENT + ["mlp"])
def test_nodes_are_independent(name):
    model = FACTORIES[name]().eval()
    x = _windows(3)
    perturbed = x.clone()
    perturbed[:, :, 1, 0] += torch.randn(3, T)
    out, out_perturbed = model(x), model(perturbed)
    torch.testing.assert_close(out_perturbed[:, :, 0], out[:, :, 0], rtol=0, atol=1e-6)
    torch.testing.assert_close(out_perturbed[:, :, 2], out[:, :, 2], rtol=0, atol=1e-6)
    assert not torch.allclose(out_perturbed[:, :, 1], out[:, :, 1])


@pytest.mark.parametrize("name", CHANNEL_INDEPENDENT)
def test_channels_are_independent(name):
    model = FACTORIES[name]().eval()
    x = _windows(3)
    perturbed = x.clone()
    perturbed[:, :, 1, 0] += torch.randn(3, T)
    out, out_perturbed = model(x), model(perturbed)
    torch.testing.assert_close(out_perturbed[:, :, 1, 1], out[:, :, 1, 1], rtol=0, atol=1e-6)
    assert not torch.allclose(out_perturbed[:, :, 1, 0], out[:, :, 1, 0])


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_eval_forward_is_deterministic_and_batch_independent(name):
    model = FACTORIES[name]().eval()
    x = _windows(6)
    with torch.no_grad():
        first, second = model(x), model(x)
        head_only = model(x[:2])
    assert torch.equal(first, second)
    torch.testing.assert_close(head_only, first[:2], rtol=1e-5, atol=1e-6)


def test_dropout_is_active_in_train_mode():
    model = PatchTST(T, N, C, H, patch_len=8, stride=4, n_layers=1, dropout=0.5).train()
    x = _windows(2)
    assert not torch.equal(model(x), model(x))


# --------------------------------------------------------------------------- learning


def _sine_dataset(n_windows=64):
    rng = np.random.default_rng(0)
    t = np.arange(n_windows + T + H, dtype=np.float32)
    period = rng.uniform(8, 20, size=(N, C)).astype(np.float32)
    phase = rng.uniform(0, 2 * math.pi, size=(N, C)).astype(np.float32)
    level = rng.uniform(-3, 3, size=(N, C)).astype(np.float32)
    series = level + np.sin(2 * math.pi * t[:, None, None] / period + phase)
    X = np.stack([series[i : i + T] for i in range(n_windows)])
    y = np.stack([series[i + T : i + T + H] for i in range(n_windows)])
    return torch.from_numpy(X), torch.from_numpy(y)


@pytest.mark.parametrize("name", ["dlinear", "dlinear_individual", "patchtst", "mlp"])
def test_backbone_overfits_tiny_sine_dataset(name):
    X, y = _sine_dataset()
    model = FACTORIES[name]()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        mse = torch.nn.functional.mse_loss(model.eval()(X), y).item()
    naive = torch.nn.functional.mse_loss(y.mean(dim=0, keepdim=True).expand_as(y), y).item()
    assert mse < 0.05 * naive, (mse, naive)


# --------------------------------------------------------------------------- registry


def test_get_backbone_returns_spec():
    spec = get_backbone("patchtst")
    assert isinstance(spec, BackboneSpec)
    assert spec.cls is PatchTST
    assert spec.tags.dependencies == ("temporal",)
    assert "graph" in spec.tags.data_kinds and "forecasting" in spec.tags.tasks
    assert spec.tags.requires == ()
    assert get_backbone("dlinear").cls is DLinear
    assert get_backbone("mlp").cls is MLPBackbone
    with pytest.raises(AttributeError):
        spec.name = "other"  # frozen


def test_unknown_backbone_error_lists_names():
    with pytest.raises(ValueError, match="Unknown backbone 'nope'") as excinfo:
        get_backbone("nope")
    for name in ("dlinear", "mlp", "patchtst"):
        assert name in str(excinfo.value)
    with pytest.raises(ValueError, match="Did you mean 'patchtst'"):
        get_backbone("patchtsst")


def test_list_backbones_filters():
    builtins = {"dlinear", "mlp", "patchtst"}
    assert builtins <= set(list_backbones())
    assert builtins <= set(list_backbones(data_kind="grid", task="imputation"))
    assert builtins.isdisjoint(list_backbones(data_kind="video"))
    assert builtins.isdisjoint(list_backbones(dependency="spatial"))
    assert builtins <= set(list_backbones(task="generation"))
    assert list_backbones() == sorted(list_backbones())
    with pytest.raises(ValueError, match="data_kind must be one of"):
        list_backbones(data_kind="graphs")


def test_list_backbones_as_frame():
    frame = list_backbones(as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "name",
        "data_kinds",
        "dependencies",
        "tasks",
        "requires",
        "capabilities",
        "description",
    ]
    row = frame.set_index("name").loc["dlinear"]
    assert row["dependencies"] == ("temporal",)
    assert "DLinear" in row["description"]


@pytest.fixture
def registry_copy(monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))


def test_compatible_backbones_filters_by_requires(registry_copy):
    register_backbone(
        "toy_graph",
        DLinear,
        STFMTags(data_kinds=("graph",), dependencies=("spatio-temporal",), requires=("adjacency",)),
        "needs an adjacency",
    )
    assert "toy_graph" in list_backbones(data_kind="graph")
    without = compatible_backbones("graph", "forecasting")
    assert "toy_graph" not in without and {"dlinear", "mlp", "patchtst"} <= set(without)
    assert "toy_graph" in compatible_backbones("graph", "forecasting", available=("adjacency",))
    assert "toy_graph" in compatible_backbones("graph", "forecasting", available="adjacency")
    assert "toy_graph" not in compatible_backbones(
        "series", "forecasting", available=("adjacency",)
    )
    assert "toy_graph" not in compatible_backbones("graph", "imputation", available=("adjacency",))


def test_register_backbone_validates(registry_copy):
    with pytest.raises(ValueError, match="already registered"):
        register_backbone("dlinear", DLinear, STFMTags(), "duplicate")
    register_backbone("dlinear", MLPBackbone, STFMTags(), "replaced", overwrite=True)
    assert get_backbone("dlinear").cls is MLPBackbone
    with pytest.raises(TypeError, match="nn.Module"):
        register_backbone("bad", object, STFMTags(), "not a module")
    with pytest.raises(TypeError, match="STFMTags"):
        register_backbone("bad", DLinear, {"data_kinds": ("series",)}, "bad tags")


def test_registry_copy_fixture_restores_registry():
    assert get_backbone("dlinear").cls is DLinear
    assert "toy_graph" not in list_backbones()


def test_byte_dropout_drops_at_the_rounded_rate_and_keeps_the_mean():
    torch.manual_seed(0)
    layer = ByteDropout(0.3).train()
    out = layer(torch.ones(200_000))
    dropped = (out == 0).float().mean().item()
    assert abs(dropped - 77 / 256) < 0.005
    assert abs(out.mean().item() - 1.0) < 0.01
    assert torch.equal(layer.eval()(torch.ones(5)), torch.ones(5))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch_transformer_layer(norm_first):
    """Same mathematics as nn.TransformerEncoderLayer, weights copied over."""
    torch.manual_seed(0)
    ours = TransformerEncoderLayer(16, 4, 32, dropout=0.0, norm_first=norm_first).eval()
    reference = torch.nn.TransformerEncoderLayer(
        16, 4, 32, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm_first
    ).eval()
    with torch.no_grad():
        reference.self_attn.in_proj_weight.copy_(ours.qkv.weight)
        reference.self_attn.in_proj_bias.copy_(ours.qkv.bias)
        reference.self_attn.out_proj.weight.copy_(ours.out_proj.weight)
        reference.self_attn.out_proj.bias.copy_(ours.out_proj.bias)
        for name in ("linear1", "linear2", "norm1", "norm2"):
            getattr(reference, name).load_state_dict(getattr(ours, name).state_dict())
    x = torch.randn(5, 7, 16)
    torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-5)
