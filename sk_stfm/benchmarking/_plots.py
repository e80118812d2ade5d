"""Figures of the benchmark suites (matplotlib, imported when a figure is drawn)."""

import numpy as np

from ..plotting import _pyplot


def relative_errors(row):
    """Scores of a core row relative to its best naive baseline (< 1 is better).

    For an error (lower is better) the ratio is ``value / baseline``; for a
    score (higher is better) it is ``baseline / value`` when both are
    positive, and ``exp(baseline - value)`` for log-likelihoods, whose
    difference is a log-ratio of densities.

    Parameters
    ----------
    row : dict
        A core-suite row (``value``, ``baseline_value``, ``published``,
        ``higher_is_better``).

    Returns
    -------
    ratios : dict
        ``"ours"`` and each published model to its ratio.
    """
    baseline = row["baseline_value"]

    def ratio(value):
        if not row.get("higher_is_better"):
            return value / baseline
        if value > 0 and baseline > 0:
            return baseline / value
        return float(np.exp(baseline - value))

    ratios = {"ours": ratio(row["value"])}
    ratios.update({name: ratio(value) for name, value in row.get("published", {}).items()})
    return ratios


def plot_suite(suite, rows):
    """Draw the results of a suite.

    Parameters
    ----------
    suite : {"core", "speed"}
        The suite the rows come from.
    rows : list of dict
        Its result rows.

    Returns
    -------
    figure : matplotlib.figure.Figure
        For ``"core"``, each result relative to the best naive baseline of
        its entry (bars below 1 beat it), ours beside the published models;
        for ``"speed"``, fit and predict throughput per case, and the
        overhead over a plain PyTorch loop.
    """
    plt = _pyplot()
    if suite == "core":
        return _plot_core(plt, rows)
    return _plot_speed(plt, rows)


def _plot_core(plt, rows):
    labels = [f"{r.get('dataset', r['entry'])}\n{r['model']} {r['metric']}" for r in rows]
    ratios = [relative_errors(r) for r in rows]
    series = ["ours"] + sorted({name for r in ratios for name in r if name != "ours"})
    colors = dict(zip(series, plt.get_cmap("tab10").colors, strict=False))
    figure, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(rows)), 4.2))
    labelled = set()
    for position, row_ratios in enumerate(ratios):
        # Only the series a row has get a slot, centred on its tick.
        present = [name for name in series if name in row_ratios]
        width = 0.8 / len(present)
        for k, name in enumerate(present):
            offset = (k - (len(present) - 1) / 2) * width
            label = None if name in labelled else name
            labelled.add(name)
            ax.bar(position + offset, row_ratios[name], width, color=colors[name], label=label)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--", label="best naive baseline")
    ax.set_xticks(np.arange(len(rows)), labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("relative to the best naive baseline\n(< 1 is better)")
    ax.set_title("Core suite: ours beside published models")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure


def _plot_speed(plt, rows):
    throughput = [r for r in rows if "fit_windows_per_second" in r]
    overhead = [r for r in rows if "overhead_ratio" in r]
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=(3, 1))
    positions = np.arange(len(throughput))
    for offset, key, label in ((-0.2, "fit_windows_per_second", "fit"),
                               (0.2, "predict_windows_per_second", "predict")):  # fmt: skip
        axes[0].bar(positions + offset, [r[key] for r in throughput], 0.4, label=label)
    axes[0].set_xticks(positions, [r["case"] for r in throughput], rotation=30, ha="right")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("windows per second")
    axes[0].legend()
    axes[0].set_title("Throughput")
    if overhead:
        axes[1].bar(
            ["plain torch", "sk_stfm"],
            [overhead[0]["median_plain_torch"], overhead[0]["median_sk_stfm"]],
        )
        axes[1].set_ylabel("fit seconds (median)")
        axes[1].set_title(f"Overhead x{overhead[0]['overhead_ratio']:.2f}")
    else:
        axes[1].set_axis_off()
    figure.tight_layout()
    return figure
