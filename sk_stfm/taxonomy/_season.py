"""The season of a data set for the seasonal naive baseline: its strongest period."""

import pandas as pd

from ._profile import format_duration

# Calendar seasons of common steps, used when no period stands out (too
# short a record, or noise): a week of days, a year of weeks.
_DAY = pd.Timedelta(days=1)
_CALENDAR = (
    (pd.Timedelta(days=1), 7, "the week of daily steps"),
    (pd.Timedelta(weeks=1), 52, "the year of weekly steps"),
)


def seasonal_period(profile):
    """The period of the seasonal naive baseline, and where it comes from.

    The strongest of the profile's dominant periods; without one, the
    calendar season of the time step (a day of sub-daily steps that divide
    it, a week of daily steps, a year of weekly steps).

    Parameters
    ----------
    profile : DataProfile
        What :func:`describe` measured on the data.

    Returns
    -------
    period : int or None
        Season length in steps; ``None`` when the profile has no period and
        its step has no calendar season (irregular data, or months, which
        have no fixed step).
    source : str
        How the period was chosen, for reports: ``"strongest period found by
        describe (24 h)"``, ``"calendar: the day of 1 h steps"`` or why
        there is none.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.taxonomy import describe, seasonal_period
    >>> t = np.arange(480)
    >>> seasonal_period(describe(np.sin(2 * np.pi * t / 24)[:, None]))
    (24, 'strongest period found by describe')
    >>> seasonal_period(describe(np.random.default_rng(0).normal(size=(480, 1))))
    (None, 'no period found by describe and no calendar time step')
    """
    if profile.periods:
        period = profile.periods[0]
        source = "strongest period found by describe"
        if period.duration is not None:
            source += f" ({format_duration(period.duration)})"
        return int(period.steps), source
    step = profile.time_step
    if profile.sampling != "regular" or step is None or step <= pd.Timedelta(0):
        return None, "no period found by describe and no calendar time step"
    if step < _DAY and _DAY % step == pd.Timedelta(0):
        return int(_DAY // step), f"calendar: the day of {format_duration(step)} steps"
    for length, period, text in _CALENDAR:
        if step == length:
            return period, f"calendar: {text}"
    return None, (
        f"no period found by describe and no calendar season of {format_duration(step)} steps"
    )


# Steps per year of the calendar frequencies whose step has no fixed length.
_PER_YEAR = {"M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4}


def calendar_period(index):
    """The calendar season of a regular time index, from its frequency.

    The season a forecaster of such data usually repeats: a year of months
    (12) or quarters (4), a year of weeks (52), a week of days (7), a day of
    sub-daily steps. Known exactly from the index, unlike a period
    estimated from a short, noisy series.

    Parameters
    ----------
    index : pandas.Index
        Time index (``PeriodIndex`` or ``DatetimeIndex`` with a frequency).

    Returns
    -------
    period : int or None
        Steps per season; ``None`` for an index without a frequency, or one
        without a calendar season (years, irregular steps).

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_stfm.taxonomy._season import calendar_period
    >>> calendar_period(pd.period_range("2000-01", periods=24, freq="M"))
    12
    >>> calendar_period(pd.date_range("2024-01-01", periods=96, freq="30min"))
    48
    >>> calendar_period(pd.period_range("1900", periods=20, freq="Y")) is None
    True
    """
    freq = getattr(index, "freq", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = pd.infer_freq(index)
    if freq is None:
        return None
    offset = pd.tseries.frequencies.to_offset(freq)
    code = offset.rule_code.split("-")[0].upper()
    if code in _PER_YEAR:
        return _PER_YEAR[code] // max(int(getattr(offset, "n", 1)), 1) or None
    if code.startswith("W"):
        return 52
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):  # years: no fixed length and no season
        return None
    if step == _DAY:
        return 7
    if pd.Timedelta(0) < step < _DAY and _DAY % step == pd.Timedelta(0):
        return int(_DAY // step)
    return None
