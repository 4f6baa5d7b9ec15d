"""Defaults shared by the library and the CLI, importable without loading
scikit-learn (so ``ranking --help`` stays fast)."""

from pathlib import Path

#: The model every command uses unless told otherwise; ``make demo`` trains it.
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "default"
