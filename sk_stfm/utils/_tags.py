"""Domain tags: which data, dependencies and tasks a component handles.

scikit-learn's tags describe array conventions; these describe the
spatio-temporal side, and the taxonomy, the estimators' compatibility checks
and the registry all read them from one place.
"""

from dataclasses import dataclass

DATA_KINDS = ("series", "graph", "grid", "video", "trajectory", "event")
# Kinds held as regular 4-D windows (n, T, N, C); the others are sequences.
WINDOW_KINDS = ("series", "graph", "grid", "video")
DEPENDENCIES = ("temporal", "spatial", "spatio-temporal")
TASKS = (
    "forecasting",
    "imputation",
    "anomaly_detection",
    "classification",
    "representation",
    "generation",
)

CONTEXTS = ("adjacency", "grid_shape", "coords", "timestamps")
CAPABILITIES = ("learned_encoder",)


@dataclass(frozen=True)
class STFMTags:
    """Spatio-temporal capability tags of a backbone, objective or estimator.

    Parameters
    ----------
    data_kinds : tuple of str, default=("series",)
        Data types the component accepts, among ``"series"``, ``"graph"``,
        ``"grid"``, ``"video"``, ``"trajectory"``, ``"event"``.
    dependencies : tuple of str, default=("temporal",)
        Dependencies it models: ``"temporal"``, ``"spatial"``,
        ``"spatio-temporal"``.
    tasks : tuple of str, default=("forecasting",)
        Tasks it serves.
    requires : tuple of str, default=()
        What it cannot run without: context of the data (``"adjacency"``,
        ``"grid_shape"``, ``"coords"``, ``"timestamps"``) or, for an
        objective, a capability of the backbone (``"learned_encoder"``).
    capabilities : tuple of str, default=()
        What a backbone offers to objectives: ``"learned_encoder"`` when
        the layers before its head have trainable weights, so that
        self-supervised pre-training of the encoder can carry over to the
        task.

    Examples
    --------
    Tags of a graph model that needs the adjacency:

    >>> from sk_stfm.utils import STFMTags
    >>> tags = STFMTags(
    ...     data_kinds=("graph",), dependencies=("spatio-temporal",), requires=("adjacency",)
    ... )
    >>> tags.tasks
    ('forecasting',)
    """

    data_kinds: tuple = ("series",)
    dependencies: tuple = ("temporal",)
    tasks: tuple = ("forecasting",)
    requires: tuple = ()
    capabilities: tuple = ()

    def __post_init__(self):
        for name, allowed in (
            ("data_kinds", DATA_KINDS),
            ("dependencies", DEPENDENCIES),
            ("tasks", TASKS),
        ):
            unknown = set(getattr(self, name)) - set(allowed)
            if unknown:
                raise ValueError(
                    f"{name} must be drawn from {allowed}; got unknown {sorted(unknown)}."
                )
        unknown = set(self.requires) - set(CONTEXTS + CAPABILITIES)
        if unknown:
            raise ValueError(
                f"requires must be drawn from {CONTEXTS + CAPABILITIES}; got unknown "
                f"{sorted(unknown)}."
            )
        unknown = set(self.capabilities) - set(CAPABILITIES)
        if unknown:
            raise ValueError(
                f"capabilities must be drawn from {CAPABILITIES}; got unknown {sorted(unknown)}."
            )


def get_stfm_tags(obj):
    """Return the :class:`STFMTags` of a component or estimator.

    Parameters
    ----------
    obj : object
        Anything with a ``__stfm_tags__()`` method; other objects get the
        default tags.

    Returns
    -------
    tags : STFMTags
        The object's spatio-temporal tags.

    Examples
    --------
    >>> from sk_stfm.objectives import Regression
    >>> from sk_stfm.utils import get_stfm_tags
    >>> get_stfm_tags(Regression()).dependencies
    ('temporal', 'spatial', 'spatio-temporal')
    >>> get_stfm_tags(object()).data_kinds
    ('series',)
    """
    method = getattr(obj, "__stfm_tags__", None)
    return method() if callable(method) else STFMTags()
