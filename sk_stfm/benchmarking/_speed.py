"""The speed suite: fit and predict throughput, peak memory, and loop overhead.

Each measurement runs in a fresh process (``spawn``), so that its peak
resident memory is its own and no earlier allocation or thread pool skews
its timing. Throughput counts windows per second: training windows times
epochs over the fit time, and test windows over the predict time.
"""

import statistics
import sys
import time

import numpy as np

# backbone, data and window sizes of each throughput entry.
THROUGHPUT_CASES = {
    "dlinear_etth1": ("dlinear", "etth1"),
    "patchtst_etth1": ("patchtst", "etth1"),
    "stid_los_loop": ("stid", "los_loop"),
    "gwnet_los_loop": ("gwnet", "los_loop"),
    "simvp_moving_digits": ("simvp", "moving_digits"),
}


def _peak_rss_mib():
    """Peak resident memory of this process in MiB (``None`` where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _throughput_windows(data_name, n_windows, random_state):
    """Training and test windows of a throughput case, and its spatial context."""
    from ..data import make_windows, split_windows
    from ..datasets import load_etth1, make_moving_digits
    from ._protocols import los_loop_windows

    if data_name == "etth1":
        windows = split_windows(load_etth1(), 8640, 2880, 2880, history=336, horizon=96)
        return windows.X_train, windows.y_train, windows.X_test, None
    if data_name == "los_loop":
        parts, data, _ = los_loop_windows(horizon=12)
        return (*parts["train"], parts["test"][0], data)
    digits = make_moving_digits(
        n_sequences=max(n_windows, 64), n_frames=11, frame_size=(16, 16), random_state=random_state
    )
    X, y = make_windows(digits, history=10, horizon=1, stride=11)
    return X, y, X, digits


def _estimator(backbone, spatial, epochs, random_state):
    from ..estimators import STForecaster

    params = {"backbone": backbone}
    if backbone == "stid":
        from ._configurations import los_loop_stid_config

        params["backbone"] = los_loop_stid_config()
    return STForecaster(
        **params,
        spatial=spatial,
        max_epochs=epochs,
        batch_size=64,
        validation_fraction=0.0,
        patience=None,
        random_state=random_state,
    )


def measure_throughput(case, n_windows=1024, epochs=2, threads=2, random_state=0):
    """Fit and predict throughput and peak memory of one case, in this process.

    The first ``n_windows`` training windows train the backbone (its default
    configuration; STID with the time-of-day embedding of the protocol) for ``epochs`` epochs (batch 64, no validation, no early
    stopping); as many test windows are then predicted. Throughput is
    windows (times epochs) per second; the peak resident memory is the
    process's, measured by ``getrusage`` (the suite runs each case in a
    fresh process).

    Parameters
    ----------
    case : str
        A key of ``THROUGHPUT_CASES``.
    n_windows : int, default=1024
        Training and test windows used.
    epochs : int, default=2
        Training epochs.
    threads : int, default=2
        Torch threads.
    random_state : int, default=0
        Seed.

    Returns
    -------
    row : dict
        Fit and predict seconds and windows per second, parameters, peak
        resident memory of the process and its growth during fit and predict.
    """
    import torch

    torch.set_num_threads(threads)
    backbone, data_name = THROUGHPUT_CASES[case]
    X, y, X_test, spatial = _throughput_windows(data_name, n_windows, random_state)
    X, y = np.ascontiguousarray(X[:n_windows]), np.ascontiguousarray(y[:n_windows])
    X_test = np.ascontiguousarray(X_test[:n_windows])
    model = _estimator(backbone, spatial, epochs, random_state)
    before = _peak_rss_mib()
    start = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(X_test)
    predict_seconds = time.perf_counter() - start
    peak = _peak_rss_mib()
    parameters = sum(p.numel() for p in model.net_.module_.parameters())
    return {
        "case": case,
        "backbone": backbone,
        "data": data_name,
        "window_shape": list(X.shape[1:]),
        "horizon": int(y.shape[1]),
        "n_parameters": int(parameters),
        "n_windows": int(len(X)),
        "epochs": epochs,
        "threads": threads,
        "fit_seconds": fit_seconds,
        "fit_windows_per_second": len(X) * epochs / fit_seconds,
        "predict_seconds": predict_seconds,
        "predict_windows_per_second": len(X_test) / predict_seconds,
        "peak_rss_mib": peak,
        "fit_predict_rss_growth_mib": None if peak is None else peak - before,
    }


def plain_torch_fit(X, y, epochs, batch_size, lr, seed):
    """Train PatchTST with the loop one writes by hand: the overhead reference.

    Parameters
    ----------
    X : ndarray of shape (n, n_steps, n_nodes, n_channels)
        Input windows.
    y : ndarray of shape (n, horizon, n_nodes, n_targets)
        Target windows.
    epochs : int
        Passes over the data.
    batch_size : int
        Windows per step.
    lr : float
        Adam's learning rate.
    seed : int
        Seed of the weights and the shuffling.

    Returns
    -------
    module : PatchTST
        The trained module.
    """
    import torch

    from ..backbones import PatchTST

    torch.manual_seed(seed)
    n_steps, n_nodes, n_channels = X.shape[1:]
    module = PatchTST(n_steps, n_nodes, n_channels, y.shape[1], y.shape[3])
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    X_t, y_t = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(y))
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=generator)
        for start in range(0, len(X_t), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(module(X_t[index]), y_t[index])
            loss.backward()
            optimizer.step()
    return module


def sk_stfm_fit(X, y, epochs, batch_size, lr, seed):
    """Train the same PatchTST through ``STForecaster`` (validation, masking, skorch).

    Parameters
    ----------
    X : ndarray of shape (n, n_steps, n_nodes, n_channels)
        Input windows.
    y : ndarray of shape (n, horizon, n_nodes, n_targets)
        Target windows.
    epochs : int
        Passes over the data.
    batch_size : int
        Windows per step.
    lr : float
        Adam's learning rate.
    seed : int
        Random state.

    Returns
    -------
    model : STForecaster
        The fitted forecaster.
    """
    from ..estimators import PatchTSTConfig, STForecaster

    model = STForecaster(
        backbone=PatchTSTConfig(),
        max_epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        validation_fraction=0.0,
        patience=None,
        random_state=seed,
    )
    return model.fit(X, y)


def measure_overhead(n_windows=2048, epochs=3, repeats=3, batch_size=128, threads=2):
    """Time ``STForecaster.fit`` against a plain PyTorch loop on the same module.

    Both train PatchTST (ETTh1's architecture) on the same ETTh1 windows with
    the same batch size, epochs, optimizer, learning rate and seed. The
    variants alternate, so warm-up and machine noise hit both alike; the
    ratio compares the medians.

    Parameters
    ----------
    n_windows : int, default=2048
        Training windows.
    epochs : int, default=3
        Epochs per fit.
    repeats : int, default=3
        Fits per variant.
    batch_size : int, default=128
        Windows per step.
    threads : int, default=2
        Torch threads.

    Returns
    -------
    row : dict
        Seconds of every fit, the medians and their ratio.
    """
    import torch

    from ..data import split_windows
    from ..datasets import load_etth1

    torch.set_num_threads(threads)
    windows = split_windows(load_etth1(), 8640, 2880, 2880, history=336, horizon=96)
    X = np.ascontiguousarray(windows.X_train[:n_windows])
    y = np.ascontiguousarray(windows.y_train[:n_windows])
    times = {"plain_torch": [], "sk_stfm": []}
    for repeat in range(repeats):
        order = ("plain_torch", "sk_stfm") if repeat % 2 == 0 else ("sk_stfm", "plain_torch")
        for variant in order:
            fit = plain_torch_fit if variant == "plain_torch" else sk_stfm_fit
            start = time.perf_counter()
            fit(X, y, epochs, batch_size, 1e-3, seed=repeat)
            times[variant].append(time.perf_counter() - start)
    plain, ours = statistics.median(times["plain_torch"]), statistics.median(times["sk_stfm"])
    return {
        "case": "overhead",
        "backbone": "patchtst",
        "data": "etth1",
        "window_shape": list(X.shape[1:]),
        "horizon": int(y.shape[1]),
        "n_windows": int(len(X)),
        "epochs": epochs,
        "threads": threads,
        "batch_size": batch_size,
        "seconds": times,
        "median_plain_torch": plain,
        "median_sk_stfm": ours,
        "overhead_ratio": ours / plain,
    }


def in_fresh_process(function, /, **kwargs):
    """Run ``function(**kwargs)`` in a new interpreter and return its result.

    Parameters
    ----------
    function : callable
        A module-level function (it is imported again in the new process).
    **kwargs
        Its arguments.

    Returns
    -------
    result : object
        What ``function`` returned.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, **kwargs).result()
