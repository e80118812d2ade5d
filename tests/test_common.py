"""Common checks run on every public sk_stfm estimator and transformer."""

import importlib.util
import inspect
import pickle
import re

import joblib
import numpy as np
import pytest
import torch
from sequence_fixtures import sequences_for
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    clone,
    is_classifier,
    is_outlier_detector,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_stfm.utils import all_estimators


def _takes_sequences(cls):
    """Estimators whose samples are irregular sequences (lists of arrays), not arrays."""
    instance = cls(**cls.get_test_params()[0])
    return not instance.__sklearn_tags__().input_tags.two_d_array


ESTIMATORS = all_estimators()
SEQUENCE_ESTIMATORS = [(name, cls) for name, cls in ESTIMATORS if _takes_sequences(cls)]
TRANSFORMERS = [
    (name, cls)
    for name, cls in all_estimators(type_filter="transformer")
    if not _takes_sequences(cls)
]
# Transformers that return windows (not new features such as embeddings).
WINDOW_TRANSFORMERS = [
    (name, cls)
    for name, cls in TRANSFORMERS
    if not issubclass(cls, ClassNamePrefixFeaturesOutMixin)
    # Transformers of windows; TextSerializer takes 2-D series.
    and cls(**cls.get_test_params()[0]).__sklearn_tags__().input_tags.three_d_array
]


def _instances(estimators):
    for _, cls in estimators:
        for params in cls.get_test_params():
            yield cls(**params)


def _expected_failures(estimator):
    """Checks an estimator documents as not applicable, with the reason."""
    return getattr(estimator, "_expected_check_failures", lambda: {})()


def test_discovery_finds_the_public_api():
    names = {name for name, _ in ESTIMATORS}
    assert {
        "STStandardScaler",
        "MissingValueImputer",
        "OutlierClipper",
        "TemporalPatcher",
        "CalendarFeatures",
        "FourierFeatures",
        "LaplacianPositionalEncoding",
    } <= names


@parametrize_with_checks(
    [e for e in _instances(ESTIMATORS) if e.__sklearn_tags__().input_tags.two_d_array],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# sk_stfm's own N-D checks: what scikit-learn's 2-D checks cannot see.
WINDOWS = np.random.default_rng(0).normal(size=(6, 12, 3, 2))


def _fitted_transformer(transformer, X):
    transformer = clone(transformer)
    if "adjacency" in transformer.get_params():
        ring = np.roll(np.eye(WINDOWS.shape[2]), 1, axis=1)
        transformer.set_params(adjacency=ring + ring.T)
    return transformer.fit(X)


@pytest.mark.parametrize(
    "transformer", list(_instances(WINDOW_TRANSFORMERS)), ids=lambda t: repr(t)
)
class TestWindowTransformers:
    def _fitted(self, transformer, X):
        return _fitted_transformer(transformer, X)

    def test_4d_in_4d_out(self, transformer):
        out = self._fitted(transformer, WINDOWS).transform(WINDOWS)
        assert out.ndim == 4
        assert out.shape[0] == WINDOWS.shape[0]
        assert out.shape[2] == WINDOWS.shape[2]

    def test_2d_through_window_shape_matches_4d(self, transformer):
        flat = WINDOWS.reshape(len(WINDOWS), -1)
        as_4d = self._fitted(transformer, WINDOWS).transform(WINDOWS)
        t2 = self._fitted(transformer, WINDOWS)
        t2.set_params(window_shape=WINDOWS.shape[1:])
        t2 = self._fitted(t2, flat)
        out = t2.transform(flat)
        assert out.ndim == 2
        np.testing.assert_allclose(out, as_4d.reshape(len(WINDOWS), -1))

    def test_nan_is_tolerated_and_does_not_spread(self, transformer):
        X = WINDOWS.copy()
        X[0, 3, 1, 0] = np.nan
        fitted = self._fitted(transformer, X)
        out = fitted.transform(X)
        # Windows without NaN are unaffected by NaN elsewhere in the batch.
        clean = fitted.transform(WINDOWS[1:])
        np.testing.assert_allclose(out[1:], clean, equal_nan=True)

    def test_rejects_other_node_count(self, transformer):
        fitted = self._fitted(transformer, WINDOWS)
        with pytest.raises(ValueError, match="n_nodes"):
            fitted.transform(WINDOWS[:, :, :2])

# Checks of what only some transformers offer run on those that offer it.
@pytest.mark.parametrize(
    "transformer",
    [t for t in _instances(WINDOW_TRANSFORMERS) if hasattr(t, "inverse_transform")],
    ids=lambda t: repr(t),
)
def test_window_inverse_transform_round_trip(transformer):
    fitted = _fitted_transformer(transformer, WINDOWS)
    back = fitted.inverse_transform(fitted.transform(WINDOWS))
    np.testing.assert_allclose(back, WINDOWS, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "transformer",
    [
        t
        for t in _instances(WINDOW_TRANSFORMERS)
        # The others document float64 output.
        if "float32" in t.__sklearn_tags__().transformer_tags.preserves_dtype
    ],
    ids=lambda t: repr(t),
)
def test_window_float32_is_preserved(transformer):
    X = WINDOWS.astype(np.float32)
    assert _fitted_transformer(transformer, X).transform(X).dtype == np.float32


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4, 5, 6)])
@pytest.mark.parametrize("name_cls", TRANSFORMERS, ids=lambda nc: nc[0])
def test_wrong_ndim_names_expected_shape(name_cls, shape):
    _, cls = name_cls
    with pytest.raises(ValueError, match=r"n_samples|2D array"):
        cls(**cls.get_test_params()[0]).fit(np.zeros(shape))


