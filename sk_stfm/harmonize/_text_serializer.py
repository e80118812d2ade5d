"""TextSerializer: numeric series to text and back, for prompting language models."""

import numbers
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data import input_ndim
from ..data._validation import check_windows_input
from ..utils._compat import Interval, fit_context
from ..utils._test_params import TestParamsMixin
from ._base import FLOAT_DTYPES

# Written once by _check_format: a format that cannot read these back is ambiguous.
_PROBE = np.array([-12.25, 0.5, np.nan, 3.0, 0.0, -0.07, 1e6])


class TextSerializer(TestParamsMixin, TransformerMixin, BaseEstimator):
    """Write numeric series as text and read them back, as in LLMTime.

    Each series becomes one string of values separated by ``sep``. Every
    value is rounded to ``precision`` decimals and written with exactly
    that many (``-1.50``, ``0.07``); with ``decimal_point=None`` the point
    is dropped and the digits are those of ``round(x * 10**precision)``
    (``-150``, ``7``), LLMTime's encoding, which spends fewer tokens and
    lets a language model treat every digit as a token. NaN is written as
    ``missing``. Scaling the series is not the serializer's job (see
    :class:`~sk_stfm.adapters.Prompt`).

    :meth:`inverse_transform` is the exact inverse at the chosen precision:
    ``inverse_transform(transform(X))`` equals ``np.round(X, precision)``
    bit for bit, NaN included. :meth:`parse` reads text a language model
    generated, which may stop in the middle or drift off format.

    Parameters
    ----------
    precision : int, default=2
        Decimals kept, from 0 to 15.
    sep : str, default=", "
        Separator between consecutive values (LLMTime's ``time_sep``).
        When reading, whitespace around values is ignored, and so is
        whitespace inside ``sep``: ``"1.00,2.00"`` reads like
        ``"1.00, 2.00"``; a ``sep`` of whitespace only matches any run of
        whitespace.
    decimal_point : str or None, default="."
        Written between the integer and the ``precision`` decimal digits;
        ``None`` drops it (LLMTime).
    digit_sep : str, default=""
        Written between the characters of a number, e.g. ``" "`` so that a
        tokenizer that merges digits still sees one token per digit
        (LLMTime's ``bit_sep`` for GPT-3). Optional when reading.
    minus_sign : str, default="-"
        Prefix of negative values; positive values have none.
    missing : str, default="NaN"
        Token of a missing value.

    Attributes
    ----------
    n_features_in_ : int
        Number of steps per series seen in ``fit``.

    See Also
    --------
    sk_stfm.adapters.Prompt : Forecasts by prompting a language model with
        serialized series.

    Notes
    -----
    A value ``x`` is written as the integer ``k = rint(x * 10**precision)``,
    the same arithmetic as :func:`numpy.round`, and read back as ``k /
    10**precision``; every float is an exact decimal, so the digits of
    ``k`` are exact too and the round trip loses nothing beyond the
    rounding. A value whose ``k`` overflows float64 (above about
    ``1.8e308 / 10**precision``) cannot be written and raises a
    ``ValueError``. A format whose text would be ambiguous (``sep`` that
    can appear inside a number, a digit in a separator, an empty sign) is
    refused with a ``ValueError`` naming the parameter.

    References
    ----------
    .. [1] N. Gruver, M. Finzi, S. Qiu and A. G. Wilson, "Large Language
       Models Are Zero-Shot Time Series Forecasters", NeurIPS 2023.
    .. [2] H. Xue and F. D. Salim, "PromptCast: A New Prompt-based Learning
       Paradigm for Time Series Forecasting", IEEE TKDE 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.harmonize import TextSerializer
    >>> X = np.array([[1.234, -0.5, np.nan], [10.0, 0.004, 2.5]])
    >>> serializer = TextSerializer(precision=2).fit(X)
    >>> texts = serializer.transform(X)
    >>> list(texts)
    ['1.23, -0.50, NaN', '10.00, 0.00, 2.50']
    >>> serializer.inverse_transform(texts)
    array([[ 1.23, -0.5 ,   nan],
           [10.  ,  0.  ,  2.5 ]])
    >>> list(TextSerializer(decimal_point=None, sep=",").fit(X).transform(X))
    ['123,-50,NaN', '1000,0,250']

    A generated continuation is read up to its first malformed value:

    >>> serializer.parse("0.51, 0.62, 0.7x, 0.80", n_values=4)
    array([0.51, 0.62,  nan,  nan])
    """

    _parameter_constraints: dict = {
        "precision": [Interval(numbers.Integral, 0, 15, closed="both")],
        "sep": [str],
        "decimal_point": [str, None],
        "digit_sep": [str],
        "minus_sign": [str],
        "missing": [str],
    }
    _test_params = [{}, {"precision": 3, "decimal_point": None, "digit_sep": " ", "sep": " ,"}]

    def __init__(
        self,
        *,
        precision=2,
        sep=", ",
        decimal_point=".",
        digit_sep="",
        minus_sign="-",
        missing="NaN",
    ):
        self.precision = precision
        self.sep = sep
        self.decimal_point = decimal_point
        self.digit_sep = digit_sep
        self.minus_sign = minus_sign
        self.missing = missing

    # ------------------------------------------------------------ validation
    def _check_format(self):
        """Refuse separators and signs that would make the text ambiguous."""
        parts = {
            "sep": self.sep,
            "digit_sep": self.digit_sep,
            "minus_sign": self.minus_sign,
            "missing": self.missing,
        }
        if self.decimal_point is not None:
            parts["decimal_point"] = self.decimal_point
        for name, part in parts.items():
            if any(char.isdigit() for char in part):
                raise ValueError(f"{name} must not contain digits; got {part!r}.")
        if not self.sep:
            raise ValueError("sep must not be empty: values would run together.")
        for name in ("minus_sign", "missing", "decimal_point"):
            if name in parts and not parts[name].strip():
                raise ValueError(
                    f"{name} must hold a character other than whitespace; got {parts[name]!r}."
                )
        written = self._write(_PROBE)
        back, n_read = self._read(written, len(_PROBE))
        if n_read != len(_PROBE) or not np.array_equal(
            back, np.round(_PROBE, self.precision), equal_nan=True
        ):
            raise ValueError(
                f"sep={self.sep!r}, decimal_point={self.decimal_point!r}, "
                f"digit_sep={self.digit_sep!r}, minus_sign={self.minus_sign!r} and "
                f"missing={self.missing!r} make the text ambiguous: {written!r} does not "
                "read back as the values written; choose a sep that cannot occur inside a "
                "number."
            )

    def _check_series(self, X, *, reset):
        if input_ndim(X) > 2:
            raise ValueError(
                "X must be a 2D array of shape (n_series, n_steps), one series per row; "
                f"got an input with {input_ndim(X)} dimension(s)."
            )
        check_windows_input(X, ndims=(2,), shape_doc="(n_series, n_steps)")
        X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")
        return X.astype(np.float64, copy=False)

    # --------------------------------------------------------------- the API
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the format and the series length; the serializer learns nothing else.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps)
            Series, one per row; NaN marks a missing value.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted serializer.
        """
        self._check_series(X, reset=True)
        self._check_format()
        return self

    def transform(self, X):
        """Write each series as one string.

        Parameters
        ----------
        X : array-like of shape (n_series, n_steps)
            Series, one per row, of the length seen in :meth:`fit`.

        Returns
        -------
        texts : ndarray of shape (n_series,) and dtype object
            One string per series.
        """
        check_is_fitted(self)
        X = self._check_series(X, reset=False)
        texts = np.empty(len(X), dtype=object)
        texts[:] = [self._write(row) for row in X]
        return texts

    def inverse_transform(self, X):
        """Read strings written by :meth:`transform` back into series.

        Parameters
        ----------
        X : array-like of shape (n_series,)
            Strings, each holding ``n_features_in_`` values.

        Returns
        -------
        X_original : ndarray of shape (n_series, n_steps)
            The series, rounded to ``precision`` decimals; float64.

        Raises
        ------
        ValueError
            When a string holds a malformed value or another number of values.
        """
        check_is_fitted(self)
        texts = _check_texts(X, "X")
        n_steps = self.n_features_in_
        out = np.empty((len(texts), n_steps), dtype=np.float64)
        for i, text in enumerate(texts):
            tokens = self._tokens(text)
            if len(tokens) != n_steps:
                raise ValueError(f"X[{i}] holds {len(tokens)} values; expected n_steps={n_steps}.")
            out[i], n_read = self._read(text, n_steps)
            if n_read < n_steps:
                raise ValueError(
                    f"X[{i}] has a malformed value {tokens[n_read]!r} at position {n_read}."
                )
        return out

    def parse(self, text, n_values):
        """Read the first ``n_values`` values of a generated continuation.

        Reading stops at the first malformed value (a partial number, a
        word, an empty value between two separators) or at the end of the
        text; the values that are not read are NaN. Text that starts with
        ``sep`` (the continuation of a prompt that did not end with one) is
        read from after it. The serializer need not be fitted.

        Parameters
        ----------
        text : str
            Generated text, e.g. a language model's continuation of a
            serialized series.
        n_values : int
            Number of values wanted; values after them are ignored.

        Returns
        -------
        values : ndarray of shape (n_values,)
            The values read, then NaN; float64. A ``missing`` token reads as
            NaN too: ``np.isnan`` marks both.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}.")
        if not isinstance(n_values, numbers.Integral) or n_values < 0:
            raise ValueError(f"n_values must be a non-negative int; got {n_values!r}.")
        self._validate_params()
        self._check_format()
        values, _ = self._read(text, int(n_values), skip_leading_sep=True)
        return values

    # --------------------------------------------------------------- writing
    def _write(self, values):
        """One series (1-D float64) as a string."""
        p = self.precision
        with np.errstate(over="ignore", invalid="ignore"):
            ints = np.rint(np.asarray(values, dtype=np.float64) * 10.0**p)
        if np.isinf(ints).any():
            raise ValueError(
                f"X has values too large to write with precision={p}: "
                f"|x| * 10**{p} overflows float64."
            )
        return self.sep.join(self._write_value(k) for k in ints)

    def _write_value(self, k):
        if np.isnan(k):
            return self.missing
        digits = f"{abs(k):.0f}"  # exact: k is an integral float
        if self.decimal_point is not None and self.precision > 0:
            digits = digits.zfill(self.precision + 1)
            chars = [*digits[: -self.precision], self.decimal_point, *digits[-self.precision :]]
        else:
            chars = list(digits)
        # -0.0 (a small negative rounded to zero) is written without a sign.
        return (self.minus_sign if k < 0 else "") + self.digit_sep.join(chars)

    # --------------------------------------------------------------- reading
    def _split_pattern(self):
        core = self.sep.strip()
        return re.compile(r"\s*" + re.escape(core) + r"\s*" if core else r"\s+")

    def _value_pattern(self):
        ds = f"(?:{re.escape(self.digit_sep)})?" if self.digit_sep else ""
        digits = rf"\d(?:{ds}\d)*"
        number = rf"(?P<sign>{re.escape(self.minus_sign.strip())}{ds})?(?P<int>{digits})"
        if self.decimal_point is not None:
            point = re.escape(self.decimal_point.strip())
            number += rf"(?:{ds}{point}{ds}(?P<frac>{digits}))?"
        return re.compile(rf"(?:(?P<missing>{re.escape(self.missing.strip())})|{number})")

    def _tokens(self, text):
        """Values of ``text`` as strings; a trailing separator ends the text."""
        tokens = self._split_pattern().split(text.strip())
        if len(tokens) > 1 and tokens[-1] == "":
            tokens = tokens[:-1]
        return [] if tokens == [""] else tokens

    def _read(self, text, n_values, *, skip_leading_sep=False):
        """``(values, n_read)``: the first ``n_values`` values, NaN after a malformed one."""
        tokens = self._split_pattern().split(text.strip())
        if skip_leading_sep and len(tokens) > 1 and tokens[0] == "":
            tokens = tokens[1:]
        pattern = self._value_pattern()
        values = np.full(n_values, np.nan)
        n_read = 0
        for token in tokens[:n_values]:
            match = pattern.fullmatch(token.strip())
            if match is None:
                break
            if match["missing"] is None:
                values[n_read] = self._number(match)
            n_read += 1
        return values, n_read

    def _number(self, match):
        strip = re.compile(r"\D")  # digit_sep, if any, sits between the digits
        integer = strip.sub("", match["int"])
        frac = strip.sub("", match["frac"]) if match.groupdict().get("frac") else ""
        decimals = len(frac) if self.decimal_point is not None else self.precision
        value = float(integer + frac) / 10.0**decimals
        return -value if match["sign"] else value

    def _expected_check_failures(self):
        # These checks compare outputs with assert_allclose, which cannot
        # subtract strings; tests/test_text_serializer.py checks each
        # property on the text itself.
        reason = (
            "transform returns text; the check compares outputs numerically "
            "(tests/test_text_serializer.py checks {} on the strings)"
        )
        return {
            "check_transformer_general": reason.format("fit_transform == fit().transform"),
            "check_transformer_data_not_an_array": reason.format("list input == array input"),
            "check_methods_sample_order_invariance": reason.format("row order invariance"),
            "check_methods_subset_invariance": reason.format("subset invariance"),
            "check_fit_idempotent": reason.format("refitting gives the same text"),
            "check_estimators_pickle": reason.format("the pickle round trip"),
            "check_pipeline_consistency": reason.format("the pipeline gives the same text"),
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        # The output is text: no numeric dtype to preserve.
        tags.transformer_tags.preserves_dtype = []
        return tags


def _check_texts(texts, name):
    """A 1-D object array of ``str`` from ``texts``, or a clear error."""
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a 1-D array-like of str, one per series; got one str.")
    array = np.asarray(texts, dtype=object)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array-like of str of shape (n_series,); got shape {array.shape}."
        )
    bad = [i for i, t in enumerate(array) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"{name} must hold str, one per series; {name}[{bad[0]}] is "
            f"{type(array[bad[0]]).__name__}."
        )
    return array
