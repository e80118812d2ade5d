"""Spatio-temporal backbones: graph operators, Graph WaveNet, T-GCN, STID, ST-Transformer."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sk_stfm.backbones import (
    STID,
    TGCN,
    ConvLSTM,
    GraphWaveNet,
    LowRankAdjacency,
    SimVP,
    SparseOperator,
    STPatchTransformer,
    STTransformer,
    compatible_backbones,
    get_backbone,
    normalized_adjacency,
)
from sk_stfm.backbones._stid import cycle_index
from sk_stfm.data import make_windows, temporal_split
from sk_stfm.datasets import make_graph_signal
from sk_stfm.estimators import (
    ConvLSTMConfig,
    GraphWaveNetConfig,
    SimVPConfig,
    STForecaster,
    STIDConfig,
    STPatchTransformerConfig,
    STTransformerConfig,
    TGCNConfig,
    resolve_spatial,
)
from sk_stfm.harmonize import calendar_features
from sk_stfm.metrics import masked_mse

SPATIAL = ["gwnet", "tgcn", "stid", "st_transformer"]


def path_graph(n):
    return np.eye(n, k=1) + np.eye(n, k=-1)


def tiny(name, **extra):
    """Small instances of each backbone for windows (B, 12, n_nodes, 2)."""
    builders = {
        "gwnet": lambda: GraphWaveNet(
            12,
            extra.get("n", 6),
            2,
            3,
            1,
            adjacency=extra.get("adjacency"),
            residual_channels=8,
            dilation_channels=8,
            skip_channels=8,
            end_channels=8,
            dropout=0.0,
        ),
        "tgcn": lambda: TGCN(
            12, extra.get("n", 6), 2, 3, 1, adjacency=extra.get("adjacency"), hidden_size=8
        ),
        "stid": lambda: STID(12, extra.get("n", 6), 2, 3, 1, embed_dim=8, node_dim=4),
        "st_transformer": lambda: STTransformer(
            12,
            extra.get("n", 6),
            2,
            3,
            1,
            adjacency=extra.get("adjacency"),
            laplacian_dim=2,
            d_model=8,
            n_heads=2,
            d_ff=16,
            dropout=0.0,
        ),
    }
    return builders[name]()


# ------------------------------------------------------------------ operators
def test_normalized_adjacency_forms():
    weights = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    forward = normalized_adjacency(weights, "forward", self_loops=False).toarray()
    np.testing.assert_allclose(forward.sum(axis=1), 1.0)
    backward = normalized_adjacency(weights, "backward", self_loops=False).toarray()
    np.testing.assert_allclose(backward, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    symmetric = normalized_adjacency(weights).toarray()
    np.testing.assert_allclose(symmetric, symmetric.T)
    # Self loops added where the diagonal is below 1, kept where larger.
    assert np.all(np.diag(symmetric) > 0)
    with pytest.raises(ValueError, match="normalization"):
        normalized_adjacency(weights, "left")
    with pytest.raises(ValueError, match="square"):
        normalized_adjacency(np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        normalized_adjacency(-np.eye(2))


def test_isolated_nodes_get_zero_rows_not_nan():
    operator = normalized_adjacency(np.zeros((3, 3)), "forward", self_loops=False)
    assert operator.nnz == 0
    out = SparseOperator(operator)(torch.ones(3, 2))
    assert torch.equal(out, torch.zeros(3, 2))


def test_sparse_operator_matches_dense_product_and_gradients():
    rng = np.random.default_rng(0)
    matrix = sp.random_array((7, 7), density=0.3, random_state=0, format="csr")
    operator = SparseOperator(matrix)
    x = torch.tensor(rng.normal(size=(7, 3, 2)), dtype=torch.float32, requires_grad=True)
    out = operator(x)
    expected = torch.einsum("ij,jbc->ibc", torch.tensor(matrix.toarray()).float(), x)
    torch.testing.assert_close(out, expected)
    out.sum().backward()
    torch.testing.assert_close(x.grad[:, 0, 0], torch.tensor(matrix.toarray().sum(axis=0)).float())
    assert operator.n_edges == matrix.nnz
    assert operator.double()(x.double().detach()).dtype == torch.float64
    with pytest.raises(ValueError, match="7 nodes"):
        operator(torch.ones(6, 2))


def test_low_rank_adjacency_is_row_stochastic_and_linear_in_nodes():
    adaptive = LowRankAdjacency(50, rank=4)
    dense = adaptive.dense()
    assert torch.all(dense >= 0)
    torch.testing.assert_close(dense.sum(dim=1), torch.ones(50))
    x = torch.randn(50, 6)
    torch.testing.assert_close(adaptive(x), dense @ x, atol=1e-5, rtol=1e-5)
    # Parameters grow with nodes x rank, not nodes².
    assert sum(p.numel() for p in adaptive.parameters()) == 2 * 50 * 4


# ------------------------------------------------------------------ backbones
@pytest.mark.parametrize("name", SPATIAL)
def test_shapes_encode_and_reset_head(name):
    model = tiny(name, adjacency=path_graph(6))
    x = torch.randn(4, 12, 6, 2)
    assert model(x).shape == (4, 3, 6, 1)
    assert model.embed(x).shape[:2] == (4, 6)
    model.reset_head(5, 2)
    assert model(x).shape == (4, 5, 6, 2)
    with pytest.raises(ValueError, match="n_steps, n_nodes, n_channels"):
        model(torch.randn(4, 12, 5, 2))


@pytest.mark.parametrize("name", ["gwnet", "tgcn", "st_transformer"])
def test_graph_buffers_stay_out_of_the_state_dict(name):
    """Weights fitted on one graph load into the same model on another graph."""
    first = tiny(name, adjacency=path_graph(6))
    other = np.ones((6, 6)) - np.eye(6)
    second = tiny(name, adjacency=other)
    assert not any(key.endswith(("indices", "values", "laplacian")) for key in first.state_dict())
    second.load_state_dict(first.state_dict())
    x = torch.randn(2, 12, 6, 2)
    first.eval(), second.eval()
    assert not torch.allclose(first(x), second(x))  # same weights, other graph


def _influence(model, source, n_nodes=6):
    """Whether perturbing node ``source`` changes each node's output."""
    model.eval()
    x = torch.randn(1, 12, n_nodes, 2)
    moved = x.clone()
    moved[:, :, source] += 1.0
    with torch.no_grad():
        change = (model(moved) - model(x)).abs().sum(dim=(0, 1, 3))
    return (change > 0).numpy()


