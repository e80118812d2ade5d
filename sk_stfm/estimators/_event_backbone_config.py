"""Configurations of the point-process backbones of EventForecaster.

Like the window backbones' configurations, each is a ``BaseEstimator`` whose
parameters are the backbone's hyperparameters, so that
``EventForecaster(backbone=LogNormMixConfig())`` exposes them as nested
parameters (``backbone__n_components``) to ``set_params``, grid searches
and Optuna. The sizes that come from the data (marks, features, spatial
columns, the standardization of the gaps) are passed by the estimator.
"""

from sklearn.base import BaseEstimator

from ..backbones import get_backbone


class EventBackboneConfig(BaseEstimator):
    """Base class of configurations of event (temporal point process) backbones.

    Subclasses set ``backbone_name`` (the registry key) and list the
    backbone's hyperparameters as their ``__init__`` parameters.

    See Also
    --------
    EventForecaster : The estimator that builds them.

    Examples
    --------
    >>> from sk_stfm.estimators import LogNormMixConfig
    >>> module = LogNormMixConfig(d_model=8, n_components=2).build(n_marks=3)
    >>> type(module).__name__, module.n_marks
    ('LogNormMixTPP', 3)
    """

    backbone_name = None
    # A configuration is not an estimator to fit (see ``all_estimators``).
    _is_estimator = False

    def hyperparameters(self):
        """Return the keyword arguments passed to the backbone module.

        Returns
        -------
        params : dict
            The configuration's parameters.
        """
        return self.get_params(deep=False)

    def build(self, n_marks=0, n_features=0, n_spatial=0, log_gap_mean=0.0, log_gap_std=1.0):
        """Build the backbone module for data of the given sizes.

        Parameters
        ----------
        n_marks : int, default=0
            Number of mark types (0: unmarked).
        n_features : int, default=0
            Number of event features read by the history encoder.
        n_spatial : int, default=0
            Number of location columns (0: no spatial head).
        log_gap_mean, log_gap_std : float, default=0.0, 1.0
            Standardization of the log times between training events.

        Returns
        -------
        module : BaseTPP
            The untrained backbone.
        """
        return get_backbone(self.backbone_name).cls(
            n_marks=n_marks,
            n_features=n_features,
            n_spatial=n_spatial,
            log_gap_mean=log_gap_mean,
            log_gap_std=log_gap_std,
            **self.hyperparameters(),
        )


class RMTPPConfig(EventBackboneConfig):
    """Configuration of :class:`~sk_stfm.backbones.RMTPP` (``"rmtpp"``).

    Parameters
    ----------
    d_model : int, default=32
        Width of the GRU history encoder.
    n_layers : int, default=1
        GRU layers.
    dropout : float, default=0.0
        Dropout between GRU layers.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.

    Examples
    --------
    >>> from sk_stfm.estimators import EventForecaster, RMTPPConfig
    >>> model = EventForecaster(backbone=RMTPPConfig()).set_params(backbone__d_model=16)
    >>> model.backbone.d_model
    16
    """

    backbone_name = "rmtpp"

    def __init__(self, d_model=32, n_layers=1, dropout=0.0, n_spatial_components=8):
        self.d_model = d_model
        self.n_layers = n_layers
        self.dropout = dropout
        self.n_spatial_components = n_spatial_components


class TransformerHawkesConfig(EventBackboneConfig):
    """Configuration of :class:`~sk_stfm.backbones.TransformerHawkes` (``"thp"``).

    Parameters
    ----------
    d_model : int, default=32
        Width of the causal Transformer.
    n_layers : int, default=2
        Transformer layers.
    n_heads : int, default=2
        Attention heads.
    dropout : float, default=0.0
        Dropout in the Transformer layers.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.
    n_quadrature : int, default=32
        Gauss-Legendre nodes of the integral of the intensity.

    Examples
    --------
    >>> from sk_stfm.estimators import TransformerHawkesConfig
    >>> TransformerHawkesConfig(n_quadrature=8).build().nodes.shape
    torch.Size([8])
    """

    backbone_name = "thp"

    def __init__(
        self,
        d_model=32,
        n_layers=2,
        n_heads=2,
        dropout=0.0,
        n_spatial_components=8,
        n_quadrature=32,
    ):
        self.d_model = d_model
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.dropout = dropout
        self.n_spatial_components = n_spatial_components
        self.n_quadrature = n_quadrature


class LogNormMixConfig(EventBackboneConfig):
    """Configuration of :class:`~sk_stfm.backbones.LogNormMixTPP` (``"lognorm_mix"``).

    Parameters
    ----------
    d_model : int, default=32
        Width of the GRU history encoder.
    n_layers : int, default=1
        GRU layers.
    dropout : float, default=0.0
        Dropout between GRU layers.
    n_components : int, default=16
        Components of the log-normal mixture of the time to the next event.
    n_spatial_components : int, default=8
        Components of the spatial Gaussian mixture.

    Examples
    --------
    >>> from sk_stfm.estimators import LogNormMixConfig
    >>> LogNormMixConfig(n_components=4).hyperparameters()["n_components"]
    4
    """

    backbone_name = "lognorm_mix"

    def __init__(
        self, d_model=32, n_layers=1, dropout=0.0, n_components=16, n_spatial_components=8
    ):
        self.d_model = d_model
        self.n_layers = n_layers
        self.dropout = dropout
        self.n_components = n_components
        self.n_spatial_components = n_spatial_components


EVENT_BACKBONE_CONFIGS = {
    config.backbone_name: config
    for config in (LogNormMixConfig, RMTPPConfig, TransformerHawkesConfig)
}


def resolve_event_backbone(backbone):
    """Return the configuration behind an event backbone name or configuration.

    Parameters
    ----------
    backbone : str or EventBackboneConfig
        ``"lognorm_mix"``, ``"rmtpp"``, ``"thp"``, or a configuration.

    Returns
    -------
    config : EventBackboneConfig
        The configuration (default hyperparameters for a name).

    Raises
    ------
    ValueError
        For a name that is not an event backbone.
    TypeError
        For anything else.

    Examples
    --------
    >>> from sk_stfm.estimators import resolve_event_backbone
    >>> resolve_event_backbone("thp")
    TransformerHawkesConfig()
    """
    if isinstance(backbone, EventBackboneConfig):
        return backbone
    if isinstance(backbone, str):
        if backbone not in EVENT_BACKBONE_CONFIGS:
            raise ValueError(
                f"backbone {backbone!r} is not an event backbone; event backbones: "
                f"{sorted(EVENT_BACKBONE_CONFIGS)}."
            )
        return EVENT_BACKBONE_CONFIGS[backbone]()
    raise TypeError(
        "backbone must be an event backbone name or an EventBackboneConfig; "
        f"got {type(backbone).__name__}."
    )
