"""Defaults shared by the library and the CLI, importable without loading
scikit-learn (so ``ranking --help`` stays fast)."""

from pathlib import Path

#: The model every command uses unless told otherwise. It ships inside the
#: package (package data, in every wheel and ``pip install``), so it is found
#: beside this file wherever ranking is installed; ``make model`` rebuilds it
#: from ``data/`` in a source checkout.
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "default"