def test_gwnet_graph_convolution_reaches_neighbours_only():
    # Seeded, and wide enough that the head's ReLUs cannot all be off at a
    # reached node by chance.
    torch.manual_seed(0)
    # One layer, diffusion order 1, no learned adjacency: one hop on a path.
    model = GraphWaveNet(
        12,
        6,
        2,
        3,
        1,
        adjacency=path_graph(6),
        adaptive=False,
        n_blocks=1,
        n_layers=1,
        diffusion_order=1,
        residual_channels=4,
        dilation_channels=4,
        skip_channels=4,
        end_channels=4,
    )
    # The skip path reads the gated convolution before the graph convolution,
    # and the output is the skip sum: with one layer, information reaches the
    # output through the node itself only.
    assert _influence(model, 0).tolist() == [True, False, False, False, False, False]
    deeper = GraphWaveNet(
        12,
        6,
        2,
        3,
        1,
        adjacency=path_graph(6),
        adaptive=False,
        n_blocks=1,
        n_layers=2,
        diffusion_order=1,
        residual_channels=8,
        dilation_channels=8,
        skip_channels=16,
        end_channels=32,
    )
    assert _influence(deeper, 0).tolist() == [True, True, False, False, False, False]


def test_gwnet_without_adjacency_learns_one_and_mixes_all_nodes():
    torch.manual_seed(0)
    model = GraphWaveNet(
        12,
        6,
        2,
        3,
        1,
        adjacency=None,
        residual_channels=4,
        dilation_channels=4,
        skip_channels=4,
        end_channels=4,
        n_blocks=1,
    )
    assert len(model.supports) == 0
    assert _influence(model, 0).all()
    with pytest.raises(ValueError, match="adaptive=True"):
        GraphWaveNet(12, 6, 2, 3, adjacency=None, adaptive=False)


