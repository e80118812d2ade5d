"""Where a study lives: memory, a database URL or a journal file."""

import os
import warnings

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

_DATABASE_SCHEMES = ("sqlite:", "postgresql", "mysql", "oracle", "mssql")
# A worker killed mid-trial stops beating; after the grace period the next
# search on the same database marks its trial failed instead of "running".
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120


def resolve_storage(storage):
    """Build the Optuna storage of a search.

    Parameters
    ----------
    storage : None, str, os.PathLike or optuna.storages.BaseStorage
        ``None`` keeps the study in memory (lost with the process). A
        database URL (``"sqlite:///study.db"``, ``"postgresql://..."``)
        gives an ``RDBStorage`` with heartbeats, so a trial of a killed
        worker is marked failed once its heartbeat is stale. Any other
        string or path is a journal file (``JournalFileBackend``, safe for
        several processes on one file system). A storage object is used as
        it is.

    Returns
    -------
    storage : optuna.storages.BaseStorage or None
        What ``optuna.create_study`` takes.

    Examples
    --------
    >>> resolve_storage(None) is None
    True
    >>> type(resolve_storage("sqlite:///:memory:")).__name__
    'RDBStorage'
    """
    if storage is None or isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str) and storage.startswith(_DATABASE_SCHEMES):
        # Heartbeats are "experimental" in Optuna; the notice is for whoever
        # chose them, not for every user of a search.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(
                storage, heartbeat_interval=HEARTBEAT_INTERVAL, grace_period=GRACE_PERIOD
            )
    if isinstance(storage, str | os.PathLike):
        path = os.fspath(storage)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"storage: the folder of the journal file {path!r} does not exist.")
        return JournalStorage(JournalFileBackend(path))
    raise TypeError(
        "storage must be None, a database URL, a journal file path or an optuna storage; "
        f"got {type(storage).__name__}."
    )
