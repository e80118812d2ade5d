"""Reliability: interrupted fits, safe persistence, determinism and load.

A fit killed with SIGKILL (also in the middle of writing a checkpoint)
resumes and ends with the weights of an uninterrupted fit, early stopping
included (same stopping epoch, same best weights); a checkpoint directory
belongs to one fit at a time, and a killed fit's lock is taken over; files the
package reads never unpickle; the same seed gives bitwise-identical outputs
in fresh processes and leaves the caller's RNGs untouched; many fits do not
leak memory and concurrent predictions agree with serial ones.
"""

import ast
import errno
import gc
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from sequence_fixtures import sequences_for
from skorch.callbacks import Callback, EarlyStopping

import sk_stfm
from sk_stfm.estimators import MLPConfig, STForecaster
from sk_stfm.estimators._checkpoint import (
    EARLY_STOPPING_FILE,
    FINGERPRINT_FILE,
    JOURNAL,
    LOCK_FILE,
    RNG_FILE,
    recover,
)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
from sk_stfm.estimators._persistence import FORMAT_VERSION
from sk_stfm.utils import all_estimators

PACKAGE = Path(sk_stfm.__file__).parent
TESTS = Path(__file__).parent
MAX_EPOCHS = 6
CHECKPOINT_FILES = {
    "params.pt",
    "optimizer.pt",
    "history.json",
    RNG_FILE,
    EARLY_STOPPING_FILE,
    FINGERPRINT_FILE,
}

# The fit of the kill-and-resume tests, run in child processes: dropout and
# shuffled batches, so that resuming must restore both RNG streams to
# replay the uninterrupted fit. One intra-op thread in every child, so that
# all of them compute with the same reduction order.
CHILD = textwrap.dedent(
    """
    import json, os, signal, sys, time
    import numpy as np
    import torch
    from skorch.callbacks import Callback
    from sk_stfm.estimators import MLPConfig, STForecaster

    torch.set_num_threads(1)
    mode, checkpoint_dir, out, config = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    config = json.loads(config)

    class Slow(Callback):
        # Gives the parent time to kill between checkpoints; from epoch
        # ``block_at`` on it waits for the kill, so the fit never ends on its own.
        def on_epoch_end(self, net, **kwargs):
            time.sleep(300 if len(net.history) >= config["block_at"] else config["pause"])

    def kill_in(function, should_kill, truncate=False):
        def wrapped(*args, **kwargs):
            if should_kill(*args):
                if truncate:  # leave a partly written file behind
                    args[1].write(b"PK\\x03\\x04 truncated")
                    args[1].flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return wrapped

    callbacks = None
    if mode == "killed":
        callbacks = [("slow", Slow())]
    elif mode == "kill_mid_write":
        # Dies writing epoch 3's weights (its optimizer state is written).
        calls = []
        def should_kill(obj, file):
            calls.append(getattr(file, "name", ""))
            return calls[-1].endswith("params.pt.next") and len(calls) > 6
        torch.save = kill_in(torch.save, should_kill, truncate=True)
    elif mode == "kill_mid_commit":
        # Dies moving epoch 3's files into place: its optimizer state is
        # moved, the weights, history and RNG state of epoch 2 still there.
        moved = []
        def should_kill(src, dst):
            moved.append(dst)
            return dst.endswith("params.pt") and moved.count(dst) == 3
        os.replace = kill_in(os.replace, should_kill)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 12, 2, 1)).astype(np.float32)
    y = X[:, -3:] + config["noise"] * rng.normal(size=(48, 3, 2, 1)).astype(np.float32)
    n_train = config["n_train"]  # the windows after it validate
    model = STForecaster(
        backbone=MLPConfig(hidden_sizes=(config["hidden"],), dropout=0.3),
        max_epochs=config["max_epochs"],
        batch_size=8,
        lr=config["lr"],
        patience=config["patience"],
        validation_fraction=0.0,
        random_state=0,
        checkpoint_dir=None if mode == "reference" else checkpoint_dir,
        resume=mode == "resume",
        callbacks=callbacks,
    ).fit(X[:n_train], y[:n_train], validation_data=(X[n_train:], y[n_train:]) if n_train < 48 else None)
    early_stopping = dict(model.net_.callbacks_).get("early_stopping")
    torch.save(
        {
            "state_dict": model.net_.module_.state_dict(),
            "epochs": model.net_.history[:, "epoch"],
            "best_epoch": 0 if early_stopping is None else early_stopping.best_epoch_,
        },
        out,
    )
    """
)


# The fits of the children. PLAIN: no early stopping, killed at a random
# epoch among the first 4. EARLY_STOPPING: targets noisy enough that the
# validation loss improves for some epochs and then worsens (up to epoch 8
# here), so that ``patience=3`` stops the fit before ``max_epochs`` and
# restores the weights of an earlier epoch; killed at the epoch after the
# best one (``block_at`` is set from the uninterrupted fit).
PLAIN = {
    "max_epochs": MAX_EPOCHS,
    "patience": None,
    "noise": 0.1,
    "hidden": 16,
    "lr": 1e-2,
    "n_train": 48,
    "block_at": 4,
    "pause": 0.3,
}
EARLY_STOPPING = {
    "max_epochs": 15,
    "patience": 3,
    "noise": 0.5,
    "hidden": 32,
    "lr": 2e-2,
    "n_train": 32,
    "block_at": None,
    "pause": 0.0,
}


