"""
Imputing missing ETTh1 values with STImputer
============================================

Hide 30 % of the entries of ETTh1 test windows at random, fill them with
:class:`~sk_stfm.estimators.STImputer` (masked reconstruction, STEP-style)
and with linear interpolation in time
(:class:`~sk_stfm.harmonize.MissingValueImputer`), and compare the mean
absolute error on the hidden entries.

To run in seconds, the example uses the first 3000 hours of ETTh1 and a
very small PatchTST trained for at most 20 epochs;
``benchmarks/objectives.py`` runs the longer protocol on the whole test
period.
"""

# %%
# Scale and window
# ----------------
# The first 2400 hours train and the next 600 hours test. Each channel is
# z-scored with the mean and standard deviation of the training hours. The
# imputer learns from overlapping 96-hour windows (stride 4); the test
# period is cut into non-overlapping windows, so that every hour is imputed
# exactly once.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.data import make_windows
from sk_stfm.datasets import load_etth1
from sk_stfm.estimators import PatchTSTConfig, STImputer, hide_at_random
from sk_stfm.harmonize import MissingValueImputer
from sk_stfm.metrics import masked_mae

data = load_etth1()
values = data.values[:3000].astype(np.float32)  # (3000 hours, 1 node, 7 channels)
train, test = values[:2400], values[2400:]
mean, std = train.mean(axis=0), train.std(axis=0)
train, test = (train - mean) / std, (test - mean) / std

n_steps = 96
X_train, _ = make_windows(train, n_steps, 0, stride=4)
X_test, _ = make_windows(test, n_steps, 0, stride=n_steps)
print("train", X_train.shape, "test", X_test.shape)

# %%
# Hide 30 % of the test entries
# -----------------------------
# :func:`~sk_stfm.estimators.hide_at_random` sets a random share of the
# observed entries to NaN and returns which ones it hid; they are the
# entries to score.
X_missing, hidden = hide_at_random(X_test, 0.3, random_state=0)
truth = np.where(hidden, X_test, np.nan)  # NaN where not scored
print(f"hidden entries: {hidden.sum()} of {hidden.size}")

# %%
# Fit and impute
# --------------
# ``fit`` trains the backbone to reconstruct randomly hidden entries from
# the visible ones (by default 30 % of them, one by one, like the missing
# values here). The training windows have no missing values of their own;
# with NaN in them, the missing entries would simply never be scored.
# ``transform`` fills the NaN of new windows and returns the observed
# entries unchanged.
imputer = STImputer(
    backbone=PatchTSTConfig(
        patch_len=8, stride=8, d_model=16, n_heads=2, n_layers=1, d_ff=32, dropout=0.0
    ),
    max_epochs=20,
    lr=3e-3,
    batch_size=32,
    random_state=0,
)
imputer.fit(X_train)
X_filled = imputer.transform(X_missing)
X_linear = MissingValueImputer(strategy="linear").fit_transform(X_missing)
print(f"epochs run: {imputer.n_epochs_}")

print(f"{'method':<24}{'MAE (hidden entries)':>22}")
for name, filled in (("STImputer", X_filled), ("linear interpolation", X_linear)):
    print(f"{name:<24}{masked_mae(truth, filled):22.3f}")

# %%
# :meth:`~sk_stfm.estimators.STImputer.score` does the same in one call:
# it hides a share of the observed entries of the windows it is given
# (20 % by default, drawn with ``random_state``) and returns minus the MAE
# of imputing them, so that higher is better, as scikit-learn's searches
# expect.
print(f"STImputer.score on the complete test windows: {imputer.score(X_test):.3f}")

# %%
# Plot one channel
# ----------------
# The oil temperature ``OT`` over the first two test windows (192 hours),
# in z-scores: the truth, the hidden entries and their imputations.
ot = data.channel_names.index("OT")
hours = np.arange(2 * n_steps)


def series(windows):
    """The OT channel of the first two windows, one after the other."""
    return windows[:2, :, 0, ot].reshape(-1)


gap = series(hidden)
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(hours, series(X_test), color="0.6", lw=1, label="truth")
ax.plot(hours[gap], series(X_test)[gap], "o", color="black", ms=4, label="hidden (truth)")
ax.plot(hours[gap], series(X_filled)[gap], "x", color="tab:red", ms=5, label="STImputer")
ax.plot(
    hours[gap], series(X_linear)[gap], "+", color="tab:blue", ms=6, label="linear interpolation"
)
ax.axvline(n_steps - 0.5, color="0.8", ls="--", lw=1)
ax.set_xlabel("hour of the test period")
ax.set_ylabel("OT (z-score)")
ax.set_title("ETTh1: 30 % of the entries hidden and imputed (OT channel)")
ax.legend(loc="best", fontsize="small")
fig.tight_layout()
plt.show()
