"""Faults on the output side (issue 22): text written as text, outputs that
never replace an input, and file-system faults as one line, not a traceback."""

from pathlib import Path

import openpyxl
from conftest import write_csv

from ranking.cli import cli

HOSTILE = "listing_id,title,=evil,category\n"
HOSTILE += '"=HYPERLINK(""x"")","=cmd|\' /C calc\'!A0",=1+1,=A1\n'
HOSTILE += "B2,ok,@SUM(A1),cat\n"


def _cells(path: Path) -> dict[str, str]:
    """Each cell's value → its openpyxl data type ('s' text, 'f' formula)."""
    sheet = openpyxl.load_workbook(path).active
    return {
        str(cell.value): cell.data_type
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def test_score_xlsx_writes_formula_looking_text_as_text(runner, tmp_path):
    export = write_csv(tmp_path / "x.csv", HOSTILE)
    output = tmp_path / "out.xlsx"
    result = runner.invoke(cli, ["score", str(export), "-o", str(output)])
    assert result.exit_code == 0, result.output
    cells = _cells(output)
    for text in ('=HYPERLINK("x")', "=cmd|' /C calc'!A0", "=evil", "=1+1", "=A1"):
        assert cells[text] == "s", text
    assert "f" not in cells.values()


def test_diff_xlsx_writes_formula_looking_text_as_text(runner, tmp_path):
    old = write_csv(tmp_path / "old.csv", HOSTILE)
    new = write_csv(tmp_path / "new.csv", HOSTILE.replace("B2,ok", "B2,better"))
    output = tmp_path / "diff.xlsx"
    result = runner.invoke(cli, ["diff", str(old), str(new), "-o", str(output)])
    assert result.exit_code == 0, result.output
    cells = _cells(output)
    assert cells['=HYPERLINK("x")'] == "s"
    assert "f" not in cells.values()
