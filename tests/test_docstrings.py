"""Every public docstring of sk_stfm follows numpydoc, in scikit-learn's style.

Each public class, each public method or property that sk_stfm itself
defines on it, and each public function reachable from the ``__all__`` of
the packages below is validated with :func:`numpydoc.validate.validate`;
every name is its own test. The checks that are not enforced are listed in
``IGNORED`` and ``IGNORED_ON_MEMBERS`` with their reason, and the few
per-name exceptions in ``KNOWN_GAPS``. A method without a docstring that
overrides a hook of a third-party base class (``nn.Module.extra_repr``, a
skorch ``Callback.on_epoch_end``) is not collected: its contract is
documented by the library that calls it.

The other tests keep the documentation around the docstrings honest:

* every public estimator and transformer is fitted on tiny data, and each
  fitted attribute it sets (``name_``) must be documented in the
  ``Attributes`` section of its class;
* ``docs/api.rst`` must list exactly the public classes and functions;
* the ``>>>`` examples of the user guide (``docs/user_guide/*.rst``) run as
  doctests.
"""

import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest
from sequence_fixtures import sequences_for
from sklearn.base import is_classifier

import sk_stfm
from sk_stfm.harmonize import TextSerializer
from sk_stfm.utils import get_stfm_tags

validate = pytest.importorskip("numpydoc.validate").validate
ClassDoc = pytest.importorskip("numpydoc.docscrape").ClassDoc

# Every public subpackage and module of sk_stfm (the command line documents
# itself through --help), so that a new one is checked without a list here.
PACKAGES = tuple(
    f"sk_stfm.{module.name}"
    for module in pkgutil.iter_modules(sk_stfm.__path__)
    if not module.name.startswith("_") and module.name != "cli"
)

# numpydoc checks that are not enforced anywhere, with the reason.
IGNORED = {
    "ES01": "an extended summary is optional: many helpers are fully described "
    "by their summary line and parameters",
    "SA01": "a See Also section is optional; it is written where a related name "
    "helps the reader, not everywhere",
    "RT02": "returned values are named as in scikit-learn (``self : object``, "
    "``X_out : ndarray``), which numpydoc's RT02 reports",
}

# Checks not enforced on methods and properties: their class docstring holds
# the Examples, as in scikit-learn. Classes and functions must have one.
IGNORED_ON_MEMBERS = {
    "EX01": "methods and properties are exemplified in their class's Examples",
}

# Per-name gaps: the test is expected to fail until the docstring is fixed
# (strict xfail, so fixing one without removing it here is noticed).
KNOWN_GAPS = {}


def _is_documented_member(value):
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    return inspect.isfunction(value) or isinstance(value, property)


def _overrides_undocumented_hook(cls, name, value):
    """Whether ``name`` overrides a third-party hook without a docstring.

    Such a member (``nn.Module.extra_repr``, a skorch ``Callback.on_*``) has
    the contract of the library that calls it, documented there.
    """
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    if getattr(value, "__doc__", None):
        return False
    return any(
        not base.__module__.startswith("sk_stfm") and name in vars(base) for base in cls.__mro__[1:]
    )


