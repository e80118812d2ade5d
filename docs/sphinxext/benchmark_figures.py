"""The figures of the benchmark pages: bars per model, lines along a setting.

matplotlib (the ``plot`` extra) is imported when a figure is drawn.
"""

import io
import math

from benchmark_rows import (
    _X_KEYS,
    _columns,
    _is_number,
    _label_key,
    _labels,
    _metric_columns,
    format_number,
)


# ------------------------------------------------------------------ plotting
def _new_figure(width, height, n_panels=1, sharey=False):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "the benchmark pages draw their plots with matplotlib, an optional "
            "dependency; install it with pip install 'sk-stfm[plot]'."
        ) from error
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, n_panels, sharey=sharey, squeeze=False)[0]
    return figure, axes


def _png(figure):
    buffer = io.BytesIO()
    # No software version in the file: the same results give the same bytes.
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _bar_chart(panels, label_key):
    """Horizontal bars, one panel per ``(rows, metric, axis label)``; published rows hatched."""
    height = 1.0 + 0.32 * max(len(rows) for rows, _, _ in panels)
    figure, axes = _new_figure(4.2 * len(panels), height, len(panels))
    for ax, (rows, metric, axis_label) in zip(axes, panels, strict=True):
        positions = list(range(len(rows)))
        values = [row.get(metric) if _is_number(row.get(metric)) else math.nan for row in rows]
        errors = [row.get(f"{metric}_std") or 0.0 for row in rows]
        published = [row.get("published") is True for row in rows]
        bars = ax.barh(
            positions,
            values,
            xerr=errors if any(errors) else None,
            color=["0.75" if p else "C0" for p in published],
        )
        for bar, is_published in zip(bars, published, strict=True):
            if is_published:
                bar.set_hatch("//")
        _mark_references(ax, rows, positions, metric)
        ax.set_xlabel(axis_label.replace("_", " "))
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(positions, _labels(rows, label_key))
        ax.invert_yaxis()
    return figure


def _mark_references(ax, rows, positions, metric):
    """Baseline and published values of the suites' rows, as markers on their bars."""
    if metric != "value":
        return
    markers = iter("osD^v<>p*")
    styles = {}
    for position, row in zip(positions, rows, strict=True):
        references = (
            dict(row.get("published") or {}) if isinstance(row.get("published"), dict) else {}
        )
        if _is_number(row.get("baseline_value")):
            references = {row.get("baseline") or "baseline": row["baseline_value"], **references}
        for name, value in references.items():
            if not _is_number(value):
                continue
            if name not in styles:
                styles[name] = next(markers, "x")
                label = name
            else:
                label = None
            ax.plot([value], [position], styles[name], color="k", mfc="none", label=label)
    if styles:
        ax.legend(fontsize="small")


def _line_chart(rows, label_key, x_key, metrics):
    """Each metric against ``x_key``, one line per label."""
    figure, axes = _new_figure(4.2 * len(metrics), 3.2, len(metrics))
    series = {}
    for row in rows:
        label = format_number(row.get(label_key)) if label_key else None
        series.setdefault(label, []).append(row)
    for ax, metric in zip(axes, metrics, strict=True):
        for label, members in series.items():
            points = sorted(
                (row[x_key], row[metric])
                for row in members
                if _is_number(row.get(x_key)) and _is_number(row.get(metric))
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, "o-", label=label)
        ax.set_xlabel(x_key.replace("_", " "))
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(alpha=0.3)
    if label_key:
        axes[-1].legend(fontsize="small")
    return figure


def _group_chart(rows):
    """``(figure, what it shows)`` for a table's rows, or None when a chart would not help."""
    columns = _columns(rows)
    label_key = _label_key(rows)
    x_key = next(
        (k for k in _X_KEYS if len({row[k] for row in rows if _is_number(row.get(k))}) > 1),
        None,
    )
    metrics = _metric_columns(rows, columns)[:2]
    if not metrics:
        # A measurement without a metric's name (seconds per epoch, ...).
        metrics = [
            c for c in columns if c != x_key and any(isinstance(row.get(c), float) for row in rows)
        ][:1]
    if not metrics:
        return None
    what = " and ".join(m.replace("_", " ") for m in metrics)
    if x_key is not None:
        per = f" per {label_key.replace('_', ' ')}" if label_key else ""
        figure = _line_chart(rows, label_key, x_key, metrics)
        return figure, f"{what} by {x_key.replace('_', ' ')}{per}"
    if label_key is None or sum(_is_number(row.get(metrics[0])) for row in rows) < 2:
        return None
    if metrics == ["value"] and "metric" in columns:
        # Rows of the suites: one panel per metric they name.
        names = list(dict.fromkeys(str(row.get("metric")) for row in rows))
        panels = [([row for row in rows if str(row.get("metric")) == n], "value", n) for n in names]
        what = " and ".join(names)
    else:
        panels = [(rows, metric, metric) for metric in metrics]
    return _bar_chart(panels, label_key), f"{what} per {label_key.replace('_', ' ')}"
