"""Layouts of the target ``y``: what users pass and what models see."""

import numpy as np

from ..data import WINDOW_SHAPE_DOC


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
