"""Scaling-law probe: validation loss over model widths x data fractions, and its power law.

:func:`~sk_stfm.benchmarking.scaling_probe` trains one forecaster per (width,
fraction) pair and fits ``L(N, D) = E + A / N**alpha + B / D**beta``
(:func:`~sk_stfm.benchmarking.fit_power_law`) to the best validation
losses; ``sk-stfm scaling`` runs it and writes ``scaling.json``,
``scaling.md`` and ``scaling.png``.

Protocol
--------
The data are split in time into a training part and a validation part (the
last steps), standardized with the training part's statistics, and cut into
windows; every run is scored on the same validation windows. A fraction
``f`` keeps the last ``f`` of the training windows, those closest to the
validation part, so the subsets are nested and data size is not mixed with
drift. Model size is the backbone's width, its other size parameters
scaled in proportion (PatchTST: ``d_model = width``, ``d_ff = 8 * width``);
``N`` counts the fitted network's trainable parameters and ``D`` its
training windows. Every run has the same seed and stopping rules (maximum
epochs, patience, a time budget per fit) and keeps its best epoch. A run
whose best epoch is its last was still improving when it stopped.
"""

import numbers
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..backbones import (
    BackboneConfig,
    TrajectoryBackboneConfig,
    get_backbone,
    list_backbones,
)
from ..data._protocol import training_statistics
from ..utils._tags import WINDOW_KINDS
from ._power_law import PowerLaw, fit_power_law


def scalable_backbones():
    """Window backbones whose registration names width parameters.

    The first width parameter is set to the width, the others follow it in
    the proportion the configuration gives them (PatchTST's default
    ``d_ff = 8 * d_model`` stays ``8 * width``); a tuple-valued parameter
    (the layers of an MLP) scales every entry.

    Returns
    -------
    names : list of str
        Sorted registry keys.

    Examples
    --------
    >>> from sk_stfm.benchmarking._scaling import scalable_backbones
    >>> "patchtst" in scalable_backbones(), "dlinear" in scalable_backbones()
    (True, False)
    """
    specs = [get_backbone(name) for name in list_backbones()]
    return [
        spec.name
        for spec in specs
        if spec.width_parameters
        and issubclass(spec.config, BackboneConfig)
        and not issubclass(spec.config, TrajectoryBackboneConfig)
    ]


_RUN_COLUMNS = (
    "width",
    "n_parameters",
    "fraction",
    "n_train_windows",
    "valid_loss",
    "best_epoch",
    "epochs",
    "fit_seconds",
)


def _scale(value, width, reference):
    """``value`` in proportion to the width; a disabled part (0) stays off."""
    return max(1, round(value * width / reference)) if value > 0 else 0


def _scaled_backbone(config, width):
    """A copy of ``config`` whose width parameters follow ``width``."""
    names = get_backbone(config.backbone_name).width_parameters
    params = config.get_params(deep=False)
    first = params[names[0]]
    reference = first[0] if isinstance(first, tuple | list) else first
    scaled = {}
    for name in names:
        value = params[name]
        if isinstance(value, tuple | list):
            scaled[name] = tuple(_scale(v, width, reference) for v in value)
        else:
            scaled[name] = _scale(value, width, reference)
    return clone(config).set_params(**scaled)


def _check_backbone(backbone, widths):
    from ..estimators import resolve_backbone

    config = resolve_backbone(backbone)
    names = scalable_backbones()
    if config.backbone_name not in names:
        raise ValueError(
            f"backbone {config.backbone_name!r} has no width to scale; scaling_probe varies "
            f"the model size of {', '.join(names)}."
        )
    heads = config.get_params(deep=False).get("n_heads")
    uneven = [w for w in widths if heads and w % heads]
    if uneven:
        raise ValueError(
            f"widths {uneven} are not multiples of the {heads} attention heads of "
            f"{config.backbone_name!r}; choose multiples of {heads} or set n_heads in the "
            "backbone configuration."
        )
    return config


