"""DataProfile: what :func:`~sk_stfm.taxonomy.describe` measured, as a value."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Effect-size bands of each statistic: (weak, moderate, strong) lower bounds
# on its absolute value. With thousands of observations almost any
# dependence is significant, so a dependence is "present" only when it is
# both significant and at least weak by these bands.
STRENGTH_BANDS = {
    "autocorrelation": (0.1, 0.3, 0.6),
    "moran": (0.05, 0.2, 0.5),
    "correlation": (0.1, 0.3, 0.6),
}
SIGNIFICANCE = 0.05


def strength_of(value, statistic):
    """Name the band (``"none"``, ``"weak"``, ``"moderate"``, ``"strong"``) of a value."""
    if value is None or not np.isfinite(value):
        return "none"
    weak, moderate, strong = STRENGTH_BANDS[statistic]
    size = abs(value)
    if size >= strong:
        return "strong"
    if size >= moderate:
        return "moderate"
    if size >= weak:
        return "weak"
    return "none"


def format_p(p_value):
    """``p < 0.001`` or ``p = 0.03``."""
    if p_value is None or not np.isfinite(p_value):
        return "p = n/a"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def format_duration(duration):
    """A duration in the unit people use for it: ``"5 min"``, ``"24 h"``, ``"364 days"``."""
    if duration is None:
        return ""
    seconds = duration.total_seconds()
    if seconds <= 0:
        return str(duration)
    if seconds % 3600 == 0 and seconds <= 720 * 3600:
        return f"{int(seconds // 3600)} h"
    if seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" if days == 1 else f"{days} days"
    if seconds >= 720 * 3600:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:.3g} s"


@dataclass(frozen=True)
class DependenceMeasure:
    """One measured dependence of a data set, with its statistic and verdict.

    Parameters
    ----------
    dependency : {"temporal", "spatial", "spatio-temporal"}
        The dependence of the survey's taxonomy that is measured.
    statistic : str
        What was computed, e.g. ``"autocorrelation"`` or ``"Moran's I"``.
    value : float
        The statistic.
    z_score : float or None
        Its standardized value under the null hypothesis of no dependence
        (``None`` when the statistic has no closed-form null).
    p_value : float or None
        Two-sided p-value of ``z_score`` (Bonferroni-corrected when the
        statistic is a maximum over lags).
    present : bool
        Whether the dependence counts as present: ``p_value < 0.05`` and
        ``abs(value)`` at least the weak band of the statistic (see
        :class:`DataProfile`).
    strength : {"none", "weak", "moderate", "strong"}
        The band of ``abs(value)``.
    description : str
        One line for people, e.g. ``"Moran's I = 0.33 (z = 10.7, p < 0.001)
        on the adjacency"``.

    Examples
    --------
    >>> from sk_stfm.taxonomy import DependenceMeasure
    >>> measure = DependenceMeasure("spatial", "Moran's I", 0.33, 10.7, 1e-26, True,
    ...                             "moderate", "Moran's I = 0.33 (z = 10.7, p < 0.001)")
    >>> str(measure)
    "Moran's I = 0.33 (z = 10.7, p < 0.001)"
    """

    dependency: str
    statistic: str
    value: float
    z_score: float | None
    p_value: float | None
    present: bool
    strength: str
    description: str

    def __str__(self):
        return self.description


@dataclass(frozen=True)
class Period:
    """A dominant period of a data set.

    Parameters
    ----------
    steps : int
        Length of the period in time steps.
    duration : pandas.Timedelta or None
        Its length in time, when the timestamps are regular.
    autocorrelation : float
        Autocorrelation at lag ``steps`` (mean over series).
    power : float
        Share of the spectral power in the periodogram bin of the period.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_stfm.taxonomy import Period
    >>> str(Period(24, pd.Timedelta(hours=24), 0.8, 0.13))
    '24 steps (24 h)'
    """

    steps: int
    duration: pd.Timedelta | None
    autocorrelation: float
    power: float

    def __str__(self):
        if self.duration is None:
            return f"{self.steps} steps"
        return f"{self.steps} steps ({format_duration(self.duration)})"


def _shape_text(profile):
    if profile.sampling == "irregular" and profile.n_sequences is not None:
        unit = "events" if profile.kind == "event" else "points"
        sequences = "sequence" if profile.n_sequences == 1 else "sequences"
        return f"{profile.n_sequences} {sequences}, {profile.n_points} {unit}"
    channels = "channel" if profile.n_channels == 1 else "channels"
    nodes = "node" if profile.n_nodes == 1 else "nodes"
    return f"{profile.n_steps} steps x {profile.n_nodes} {nodes} x {profile.n_channels} {channels}"


@dataclass(frozen=True)
class DataProfile:
    """The data-property profile of a data set, as the survey's taxonomy reads it.

    Returned by :func:`describe`; :func:`recommend` matches it against the
    tags of the registered backbones. Each dependence of the taxonomy has a
    :class:`DependenceMeasure` (``None`` where it cannot exist, e.g. spatial
    dependence of a single series).

    Parameters
    ----------
    name : str
        Name of the data set (empty when unknown).
    kind : {"series", "graph", "grid", "video", "trajectory", "event"}
        The data source of the taxonomy.
    sampling : {"regular", "irregular"}
        Regular steps (an :class:`~sk_stfm.data.STData` whose timestamps,
        if any, are evenly spaced) or irregular sequences (trajectories,
        events, or uneven timestamps).
    n_steps, n_nodes, n_channels : int or None
        Size of regular data (``None`` for sequences).
    n_sequences, n_points : int or None
        Number of sequences and of points (events, fixes) of irregular
        sequences (``None`` for regular data).
    time_step : pandas.Timedelta or None
        The step of regular timestamps; for sequences, the median time
        between consecutive points (times in seconds).
    missing_rate : float
        Share of missing (NaN) values.
    context : tuple of str
        What the data carry besides values, in the vocabulary of the
        backbones' ``requires`` tag: ``"adjacency"``, ``"grid_shape"``,
        ``"coords"``, ``"timestamps"``.
    temporal, spatial, spatio_temporal : DependenceMeasure or None
        The three dependencies, each measured.
    periods : tuple of Period
        Dominant periods, strongest first.
    n_marks : int or None
        Number of mark types of marked events.
    spatial_columns : tuple of str
        Columns holding locations (``("x", "y")``, ``("lat", "lon")``) of
        sequences.
    grid_shape : tuple of int or None
        ``(H, W)`` of a grid or video frame.

    Attributes
    ----------
    dependencies : tuple of str
        The dependencies whose measure is present.
    shape : tuple of int or None
        ``(n_steps, n_nodes, n_channels)`` of regular data.

    Notes
    -----
    A dependence is present when it is significant (p < 0.05) **and** its
    statistic is at least weak: ``abs(value)`` of 0.1 for an
    autocorrelation or correlation and 0.05 for Moran's I. The bands
    weak / moderate / strong start at 0.1 / 0.3 / 0.6 for correlations and
    0.05 / 0.2 / 0.5 for Moran's I. With thousands of observations almost
    any dependence is significant, hence the effect-size bound.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.taxonomy import describe
    >>> t = np.arange(480)
    >>> profile = describe(np.sin(2 * np.pi * t / 24)[:, None])
    >>> profile.kind, profile.dependencies, [p.steps for p in profile.periods]
    ('series', ('temporal',), [24])
    >>> profile.to_frame().loc["temporal", "value"]
    'strong: autocorrelation = -0.97 at lag 12 (lag 1: 0.97; z = -21.4, p < 0.001)'
    """

    name: str
    kind: str
    sampling: str
    n_steps: int | None
    n_nodes: int | None
    n_channels: int | None
    n_sequences: int | None
    n_points: int | None
    time_step: pd.Timedelta | None
    missing_rate: float
    context: tuple
    temporal: DependenceMeasure | None
    spatial: DependenceMeasure | None
    spatio_temporal: DependenceMeasure | None
    periods: tuple
    n_marks: int | None = None
    spatial_columns: tuple = ()
    grid_shape: tuple | None = None

    @property
    def dependencies(self):
        """The dependencies whose measure is present, in taxonomy order."""
        return tuple(
            measure.dependency
            for measure in (self.temporal, self.spatial, self.spatio_temporal)
            if measure is not None and measure.present
        )

    @property
    def shape(self):
        """``(n_steps, n_nodes, n_channels)`` of regular data, ``None`` for sequences."""
        if self.n_steps is None:
            return None
        return (self.n_steps, self.n_nodes, self.n_channels)

    def measure(self, dependency):
        """Return the measure of one dependency.

        Parameters
        ----------
        dependency : {"temporal", "spatial", "spatio-temporal"}
            The dependency.

        Returns
        -------
        measure : DependenceMeasure or None
            Its measure, ``None`` when it does not apply to the data.
        """
        attributes = {
            "temporal": "temporal",
            "spatial": "spatial",
            "spatio-temporal": "spatio_temporal",
        }
        if dependency not in attributes:
            raise ValueError(f"dependency must be one of {tuple(attributes)}; got {dependency!r}.")
        return getattr(self, attributes[dependency])

    def _context_text(self):
        parts = [
            f"grid_shape {self.grid_shape}" if name == "grid_shape" and self.grid_shape else name
            for name in self.context
        ]
        return ", ".join(parts) or "none"

    def _rows(self):
        sampling = self.sampling
        if self.time_step is not None:
            step = format_duration(self.time_step)
            sampling += f", median gap {step}" if self.n_sequences is not None else f", {step}"
        rows = [
            ("kind", f"{self.kind} ({_shape_text(self)})"),
            ("sampling", sampling),
            ("missing", f"{100 * self.missing_rate:.1f} %"),
            ("context", self._context_text()),
        ]
        for label, measure in (
            ("temporal", self.temporal),
            ("spatial", self.spatial),
            ("spatio-temporal", self.spatio_temporal),
        ):
            text = "not applicable" if measure is None else f"{measure.strength}: {measure}"
            rows.append((label, text))
        rows.append(("periods", ", ".join(str(p) for p in self.periods) or "none found"))
        if self.n_marks is not None:
            rows.append(("marks", str(self.n_marks)))
        if self.spatial_columns:
            rows.append(("locations", ", ".join(self.spatial_columns)))
        rows.append(("dependencies", ", ".join(self.dependencies) or "none"))
        return rows

    def __repr__(self):
        title = f"DataProfile({self.name!r})" if self.name else "DataProfile()"
        rows = self._rows()
        width = max(len(label) for label, _ in rows) + 1
        return "\n".join([title] + [f"  {label + ':':<{width}} {text}" for label, text in rows])

    def to_frame(self):
        """Return the profile as a two-column table, one row per property.

        Returns
        -------
        frame : pandas.DataFrame
            Index ``property`` (``kind``, ``sampling``, ``missing``,
            ``context``, ``temporal``, ``spatial``, ``spatio-temporal``,
            ``periods``, ``dependencies``, ...), one column ``value`` of
            strings as in the ``repr``.
        """
        rows = self._rows()
        return pd.DataFrame(
            {"value": [text for _, text in rows]},
            index=pd.Index([label for label, _ in rows], name="property"),
        )
