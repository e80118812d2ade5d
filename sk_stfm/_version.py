"""The version of sk_stfm, in a module that imports nothing.

Every layer may name it (saved files record it) without importing the
package root, which imports the estimators; ``pyproject.toml`` reads it
from here without importing anything either.
"""

__version__ = "0.1.0.dev0"
