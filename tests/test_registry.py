"""One fact in one place: a backbone's registration is all the package needs.

A toy backbone registered in one file (``toy_backbone.py``) with one
``register_backbone`` call appears in the common scikit-learn checks, the
default search space, ``recommend``, the scaling probe's width list and the
docs' taxonomy table; no other module names it.
"""

import importlib
import pickle

import numpy as np
import pytest
from optuna.distributions import IntDistribution
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator
from taxonomy_page import taxonomy_table_rst  # docs/sphinxext, on the test path

from sk_stfm.backbones import get_backbone, list_backbones, unregister_backbone
from sk_stfm.backbones._config import config_class
from sk_stfm.benchmarking._scaling import _scaled_backbone, scalable_backbones
from sk_stfm.data import STData
from sk_stfm.estimators import STForecaster, resolve_backbone
from sk_stfm.taxonomy import recommend
from sk_stfm.tuning import default_search_space


@pytest.fixture
def toy():
    """Import (or re-import) the toy module, and unregister it afterwards."""
    import toy_backbone

    toy_backbone = importlib.reload(toy_backbone)
    yield toy_backbone
    unregister_backbone("toy_mixer")


def test_registration_makes_the_configuration_from_the_signature(toy):
    config = resolve_backbone("toy_mixer")
    assert type(config) is toy.ToyMixerConfig
    assert config.get_params() == {"width": 16}
    assert "width : int, default=16" in toy.ToyMixerConfig.__doc__
    module = config.set_params(width=4).build(12, 2, 1, horizon=3)
    assert isinstance(module, toy.ToyMixer) and module.width == 4
    # A configuration made at registration pickles like a written one.
    assert pickle.loads(pickle.dumps(config)).get_params() == {"width": 4}


def test_toy_backbone_runs_the_common_sklearn_checks(toy):
    settings = [
        params
        for params in STForecaster.get_test_params()
        if type(params["backbone"]) is toy.ToyMixerConfig
    ]
    assert len(settings) == 1 and settings[0]["backbone"].width == 8
    estimator = STForecaster(**settings[0])
    expected = getattr(estimator, "_expected_check_failures", lambda: {})()
    check_estimator(estimator, expected_failed_checks=expected)


def test_toy_backbone_is_in_the_default_search_space(toy):
    option = default_search_space("series")["backbone"]["toy_mixer"]
    config, space = option
    assert type(config) is toy.ToyMixerConfig
    assert space == {"width": IntDistribution(8, 32, step=8)}
    # It asked to be searched on series only.
    assert "toy_mixer" not in default_search_space("graph")["backbone"]


def test_recommend_ranks_and_sizes_the_toy_backbone(toy):
    t = np.arange(600, dtype=np.float32)
    data = STData(np.sin(2 * np.pi * t / 24)[:, None, None])
    recommendations = recommend(data, "forecasting", budget="medium")
    toy_rows = [r for r in recommendations if r.backbone == "toy_mixer"]
    assert len(toy_rows) == 1
    estimator = toy_rows[0].estimator
    # The registered sizes at the medium budget, and its traits in the reasons.
    assert type(estimator.backbone) is toy.ToyMixerConfig and estimator.backbone.width == 16
    assert any("a test backbone" in reason for reason in toy_rows[0].reasons)


def test_scaling_probe_scales_the_toy_width(toy):
    assert "toy_mixer" in scalable_backbones()
    assert _scaled_backbone(toy.ToyMixerConfig(width=16), 32).width == 32


def test_docs_taxonomy_table_lists_the_toy_backbone(toy):
    assert "toy_mixer" in taxonomy_table_rst()


def test_unregistering_removes_it_everywhere(toy):
    unregister_backbone("toy_mixer")
    try:
        assert "toy_mixer" not in list_backbones()
        assert "toy_mixer" not in default_search_space("series")["backbone"]
        assert not any(
            type(params["backbone"]).__name__ == "ToyMixerConfig"
            for params in STForecaster.get_test_params()
        )
    finally:
        importlib.reload(toy)


def test_config_class_refuses_hyperparameters_without_defaults():
    from torch import nn

    class NoDefault(nn.Module):
        def __init__(self, n_steps, n_nodes, n_channels, horizon, n_targets=None, *, width):
            super().__init__()

    with pytest.raises(TypeError, match="'width' has no default"):
        config_class(NoDefault, "no_default")

    class Varargs(nn.Module):
        def __init__(self, n_steps, n_nodes, n_channels, horizon, n_targets=None, **kwargs):
            super().__init__()

    with pytest.raises(TypeError, match=r"\*\*kwargs"):
        config_class(Varargs, "varargs")


@pytest.mark.parametrize("name", list_backbones())
def test_every_configuration_matches_its_module_signature(name):
    """The configuration's parameters are the module's hyperparameters, defaults included."""
    import inspect

    spec = get_backbone(name)
    config = spec.config()
    skipped = set(type(config).data_arguments) | set(getattr(spec.cls, "spatial_context", ()))
    module = {
        key: parameter.default
        for key, parameter in inspect.signature(spec.cls.__init__).parameters.items()
        if key != "self" and key not in skipped
    }
    assert config.get_params() == module
    assert clone(config).get_params() == module
    # Its registered test settings and search space name real parameters.
    assert set(spec.test_params) <= set(module)
    assert set(spec.search_space(None)[1]) <= set(module)
    assert set(spec.width_parameters) <= set(module)


def test_backbone_auto_follows_the_registrations(toy):
    from sk_stfm.backbones import AutoChoice, auto_backbone, register_backbone

    # Today's registrations: PatchTST from one patch on, an MLP below it.
    assert type(auto_backbone("forecasting", n_steps=16, data_kind="series")).__name__ == (
        "PatchTSTConfig"
    )
    assert type(auto_backbone("forecasting", n_steps=15, data_kind="series")).__name__ == (
        "MLPConfig"
    )
    # A registration that ranks higher becomes what "auto" means, for the
    # windows it admits, and the estimator records it.
    spec = toy.SPEC
    register_backbone(
        spec.name,
        spec.cls,
        spec.tags,
        spec.description,
        config=spec.config,
        auto={"default": AutoChoice(3, min_steps=12, params={"width": 4})},
        test_params=spec.test_params,
        overwrite=True,
    )
    assert auto_backbone("forecasting", n_steps=12, data_kind="series").get_params() == {"width": 4}
    assert (
        type(auto_backbone("forecasting", n_steps=11, data_kind="series")).__name__ == "MLPConfig"
    )
    X = np.random.default_rng(0).normal(size=(40, 12, 1, 1)).astype(np.float32)
    model = STForecaster(max_epochs=1, random_state=0).fit(X, X[:, -2:])
    assert type(model.backbone_) is toy.ToyMixerConfig and model.backbone_.width == 4
