"""Synthetic spatio-temporal data whose generating process is known exactly."""

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..data import STData
from ..data._validation import check_int as _check_int


def _check_real(value, name, low=None, high=None, high_open=False):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}.")
    value = float(value)
    above = high is not None and (value >= high if high_open else value > high)
    if not np.isfinite(value) or (low is not None and value < low) or above:
        if high is None:
            bounds = f"a finite number >= {low}" if low is not None else "finite"
        else:
            bounds = f"in [{low}, {high}" + (")" if high_open else "]")
        raise ValueError(f"{name} must be {bounds}; got {value}.")
    return value


def make_seasonal_series(
    n_steps=1000,
    n_channels=1,
    periods=(24,),
    amplitude=1.0,
    trend=0.0,
    noise=0.1,
    missing_rate=0.0,
    freq="h",
    start="2020-01-01",
    random_state=None,
    return_components=False,
):
    """Generate a multivariate series of trend, seasonality and noise.

    Channel ``c`` at step ``t = 0, ..., n_steps - 1`` is::

        x[t, c] = trend * t
                  + sum_k amplitude[k] * sin(2 pi t / periods[k] + phi[k, c])
                  + noise * e[t, c]

    with phases ``phi`` drawn uniformly in ``[0, 2 pi)`` and ``e`` standard
    Gaussian. Then ``round(missing_rate * n_steps * n_channels)`` values,
    chosen at random, are set to NaN.

    Parameters
    ----------
    n_steps : int, default=1000
        Number of time steps.
    n_channels : int, default=1
        Number of channels (variables); they share the trend and the periods
        and differ by their phases and noise.
    periods : sequence of float, default=(24,)
        Periods of the seasonal components, in steps.
    amplitude : float or array-like of shape (n_periods,), default=1.0
        Amplitude of each seasonal component.
    trend : float, default=0.0
        Slope of the linear trend, per step.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise.
    missing_rate : float, default=0.0
        Fraction of the values set to NaN, in ``[0, 1]``.
    freq : str, default="h"
        Pandas frequency of the timestamps.
    start : str or datetime-like, default="2020-01-01"
        First timestamp.
    random_state : int, RandomState instance or None, default=None
        Seed of the phases, noise and missing positions; pass an int for
        reproducible output.
    return_components : bool, default=False
        If True, also return the clean components.

    Returns
    -------
    data : STData
        ``values`` of shape (n_steps, 1, n_channels), ``timestamps`` with
        frequency ``freq``, ``kind="series"``.
    components : dict of str to ndarray of shape (n_steps, 1, n_channels)
        Only if ``return_components=True``: ``"trend"``, ``"seasonal"`` and
        ``"noise"``, without missing values; their sum equals ``data.values``
        wherever a value is observed.

    Examples
    --------
    >>> from sk_stfm.datasets import make_seasonal_series
    >>> data, parts = make_seasonal_series(
    ...     n_steps=48, n_channels=2, random_state=0, return_components=True
    ... )
    >>> data.values.shape, data.timestamps.freqstr
    ((48, 1, 2), 'h')
    >>> import numpy as np
    >>> total = parts["trend"] + parts["seasonal"] + parts["noise"]
    >>> bool(np.allclose(total, data.values))
    True
    """
    n_steps = _check_int(n_steps, "n_steps", 1)
    n_channels = _check_int(n_channels, "n_channels", 1)
    periods = np.atleast_1d(np.asarray(periods, dtype=np.float64))
    if periods.ndim != 1 or periods.size == 0 or not np.all(periods > 0):
        raise ValueError(
            f"periods must be a non-empty sequence of positive numbers; got {periods}."
        )
    amplitude = np.broadcast_to(np.asarray(amplitude, dtype=np.float64), periods.shape)
    trend = _check_real(trend, "trend")
    noise = _check_real(noise, "noise", low=0.0)
    missing_rate = _check_real(missing_rate, "missing_rate", low=0.0, high=1.0)
    rng = check_random_state(random_state)

    t = np.arange(n_steps, dtype=np.float64)[:, None]
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(periods.size, n_channels))
    seasonal = np.zeros((n_steps, n_channels))
    for period, amp, phase in zip(periods, amplitude, phases, strict=True):
        seasonal += amp * np.sin(2.0 * np.pi * t / period + phase)
    trend_part = np.broadcast_to(trend * t, (n_steps, n_channels)).copy()
    noise_part = noise * rng.standard_normal((n_steps, n_channels))
    values = trend_part + seasonal + noise_part

    n_missing = round(missing_rate * values.size)
    if n_missing:
        missing = rng.choice(values.size, size=n_missing, replace=False)
        values.flat[missing] = np.nan

    data = STData(
        values=values[:, None, :],
        timestamps=pd.date_range(start=start, periods=n_steps, freq=freq),
        kind="series",
        name="seasonal_series",
        description=(
            f"Synthetic series: linear trend (slope {trend} per step) + sines "
            f"with periods {periods.tolist()} and random phases + Gaussian "
            f"noise (std {noise}); {n_missing} values missing (NaN)."
        ),
        channel_names=[f"channel_{c}" for c in range(n_channels)],
    )
    if not return_components:
        return data
    components = {
        "trend": trend_part[:, None, :],
        "seasonal": seasonal[:, None, :],
        "noise": noise_part[:, None, :],
    }
    return data, components


