"""
Predicting the next frame of moving digits with ConvLSTM
========================================================

Video frames are grids: each 16 x 16 frame of
:func:`~sk_stfm.datasets.make_moving_digits` (scikit-learn's handwritten
digits bouncing in a box) is 256 nodes with ``grid_shape=(16, 16)``. A
ConvLSTM reads 10 frames and predicts the 11th; it is compared with
repeating the last frame.
"""

# %%
# One window per sequence
# -----------------------
# Each sequence has 11 frames; a stride of 11 gives one window per
# sequence: 10 input frames and the frame to predict.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.data import make_windows
from sk_stfm.datasets import make_moving_digits
from sk_stfm.estimators import ConvLSTMConfig, STForecaster
from sk_stfm.metrics import masked_mse
from sk_stfm.plotting import plot_frame_strip

train = make_moving_digits(n_sequences=200, n_frames=11, frame_size=(16, 16), random_state=0)
test = make_moving_digits(n_sequences=20, n_frames=11, frame_size=(16, 16), random_state=1)
X, y = make_windows(train, history=10, horizon=1, stride=11)
X_test, y_test = make_windows(test, history=10, horizon=1, stride=11)
print("train", X.shape, "test", X_test.shape)

# %%
# Train and compare
# -----------------
model = STForecaster(
    backbone=ConvLSTMConfig(hidden_channels=(16,)),
    spatial=train,
    lr=3e-3,
    max_epochs=15,
    random_state=0,
).fit(X, y)
prediction = model.predict(X_test)
print(f"ConvLSTM   next-frame MSE {masked_mse(y_test, prediction):.4f}")
print(f"last frame next-frame MSE {masked_mse(y_test, X_test[:, -1:]):.4f}")

# %%
# Inputs, truth and prediction
# ----------------------------
sequence = 0
plot_frame_strip(
    {
        "input": X_test[sequence, -4:, :, 0],
        "truth": y_test[sequence, :, :, 0],
        "ConvLSTM": np.clip(prediction[sequence, :, :, 0], 0, None),
    },
    grid_shape=(16, 16),
)
plt.show()