def test_gwnet_diffusion_by_horner_equals_the_mix_of_concatenated_powers():
    torch.manual_seed(0)
    model = GraphWaveNet(
        8,
        6,
        2,
        2,
        adjacency=path_graph(6),
        diffusion_order=3,
        residual_channels=4,
        dilation_channels=5,
        n_blocks=1,
        n_layers=1,
    )
    layer, operators = model.layers[0], model._operators()
    h = torch.randn(6, 3, 7, 5)
    terms = [h]
    for operator in operators:
        current = h
        for _ in range(3):
            current = operator(current)
            terms.append(current)
    expected = layer.mix(torch.cat(terms, dim=-1))
    torch.testing.assert_close(layer._diffuse(h, operators), expected, atol=1e-5, rtol=1e-5)


def test_gwnet_pads_short_windows_and_flattens_long_ones():
    short = GraphWaveNet(4, 3, 1, 2, adjacency=path_graph(3), n_blocks=2)
    assert short.receptive_field == 7 and short.n_out_steps == 1
    assert short(torch.randn(2, 4, 3, 1)).shape == (2, 2, 3, 1)
    long = GraphWaveNet(20, 3, 1, 2, adjacency=path_graph(3), n_blocks=1, skip_channels=4)
    assert long.n_out_steps == 20 - 4 + 1
    assert long.encode(torch.randn(2, 20, 3, 1)).shape == (2, 3, 4 * 17)


def test_tgcn_propagates_along_edges_and_is_a_shared_gru_without_them():
    torch.manual_seed(0)
    with_graph = TGCN(12, 6, 2, 3, 1, adjacency=path_graph(6), hidden_size=4)
    reach = _influence(with_graph, 0)
    # Two graph convolutions per step over 12 steps reach the whole path.
    assert reach.all()
    one_step = TGCN(1, 6, 2, 3, 1, adjacency=path_graph(6), hidden_size=4)
    model_input = torch.randn(1, 1, 6, 2)
    moved = model_input.clone()
    moved[:, :, 0] += 1
    one_step.eval()
    with torch.no_grad():
        change = (one_step(moved) - one_step(model_input)).abs().sum(dim=(0, 1, 3)).numpy()
    assert (change > 0).tolist() == [True, True, False, False, False, False]
    alone = TGCN(12, 6, 2, 3, 1, adjacency=None, hidden_size=4)
    assert _influence(alone, 2).tolist() == [False, False, True, False, False, False]


def test_cycle_index_round_trips_calendar_features():
    times = np.datetime64("2012-03-01T00:00") + np.arange(0, 288 * 2) * np.timedelta64(5, "m")
    encoded = torch.tensor(calendar_features(times, ("time_of_day", "day_of_week")))
    slots = cycle_index(encoded[:, 0].float(), encoded[:, 1].float(), 288)
    np.testing.assert_array_equal(slots.numpy(), np.tile(np.arange(288), 2))
    days = cycle_index(encoded[:, 2].float(), encoded[:, 3].float(), 7)
    assert set(days.tolist()) == {3, 4}  # Thursday and Friday


