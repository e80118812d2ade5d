"""One fit at a time owns a checkpoint directory.

The lock is an advisory lock of the operating system on ``checkpoint.lock``
(``flock``; ``msvcrt.locking`` on Windows), released by the system when its
process dies (see :func:`checkpoint_dir_lock`).
"""

import contextlib
import json
import os
import socket
import warnings

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

LOCK_FILE = "checkpoint.lock"


def _holder(fd):
    """Who holds (or last held) a lock file: its JSON content, or None."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 4096).decode("utf-8"))
    # Empty (released), unreadable (locked on Windows) or not ours.
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _describe(holder):
    return f"process {holder.get('pid')} on {holder.get('host')}"


def _try_lock(fd, path):
    """Lock ``fd`` without waiting; False when another open file holds the lock."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except BlockingIOError:
        return False
    except OSError as exc:
        if fcntl is None:  # msvcrt tells a held lock by a plain OSError
            return False
        # A file system without locks (some network mounts): training goes
        # on, unprotected, rather than not at all.
        warnings.warn(
            f"cannot lock {path} ({type(exc).__name__}: {exc}): a second fit started on "
            "the same checkpoint_dir would not be detected.",
            UserWarning,
            stacklevel=4,
        )
    return True


@contextlib.contextmanager
def checkpoint_dir_lock(dirname):
    """Own the checkpoint directory ``dirname`` for the duration of a fit.

    Creates the directory if needed and takes an exclusive lock on its
    ``checkpoint.lock`` (see the module docstring), which names this process;
    then settles a commit that a killed process left (:func:`recover`).

    Parameters
    ----------
    dirname : str or path-like
        The checkpoint directory.

    Yields
    ------
    dirname : str
        The directory, owned until the ``with`` block ends.

    Raises
    ------
    ValueError
        If another fit, in this process or another one, owns the directory.

    Warns
    -----
    UserWarning
        When the previous owner died without releasing the directory (a
        killed fit): this one takes it over.

    Examples
    --------
    >>> import tempfile
    >>> from sk_stfm.training import checkpoint_dir_lock
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with checkpoint_dir_lock(folder):
    ...         try:
    ...             with checkpoint_dir_lock(folder):
    ...                 pass
    ...         except ValueError as error:
    ...             print("in use by another fit" in str(error))
    True
    """
    dirname = os.fspath(dirname)
    os.makedirs(dirname, exist_ok=True)
    path = os.path.join(dirname, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd, path):
            holder = _holder(fd)
            raise ValueError(
                f"checkpoint_dir={dirname!r} is in use by another fit"
                f"{f' ({_describe(holder)})' if holder else ''}: two fits writing one "
                "checkpoint directory would overwrite each other's checkpoints. Give each "
                "fit its own checkpoint_dir (e.g. one per fold or trial), or wait for the "
                "other fit to end."
            )
        previous = _holder(fd)
        if previous is not None:  # an owner releases by emptying the file
            warnings.warn(
                f"checkpoint_dir={dirname!r} was owned by {_describe(previous)}, which ended "
                "without releasing it (it was killed or crashed); this fit takes it over.",
                UserWarning,
                stacklevel=3,
            )
        owner = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, owner.encode("utf-8"))
        try:
            # Settled under the lock (the commit protocol lives with the checkpoint).
            from ._checkpoint import recover

            recover(dirname)
            yield dirname
        finally:
            os.ftruncate(fd, 0)
            if fcntl is None:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)  # releases the flock