def _child(tmp_path, mode, checkpoint_dir, config=PLAIN):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / f"{mode}.pt"
    process = subprocess.Popen(
        [sys.executable, str(script), mode, str(checkpoint_dir), str(out), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, out


def _finish(process, out, timeout=240):
    _, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr
    return {**torch.load(out, weights_only=True), "stderr": stderr}


def _kill_after(process, checkpoint_dir, epochs):
    """SIGKILL ``process`` once ``checkpoint_dir`` holds ``epochs`` epochs."""
    try:
        deadline = time.monotonic() + 240
        while _history_length(checkpoint_dir) < epochs:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, f"the child never checkpointed {epochs} epochs"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)  # also when the test fails: no orphan
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return _history_length(checkpoint_dir)


def _history_length(checkpoint_dir):
    try:
        return len(json.loads((checkpoint_dir / "history.json").read_text()))
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def _max_abs_difference(actual, expected):
    assert actual.keys() == expected.keys()
    return max(float((actual[k].double() - expected[k].double()).abs().max()) for k in expected)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Weights after an uninterrupted fit of ``MAX_EPOCHS`` epochs in a child process."""
    tmp = tmp_path_factory.mktemp("reference")
    return _finish(*_child(tmp, "reference", tmp / "unused"))


# ------------------------------------------------------------ kill and resume
POSIX_ONLY = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")


@POSIX_ONLY
def test_a_fit_killed_with_sigkill_resumes_to_the_uninterrupted_weights(tmp_path, reference):
    checkpoint_dir = tmp_path / "checkpoints"
    process, _ = _child(tmp_path, "killed", checkpoint_dir)
    killed_after = _kill_after(process, checkpoint_dir, 2)
    assert 2 <= killed_after < MAX_EPOCHS

    resumed = _finish(*_child(tmp_path, "resume", checkpoint_dir))
    assert resumed["epochs"] == list(range(1, MAX_EPOCHS + 1))
    difference = _max_abs_difference(resumed["state_dict"], reference["state_dict"])
    print(f"killed after {killed_after} epochs; max |resumed - uninterrupted| = {difference:g}")
    assert difference <= 1e-6
    # The killed fit could not release checkpoint_dir: the resumed one took it over.
    assert f"owned by process {process.pid} on" in resumed["stderr"]
    assert "ended without releasing it" in resumed["stderr"]


@pytest.fixture(scope="module")
def early_stopping_reference(tmp_path_factory):
    """An uninterrupted fit of ``EARLY_STOPPING`` in a child process."""
    tmp = tmp_path_factory.mktemp("early_stopping_reference")
    return _finish(*_child(tmp, "reference", tmp / "unused", EARLY_STOPPING))


@POSIX_ONLY
def test_a_fit_killed_before_early_stopping_stops_where_the_uninterrupted_one_stops(
    tmp_path, early_stopping_reference
):
    best, n_epochs = early_stopping_reference["best_epoch"], len(early_stopping_reference["epochs"])
    # The premise: early stopping ends the fit before max_epochs, on the
    # weights of an epoch before the kill point, and after it.
    kill_at = best + 1
    assert 1 < best and kill_at < n_epochs < EARLY_STOPPING["max_epochs"]
    config = {**EARLY_STOPPING, "block_at": kill_at}
    checkpoint_dir = tmp_path / "checkpoints"
    process, _ = _child(tmp_path, "killed", checkpoint_dir, config)
    assert _kill_after(process, checkpoint_dir, kill_at) == kill_at
    # The kill may land between the files of the epoch's commit (history.json
    # already moved, early_stopping.pt not yet): settle it, as the next fit
    # on the directory does, before reading what was saved.
    recover(checkpoint_dir)
    saved = torch.load(checkpoint_dir / EARLY_STOPPING_FILE, weights_only=True)
    progress = saved["callbacks"]["early_stopping"]
    assert (saved["epoch"], progress["misses"], progress["best_epoch"]) == (kill_at, 1, best)
    # The best epoch's weights: the resumed process never computes them.
    assert progress["best_weights"].keys() == early_stopping_reference["state_dict"].keys()

    resumed = _finish(*_child(tmp_path, "resume", checkpoint_dir, config))
    assert resumed["epochs"] == early_stopping_reference["epochs"]
    assert resumed["best_epoch"] == best
    difference = _max_abs_difference(resumed["state_dict"], early_stopping_reference["state_dict"])
    print(f"max |resumed - uninterrupted| with early stopping = {difference:g}")
    assert difference <= 1e-6


@POSIX_ONLY
@pytest.mark.parametrize(
    "mode, resumes_after",
    [
        # Interrupted write: the epoch-2 checkpoint stands, the pieces are discarded.
        ("kill_mid_write", 2),
        # Interrupted commit: the complete epoch-3 checkpoint is moved into place.
        ("kill_mid_commit", 3),
    ],
)
def test_a_kill_while_checkpointing_leaves_a_consistent_checkpoint(
    tmp_path, reference, mode, resumes_after
):
    checkpoint_dir = tmp_path / "checkpoints"
    process, _ = _child(tmp_path, mode, checkpoint_dir)
    try:
        process.communicate(timeout=240)
    finally:
        process.kill()  # a no-op once it is dead
    assert process.returncode == -signal.SIGKILL
    left = set(os.listdir(checkpoint_dir))
    if mode == "kill_mid_write":
        assert {"params.pt.next", "optimizer.pt.next"} <= left and JOURNAL not in left
    else:
        assert {JOURNAL, "params.pt.next"} <= left and "optimizer.pt.next" not in left

    recover(checkpoint_dir)
    assert set(os.listdir(checkpoint_dir)) == CHECKPOINT_FILES | {LOCK_FILE}
    assert _history_length(checkpoint_dir) == resumes_after
    for name in ("params.pt", "optimizer.pt", RNG_FILE, EARLY_STOPPING_FILE):
        torch.load(checkpoint_dir / name, weights_only=True)  # complete, loadable
    rng_epoch = torch.load(checkpoint_dir / RNG_FILE, weights_only=True)["epoch"]
    assert rng_epoch == resumes_after

    resumed = _finish(*_child(tmp_path, "resume", checkpoint_dir))
    assert resumed["epochs"] == list(range(1, MAX_EPOCHS + 1))
    assert _max_abs_difference(resumed["state_dict"], reference["state_dict"]) <= 1e-6


# Small in-process fits for the checks that need no second process.
_rng = np.random.default_rng(1)
X_SMALL = _rng.normal(size=(40, 12, 2, 1)).astype(np.float32)
Y_SMALL = X_SMALL[:, -3:] + 0.1 * _rng.normal(size=(40, 3, 2, 1)).astype(np.float32)


def _small(**params):
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(16,), dropout=0.3),
        "max_epochs": 4,
        "batch_size": 8,
        "lr": 1e-2,
        "patience": None,
        "validation_fraction": 0.0,
        "random_state": 0,
    }
    return STForecaster(**{**defaults, **params})


def _weights(model):
    return model.net_.module_.state_dict()


def test_resuming_replays_the_rng_streams_the_rest_of_the_fit_draws(tmp_path):
    uninterrupted = _weights(_small().fit(X_SMALL, Y_SMALL))
    _small(max_epochs=2, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    resumed = _small(checkpoint_dir=tmp_path, resume=True).fit(X_SMALL, Y_SMALL)
    assert resumed.n_epochs_ == 4
    assert _max_abs_difference(_weights(resumed), uninterrupted) == 0
    # Control: without the saved RNG streams the same weights, optimizer and
    # history resume into other batches and dropout masks.
    other = tmp_path / "other"
    _small(max_epochs=2, checkpoint_dir=other).fit(X_SMALL, Y_SMALL)
    (other / RNG_FILE).unlink()
    with pytest.warns(UserWarning, match="do not replay"):
        unseeded = _small(checkpoint_dir=other, resume=True).fit(X_SMALL, Y_SMALL)
    assert _max_abs_difference(_weights(unseeded), uninterrupted) > 1e-4


def test_a_checkpoint_that_cannot_be_written_warns_and_keeps_the_previous_one(
    tmp_path, monkeypatch
):
    save = torch.save
    writes = []

    def fails_after_epoch_1(obj, file, *args, **kwargs):
        writes.append(file)
        if len(writes) > 4:  # epoch 1 writes 4 files; later writes die halfway
            file.write(b"half a file")
            raise OSError(28, "No space left on device")
        return save(obj, file, *args, **kwargs)

    monkeypatch.setattr(torch, "save", fails_after_epoch_1)
    with pytest.warns(UserWarning, match="could not write the checkpoint.*previous checkpoint"):
        _small(max_epochs=3, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    monkeypatch.setattr(torch, "save", save)
    # Only the intact epoch-1 checkpoint is left: no partial file.
    assert set(os.listdir(tmp_path)) == CHECKPOINT_FILES | {LOCK_FILE}
    assert _history_length(tmp_path) == 1
    for name in ("params.pt", "optimizer.pt", RNG_FILE, EARLY_STOPPING_FILE):
        torch.load(tmp_path / name, weights_only=True)
    resumed = _small(max_epochs=3, checkpoint_dir=tmp_path, resume=True).fit(X_SMALL, Y_SMALL)
    expected = _weights(_small(max_epochs=3).fit(X_SMALL, Y_SMALL))
    assert _max_abs_difference(_weights(resumed), expected) == 0


def test_files_of_different_epochs_are_refused_on_resume(tmp_path):
    _small(max_epochs=2, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    history = json.loads((tmp_path / "history.json").read_text())
    (tmp_path / "history.json").write_text(json.dumps(history[:1]))
    with pytest.raises(ValueError, match="not of one checkpoint"):
        _small(checkpoint_dir=tmp_path, resume=True).fit(X_SMALL, Y_SMALL)


def test_an_early_stopping_file_of_another_epoch_is_refused_on_resume(tmp_path):
    _small(max_epochs=1, checkpoint_dir=tmp_path / "one").fit(X_SMALL, Y_SMALL)
    _small(max_epochs=2, checkpoint_dir=tmp_path / "two").fit(X_SMALL, Y_SMALL)
    (tmp_path / "one" / EARLY_STOPPING_FILE).replace(tmp_path / "two" / EARLY_STOPPING_FILE)
    with pytest.raises(ValueError, match=f"{EARLY_STOPPING_FILE} is of epoch 1.*not of one"):
        _small(checkpoint_dir=tmp_path / "two", resume=True).fit(X_SMALL, Y_SMALL)


# ------------------------------------------------ early stopping across a resume
# The data of the EARLY_STOPPING child, fitted in this process.
_es_rng = np.random.default_rng(0)
X_ES = _es_rng.normal(size=(48, 12, 2, 1)).astype(np.float32)
Y_ES = X_ES[:, -3:] + 0.5 * _es_rng.normal(size=(48, 3, 2, 1)).astype(np.float32)


def _early_stopped(**params):
    defaults = {
        "backbone": MLPConfig(hidden_sizes=(32,), dropout=0.3),
        "max_epochs": 15,
        "lr": 2e-2,
        "patience": 3,
    }
    model = _small(**{**defaults, **params})
    return model.fit(X_ES[:32], Y_ES[:32], validation_data=(X_ES[32:], Y_ES[32:]))


def _best_epoch(model):
    return dict(model.net_.callbacks_)["early_stopping"].best_epoch_


@pytest.fixture(scope="module")
def early_stopped():
    """An uninterrupted fit that early stopping ends, on the weights of an earlier epoch.

    Its best epoch is followed by at least two epochs before the stop (8,
    then 9 to 11, here), which the tests interrupt at.
    """
    model = _early_stopped()
    assert 1 < _best_epoch(model) < model.n_epochs_ - 2 and model.n_epochs_ < 15
    return model


@pytest.mark.parametrize(
    "after_best",
    [
        # The best epoch: its weights are the checkpoint's own, not written twice.
        0,
        # After the best epoch: one miss counted, the best weights kept apart.
        1,
    ],
)
def test_a_resumed_fit_continues_the_early_stopping_count(tmp_path, early_stopped, after_best):
    best = _best_epoch(early_stopped)
    _early_stopped(max_epochs=best + after_best, checkpoint_dir=tmp_path)
    progress = torch.load(tmp_path / EARLY_STOPPING_FILE, weights_only=True)["callbacks"]
    assert (progress["early_stopping"]["best_weights"] is None) == (after_best == 0)
    resumed = _early_stopped(checkpoint_dir=tmp_path, resume=True)
    assert resumed.n_epochs_ == early_stopped.n_epochs_ and _best_epoch(resumed) == best
    assert resumed.net_.history[:, "valid_loss"] == early_stopped.net_.history[:, "valid_loss"]
    assert _max_abs_difference(_weights(resumed), _weights(early_stopped)) == 0


def test_without_its_progress_early_stopping_restarts_and_ends_elsewhere(tmp_path, early_stopped):
    # Control: the same checkpoint of the epoch after the best one, less the
    # early-stopping progress, as an older sk_stfm wrote it.
    best = _best_epoch(early_stopped)
    _early_stopped(max_epochs=best + 1, checkpoint_dir=tmp_path)
    (tmp_path / EARLY_STOPPING_FILE).unlink()
    with pytest.warns(UserWarning, match="no early-stopping progress.*count restarts"):
        restarted = _early_stopped(checkpoint_dir=tmp_path, resume=True)
    # The next epoch counts as an improvement on nothing: a later best
    # epoch, a later stop, other weights.
    assert _best_epoch(restarted) > best and restarted.n_epochs_ > early_stopped.n_epochs_
    assert _max_abs_difference(_weights(restarted), _weights(early_stopped)) > 1e-3


@pytest.mark.parametrize(
    "ended_by",
    [
        # max_epochs, two epochs after the best one: the checkpoint holds the
        # last epoch's weights, the fit ended on the best epoch's.
        "max_epochs",
        # Early stopping, whose last epoch is not checkpointed (it stops
        # before the checkpoint sees it): resuming replays that epoch.
        "early_stopping",
    ],
)
def test_resuming_a_finished_fit_ends_on_its_best_weights(tmp_path, early_stopped, ended_by):
    best = _best_epoch(early_stopped)
    max_epochs = best + 2 if ended_by == "max_epochs" else 15
    finished = _early_stopped(max_epochs=max_epochs, checkpoint_dir=tmp_path)
    n_epochs = max_epochs if ended_by == "max_epochs" else early_stopped.n_epochs_
    assert (finished.n_epochs_, _best_epoch(finished)) == (n_epochs, best)
    again = _early_stopped(max_epochs=max_epochs, checkpoint_dir=tmp_path, resume=True)
    assert (again.n_epochs_, _best_epoch(again)) == (n_epochs, best)
    assert _max_abs_difference(_weights(again), _weights(finished)) == 0


def test_an_early_stopping_the_checkpoint_does_not_carry_warns_on_resume(tmp_path):
    _small(max_epochs=1, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    stopper = ("stopper", EarlyStopping(monitor="train_loss", patience=2))
    with pytest.warns(UserWarning, match="'stopper' is an EarlyStopping.*count restarts"):
        _small(max_epochs=2, checkpoint_dir=tmp_path, resume=True, callbacks=[stopper]).fit(
            X_SMALL, Y_SMALL
        )


# ------------------------------------------------ one fit per checkpoint directory
class _FitsTheSameDirectory(Callback):
    """After the first epoch, fits a second model on ``checkpoint_dir``."""

    def __init__(self, checkpoint_dir):
        self.checkpoint_dir = checkpoint_dir

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            try:
                _small(max_epochs=1, checkpoint_dir=self.checkpoint_dir).fit(X_SMALL, Y_SMALL)
            except ValueError as error:
                self.error_ = error


class _Fails(Callback):
    def on_epoch_end(self, net, **kwargs):
        raise RuntimeError(f"fails in epoch {len(net.history)}")


def test_a_second_fit_on_a_checkpoint_dir_in_use_fails_and_leaves_it_intact(tmp_path):
    second = ("second", _FitsTheSameDirectory(tmp_path))
    first = _small(checkpoint_dir=tmp_path, callbacks=[second]).fit(X_SMALL, Y_SMALL)
    message = str(dict(first.net_.callbacks_)["second"].error_)
    assert f"checkpoint_dir={str(tmp_path)!r} is in use by another fit" in message
    assert f"process {os.getpid()} on" in message
    # The first fit went on undisturbed: its checkpoint is whole and its own.
    assert set(os.listdir(tmp_path)) == CHECKPOINT_FILES | {LOCK_FILE}
    assert _history_length(tmp_path) == first.n_epochs_ == 4
    saved = torch.load(tmp_path / "params.pt", weights_only=True)
    assert _max_abs_difference(saved, _weights(first)) == 0
    # Released at the end, also by a fit that fails while training: the
    # next fit takes it without a takeover warning.
    with pytest.raises(RuntimeError, match="fails in epoch 1"):
        _small(checkpoint_dir=tmp_path, callbacks=[("fails", _Fails())]).fit(X_SMALL, Y_SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _small(max_epochs=1, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    assert (tmp_path / LOCK_FILE).read_text() == ""


LOCK_HOLDER = textwrap.dedent(
    """
    import sys, time
    from sk_stfm.estimators._checkpoint import checkpoint_dir_lock

    with checkpoint_dir_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(300)
    """
)


@POSIX_ONLY
def test_a_checkpoint_dir_of_another_process_is_refused_until_it_dies(tmp_path):
    checkpoint_dir = tmp_path / "checkpoints"
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(checkpoint_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n", holder.communicate()[1]
        with pytest.raises(ValueError, match=f"in use by another fit \\(process {holder.pid} on"):
            _small(max_epochs=1, checkpoint_dir=checkpoint_dir).fit(X_SMALL, Y_SMALL)
        assert os.listdir(checkpoint_dir) == [LOCK_FILE]  # nothing written
    finally:
        holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=60)
    # Its lock died with it; its name in the file is taken over with a warning.
    with pytest.warns(UserWarning, match=f"owned by process {holder.pid} on .*ended without"):
        model = _small(max_epochs=1, checkpoint_dir=checkpoint_dir).fit(X_SMALL, Y_SMALL)
    assert model.n_epochs_ == 1 and _history_length(checkpoint_dir) == 1


@pytest.mark.skipif(fcntl is None, reason="flock is POSIX")
def test_a_file_system_without_locks_warns_and_trains(tmp_path, monkeypatch):
    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(UserWarning, match="cannot lock .*would not be detected"):
        model = _small(max_epochs=1, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    assert model.n_epochs_ == 1 and _history_length(tmp_path) == 1


# ------------------------------------------------------------ safe persistence
class _RunsCode:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _write_malicious(path, marker, writer):
    payload = {"format": "sk_stfm-estimator", "format_version": 1, "x": _RunsCode(marker)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch notes the pickle protocol
        if writer == "pickle":
            path.write_bytes(pickle.dumps(payload))
        else:
            torch.save(payload, path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("writer", ["pickle", "torch"])
def test_a_malicious_pickle_is_refused_by_load_and_runs_nothing(tmp_path, writer):
    marker = tmp_path / "pwned"
    _write_malicious(tmp_path / "evil.pt", marker, writer)
    with pytest.raises((ValueError, pickle.UnpicklingError)):
        STForecaster.load(tmp_path / "evil.pt")
    assert not marker.exists()
    # Control: the file is live; an unsafe load runs it.
    if writer == "pickle":
        pickle.loads((tmp_path / "evil.pt").read_bytes())
    else:
        torch.load(tmp_path / "evil.pt", weights_only=False)
    assert marker.exists()


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("name", ["params.pt", "optimizer.pt", RNG_FILE, EARLY_STOPPING_FILE])
@pytest.mark.parametrize("writer", ["pickle", "torch"])
def test_a_malicious_checkpoint_file_is_refused_on_resume_and_runs_nothing(tmp_path, name, writer):
    checkpoint_dir = tmp_path / "checkpoints"
    _small(max_epochs=1, checkpoint_dir=checkpoint_dir).fit(X_SMALL, Y_SMALL)
    marker = tmp_path / "pwned"
    _write_malicious(checkpoint_dir / name, marker, writer)
    with pytest.raises((ValueError, pickle.UnpicklingError), match=re.escape(name)):
        _small(max_epochs=2, checkpoint_dir=checkpoint_dir, resume=True).fit(X_SMALL, Y_SMALL)
    assert not marker.exists()


def test_a_file_of_a_future_format_names_both_versions(tmp_path):
    path = _small(max_epochs=1).fit(X_SMALL, Y_SMALL).save(tmp_path / "model.pt")
    payload = torch.load(path, weights_only=True)
    payload["format_version"] = FORMAT_VERSION + 1
    payload["sk_stfm_version"] = "99.0"
    torch.save(payload, tmp_path / "future.pt")
    with pytest.raises(ValueError) as error:
        STForecaster.load(tmp_path / "future.pt")
    message = str(error.value)
    assert f"format version {FORMAT_VERSION + 1}" in message
    assert f"installed sk_stfm {sk_stfm.__version__}" in message
    assert "99.0" in message and "Upgrade sk_stfm" in message


def _unsafe_loads(tree):
    """Calls in ``tree`` that could unpickle: what the package must never do."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"pickle", "dill", "cloudpickle"}:
            found += [a.name for a in node.names if a.name in {"load", "loads", "Unpickler"}]
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        if re.fullmatch(r"(c?pickle|dill|cloudpickle|joblib)\.(load|loads|Unpickler)", name):
            found.append(name)
        elif re.fullmatch(r"(pd|pandas)\.read_pickle|torch\.jit\.load", name):
            found.append(name)
        elif name == "torch.load":
            safe = keywords.get("weights_only")
            if not (isinstance(safe, ast.Constant) and safe.value is True):
                found.append("torch.load without weights_only=True")
        elif re.fullmatch(r"(np|numpy)\.load", name):
            allow = keywords.get("allow_pickle")
            if allow is not None and not (isinstance(allow, ast.Constant) and allow.value is False):
                found.append("np.load with allow_pickle")
        if "torch_load_kwargs" in keywords:  # skorch nets that load checkpoints
            value = keywords["torch_load_kwargs"]
            if "'weights_only': True" not in ast.unparse(value):
                found.append("torch_load_kwargs without weights_only=True")
    return found


def test_no_path_the_package_reads_unpickles():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    unsafe = {}
    for path in files:
        found = _unsafe_loads(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            unsafe[str(path.relative_to(PACKAGE))] = found
    assert not unsafe
    # The checker catches what it must.
    bad = "import pickle, torch, numpy as np\npickle.load(f)\ntorch.load(p)\nnp.load(p, allow_pickle=True)"
    assert len(_unsafe_loads(ast.parse(bad))) == 3


SEQUENCE_MODELS = [
    (cls, params)
    for name, cls in all_estimators()
    if name
    in {"TrajectoryEncoder", "TrajectoryClassifier", "NextLocationPredictor", "EventForecaster"}
    for params in cls.get_test_params()
]


def _sequence_outputs(model, X):
    outputs = {}
    for method in ("predict", "predict_proba", "transform", "predict_coordinates"):
        if hasattr(model, method):
            outputs[method] = np.asarray(getattr(model, method)(X))
    if hasattr(model, "sample"):
        outputs["sample"] = np.concatenate(model.sample(X[:2], 100.0, random_state=0))
    return outputs


@pytest.mark.parametrize(
    "cls, params", SEQUENCE_MODELS, ids=lambda p: p.__name__ if isinstance(p, type) else ""
)
def test_sequence_models_save_and_load_without_pickle(tmp_path, cls, params):
    model = cls(**params).set_params(random_state=0)
    X, y = sequences_for(model)
    if y is not None and "Classifier" in cls.__name__:
        y = np.array(["walk", "bike"])[y]  # string labels travel too
    model.fit(X) if y is None else model.fit(X, y)
    loaded = cls.load(model.save(tmp_path / "model.pt"))
    assert repr(loaded.get_params()) == repr(model.get_params())
    expected = _sequence_outputs(model, X)
    got = _sequence_outputs(loaded, X)
    assert got.keys() == expected.keys()
    for method in expected:
        np.testing.assert_array_equal(got[method], expected[method], err_msg=method)
    evil = tmp_path / "evil.pt"
    _write_malicious(evil, tmp_path / "pwned", "torch")
    with pytest.raises(ValueError):
        cls.load(evil)
    assert not (tmp_path / "pwned").exists()


def test_pickling_a_fitted_estimator_still_works(tmp_path):
    fitted = _small(max_epochs=2, checkpoint_dir=tmp_path).fit(X_SMALL, Y_SMALL)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X_SMALL), fitted.predict(X_SMALL))


