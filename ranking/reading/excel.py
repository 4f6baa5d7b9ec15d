"""An Excel file checked before it is opened: its first sheet's size and
compression ratio read from the zip directory alone, so that a sheet too
large to read, or a decompression bomb, is refused before anything is
decompressed (``bench/xlsx_bomb.py`` measures what the caps allow).

>>> check_sheet_size(Path("tests/fixtures/export.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from ranking.errors import ExportError
from ranking.messages import Said

#: Largest sheet read from an Excel file, in bytes of its XML (the first
#: sheet and the shared strings, as the zip directory gives them, before
#: anything is decompressed): Excel's last row (1,048,576) × 30 columns at
#: 40 bytes a cell. A back-office-like export of 100,000 rows × 30 columns
#: has a 110 MB sheet (37 bytes a cell) read in 6.3 s at a 615 MB peak
#: (bench/xlsx_bomb.py); a sheet at this cap would take ~70 s and ~6 GB. An
#: ``.xls`` is not compressed: its file size is held to this cap.
MAX_SHEET_BYTES = 1_048_576 * 30 * 40
#: Largest compression ratio of a sheet above :data:`BOMB_FLOOR_BYTES`.
#: Real sheets compress 5-7× (the fixtures' 生意参谋 exports 5.7-6.8×, the
#: 100,000-row export 5×); a sheet of one id and 29 identical cells a row,
#: the most repetitive export we could make, 12.6-13.7×, because each cell
#: carries its own reference (r="Q123"). A bomb of repeated cells compresses
#: 100-1000× (the issue's 4 MB → 288 MB file: 72×; bench/xlsx_bomb.py's
#: 1.1 MB → 288 MB: 274×, 13.7 s to read).
MAX_SHEET_RATIO = 50
#: Below this a sheet is read whatever its ratio: 16 MB of XML reads in ~1 s.
BOMB_FLOOR_BYTES = 16 * 2**20


def _first_sheet(book) -> list[str]:
    """The zip members calamine decompresses to read a workbook's first
    sheet: that sheet (from ``xl/workbook.xml`` and its relationships, each
    a few KB, read only when small) and the shared strings. Where the sheet
    cannot be told, the largest worksheet stands for it."""

    names = set(book.namelist())
    sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    shared = [n for n in names if n.lower() == "xl/sharedstrings.xml"]
    largest = sorted(sheets, key=lambda n: book.getinfo(n).file_size)[-1:]
    small = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
    if not all(n in names and book.getinfo(n).file_size < 2**20 for n in small):
        return largest + shared
    try:
        relations = (
            "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
        )
        workbook = ET.fromstring(book.read(small[0]))
        first = next(e for e in workbook.iter() if e.tag.endswith("}sheet"))
        rid = first.get(f"{relations}id")
        rels = ET.fromstring(book.read(small[1]))
        target = next(e.get("Target") for e in rels if e.get("Id") == rid)
    except (ET.ParseError, StopIteration):
        return largest + shared
    # Targets are relative to xl/ ("worksheets/sheet1.xml") or absolute.
    name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    name = posixpath.normpath(name)
    return ([name] if name in names else largest) + shared


def check_sheet_size(path: Path) -> None:
    """Refuse (:class:`ExportError`) an Excel file whose first sheet would
    expand beyond :data:`MAX_SHEET_BYTES`, or by more than
    :data:`MAX_SHEET_RATIO` (a decompression bomb), from the zip directory
    alone: nothing is decompressed. An ``.xls`` is held to the size cap."""

    limit = f"{MAX_SHEET_BYTES / 1e9:.2f} GB"
    if not zipfile.is_zipfile(path):  # .xls: the file is what is read
        size = path.stat().st_size
        if size > MAX_SHEET_BYTES:
            raise ExportError(
                Said("error.sheet_file_size", path=path, size=size / 1e9, limit=limit)
            )
        return
    with zipfile.ZipFile(path) as book:
        members = [book.getinfo(n) for n in _first_sheet(book)]
    expanded = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if expanded > MAX_SHEET_BYTES:
        raise ExportError(
            Said("error.sheet_size", path=path, size=expanded / 1e9, limit=limit)
        )
    if expanded > BOMB_FLOOR_BYTES and expanded / packed > MAX_SHEET_RATIO:
        raise ExportError(
            Said(
                "error.sheet_bomb",
                path=path,
                ratio=expanded / packed,
                packed=packed / 1e6,
                expanded=expanded / 1e6,
                most=MAX_SHEET_RATIO,
            )
        )
