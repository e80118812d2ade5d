"""Ranges of a search space, declared without importing Optuna.

A backbone registers the ranges of its hyperparameters worth searching
(``register_backbone(search_space=...)``); the backbones must stay
importable without the ``tune`` extra, so the ranges are plain data here
and :mod:`sk_stfm.tuning` turns them into Optuna distributions.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class IntRange:
    """Integers from ``low`` to ``high`` (both included).

    Parameters
    ----------
    low, high : int
        Bounds, both included.
    step : int, default=1
        Spacing of the values (ignored when ``log``).
    log : bool, default=False
        Draw on a log scale.

    Examples
    --------
    >>> from sk_stfm.utils import IntRange
    >>> IntRange(16, 64, step=8).to_optuna()
    IntDistribution(high=64, log=False, low=16, step=8)
    """

    low: int
    high: int
    step: int = 1
    log: bool = False

    def __post_init__(self):
        if not (isinstance(self.low, int) and isinstance(self.high, int)) or self.low > self.high:
            raise ValueError(f"IntRange needs integers low <= high; got {self.low}, {self.high}.")

    def to_optuna(self):
        """Return the equivalent :class:`optuna.distributions.IntDistribution`.

        Returns
        -------
        distribution : optuna.distributions.IntDistribution
            The range as Optuna draws it.
        """
        from optuna.distributions import IntDistribution

        return IntDistribution(self.low, self.high, step=1 if self.log else self.step, log=self.log)


@dataclass(frozen=True)
class FloatRange:
    """Real numbers from ``low`` to ``high``.

    Parameters
    ----------
    low, high : float
        Bounds.
    log : bool, default=False
        Draw on a log scale.

    Examples
    --------
    >>> from sk_stfm.utils import FloatRange
    >>> FloatRange(0.0, 0.3).to_optuna()
    FloatDistribution(high=0.3, log=False, low=0.0, step=None)
    """

    low: float
    high: float
    log: bool = False

    def __post_init__(self):
        if not self.low <= self.high:
            raise ValueError(f"FloatRange needs low <= high; got {self.low}, {self.high}.")

    def to_optuna(self):
        """Return the equivalent :class:`optuna.distributions.FloatDistribution`.

        Returns
        -------
        distribution : optuna.distributions.FloatDistribution
            The range as Optuna draws it.
        """
        from optuna.distributions import FloatDistribution

        return FloatDistribution(float(self.low), float(self.high), log=self.log)
