"""Scaling inside the estimators: the network learns in standard units.

Users bring data in its own units (passengers, mph, kW). With
``scaling="standard"`` an estimator standardizes each node and channel of
its inputs with statistics of the training windows, learns and predicts in
those units, and maps outputs back, so predictions are in the units of
``y`` (or ``X``) as given to ``fit``. The statistics are fitted attributes:
nothing of the test data leaks into them.
"""

import numpy as np

from ..data._protocol import training_statistics

# Statistics are estimated from at most this many steps per series: the
# windows of a long series repeat each step ``n_steps`` times, and an
# evenly spaced subset of windows estimates a mean and a scale as well.
_MAX_STEPS = 1_000_000


def window_statistics(windows):
    """Mean and scale of each node and channel of ``windows``.

    Parameters
    ----------
    windows : ndarray of shape (n_samples, n_steps, n_nodes, n_channels)
        Windows; NaN is missing.

    Returns
    -------
    mean, scale : ndarray of shape (n_nodes, n_channels)
        NaN-ignoring float64 statistics over samples and steps; a series
        that is constant or never observed gets a scale of 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators._scaling import window_statistics
    >>> windows = np.arange(24.0).reshape(4, 3, 1, 2)
    >>> mean, scale = window_statistics(windows)
    >>> mean.tolist()
    [[11.0, 12.0]]
    """
    n_samples, n_steps = windows.shape[:2]
    keep = max(1, _MAX_STEPS // max(n_steps, 1))
    if n_samples > keep:
        windows = windows[np.linspace(0, n_samples - 1, keep).round().astype(int)]
    return training_statistics(windows.reshape(-1, *windows.shape[2:]))


def target_statistics(input_mean, input_scale, targets):
    """Mean and scale of the targets, shared with the inputs' when in the same units.

    A forecaster's targets are usually the future of its first input
    channels (:func:`~sk_stfm.data.make_windows`): they then share the
    inputs' statistics, so that "the last input value" and "the next
    target value" stay the same number after scaling. When they are in
    other units (inputs standardized by a pipeline step while ``y`` is
    raw, or a target that is not an input channel) the targets are scaled
    on their own.

    Parameters
    ----------
    input_mean, input_scale : ndarray of shape (n_nodes, n_channels)
        Statistics of the input windows.
    targets : ndarray of shape (n_samples, horizon, n_nodes, n_targets)
        Training targets; NaN is missing.

    Returns
    -------
    mean, scale : ndarray of shape (n_nodes, n_targets)
        Statistics for the targets.
    shared : bool
        Whether they are the statistics of the first input channels.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.estimators._scaling import target_statistics
    >>> mean, scale = np.array([[100.0]]), np.array([[10.0]])
    >>> y = 100 + 10 * np.random.default_rng(0).normal(size=(50, 4, 1, 1))
    >>> target_statistics(mean, scale, y)[2]
    True
    >>> target_statistics(mean, scale, y / 100)[2]
    False
    """
    mean, scale = window_statistics(targets)
    n_targets = targets.shape[-1]
    if n_targets > input_mean.shape[-1]:
        return mean, scale, False
    first_mean, first_scale = input_mean[:, :n_targets], input_scale[:, :n_targets]
    # Same variable: the level differs by less than a spread (a trend moves
    # the targets' mean ahead of the inputs') and the spreads agree.
    ratio = scale / first_scale
    same = (
        (np.abs(mean - first_mean) <= np.maximum(scale, first_scale))
        & (ratio > 1 / 3)
        & (ratio < 3)
    )
    if bool(np.all(same)):
        return first_mean.copy(), first_scale.copy(), True
    return mean, scale, False