_MAX_BURN_IN = 100_000


def _connected_random_graph(n_nodes, edge_prob, rng):
    """Binary symmetric adjacency: a ring (so it is connected) plus random edges."""
    dense = rng.random_sample((n_nodes, n_nodes)) < edge_prob
    dense = np.triu(dense, k=1)
    ring = np.arange(n_nodes)
    dense[ring, (ring + 1) % n_nodes] = True
    dense = dense | dense.T
    np.fill_diagonal(dense, False)
    return sp.csr_array(dense.astype(np.float64))


def make_graph_signal(
    n_nodes=20,
    n_steps=500,
    n_channels=1,
    edge_prob=0.2,
    diffusion=0.5,
    period=24,
    noise=0.05,
    damping=0.9,
    freq="h",
    start="2020-01-01",
    random_state=None,
    return_components=False,
):
    """Generate a seasonal signal that diffuses over a random connected graph.

    The graph is a ring over the nodes (so it is connected) plus an
    Erdős–Rényi graph: every other pair of nodes is joined with probability
    ``edge_prob``. It is undirected, unweighted and has no self loops. With
    ``A`` its adjacency and ``P = D^{-1} A`` the random-walk matrix (``D``
    the degrees), the signal of each channel follows, for every step ``t``::

        x[t + 1] = damping * ((1 - diffusion) * x[t] + diffusion * P @ x[t])
                   + s[t + 1] + e[t + 1]

    where ``s[t, i, c] = sin(2 * pi * t / period + phi[i, c])`` is a seasonal
    forcing with phases ``phi`` drawn uniformly in ``[0, 2 pi)`` and ``e`` is
    Gaussian noise of standard deviation ``noise``. The transition matrix
    ``M = damping * ((1 - diffusion) * I + diffusion * P)`` has spectral
    radius ``damping < 1``, so the process is stationary and bounded. It is
    run for a burn-in before step 0 (``x`` starts at 0 and the forcing is
    continued to negative ``t``) so that step 0 is already in the stationary
    regime (the burn-in lasts until ``damping ** n_burn < 1e-8``, at most
    100,000 steps); the recursion holds exactly between all returned steps.

    Parameters
    ----------
    n_nodes : int, default=20
        Number of nodes, at least 2.
    n_steps : int, default=500
        Number of time steps.
    n_channels : int, default=1
        Number of channels; each diffuses independently over the same graph.
    edge_prob : float, default=0.2
        Probability of each extra edge, in ``[0, 1]``.
    diffusion : float, default=0.5
        Weight of the neighbours' mean in each step, in ``[0, 1]``.
    period : float, default=24
        Period of the forcing, in steps.
    noise : float, default=0.05
        Standard deviation of the innovation noise.
    damping : float, default=0.9
        Factor in ``[0, 1)`` that makes the process stationary; values near 1
        give long memory.
    freq : str, default="h"
        Pandas frequency of the timestamps.
    start : str or datetime-like, default="2020-01-01"
        First timestamp.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph, phases and noise; pass an int for reproducible
        output.
    return_components : bool, default=False
        If True, also return the ground truth of the recursion.

    Returns
    -------
    data : STData
        ``values`` of shape (n_steps, n_nodes, n_channels), ``adjacency`` a
        binary symmetric :class:`scipy.sparse.csr_array` of shape
        (n_nodes, n_nodes), ``timestamps`` with frequency ``freq``,
        ``kind="graph"``.
    components : dict
        Only if ``return_components=True``: ``"transition"``, the dense
        matrix ``M`` of shape (n_nodes, n_nodes); ``"forcing"`` ``s`` and
        ``"noise"`` ``e``, each of shape (n_steps, n_nodes, n_channels),
        such that, for each channel ``c``, ``values[t + 1, :, c] =
        M @ values[t, :, c] + forcing[t + 1, :, c] + noise[t + 1, :, c]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.datasets import make_graph_signal
    >>> data, truth = make_graph_signal(
    ...     n_nodes=5, n_steps=50, noise=0.0, random_state=0, return_components=True
    ... )
    >>> data.values.shape, data.adjacency.shape
    ((50, 5, 1), (5, 5))
    >>> x = data.values[:, :, 0]
    >>> step = x[:-1] @ truth["transition"].T + truth["forcing"][1:, :, 0]
    >>> bool(np.allclose(step, x[1:]))
    True
    """
    n_nodes = _check_int(n_nodes, "n_nodes", 2)
    n_steps = _check_int(n_steps, "n_steps", 1)
    n_channels = _check_int(n_channels, "n_channels", 1)
    edge_prob = _check_real(edge_prob, "edge_prob", low=0.0, high=1.0)
    diffusion = _check_real(diffusion, "diffusion", low=0.0, high=1.0)
    period = _check_real(period, "period", low=0.0)
    if period == 0:
        raise ValueError("period must be > 0; got 0.")
    noise = _check_real(noise, "noise", low=0.0)
    damping = _check_real(damping, "damping", low=0.0, high=1.0, high_open=True)
    rng = check_random_state(random_state)

    adjacency = _connected_random_graph(n_nodes, edge_prob, rng)
    degree = adjacency.sum(axis=1)
    walk = adjacency.toarray() / degree[:, None]
    transition = damping * ((1.0 - diffusion) * np.eye(n_nodes) + diffusion * walk)

    # Enough burn-in steps for the start state to fade below 1e-8 of its size;
    # capped so that a damping within a hair of 1 cannot stall the generator.
    n_burn = 0 if damping == 0 else int(np.ceil(np.log(1e-8) / np.log(damping)))
    n_burn = min(n_burn, _MAX_BURN_IN)
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(n_nodes, n_channels))
    t = np.arange(-n_burn, n_steps, dtype=np.float64)[:, None, None]
    forcing = np.sin(2.0 * np.pi * t / period + phases)
    innovations = noise * rng.standard_normal((n_burn + n_steps, n_nodes, n_channels))

    states = np.empty((n_burn + n_steps, n_nodes, n_channels))
    x = np.zeros((n_nodes, n_channels))
    for step in range(n_burn + n_steps):
        x = transition @ x + forcing[step] + innovations[step]
        states[step] = x

    data = STData(
        values=states[n_burn:],
        timestamps=pd.date_range(start=start, periods=n_steps, freq=freq),
        adjacency=adjacency,
        kind="graph",
        name="graph_signal",
        description=(
            "Synthetic diffusion over a random connected graph (ring + "
            f"Erdos-Renyi, edge_prob={edge_prob}): x[t+1] = {damping} * "
            f"((1 - {diffusion}) x[t] + {diffusion} P x[t]) + "
            f"sin(2 pi t / {period} + phase) + N(0, {noise}^2), P the "
            "random-walk matrix of the graph."
        ),
        node_names=[f"node_{i}" for i in range(n_nodes)],
        channel_names=[f"channel_{c}" for c in range(n_channels)],
    )
    if not return_components:
        return data
    components = {
        "transition": transition,
        "forcing": forcing[n_burn:],
        "noise": innovations[n_burn:],
    }
    return data, components