def _member_paths(public_path, cls):
    """Yield ``(path, defining class, name)`` of public members sk_stfm defines."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sk_stfm"):
            continue
        for name, value in vars(klass).items():
            if (
                not name.startswith("_")
                and _is_documented_member(value)
                and not _overrides_undocumented_hook(klass, name, value)
            ):
                yield f"{public_path}.{name}", klass, name


def _public_names():
    """Return ``{path: kind}`` for every public class, member and function."""
    names = {}
    members = {}  # (defining class, name) -> path; one test per definition
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            path = f"{package}.{name}"
            if inspect.isclass(obj):
                names[path] = "class"
                for member_path, klass, member in _member_paths(path, obj):
                    key = (klass, member)
                    # Prefer the path through the class that defines the member.
                    if key not in members or klass is obj:
                        members[key] = member_path
            elif inspect.isfunction(obj):
                names[path] = "function"
            # Constants (KINDS, WINDOW_SHAPE_DOC, ...) have no docstring of their own.
    names.update({path: "member" for path in members.values()})
    return dict(sorted(names.items()))


PUBLIC_NAMES = _public_names()


def _params():
    for path, kind in PUBLIC_NAMES.items():
        marks = []
        if path in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[path], strict=True))
        yield pytest.param(path, kind, id=path, marks=marks)


def test_public_api_is_collected():
    # Guards against an import path change silently emptying the test.
    assert "sk_stfm.estimators.STForecaster" in PUBLIC_NAMES
    assert "sk_stfm.estimators.STForecaster.fit" in PUBLIC_NAMES
    assert "sk_stfm.harmonize.BaseSTTransformer.transform" in PUBLIC_NAMES
    assert "sk_stfm.datasets.load_etth1" in PUBLIC_NAMES
    assert "sk_stfm.backbones.register_backbone" in PUBLIC_NAMES


@pytest.mark.parametrize("path, kind", list(_params()))
def test_docstring(path, kind):
    ignored = set(IGNORED)
    if kind == "member":
        ignored |= set(IGNORED_ON_MEMBERS)
    result = validate(path)
    errors = [f"{code}: {message}" for code, message in result["errors"] if code not in ignored]
    assert not errors, f"{path} ({result['file']}:{result['file_line']}):\n" + "\n".join(errors)


# ----------------------------------------------------- fitted attributes


def _fit_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 12, 3, 2))
    y = rng.normal(size=(24, 4, 3, 2))
    ring = np.roll(np.eye(3), 1, axis=1)
    return X, y, ring + ring.T


def _estimator_classes():
    from sk_stfm.utils import all_estimators

    return [pytest.param(cls, id=name) for name, cls in all_estimators()]


@pytest.mark.parametrize("cls", _estimator_classes())
def test_fitted_attributes_are_documented(cls):
    X, y, adjacency = _fit_data()
    estimator = cls(**cls.get_test_params()[0])
    if estimator.__sklearn_tags__().input_tags.string:
        X, y = np.array(["rain", "sunny spells", "fog", "snow showers"] * 6), None  # texts
    elif not estimator.__sklearn_tags__().input_tags.two_d_array or set(
        get_stfm_tags(estimator).data_kinds
    ) <= {"trajectory", "event"}:
        X, y = sequences_for(estimator)  # it takes lists of sequences
    elif estimator.__sklearn_tags__().input_tags.pairwise:
        X = np.abs(X[:, 0, 0, :1] - X[:, 0, 0, :1].T)  # a square distance matrix
    elif isinstance(estimator, TextSerializer):
        X, y = X[:, :, 0, 0], None  # series (n_series, n_steps), not windows
    if "adjacency" in estimator.get_params():
        estimator.set_params(adjacency=adjacency)
    if "max_epochs" in estimator.get_params():
        estimator.set_params(max_epochs=1)
    if is_classifier(estimator) and y is not None:
        y = np.arange(len(X)) % 2
    estimator.fit(X) if y is None else estimator.fit(X, y)
    fitted = {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}
    documented = {attribute.name for attribute in ClassDoc(cls)["Attributes"]}
    # numpydoc allows "a, b : type" for attributes sharing a description.
    documented = {name.strip() for entry in documented for name in entry.split(",")}
    missing = sorted(fitted - documented)
    assert not missing, (
        f"{cls.__name__}.fit sets {missing}, which its Attributes section does not document."
    )


# ----------------------------------------------------- API reference


def _api_reference_names(text):
    """Return the ``module.name`` entries of the autosummary tables of api.rst."""
    names, module, in_table = set(), None, False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(".. currentmodule::"):
            module = stripped.split("::", 1)[1].strip()
        elif stripped.startswith(".. autosummary::"):
            in_table = True
        elif in_table and stripped and not line.startswith(" "):
            in_table = False
        elif in_table and stripped and not stripped.startswith(":"):
            names.add(f"{module}.{stripped}")
    return names


def test_api_reference_lists_every_public_name():
    api = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
    listed = _api_reference_names(api.read_text(encoding="utf-8"))
    public = {path for path, kind in PUBLIC_NAMES.items() if kind != "member"}
    assert not sorted(public - listed), f"add to docs/api.rst: {sorted(public - listed)}"
    assert not sorted(listed - public), (
        f"docs/api.rst lists names that are not public: {sorted(listed - public)}"
    )


# ----------------------------------------------------- user guide

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide"
# Pages whose examples train models for more than a few seconds.
SLOW_PAGES = {"forecasting.rst"}


def _guide_pages():
    pages = sorted(GUIDE.glob("*.rst")) if GUIDE.is_dir() else []
    for page in pages:
        if ">>>" in page.read_text(encoding="utf-8"):
            marks = [pytest.mark.slow] if page.name in SLOW_PAGES else []
            yield pytest.param(page, id=page.name, marks=marks)


@pytest.mark.parametrize("page", list(_guide_pages()))
def test_user_guide_examples_run(page):
    # The ``>>>`` examples of the guide are doctests, so the guide cannot
    # drift from the API.
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed (see above)"
