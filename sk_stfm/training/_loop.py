"""Train a skorch net with checkpoints: every estimator family's fit goes through here.

The window estimators, the trajectory estimators and the event estimator
build their own networks and data, then train them with :func:`fit_net`:
one place owns the checkpoint directory, settles an interrupted commit,
checks the checkpoint's fingerprint and continues a killed fit exactly.
"""

import contextlib

from ._checkpoint import AtomicCheckpoint, has_checkpoint, resume_from_checkpoint
from ._lock import checkpoint_dir_lock


def checkpoint_callback(checkpoint_dir, fingerprint=None):
    """The callback that checkpoints every epoch of a fit in ``checkpoint_dir``.

    Every epoch is saved (``monitor=None``): a resumed fit continues from
    the last state, not from the best one. The checkpoint is committed
    atomically and holds the RNG streams and the progress of early
    stopping, so that a fit killed at any instant resumes and ends with the
    weights of an uninterrupted fit (see :class:`AtomicCheckpoint`).

    Parameters
    ----------
    checkpoint_dir : str or path-like
        The directory.
    fingerprint : dict or None, default=None
        What the fit is (:func:`fit_fingerprint`), committed with every
        epoch; a fit resuming from the directory must have the same one.

    Returns
    -------
    checkpoint : AtomicCheckpoint
        The callback, to add to the net's callbacks as ``("checkpoint", ...)``.

    Examples
    --------
    >>> from sk_stfm.training import checkpoint_callback
    >>> checkpoint_callback("run", {"estimator": "STForecaster"}).dirname
    'run'
    """
    checkpoint = AtomicCheckpoint(
        dirname=str(checkpoint_dir),
        monitor=None,
        f_params="params.pt",
        f_optimizer="optimizer.pt",
        f_criterion=None,
        f_history="history.json",
        load_best=False,
    )
    checkpoint.fingerprint = fingerprint
    return checkpoint


def _own(net, dirname):
    """Hold the checkpoint directory for the fit: a second fit on it fails at once."""
    accelerator = getattr(net, "accelerator", None)
    if accelerator is not None and not accelerator.is_main_process:
        # The processes of one distributed fit are one fit: the main one owns the directory.
        return contextlib.nullcontext(dirname)
    return checkpoint_dir_lock(dirname)


def fit_net(net, X, y=None, *, checkpoint=None, resume=False, max_epochs=None):
    """Train ``net``; with ``resume``, continue the fit checkpointed in ``checkpoint``.

    Parameters
    ----------
    net : skorch.NeuralNet
        The net, not yet initialized; its callbacks include ``checkpoint``
        when one is given.
    X, y : object
        The training data, as ``net.fit`` takes it.
    checkpoint : AtomicCheckpoint or None, default=None
        The fit's checkpoint (:func:`checkpoint_callback`); ``None`` trains
        without one.
    resume : bool, default=False
        Start from the checkpoint found in the directory (when there is
        one): weights, optimizer, history, the RNG streams of shuffling and
        dropout and the progress of early stopping, after checking its
        fingerprint; only the epochs left to ``max_epochs`` are trained.
    max_epochs : int or None, default=None
        Epochs of the whole fit; ``None`` means ``net.max_epochs``.

    Returns
    -------
    net : skorch.NeuralNet
        The trained net.

    Raises
    ------
    ValueError
        If another fit owns the checkpoint directory, or the checkpoint was
        written by another fit (another fingerprint).

    Examples
    --------
    >>> import tempfile, torch
    >>> from skorch import NeuralNetRegressor
    >>> from sk_stfm.training import checkpoint_callback, fit_net
    >>> X, y = torch.randn(32, 3), torch.randn(32, 1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     def net(epochs):
    ...         torch.manual_seed(0)
    ...         return NeuralNetRegressor(
    ...             torch.nn.Linear(3, 1), max_epochs=epochs, train_split=None, verbose=0,
    ...             callbacks=[("checkpoint", checkpoint_callback(folder))])
    ...     _ = fit_net(net(2), X, y, checkpoint=checkpoint_callback(folder))
    ...     resumed = fit_net(net(5), X, y, checkpoint=checkpoint_callback(folder), resume=True)
    >>> len(resumed.history)
    5
    """
    if checkpoint is None:
        return net.fit(X, y)
    max_epochs = net.max_epochs if max_epochs is None else max_epochs
    with _own(net, checkpoint.dirname):
        accelerator = getattr(net, "accelerator", None)
        if accelerator is not None:
            # The main process finishes an interrupted commit under its
            # lock; the others read the checkpoint only after that.
            accelerator.wait_for_everyone()
        if not (resume and has_checkpoint(checkpoint)):
            return net.fit(X, y)
        net.initialize()
        # Weights, optimizer, history, the RNG streams of shuffling and
        # dropout and the progress of early stopping: the remaining epochs
        # replay those of an uninterrupted fit and stop where it stopped.
        resume_from_checkpoint(net, checkpoint)
        # The history travels with the checkpoint: train only the epochs
        # left. Training begins and ends even when none is left, so that
        # early stopping restores its best weights as the uninterrupted fit
        # did.
        remaining = max(max_epochs - len(net.history), 0)
        return net.partial_fit(X, y, epochs=remaining)
