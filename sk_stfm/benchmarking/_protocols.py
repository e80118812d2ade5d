"""Evaluation protocols shared by the benchmark suites and ``benchmarks/`` scripts.

Each function prepares the data of one published protocol (splits in time,
scaling with training statistics only, windows) or computes its metric, so
that a suite entry and the longer script reproducing the same table cannot
drift apart.
"""

import numpy as np

from ..data import make_windows


def tgcn_metrics(y_true, y_pred):
    """RMSE, MAE, Accuracy and R² of T-GCN, pooled over all entries.

    Parameters
    ----------
    y_true, y_pred : ndarray
        Truth and prediction in data units, of one shape.

    Returns
    -------
    metrics : dict
        ``rmse``, ``mae``, ``accuracy`` (``1 - ||Y - Y_hat||_F / ||Y||_F``)
        and ``r2``.
    """
    error = y_true - y_pred
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "accuracy": float(1.0 - np.linalg.norm(error) / np.linalg.norm(y_true)),
        "r2": float(1.0 - np.sum(error**2) / np.sum((y_true - y_true.mean()) ** 2)),
    }


def los_loop_windows(horizon, data=None):
    """Train and test windows of Los-loop under the T-GCN protocol.

    The first 80 % of the steps train and the last 20 % test; 12 input steps;
    speeds are z-scored with the training mean and std (one pair for all
    sensors), and the inputs carry the time of day as a sine / cosine pair.

    Parameters
    ----------
    horizon : int
        Target steps per window.
    data : STData or None, default=None
        Los-loop as :func:`~sk_stfm.datasets.load_los_loop` returns it;
        loaded when ``None``.

    Returns
    -------
    parts : dict
        ``"train"`` and ``"test"`` to ``(X, y)``: ``X`` of shape
        ``(n, 12, 207, 3)`` (speed, sine, cosine), ``y`` of shape
        ``(n, horizon, 207, 1)`` in z-scores.
    data : STData
        The data set (its adjacency is the spatial context).
    scale : tuple of float
        ``(mean, std)`` of the training speeds.
    """
    from ..datasets import load_los_loop
    from ..harmonize import CalendarFeatures, add_time_channel

    data = load_los_loop() if data is None else data
    n_train = int(0.8 * data.n_steps)
    speed = data.values[:, :, :1]
    mean, std = float(speed[:n_train].mean()), float(speed[:n_train].std())
    values = add_time_channel(data).values.copy()
    values[:, :, 0] = (values[:, :, 0] - mean) / std
    calendar = CalendarFeatures(time_channel=-1, features=("time_of_day",))
    parts = {}
    for name, rows in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
        X, y = make_windows(values[rows], history=12, horizon=horizon)
        parts[name] = (calendar.fit_transform(X).astype(np.float32), y[..., :1])
    return parts, data, (mean, std)


def chickenpox_windows(data=None):
    """Windows of PyTorch Geometric Temporal's chickenpox case study.

    Four weekly lags predict the next week; ``temporal_signal_split`` with
    ``train_ratio=0.2``: the first 20 % of the windows train.

    Parameters
    ----------
    data : STData or None, default=None
        Chickenpox as :func:`~sk_stfm.datasets.load_chickenpox` returns it;
        loaded when ``None``.

    Returns
    -------
    data : STData
        The data set.
    train, test : tuple of ndarray
        ``(X, y)`` windows of each part.
    """
    from ..datasets import load_chickenpox

    data = load_chickenpox() if data is None else data
    X, y = make_windows(data, history=4, horizon=1)
    n_train = int(0.2 * len(X))
    return data, (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:])


def masked_flow_mae(y_true, y_pred, threshold=5.0):
    """MAE over the entries whose true value exceeds ``threshold`` (ST-SSL's mask).

    Parameters
    ----------
    y_true, y_pred : ndarray
        Truth and prediction (raw counts), of one shape.
    threshold : float, default=5.0
        Entries with a true value at or below it are left out.

    Returns
    -------
    mae : float
        The masked MAE.
    """
    keep = y_true > threshold
    return float(np.mean(np.abs(y_true - y_pred)[keep]))


