"""Synthetic spatio-temporal data whose generating process is known exactly."""

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.datasets import load_digits
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


_DIGIT_SIZE = 8
_DIGIT_MAX = 16.0


def _check_frame_size(frame_size):
    try:
        height, width = frame_size
    except (TypeError, ValueError):
        raise TypeError(f"frame_size must be a pair of ints (H, W); got {frame_size!r}.") from None
    height = _check_int(height, "frame_size[0]", _DIGIT_SIZE + 1)
    width = _check_int(width, "frame_size[1]", _DIGIT_SIZE + 1)
    return height, width


def make_moving_digits(
    n_sequences=100,
    n_frames=20,
    frame_size=(32, 32),
    n_digits=2,
    speed=2.0,
    random_state=None,
    return_components=False,
):
    """Generate Moving-MNIST-style videos of digits bouncing inside a frame.

    Each sequence shows ``n_digits`` handwritten digits, 8 x 8 images drawn
    at random from scikit-learn's bundled :func:`~sklearn.datasets.load_digits`
    (nothing is downloaded), moving in straight lines and bouncing off the
    edges of an ``H x W`` frame. Digit ``d`` starts at a top-left position
    ``p`` drawn uniformly in ``[0, H - 8] x [0, W - 8]`` and moves by
    ``v = speed * (sin a, cos a)`` pixels (row, column) per frame, with the
    angle ``a`` uniform in ``[0, 2 pi)``. After each step, a coordinate that
    left ``[0, L]`` (``L = H - 8`` or ``W - 8``) is reflected back into it
    (``-p`` or ``2 L - p``) and its velocity changes sign. A frame draws
    each digit at its rounded position, scaled from the digits' 0..16 to
    ``[0, 1]``; where digits overlap, the brighter pixel wins (the maximum),
    as in Moving MNIST.

    The sequences follow the data contract as one long video: sequence ``k``
    is the rows ``[k * n_frames, (k + 1) * n_frames)`` of ``values``, with
    the frames flattened row-major to ``H * W`` nodes. Consecutive sequences
    are unrelated, so cut windows that stay inside a sequence, one per
    sequence: ``make_windows(data, history, n_frames - history,
    stride=n_frames)`` (for example 10 frames in, 10 to predict);
    ``data.values.reshape(n_sequences, n_frames, H * W, 1)`` is the same
    split as a view.

    Parameters
    ----------
    n_sequences : int, default=100
        Number of independent sequences.
    n_frames : int, default=20
        Frames per sequence.
    frame_size : tuple of int (H, W), default=(32, 32)
        Height and width of a frame, each at least 9 (a digit is 8 x 8 and
        must have room to move).
    n_digits : int, default=2
        Digits per sequence.
    speed : float, default=2.0
        Distance travelled per frame, in pixels; at most
        ``min(H, W) - 8``, the room a digit has along its shorter axis.
        ``0`` gives still digits.
    random_state : int, RandomState instance or None, default=None
        Seed of the digit choice, start positions and directions; pass an
        int for reproducible output.
    return_components : bool, default=False
        If True, also return the ground truth of the motion.

    Returns
    -------
    data : STData
        ``values`` of shape (n_sequences * n_frames, H * W, 1), float64 in
        ``[0, 1]``; ``grid_shape=(H, W)``; ``timestamps=None``;
        ``kind="video"``.
    components : dict
        Only if ``return_components=True``: ``"positions"``, int array of
        shape (n_sequences, n_frames, n_digits, 2), the (row, column) of
        each digit's top-left pixel in each frame; ``"digit_index"``, int
        array of shape (n_sequences, n_digits), the rows of
        ``load_digits().images`` that are drawn; ``"labels"``, the digit
        classes (0 to 9) of those images, same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stfm.data import make_windows
    >>> from sk_stfm.datasets import make_moving_digits
    >>> data, truth = make_moving_digits(
    ...     n_sequences=3, n_frames=10, frame_size=(16, 16), random_state=0,
    ...     return_components=True,
    ... )
    >>> data.values.shape, data.grid_shape, data.kind
    ((30, 256, 1), (16, 16), 'video')
    >>> X, y = make_windows(data, history=6, horizon=4, stride=10)
    >>> X.shape, y.shape
    ((3, 6, 256, 1), (3, 4, 256, 1))
    >>> truth["positions"].shape
    (3, 10, 2, 2)
    """
    n_sequences = _check_int(n_sequences, "n_sequences", 1)
    n_frames = _check_int(n_frames, "n_frames", 1)
    height, width = _check_frame_size(frame_size)
    n_digits = _check_int(n_digits, "n_digits", 1)
    limits = np.array([height - _DIGIT_SIZE, width - _DIGIT_SIZE], dtype=np.float64)
    speed = _check_real(speed, "speed", low=0.0, high=float(limits.min()))
    rng = check_random_state(random_state)

    digits = load_digits()
    images = digits.images / _DIGIT_MAX
    digit_index = rng.randint(0, len(images), size=(n_sequences, n_digits))
    position = rng.uniform(0.0, 1.0, size=(n_sequences, n_digits, 2)) * limits
    angle = rng.uniform(0.0, 2.0 * np.pi, size=(n_sequences, n_digits))
    velocity = speed * np.stack([np.sin(angle), np.cos(angle)], axis=-1)

    positions = np.empty((n_sequences, n_frames, n_digits, 2), dtype=np.int64)
    for t in range(n_frames):
        positions[:, t] = np.rint(position).astype(np.int64)
        position = position + velocity
        # speed <= limits, so one reflection brings every coordinate back.
        below, above = position < 0, position > limits
        position = np.where(below, -position, position)
        position = np.where(above, 2.0 * limits - position, position)
        velocity = np.where(below | above, -velocity, velocity)

    frames = np.zeros((n_sequences, n_frames, height, width))
    patch = np.arange(_DIGIT_SIZE)
    for k in range(n_sequences):
        for d in range(n_digits):
            image = images[digit_index[k, d]]
            for t in range(n_frames):
                row, col = positions[k, t, d]
                window = np.ix_(row + patch, col + patch)
                frames[k, t][window] = np.maximum(frames[k, t][window], image)

    data = STData(
        values=frames.reshape(n_sequences * n_frames, height * width, 1),
        timestamps=None,
        grid_shape=(height, width),
        kind="video",
        name="moving_digits",
        description=(
            f"Synthetic moving digits: {n_sequences} sequences of {n_frames} "
            f"frames of {height} x {width} pixels, each with {n_digits} 8 x 8 "
            f"scikit-learn digits bouncing off the edges at {speed} pixels per "
            f"frame. Sequence k is the rows [k * {n_frames}, (k + 1) * "
            f"{n_frames}); window with stride={n_frames} to stay inside one."
        ),
        channel_names=["intensity"],
    )
    if not return_components:
        return data
    components = {
        "positions": positions,
        "digit_index": digit_index,
        "labels": digits.target[digit_index],
    }
    return data, components
