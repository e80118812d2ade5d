"""Checkpoints that a killed fit resumes from exactly.

Every epoch of the task stage writes to ``checkpoint_dir`` skorch's files
(``params.pt``, ``optimizer.pt``, ``history.json``), ``rng_state.pt``: the
state of the shuffling generator and of the torch RNG that drives dropout,
and ``early_stopping.pt``: the progress of early stopping (its count of
epochs without improvement, its best score and epoch, and the best weights
it restores at the end), which skorch keeps in memory only. With all five,
the epochs a resumed fit trains replay those of an uninterrupted fit bit
for bit (same seed, same machine), early stopping stops at the same epoch
and the fit ends on the same weights.

A checkpoint is committed as a whole, so that a process killed at any
instant (also in the middle of writing a file) leaves a consistent
checkpoint behind: either the previous epoch's or the new one, never a
truncated file nor the weights of one epoch with the history of another.
Each file is first written next to its destination as ``<name>.next``;
once all are complete on disk, a journal naming them is created atomically
(``os.replace``), the files are moved into place (``os.replace`` again) and
the journal is removed. A journal found by the next fit that takes the
directory means a commit that was complete but not fully moved: it is
finished (:func:`recover`). ``.next`` files without a journal are an
interrupted write: they are discarded and the previous checkpoint stands.
Early stopping ends a fit in the middle of its last epoch, before that
epoch is checkpointed: resuming a fit that early stopping ended replays
its last epoch, which stops it again.

Everything is read back with ``torch.load(weights_only=True)`` or as JSON:
a checkpoint directory cannot make a resumed fit run code.

Each commit also holds ``fingerprint.json``: what the checkpointed fit was
(:func:`fit_fingerprint`: the estimator class, the shapes of its windows
and targets, and the parameters that decide its network and training). A
fit with ``resume=True`` compares it with its own before loading anything
(:func:`check_fingerprint`) and refuses, naming what differs, to continue
another fit's model: weights of the same shape from another window length
or another ``backbone`` setting would otherwise load without an error. The
fingerprint is committed with the epoch it describes rather than written
once when the fit starts, so that a fresh fit killed before its first
commit leaves the previous fit's checkpoint and fingerprint together. A
checkpoint without one (written by an older sk_stfm) resumes with a
warning that it cannot be verified.

One fit at a time owns a directory (:func:`checkpoint_dir_lock`): two fits
writing one directory (folds of a parallel search given the same
``checkpoint_dir``) would overwrite each other's checkpoints, so the second
one fails at once. The lock is an advisory lock of the operating system on
``checkpoint.lock`` (``flock``; ``msvcrt.locking`` on Windows), not the mere
existence of a file: the system releases it when its process dies, so a
killed fit never leaves behind a lock that keeps its resumption out, nor
one that a reused process id would make look alive. The owner writes its
process id and host into the file, for the error of a second fit, and
empties it when it releases the directory; a name still there when a fit
takes the lock is that of a fit that was killed, which a warning reports.
"""

import copy
import json
import os
import warnings

import torch
from skorch.callbacks import Checkpoint, EarlyStopping

from ..utils._compat import check_f_arguments
from ._fingerprint import FINGERPRINT_FILE, check_fingerprint

RNG_FILE = "rng_state.pt"
EARLY_STOPPING_FILE = "early_stopping.pt"
JOURNAL = "checkpoint.commit"
_PENDING = ".next"



