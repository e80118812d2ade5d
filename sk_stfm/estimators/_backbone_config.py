"""Resolve the ``backbone=`` parameter of the window estimators.

The configuration classes live beside their modules in
:mod:`sk_stfm.backbones` (made by each backbone's registration); they are
re-exported here, where earlier versions defined them.
"""

from sklearn.base import clone

from ..backbones import (
    BackboneConfig,
    ConvLSTMConfig,
    DLinearConfig,
    GraphWaveNetConfig,
    MLPConfig,
    PatchTSTConfig,
    RegisteredBackbone,
    SimVPConfig,
    STIDConfig,
    STPatchTransformerConfig,
    STTransformerConfig,
    TGCNConfig,
    TrajectoryBackboneConfig,
    get_backbone,
    list_backbones,
)
from ..backbones._config import spatial_input

__all__ = [
    "BackboneConfig",
    "ConvLSTMConfig",
    "DLinearConfig",
    "GraphWaveNetConfig",
    "MLPConfig",
    "PatchTSTConfig",
    "RegisteredBackbone",
    "STIDConfig",
    "STPatchTransformerConfig",
    "STTransformerConfig",
    "SimVPConfig",
    "TGCNConfig",
    "resolve_backbone",
    "spatial_input",
]


def resolve_backbone(backbone):
    """Return a fresh configuration for a backbone name or configuration.

    Parameters
    ----------
    backbone : str or BackboneConfig
        A registry name (``"patchtst"``) or a configuration object.

    Returns
    -------
    config : BackboneConfig
        An unfitted copy; a name gives its registered configuration class
        with default hyperparameters.

    Examples
    --------
    >>> from sk_stfm.estimators import DLinearConfig, resolve_backbone
    >>> resolve_backbone("patchtst")
    PatchTSTConfig()
    >>> resolve_backbone(DLinearConfig(kernel_size=5))
    DLinearConfig(kernel_size=5)
    """
    if isinstance(backbone, BackboneConfig):
        return clone(backbone)
    if isinstance(backbone, str):
        return get_backbone(backbone).config()
    raise TypeError(
        f"backbone must be a name among {list_backbones()} or a BackboneConfig; "
        f"got {type(backbone).__name__}."
    )


# Training settings of the per-backbone test instances, unless a
# registration says otherwise (``test_fit_params``).
_TEST_FIT_PARAMS = {"max_epochs": 20, "lr": 1e-2, "batch_size": 32}


def registered_test_params(config_base, common=None, exclude=()):
    """One tiny test setting per registered backbone of a configuration family.

    Estimators build their ``get_test_params`` from it, so that every
    backbone, a newly registered one included, runs through the common
    checks with the settings its registration declares.

    Parameters
    ----------
    config_base : type
        Keep backbones whose configuration class subclasses it.
    common : dict or None, default=None
        Estimator parameters of every setting; ``None`` gives 20 epochs at
        ``lr=1e-2``, batches of 32. A registration's ``test_fit_params``
        override them.
    exclude : tuple of type, default=()
        Configuration families left out (e.g. trajectory backbones from the
        window estimators).

    Returns
    -------
    params : list of dict
        ``{"backbone": config, **training}`` per backbone, cheapest first
        (by the registered cost, then by name).

    Examples
    --------
    >>> from sk_stfm.backbones import EventBackboneConfig
    >>> from sk_stfm.estimators._backbone_config import registered_test_params
    >>> [type(p["backbone"]).__name__ for p in registered_test_params(EventBackboneConfig)]
    ['LogNormMixConfig', 'RMTPPConfig', 'TransformerHawkesConfig']
    """
    common = _TEST_FIT_PARAMS if common is None else common
    specs = sorted(
        (get_backbone(name) for name in list_backbones()),
        key=lambda spec: (spec.traits.cost, spec.name),
    )
    return [
        {"backbone": spec.config(**spec.test_params), **common, **spec.test_fit_params}
        for spec in specs
        if issubclass(spec.config, config_base) and not issubclass(spec.config, tuple(exclude))
    ]


def window_test_params(common=None):
    """:func:`registered_test_params` of the window backbones (not trajectory ones).

    Parameters
    ----------
    common : dict or None, default=None
        As in :func:`registered_test_params`.

    Returns
    -------
    params : list of dict
        One setting per registered window backbone.

    Examples
    --------
    >>> from sk_stfm.estimators._backbone_config import window_test_params
    >>> type(window_test_params()[0]["backbone"]).__name__
    'DLinearConfig'
    """
    return registered_test_params(BackboneConfig, common, exclude=(TrajectoryBackboneConfig,))
