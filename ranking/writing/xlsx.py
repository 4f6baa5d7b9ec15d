"""Excel for people: scaled numbers, widths that fit Chinese, text kept as
text (never a formula), Excel's row and cell limits said, not hit."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.text import display_width

SCALED = ("weight", "category_percentile", "change")
SCALED_SUFFIX = ("_gain",)
#: Widest column, in Latin character widths: long titles are cut on screen,
#: not in the cell.
MAX_WIDTH = 60
#: Rows read to size the columns (the widest value of the first ones).
WIDTH_SAMPLE = 2000


#: The most rows below the header an Excel sheet holds; XlsxWriter drops
#: the rest without a word, so a larger table is refused instead.
EXCEL_ROWS_MAX = 1_048_575
#: The most characters an Excel cell holds; XlsxWriter cuts longer text
#: silently, so we cut it ourselves and count.
EXCEL_TEXT_MAX = 32_767


def write_excel(
    frame: pd.DataFrame, path: Path, headers: Mapping[str, str] | None = None
) -> int:
    """An Excel file made for people (XlsxWriter, streamed row by row with
    ``constant_memory``): the header row and the first column frozen, an
    autofilter, a colour scale on weights, percentiles, changes and gains, and
    column widths that fit Chinese text (a CJK character is two columns wide
    — XlsxWriter's ``autofit`` counts it as one). Returns how many cells were
    cut to :data:`EXCEL_TEXT_MAX` characters."""
    import xlsxwriter

    # Text is written as text: by default XlsxWriter turns a string starting
    # with "=" into a live formula (a title "=HYPERLINK(...)" or "=cmd|..."
    # from a hostile export would run in the operator's Excel), and one that
    # looks like a URL into a hyperlink.
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "nan_inf_to_errors": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        sheet = book.add_worksheet()
        header = book.add_format({"bold": True, "bg_color": "#EEEEEE", "bottom": 1})
        decimal = book.add_format({"num_format": "0.00"})
        columns = [str(c) for c in frame.columns]
        shown = [(headers or {}).get(name, name) for name in columns]
        _size_columns(sheet, frame.head(WIDTH_SAMPLE), shown, decimal)
        cut = _write_header(sheet, columns, shown, header)
        cut += _write_rows(sheet, frame)
        last = len(frame)
        sheet.freeze_panes(1, 1)
        if columns:
            sheet.autofilter(0, 0, max(last, 1), len(columns) - 1)
        _colour_scales(sheet, columns, last)
    finally:
        _close_book(book)
    return cut


def _size_columns(sheet, sample: pd.DataFrame, shown: list[str], decimal) -> None:
    """Each column as wide as its header or its widest value in ``sample``
    (up to :data:`MAX_WIDTH`), floats shown with two decimals."""
    for j, name in enumerate(shown):
        values = sample.iloc[:, j]
        widest = max(
            [display_width(name)]
            + [display_width(_excel_text(v)) for v in values if _present(v)]
        )
        floats = values.dtype.kind == "f"
        sheet.set_column(j, j, min(widest, MAX_WIDTH) + 2, decimal if floats else None)


def _write_header(sheet, columns: list[str], shown: list[str], style) -> int:
    """The header row, a header shown under another name keeping its own in a
    comment; returns how many headers were cut to fit a cell."""
    cut = sum(len(word) > EXCEL_TEXT_MAX for word in shown)
    shown = [_fits_excel(word) for word in shown]
    sheet.write_row(0, 0, shown, style)
    for j, (name, word) in enumerate(zip(columns, shown, strict=True)):
        if word != name:
            sheet.write_comment(0, j, name)
    return cut


def _write_rows(sheet, frame: pd.DataFrame) -> int:
    """The rows below the header, missing values as empty cells; returns how
    many cells were cut to :data:`EXCEL_TEXT_MAX` characters."""
    cut = 0
    cells = frame.astype(object).where(frame.notna(), None)
    for i, row in enumerate(cells.itertuples(index=False, name=None), start=1):
        values = [_excel_value(v) for v in row]
        long = sum(isinstance(v, str) and len(v) > EXCEL_TEXT_MAX for v in values)
        if long:
            cut += long
            values = [_fits_excel(v) for v in values]
        sheet.write_row(i, 0, values)
    return cut


def _colour_scales(sheet, columns: list[str], last: int) -> None:
    """A red-yellow-green scale on weights, percentiles, changes and gains
    (rows 1 to ``last``)."""
    for j, name in enumerate(columns):
        if last and (name in SCALED or name.endswith(SCALED_SUFFIX)):
            sheet.conditional_format(
                1,
                j,
                last,
                j,
                {
                    "type": "3_color_scale",
                    "min_color": "#F8696B",
                    "mid_color": "#FFEB84",
                    "max_color": "#63BE7B",
                },
            )


def _fits_excel(value):
    """Text cut to what an Excel cell holds."""
    if isinstance(value, str) and len(value) > EXCEL_TEXT_MAX:
        return value[:EXCEL_TEXT_MAX]
    return value


def _close_book(book) -> None:
    """Close (that is, write) a workbook; XlsxWriter wraps the file system's
    error (disk full, folder gone) in its own exception, given back here as
    the OSError it is, which the writers turn into one line."""
    from xlsxwriter.exceptions import XlsxFileError

    try:
        book.close()
    except XlsxFileError as error:
        # A failed close leaves each sheet's row file (constant_memory) open.
        for sheet in book.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
            left = getattr(sheet, "row_data_filename", None)
            if left:
                Path(left).unlink(missing_ok=True)
        cause = error.args[0] if error.args else None
        if isinstance(cause, OSError):
            raise cause from None
        raise OSError(str(error)) from None


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def _excel_text(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.2f}"
    return str(value)


def _excel_value(value):
    """A cell as XlsxWriter takes it: numpy scalars as Python ones, missing
    as empty, timestamps as text."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    return value