def _fsync_dir(dirname):
    """Make the renames in ``dirname`` durable (a no-op where unsupported)."""
    try:
        fd = os.open(dirname or ".", os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(path, write):
    """Write ``path + '.next'`` with ``write(file)`` and flush it to disk."""
    with open(path + _PENDING, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())


def _torch_writer(obj):
    # torch.save is looked up at call time, so tests can make it fail mid-write.
    return lambda file: torch.save(obj, file)


def recover(dirname):
    """Finish or discard a checkpoint commit that a killed process left.

    Parameters
    ----------
    dirname : str or path-like
        The checkpoint directory.

    Returns
    -------
    finished : bool
        True when a complete commit was moved into place.
    """
    dirname = os.fspath(dirname)
    journal = os.path.join(dirname, JOURNAL)
    if os.path.exists(journal):
        with open(journal, encoding="utf-8") as file:
            names = json.load(file)
        for name in names:
            pending = os.path.join(dirname, name + _PENDING)
            if os.path.exists(pending):  # not moved yet when the process died
                os.replace(pending, os.path.join(dirname, name))
        _fsync_dir(dirname)
        os.remove(journal)
        return True
    if os.path.isdir(dirname):
        for name in os.listdir(dirname):
            # An interrupted write, never committed.
            if name.endswith(_PENDING) or name == JOURNAL + ".tmp":
                os.remove(os.path.join(dirname, name))
    return False


class AtomicCheckpoint(Checkpoint):
    """skorch ``Checkpoint`` committed atomically, with the RNG streams.

    Takes skorch's ``Checkpoint`` parameters; see the module docstring of
    ``sk_stfm.training._checkpoint`` for the commit protocol. Unlike
    skorch's, a checkpoint that cannot be written warns (instead of staying
    silent unless verbose) and leaves the previous one in place.

    Examples
    --------
    >>> from sk_stfm.training._checkpoint import AtomicCheckpoint
    >>> AtomicCheckpoint(dirname="run", monitor=None).rng_file
    'rng_state.pt'
    """

    # Class attributes, not parameters: skorch treats every ``f_*``
    # argument as a module to save, and these states are not modules.
    rng_file = RNG_FILE
    early_stopping_file = EARLY_STOPPING_FILE
    # The fit's fingerprint (:func:`fit_fingerprint`), set by the estimator:
    # committed with every epoch and compared on resume. None writes none.
    fingerprint = None

    def save_model(self, net):
        """Commit the network's training state as one checkpoint.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained.
        """
        files = self._files(net)
        dirname = self.dirname or "."
        journal = os.path.join(dirname, JOURNAL)
        try:
            for path, write in files.items():
                _write(path, write)
            with open(journal + ".tmp", "w", encoding="utf-8") as file:
                json.dump([os.path.relpath(path, dirname) for path in files], file)
                file.flush()
                os.fsync(file.fileno())
        # A checkpoint that cannot be written (disk full, quota) must not end
        # a long training run: the previous checkpoint is still whole.
        except Exception as exc:
            for pending in [path + _PENDING for path in files] + [journal + ".tmp"]:
                if os.path.exists(pending):
                    os.remove(pending)
            warnings.warn(
                f"could not write the checkpoint of epoch {len(net.history)} to "
                f"{self.dirname!r} ({type(exc).__name__}: {exc}); the previous "
                "checkpoint is kept.",
                UserWarning,
                stacklevel=2,
            )
            return
        # The commit point: the journal appears whole, or not at all.
        os.replace(journal + ".tmp", journal)
        recover(dirname)

    def _files(self, net):
        """Destination path -> function writing its content to a binary file."""
        kwargs_module, kwargs_other = check_f_arguments(type(self).__name__, **self._f_kwargs())
        files = {}
        for attr, template in kwargs_module.items():
            if template is None:
                continue
            state_dict = getattr(net, attr).state_dict()
            files[self._format_target(net, template, -1)] = _torch_writer(state_dict)
        if kwargs_other.get("f_history") is not None:
            history = json.dumps(net.history.to_list()).encode("utf-8")
            files[self.f_history_] = lambda file: file.write(history)
        files[_path(self, self.rng_file)] = _torch_writer(rng_state(net))
        # Written even without early stopping, so that the file in the
        # directory is always of the committed epoch.
        files[_path(self, self.early_stopping_file)] = _torch_writer(early_stopping_state(net))
        if self.fingerprint is not None:
            fingerprint = json.dumps(self.fingerprint, indent=1).encode("utf-8")
            files[_path(self, FINGERPRINT_FILE)] = lambda file: file.write(fingerprint)
        return files


class ResumableEarlyStopping(EarlyStopping):
    """skorch ``EarlyStopping`` whose progress a checkpoint carries.

    skorch's callback keeps its progress (``misses_``,
    ``dynamic_threshold_``, ``best_epoch_`` and, with ``load_best``, the
    best weights) in memory and resets it when training begins: a resumed
    fit would count afresh, stop at another epoch and end on other weights
    than an uninterrupted one. This one reports its progress for
    :class:`AtomicCheckpoint` to commit with each epoch (:meth:`progress`)
    and takes it back on resume (:meth:`resume`), so that the training
    that begins next continues the count. Takes skorch's
    ``EarlyStopping`` parameters.

    Examples
    --------
    >>> from sk_stfm.training._checkpoint import ResumableEarlyStopping
    >>> ResumableEarlyStopping(patience=3, load_best=True).patience
    3
    """

    # Progress handed over by ``resume``, applied when training next begins
    # (after skorch's ``on_train_begin`` has reset the count).
    _resumed = None

    def progress(self, net):
        """The progress after the epochs ``net`` trained, for a checkpoint.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network being trained, after this callback saw its last epoch.

        Returns
        -------
        progress : dict
            ``misses``, ``dynamic_threshold`` and ``best_epoch`` as Python
            numbers, and ``best_weights``: the module's state dict of the
            best epoch, or ``None`` without ``load_best`` or when the best
            epoch is the last one (the checkpoint's weights are then the
            best ones, and are not written twice).
        """
        best_weights = self.best_model_weights_ if self.load_best else None
        if self.best_epoch_ == net.history[-1, "epoch"]:
            best_weights = None
        return {
            "misses": int(self.misses_),
            "dynamic_threshold": float(self.dynamic_threshold_),
            "best_epoch": int(self.best_epoch_),
            "best_weights": best_weights,
        }

    def resume(self, net, progress):
        """Continue from ``progress`` when training next begins.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network, with the weights and history of the checkpoint
            that ``progress`` comes from.
        progress : dict
            As returned by :meth:`progress`.
        """
        progress = dict(progress)
        if (
            progress["best_weights"] is None
            and self.load_best
            and progress["best_epoch"] == net.history[-1, "epoch"]
        ):
            # The best epoch is the checkpoint's: its weights were not written twice.
            progress["best_weights"] = copy.deepcopy(net.module_.state_dict())
        self._resumed = progress

    def on_train_begin(self, net, **kwargs):
        """Reset the progress, or continue the one handed over by :meth:`resume`.

        Parameters
        ----------
        net : skorch.NeuralNet
            The network about to train.
        **kwargs : dict
            skorch's callback arguments.
        """
        super().on_train_begin(net, **kwargs)
        resumed, self._resumed = self._resumed, None
        if resumed is not None:
            self.misses_ = resumed["misses"]
            self.dynamic_threshold_ = resumed["dynamic_threshold"]
            self.best_epoch_ = resumed["best_epoch"]
            self.best_model_weights_ = resumed["best_weights"] if self.load_best else None


def _resumable_early_stopping(net):
    return {
        name: callback
        for name, callback in net.callbacks_
        if isinstance(callback, ResumableEarlyStopping)
    }


def early_stopping_state(net):
    """The progress of ``net``'s early stopping, as the checkpoint stores it.

    Parameters
    ----------
    net : skorch.NeuralNet
        The network being trained.

    Returns
    -------
    state : dict
        ``epoch`` (epochs trained) and ``callbacks``: the
        :meth:`ResumableEarlyStopping.progress` of each such callback, by
        name (empty without early stopping).
    """
    return {
        "epoch": len(net.history),
        "callbacks": {
            name: callback.progress(net)
            for name, callback in _resumable_early_stopping(net).items()
        },
    }


def _check_progress(progress, name, checkpoint, net):
    """Raise ``ValueError`` unless ``progress`` is what ``progress()`` writes for ``net``."""
    types = {"misses": int, "dynamic_threshold": float, "best_epoch": int}
    weights = progress.get("best_weights") if isinstance(progress, dict) else None
    problem = None
    if not isinstance(progress, dict) or any(
        not isinstance(progress.get(key), kind) for key, kind in types.items()
    ):
        problem = "is not the progress of an early stopping"
    elif weights is not None and (
        not isinstance(weights, dict) or set(weights) != set(net.module_.state_dict())
    ):
        problem = "holds best weights of another network"
    if problem is not None:
        raise ValueError(
            f"cannot resume from {checkpoint.dirname}: the entry {name!r} of "
            f"{checkpoint.early_stopping_file} {problem}."
        )


def _shuffle_generator(net):
    return getattr(net, "iterator_train__generator", None)


def _on_cuda(net):
    # An accelerate-managed net may leave ``device`` to the accelerator (None).
    device = getattr(net, "device", None)
    return device is not None and torch.cuda.is_available() and torch.device(device).type == "cuda"


def rng_state(net):
    """The RNG streams the next epoch of ``net`` draws from, as tensors.

    Parameters
    ----------
    net : skorch.NeuralNet
        The network being trained (inside the estimator's forked RNG).

    Returns
    -------
    state : dict
        ``epoch`` (epochs trained), ``torch`` (CPU RNG: dropout, noise of
        objectives), ``shuffle`` (the batch order's generator, if any) and
        ``cuda`` on a CUDA device.
    """
    state = {"epoch": len(net.history), "torch": torch.get_rng_state()}
    generator = _shuffle_generator(net)
    if generator is not None:
        state["shuffle"] = generator.get_state()
    if _on_cuda(net):
        state["cuda"] = torch.cuda.get_rng_state(torch.device(net.device))
    return state


def _load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError...
        raise ValueError(
            f"cannot resume from {path}: it is not a checkpoint written by sk_stfm, or it "
            f"holds objects that are not allowed to load safely ({type(exc).__name__}: {exc})."
        ) from exc


def _path(checkpoint, name):
    # sk_stfm's file names are fixed (no skorch "{last_epoch}" templates).
    return os.path.join(checkpoint.dirname, checkpoint.fn_prefix + name)


def has_checkpoint(checkpoint):
    """Whether ``checkpoint``'s directory holds a checkpoint to resume from.

    Call it under :func:`checkpoint_dir_lock`, which settles a commit that a
    killed process left.

    Parameters
    ----------
    checkpoint : AtomicCheckpoint
        The callback naming the files.

    Returns
    -------
    found : bool
        True when the parameters file exists.
    """
    return os.path.exists(_path(checkpoint, checkpoint.f_params))


def resume_from_checkpoint(net, checkpoint):
    """Load weights, optimizer, history and RNG streams of ``checkpoint`` into ``net``.

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialized network built like the one that was checkpointed.
    checkpoint : AtomicCheckpoint
        The callback naming the files.

    Raises
    ------
    ValueError
        If the checkpoint is of another fit (:func:`check_fingerprint`), a
        file cannot be loaded safely, or the files are not of one epoch.
    """
    check_fingerprint(checkpoint)
    for name in (checkpoint.f_params, checkpoint.f_optimizer, checkpoint.f_criterion):
        if name is not None:
            # Read here first (weights only), so that a file that is not a
            # state dict fails with an error naming it.
            _load(_path(checkpoint, name))
    try:
        net.load_params(checkpoint=checkpoint)  # torch_load_kwargs: weights_only=True
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ValueError(f"cannot resume from {checkpoint.dirname}: {exc}") from exc
    path = _path(checkpoint, checkpoint.rng_file)
    if not os.path.exists(path):
        warnings.warn(
            f"{checkpoint.dirname} holds no {checkpoint.rng_file} (written by an older "
            "sk_stfm): the fit resumes, but its remaining epochs do not replay an "
            "uninterrupted fit exactly.",
            UserWarning,
            stacklevel=3,
        )
        return
    state = _load(path)
    if not isinstance(state, dict) or state.get("epoch") != len(net.history):
        raise ValueError(
            f"cannot resume from {checkpoint.dirname}: {checkpoint.rng_file} is of epoch "
            f"{state.get('epoch') if isinstance(state, dict) else None} but the history "
            f"has {len(net.history)} epochs; the files are not of one checkpoint."
        )
    torch.set_rng_state(state["torch"])
    generator = _shuffle_generator(net)
    if generator is not None and "shuffle" in state:
        generator.set_state(state["shuffle"])
    if "cuda" in state and _on_cuda(net):
        torch.cuda.set_rng_state(state["cuda"], torch.device(net.device))
    _resume_early_stopping(net, checkpoint)


def _resume_early_stopping(net, checkpoint):
    """Hand the saved progress of early stopping back to ``net``'s callbacks."""
    callbacks = _resumable_early_stopping(net)
    for name, callback in net.callbacks_:
        if isinstance(callback, EarlyStopping) and name not in callbacks:
            warnings.warn(
                f"callback {name!r} is an EarlyStopping whose progress the checkpoint does "
                "not carry: its count restarts, and the resumed fit may stop at another "
                "epoch than an uninterrupted one.",
                UserWarning,
                stacklevel=4,
            )
    path = _path(checkpoint, checkpoint.early_stopping_file)
    # Read and checked even without early stopping: the files are of one checkpoint.
    saved = _load(path) if os.path.exists(path) else {"epoch": len(net.history), "callbacks": {}}
    if not isinstance(saved, dict) or saved.get("epoch") != len(net.history):
        raise ValueError(
            f"cannot resume from {checkpoint.dirname}: {checkpoint.early_stopping_file} is of "
            f"epoch {saved.get('epoch') if isinstance(saved, dict) else None} but the history "
            f"has {len(net.history)} epochs; the files are not of one checkpoint."
        )
    progress = saved.get("callbacks")
    progress = progress if isinstance(progress, dict) else {}
    for name, callback in callbacks.items():
        if name not in progress:
            warnings.warn(
                f"{checkpoint.dirname} holds no early-stopping progress for {name!r} (written "
                "by an older sk_stfm, or by a fit without validation): its count restarts, "
                "and the resumed fit may stop at another epoch than an uninterrupted one.",
                UserWarning,
                stacklevel=4,
            )
            continue
        _check_progress(progress[name], name, checkpoint, net)
        callback.resume(net, progress[name])
