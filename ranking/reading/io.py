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
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BufferedReader, RawIOBase
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from ranking.errors import ExportError
from ranking.messages import Said
from ranking.reading.excel import check_sheet_size

HEADER_SEARCH_ROWS = 20
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
SNIFF_BYTES = 1 << 16
READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")
#: Rows per chunk when an export is streamed; memory per chunk is about
#: 1 KiB a row through validation, features and fixes.
CHUNK_ROWS = 250_000
_MAGIC = {b"PK\x03\x04": "excel", b"\xd0\xcf\x11\xe0": "excel", b"PAR1": "parquet"}


@dataclass
class Table:
    """Cells of one table: ``frame`` under the file's header, indexed by the row
    number a spreadsheet shows (the header is row ``header_row``)."""

    frame: pd.DataFrame
    header_row: int
    encoding: str | None


@dataclass
class Layout:
    """How a table file is laid out: sniffed once by :func:`open_table`, then
    used by every pass over the file (:func:`iter_frames`).

    ``columns`` are the header's cells (a blank one named ``column_N``);
    ``dropped`` the blank-headed columns found empty in every row, set by the
    first full pass (:func:`read_table` or the export survey).
    """

    path: Path
    kind: str  # text | excel | parquet
    header_row: int
    columns: list[str]
    encoding: str | None = None
    sep: str = ","
    engine: str = "arrow"  # text only: arrow, or pandas for ragged rows
    dropped: list[str] = field(default_factory=list)
    blank_headed: list[str] = field(default_factory=list)
    candidates: tuple[str, ...] = ()  # encodings still to try
    lf_lines: bool = False  # text: lines end in LF or CRLF, not a lone CR
    _grid: pd.DataFrame | None = field(default=None, repr=False)


class RetryLayout(Exception):
    """Raised inside a first pass when the layout must change (another
    encoding, the pandas engine for ragged rows); the pass starts again."""


def open_table(
    path: Path, is_header: Callable[[list[str]], bool] = lambda cells: True
) -> Layout:
    """Sniff a ``.csv``/``.tsv``/``.xlsx``/``.parquet`` file: its format (from
    its first bytes, then its name), encoding (UTF-8 with or without BOM, else
    GB18030), separator and header row (the first of :data:`HEADER_SEARCH_ROWS`
    rows that ``is_header`` accepts). Raises :class:`ExportError` naming the
    file for anything that is not a readable table."""
    path = Path(path)
    if not path.exists():
        raise ExportError(Said("error.no_file", path=path))
    if path.is_dir():
        raise ExportError(Said("error.is_folder", path=path))
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise ExportError(
            Said("error.unreadable", path=path, why=error.strerror)
        ) from None
    if not head.strip():
        raise ExportError(Said("error.empty", path=path))
    kind = _MAGIC.get(head[:4]) or _kind_from_suffix(path)
    with _as_export_error(path):
        if kind == "excel":
            return _open_excel(path, is_header)
        if kind == "parquet":
            names = [str(c) for c in pq.ParquetFile(path).schema_arrow.names]
            return Layout(path, "parquet", 1, _header(names, path))
        return _open_text(path, head, is_header, TEXT_ENCODINGS)


