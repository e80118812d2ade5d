"""
How an earthquake raises the rate of the next ones: fitted intensities
======================================================================

A temporal point process describes *when* events happen through its
conditional intensity :math:`\\lambda^*(t)`, the expected number of events
per unit of time given everything before :math:`t`. This example fits three
models to the San Jacinto earthquake catalog (EarthquakeNPP) and plots their
intensities over two weeks of the test period:

* :class:`~sk_stfm.estimators.PoissonProcess`, a constant rate;
* :class:`~sk_stfm.estimators.HawkesProcess`, where each quake adds an
  exponentially decaying bump (the classic aftershock model), fitted by
  maximum likelihood;
* :class:`~sk_stfm.estimators.EventForecaster` with the intensity-free
  ``lognorm_mix`` backbone, a neural TPP whose history encoder also reads
  the location and magnitude of past quakes.
"""

# %%
# Data and periods
# ----------------
# One catalog of ``(time [s], x, y, magnitude)``; the periods fix which
# events train and which are scored. Time is converted to days.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.datasets import earthquake_periods, load_earthquakes
from sk_stfm.estimators import EventForecaster, HawkesProcess, LogNormMixConfig, PoissonProcess

DAY = 86_400.0
catalog = load_earthquakes("sanjac").sequences[0].copy()
catalog[:, 0] /= DAY
periods = earthquake_periods("sanjac")[["start_time", "end_time"]] / DAY
train_start, train_end = periods.loc["train"]
test_start, test_end = periods.loc["test"]
print(f"{len(catalog)} quakes; test period: {test_end - test_start:.0f} days")

# %%
# Fit the three models on the training period
# --------------------------------------------
# The neural model trains for a few epochs only, to keep the example short.
train = {"start_times": train_start, "end_times": train_end}
test = {"start_times": test_start, "end_times": test_end}
models = {
    "Poisson": PoissonProcess(random_state=0),
    "Hawkes": HawkesProcess(random_state=0),
    "lognorm_mix": EventForecaster(
        LogNormMixConfig(d_model=16, n_components=8),
        max_length=256,
        context_length=64,
        batch_size=8,
        lr=3e-3,
        max_epochs=4,
        random_state=0,
    ),
}
for name, model in models.items():
    model.fit([catalog], **train)
    parts = model.score_components([catalog], **test)
    print(f"{name:>12}: test log-likelihood per event, time {parts['time']:.3f}")

# %%
# Intensities over two weeks
# --------------------------
# Each model's intensity at time ``t`` conditions on every quake before it;
# ticks at the bottom mark the quakes, sized by magnitude.
window = (test_start + 200.0, test_start + 214.0)
grid = np.linspace(*window, 3000)
inside = catalog[(catalog[:, 0] >= window[0]) & (catalog[:, 0] <= window[1])]
fig, ax = plt.subplots(figsize=(9, 4))
for name, model in models.items():
    ax.plot(grid, model.intensity(catalog, grid), label=name, lw=1.2)
ax.scatter(inside[:, 0], np.full(len(inside), 0.5), s=4 * inside[:, 3] ** 2, marker="|", c="k")
ax.set_yscale("log")
ax.set(xlabel="day since the start of the catalog", ylabel="quakes per day")
ax.legend(loc="upper right")
ax.set_title("San Jacinto: fitted conditional intensities")
plt.tight_layout()
plt.show()
