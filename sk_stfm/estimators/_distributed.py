"""Training on several devices or machines through Hugging Face Accelerate.

``device="accelerate"`` hands the loop to skorch's ``AccelerateMixin``:
Accelerate wraps the module in DistributedDataParallel, shards the batches
across the processes that ``accelerate launch`` (GPUs) or ``torchrun`` (CPU,
with ``ACCELERATE_USE_CPU=1``) started, and applies the mixed precision of
the launch configuration. sk_stfm adds two things skorch leaves to the user:
a DataLoader that Accelerate can shard, and a history synchronised across
processes, so that early stopping stops every process at the same epoch.
"""

import os
import tempfile

from torch.utils.data import DataLoader

ACCELERATE = "accelerate"


def _require_accelerate():
    """The module of the Accelerate-backed classes, imported on first use.

    Accelerate (and with it its command-line and launch helpers) is imported
    only when a fit asks for ``device="accelerate"``, not by ``import sk_stfm``.
    """
    try:
        from . import _accelerated
    except ImportError as exc:  # pragma: no cover - depends on the install
        if exc.name is not None and exc.name.startswith("sk_stfm"):
            raise
        raise ImportError(
            "device='accelerate' needs Hugging Face accelerate; install it with "
            "pip install accelerate (it is part of sk-stfm[llm])."
        ) from None
    return _accelerated


def __getattr__(name):
    # The classes lived here before they moved to ._accelerated: objects
    # pickled then still find them.
    if name in ("_AcceleratedNeuralNet", "_SharedAccelerator"):
        return getattr(_require_accelerate(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def accelerated_net_class():
    """The skorch ``NeuralNet`` class with Accelerate support.

    Returns
    -------
    cls : type
        ``AccelerateMixin`` over ``NeuralNet``.

    Examples
    --------
    >>> accelerated_net_class().__name__
    '_AcceleratedNeuralNet'
    """
    return _require_accelerate()._AcceleratedNeuralNet


def shared_accelerator():
    """The accelerator of this process, configured by the launch.

    Returns
    -------
    accelerator : _SharedAccelerator
        Configured from the environment that ``accelerate launch`` or
        ``torchrun`` set up (one process on this device otherwise).
    """
    return _require_accelerate()._SharedAccelerator()


def synchronised_history(accelerator):
    """A skorch history shared by the processes of a distributed fit.

    Each process records its own batches; ``DistributedHistory`` merges them
    through a ``FileStore`` whose path the main process chooses and
    broadcasts, so every process computes the same epoch losses.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
        The accelerator of the fit.

    Returns
    -------
    history : skorch.history.DistributedHistory or None
        ``None`` for a single process (skorch's plain history is right).
    """
    if accelerator.num_processes == 1:
        return None
    from accelerate.utils import broadcast_object_list
    from skorch.history import DistributedHistory
    from torch.distributed import FileStore

    path = [None]
    if accelerator.is_main_process:
        handle, path[0] = tempfile.mkstemp(prefix="sk_stfm_history_")
        os.close(handle)
        os.unlink(path[0])  # FileStore creates it
    broadcast_object_list(path)
    store = FileStore(path[0], accelerator.num_processes)
    return DistributedHistory(
        store=store, rank=accelerator.process_index, world_size=accelerator.num_processes
    )


def accelerated_net_options():
    """Keyword arguments that turn a skorch ``NeuralNet`` into a distributed one.

    Returns
    -------
    options : dict
        ``accelerator``, ``device=None`` (Accelerate places the tensors),
        torch ``DataLoader`` iterators (Accelerate shards them; sk_stfm's
        in-memory batch loader would give every process all the batches)
        and, with several processes, a synchronised ``history``.
    """
    accelerator = shared_accelerator()
    options = {
        "accelerator": accelerator,
        "device": None,
        "iterator_train": DataLoader,
        "iterator_valid": DataLoader,
    }
    history = synchronised_history(accelerator)
    if history is not None:
        options["history"] = history
    return options


def accelerator_device():
    """The device Accelerate assigned to this process.

    Returns
    -------
    device : torch.device
        The device of this process (CPU when none is available).
    """
    # Through an Accelerator, not a bare PartialState: only the Accelerator
    # reads the launch's settings (ACCELERATE_USE_CPU selects gloo on CPUs).
    return shared_accelerator().device