def _check_grid(values, name, kind):
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of numbers; got {values!r}.")
    values = list(values)
    if not values:
        raise ValueError(f"{name} must hold at least one value.")
    if kind == "width":
        bad = [v for v in values if not isinstance(v, numbers.Integral) or isinstance(v, bool)]
        if bad:
            raise TypeError(f"{name} must be ints; got {bad}.")
        bad = [v for v in values if v < 1]
        if bad:
            raise ValueError(f"{name} must be positive; got {bad}.")
        values = [int(v) for v in values]
    else:
        bad = [v for v in values if not isinstance(v, numbers.Real) or isinstance(v, bool)]
        if bad:
            raise TypeError(f"{name} must be numbers; got {bad}.")
        bad = [v for v in values if not 0 < v <= 1]
        if bad:
            raise ValueError(f"{name} must be in (0, 1]; got {bad}.")
        values = [float(v) for v in values]
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must be distinct; got {values}.")
    return values


def _check_validation_size(validation_size, n_steps):
    if isinstance(validation_size, numbers.Integral) and not isinstance(validation_size, bool):
        if not 0 < validation_size < n_steps:
            raise ValueError(
                f"validation_size must be between 1 and {n_steps - 1} rows; got {validation_size}."
            )
        return int(validation_size)
    if isinstance(validation_size, numbers.Real) and not isinstance(validation_size, bool):
        if not 0 < validation_size < 1:
            raise ValueError(f"validation_size must be in (0, 1); got {validation_size}.")
        return int(round(validation_size * n_steps))
    raise TypeError(
        "validation_size must be a fraction (float) or a number of rows (int); "
        f"got {validation_size!r}."
    )


def _protocol_windows(data, history, horizon, validation_size, train_stride):
    """Standardized training and validation windows of a chronological split."""
    from ..data import STData, check_series, make_windows

    if isinstance(data, STData) and data.kind not in WINDOW_KINDS:
        raise ValueError(
            f"scaling_probe fits window models; {data.name!r} is {data.kind} data "
            f"(supported: {', '.join(WINDOW_KINDS)})."
        )
    values = check_series(data.values if isinstance(data, STData) else data, name="data")
    n_val = _check_validation_size(validation_size, len(values))
    n_train = len(values) - n_val
    # The validation windows start `history` rows early, so their first
    # target is the first validation row and no target is a training row.
    train, val = values[:n_train], values[n_train - history :]
    for part, rows in (("training", len(train)), ("validation", len(val))):
        if rows < history + horizon:
            raise ValueError(
                f"the {part} part has {rows} steps, fewer than history + horizon = "
                f"{history + horizon}; shorten the windows or change validation_size."
            )
    mean, scale = training_statistics(train)
    train, val = (((p - mean) / scale).astype(np.float32) for p in (train, val))
    X_train, y_train = make_windows(train, history, horizon, stride=train_stride)
    X_val, y_val = make_windows(val, history, horizon)
    return X_train, y_train, X_val, y_val


def _spatial_context(data):
    from ..data import STData

    if isinstance(data, STData) and (data.adjacency is not None or data.grid_shape is not None):
        return data
    return None


