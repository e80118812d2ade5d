"""Resolve the ``backbone=`` parameter of the event estimators.

The configurations of the point-process backbones live beside their modules
in :mod:`sk_stfm.backbones` (made by each backbone's registration); they are
re-exported here, where earlier versions defined them.
"""

from ..backbones import (
    EventBackboneConfig,
    LogNormMixConfig,
    RMTPPConfig,
    TransformerHawkesConfig,
    get_backbone,
    list_backbones,
)

__all__ = [
    "EventBackboneConfig",
    "LogNormMixConfig",
    "RMTPPConfig",
    "TransformerHawkesConfig",
    "event_backbones",
    "resolve_event_backbone",
]


def event_backbones():
    """Names of the registered event backbones.

    Returns
    -------
    names : list of str
        Sorted registry keys whose configuration is an
        :class:`~sk_stfm.backbones.EventBackboneConfig`.

    Examples
    --------
    >>> from sk_stfm.estimators._event_backbone_config import event_backbones
    >>> event_backbones()
    ['lognorm_mix', 'rmtpp', 'thp']
    """
    return [
        name
        for name in list_backbones(data_kind="event")
        if issubclass(get_backbone(name).config, EventBackboneConfig)
    ]


def resolve_event_backbone(backbone):
    """Return the configuration behind an event backbone name or configuration.

    Parameters
    ----------
    backbone : str or EventBackboneConfig
        A registered event backbone (``"lognorm_mix"``, ``"rmtpp"``,
        ``"thp"``, ...) or a configuration.

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
        names = event_backbones()
        if backbone not in names:
            raise ValueError(
                f"backbone {backbone!r} is not an event backbone; event backbones: {names}."
            )
        return get_backbone(backbone).config()
    raise TypeError(
        "backbone must be an event backbone name or an EventBackboneConfig; "
        f"got {type(backbone).__name__}."
    )
