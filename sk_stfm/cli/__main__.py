"""``python -m sk_stfm.cli``: the ``sk-stfm`` command without the console script."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