def iter_frames(layout: Layout, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The rows of a table, ``chunk_rows`` at a time (about that many for
    text), under ``layout.columns``, indexed by the row number a spreadsheet
    shows; text and spreadsheet cells as text, rows with no cell dropped.

    May raise :class:`RetryLayout` on the first pass over a text file."""
    first = layout.header_row + 1
    with _as_export_error(layout.path):
        if layout.kind == "excel":
            frames = _excel_frames(layout, chunk_rows)
        elif layout.kind == "parquet":
            frames = _parquet_frames(layout, chunk_rows)
        elif layout.engine == "arrow":
            frames = _arrow_frames(layout, chunk_rows)
        else:
            frames = _pandas_frames(layout, chunk_rows)
        for frame in frames:
            frame.columns = layout.columns
            frame.index = pd.RangeIndex(first, first + len(frame), name="row")
            first += len(frame)
            if layout.kind == "text":
                _check_closed(layout, frame)
            if layout.dropped:
                frame = frame.drop(columns=layout.dropped)
            if layout.kind != "parquet":
                frame = frame[frame.ne("").any(axis=1)]
            yield frame


def _check_closed(layout: Layout, frame: pd.DataFrame) -> None:
    """Raise when a quoted field of the file's last row runs to the end of
    the file: its quote was never closed, and the rows after it were read
    into that one cell (``A1,"never closed\nA2,x`` is one listing whose
    title holds the next line). Arrow takes such a field silently.

    Only the last row of a chunk can be it; its cell with a line break in it
    is the suspect, and it ran to the end when the file ends with what
    starts that cell (the separator; a line end in the first column), a
    quote, and exactly the cell's text (quotes doubled, as inside a quoted
    field). A closed field is followed by its closing quote, so its text is
    not the file's end."""
    if frame.empty:
        return
    last = frame.iloc[-1]
    broken = [
        header
        for header, cell in last.items()
        if isinstance(cell, str) and ("\n" in cell or "\r" in cell)
    ]
    if not broken:
        return
    encoding = "utf-8" if layout.encoding in {None, "utf-8-sig"} else layout.encoding
    size = layout.path.stat().st_size
    for header in broken:
        written = last[header].replace('"', '""').encode(encoding, "replace")
        # The opening quote, and before it what starts the cell: the
        # separator, or a line end for the first column.
        first = header == frame.columns[0]
        starts = (b"\n", b"\r") if first else (layout.sep.encode(),)
        with layout.path.open("rb") as handle:
            handle.seek(max(0, size - len(written) - 2))
            tail = handle.read()
        if any(tail == start + b'"' + written for start in starts):
            raise ExportError(
                Said(
                    "error.quote_in_column",
                    path=layout.path,
                    row=frame.index[-1],
                    column=header,
                )
            )


