"""Read tables from disk as their cells are written, and write outputs atomically.

Reading knows nothing of what the columns mean: :func:`read_table` returns the
cells under the file's own header, every cell of a text file as text, so that
the schema decides how to read each value and the outputs can carry the input's
cells through unchanged. The header row is the first row (among the first
:data:`HEADER_SEARCH_ROWS`) that the caller's ``is_header`` accepts, because
Chinese back offices often write a title or a date range above it.
"""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ranking.errors import ExportError, OutputError

HEADER_SEARCH_ROWS = 20
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
SNIFF_BYTES = 1 << 16
READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
WRITABLE = (".csv", ".tsv", ".xlsx", ".parquet")

_MAGIC = {b"PK\x03\x04": "excel", b"\xd0\xcf\x11\xe0": "excel", b"PAR1": "parquet"}


@dataclass
class Table:
    """Cells of one table: ``frame`` under the file's header, indexed by the row
    number a spreadsheet shows (the header is row ``header_row``)."""

    frame: pd.DataFrame
    header_row: int
    encoding: str | None


def read_table(
    path: Path, is_header: Callable[[list[str]], bool] = lambda cells: True
) -> Table:
    """Read a ``.csv``/``.tsv``/``.xlsx``/``.parquet`` file into a :class:`Table`.

    The format is taken from the file's first bytes, then its name; text is
    decoded as UTF-8 (with or without BOM), else GB18030. Raises
    :class:`ExportError` naming the file for anything that is not a readable,
    non-empty table.
    """
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: no such file")
    if path.is_dir():
        raise ExportError(f"{path}: is a folder, expected a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        raise ExportError(f"{path}: cannot be read ({error.strerror})") from None
    if not head.strip():
        raise ExportError(f"{path}: is empty")
    kind = _MAGIC.get(head[:4]) or _kind_from_suffix(path)
    try:
        if kind == "excel":
            table = _read_excel(path, is_header)
        elif kind == "parquet":
            table = _read_parquet(path)
        else:
            table = _read_text(path, head, is_header)
    except ExportError:
        raise
    except Exception as error:
        # pandas, pyarrow and calamine raise many unrelated types for a broken
        # file; each becomes one line naming the file instead of a traceback.
        reason = (
            str(error).strip().splitlines()[0]
            if str(error).strip()
            else type(error).__name__
        )
        raise ExportError(f"{path}: cannot be read as a table ({reason})") from None
    if table.frame.empty and len(table.frame.columns) == 0:
        raise ExportError(f"{path}: has no columns")
    return table


def _kind_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return "excel"
    if suffix == ".parquet":
        return "parquet"
    return "text"


def _sample(path: Path, head: bytes, encoding: str) -> str | None:
    """The first :data:`SNIFF_BYTES` of the file decoded, or None if they are
    not in ``encoding`` (a character cut at the end is left out)."""
    if len(head) < SNIFF_BYTES:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None


def _find_header(rows: list[list[str]], is_header) -> int:
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if is_header(cells):
            return number
    return 0


def _read_text(path: Path, head: bytes, is_header) -> Table:
    if b"\x00" in head:
        raise ExportError(
            f"{path}: is a binary file, not a CSV/TSV table (is it UTF-16? "
            "save it as UTF-8 or GB18030)"
        )
    # Try each encoding on the first bytes, then let pandas decode the whole
    # file: a decode error further down means the file is in the next one.
    # (Decoding the whole file in Python first would hold it in memory twice.)
    for encoding in TEXT_ENCODINGS:
        sample = _sample(path, head, encoding)
        if sample is None:
            continue
        first_lines = sample.splitlines()[: HEADER_SEARCH_ROWS + 1]
        if path.suffix.lower() == ".tsv":
            sep = "\t"
        else:
            joined = "\n".join(first_lines)
            sep = "\t" if joined.count("\t") > joined.count(",") else ","
        rows = [next(csv.reader([line], delimiter=sep), []) for line in first_lines]
        header_at = _find_header(rows, is_header)
        try:
            frame = pd.read_csv(
                path,
                sep=sep,
                encoding=encoding,
                header=None,
                skiprows=header_at,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
            )
        except UnicodeDecodeError:
            continue
        return Table(_apply_header(frame, path, header_at), header_at + 1, encoding)
    raise ExportError(f"{path}: is neither UTF-8 nor GB18030/GBK text")


def _read_excel(path: Path, is_header) -> Table:
    grid = pd.read_excel(path, engine="calamine", header=None, dtype=str, sheet_name=0)
    grid = grid.fillna("")
    rows = grid.head(HEADER_SEARCH_ROWS).values.tolist()
    header_at = _find_header(rows, is_header)
    frame = grid.iloc[header_at:].reset_index(drop=True)
    return Table(_apply_header(frame, path, header_at), header_at + 1, None)


def _read_parquet(path: Path) -> Table:
    frame = pd.read_parquet(path)
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    return Table(frame, 1, None)


def _apply_header(grid: pd.DataFrame, path: Path, header_at: int) -> pd.DataFrame:
    """Turn the first row of ``grid`` into the header; index rows by the number a
    spreadsheet shows."""
    if grid.empty:
        raise ExportError(f"{path}: is empty")
    header = [str(cell).strip() for cell in grid.iloc[0]]
    body = grid.iloc[1:]
    keep = [i for i, name in enumerate(header) if name or body.iloc[:, i].ne("").any()]
    header = [header[i] or f"column_{i + 1}" for i in keep]
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in seen:
            raise ExportError(
                f"{path}: column '{name}' appears twice (columns {seen[name] + 1} "
                f"and {position + 1}); rename one of them"
            )
        seen[name] = position
    body = body.iloc[:, keep]
    body.columns = header
    first = header_at + 2
    body.index = pd.RangeIndex(first, first + len(body), name="row")
    body = body.fillna("")
    body = body[body.ne("").any(axis=1)]
    if body.empty:
        raise ExportError(f"{path}: has a header but no rows")
    return body


def check_writable(path: Path) -> str:
    """The output format of ``path`` (its lower-case extension); raises
    :class:`OutputError` for one that cannot be written, so that a command
    can refuse before doing its work."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITABLE:
        raise OutputError(
            f"{path}: cannot write '{suffix or 'no extension'}', use one of "
            + ", ".join(WRITABLE)
        )
    return suffix


def refuse_overwriting(output: Path, *inputs: Path) -> None:
    """Raise :class:`OutputError` if ``output`` is one of the input files:
    inputs are never modified."""
    output = Path(output)
    for source in inputs:
        if (
            output.exists()
            and Path(source).exists()
            and os.path.samefile(output, source)
        ):
            raise OutputError(
                f"{output}: is the input file; write the output somewhere else "
                "(inputs are never modified)"
            )


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` whole or not at all; the format follows the
    extension (``.csv`` in UTF-8 with BOM so Excel opens Chinese text right,
    ``.tsv``, ``.xlsx``, ``.parquet``)."""
    path = Path(path)
    suffix = check_writable(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=folder
    )
    os.close(handle)
    try:
        _write(frame, Path(temporary), suffix)
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot be written ({error.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write(frame: pd.DataFrame, path: Path, suffix: str) -> None:
    if suffix in {".csv", ".tsv"}:
        frame.to_csv(
            path,
            index=False,
            sep="\t" if suffix == ".tsv" else ",",
            encoding="utf-8-sig" if suffix == ".csv" else "utf-8",
            lineterminator="\n",
        )
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    else:
        # pyarrow cannot store a column of mixed Python objects; text it is.
        mixed = [c for c in frame.columns if frame[c].dtype == object]
        frame = frame.astype({c: "string" for c in mixed})
        frame.to_parquet(path, index=False)