# ------------------------------------------------------------------ determinism
# Every estimator (first test parameters, 2 epochs, random_state=0) fitted
# on fixed data; one hash of all its outputs. The caller's RNGs (numpy's
# global, python's ``random``, torch's) are compared before and after.
DETERMINISM_CHILD = textwrap.dedent(
    """
    import hashlib, json, random, sys, time, warnings
    import numpy as np
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, sys.argv[1])  # tests/: sequence_fixtures
    from sequence_fixtures import sequences_for
    from sklearn.base import is_classifier
    from sk_stfm.utils import all_estimators

    warnings.simplefilter("ignore")
    data = np.random.default_rng(0)
    WINDOWS = data.normal(size=(24, 12, 3, 2))
    TARGETS = data.normal(size=(24, 4, 3, 1))
    LABELS = np.arange(24) % 2
    TABLE = data.normal(size=(24, 6))
    POINTS = data.normal(size=(8, 2))
    DISTANCES = np.sqrt(((POINTS[:, None] - POINTS[None]) ** 2).sum(-1))
    TEXTS = np.array([[f"series {i} rises to {i % 5}"] for i in range(24)], dtype=object)

    def digest(value, h):
        if isinstance(value, (list, tuple)):
            for item in value:
                digest(item, h)
            return
        array = np.asarray(value)
        h.update(f"{array.dtype}{array.shape}".encode())
        h.update(array.tobytes() if array.dtype != object else repr(array.tolist()).encode())

    def rng_states():
        return (
            np.random.get_state()[1].tobytes() + str(np.random.get_state()[2:]).encode(),
            repr(random.getstate()).encode(),
            torch.get_rng_state().numpy().tobytes(),
        )

    report = {}
    for name, cls in all_estimators():
        start = time.monotonic()
        params = dict(cls.get_test_params()[0])
        estimator = cls(**params)
        names = estimator.get_params()
        overrides = {k: v for k, v in (("max_epochs", 2), ("random_state", 0)) if k in names}
        if "adjacency" in names:
            ring = np.roll(np.eye(WINDOWS.shape[2]), 1, axis=1)
            overrides["adjacency"] = ring + ring.T
        estimator.set_params(**overrides)
        tags = estimator.__sklearn_tags__()
        if not tags.input_tags.two_d_array:
            X, y = sequences_for(estimator)
        elif name == "TextEmbedder":
            X, y = TEXTS, None
        elif name == "GraphFilter":
            X, y = DISTANCES, None
        elif tags.input_tags.three_d_array:
            X = WINDOWS
            y = (LABELS if is_classifier(estimator) else TARGETS) if tags.target_tags.required else None
        else:
            X, y = TABLE, None
        np.random.seed(123)
        random.seed(123)
        torch.manual_seed(123)
        before = rng_states()
        h = hashlib.sha256()
        if hasattr(estimator, "transform") and not hasattr(estimator, "predict"):
            digest(estimator.fit_transform(X) if y is None else estimator.fit_transform(X, y), h)
        else:
            estimator.fit(X) if y is None else estimator.fit(X, y)
        outputs = []
        for method in ("predict", "predict_proba", "transform", "score_samples", "score"):
            if hasattr(estimator, method):
                call = getattr(estimator, method)
                result = call(X, y) if method == "score" and y is not None else call(X)
                digest(result, h)
                outputs.append(method)
        if name == "STGenerator":
            digest(estimator.sample(4, random_state=0), h)
            outputs.append("sample")
        after = rng_states()
        report[name] = {
            "hash": h.hexdigest(),
            "outputs": outputs,
            "untouched": [b == a for b, a in zip(before, after)],
            "seconds": round(time.monotonic() - start, 2),
        }
    print(json.dumps(report))
    """
)


