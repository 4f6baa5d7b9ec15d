"""Outputs written whole or not at all: checked before any work (writable,
never an input), written to a temporary file beside them and renamed;
left-over temporaries of a killed run cleaned."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from ranking.errors import OutputError
from ranking.messages import Said

#: What an output may be written as, by its name.
WRITABLE = (".csv", ".tsv", ".xlsx", ".parquet")


def check_writable(path: Path) -> str:
    """The output format of ``path`` (its lower-case extension); raises
    :class:`OutputError` for one that cannot be written, so that a command
    can refuse before doing its work."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITABLE:
        if not suffix:
            raise OutputError(
                Said("error.no_extension", path=path, kinds=", ".join(WRITABLE))
            )
        raise OutputError(
            Said("error.extension", path=path, suffix=suffix, kinds=", ".join(WRITABLE))
        )
    return suffix


def refuse_overwriting(output: Path, *inputs: Path) -> None:
    """Raise :class:`OutputError` if ``output`` is one of the input files, or
    a folder holding one (a dataset or model folder is replaced whole):
    inputs are never modified. Checked before any work, so that nothing is
    written."""
    output = Path(output)
    if not output.exists():
        return
    for source in map(Path, inputs):
        if not source.exists():
            continue
        # samefile sees through symlinks, hard links and "./" spellings.
        held = output.is_dir() and output.resolve() in source.resolve().parents
        if held or os.path.samefile(output, source):
            raise OutputError(
                Said(
                    "error.holds_input" if held else "error.is_input",
                    path=output,
                    source=source,
                )
            )


def usual_mode(mode: int) -> int:
    """``mode`` less the process's umask: the permissions a plainly created
    file or folder would get."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def put_in_place(temporary: Path, path: Path) -> None:
    """Rename a finished temporary file onto ``path``, with the usual
    permissions (mkstemp makes it private, 0600)."""
    os.chmod(temporary, usual_mode(0o666))
    os.replace(temporary, path)


def output_folder(path: Path) -> Path:
    """The folder ``path`` is written into; :class:`OutputError` when it is
    missing or is a file (``notes.txt/out.csv``)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        if folder.exists():
            raise OutputError(Said("error.folder_is_file", path=path, folder=folder))
        raise OutputError(Said("error.no_folder", path=path, folder=folder))
    return folder


def _cannot_write_in(path: Path, folder: Path, error: OSError) -> OutputError:
    return OutputError(
        Said(
            "error.write_in",
            path=path,
            folder=folder,
            why=error.strerror or str(error),
        )
    )


def temporary_beside(path: Path, folder: bool = False) -> Path:
    """A new hidden temporary file (or folder) beside ``path``, so that the
    finished output is renamed into place on the same file system; a folder
    that refuses it (read-only, full) is one :class:`OutputError` line."""
    path = Path(path)
    where = output_folder(path)
    clean_stale(path)
    try:
        if folder:
            return Path(
                tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=where)
            )
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=where
        )
    except OSError as error:
        raise _cannot_write_in(path, where, error) from None
    os.close(handle)
    return Path(temporary)


#: A temporary of ours untouched this long is left by a run that was killed
#: (kill -9, power cut): a live run's temporary is younger (it grows as rows
#: are written; an .xlsx is written at the end of a run of minutes).
STALE_SECONDS = 6 * 3600


def clean_stale(path: Path) -> None:
    """Delete the temporaries a killed run left beside ``path``: hidden
    ``.NAME.XXXXXXXX.tmp`` files and folders (our mkstemp/mkdtemp naming;
    ``.old`` for a dataset renamed aside) older than :data:`STALE_SECONDS`.
    Only ours, for this output's name: a run writing this output now has a
    fresh one, which is kept."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    ours = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.(tmp|old)")
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not ours.fullmatch(entry.name):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            continue  # cleaning is a courtesy; never the reason a run fails


def write_text(text: str, path: Path) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    path = Path(path)
    temporary = temporary_beside(path)
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(text)
        put_in_place(Path(temporary), path)
    except OSError as failure:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(
            Said("error.not_written", path=path, why=failure.strerror)
        ) from None


def make_folder(folder: Path, for_path: Path | None = None) -> None:
    """``folder`` and its parents made (there already is fine); one line
    naming it when they cannot be (``for_path``: the output it is made for,
    named first)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        why = error.strerror or str(error)
        if for_path is None:
            raise OutputError(Said("error.not_made", path=folder, why=why)) from None
        raise OutputError(
            Said("error.folder_not_made", path=for_path, folder=folder, why=why)
        ) from None
