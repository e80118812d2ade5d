"""Backbone configurations: the scikit-learn face of the backbone modules.

Backbones are pure ``nn.Module`` classes; a configuration is a
``BaseEstimator`` whose parameters are a backbone's hyperparameters, so that
``backbone=PatchTSTConfig(d_model=32)``, ``set_params(backbone__d_model=32)``
and hyperparameter searches work. ``register_backbone`` makes the
configuration class of a module from the module's own signature and
docstring (:func:`config_class`): the two cannot drift apart, and a new
backbone needs no configuration code.
"""

import inspect
import re
import textwrap

from sklearn.base import BaseEstimator

from ..data import grid_adjacency


def spatial_input(spatial, name):
    """The part ``name`` (``"adjacency"`` or ``"grid_shape"``) of a spatial context.

    Parameters
    ----------
    spatial : SpatialContext or None
        The resolved ``spatial=`` parameter.
    name : {"adjacency", "grid_shape"}
        The part a backbone asks for.

    Returns
    -------
    value : object or None
        The adjacency (a grid's 4-neighbour lattice when only its shape is
        known), the grid shape, or ``None``.
    """
    if spatial is None:
        return None
    value = getattr(spatial, name)
    if value is None and name == "adjacency" and spatial.grid_shape is not None:
        return grid_adjacency(spatial.grid_shape)
    return value


def _invalid(config, exc):
    """``exc`` again, naming the estimator-level parameters (``backbone__<name>``)."""
    return type(exc)(
        f"invalid backbone parameters for {type(config).__name__} (set as backbone__<name>): {exc}"
    )


class BackboneConfig(BaseEstimator):
    """Base class of the configurations of window backbones.

    Subclasses set ``backbone_name`` (the registry key) and list the
    backbone's hyperparameters as their ``__init__`` parameters; ``build``
    passes them to the registered module class. Registered backbones get
    theirs made from their signature (``register_backbone``), so writing one
    is only needed to expose other parameters than the module's.

    See Also
    --------
    RegisteredBackbone : Configuration of any registered backbone by name.

    Examples
    --------
    A configuration of the registered ``"mlp"`` backbone with a single
    search parameter, the width of its two hidden layers; ``hyperparameters``
    translates it into the module's keyword arguments:

    >>> from sk_stfm.backbones import BackboneConfig
    >>> class TwoLayerMLPConfig(BackboneConfig):
    ...     backbone_name = "mlp"
    ...     def __init__(self, width=32):
    ...         self.width = width
    ...     def hyperparameters(self):
    ...         return {"hidden_sizes": (self.width, self.width)}
    >>> config = TwoLayerMLPConfig().set_params(width=8)
    >>> config.build(n_steps=24, n_nodes=1, n_channels=2, horizon=6).encoder
    Sequential(...)
    >>> config.hyperparameters()
    {'hidden_sizes': (8, 8)}
    """

    backbone_name = None
    # Module arguments that come from the data, not from the configuration.
    data_arguments = ("n_steps", "n_nodes", "n_channels", "horizon", "n_targets")
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

    def build(self, n_steps, n_nodes, n_channels, horizon, n_targets=None, spatial=None):
        """Build the backbone module for windows of a given shape.

        Parameters
        ----------
        n_steps, n_nodes, n_channels : int
            Shape of one input window.
        horizon : int
            Number of output steps.
        n_targets : int or None, default=None
            Number of output channels; ``None`` means ``n_channels``.
        spatial : SpatialContext or None, default=None
            The resolved ``spatial=`` parameter of the estimator. Backbones
            receive the parts named in their ``spatial_context`` attribute;
            one that takes an adjacency gets the lattice of a grid when only
            a grid shape is known.

        Returns
        -------
        module : torch.nn.Module
            A freshly initialized backbone.
        """
        spec = self.spec()
        context = {
            name: spatial_input(spatial, name) for name in getattr(spec.cls, "spatial_context", ())
        }
        try:
            return spec.cls(
                n_steps,
                n_nodes,
                n_channels,
                horizon,
                n_targets,
                **context,
                **self.hyperparameters(),
            )
        except (TypeError, ValueError) as exc:
            raise _invalid(self, exc) from exc

    def spec(self):
        """Return the registry entry of the backbone.

        Returns
        -------
        spec : BackboneSpec
            Name, class, tags and description.
        """
        from ._registry import get_backbone

        return get_backbone(self.backbone_name)


