"""How big an .xlsx sheet gets, and what reading it costs: the numbers
behind ranking.reading.excel's cap on the sheet (MAX_SHEET_BYTES, MAX_SHEET_RATIO).

    .venv/bin/python bench/xlsx_bomb.py [ROWS] [FOLDER]

Writes a back-office-like export of ROWS rows × 30 columns (12-digit ids,
Chinese titles, prices, counts, rates, dates) with XlsxWriter, and a bomb
(a small file whose sheet is one cell repeated), then for each prints the
sheet's size in the zip directory, its compression ratio, and the time and
peak memory of reading it as `ranking check` does (each in a fresh process).
"""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np


def export(path: Path, rows: int) -> None:
    import xlsxwriter

    rng = np.random.default_rng(0)
    words = list("连衣裙女夏季新款韩版宽松显瘦碎花长裙学生百搭透气纯棉短袖T恤")
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("商品")
    header = [
        "商品ID",
        "商品名称",
        "类目",
        "价格",
        "访客数",
        "浏览量",
        "支付件数",
        "支付买家数",
        "收藏人数",
        "加购人数",
        "支付转化率",
        "上架时间",
    ]
    header += [f"指标{k}" for k in range(30 - len(header))]
    sheet.write_row(0, 0, header)
    for r in range(1, rows + 1):
        title = "".join(rng.choice(words, 24))
        row = [
            str(600_000_000_000 + r * 7919),
            title,
            f"女装/连衣裙/{r % 40}",
            round(float(rng.gamma(2, 60)), 2),
        ]
        row += [int(v) for v in rng.integers(0, 5000, 6)]
        row += [
            round(float(rng.random()), 4),
            f"2025-{r % 12 + 1:02d}-{r % 28 + 1:02d}",
        ]
        row += [int(v) for v in rng.integers(0, 100000, 30 - len(row))]
        sheet.write_row(r, 0, row)
    book.close()


def bomb(path: Path, rows: int) -> None:
    """A sheet of ``rows`` rows of 30 identical cells, written to the zip by
    hand (deflate level 9): the shape of the issue's 4 MB → 288 MB file."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD)
            cells = b"".join(
                b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(30)
            )
            block = b"<row>" + cells + b"</row>"
            for _ in range(rows // 1000):
                sheet.write(block * 1000)
            sheet.write(SHEET_TAIL)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
    '.org/package/2006/content-types"><Default Extension="rels" ContentType="'
    'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
    '"xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    '.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="'
    'Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    '" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"

READ = """
import resource, sys, time
from ranking.reading import io
from ranking.errors import ExportError
start = time.perf_counter()
try:
    layout = io.open_table(sys.argv[1])
    what = f"read {len(layout._grid):,} rows"
except ExportError as error:
    what = f"refused: {error}"
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{took:.2f} s, peak {peak:,.0f} MB: {what}")
"""


def measure(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    print(
        f"{path.name}: {path.stat().st_size / 1e6:.1f} MB on disk, sheet "
        f"{info.file_size / 1e6:.1f} MB ({info.file_size / info.compress_size:.0f}×)"
    )
    print(
        "   ",
        subprocess.run(
            [sys.executable, "-c", READ, str(path)], capture_output=True, text=True
        ).stdout.strip(),
    )


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = Path(sys.argv[2] if len(sys.argv) > 2 else ".")
    start = time.perf_counter()
    export(folder / "export.xlsx", rows)
    bomb(folder / "bomb.xlsx", 250_000)
    print(f"(written in {time.perf_counter() - start:.0f} s)")
    for name in ("export.xlsx", "bomb.xlsx"):
        measure(folder / name)
