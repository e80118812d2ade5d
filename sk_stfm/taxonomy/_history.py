"""The look-back ``history="auto"`` resolves to, from the series' length and period.

A window forecaster trains on the windows of one series: a longer
history sees more of the past but leaves fewer windows to learn from,
and a series of a few dozen steps (36 months) has few to spare. The rule
below starts from what the series' dominant period suggests and shortens
it until enough windows are left.
"""

import numpy as np

from ._describe import describe

#: Shortest history "auto" gives: a few steps of context, so that a
#: series of a dozen steps still gives several windows. (A patch model
#: may need more: PatchTST's default 16-step patches every 8 steps need
#: 8, which "auto" gives whenever the series has ``h + 15`` steps.)
MIN_HISTORY = 4
#: Longest history "auto" gives, whatever the period (the longest
#: look-back of the long-horizon forecasting benchmarks is 336 to 720).
MAX_HISTORY = 512
#: Fewest training windows (at stride 1) "auto" keeps when the series
#: allows a longer history.
MIN_WINDOWS = 8


def min_length(horizon):
    """Fewest steps of ``y`` that ``history="auto"`` can train on.

    Parameters
    ----------
    horizon : int
        Target steps of each window, ``max(fh)``.

    Returns
    -------
    n_steps : int
        ``MIN_HISTORY + horizon``: one window of the shortest history.

    Examples
    --------
    >>> from sk_stfm.taxonomy._history import min_length
    >>> min_length(12)
    16
    """
    return MIN_HISTORY + horizon


def dominant_period(targets):
    """Steps of the strongest period of the targets, or ``None``.

    Parameters
    ----------
    targets : ndarray of shape (n_steps, n_nodes, n_targets)
        The observed targets; NaN is missing.

    Returns
    -------
    period : int or None
        The first period of :func:`~sk_stfm.taxonomy.describe` (strongest
        first), or ``None`` when it finds none or the series is too short
        to look for one.
    """
    # describe needs a few steps; no period is found in fewer than 8.
    if targets.shape[0] < 8:
        return None
    periods = describe(targets).periods
    return periods[0].steps if periods else None


def auto_history(n_steps, horizon, period):
    """History of ``history="auto"`` for a series of ``n_steps`` steps.

    Parameters
    ----------
    n_steps : int
        Steps of the observed series ``n``.
    horizon : int
        Target steps of each window ``h = max(fh)``.
    period : int or None
        Dominant period ``p`` in steps, ``None`` if there is none.

    Returns
    -------
    history : int
        ``max(MIN_HISTORY, min(preferred, cap))``, where ``preferred`` is
        ``max(2 p, h)`` (two cycles, and at least the horizon) with a
        period and ``max(4 h, 8)`` without, and ``cap`` keeps at
        least ``max(MIN_WINDOWS, s // 2)`` of the ``s = n - h + 1`` window
        starts as training windows and is at most ``MAX_HISTORY``.

    Raises
    ------
    ValueError
        If ``n_steps`` is below :func:`min_length`: not one window of the
        shortest history fits.

    Examples
    --------
    >>> from sk_stfm.taxonomy._history import auto_history
    >>> auto_history(144, 12, period=12)  # airline: two years
    24
    >>> auto_history(36, 12, period=None)  # shampoo sales: 12 windows left
    13
    """
    needed = min_length(horizon)
    if n_steps < needed:
        raise ValueError(
            f'y has {n_steps} time steps; history="auto" needs at least {needed} '
            f"(the shortest history, {MIN_HISTORY} steps, plus max(fh) = {horizon}, for one "
            "training window). Pass a longer series, a shorter fh, or an int history."
        )
    if period is None:
        preferred = max(4 * horizon, 8)
    else:
        preferred = max(2 * period, horizon)
    starts = n_steps - horizon + 1
    # Half of the window starts stay training windows: a short series
    # trades look-back for windows rather than fit one or two windows.
    cap = min(MAX_HISTORY, starts - max(MIN_WINDOWS, starts // 2))
    return int(max(MIN_HISTORY, min(preferred, cap)))


def resolve_history(history, targets, horizon):
    """The history to train with: ``history`` itself, or the one ``"auto"`` picks.

    Parameters
    ----------
    history : int or "auto"
        The ``history`` parameter.
    targets : ndarray of shape (n_steps, n_nodes, n_targets)
        The observed targets (``"auto"`` reads their length and period).
    horizon : int
        Target steps of each window.

    Returns
    -------
    history : int
        Input steps of each window.

    Raises
    ------
    ValueError
        If ``history`` is a string other than ``"auto"`` or an int below 1,
        or if the series is too short for ``"auto"``.
    TypeError
        If ``history`` is neither an int nor a string.
    """
    if isinstance(history, str):
        if history != "auto":
            raise ValueError(f'history must be "auto" or an int >= 1; got {history!r}.')
        n_steps = targets.shape[0]
        # Too short a series is refused by auto_history; no need to look
        # for its period first.
        long_enough = n_steps >= min_length(horizon)
        period = dominant_period(targets) if long_enough else None
        return auto_history(n_steps, horizon, period)
    if not isinstance(history, (int, np.integer)) or isinstance(history, bool):
        raise TypeError(f'history must be "auto" or an int; got {type(history).__name__}.')
    if history < 1:
        raise ValueError(f'history must be "auto" or an int >= 1; got {history}.')
    return int(history)