def geolife_split(step=120.0, min_fixes=4, train_share=0.7):
    """GeoLife trajectories resampled in time and split chronologically per user.

    Parameters
    ----------
    step : float, default=120.0
        Seconds between resampled fixes.
    min_fixes : int, default=4
        Trajectories with fewer resampled fixes are dropped.
    train_share : float, default=0.7
        Share of each user's trajectories, earliest first, that train.

    Returns
    -------
    trajectories : list of ndarray
        Resampled trajectories ``(n_fixes, 3)``: time, latitude, longitude.
    users : ndarray
        The user of each trajectory.
    train, test : list of int
        Indices of the training and test trajectories.
    """
    from ..datasets import load_geolife_sample
    from ..harmonize import TrajectoryResampler

    data = load_geolife_sample()
    resampled = TrajectoryResampler(step=step).fit_transform(data.sequences)
    keep = [i for i, t in enumerate(resampled) if len(t) >= min_fixes]
    trajectories = [resampled[i] for i in keep]
    users = data.ids[keep]
    train, test = [], []
    for user in np.unique(users):
        index = np.flatnonzero(users == user)
        index = index[np.argsort([trajectories[i][0, 0] for i in index])]
        cut = int(round(train_share * len(index)))
        train += index[:cut].tolist()
        test += index[cut:].tolist()
    return trajectories, users, train, test


def next_location_targets(trajectories, cell_ids, history):
    """Every fix after the first of each trajectory as a next-location target.

    Parameters
    ----------
    trajectories : list of ndarray
        Trajectories ``(n_fixes, n_columns)``.
    cell_ids : list of ndarray
        The cell of every fix, as a tokenizer gives it.
    history : int
        Fixes kept before each target.

    Returns
    -------
    histories : list of ndarray
        The fixes before each target (at most ``history``).
    last : ndarray
        The cell of the fix before each target.
    truth : ndarray
        The target cells.
    """
    histories, last, truth = [], [], []
    for trajectory, ids in zip(trajectories, cell_ids, strict=True):
        for end in range(1, len(trajectory)):
            histories.append(trajectory[max(0, end - history) : end])
            last.append(ids[end - 1])
            truth.append(ids[end])
    return histories, np.asarray(last), np.asarray(truth)


def markov_scores(train_ids, last, n_cells):
    """First-order Markov scores of the next cell, staying put for unseen cells.

    Parameters
    ----------
    train_ids : list of ndarray
        Cell sequences of the training trajectories.
    last : ndarray of shape (n_targets,)
        The current cell of each target.
    n_cells : int
        Number of cells.

    Returns
    -------
    scores : ndarray of shape (n_targets, n_cells)
        Transition counts from the current cell (a tiny weight on staying,
        so that an unseen cell predicts itself).
    """
    transitions = np.zeros((n_cells, n_cells))
    for ids in train_ids:
        np.add.at(transitions, (ids[:-1], ids[1:]), 1)
    return transitions[last] + 1e-9 * np.eye(n_cells)[last]


def wikipedia_split(seed=0):
    """The IFL-TPP split of the Wikipedia edit sequences: 60 / 20 / 20 at random.

    Parameters
    ----------
    seed : int, default=0
        Seed of the permutation of the sequences.

    Returns
    -------
    train, val, test : SequenceData
        The parts.
    window : dict
        ``start_times`` and ``end_times`` of the observation window (the
        month), for ``fit`` and ``score``.
    """
    from ..datasets import load_wikipedia_events
    from ..datasets._event_loaders import WIKIPEDIA_WINDOW_END

    data = load_wikipedia_events()
    order = np.random.default_rng(seed).permutation(data.n_sequences)
    n_train = int(0.6 * data.n_sequences)
    n_val = int(0.2 * data.n_sequences)
    train = data.subset(order[:n_train])
    val = data.subset(order[n_train : n_train + n_val])
    test = data.subset(order[n_train + n_val :])
    return train, val, test, {"start_times": 0.0, "end_times": WIKIPEDIA_WINDOW_END}
