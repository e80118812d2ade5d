"""
Harmonizing spatio-temporal data
================================

Real data arrive with gaps, glitches, timestamps and a spatial layout. The
transformers of :mod:`sk_stfm.harmonize` turn them into what models need,
as scikit-learn transformers on windows
``(n_samples, n_steps, n_nodes, n_channels)``:

* :class:`~sk_stfm.harmonize.OutlierClipper` and
  :class:`~sk_stfm.harmonize.MissingValueImputer` repair a series;
* :func:`~sk_stfm.harmonize.add_time_channel` and
  :class:`~sk_stfm.harmonize.CalendarFeatures` encode the time of each step;
* :class:`~sk_stfm.harmonize.LaplacianPositionalEncoding` gives every node of
  a graph coordinates that describe where it sits.
"""

# %%
# Gaps and glitches
# -----------------
# :func:`~sk_stfm.datasets.make_seasonal_series` generates a daily cycle with
# noise and, here, 8 % of the values missing (NaN). A few sensor glitches
# are added by hand.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from sk_stfm.datasets import load_chickenpox, make_seasonal_series
from sk_stfm.harmonize import (
    CalendarFeatures,
    LaplacianPositionalEncoding,
    MissingValueImputer,
    OutlierClipper,
    add_time_channel,
)

data = make_seasonal_series(
    n_steps=24 * 7, periods=(24,), noise=0.15, missing_rate=0.08, random_state=0
)
raw = data.values.copy()
glitches = [30, 75, 140]
raw[glitches, 0, 0] = [6.0, -5.0, 7.0]
print("missing values:", int(np.isnan(raw).sum()), "of", raw.size)

# %%
# Clip, then fill
# ---------------
# The whole week is one window, ``raw[np.newaxis]``. The clipper learns
# Tukey's fences per node and channel and leaves NaN in place; the imputer
# then interpolates linearly along time. Chained in a
# :class:`~sklearn.pipeline.Pipeline`, they fit and transform in one call.
repair = make_pipeline(OutlierClipper(method="iqr", factor=1.5), MissingValueImputer())
repaired = repair.fit_transform(raw[np.newaxis])[0]
clipper = repair[0]
print("clipping bounds:", clipper.lower_.ravel().round(2), clipper.upper_.ravel().round(2))

hours = np.arange(data.n_steps)
missing = np.isnan(raw[:, 0, 0])
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(hours, raw[:, 0, 0], color="tab:gray", lw=1, label="observed (with gaps)")
ax.plot(hours, repaired[:, 0, 0], color="tab:blue", lw=1, alpha=0.8, label="clipped + filled")
ax.scatter(
    hours[missing],
    repaired[missing, 0, 0],
    s=12,
    color="tab:green",
    zorder=3,
    label="filled values",
)
ax.scatter(glitches, raw[glitches, 0, 0], marker="x", color="tab:red", zorder=3, label="glitches")
ax.axhspan(clipper.lower_[0, 0], clipper.upper_[0, 0], color="tab:blue", alpha=0.08)
ax.set_xlabel("hour")
ax.set_title("Outlier clipping and linear interpolation")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncols=4)
fig.tight_layout()

# %%
# Calendar features
# -----------------
# :func:`~sk_stfm.harmonize.add_time_channel` appends the timestamps as a
# last channel (hours since 1970 here), so that windows cut later carry their
# own time. :class:`~sk_stfm.harmonize.CalendarFeatures` replaces that channel
# with a sine and a cosine per cycle: hour 23 and hour 0 end up close
# together, and so do Sunday and Monday.
timed = add_time_channel(data, unit="h")
print(timed.channel_names, timed.shape)
calendar = CalendarFeatures(unit="h", features=("time_of_day", "day_of_week"))
encoded = calendar.fit_transform(timed.values[np.newaxis])[0, :, 0]
print("channels after encoding:", encoded.shape[1])

labels = ["sin(time of day)", "cos(time of day)", "sin(day of week)", "cos(day of week)"]
fig, ax = plt.subplots(figsize=(9, 4))
for k, label in enumerate(labels):
    ax.plot(timed.timestamps, encoded[:, 1 + k], label=label)
ax.set_title("Cyclic calendar features of one week")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize="small", ncols=4)
fig.autofmt_xdate()
fig.tight_layout()

# %%
# Where a node sits in its graph
# ------------------------------
# The Hungarian chickenpox data have one node per county and an adjacency
# between neighbouring counties. The eigenvectors of the graph Laplacian with
# the smallest non-trivial eigenvalues vary smoothly over the graph;
# :class:`~sk_stfm.harmonize.LaplacianPositionalEncoding` appends them to
# every window as extra channels, so models that ignore the graph still know
# which counties are close.
pox = load_chickenpox()
X = pox.values[np.newaxis, :52]  # one year, as a single window
encoding = LaplacianPositionalEncoding(adjacency=pox.adjacency, n_components=2)
X_pe = encoding.fit_transform(X)
print("windows:", X.shape, "->", X_pe.shape)
print("eigenvalues:", encoding.eigenvalues_.round(3))

coords = encoding.encoding_
rows, cols = pox.adjacency.nonzero()
fig, ax = plt.subplots(figsize=(7, 6))
for i, j in zip(rows, cols, strict=True):
    if i < j:
        ax.plot(coords[[i, j], 0], coords[[i, j], 1], color="lightgray", lw=1, zorder=1)
ax.scatter(coords[:, 0], coords[:, 1], s=60, color="tab:purple", zorder=2)
for name, (x, y) in zip(pox.node_names, coords, strict=True):
    ax.annotate(name.title(), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
ax.set_xlabel("eigenvector 1")
ax.set_ylabel("eigenvector 2")
ax.set_title("Hungarian counties placed by their Laplacian positional encoding")
fig.tight_layout()
plt.show()
