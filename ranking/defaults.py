"""Defaults shared by the library and the CLI, importable without loading
scikit-learn (so ``ranking --help`` stays fast)."""

from importlib.resources import files
from pathlib import Path

#: The model every command uses unless told otherwise. It ships inside the
#: package (package data, in every wheel and ``pip install``), so it is found
#: as the package's resource wherever ranking is installed (a wheel unpacks
#: it as plain files, which the model loader reads by path); ``make model``
#: rebuilds it from ``data/`` in a source checkout.
DEFAULT_MODEL = Path(str(files("ranking") / "models" / "default"))