class RegisteredBackbone(BackboneConfig):
    """Configuration of any registered backbone, by name and keyword arguments.

    Use it for a backbone registered under a name whose configuration class
    is not at hand, e.g. one read from a command line.

    Parameters
    ----------
    name : str
        Registry key of the backbone.
    params : dict or None, default=None
        Keyword arguments of the backbone module.

    Examples
    --------
    >>> from sk_stfm.backbones import RegisteredBackbone
    >>> RegisteredBackbone("dlinear", {"kernel_size": 5}).build(16, 1, 2, 4).horizon
    4
    """

    def __init__(self, name, params=None):
        self.name = name
        self.params = params

    @property
    def backbone_name(self):
        """Registry key of the configured backbone."""
        return self.name

    def hyperparameters(self):
        """Return the keyword arguments passed to the backbone module.

        Returns
        -------
        params : dict
            A copy of ``params``.
        """
        return dict(self.params or {})


class TrajectoryBackboneConfig(BackboneConfig):
    """Base class of the configurations of raw-trajectory backbones.

    The estimator passes the settings that come from the data (the size of
    the cell vocabulary, causal attention, the time column) to ``build``.

    Examples
    --------
    >>> from sk_stfm.backbones import TrajectoryTransformerConfig
    >>> config = TrajectoryTransformerConfig(d_model=8, n_heads=2)
    >>> config.build(16, 1, 4, horizon=1, causal=True).d_model
    8
    """

    data_arguments = BackboneConfig.data_arguments + ("n_tokens", "causal", "time_channel")

    def build(
        self, n_steps, n_nodes, n_channels, horizon, n_targets=None, spatial=None, **data_params
    ):
        """Build the backbone module for padded sequences of a given shape.

        Parameters
        ----------
        n_steps, n_nodes, n_channels : int
            Shape of one padded sequence.
        horizon : int
            Output steps.
        n_targets : int or None, default=None
            Output channels; ``None`` means ``n_channels``.
        spatial : None
            Unused: trajectories carry their coordinates.
        **data_params
            ``n_tokens`` and ``causal``, set by the estimator.

        Returns
        -------
        module : torch.nn.Module
            A freshly initialized backbone.
        """
        try:
            return self.spec().cls(
                n_steps,
                n_nodes,
                n_channels,
                horizon,
                n_targets,
                **self.hyperparameters(),
                **data_params,
            )
        except (TypeError, ValueError) as exc:
            raise _invalid(self, exc) from exc


class EventBackboneConfig(BaseEstimator):
    """Base class of the configurations of event (temporal point process) backbones.

    Subclasses set ``backbone_name`` (the registry key) and list the
    backbone's hyperparameters as their ``__init__`` parameters; the sizes
    that come from the data (marks, features, spatial columns, the
    standardization of the gaps) are passed by the estimator to ``build``.

    See Also
    --------
    sk_stfm.estimators.EventForecaster : The estimator that builds them.

    Examples
    --------
    >>> from sk_stfm.backbones import LogNormMixConfig
    >>> module = LogNormMixConfig(d_model=8, n_components=2).build(n_marks=3)
    >>> type(module).__name__, module.n_marks
    ('LogNormMixTPP', 3)
    """

    backbone_name = None
    data_arguments = ("n_marks", "n_features", "n_spatial", "log_gap_mean", "log_gap_std")
    # A configuration is not an estimator to fit (see ``all_estimators``).
    _is_estimator = False

    hyperparameters = BackboneConfig.hyperparameters
    spec = BackboneConfig.spec

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
        try:
            return self.spec().cls(
                n_marks=n_marks,
                n_features=n_features,
                n_spatial=n_spatial,
                log_gap_mean=log_gap_mean,
                log_gap_std=log_gap_std,
                **self.hyperparameters(),
            )
        except (TypeError, ValueError) as exc:
            raise _invalid(self, exc) from exc


_SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.MULTILINE)
_SPATIAL_NOTES = {
    "adjacency": "The graph comes from the estimator's ``spatial=`` parameter (a grid's "
    "4-neighbour lattice when only its shape is known).",
    "grid_shape": "The grid shape comes from the estimator's ``spatial=`` parameter.",
}


def _parameter_entries(doc):
    """``[(names, lines)]`` of the Parameters section of a numpydoc docstring."""
    doc = inspect.cleandoc(doc or "")
    sections = list(_SECTION.finditer(doc))
    for index, match in enumerate(sections):
        if match.group(1).strip() != "Parameters":
            continue
        end = sections[index + 1].start() if index + 1 < len(sections) else len(doc)
        entries = []
        for line in doc[match.end() : end].strip("\n").splitlines():
            if line and not line[0].isspace():
                names = [name.strip() for name in line.split(" : ")[0].split(",")]
                entries.append((names, [line]))
            elif entries:
                entries[-1][1].append(line)
        return entries
    return []


