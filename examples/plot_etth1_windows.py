"""
From a long series to scaled windows: ETTh1
===========================================

Models in sk_stfm learn from **windows** of shape
``(n_samples, n_steps, n_nodes, n_channels)``. This example takes the
bundled ETTh1 data set (hourly load and oil temperature of an electricity
transformer, 7 channels), splits it in time with the standard protocol of the
long-term forecasting literature, cuts it into (history, horizon) window
pairs and standardizes them with statistics learned on the training windows
only.
"""

# %%
# Load the data
# -------------
# :func:`~sk_stfm.datasets.load_etth1` returns an :class:`~sk_stfm.data.STData`:
# a long ``(n_steps, n_nodes, n_channels)`` array with its timestamps, channel
# names and provenance. The file ships inside the package and its checksum is
# verified before it is read; nothing is downloaded.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.data import make_windows, temporal_split
from sk_stfm.datasets import load_etth1
from sk_stfm.harmonize import STStandardScaler

data = load_etth1()
print(data)
print(data.channel_names)
print(data.license)

# %%
# Split in time
# -------------
# The standard ETTh1 protocol uses rows ``[0, 8640)`` for training,
# ``[8640, 11520)`` for validation and ``[11520, 14400)`` for testing (12, 4
# and 4 months); the remaining rows are not used.
# :func:`~sk_stfm.data.temporal_split` never shuffles. With
# ``overlap=history`` the validation and test parts start ``history`` rows
# early, so that their first window forecasts their first row; the targets
# of the three parts stay disjoint.
history, horizon = 336, 96
train, val, test = temporal_split(data, 8640, 2880, 2880, overlap=history)
print(train.shape, val.shape, test.shape)
print("test starts at", test.timestamps[history])

# %%
# Cut windows
# -----------
# :func:`~sk_stfm.data.make_windows` returns read-only strided views: window
# ``i`` uses rows ``[i, i + 336)`` as input and the next 96 rows as target,
# and no value is copied.
X_train, y_train = make_windows(train, history=history, horizon=horizon)
X_test, y_test = make_windows(test, history=history, horizon=horizon)
print("train windows:", X_train.shape, y_train.shape)
print("test windows: ", X_test.shape, y_test.shape)
print("shares memory with the data:", np.shares_memory(X_train, train.values))

# %%
# Standardize with training statistics
# ------------------------------------
# :class:`~sk_stfm.harmonize.STStandardScaler` learns one mean and one
# standard deviation per node and channel, over samples and time, from the
# training windows only, and applies them to inputs and targets alike. The
# test windows are transformed with the same statistics, so no information
# from the test period leaks into the scaling.
scaler = STStandardScaler().fit(X_train)
print("mean per channel:", scaler.mean_.round(2))
print("std per channel: ", scaler.scale_.round(2))
X_test_scaled = scaler.transform(X_test)
y_test_scaled = scaler.transform(y_test)

# %%
# Plot one window
# ---------------
# The first test window: 336 hours of history (14 days) and the 96 hours
# (4 days) to forecast, for each of the 7 channels, in standardized units.
sample = 0
times = test.timestamps
steps_in = times[sample : sample + history]
steps_out = times[sample + history : sample + history + horizon]

fig, axes = plt.subplots(7, 1, figsize=(9, 11), sharex=True)
for channel, ax in enumerate(axes):
    ax.plot(steps_in, X_test_scaled[sample, :, 0, channel], color="tab:blue", lw=1)
    ax.plot(steps_out, y_test_scaled[sample, :, 0, channel], color="tab:orange", lw=1)
    ax.axvline(steps_out[0], color="gray", ls="--", lw=0.8)
    ax.set_ylabel(data.channel_names[channel], rotation=0, ha="right", va="center")
axes[0].legend(["history (input)", "horizon (target)"], loc="upper left", ncols=2)
axes[0].set_title("ETTh1, first test window, standardized with training statistics")
fig.autofmt_xdate()
fig.tight_layout()
plt.show()