def test_stid_embeds_time_of_day_from_the_last_step():
    model = STID(
        4,
        2,
        3,
        1,
        1,
        time_of_day_channels=(1, 2),
        steps_per_day=24,
        embed_dim=4,
        node_dim=0,
    ).eval()
    assert model.value_channels == (0,)
    x = torch.zeros(2, 4, 2, 3)
    angle = 2 * math.pi * torch.tensor([3.0, 15.0]) / 24
    x[:, -1, :, 1] = angle.sin()[:, None]
    x[:, -1, :, 2] = angle.cos()[:, None]
    with torch.no_grad():
        out = model(x)
    # Same values, different hour: different forecasts.
    assert not torch.allclose(out[0], out[1])
    with pytest.raises(ValueError, match="time_of_day_channels"):
        STID(4, 2, 3, 1, time_of_day_channels=(1, 3))
    with pytest.raises(ValueError, match="value channel"):
        STID(4, 2, 2, 1, time_of_day_channels=(0, 1))


def test_st_transformer_laplacian_positions_break_node_symmetry():
    x = torch.randn(1, 12, 6, 2)
    x[:, :, 1] = x[:, :, 0]  # two nodes with identical histories
    plain = tiny("st_transformer", adjacency=None).eval()
    with torch.no_grad():
        out = plain(x)
    torch.testing.assert_close(out[:, :, 0], out[:, :, 1])
    positioned = tiny("st_transformer", adjacency=path_graph(6)).eval()
    with torch.no_grad():
        out = positioned(x)
    assert not torch.allclose(out[:, :, 0], out[:, :, 1])


def test_registry_tags_of_spatial_backbones():
    graph_models = compatible_backbones("graph", "forecasting", available=("adjacency",))
    assert set(SPATIAL) <= set(graph_models)
    for name in SPATIAL:
        tags = get_backbone(name).tags
        assert "graph" in tags.data_kinds and "grid" in tags.data_kinds
        assert "learned_encoder" in tags.capabilities
    assert "spatio-temporal" in get_backbone("gwnet").tags.dependencies


# ------------------------------------------------------------------ estimators
CONFIGS = {
    "gwnet": GraphWaveNetConfig(
        residual_channels=16,
        dilation_channels=16,
        skip_channels=32,
        end_channels=32,
        n_blocks=2,
        dropout=0.0,
    ),
    "tgcn": TGCNConfig(hidden_size=16),
    "stid": STIDConfig(embed_dim=16, node_dim=8, dropout=0.0),
    "st_transformer": STTransformerConfig(d_model=16, n_heads=2, n_layers=1, d_ff=32),
}


@pytest.fixture(scope="module")
def graph_windows():
    data = make_graph_signal(n_nodes=8, n_steps=700, diffusion=0.8, noise=0.05, random_state=0)
    train, _, test = temporal_split(data, 0.8, 0.0, 0.2)
    X, y = make_windows(train, history=12, horizon=3)
    X_test, y_test = make_windows(test, history=12, horizon=3)
    return data, X, y, X_test, y_test


@pytest.mark.parametrize("name", SPATIAL)
def test_forecasters_beat_last_value_on_a_diffusing_graph_signal(name, graph_windows):
    data, X, y, X_test, y_test = graph_windows
    model = STForecaster(
        backbone=CONFIGS[name],
        spatial=data,
        max_epochs=30,
        lr=3e-3,
        batch_size=32,
        random_state=0,
    ).fit(X, y)
    mse = masked_mse(y_test, model.predict(X_test))
    last_value = masked_mse(y_test, np.repeat(X_test[:, -1:], 3, axis=1))
    assert mse < 0.8 * last_value, (mse, last_value)


def test_spatial_context_reaches_the_backbone(graph_windows):
    data, X, y, _, _ = graph_windows
    fitted = STForecaster(backbone=CONFIGS["gwnet"], spatial=data, max_epochs=1).fit(X, y)
    module = fitted.net_.module_
    assert len(module.supports) == 2
    assert module.supports[0].n_edges == data.adjacency.nnz
    plain = STForecaster(backbone=CONFIGS["gwnet"], max_epochs=1).fit(X, y)
    assert len(plain.net_.module_.supports) == 0
    with pytest.raises(ValueError, match="spatial"):
        STForecaster(backbone="gwnet", spatial=np.eye(5), max_epochs=1).fit(X, y)