ESTIMATOR_INSTANCES = [
    estimator
    for estimator in _instances(all_estimators(type_filter="estimator"))
    # Window targets: classifiers take labels instead (tests/test_classifier.py).
    if estimator.__sklearn_tags__().target_tags.required and not is_classifier(estimator)
]
OUTLIER_DETECTORS = [
    estimator
    for estimator in _instances(all_estimators(type_filter="estimator"))
    if is_outlier_detector(estimator)
]
TARGETS = np.random.default_rng(1).normal(size=(6, 4, 3, 1))


@pytest.mark.parametrize("estimator", ESTIMATOR_INSTANCES, ids=lambda e: repr(e))
class TestWindowEstimators:
    def test_4d_windows_in_targets_shape_out(self, estimator):
        fitted = clone(estimator).set_params(random_state=0).fit(WINDOWS, TARGETS)
        prediction = fitted.predict(WINDOWS)
        assert prediction.shape == TARGETS.shape
        assert prediction.dtype == np.float64

    def test_nan_inputs_give_finite_predictions(self, estimator):
        X = WINDOWS.copy()
        X[0, :, 1, 0] = np.nan  # a whole missing series
        X[1, 3, 2, 1] = np.nan
        y = TARGETS.copy()
        y[2, 0, 0, 0] = np.nan
        fitted = clone(estimator).set_params(random_state=0).fit(X, y)
        assert np.isfinite(fitted.predict(X)).all()

    def test_all_missing_target_is_refused(self, estimator):
        with pytest.raises(ValueError, match="y"):
            clone(estimator).fit(WINDOWS, np.full_like(TARGETS, np.nan))


@pytest.mark.parametrize("detector", OUTLIER_DETECTORS, ids=lambda e: repr(e))
class TestWindowOutlierDetectors:
    def test_4d_windows_in_one_label_per_window_out(self, detector):
        fitted = clone(detector).set_params(random_state=0).fit(WINDOWS)
        assert fitted.score_samples(WINDOWS).shape == (len(WINDOWS),)
        assert set(fitted.predict(WINDOWS)) <= {-1, 1}

    def test_nan_inputs_give_finite_scores(self, detector):
        X = WINDOWS.copy()
        X[0, :, 1, 0] = np.nan
        X[1, 3, 2, 1] = np.nan
        fitted = clone(detector).set_params(random_state=0).fit(X)
        assert np.isfinite(fitted.score_samples(X)).all()


# Estimators of irregular sequences declare ``two_d_array=False``: scikit-learn's
# data-driven checks send 2-D arrays, which are not their input, so they get
# scikit-learn's checks that need no data, and these ones on sequences.
SEQUENCE_API_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_do_not_raise_errors_in_init_or_set_params",
)
SEQUENCE_INSTANCES = list(_instances(SEQUENCE_ESTIMATORS))


