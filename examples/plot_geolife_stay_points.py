"""
Cleaning GeoLife trajectories and finding where people stay
============================================================

Raw GPS trajectories are irregular: a list of arrays ``(n_points, 3)`` with
columns ``(time [s], lat, lon)``, one per trip. This example loads the
GeoLife sample (two users in Beijing), removes GPS spikes with
:class:`~sk_stfm.harmonize.TrajectoryCleaner`, finds the places where a
user stayed at least 20 minutes within 200 m
(:class:`~sk_stfm.harmonize.StayPointDetector`, the GeoLife definition) and
maps them over the cleaned tracks.
"""

# %%
# Load and clean
# --------------
# ``load_geolife_sample`` splits each user's fixes into trips at gaps longer
# than 20 minutes; the cleaner drops fixes that imply more than 50 m/s from
# the last kept one, and repeated fixes.
import matplotlib.pyplot as plt
import numpy as np

from sk_stfm.datasets import load_geolife_sample
from sk_stfm.harmonize import StayPointDetector, TrajectoryCleaner

data = load_geolife_sample()
cleaner = TrajectoryCleaner(max_speed=50.0)
trips = cleaner.fit_transform(data.sequences)
n_raw = sum(len(t) for t in data.sequences)
n_clean = sum(len(t) for t in trips)
print(f"{data.n_sequences} trips, {n_raw} fixes, {n_raw - n_clean} dropped by the cleaner")

# %%
# Stay points
# -----------
# Each stay point is ``(arrival time, lat, lon, departure time)``.
stays = StayPointDetector(distance_threshold=200.0, time_threshold=1200.0).fit_transform(trips)
users = data.ids
for user in np.unique(users):
    per_user = [s for s, u in zip(stays, users, strict=True) if u == user]
    durations = np.concatenate([s[:, 3] - s[:, 0] for s in per_user]) / 3600
    print(f"user {user}: {len(durations)} stays, median {np.median(durations):.1f} h")

# %%
# Map
# ---
# Tracks in grey, stay points coloured by user, sized by duration.
fig, ax = plt.subplots(figsize=(6, 6))
for trip in trips:
    ax.plot(trip[:, 2], trip[:, 1], color="0.8", linewidth=0.5)
for user, color in zip(np.unique(users), ("tab:blue", "tab:orange"), strict=True):
    points = np.vstack([s for s, u in zip(stays, users, strict=True) if u == user and len(s)])
    hours = (points[:, 3] - points[:, 0]) / 3600
    ax.scatter(
        points[:, 2], points[:, 1], s=10 + 20 * hours, color=color, alpha=0.6, label=f"user {user}"
    )
ax.set(xlabel="longitude", ylabel="latitude", title="GeoLife stay points")
ax.set_xlim(116.25, 116.45)
ax.set_ylim(39.88, 40.04)
ax.legend()
plt.show()
