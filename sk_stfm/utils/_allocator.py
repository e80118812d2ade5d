"""Memory-allocator settings that matter for large CPU tensors."""

import ctypes
import ctypes.util
import numbers

# mallopt parameter numbers of glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_INT_MAX = 2**31 - 1


def _mallopt():
    """glibc's ``mallopt``, or None where the C library has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


def configure_cpu_allocator(mmap_threshold=2**30):
    """Let the C allocator reuse large freed buffers instead of unmapping them.

    glibc serves every allocation above a threshold (32 MiB at most by
    default) with a fresh ``mmap`` and returns it to the system when freed.
    Activations of a graph model on a large graph exceed it (a
    ``(2000 nodes, 64 windows, 12 steps, 32 channels)`` float32 tensor is
    196 MiB), so each training step page-faults and zero-fills its tensors
    again: on Graph WaveNet with 1000 nodes this doubles the time of a step.
    Raising the threshold keeps such buffers in the heap for reuse, as
    jemalloc or tcmalloc would. It changes the whole process, so sk_stfm
    never calls it on import; the benchmarks and the command line do.

    Parameters
    ----------
    mmap_threshold : int, default=2**30
        Allocations up to this many bytes come from the heap; freed memory
        is returned to the system only once this much is free at its top.

    Returns
    -------
    applied : bool
        ``False`` where the C library has no ``mallopt`` (not glibc), in
        which case nothing changed.

    Examples
    --------
    >>> from sk_stfm.utils import configure_cpu_allocator
    >>> configure_cpu_allocator() in (True, False)
    True
    """
    if isinstance(mmap_threshold, bool) or not isinstance(mmap_threshold, numbers.Integral):
        raise TypeError(
            f"mmap_threshold must be an int (bytes); got {type(mmap_threshold).__name__}."
        )
    if not 0 < mmap_threshold <= _INT_MAX:
        raise ValueError(f"mmap_threshold must be in [1, {_INT_MAX}] bytes; got {mmap_threshold}.")
    mallopt = _mallopt()
    if mallopt is None:
        return False
    threshold = int(mmap_threshold)
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, threshold)
    )