@pytest.fixture(scope="module")
def determinism_reports(tmp_path_factory):
    """Reports of two fresh processes, run side by side, different hash seeds."""
    script = tmp_path_factory.mktemp("determinism") / "child.py"
    script.write_text(DETERMINISM_CHILD)
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(TESTS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        )
        for seed in (1, 2)
    ]
    reports = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    return reports


def test_same_seed_gives_bitwise_identical_outputs_in_fresh_processes(determinism_reports):
    first, second = determinism_reports
    assert set(first) == {name for name, _ in all_estimators()}
    assert all(report["outputs"] for report in first.values())
    differ = [name for name in first if first[name]["hash"] != second[name]["hash"]]
    assert not differ


def test_fit_and_outputs_leave_the_global_rngs_untouched(determinism_reports):
    for report in determinism_reports:
        touched = {
            name: [
                rng
                for rng, same in zip(("numpy", "random", "torch"), r["untouched"], strict=True)
                if not same
            ]
            for name, r in report.items()
            if not all(r["untouched"])
        }
        assert not touched


# ------------------------------------------------------------------------- load
def _rss_bytes():
    try:
        import psutil
    except ImportError:  # Linux without psutil: resident pages of this process
        with open("/proc/self/statm") as file:
            return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return psutil.Process().memory_info().rss