def test_save_and_load_rebuild_the_graph(graph_windows, tmp_path):
    data, X, y, X_test, _ = graph_windows
    model = STForecaster(
        backbone=CONFIGS["tgcn"], spatial=data.adjacency, max_epochs=2, random_state=0
    ).fit(X, y)
    path = model.save(tmp_path / "tgcn.pt")
    loaded = STForecaster.load(path)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_nested_parameters_of_spatial_configs_are_searchable():
    model = STForecaster(backbone="gwnet")
    model.set_params(backbone=GraphWaveNetConfig(), backbone__n_blocks=2)
    assert model.get_params()["backbone__n_blocks"] == 2
    with pytest.raises(ValueError, match="backbone__"):
        GraphWaveNetConfig(adaptive=False).build(12, 3, 1, horizon=3)


# ------------------------------------------------------------ grids and frames
GRID_CONFIGS = {
    "convlstm": ConvLSTMConfig(hidden_channels=(8,)),
    "simvp": SimVPConfig(hidden_channels=4, translator_channels=8),
    "st_patch_transformer": STPatchTransformerConfig(
        patch_len=2, d_model=8, n_heads=2, n_layers=1, d_ff=16
    ),
}


def moving_blob(n_windows, grid_shape=(6, 5), steps=8, seed=0):
    """A bright cell moving one column right per step (wrapping): a frame task
    that last value cannot solve and a local convolution can."""
    rng = np.random.default_rng(seed)
    height, width = grid_shape
    frames = np.zeros((n_windows, steps + 1, height, width))
    rows = rng.integers(0, height, n_windows)
    cols = rng.integers(0, width, n_windows)
    for t in range(steps + 1):
        frames[np.arange(n_windows), t, rows, (cols + t) % width] = 1.0
    flat = frames.reshape(n_windows, steps + 1, height * width, 1)
    return flat[:, :steps], flat[:, steps:]


@pytest.mark.parametrize("name", ["convlstm", "simvp"])
def test_grid_models_read_nodes_as_an_image(name):
    cls = {"convlstm": ConvLSTM, "simvp": SimVP}[name]
    model = cls(8, 30, 1, 1, grid_shape=(6, 5)).eval()
    assert model.grid_shape == (6, 5)
    with pytest.raises(ValueError, match="grid_shape"):
        cls(8, 30, 1, 1, grid_shape=(4, 5))
    # Locality: a cell far from the perturbed one is untouched by one 3x3
    # ConvLSTM layer over one step.
    if name == "convlstm":
        one_step = ConvLSTM(1, 30, 1, 1, grid_shape=(6, 5), hidden_channels=(4,)).eval()
        x = torch.zeros(1, 1, 30, 1)
        moved = x.clone()
        moved[0, 0, 0] = 1.0  # cell (0, 0)
        with torch.no_grad():
            change = (one_step(moved) - one_step(x)).abs()[0, 0, :, 0].reshape(6, 5)
        assert change[0, 0] > 0 and change[1, 1] > 0
        assert torch.all(change[2:] == 0) and torch.all(change[:, 2:] == 0)


@pytest.mark.parametrize("name", ["convlstm", "simvp", "st_patch_transformer"])
def test_grid_forecasters_learn_a_moving_blob(name):
    X, y = moving_blob(300)
    X_test, y_test = moving_blob(60, seed=1)
    model = STForecaster(
        backbone=GRID_CONFIGS[name],
        spatial=(6, 5),
        max_epochs=40,
        lr=1e-2,
        batch_size=32,
        random_state=0,
    ).fit(X, y)
    mse = masked_mse(y_test, model.predict(X_test))
    last_frame = masked_mse(y_test, X_test[:, -1:])
    assert mse < 0.7 * last_frame, (mse, last_frame)


def test_grid_context_gives_graph_models_the_lattice():
    X, y = moving_blob(40)
    model = STForecaster(backbone=CONFIGS["gwnet"], spatial=(6, 5), max_epochs=1).fit(X, y)
    # 4-neighbour lattice of 6 x 5: 2 * (6 * 4 + 5 * 5) stored entries.
    assert model.net_.module_.supports[0].n_edges == 2 * (6 * 4 + 5 * 5)