def _argument(method):
    """The name of a method's first argument, which its errors must name."""
    return re.escape(next(iter(inspect.signature(method).parameters)))


def _fit(estimator, sequences, labels):
    estimator = clone(estimator)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)
    return estimator.fit(sequences) if labels is None else estimator.fit(sequences, labels)


def _outputs(fitted, sequences, labels):
    """What each public method returns, as arrays, for comparisons."""
    outputs = {}
    for method in ("predict", "predict_proba", "transform", "score_samples"):
        if hasattr(fitted, method):
            result = getattr(fitted, method)(sequences)
            outputs[method] = (
                [np.asarray(r) for r in result] if isinstance(result, list) else np.asarray(result)
            )
    if hasattr(fitted, "score"):
        outputs["score"] = (
            fitted.score(sequences) if labels is None else fitted.score(sequences, labels)
        )
    return outputs


def _fingerprint(value, depth=0):
    """A hash of what ``value`` holds (weights, generator states, attributes).

    Pickles of torch generators are not deterministic, so values are
    compared through what they contain, recursively (a few levels: a
    fitted ``net_`` holds its module, optimizer and callbacks).
    """
    if isinstance(value, torch.Generator):
        return joblib.hash(value.get_state().numpy())
    if isinstance(value, torch.Tensor):
        return joblib.hash(value.detach().cpu().numpy())
    if isinstance(value, torch.nn.Module):
        flags = [module.training for module in value.modules()]
        return (type(value).__name__, tuple(flags), _fingerprint(value.state_dict(), depth + 1))
    if isinstance(value, dict):
        return tuple(sorted((str(k), _fingerprint(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(v, depth + 1) for v in value)
    own = type(value).__module__.split(".")[0] in ("sk_stfm", "skorch")
    if own and hasattr(value, "__dict__") and depth < 4:
        return (type(value).__name__, _fingerprint(vars(value), depth + 1))
    try:
        return joblib.hash(value)
    except Exception:  # an object without a stable pickle: its type only
        return type(value).__name__


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        left, right = a[key], b[key]
        if isinstance(left, list):
            assert len(left) == len(right)
            for x, y in zip(left, right, strict=True):
                np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(left, right)


@pytest.mark.parametrize("check_name", SEQUENCE_API_CHECKS)
@pytest.mark.parametrize("estimator", SEQUENCE_INSTANCES, ids=lambda e: repr(e))
def test_sequence_estimator_api(estimator, check_name):
    getattr(estimator_checks, check_name)(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", SEQUENCE_INSTANCES, ids=lambda e: repr(e))
class TestSequenceEstimators:
    def test_fit_returns_self_keeps_params_and_input(self, estimator):
        sequences, labels = sequences_for(estimator)
        copies = [s.copy() for s in sequences]
        estimator = clone(estimator)
        params = estimator.get_params()
        assert _fit(estimator, sequences, labels).__class__ is type(estimator)
        fitted = estimator.fit(sequences) if labels is None else estimator.fit(sequences, labels)
        assert fitted is estimator
        assert repr(estimator.get_params()) == repr(params)
        for before, after in zip(copies, sequences, strict=True):
            np.testing.assert_array_equal(before, after)
        assert _outputs(fitted, sequences, labels)

    def test_unfitted_estimator_raises_not_fitted(self, estimator):
        sequences, labels = sequences_for(estimator)
        for method in ("predict", "transform", "score_samples"):
            if hasattr(estimator, method):
                with pytest.raises(NotFittedError):
                    getattr(clone(estimator), method)(sequences)

    def test_same_seed_same_outputs_and_pickle_round_trip(self, estimator):
        sequences, labels = sequences_for(estimator)
        first = _fit(estimator, sequences, labels)
        expected = _outputs(first, sequences, labels)
        _assert_same(expected, _outputs(_fit(estimator, sequences, labels), sequences, labels))
        restored = pickle.loads(pickle.dumps(first))
        _assert_same(expected, _outputs(restored, sequences, labels))

    # The sequence counterparts of scikit-learn's data-driven API checks
    # (check_fit_score_takes_y, check_dont_overwrite_parameters,
    # check_readonly_memmap_input, check_dict_unchanged,
    # check_methods_sample_order_invariance, check_methods_subset_invariance).
    def test_fit_and_score_take_y_second(self, estimator):
        for method in ("fit", "score", "fit_transform", "fit_predict"):
            if hasattr(estimator, method):
                arguments = list(inspect.signature(getattr(estimator, method)).parameters)
                assert arguments[1] in ("y", "Y"), (method, arguments)

    def test_fit_adds_only_private_or_fitted_attributes(self, estimator):
        sequences, labels = sequences_for(estimator)
        estimator = clone(estimator)
        before = set(vars(estimator))
        fitted = _fit(estimator, sequences, labels)
        added = set(vars(fitted)) - before
        assert all(a.startswith("_") or a.endswith("_") for a in added), added

    def test_read_only_input_and_predictions_leave_state_unchanged(self, estimator):
        sequences, labels = sequences_for(estimator)
        frozen = [s.copy() for s in sequences]
        for s in frozen:
            s.setflags(write=False)
        fitted = _fit(estimator, frozen, labels)
        before = {key: _fingerprint(value) for key, value in vars(fitted).items()}
        _outputs(fitted, frozen, labels)
        after = {key: _fingerprint(value) for key, value in vars(fitted).items()}
        changed = sorted(
            key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        assert not changed, f"predicting changed {changed}"
        _assert_same(
            _outputs(pickle.loads(pickle.dumps(fitted)), frozen, labels),
            _outputs(fitted, frozen, labels),
        )

    def test_outputs_follow_the_order_and_subset_of_sequences(self, estimator):
        sequences, labels = sequences_for(estimator)
        fitted = _fit(estimator, sequences, labels)
        order = np.random.default_rng(0).permutation(len(sequences))
        for method in ("predict", "predict_proba", "transform", "score_samples"):
            if not hasattr(fitted, method):
                continue
            call = getattr(fitted, method)
            full = call(sequences)
            shuffled = call([sequences[i] for i in order])
            subset = call(sequences[:3])
            for got, index in ((shuffled, order), (subset, np.arange(3))):
                for j, i in enumerate(index):
                    np.testing.assert_allclose(
                        np.asarray(got[j], dtype=float),
                        np.asarray(full[i], dtype=float),
                        rtol=1e-6,
                        atol=1e-9,
                        err_msg=method,
                    )

    @pytest.mark.parametrize(
        "corrupt",
        ["unsorted", "empty_sequence", "nan", "no_sequences", "not_a_list"],
    )
    def test_malformed_sequences_are_refused_by_name(self, estimator, corrupt):
        sequences, labels = sequences_for(estimator)
        bad, bad_labels = [s.copy() for s in sequences], labels
        if corrupt == "unsorted":
            bad[1][[0, 2]] = bad[1][[2, 0]]
        elif corrupt == "empty_sequence":
            bad[2] = bad[2][:0]
        elif corrupt == "nan":
            bad[0][3, 1] = np.nan
        elif corrupt == "no_sequences":
            bad = []
            bad_labels = None if labels is None else labels[:0]
        else:
            bad = "trajectories.csv"
        with pytest.raises((ValueError, TypeError), match=_argument(estimator.fit)):
            _fit(estimator, bad, bad_labels)
        fitted = _fit(estimator, sequences, labels)
        for method in ("predict", "transform", "score_samples"):
            if hasattr(fitted, method) and corrupt != "no_sequences":
                call = getattr(fitted, method)
                with pytest.raises((ValueError, TypeError), match=_argument(call)):
                    call(bad)


# sktime's conformance suite for the sktime forecasters (sktime is an extra).


def _sktime_forecasters():
    if importlib.util.find_spec("sktime") is None:
        return []
    from sk_stfm.forecasting import SktimeForecaster

    return [SktimeForecaster(**params) for params in SktimeForecaster.get_test_params()]


@pytest.mark.parametrize(
    "forecaster", _sktime_forecasters(), ids=lambda f: " ".join(repr(f).split())
)
def test_sktime_check_estimator(forecaster):
    from sktime.utils.estimator_checks import check_estimator

    results = check_estimator(forecaster, raise_exceptions=False, verbose=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert results and not failed, failed