@dataclass
class ScalingResult:
    """Losses of a scaling probe and the power law fitted to them.

    :func:`scaling_probe` returns it.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per fit: ``width``, ``n_parameters`` (trainable parameters
        of the fitted network), ``fraction`` and ``n_train_windows`` (the
        data), ``valid_loss`` (best validation MSE in standardized units),
        ``best_epoch``, ``epochs`` (trained) and ``fit_seconds``.
    law : PowerLaw or None
        The law fitted to ``valid_loss`` over ``n_parameters`` and
        ``n_train_windows``; ``None`` when the grid cannot identify one
        (see :func:`fit_power_law`).
    backbone : str
        Registry name of the backbone.
    settings : dict
        The protocol: data name, window sizes, validation windows, training
        settings.

    See Also
    --------
    scaling_probe : Run the probe.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_stfm.benchmarking import ScalingResult, fit_power_law
    >>> runs = pd.DataFrame({"width": [8, 16, 32, 64], "n_parameters": [900, 2500, 8000, 28000],
    ...                      "fraction": 1.0, "n_train_windows": 500,
    ...                      "valid_loss": [0.50, 0.42, 0.38, 0.36]})
    >>> law = fit_power_law(runs.n_parameters, runs.n_train_windows, runs.valid_loss)
    >>> result = ScalingResult(runs, law, backbone="patchtst")
    >>> result.to_dict()["law"]["form"]
    'size'
    """

    runs: pd.DataFrame
    law: PowerLaw | None
    backbone: str
    settings: dict = field(default_factory=dict)

    def to_dict(self):
        """Return the result as a JSON-ready dictionary.

        Returns
        -------
        result : dict
            ``backbone``, ``settings``, ``law`` (see :meth:`PowerLaw.to_dict`
            or ``None``) and ``runs`` (one dictionary per run); NaN is
            written as ``None``.
        """
        runs = [
            {key: _plain(value) for key, value in row.items()}
            for row in self.runs.to_dict(orient="records")
        ]
        return {
            "backbone": self.backbone,
            "settings": {key: _plain(value) for key, value in self.settings.items()},
            "law": None if self.law is None else self.law.to_dict(),
            "runs": runs,
        }

    def plot(self):
        """Plot the losses against model size and data size, with the law's curves.

        Left: loss against ``n_parameters``, one colour per data fraction;
        right: loss against ``n_train_windows``, one colour per width. Both
        axes are logarithmic, so a power law with a small ``E`` is nearly
        straight; the lines are the fitted law at each data size
        (left) or model size (right).

        Returns
        -------
        fig : matplotlib Figure
            The figure with its two Axes.

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        """
        from ..plotting import _pyplot

        plt = _pyplot()
        from matplotlib.ticker import FuncFormatter, NullFormatter

        runs = self.runs[np.isfinite(self.runs["valid_loss"])]
        fig, (by_size, by_data) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
        panels = (
            (by_size, "n_parameters", "fraction", "n_train_windows", "size"),
            (by_data, "n_train_windows", "width", "n_parameters", "data"),
        )
        for ax, x, group_by, other, term in panels:
            groups = list(runs.groupby(group_by, sort=True))
            colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(len(groups), 1)))
            for color, (key, group) in zip(colors, groups, strict=False):
                group = group.sort_values(x)
                label = (
                    f"D = {int(group[other].iloc[0])} ({key:g})"
                    if group_by == "fraction"
                    else f"width {key} (N = {int(group[other].iloc[0])})"
                )
                ax.plot(group[x], group["valid_loss"], "o", color=color, label=label)
                if self.law is not None and self.law.form in ("joint", term):
                    grid = np.geomspace(runs[x].min(), runs[x].max(), 100)
                    fixed = float(group[other].iloc[0])
                    sizes = (grid, fixed) if term == "size" else (fixed, grid)
                    ax.plot(grid, self.law.predict(*sizes), "-", color=color, alpha=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            # Losses span less than a decade: label them as plain numbers.
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
            # Ticks at the measured sizes, which a grid spaces geometrically.
            ticks = np.unique(runs[x])
            ax.set_xticks(ticks, [f"{int(tick):,}" for tick in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize="small")
        by_size.set(xlabel="trainable parameters N", ylabel="best validation loss (MSE)")
        by_data.set(xlabel="training windows D")
        law = "no law fitted (see fit_power_law)" if self.law is None else str(self.law)
        fig.suptitle(f"{self.backbone}: {law}", fontsize="medium")
        fig.tight_layout()
        return fig


def _plain(value):
    """JSON-friendly scalars: numpy numbers as Python ones, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def scaling_probe(
    data,
    backbone="patchtst",
    widths=(8, 16, 32),
    fractions=(0.25, 0.5, 1.0),
    *,
    history=96,
    horizon=24,
    validation_size=0.2,
    train_stride=1,
    max_epochs=10,
    budget=None,
    batch_size=64,
    lr=1e-3,
    patience=3,
    device="cpu",
    random_state=0,
    verbose=0,
):
    """Fit a backbone at several model sizes and data sizes and fit a scaling law.

    Every pair (width, fraction) of the grid trains one
    :class:`~sk_stfm.estimators.STForecaster` and records its best
    validation loss; :func:`fit_power_law` then fits
    ``L(N, D) = E + A / N**alpha + B / D**beta`` to the losses, ``N``
    being the trainable parameters of the fitted network and ``D`` its
    training windows.

    The protocol keeps every run comparable and free of leakage into
    training (the validation windows also choose each run's best epoch, so
    the reported loss is the best of several on one set, a selection bias
    largest for the runs with the most epochs):

    * the data are split in time into a training part and the last
      ``validation_size`` of the steps, the validation part; the
      validation windows are the same for every run, and no validation
      step is the target of a training window;
    * values are standardized with the mean and standard deviation of the
      whole training part for every run, so all losses are in the same
      units;
    * a fraction ``f`` keeps the **last** ``f`` of the training windows,
      those closest to the validation part. The subsets are nested (a
      smaller one is the end of a larger one), adding data adds older
      history, and the gap between training and validation does not grow
      as the data shrink. Taking the first windows instead would make the
      smallest subsets also the stalest, mixing the effect of data size
      with that of drift; a strided subset of stride-1 windows would still
      cover almost every step, so it would not reduce the data;
    * model size follows the backbone's width parameters, the others
      scaled in the proportion of its configuration (for PatchTST,
      ``d_model = width`` and ``d_ff = 8 * width`` from the defaults);
      depth and everything else stay as configured;
    * every run uses the same seed, the same training settings and the
      same stopping rules (``max_epochs``, ``patience`` epochs without
      improvement, ``budget`` seconds); the best epoch's weights are kept.

    Parameters
    ----------
    data : STData or array-like of shape (n_steps, n_nodes, n_channels)
        Regular data (series, graph, grid or video); an ``STData``'s
        adjacency or grid shape is passed to the backbone.
    backbone : str or BackboneConfig, default="patchtst"
        A backbone whose registration names width parameters (see
        :func:`scalable_backbones`), or a configuration of one (its other
        parameters, such as depth, are kept). A backbone without a width
        (``"dlinear"``) is refused.
    widths : sequence of int, default=(8, 16, 32)
        Widths of the backbone (``d_model``, hidden size or channels).
    fractions : sequence of float, default=(0.25, 0.5, 1.0)
        Shares of the training windows, in ``(0, 1]``.
    history : int, default=96
        Input steps per window.
    horizon : int, default=24
        Forecast steps per window.
    validation_size : float or int, default=0.2
        The validation part: a share of the steps (float) or a number of
        steps (int), at the end of the data.
    train_stride : int, default=1
        Stride of the training windows (validation windows use 1).
    max_epochs : int, default=10
        Maximum epochs per fit.
    budget : float or None, default=None
        Training seconds per fit (:class:`~sk_stfm.estimators.TimeBudget`:
        the epoch that passes it is the last); ``None`` for no limit.
    batch_size : int, default=64
        Windows per optimization step.
    lr : float, default=1e-3
        Learning rate of Adam.
    patience : int or None, default=3
        Epochs without validation improvement before a fit stops; ``None``
        trains for ``max_epochs``.
    device : str, default="cpu"
        Torch device of every fit.
    random_state : int, RandomState instance or None, default=0
        Seed shared by every run (an instance or ``None`` draws one seed).
    verbose : int, default=0
        ``1`` shows a progress bar over the runs.

    Returns
    -------
    result : ScalingResult
        The table of runs, the fitted law and the settings. The law is
        ``None``, with a warning, when the grid cannot identify one
        (fewer than 3 widths or fractions, see :func:`fit_power_law`).

    Raises
    ------
    ValueError
        If the backbone has no width, a width or fraction is out of range,
        or the data are too short for the windows.

    See Also
    --------
    fit_power_law : The law and when it can be fitted.

    Examples
    --------
    >>> from sk_stfm.benchmarking import scaling_probe
    >>> from sk_stfm.datasets import make_seasonal_series
    >>> from sk_stfm.estimators import PatchTSTConfig
    >>> series = make_seasonal_series(600, n_channels=2, random_state=0)
    >>> result = scaling_probe(series, PatchTSTConfig(n_heads=2, n_layers=1),
    ...                        widths=(2, 4, 8, 16), fractions=(1.0,), history=24,
    ...                        horizon=6, max_epochs=1)
    >>> result.runs[["width", "n_parameters", "n_train_windows"]]
       width  n_parameters  n_train_windows
    0      2           196              451
    1      4           546              451
    2      8          1726              451
    3     16          6006              451
    >>> result.law.form
    'size'
    """
    from tqdm.auto import tqdm

    from ..data._validation import check_int
    from ..estimators import STForecaster, TimeBudget

    widths = _check_grid(widths, "widths", "width")
    fractions = _check_grid(fractions, "fractions", "fraction")
    config = _check_backbone(backbone, widths)
    history = check_int(history, "history")
    horizon = check_int(horizon, "horizon")
    train_stride = check_int(train_stride, "train_stride")
    max_epochs = check_int(max_epochs, "max_epochs")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget > 0
    ):
        raise ValueError(f"budget must be a positive number of seconds or None; got {budget!r}.")
    X_train, y_train, X_val, y_val = _protocol_windows(
        data, history, horizon, validation_size, train_stride
    )
    seed = (
        int(random_state)
        if isinstance(random_state, numbers.Integral)
        else int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    )
    spatial = _spatial_context(data)

    rows = []
    grid = [(width, fraction) for width in widths for fraction in fractions]
    progress = tqdm(grid, desc="scaling runs", unit="fit", disable=not verbose)
    for width, fraction in progress:
        n_windows = max(1, int(np.ceil(fraction * len(X_train) - 1e-9)))
        model = STForecaster(
            backbone=_scaled_backbone(config, width),
            spatial=spatial,
            max_epochs=max_epochs,
            batch_size=batch_size,
            lr=lr,
            patience=patience,
            device=device,
            random_state=seed,
            callbacks=None if budget is None else [TimeBudget(budget)],
        )
        start = time.perf_counter()
        model.fit(X_train[-n_windows:], y_train[-n_windows:], validation_data=(X_val, y_val))
        seconds = time.perf_counter() - start
        losses = np.asarray(model.net_.history[:, "valid_loss"], dtype=np.float64)
        finite = np.isfinite(losses)
        best = int(np.argmin(np.where(finite, losses, np.inf))) if finite.any() else None
        rows.append(
            {
                "width": width,
                "n_parameters": sum(
                    p.numel() for p in model.net_.module_.parameters() if p.requires_grad
                ),
                "fraction": fraction,
                "n_train_windows": n_windows,
                "valid_loss": float("nan") if best is None else float(losses[best]),
                "best_epoch": None if best is None else best + 1,
                "epochs": int(model.n_epochs_),
                "fit_seconds": seconds,
            }
        )
        progress.set_postfix(width=width, fraction=fraction, loss=f"{rows[-1]['valid_loss']:.4f}")
    runs = pd.DataFrame(rows, columns=list(_RUN_COLUMNS))
    finite = runs[np.isfinite(runs["valid_loss"])]
    try:
        law = fit_power_law(finite["n_parameters"], finite["n_train_windows"], finite["valid_loss"])
    except ValueError as exc:
        warnings.warn(f"no power law fitted: {exc}", UserWarning, stacklevel=2)
        law = None
    settings = {
        "data": getattr(data, "name", None) or "array",
        "history": history,
        "horizon": horizon,
        "n_train_windows": len(X_train),
        "n_validation_windows": len(X_val),
        "train_stride": train_stride,
        "max_epochs": max_epochs,
        "budget": budget,
        "batch_size": batch_size,
        "lr": lr,
        "patience": patience,
        "random_state": seed,
    }
    return ScalingResult(runs=runs, law=law, backbone=config.backbone_name, settings=settings)
