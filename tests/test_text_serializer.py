"""TextSerializer: series to text and back, exactly at the chosen precision."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sk_stfm.harmonize import TextSerializer

FORMATS = [
    {},
    {"decimal_point": None},
    {"decimal_point": None, "sep": ",", "precision": 3},
    {"digit_sep": " ", "sep": " ,", "minus_sign": " -", "decimal_point": None},
    {"digit_sep": " ", "decimal_point": "."},
    {"sep": " ", "missing": "?"},
    {"sep": "; ", "decimal_point": ",", "precision": 4},
]


def _random_series(rng):
    """Series mixing signs, zeros, tiny, huge and missing values."""
    n_series, n_steps = rng.integers(1, 6), rng.integers(1, 30)
    magnitude = 10.0 ** rng.uniform(-6, 12, size=(n_series, n_steps))
    X = rng.normal(size=(n_series, n_steps)) * magnitude
    X[rng.random(X.shape) < 0.1] = 0.0
    X[rng.random(X.shape) < 0.1] = np.nan
    X[rng.random(X.shape) < 0.05] = -0.0
    return X


@pytest.mark.parametrize("params", FORMATS, ids=repr)
@pytest.mark.parametrize("precision", [0, 1, 2, 5, 15])
def test_inverse_transform_is_exact_at_the_precision(params, precision):
    serializer_params = {**params, "precision": precision}
    rng = np.random.default_rng(precision)
    for _ in range(60):
        X = _random_series(rng)
        serializer = TextSerializer(**serializer_params).fit(X)
        back = serializer.inverse_transform(serializer.transform(X))
        expected = np.round(X, precision)
        assert back.dtype == np.float64
        # Bit for bit: == on every observed value, NaN exactly where it was.
        np.testing.assert_array_equal(np.isnan(back), np.isnan(X))
        observed = ~np.isnan(X)
        assert (back[observed] == expected[observed]).all()


def test_values_are_written_with_fixed_decimals():
    X = np.array([[1.234, -0.5, 0.004, np.nan, 1234.5, -0.001]])
    assert TextSerializer().fit(X).transform(X)[0] == ("1.23, -0.50, 0.00, NaN, 1234.50, 0.00")
    # Without the decimal point, the digits of round(x * 100) (LLMTime).
    assert TextSerializer(decimal_point=None, sep=",").fit(X).transform(X)[0] == (
        "123,-50,0,NaN,123450,0"
    )
    # numpy's rounding: half to even, and -0.5 to -0.0, written "0".
    assert TextSerializer(precision=0).fit(X).transform(X)[0] == "1, 0, 0, NaN, 1234, 0"
    spaced = TextSerializer(digit_sep=" ", decimal_point=None, sep=" ,", minus_sign=" -")
    assert spaced.fit(X[:, :2]).transform(X[:, :2])[0] == "1 2 3 , -5 0"


def test_large_values_keep_every_digit():
    X = np.array([[123456789012.345, -9.87654321e15, 2.0**60]])
    texts = TextSerializer(precision=2).fit(X).transform(X)
    back = TextSerializer(precision=2).fit(X).inverse_transform(texts)
    assert (back == np.round(X, 2)).all()
    assert texts[0].split(", ")[2] == f"{2**60}.00"


def test_negative_zero_is_written_without_sign():
    X = np.array([[-0.001, -0.0]])
    assert TextSerializer().fit(X).transform(X)[0] == "0.00, 0.00"


def test_transform_returns_one_string_per_series():
    X = np.arange(12.0).reshape(3, 4)
    texts = TextSerializer().fit(X).transform(X)
    assert texts.shape == (3,)
    assert texts.dtype == object
    assert all(isinstance(t, str) for t in texts)


# ------------------------------------------------------------------ parse


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.51, 0.62, 0.73", [0.51, 0.62, 0.73, np.nan]),
        ("0.51, 0.62, 0.7x, 0.80", [0.51, 0.62, np.nan, np.nan]),
        ("0.51,0.62 ,  0.73,", [0.51, 0.62, 0.73, np.nan]),  # whitespace around sep
        (", 0.51, 0.62", [0.51, 0.62, np.nan, np.nan]),  # starts with the separator
        ("0.51, , 0.73", [0.51, np.nan, np.nan, np.nan]),  # an empty value
        ("-1.50, 2, 3.125, 4, 5", [-1.5, 2.0, 3.125, 4.0]),  # only n_values are read
        ("hello", [np.nan] * 4),
        ("", [np.nan] * 4),
        ("0.51, NaN, 0.73", [0.51, np.nan, 0.73, np.nan]),  # missing reads as NaN
        ("0.51, 0.62, 0.\nThe values", [0.51, 0.62, np.nan, np.nan]),
    ],
)
def test_parse_reads_up_to_the_first_malformed_value(text, expected):
    values = TextSerializer().parse(text, n_values=4)
    np.testing.assert_array_equal(values, np.array(expected))


def test_parse_without_decimal_point_uses_the_precision():
    serializer = TextSerializer(precision=3, decimal_point=None, sep=",")
    np.testing.assert_array_equal(serializer.parse("1500,-25,7,", 3), [1.5, -0.025, 0.007])
    spaced = TextSerializer(precision=1, decimal_point=None, digit_sep=" ", sep=" ,")
    # Digit separators are optional when reading.
    np.testing.assert_array_equal(spaced.parse("1 2 , 34 , -5", 3), [1.2, 3.4, -0.5])


def test_parse_needs_no_fit_and_validates_its_arguments():
    serializer = TextSerializer()
    assert serializer.parse("1.00", 0).shape == (0,)
    with pytest.raises(TypeError, match="text"):
        serializer.parse(["1.00"], 1)
    with pytest.raises(ValueError, match="n_values"):
        serializer.parse("1.00", -1)
    with pytest.raises(ValueError, match="precision"):
        TextSerializer(precision=-1).parse("1.00", 1)


# ------------------------------------------------------------- bad input


def test_inverse_transform_refuses_malformed_text_by_name():
    X = np.ones((2, 3))
    serializer = TextSerializer().fit(X)
    with pytest.raises(ValueError, match=r"X\[1\] holds 2 values; expected n_steps=3"):
        serializer.inverse_transform(["1.00, 2.00, 3.00", "1.00, 2.00"])
    with pytest.raises(ValueError, match=r"X\[0\] has a malformed value '2.0x' at position 1"):
        serializer.inverse_transform(["1.00, 2.0x, 3.00"])
    with pytest.raises(TypeError, match=r"X\[1\] is float"):
        serializer.inverse_transform(["1.00, 2.00, 3.00", 1.0])
    with pytest.raises(TypeError, match="one str"):
        serializer.inverse_transform("1.00, 2.00, 3.00")
    with pytest.raises(ValueError, match=r"shape \(n_series,\)"):
        serializer.inverse_transform([["1.00, 2.00, 3.00"]])


def test_transform_refuses_bad_series_by_name():
    X = np.ones((2, 3))
    serializer = TextSerializer().fit(X)
    with pytest.raises(ValueError, match=r"2D array of shape \(n_series, n_steps\)"):
        serializer.transform(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="2D array"):
        serializer.transform(np.ones(3))
    with pytest.raises(ValueError, match="3 features"):
        serializer.transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="infinity"):
        serializer.transform(np.array([[1.0, np.inf, 2.0]]))
    with pytest.raises(ValueError, match="too large to write with precision=2"):
        serializer.transform(np.array([[1.0, 1e307, 2.0]]))


@pytest.mark.parametrize(
    "params, name",
    [
        ({"sep": "1"}, "sep"),
        ({"sep": ""}, "sep"),
        ({"minus_sign": ""}, "minus_sign"),
        ({"missing": "0"}, "missing"),
        ({"decimal_point": " "}, "decimal_point"),
        ({"sep": "."}, "ambiguous"),  # the decimal point
        ({"sep": " ", "digit_sep": " "}, "ambiguous"),
        ({"sep": "-"}, "ambiguous"),  # the minus sign
        ({"missing": "1.5"}, "missing"),
        ({"sep": ", ", "digit_sep": ","}, "ambiguous"),
        ({"precision": 16}, "precision"),
        ({"sep": 1}, "sep"),
    ],
)
def test_ambiguous_formats_are_refused_by_name(params, name):
    with pytest.raises((ValueError, TypeError), match=name):
        TextSerializer(**params).fit(np.ones((1, 3)))


# ----------- the properties scikit-learn's numeric checks cannot compare on text


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(scale=50.0, size=(20, 7))
    X[3, 2] = np.nan
    return X


@pytest.mark.parametrize("params", FORMATS[:3], ids=repr)
def test_text_is_invariant_to_order_subset_refit_pickle_and_pipeline(params):
    X = _data()
    serializer = TextSerializer(**params)
    texts = clone(serializer).fit(X).transform(X)
    fitted = clone(serializer).fit(X)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(fitted.transform(X[order]), texts[order])
    np.testing.assert_array_equal(fitted.transform(X[:5]), texts[:5])
    np.testing.assert_array_equal(clone(serializer).fit_transform(X), texts)
    np.testing.assert_array_equal(fitted.fit(X[:4]).fit(X).transform(X), texts)
    np.testing.assert_array_equal(fitted.transform(X.tolist()), texts)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), texts)
    np.testing.assert_array_equal(make_pipeline(clone(serializer)).fit(X).transform(X), texts)


def test_float32_input_is_written_like_its_float64_value():
    X = np.array([[0.1, 2.5, -3.75]], dtype=np.float32)
    texts = TextSerializer(precision=3).fit(X).transform(X)
    expected = TextSerializer(precision=3).fit(X.astype(np.float64)).transform(X.astype(float))
    np.testing.assert_array_equal(texts, expected)
