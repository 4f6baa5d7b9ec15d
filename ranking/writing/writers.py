"""Tables written chunk by chunk (csv, tsv, parquet, xlsx) or as a folder
of parquet parts (a dataset), flat in memory, put in place at the end."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from ranking.errors import OutputError, OutputWarning
from ranking.messages import Said
from ranking.writing import xlsx
from ranking.writing.atomic import (
    check_writable,
    output_folder,
    put_in_place,
    temporary_beside,
    usual_mode,
)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` whole or not at all; the format follows the
    extension (``.csv`` in UTF-8 with BOM so Excel opens Chinese text right,
    ``.tsv``, ``.xlsx``, ``.parquet``)."""
    with TableWriter(path) as writer:
        writer.write(frame)


class TableWriter:
    """Write a table chunk by chunk to a temporary file beside ``path``, and
    rename it into place only when every chunk is written: the output is whole
    or absent, and memory holds one chunk (an ``.xlsx`` is assembled at the
    end: a workbook cannot be streamed by the writers we use).

    ``headers`` gives an ``.xlsx`` header row words for people (``{"weight":
    "权重"}``); each such cell keeps the column's name as its comment.

    >>> with TableWriter(Path("out.csv")) as writer:      # doctest: +SKIP
    ...     for chunk in chunks:
    ...         writer.write(chunk)
    """

    def __init__(self, path: Path, headers: Mapping[str, str] | None = None):
        self.path = Path(path)
        self.headers = dict(headers or {})
        self.suffix = check_writable(self.path)
        self._folder = output_folder(self.path)
        self._temporary: Path | None = None
        self._sink = None
        self._writer = None
        self._frames: list[pd.DataFrame] = []
        self.rows = 0

    def __enter__(self) -> TableWriter:
        self._temporary = temporary_beside(self.path)
        return self

    def write(self, frame: pd.DataFrame) -> None:
        try:
            self._write(frame)
        except OSError as error:
            raise OutputError(
                Said(
                    "error.not_written",
                    path=self.path,
                    why=error.strerror or str(error),
                )
            ) from None
        self.rows += len(frame)
        if self.suffix == ".xlsx" and self.rows > xlsx.EXCEL_ROWS_MAX:
            # Said as soon as it is known, before the rows pile up in memory.
            raise OutputError(
                Said("error.xlsx_rows", path=self.path, most=xlsx.EXCEL_ROWS_MAX)
            )

    def _write(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".xlsx":
            self._frames.append(frame)
            return

        table = pa.Table.from_pandas(_arrow_ready(frame), preserve_index=False)
        if self._writer is None:
            self._open(table.schema)
        elif table.schema != self._writer_schema:
            table = table.cast(self._writer_schema)
        self._writer.write_table(table)

    def _open(self, schema) -> None:
        self._writer_schema = schema
        if self.suffix == ".parquet":
            self._writer = pq.ParquetWriter(self._temporary, schema)
            return

        self._sink = pa.OSFile(str(self._temporary), "wb")
        if self.suffix == ".csv":
            self._sink.write(b"\xef\xbb\xbf")  # so Excel reads Chinese as UTF-8
        self._writer = pv.CSVWriter(
            self._sink,
            schema,
            write_options=pv.WriteOptions(
                delimiter="\t" if self.suffix == ".tsv" else ",",
                quoting_style="needed",
            ),
        )

    def _close_writers(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._sink is not None:
            self._sink.close()

    def __exit__(self, kind, error, trace) -> None:
        temporary = self._temporary
        try:
            if kind is not None:
                self._close_writers()
                return
            if self.suffix == ".xlsx":
                whole = pd.concat(self._frames) if self._frames else pd.DataFrame()
                cut = xlsx.write_excel(whole, temporary, self.headers)
                if cut:
                    warnings.warn(
                        OutputWarning(
                            Said(
                                "error.cells_cut",
                                path=self.path,
                                count=cut,
                                most=xlsx.EXCEL_TEXT_MAX,
                            )
                        ),
                        stacklevel=2,
                    )
            elif self._writer is None:
                self._write(pd.DataFrame())
            self._close_writers()
            put_in_place(temporary, self.path)
            temporary = None
        except OSError as failure:
            raise OutputError(
                Said(
                    "error.not_written",
                    path=self.path,
                    why=failure.strerror or str(failure),
                )
            ) from None
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


#: A dataset folder's files, as :class:`DatasetWriter` and the Dask engine
#: name them (Spark and Dask write ``part.N.parquet``; we number with zeros
#: so the names sort in row order too).
PART = "part-{:05d}.parquet"
_PART_NAME = re.compile(r"part-\d{5,}\.parquet")
#: Rows per file of a dataset folder written on one machine.
PART_ROWS = 1_000_000


def is_dataset(path: Path) -> bool:
    """True for an output that is a folder of parquet files (a dataset): a
    name without an extension, or an existing folder.

    >>> is_dataset(Path("scored/")), is_dataset(Path("scored.csv"))
    (True, False)
    """
    path = Path(path)
    return path.is_dir() or not path.suffix


def check_dataset(path: Path) -> None:
    """Raise :class:`OutputError` unless ``path`` can become a dataset folder:
    its parent exists, and it is new, empty, or a dataset written before (only
    ``part-NNNNN.parquet`` files, which are replaced)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(Said("error.no_folder", path=path, folder=folder))
    if path.exists() and not path.is_dir():
        raise OutputError(Said("error.dataset_is_file", path=path))
    if path.is_dir():
        others = [p.name for p in path.iterdir() if not _PART_NAME.fullmatch(p.name)]
        if others:
            raise OutputError(Said("error.dataset_used", path=path, other=others[0]))


def staging_folder(path: Path) -> Path:
    """A new hidden folder beside ``path`` to write a dataset into."""
    return temporary_beside(path, folder=True)


def publish_folder(staging: Path, path: Path) -> None:
    """Put a written dataset folder in place of ``path`` (a dataset written
    before is replaced: renamed aside, then deleted)."""
    os.chmod(staging, usual_mode(0o777))  # mkdtemp makes it private
    old = None
    if path.exists():
        old = Path(
            tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=staging.parent)
        )
        os.replace(path, old / path.name)
    os.replace(staging, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def same_schema_parts(folder: Path) -> None:
    """Give every part file of a dataset folder the first one's column types
    (parts written apart may type a column differently, say a column empty
    in one part), so that readers take the folder as one table."""
    parts = sorted(p for p in folder.iterdir() if _PART_NAME.fullmatch(p.name))
    if not parts:
        return
    schema = pq.read_schema(parts[0])
    for part in parts[1:]:
        if pq.read_schema(part).equals(schema, check_metadata=False):
            continue
        try:
            table = pq.read_table(part).cast(schema)
        except (ValueError, TypeError) as error:
            raise OutputError(
                Said(
                    "error.part_columns",
                    path=part,
                    first=parts[0].name,
                    error=str(error),
                )
            ) from None
        pq.write_table(table, part)


class DatasetWriter:
    """Write a table chunk by chunk as a dataset folder — parquet files of
    :data:`PART_ROWS` rows (``part-00000.parquet``, ...) — into a temporary
    folder beside ``path``, renamed into place when every chunk is written:
    the folder is whole or absent (a dataset written there before stays
    until the new one is complete)."""

    def __init__(self, path: Path, part_rows: int = PART_ROWS):
        self.path = Path(path)
        check_dataset(self.path)
        self.part_rows = part_rows
        self.rows = 0
        self.parts = 0
        self._staging: Path | None = None
        self._writer = None
        self._schema = None
        self._in_part = 0

    def __enter__(self) -> DatasetWriter:
        self._staging = staging_folder(self.path)
        return self

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(_arrow_ready(frame), preserve_index=False)
        if self._schema is None:
            self._schema = table.schema
        elif not table.schema.equals(self._schema):
            table = table.cast(self._schema)
        try:
            if self._writer is None:
                part = self._staging / PART.format(self.parts)
                self._writer = pq.ParquetWriter(part, self._schema)
            self._writer.write_table(table)
        except OSError as error:
            raise OutputError(
                Said(
                    "error.not_written",
                    path=self.path,
                    why=error.strerror or str(error),
                )
            ) from None
        self.rows += len(frame)
        self._in_part += len(frame)
        if self._in_part >= self.part_rows:
            self._writer.close()
            self._writer, self._in_part = None, 0
            self.parts += 1

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
                self.parts += 1
            if kind is None:
                publish_folder(self._staging, self.path)
                self._staging = None
        except OSError as failure:
            raise OutputError(
                Said("error.not_written", path=self.path, why=failure.strerror)
            ) from None
        finally:
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)


def open_writer(path: Path) -> TableWriter | DatasetWriter:
    """The writer of an output: a dataset folder or one file (see
    :func:`is_dataset`)."""
    return DatasetWriter(path) if is_dataset(path) else TableWriter(path)


def _arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Arrow can store: a column of mixed Python objects as text."""
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    frame = frame.astype({c: "string" for c in mixed}) if mixed else frame
    frame.columns = [str(c) for c in frame.columns]
    return frame


#: Columns an operator reads as "higher is better": a red-to-green colour
#: scale makes the weak and the strong rows visible at a glance.
