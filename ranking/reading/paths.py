"""What an EXPORT argument names: one file, a folder of files that are one
export together, or a glob; resolved to files once, where a run starts
(:class:`ranking.model.workspace.Workspace`), and where a ``main_image``
path starts.

>>> export_paths("catalog.csv"), export_files(Path("catalog.csv"))
([PosixPath('catalog.csv')], [PosixPath('catalog.csv')])
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from pathlib import Path

from ranking.errors import ExportError
from ranking.messages import Said
from ranking.reading import io
from ranking.reading.export import ExportSource


def export_paths(export_path) -> list[Path]:
    """One path or several, as a list of paths."""
    if isinstance(export_path, str | Path):
        return [Path(export_path)]
    return [Path(p) for p in export_path]


_GLOB = re.compile(r"[*?[]")


def _natural(path: Path) -> list:
    """Sort key: part-2 before part-10, as the files were numbered."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]


def export_files(path: Path) -> list[Path]:
    """The files one EXPORT names: the file itself, the table files of a
    folder (not its subfolders; names starting with ``.`` or ``_`` left out,
    as Spark and Dask write ``_SUCCESS`` and ``_metadata``), or the files a
    glob matches; numbered names in their numbers' order.

    >>> export_files(Path("catalog.csv"))
    [PosixPath('catalog.csv')]
    """
    path = Path(path)
    if path.is_dir():
        files = [
            p
            for p in path.iterdir()
            if p.is_file()
            and not p.name.startswith((".", "_"))
            and p.suffix.lower() in io.READABLE
        ]
        if not files:
            raise ExportError(
                Said("error.empty_folder", path=path, kinds=", ".join(io.READABLE))
            )
        return sorted(files, key=_natural)
    if not path.exists() and _GLOB.search(str(path)):
        files = [Path(p) for p in glob.glob(str(path)) if Path(p).is_file()]
        if not files:
            raise ExportError(Said("error.no_match", path=path))
        return sorted(files, key=lambda p: (str(p.parent), _natural(p)))
    return [path]


def input_files(export_path) -> list[Path]:
    """Every file the exports name (folders and globs expanded)."""
    return [f for path in export_paths(export_path) for f in export_files(path)]


def common_folder(files: Sequence[Path]) -> Path:
    """The folder every file is in (``main_image`` paths start there)."""
    return Path(os.path.commonpath([str(f.resolve().parent) for f in files]))


def images_start(path: Path, files: Sequence[Path]) -> Path:
    """Where the ``main_image`` paths of the export ``path`` (its ``files``)
    start, as :func:`open_export`'s source has it: a file's folder, or the
    folder a parted export's files share."""
    return common_folder(files) if list(files) != [Path(path)] else Path(path).parent


def check_present(files: Sequence[Path]) -> None:
    """Raises the one-line error naming the first of ``files`` that is not
    there (or not a file), before any work."""
    for file in files:
        if not file.is_file():
            ExportSource(file)


__all__ = [
    "check_present",
    "common_folder",
    "export_files",
    "export_paths",
    "images_start",
    "input_files",
]
