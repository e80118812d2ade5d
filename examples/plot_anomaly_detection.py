"""
Detecting injected anomalies in ETTh1 with STAnomalyDetector
============================================================

Train :class:`~sk_stfm.estimators.STAnomalyDetector` on normal ETTh1
windows, corrupt some later windows with a spike or a level shift, and see
how well the anomaly scores rank the corrupted windows above the normal
ones (ROC-AUC).

ETTh1 has no labelled anomalies, so the anomalies are injected, as in the
anomaly section of ``benchmarks/objectives.py``. To run in seconds, the
example uses the first 4000 hours of ETTh1 and a very small PatchTST
trained for at most 20 epochs.
"""

# %%
# Scale and window
# ----------------
# The first 3000 hours train and the next 1000 hours test; each channel is
# z-scored with the training statistics, so that the anomalies below are
# sized in training standard deviations.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import RocCurveDisplay, roc_auc_score

from sk_stfm.data import make_windows
from sk_stfm.datasets import load_etth1
from sk_stfm.estimators import PatchTSTConfig, STAnomalyDetector
from sk_stfm.objectives import Masked

data = load_etth1()
values = data.values[:4000].astype(np.float32)  # (4000 hours, 1 node, 7 channels)
train, test = values[:3000], values[3000:]
mean, std = train.mean(axis=0), train.std(axis=0)
train, test = (train - mean) / std, (test - mean) / std

n_steps = 96
X_train, _ = make_windows(train, n_steps, 0, stride=4)
X_test, _ = make_windows(test, n_steps, 0, stride=12)
print("train", X_train.shape, "test", X_test.shape)

# %%
# Inject anomalies
# ----------------
# One test window in five gets one anomaly: half of them a *spike* (one
# entry of one channel moved by 4 to 6 standard deviations), the other half
# a *level shift* (one channel moved by 2 to 3 standard deviations over 12
# to 24 consecutive hours). ``kind`` records what each window got.
rng = np.random.default_rng(0)
X_corrupt = X_test.copy()
kind = np.zeros(len(X_test), dtype=int)  # 0 normal, 1 spike, 2 level shift
n_channels = X_test.shape[-1]
for i, window in enumerate(rng.choice(len(X_test), size=len(X_test) // 5, replace=False)):
    channel, sign = rng.integers(n_channels), rng.choice([-1.0, 1.0])
    if i % 2 == 0:
        X_corrupt[window, rng.integers(n_steps), 0, channel] += sign * rng.uniform(4, 6)
        kind[window] = 1
    else:
        length = rng.integers(12, 25)
        start = rng.integers(0, n_steps - length)
        X_corrupt[window, start : start + length, 0, channel] += sign * rng.uniform(2, 3)
        kind[window] = 2
is_anomaly = kind > 0
print(f"{is_anomaly.sum()} of {len(kind)} test windows corrupted")

# %%
# Fit
# ---
# The detector learns masked reconstruction on the training windows: random
# patches of every window are hidden and reconstructed from the rest. A
# window is then scored by reconstructing each of its entries while it is
# hidden (complementary masks hide every patch once, so no entry is scored
# from itself), with the errors scaled by each channel's training error.
# Both anomalies are short, so the example hides 8-hour patches rather than
# the default 16-hour ones.
detector = STAnomalyDetector(
    backbone=PatchTSTConfig(
        patch_len=8, stride=8, d_model=16, n_heads=2, n_layers=1, d_ff=32, dropout=0.0
    ),
    objective=Masked(patch_len=8),
    max_epochs=20,
    lr=3e-3,
    batch_size=32,
    random_state=0,
)
detector.fit(X_train)
print(f"epochs run: {detector.n_epochs_}")

# %%
# Score
# -----
# The detector follows scikit-learn's outlier-detector conventions:
# ``score_samples`` is higher for normal windows, so its negation is the
# anomaly score; ``predict`` returns -1 for the windows whose score falls
# below the threshold ``offset_``, set so that a share ``contamination``
# (10 % by default) of the *training* windows would be flagged.
anomaly_score = -detector.score_samples(X_corrupt)
flagged = detector.predict(X_corrupt) == -1
spikes, shifts = kind != 2, kind != 1  # normal windows plus one kind
print(f"ROC-AUC, all anomalies: {roc_auc_score(is_anomaly, anomaly_score):.3f}")
print(f"ROC-AUC, spikes:        {roc_auc_score(is_anomaly[spikes], anomaly_score[spikes]):.3f}")
print(f"ROC-AUC, level shifts:  {roc_auc_score(is_anomaly[shifts], anomaly_score[shifts]):.3f}")
print(
    f"flagged: {flagged[is_anomaly].mean():.0%} of the corrupted windows, "
    f"{flagged[~is_anomaly].mean():.0%} of the normal ones"
)

# %%
# Plot the scores and the ROC curve
# ---------------------------------
fig, (ax_scores, ax_roc) = plt.subplots(1, 2, figsize=(10, 4))
for value, label, color in (
    (0, "normal", "0.5"),
    (1, "spike", "tab:red"),
    (2, "level shift", "tab:orange"),
):
    chosen = kind == value
    ax_scores.scatter(np.flatnonzero(chosen), anomaly_score[chosen], s=14, color=color, label=label)
ax_scores.axhline(-detector.offset_, color="black", ls="--", lw=1, label="threshold")
ax_scores.set_yscale("log")
ax_scores.set_xlabel("test window")
ax_scores.set_ylabel("anomaly score (-score_samples)")
ax_scores.legend(fontsize="small")
RocCurveDisplay.from_predictions(is_anomaly, anomaly_score, ax=ax_roc, name="STAnomalyDetector")
ax_roc.plot([0, 1], [0, 1], color="0.7", ls=":", lw=1)
fig.tight_layout()

# %%
# Plot one flagged window
# -----------------------
# The highest-scored corrupted window: the channel that was corrupted,
# before and after the injection.
window = np.flatnonzero(is_anomaly)[np.argmax(anomaly_score[is_anomaly])]
channel = np.abs(X_corrupt[window] - X_test[window]).sum(axis=(0, 1)).argmax()
name = data.channel_names[channel]
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.plot(X_test[window, :, 0, channel], color="0.6", lw=1, label="original")
ax.plot(X_corrupt[window, :, 0, channel], color="tab:red", lw=1.2, label="corrupted")
ax.set_xlabel("hour of the window")
ax.set_ylabel(f"{name} (z-score)")
ax.set_title(
    f"Window {window}: {'spike' if kind[window] == 1 else 'level shift'} in {name}, "
    f"score {anomaly_score[window]:.1f} (threshold {-detector.offset_:.1f})"
)
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
