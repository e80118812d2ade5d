"""
Forecasting traffic on a sensor graph: Los-loop with STID and Graph WaveNet
===========================================================================

Los-loop holds one week of 5-minute speeds from 207 loop detectors in Los
Angeles, with the T-GCN road-graph adjacency and the sensors' coordinates.
This example follows the T-GCN protocol (80 / 20 split in time, 12 input
steps) at the 15-minute horizon (3 steps), trains two spatio-temporal
backbones for a few epochs, compares them with the last observed speed,
and maps the error of each sensor.

``benchmarks/spatial.py`` runs the full protocol (all horizons, longer
training, four backbones).
"""

# %%
# Windows with the time of day
# ----------------------------
# Speeds are z-scored with the training mean and standard deviation. The
# timestamps travel as a channel (:func:`~sk_stfm.harmonize.add_time_channel`)
# that :class:`~sk_stfm.harmonize.CalendarFeatures` turns into a sine /
# cosine pair of the time of day, which STID embeds.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.data import make_windows
from sk_stfm.datasets import load_los_loop
from sk_stfm.estimators import GraphWaveNetConfig, STForecaster, STIDConfig
from sk_stfm.harmonize import CalendarFeatures, add_time_channel
from sk_stfm.metrics import masked_mae
from sk_stfm.plotting import plot_sensor_map

data = load_los_loop()
n_train = int(0.8 * data.n_steps)
mean, std = data.values[:n_train].mean(), data.values[:n_train].std()
values = add_time_channel(data).values.copy()
values[:, :, 0] = (values[:, :, 0] - mean) / std
calendar = CalendarFeatures(features=("time_of_day",))
X_train, y_train = make_windows(values[:n_train], history=12, horizon=3)
X_test, y_test = make_windows(values[n_train:], history=12, horizon=3)
X_train = calendar.fit_transform(X_train).astype(np.float32)
X_test = calendar.transform(X_test).astype(np.float32)
y_train, y_test = y_train[..., :1], y_test[..., :1]
print("train", X_train.shape, "test", X_test.shape)

# %%
# Two spatio-temporal backbones
# -----------------------------
# ``spatial=data`` hands the road graph to the estimator: Graph WaveNet
# convolves over it (and over a learned graph), STID learns an embedding
# per sensor and per 5-minute slot of the day.
models = {
    "STID": STForecaster(
        backbone=STIDConfig(time_of_day_channels=(1, 2), day_of_week_dim=0),
        spatial=data,
        lr=2e-3,
        max_epochs=4,
        random_state=0,
    ),
    "Graph WaveNet": STForecaster(
        # Narrow layers keep the example under a minute on one CPU thread;
        # benchmarks/spatial.py trains the default widths.
        backbone=GraphWaveNetConfig(
            residual_channels=8,
            dilation_channels=8,
            n_blocks=2,
            skip_channels=16,
            end_channels=32,
        ),
        spatial=data,
        # The narrow network learns fast enough at a higher rate to beat the
        # last value in three epochs.
        lr=5e-3,
        max_epochs=3,
        random_state=0,
    ),
}
truth = y_test * std + mean
errors = {"last value": masked_mae(truth, np.repeat(X_test[:, -1:, :, :1], 3, 1) * std + mean)}
predictions = {}
for name, model in models.items():
    predictions[name] = model.fit(X_train, y_train).predict(X_test) * std + mean
    errors[name] = masked_mae(truth, predictions[name])
for name, error in errors.items():
    print(f"{name:>14}: MAE {error:.3f} mph")

# %%
# Where the errors are
# --------------------
# The mean absolute error of each sensor, on a map of the sensors with the
# graph's edges.
per_sensor = np.abs(truth - predictions["STID"]).mean(axis=(0, 1, 3))
fig, ax = plt.subplots(figsize=(7, 5))
plot_sensor_map(
    data.coords,
    per_sensor,
    adjacency=data.adjacency,
    ax=ax,
    title="STID, 15-minute MAE per sensor",
    label="MAE (mph)",
)
plt.show()
