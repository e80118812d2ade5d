"""Scale-out on existing engines: data-parallel training through Accelerate on 2 CPU processes."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("accelerate", reason="device='accelerate' needs accelerate (sk-stfm[llm])")

_TRAIN = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from sk_stfm.data import make_windows
    from sk_stfm.estimators import STForecaster

    t = np.arange(600, dtype=np.float32)
    noise = 0.05 * np.random.default_rng(0).normal(size=600)
    series = (np.sin(2 * np.pi * t / 24) + noise).astype(np.float32)
    X, y = make_windows(series[:, None, None], history=48, horizon=12)
    model = STForecaster(backbone="mlp", device="accelerate", max_epochs=6, batch_size=32,
                         lr=1e-2, random_state=0, patience=2, validation_fraction=0.1)
    model.fit(X[:400], y[:400])
    accelerator = model.net_.accelerator
    out = {
        "rank": accelerator.process_index,
        "world": accelerator.num_processes,
        "valid_loss": [float(v) for v in model.net_.history[:, "valid_loss"]],
        "prediction": model.predict(X[400:]).ravel().tolist(),
    }
    with open(f"{sys.argv[1]}/rank{out['rank']}.json", "w") as handle:
        json.dump(out, handle)
    """
)


def _launch(tmp_path, n_processes):
    script = tmp_path / "train.py"
    script.write_text(_TRAIN)
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(n_processes),
        "--master_port", str(29500 + os.getpid() % 1000), str(script), str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(n_processes)]


def test_two_cpu_processes_train_one_model(tmp_path):
    ranks = _launch(tmp_path, 2)
    assert [r["world"] for r in ranks] == [2, 2]
    # One synchronised history: both processes saw the same epoch losses
    # (so early stopping stops them together), and they end on one model.
    assert ranks[0]["valid_loss"] == ranks[1]["valid_loss"]
    np.testing.assert_array_equal(ranks[0]["prediction"], ranks[1]["prediction"])
    losses = ranks[0]["valid_loss"]
    assert losses[-1] < 0.25 * losses[0]  # it learned the sine


def test_accelerate_in_one_process_trains_like_the_plain_loop():
    from sk_stfm.data import make_windows
    from sk_stfm.estimators import STForecaster
    from sk_stfm.metrics import masked_mse

    t = np.arange(300, dtype=np.float32)
    X, y = make_windows(np.sin(t / 4)[:, None, None], history=24, horizon=6)
    params = dict(backbone="mlp", max_epochs=5, batch_size=32, lr=1e-2, random_state=0)
    plain = STForecaster(**params).fit(X[:200], y[:200])
    accelerated = STForecaster(**params, device="accelerate").fit(X[:200], y[:200])
    from skorch.hf import AccelerateMixin

    assert isinstance(accelerated.net_, AccelerateMixin)
    # Accelerate draws its own batch order, so the runs differ, but not in quality.
    plain_mse = masked_mse(y[200:], plain.predict(X[200:]))
    accelerated_mse = masked_mse(y[200:], accelerated.predict(X[200:]))
    last_value = masked_mse(y[200:], np.repeat(X[200:, -1:], 6, axis=1))
    assert accelerated_mse < 0.5 * last_value
    assert accelerated_mse < 3 * plain_mse
    # The fitted model pickles like any other (skorch unwraps it after training).
    import pickle

    again = pickle.loads(pickle.dumps(accelerated))
    np.testing.assert_allclose(again.predict(X[:4]), accelerated.predict(X[:4]))