def _config_doc(module_cls, name, config_name, hyperparameters):
    """The docstring of a generated configuration, from its module's."""
    lines = [
        f'Hyperparameters of :class:`~{_public_path(module_cls)}` (``backbone="{name}"``).',
        "",
    ]
    notes = [
        _SPATIAL_NOTES[part]
        for part in getattr(module_cls, "spatial_context", ())
        if part in _SPATIAL_NOTES
    ]
    if notes:
        lines += [textwrap.fill(" ".join(notes), 76), ""]
    entries = [
        "\n".join(text).rstrip()
        for names, text in _parameter_entries(module_cls.__doc__)
        if all(entry in hyperparameters for entry in names)
    ]
    if entries:
        lines += ["Parameters", "----------", *entries, ""]
    shown = next(
        (key for key, value in hyperparameters.items() if value is not None),
        None,
    )
    lines += [
        "Examples",
        "--------",
        f">>> from {_public_module(module_cls)} import {config_name}",
        f">>> {config_name}().spec().name",
        repr(name),
    ]
    if shown is not None:
        lines += [f">>> {config_name}().get_params()[{shown!r}]", repr(hyperparameters[shown])]
    return "\n".join(lines) + "\n"


def _public_module(module_cls):
    """Where users import a backbone's names: its package for private modules."""
    module = module_cls.__module__
    return module.rsplit("._", 1)[0] if "._" in module else module


def _public_path(module_cls):
    return f"{_public_module(module_cls)}.{module_cls.__qualname__}"


def config_class(module_cls, name, base=BackboneConfig, class_name=None):
    """Make the configuration class of a backbone module from its signature.

    The class's ``__init__`` takes the module's hyperparameters (its
    ``__init__`` parameters except those the data sets, ``base.data_arguments``,
    and the spatial context it reads), with the module's defaults, and its
    docstring repeats the module's documentation of them. The class is
    named ``class_name`` and belongs to the module's module, so assign it
    there (``DLinearConfig = register_backbone(...).config``) for saved
    models to find it.

    Parameters
    ----------
    module_cls : type
        The backbone module class.
    name : str
        The backbone's registry key.
    base : type, default=BackboneConfig
        :class:`BackboneConfig`, :class:`TrajectoryBackboneConfig` or
        :class:`EventBackboneConfig` (or a subclass).
    class_name : str or None, default=None
        Name of the class; ``None`` gives ``module_cls.__name__ + "Config"``.

    Returns
    -------
    config : type
        A ``base`` subclass.

    Raises
    ------
    TypeError
        If the module's ``__init__`` takes ``*args`` or ``**kwargs``, or a
        hyperparameter without a default.

    Examples
    --------
    >>> from sk_stfm.backbones import DLinear
    >>> from sk_stfm.backbones._config import config_class
    >>> Config = config_class(DLinear, "dlinear")
    >>> Config(kernel_size=5)
    DLinearConfig(kernel_size=5)
    """
    skipped = set(base.data_arguments) | set(getattr(module_cls, "spatial_context", ()))
    parameters = []
    for parameter in list(inspect.signature(module_cls.__init__).parameters.values())[1:]:
        if parameter.name in skipped:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(
                f"{module_cls.__name__}.__init__ takes *args or **kwargs; a backbone lists "
                "its hyperparameters explicitly so that they can be searched."
            )
        if parameter.default is parameter.empty:
            raise TypeError(
                f"{module_cls.__name__}.__init__ parameter {parameter.name!r} has no default; "
                "hyperparameters need one (data sizes belong in data_arguments)."
            )
        parameters.append(parameter.replace(kind=parameter.KEYWORD_ONLY))
    defaults = {parameter.name: parameter.default for parameter in parameters}
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *parameters]
    )

    def __init__(self, **params):
        unknown = set(params) - set(defaults)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected parameters {sorted(unknown)}; "
                f"its parameters are {list(defaults)}."
            )
        for key, default in defaults.items():
            setattr(self, key, params.get(key, default))

    __init__.__signature__ = signature
    class_name = class_name or f"{module_cls.__name__}Config"
    namespace = {
        "__init__": __init__,
        "__module__": module_cls.__module__,
        "__qualname__": class_name,
        "__doc__": _config_doc(module_cls, name, class_name, defaults),
        "backbone_name": name,
    }
    __init__.__qualname__ = f"{class_name}.__init__"
    __init__.__module__ = module_cls.__module__
    return type(class_name, (base,), namespace)
