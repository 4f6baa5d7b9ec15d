"""``ranking check``: an export read and validated, nothing scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ranking.reading.catalog import open_catalog
from ranking.reading.paths import export_paths
from ranking.writing import atomic, writers


def check_export(
    path,
    rejects_path: str | Path | None = None,
    strict: bool = False,
    sets: Sequence[str] = (),
    view: Callable | None = None,
) -> dict:
    """Read and validate an export (or several, joined: see
    :mod:`ranking.reading.catalog`) without scoring it; what ``ranking check``
    reports. Rejected rows are written to ``rejects_path`` when one is given,
    through ``view`` (the CLI's: their reasons in ``--lang``); the summary's
    stay English: it is data."""
    if rejects_path is not None:
        atomic.refuse_overwriting(Path(rejects_path), *export_paths(path))
    export = open_catalog(path, strict=strict, sets=sets).read()
    if rejects_path is not None:
        rejects = export.rejects if view is None else view(export.rejects)
        writers.write_table(rejects, Path(rejects_path))
    return export.summary()
