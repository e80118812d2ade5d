"""Checkpoints that a killed fit resumes from exactly.

Every epoch of the task stage writes to ``checkpoint_dir`` skorch's files
(``params.pt``, ``optimizer.pt``, ``history.json``) and ``rng_state.pt``:
the state of the shuffling generator and of the torch RNG that drives
dropout. With all four, the epochs a resumed fit trains replay those of an
uninterrupted fit bit for bit (same seed, same machine).

A checkpoint is committed as a whole, so that a process killed at any
instant (also in the middle of writing a file) leaves a consistent
checkpoint behind: either the previous epoch's or the new one, never a
truncated file nor the weights of one epoch with the history of another.
Each file is first written next to its destination as ``<name>.next``;
once all are complete on disk, a journal naming them is created atomically
(``os.replace``), the files are moved into place (``os.replace`` again) and
the journal is removed. A journal found later means a commit that was
complete but not fully moved: it is finished (:func:`recover`). ``.next``
files without a journal are an interrupted write: they are discarded and
the previous checkpoint stands.

Everything is read back with ``torch.load(weights_only=True)`` or as JSON:
a checkpoint directory cannot make a resumed fit run code.
"""

import json
import os
import warnings

import torch
from skorch.callbacks import Checkpoint
from skorch.utils import _check_f_arguments

RNG_FILE = "rng_state.pt"
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
    ``sk_stfm.estimators._checkpoint`` for the commit protocol. Unlike
    skorch's, a checkpoint that cannot be written warns (instead of staying
    silent unless verbose) and leaves the previous one in place.

    Examples
    --------
    >>> from sk_stfm.estimators._checkpoint import AtomicCheckpoint
    >>> AtomicCheckpoint(dirname="run", monitor=None).rng_file
    'rng_state.pt'
    """

    # A class attribute, not a parameter: skorch treats every ``f_*``
    # argument as a module to save, and the RNG state is not one.
    rng_file = RNG_FILE

    def initialize(self):
        """Create the directory and settle a commit left by a killed process.

        Returns
        -------
        self : AtomicCheckpoint
            The callback.
        """
        super().initialize()
        if self.dirname:
            recover(self.dirname)
        return self

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
        kwargs_module, kwargs_other = _check_f_arguments(type(self).__name__, **self._f_kwargs())
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
        return files


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

    Parameters
    ----------
    checkpoint : AtomicCheckpoint
        The callback naming the files.

    Returns
    -------
    found : bool
        True when the parameters file exists (after :func:`recover`).
    """
    if not os.path.isdir(checkpoint.dirname):
        return False
    recover(checkpoint.dirname)
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
        If a file cannot be loaded safely, or the files are not of one epoch.
    """
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
