"""Short and tiny data: every window backbone trains on one window and on a batch of one."""

import numpy as np
import pytest
import torch
from torch import nn

from sk_stfm.backbones._layers import BatchNorm1dAnyBatch
from sk_stfm.estimators import STForecaster


def _backbone_name(params):
    backbone = params["backbone"]
    return backbone if isinstance(backbone, str) else backbone.backbone_name


TEST_PARAMS = STForecaster.get_test_params()


@pytest.mark.parametrize("shape", [(1, 6), (1, 6, 1)])
def test_batch_norm_of_one_value_uses_the_running_statistics(shape):
    norm = BatchNorm1dAnyBatch(6)
    with torch.no_grad():
        norm.running_mean.uniform_()
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.uniform_()
    state = {name: value.clone() for name, value in norm.state_dict().items()}
    x = torch.randn(shape)
    trained = norm.train()(x)
    # Normalized as in evaluation mode, and the statistics left as they were.
    torch.testing.assert_close(trained, norm.eval()(x))
    for name, value in norm.state_dict().items():
        torch.testing.assert_close(value, state[name])
    trained.sum().backward()  # the affine parameters still learn
    assert norm.weight.grad is not None


def test_batch_norm_of_a_batch_is_that_of_batch_norm():
    x = torch.randn(5, 6, 3)
    ours, reference = BatchNorm1dAnyBatch(6), nn.BatchNorm1d(6)
    assert ours.state_dict().keys() == reference.state_dict().keys()
    torch.testing.assert_close(ours.train()(x), reference.train()(x))
    torch.testing.assert_close(ours.running_var, reference.running_var)


# One node, one channel and one step: batch normalization of the token or
# step features (PatchTST, Graph WaveNet) sees one value per feature.
@pytest.mark.parametrize("n_windows", [1, 3], ids=["one-window", "last-batch-of-one"])
@pytest.mark.parametrize("params", TEST_PARAMS, ids=[_backbone_name(p) for p in TEST_PARAMS])
def test_every_backbone_trains_on_one_window_and_a_batch_of_one(params, n_windows):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_windows, 1, 1, 1)).astype(np.float32)
    y = rng.normal(size=(n_windows, 2, 1, 1)).astype(np.float32)
    # Batches of two: three windows leave a last batch of one.
    params = {**params, "max_epochs": 1, "batch_size": 2, "validation_fraction": 0.0}
    model = STForecaster(**params, random_state=0).fit(X, y)
    assert np.isfinite(model.predict(X)).all()
