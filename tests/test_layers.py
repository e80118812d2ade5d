"""The package's shape: ``import sk_stfm`` stays light."""

import json
import subprocess
import sys
from pathlib import Path

import sk_stfm

# The checkout under test: a subprocess started there imports this sk_stfm.
ROOT = Path(sk_stfm.__file__).resolve().parents[1]

# Extras (and the heaviest corners of scikit-learn) that only the code using
# them imports: a bare ``import sk_stfm`` must not pay for them.
DEFERRED = (
    "accelerate",
    "transformers",
    "optuna",
    "sktime",
    "peft",
    "matplotlib",
    "sklearn.cluster",
)


def test_import_sk_stfm_leaves_the_extras_unimported():
    # A fresh interpreter: this one has imported everything the tests use.
    code = (
        "import json, sys; import sk_stfm; "
        f"print(json.dumps([m for m in {list(DEFERRED)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