@pytest.mark.slow
def test_many_fit_predict_cycles_do_not_grow_memory(tmp_path):
    def cycle(seed):
        model = _small(max_epochs=2, random_state=seed).fit(X_SMALL, Y_SMALL)
        prediction = model.predict(X_SMALL)
        loaded = STForecaster.load(model.save(tmp_path / "model.pt"))
        np.testing.assert_array_equal(loaded.predict(X_SMALL), prediction)

    for seed in range(10):  # warm-up: allocator pools, lazy imports, caches
        cycle(seed)
    gc.collect()
    start = _rss_bytes()
    for seed in range(200):
        cycle(seed)
    gc.collect()
    growth = (_rss_bytes() - start) / 2**20
    print(f"RSS growth over 200 fit/predict/save/load cycles: {growth:.1f} MiB")
    assert growth < 50


def test_concurrent_predictions_equal_serial_ones():
    fitted = _small(max_epochs=2).fit(X_SMALL, Y_SMALL)
    batches = [X_SMALL[i : i + 10 + 3 * i] for i in range(8)]
    serial = [fitted.predict(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(fitted.predict, batches * 4))
    for index, prediction in enumerate(concurrent):
        np.testing.assert_array_equal(prediction, serial[index % len(batches)])


# ------------------------------------- kill and resume: the other estimator families
# The same kill-and-resume contract for the estimators of irregular
# sequences (raw trajectories), which train on the same skorch base.
SEQUENCE_CHILD = textwrap.dedent(
    """
    import sys, time
    import torch
    from skorch.callbacks import Callback
    from sequence_fixtures import sequences_for
    from sk_stfm.utils import all_estimators

    torch.set_num_threads(1)
    mode, name, checkpoint_dir, out, max_epochs = sys.argv[1:6]
    cls = dict(all_estimators())[name]

    class Slow(Callback):
        # From epoch 2 on the fit waits for the parent's kill.
        def on_epoch_end(self, net, **kwargs):
            time.sleep(300 if len(net.history) >= 2 else 0.2)

    params = {
        **cls.get_test_params()[0],
        "max_epochs": int(max_epochs),
        "random_state": 0,
        "checkpoint_dir": None if mode == "reference" else checkpoint_dir,
        "resume": mode == "resume",
        "callbacks": [("slow", Slow())] if mode == "killed" else None,
    }
    model = cls(**params)
    sequences, labels = sequences_for(model)
    model.fit(sequences) if labels is None else model.fit(sequences, labels)
    torch.save(
        {"state_dict": model.net_.module_.state_dict(), "epochs": model.net_.history[:, "epoch"]},
        out,
    )
    """
)
SEQUENCE_FAMILIES = [
    "EventForecaster",
    "NextLocationPredictor",
    "NextPointRegressor",
    "TrajectoryClassifier",
    "TrajectoryEncoder",
]


def _sequence_child(tmp_path, mode, name, checkpoint_dir, max_epochs=4):
    script = tmp_path / "sequence_child.py"
    script.write_text(SEQUENCE_CHILD)
    out = tmp_path / f"{mode}.pt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(PACKAGE.parent)])}
    process = subprocess.Popen(
        [sys.executable, str(script), mode, name, str(checkpoint_dir), str(out), str(max_epochs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, out


@POSIX_ONLY
@pytest.mark.parametrize("name", SEQUENCE_FAMILIES)
def test_sequence_estimators_killed_with_sigkill_resume_to_the_uninterrupted_weights(
    tmp_path, name
):
    reference = _finish(*_sequence_child(tmp_path, "reference", name, tmp_path / "unused"))
    checkpoint_dir = tmp_path / "checkpoints"
    process, _ = _sequence_child(tmp_path, "killed", name, checkpoint_dir)
    killed_after = _kill_after(process, checkpoint_dir, 2)
    assert 2 <= killed_after < 4

    resumed = _finish(*_sequence_child(tmp_path, "resume", name, checkpoint_dir))
    assert resumed["epochs"] == reference["epochs"] == [1, 2, 3, 4]
    assert _max_abs_difference(resumed["state_dict"], reference["state_dict"]) <= 1e-6