def test_st_patch_transformer_patches_grids_and_graphs_alike():
    grid = STPatchTransformer(8, 16, 1, 2, grid_shape=(4, 4), patch_size=2)
    np.testing.assert_array_equal(
        grid.labels.reshape(4, 4), [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    )
    graph = STPatchTransformer(8, 40, 1, 2, adjacency=path_graph(40), patch_size=2)
    assert graph.n_patches == 10
    assert np.bincount(graph.labels).min() >= 2
    assert set(grid.state_dict()) == set(graph.state_dict())
    for key, value in grid.state_dict().items():
        assert value.shape == graph.state_dict()[key].shape, key


def test_same_st_patch_transformer_weights_run_on_a_grid_and_a_graph(graph_windows):
    """Fit on a grid data set, run the fitted weights on a graph data set."""
    X_grid, y_grid = moving_blob(200, steps=12)
    config = STPatchTransformerConfig(patch_len=4, d_model=16, n_heads=2, n_layers=1, d_ff=32)
    on_grid = STForecaster(backbone=config, spatial=(6, 5), max_epochs=5, random_state=0).fit(
        X_grid, y_grid[:, :1]
    )
    data, X_graph, y_graph, X_test, y_test = graph_windows
    # The graph task has horizon 3: reuse the grid-trained encoder weights
    # (everything but the head) in a graph model, fine-tune only the head.
    on_graph = STForecaster(backbone=config, spatial=data, max_epochs=1, random_state=0).fit(
        X_graph, y_graph
    )
    encoder = {
        k: v for k, v in on_grid.net_.module_.state_dict().items() if not k.startswith("head.")
    }
    missing = on_graph.net_.module_.load_state_dict(encoder, strict=False).missing_keys
    assert all(key.startswith("head.") for key in missing)
    # And the complete grid model (head included) runs on graph windows of
    # the same shape per node: same weights, other space.
    module = config.build(12, data.n_nodes, 1, 1, spatial=resolve_spatial(data, data.n_nodes))
    module.load_state_dict(on_grid.net_.module_.state_dict())
    with torch.no_grad():
        out = module.eval()(torch.tensor(X_test[:5], dtype=torch.float32))
    assert out.shape == (5, 1, data.n_nodes, 1) and torch.isfinite(out).all()


def test_spatial_stdata_keeps_only_the_space_of_its_nodes(tmp_path):
    import pickle

    from sklearn.base import clone

    from sk_stfm.data import SpatialContext

    data = make_graph_signal(n_nodes=6, n_steps=2000, random_state=0)
    X, y = make_windows(data, history=8, horizon=2)
    model = STForecaster(
        backbone="gwnet", spatial=data, max_epochs=1, batch_size=64, random_state=0
    )
    # A clone (each fold of a search) holds the adjacency, not the series.
    cloned = clone(model).get_params()["spatial"]
    assert isinstance(cloned, SpatialContext) and cloned.n_nodes == 6
    np.testing.assert_array_equal(
        np.asarray(sp.csr_array(cloned.adjacency).todense()),
        np.asarray(sp.csr_array(data.adjacency).todense()),
    )
    assert len(pickle.dumps(cloned)) < data.values.nbytes / 10
    fitted = model.fit(X[:200], y[:200])
    expected = fitted.predict(X[:5])
    # Pickling and save() keep the context too, and predict the same.
    restored = pickle.loads(pickle.dumps(fitted))
    assert isinstance(restored.spatial, SpatialContext)
    np.testing.assert_allclose(restored.predict(X[:5]), expected)
    path = fitted.save(tmp_path / "model.pt")
    np.testing.assert_allclose(STForecaster.load(path).predict(X[:5]), expected)
    # The context still checks the windows' nodes.
    with pytest.raises(ValueError, match="6 nodes"):
        clone(model).fit(X[:50, :, :4], y[:50, :, :4])
