"""Conditional search spaces: which parameters a trial samples, and how.

A search space is a mapping from estimator parameter names to what a trial
draws for them. Switching a component (``backbone``, ``objective``,
``adapter``) is a choice whose options each bring their own parameters, so
``backbone__d_model`` is only sampled in trials that chose a backbone that
has a ``d_model``. Optuna's define-by-run trials make such conditional
spaces natural: the space is walked once per trial, and each branch only
asks for the parameters it needs.
"""

import numbers

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from sklearn.base import clone

from ..estimators import resolve_backbone
from ..objectives import resolve_objective

# Options given by name only are built through the registry of their component.
_RESOLVERS = {"backbone": resolve_backbone, "objective": resolve_objective}
_CATEGORICAL_TYPES = (type(None), bool, int, float, str)


def suggest(trial, name, distribution):
    """Draw one value of an Optuna distribution through the trial's public API.

    The public ``suggest_*`` methods (unlike a raw distribution) work on
    every trial type, ``FixedTrial`` included, which is how a finished
    trial's parameters are rebuilt.

    Parameters
    ----------
    trial : optuna.trial.BaseTrial
        The trial that draws.
    name : str
        Optuna's name for the parameter.
    distribution : optuna.distributions.BaseDistribution
        A float, int or categorical distribution.

    Returns
    -------
    value : object
        The drawn value.

    Examples
    --------
    >>> from optuna.distributions import IntDistribution
    >>> from optuna.trial import FixedTrial
    >>> suggest(FixedTrial({"n": 3}), "n", IntDistribution(1, 5))
    3
    """
    if isinstance(distribution, FloatDistribution):
        return trial.suggest_float(
            name,
            distribution.low,
            distribution.high,
            step=distribution.step,
            log=distribution.log,
        )
    if isinstance(distribution, IntDistribution):
        return trial.suggest_int(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    raise TypeError(
        "search_space distributions must be optuna FloatDistribution, IntDistribution or "
        f"CategoricalDistribution; got {type(distribution).__name__}."
    )


def _option(parameter, label, option):
    """``(component, sub_space)`` of one option of a conditional choice."""
    if isinstance(option, tuple):
        if len(option) != 2 or not isinstance(option[1], dict):
            raise ValueError(
                f"search_space[{parameter!r}][{label!r}] must be a sub-space dict, a "
                f"component, or a (component, sub-space dict) pair; got {option!r}."
            )
        return option
    if isinstance(option, dict):
        if parameter not in _RESOLVERS:
            raise ValueError(
                f"search_space[{parameter!r}][{label!r}] gives only a sub-space, but "
                f"{parameter!r} options cannot be built from a name; give a "
                "(component, sub-space dict) pair, e.g. (FrozenLM(), {'n_layers': ...})."
            )
        return _RESOLVERS[parameter](label), option
    return option, {}


def sample_params(trial, space, prefix="", optuna_prefix=""):
    """Walk a search space once and return the estimator parameters of a trial.

    Parameters
    ----------
    trial : optuna.trial.BaseTrial
        The trial that draws (a live trial, or ``FixedTrial`` to rebuild the
        parameters of a finished one).
    space : dict or callable
        The search space. A callable takes the trial and returns the
        parameter dict itself (Optuna's define-by-run style). In a dict,
        each key is an estimator parameter and each value one of:

        - an Optuna distribution (``FloatDistribution(1e-4, 1e-2, log=True)``);
        - a list of values: a categorical choice (values that Optuna cannot
          store, such as estimator objects, are stored by position);
        - a dict ``{label: option}``: a conditional choice of a component.
          An option is a dict of the component's own parameters (its
          sub-space; the component is then built from the label, which
          works for ``backbone`` and ``objective`` names), a component
          (an object, or None), or a ``(component, sub-space)`` pair.
          Sub-spaces may nest further choices;
        - anything else: a constant.
    prefix : str, default=""
        Prefix of the estimator parameter names (``"backbone__"`` inside a
        backbone's sub-space).
    optuna_prefix : str, default=""
        Prefix of Optuna's parameter names; it carries the chosen labels so
        that two branches never share an Optuna parameter.

    Returns
    -------
    params : dict
        Parameters for ``estimator.set_params``; components come before
        their own parameters.

    Examples
    --------
    >>> from optuna.trial import FixedTrial
    >>> space = {"backbone": {"dlinear": {}, "mlp": {"hidden_sizes": [(16,), (32,)]}}}
    >>> trial = FixedTrial({"backbone": "mlp", "backbone:mlp__hidden_sizes": 1})
    >>> sample_params(trial, space)
    {'backbone': MLPConfig(), 'backbone__hidden_sizes': (32,)}
    """
    if callable(space) and not isinstance(space, dict):
        params = space(trial)
        if not isinstance(params, dict):
            raise TypeError(
                f"a callable search_space must return a dict of parameters; got "
                f"{type(params).__name__}."
            )
        return params
    if not isinstance(space, dict):
        raise TypeError(
            f"search_space must be a dict or a callable taking a trial; got {type(space).__name__}."
        )
    params = {}
    for name, entry in space.items():
        key, optuna_name = prefix + name, optuna_prefix + name
        if isinstance(entry, BaseDistribution):
            params[key] = suggest(trial, optuna_name, entry)
        elif isinstance(entry, list):
            params[key] = _categorical(trial, optuna_name, key, entry)
        elif isinstance(entry, dict):
            params.update(_conditional(trial, name, key, optuna_name, entry))
        else:
            params[key] = entry
    return params


def _categorical(trial, optuna_name, key, values):
    if not values:
        raise ValueError(f"search_space[{key!r}] is an empty list; give at least one value.")
    if all(isinstance(v, _CATEGORICAL_TYPES) for v in values):
        return trial.suggest_categorical(optuna_name, values)
    # Objects (tuples, estimators) cannot be stored by Optuna: store the position.
    index = trial.suggest_categorical(optuna_name, list(range(len(values))))
    value = values[index]
    return clone(value) if hasattr(value, "get_params") else value


def _conditional(trial, name, key, optuna_name, options):
    if not options:
        raise ValueError(f"search_space[{key!r}] has no options.")
    labels = list(options)
    if not all(isinstance(label, str) for label in labels):
        raise TypeError(f"the options of search_space[{key!r}] must be labelled by strings.")
    label = trial.suggest_categorical(optuna_name, labels)
    component, sub_space = _option(name, label, options[label])
    if component is not None and hasattr(component, "get_params"):
        component = clone(component)
    params = {key: component}
    if sub_space:
        if component is None or not hasattr(component, "set_params"):
            raise ValueError(
                f"search_space[{key!r}][{label!r}] has a sub-space but its component "
                f"{component!r} has no parameters."
            )
        params.update(
            sample_params(
                trial, sub_space, prefix=f"{key}__", optuna_prefix=f"{optuna_name}:{label}__"
            )
        )
    return params


def parameter_labels(params):
    """Readable values of trial parameters: components by their class or name.

    Parameters
    ----------
    params : dict
        Parameters from :func:`sample_params`.

    Returns
    -------
    labels : dict
        The same keys; estimator objects become their class name, other
        values stay as they are.

    Examples
    --------
    >>> from sk_stfm.estimators import DLinearConfig
    >>> parameter_labels({"backbone": DLinearConfig(), "lr": 0.01})
    {'backbone': 'DLinearConfig', 'lr': 0.01}
    """
    return {
        key: type(value).__name__
        if hasattr(value, "get_params")
        else value
        if isinstance(value, numbers.Number | str | type(None) | tuple)
        else repr(value)
        for key, value in params.items()
    }
