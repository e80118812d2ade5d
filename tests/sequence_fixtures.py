"""Valid irregular sequences for the common checks of estimators that take them."""

import numpy as np

from sk_stfm.utils import get_stfm_tags


def sequences_for(estimator, n_sequences=8, seed=0):
    """Small valid sequences of the estimator's data kind, and labels if it needs them."""
    rng = np.random.default_rng(seed)
    events = "event" in get_stfm_tags(estimator).data_kinds
    sequences = []
    for _ in range(n_sequences):
        n = int(rng.integers(6, 14))
        times = 1e3 + np.cumsum(rng.exponential(60.0, size=n))
        if events:
            sequences.append(np.column_stack([times, rng.integers(0, 3, size=n)]))
        else:  # a random walk of GPS fixes around Beijing
            steps = rng.normal(scale=1e-3, size=(n, 2))
            sequences.append(
                np.column_stack([times, 39.9 + steps[:, 0].cumsum(), 116.3 + steps[:, 1].cumsum()])
            )
    labels = (
        np.arange(n_sequences) % 2 if estimator.__sklearn_tags__().target_tags.required else None
    )
    return sequences, labels
