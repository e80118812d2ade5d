"""Layouts of the target ``y``: what users pass and what models see."""

import numpy as np
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ..data import WINDOW_SHAPE_DOC
from ..data._validation import as_array


def as_target_windows(y, n_samples, n_nodes):
    """Read ``y`` as 4-D target windows ``(n_samples, horizon, n_nodes, n_targets)``.

    Parameters
    ----------
    y : ndarray
        ``(n_samples,)``: one step of one target; ``(n_samples, horizon)``:
        one target per node, ``horizon * n_nodes`` columns ordered step-major;
        ``(n_samples, horizon, n_targets)``: single-node data;
        ``(n_samples, horizon, n_nodes, n_targets)``: as it is.
    n_samples : int
        Number of windows in ``X``.
    n_nodes : int
        Number of nodes in ``X``.

    Returns
    -------
    windows : ndarray of shape (n_samples, horizon, n_nodes, n_targets)
        A view of ``y``.
    """
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} samples but X has {n_samples}; they must match.")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim == 2:
        if y.shape[1] % n_nodes:
            raise ValueError(
                f"2-D y must have horizon * n_nodes columns (n_nodes={n_nodes}); "
                f"got {y.shape[1]} columns."
            )
        return y.reshape(n_samples, -1, n_nodes, 1)
    if y.ndim == 3:
        if n_nodes != 1:
            raise ValueError(
                f"3-D y (n_samples, horizon, n_targets) is for single-node data, but X "
                f"has n_nodes={n_nodes}; pass y of shape {WINDOW_SHAPE_DOC}."
            )
        return y[:, :, None, :]
    if y.ndim == 4:
        if y.shape[2] != n_nodes:
            raise ValueError(
                f"y has n_nodes={y.shape[2]} but X has n_nodes={n_nodes}; y must have "
                f"shape (n_samples, horizon, {n_nodes}, n_targets)."
            )
        return y
    raise ValueError(
        f"y must be an array of shape {WINDOW_SHAPE_DOC} (or 1-D to 3-D, see the "
        f"data contract); got shape {y.shape}."
    )


def restore_target_layout(windows, target_shape):
    """Return predictions ``(n, horizon, n_nodes, n_targets)`` in ``y``'s layout.

    Parameters
    ----------
    windows : ndarray of shape (n_samples, horizon, n_nodes, n_targets)
        Predictions.
    target_shape : tuple of int
        Shape of one sample of ``y`` as given to ``fit`` (``()`` for 1-D ``y``).

    Returns
    -------
    y_pred : ndarray of shape (n_samples, *target_shape)
        The predictions.
    """
    return windows.reshape((windows.shape[0],) + tuple(target_shape))


def check_target_observed(y):
    """Raise if a target holds no observed value at all.

    Parameters
    ----------
    y : ndarray
        Targets where NaN marks a missing value.
    """
    if y.size == 0 or np.isnan(y).all():
        raise ValueError(
            "y has no observed value (all entries are NaN or y is empty); at least one "
            "finite target is needed to train."
        )


def check_score_target(y, expected_shape):
    """Validate the true targets given to ``score``; return them as float64.

    Parameters
    ----------
    y : object
        What ``score`` received.
    expected_shape : tuple of int
        Shape of the predictions: ``(n_samples, *target_shape_)``, the
        layout of ``y`` in ``fit``.

    Returns
    -------
    y : ndarray of shape ``expected_shape``
        The targets; NaN marks entries left out of the score.
    """
    if y is None:
        raise ValueError("y is required to score: pass the true targets of X.")
    y = as_array(y, "y")
    if y.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: y must hold real numbers; got {y.dtype}.")
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"y must hold numbers; {error}.") from None
    if y.shape != tuple(expected_shape):
        raise ValueError(
            f"y must have shape {tuple(expected_shape)}: one target per window of X, in "
            f"the layout of y in fit; got shape {y.shape}."
        )
    if np.isinf(y).any():
        raise ValueError("y must not contain infinity; NaN marks a missing target.")
    check_target_observed(y)
    return y


def check_class_labels(y, n_samples, estimator_name):
    """Validate class labels ``y``, one per sample; return them as a 1-D array.

    Every refusal names ``y``: a missing ``y``, ragged or 2-D labels, a
    length other than ``n_samples``, NaN or inf, continuous values.
    """
    if y is None:
        raise ValueError(
            f"This {estimator_name} estimator requires y to be passed, but the target y is None."
        )
    y = column_or_1d(as_array(y, "y"), warn=True)
    if len(y) != n_samples:
        raise ValueError(
            f"y has {len(y)} labels but X has {n_samples} samples (inconsistent numbers of "
            "samples); they must match."
        )
    if y.dtype.kind == "O" and any(label is None for label in y):
        raise ValueError("y must not contain None: every sample needs a class label.")
    assert_all_finite(y, input_name="y")
    try:
        check_classification_targets(y)
    except ValueError as error:
        raise ValueError(f"y must hold class labels (ints or strings): {error}") from None
    return y