def first_pass(
    layout: Layout,
    visit: Callable[[pd.DataFrame], None],
    restart: Callable[[], None] = lambda: None,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """Run ``visit`` on every frame of a first pass over a file. When the
    layout has to change (another encoding, ragged rows), ``restart`` is called
    and the pass starts again from the top. Settles which blank-headed columns
    are empty throughout: later passes leave them out."""
    while True:
        filled: set[str] = set()
        try:
            for frame in iter_frames(layout, chunk_rows):
                filled.update(c for c in layout.blank_headed if frame[c].ne("").any())
                visit(frame)
        except RetryLayout:
            restart()
            continue
        layout.dropped = [c for c in layout.blank_headed if c not in filled]
        return


def read_table(
    path: Path, is_header: Callable[[list[str]], bool] = lambda cells: True
) -> Table:
    """Read a whole table into a :class:`Table` (see :func:`open_table`)."""
    layout = open_table(path, is_header)
    frames: list[pd.DataFrame] = []
    first_pass(layout, frames.append, frames.clear)
    frame = pd.concat(frames) if len(frames) > 1 else frames[0] if frames else None
    if frame is not None:
        frame = frame.drop(columns=layout.dropped)
    if frame is None or frame.empty:
        raise ExportError(Said("error.no_rows", path=path))
    return Table(frame, layout.header_row, layout.encoding)


@contextmanager
def _as_export_error(path: Path):
    try:
        yield
    except (ExportError, RetryLayout):
        raise
    except Exception as error:
        # pandas, pyarrow and calamine raise many unrelated types for a broken
        # file; each becomes one line naming the file instead of a traceback.
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        raise ExportError(Said("error.not_a_table", path=path, reason=reason)) from None


def _kind_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return "excel"
    if suffix == ".parquet":
        return "parquet"
    return "text"


def _decoded(head: bytes, encoding: str) -> str | None:
    """``head`` decoded, or None if it is not in ``encoding`` (a character cut
    at the end is left out)."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None


def _find_header(rows: list[list[str]], is_header) -> int:
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if is_header(cells):
            return number
    return 0


def _header(cells: list, path: Path) -> list[str]:
    """Header names: stripped, a blank one named ``column_N``, none twice."""
    header = [str(cell).strip() for cell in cells]
    header = [name or f"column_{i + 1}" for i, name in enumerate(header)]
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in seen:
            raise ExportError(
                Said(
                    "error.column_twice",
                    path=path,
                    column=name,
                    first=seen[name] + 1,
                    second=position + 1,
                )
            )
        seen[name] = position
    return header


def _blank_headed(cells: list) -> list[str]:
    return [f"column_{i + 1}" for i, cell in enumerate(cells) if not str(cell).strip()]


def _open_text(path: Path, head: bytes, is_header, encodings) -> Layout:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows "Unicode" text, as some 淘宝助理 item-list writers save it.
        encodings = ("utf-16",)
        head = head[: len(head) - len(head) % 2]
    elif b"\x00" in head:
        raise ExportError(Said("error.binary", path=path))
    for at, encoding in enumerate(encodings):
        sample = _decoded(head, encoding)
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
        if header_at >= len(rows) or not any(c.strip() for c in rows[header_at]):
            raise ExportError(Said("error.empty", path=path))
        cells = rows[header_at]
        if encoding.startswith("utf-8") and _cut_character(path):
            raise ExportError(Said("error.cut_short", path=path))
        return Layout(
            path,
            "text",
            header_at + 1,
            _header(cells, path),
            encoding=encoding,
            sep=sep,
            blank_headed=_blank_headed(cells),
            candidates=tuple(encodings[at + 1 :]),
            lf_lines=b"\n" in head,
        )
    raise ExportError(Said("error.encoding", path=path))


def _cut_character(path: Path) -> bool:
    """True when a UTF-8 file's last bytes are the start of a character and
    no more: the file was cut. Arrow, meeting such a row, prints a traceback
    from its row handler; or the file would be read again as GB18030 and
    every Chinese cell garbled. Judged from the last 64 KiB, which must be
    UTF-8 up to that last character (a GB18030 file's is not)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - SNIFF_BYTES))
        tail = handle.read()
    if not tail or tail[-1] < 0x80:
        return False
    start = 0  # the tail may begin inside a character
    while start < min(3, len(tail)) and 0x80 <= tail[start] <= 0xBF:
        start += 1
    try:
        tail[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            error.reason == "unexpected end of data" and error.end == len(tail) - start
        )
    return False


def _wrong_encoding(layout: Layout) -> Exception:
    """Bytes further down the file are not in the encoding the first 64 KiB
    suggested: try the next one, or give up naming the file."""
    if not layout.candidates:
        return ExportError(Said("error.encoding", path=layout.path))
    layout.encoding, layout.candidates = layout.candidates[0], layout.candidates[1:]
    return RetryLayout()


#: Stands in for a carriage return inside a cell while a reader splits rows
#: (a NUL byte: never in a text table, refused in its first 64 KiB).
_CELL_CR = "\x00"
_BARE_CR = re.compile(rb"\r(?!\n)")


class _CellReturns(RawIOBase):
    """A text table's bytes with each carriage return that is not part of a
    CRLF line end turned into :data:`_CELL_CR`, for a file whose lines end
    in LF or CRLF. There a lone CR is a character of a cell: pandas'
    ``to_csv`` writes a title holding one without quotes, and both readers
    would end the row there (the fragment read as a listing, the rest as
    another). ``replaced`` says whether any was, for :func:`_cell_returns`.
    Only for encodings where byte 0x0D is always a CR (UTF-8, GB18030)."""

    def __init__(self, path: Path):
        self._file = path.open("rb")
        self._held = b""  # a CR at a block's end: is a LF next?
        self.replaced = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # One byte of room for the LF that may follow a CR at the block's end.
        room = len(buffer) - 1 - len(self._held)
        block = self._held + (self._file.read(room) if room > 0 else b"")
        self._held = b""
        if block.endswith(b"\r"):
            more = self._file.read(1)
            if more:
                self._held = more
                if more == b"\n":
                    block, self._held = block + more, b""
        if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
            block = _BARE_CR.sub(_CELL_CR.encode(), block)
            self.replaced = True
        buffer[: len(block)] = block
        return len(block)

    def close(self) -> None:
        self._file.close()
        super().close()


def _source(layout: Layout):
    """What a reader opens: the file, or :class:`_CellReturns` of it when
    its lines end in LF (CRLF too)."""
    if layout.lf_lines and layout.encoding != "utf-16":
        return _CellReturns(layout.path)
    return layout.path


def _cell_returns(source, frame: pd.DataFrame) -> pd.DataFrame:
    """The carriage returns :class:`_CellReturns` stood in for, back in
    their cells."""
    if isinstance(source, _CellReturns) and source.replaced:
        return frame.apply(lambda c: c.str.replace(_CELL_CR, "\r", regex=False))
    return frame


def _arrow_frames(layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    names = [f"c{i}" for i in range(len(layout.columns))]
    ragged = []

    def on_invalid_row(row) -> str:
        ragged.append(row)
        return "skip"

    # The BOM sits on a line that is skipped (the header's or one above it).
    encoding = "utf8" if layout.encoding in {"utf-8", "utf-8-sig"} else layout.encoding
    block = int(min(1 << 28, max(1 << 12, _bytes_per_line(layout) * chunk_rows)))
    source = _source(layout)
    try:
        reader = pv.open_csv(
            source,
            read_options=pv.ReadOptions(
                skip_rows=layout.header_row,
                column_names=names,
                encoding=encoding,
                block_size=block,
            ),
            parse_options=pv.ParseOptions(
                delimiter=layout.sep,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            if ragged:
                # A row with fewer or more cells than the header: pandas pads
                # the short ones as spreadsheets show them, or names the long one.
                layout.engine = "pandas"
                raise RetryLayout()
            frame = batch.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
            yield _cell_returns(source, frame)
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # open_csv reads its first block at once, so either may be the first
        # to meet bytes that are not in the encoding.
        if isinstance(error, UnicodeDecodeError) or "UTF8" in str(error):
            raise _wrong_encoding(layout) from None
        raise
    finally:
        if isinstance(source, _CellReturns):
            source.close()


def _bytes_per_line(layout: Layout) -> float:
    """Bytes a line takes, from the first lines of the file."""
    with layout.path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    return len(sample) / max(1, sample.count(b"\n"))


def _pandas_frames(layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    source = _source(layout)
    handle = BufferedReader(source) if isinstance(source, _CellReturns) else source
    reader = pd.read_csv(
        handle,
        sep=layout.sep,
        encoding=layout.encoding,
        header=None,
        names=range(len(layout.columns)),
        skiprows=layout.header_row,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        chunksize=chunk_rows,
    )
    try:
        for frame in reader:
            yield _cell_returns(source, frame.fillna("").astype("string"))
    except UnicodeDecodeError:
        raise _wrong_encoding(layout) from None
    except pd.errors.ParserError as error:
        # The C engine names the row of a quote never closed, counting the
        # file's lines from 0; said as _check_closed says it for Arrow.
        opened = re.search(r"EOF inside string starting at row (\d+)", str(error))
        if not opened:
            raise
        raise ExportError(
            Said("error.quote", path=layout.path, row=int(opened.group(1)) + 1)
        ) from None
    finally:
        if isinstance(source, _CellReturns):
            handle.close()


def _open_excel(path: Path, is_header) -> Layout:
    check_sheet_size(path)
    grid = pd.read_excel(path, engine="calamine", header=None, dtype=str, sheet_name=0)
    grid = grid.fillna("")
    rows = grid.head(HEADER_SEARCH_ROWS).values.tolist()
    if not rows:
        raise ExportError(Said("error.empty", path=path))
    header_at = _find_header(rows, is_header)
    cells = rows[header_at]
    body = grid.iloc[header_at + 1 :].reset_index(drop=True).astype("string")
    return Layout(
        path,
        "excel",
        header_at + 1,
        _header(cells, path),
        blank_headed=_blank_headed(cells),
        _grid=body,
    )


def _excel_frames(layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    grid = layout._grid
    for start in range(0, len(grid), chunk_rows):
        yield grid.iloc[start : start + chunk_rows].copy()


def _parquet_frames(layout: Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    for batch in pq.ParquetFile(layout.path).iter_batches(batch_size=chunk_rows):
        yield batch.to_pandas()
