"""Faults on the output side (issue 22): text written as text, outputs that
never replace an input, and file-system faults as one line, not a traceback."""

from pathlib import Path

import openpyxl
import pytest
from conftest import write_csv

from ranking.writing import xlsx

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


def test_score_xlsx_writes_formula_looking_text_as_text(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", HOSTILE)
    output = tmp_path / "out.xlsx"
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 0, result.output
    cells = _cells(output)
    for text in ('=HYPERLINK("x")', "=cmd|' /C calc'!A0", "=evil", "=1+1", "=A1"):
        assert cells[text] == "s", text
    assert "f" not in cells.values()


def test_diff_xlsx_writes_formula_looking_text_as_text(run_cli, tmp_path):
    old = write_csv(tmp_path / "old.csv", HOSTILE)
    new = write_csv(tmp_path / "new.csv", HOSTILE.replace("B2,ok", "B2,better"))
    output = tmp_path / "diff.xlsx"
    result = run_cli("diff", old, new, "-o", output)
    assert result.exit_code == 0, result.output
    cells = _cells(output)
    assert cells['=HYPERLINK("x")'] == "s"
    assert "f" not in cells.values()


PLAIN = "listing_id,title,visitors\nA1,one,10\nA2,two,-1\nA3,three,5\n"


def _refused(result, *named):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "is the input file" in lines[0] or "holds the input file" in lines[0]
    for path in named:
        assert str(path) in lines[0]


def test_score_default_rejects_file_never_replaces_the_input(run_cli, tmp_path):
    export = write_csv(tmp_path / "scored.rejects.csv", PLAIN)
    output = tmp_path / "scored.csv"
    result = run_cli("score", export, "-o", output)
    _refused(result, export)
    assert export.read_text() == PLAIN
    assert not output.exists()


def test_score_rejects_given_as_the_input_through_a_symlink(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", PLAIN)
    (tmp_path / "link.csv").symlink_to(export)
    output = tmp_path / "out.csv"
    args = ["score", str(export), "-o", str(output), "--rejects"]
    result = run_cli(*args, tmp_path / "link.csv")
    _refused(result, export, tmp_path / "link.csv")
    assert export.read_text() == PLAIN and not output.exists()


def test_score_rejects_that_is_the_output_is_refused(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", PLAIN)
    output = tmp_path / "out.csv"
    args = ["score", str(export), "-o", str(output), "--rejects", str(output)]
    result = run_cli(*args)
    assert result.exit_code == 2 and "is the output too" in result.stderr
    assert not output.exists()


def test_report_diff_and_train_outputs_never_replace_an_input(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", PLAIN)
    other = write_csv(tmp_path / "y.csv", PLAIN)
    report = run_cli("report", export, "-o", export)
    _refused(report, export)
    diff = run_cli("diff", other, export, "-o", export)
    _refused(diff, export)
    folder = tmp_path / "m"
    folder.mkdir()
    inside = write_csv(folder / "model.json", PLAIN)
    train = run_cli("train", inside, "-o", folder)
    _refused(train, folder, inside)
    assert export.read_text() == PLAIN and inside.read_text() == PLAIN


@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out.xlsx", "scored"])
def test_score_into_a_folder_that_refuses_files_is_one_line(
    run_cli, tmp_path, monkeypatch, name
):
    # Root ignores a 0o500 folder's permissions: the refusal is simulated
    # where every writer makes its temporary (mkstemp, mkdtemp).
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    export = write_csv(tmp_path / "x.csv", PLAIN)
    out = tmp_path / "locked"
    out.mkdir()
    result = run_cli("score", export, "-o", out / name)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: {out / name}: cannot write in folder {out} (Permission denied)"
    ]
    assert list(out.iterdir()) == []


def _commands(export: Path, other: Path, output: Path) -> dict[str, list[str]]:
    return {
        "score": ["score", str(export), "-o", str(output / "s.csv")],
        "score-xlsx": ["score", str(export), "-o", str(output / "s.xlsx")],
        "dataset": ["score", str(export), "-o", str(output / "scored")],
        "report": ["report", str(export), "-o", str(output / "r.html")],
        "diff": ["diff", str(other), str(export), "-o", str(output / "d.xlsx")],
        "check": ["check", str(export), "--rejects", str(output / "rej.csv")],
        "train": ["train", str(export), "-o", str(output / "model")],
    }


@pytest.mark.parametrize("command", sorted(_commands(Path(), Path(), Path())))
def test_every_output_under_a_regular_file_is_one_line(run_cli, tmp_path, command):
    # A path under a regular file fails for root too.
    export = write_csv(tmp_path / "x.csv", PLAIN)
    other = write_csv(tmp_path / "y.csv", PLAIN)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    args = _commands(export, other, blocker)[command]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert str(blocker) in lines[0]
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("command", ["report", "check", "train", "diff"])
def test_other_commands_in_a_folder_that_refuses_files(
    run_cli, tmp_path, monkeypatch, command
):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    export = write_csv(tmp_path / "x.csv", PLAIN)
    other = write_csv(tmp_path / "y.csv", PLAIN)
    out = tmp_path / "locked"
    out.mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = run_cli(*_commands(export, other, out)[command])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert f"folder {out}" in lines[0] and "Permission denied" in lines[0]


def test_disk_full_while_writing_xlsx_is_one_line(run_cli, tmp_path, monkeypatch):
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def full(self):
        raise FileCreateError(OSError(28, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    export = write_csv(tmp_path / "x.csv", PLAIN)
    output = tmp_path / "out.xlsx"
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: {output}: cannot be written (No space left on device)"
    ]
    assert list(tmp_path.iterdir()) == [export]


def test_a_later_run_cleans_the_temporaries_a_killed_run_left(run_cli, tmp_path):
    import os
    import time

    export = write_csv(tmp_path / "x.csv", PLAIN)
    old = time.time() - 7 * 3600  # older than atomic.STALE_SECONDS (6 h)
    left = tmp_path / ".out.csv.k3_9abcd.tmp"  # kill -9 during `score -o out.csv`
    left_dataset = tmp_path / ".scored.a1b2c3d4.tmp"
    fresh = tmp_path / ".out.csv.zz99yy88.tmp"  # another run, writing now
    someone_elses = tmp_path / ".other.csv.k3_9abcd.tmp"
    left_dataset.mkdir()
    (left_dataset / "part-00000.parquet").write_bytes(b"half")
    for path in (left, fresh, someone_elses):
        path.write_text("half")
    for path in (left, left_dataset, someone_elses):
        os.utime(path, (old, old))
    for output in ("out.csv", "scored"):
        args = ["score", str(export), "-o", str(tmp_path / output)]
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
    assert not left.exists() and not left_dataset.exists()
    assert fresh.exists() and someone_elses.exists()


def test_xlsx_says_how_many_cells_were_cut_to_excels_limit(run_cli, tmp_path):
    long = "长" * 40_003
    export = write_csv(tmp_path / "x.csv", f"listing_id,title\nA1,{long}\nA2,ok\n")
    output = tmp_path / "out.xlsx"
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 0, result.output
    assert (
        f"note: {output}: 1 cell(s) longer than Excel's 32,767 characters cut to "
        "that length (a .csv or .parquet output keeps them whole)"
    ) in result.stderr
    sheet = openpyxl.load_workbook(output).active
    assert sheet.cell(2, 2).value == long[:32_767]
    csv = tmp_path / "out.csv"
    result = run_cli("score", export, "-o", csv)
    assert "cut" not in result.stderr and long in csv.read_text(encoding="utf-8-sig")


def test_csv_and_rejects_keep_formula_looking_cells_exact(run_cli, tmp_path):
    # Decision (README, Faults): .csv, .tsv and .parquet are for programs and
    # keep every value exact (no "'" prefix to undo); .xlsx is the format for
    # people, where text is never a formula.
    import pandas as pd

    text = "listing_id,title,note,visitors\n"
    text += '=A1,=HYPERLINK("x"),+1,10\n@B2,-2,@SUM(A1),-5\n'
    export = write_csv(tmp_path / "x.csv", text)
    output = tmp_path / "out.csv"
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(output, dtype=str, encoding="utf-8-sig")
    assert scored.loc[0, ["listing_id", "title", "note"]].tolist() == [
        "=A1",
        '=HYPERLINK("x")',
        "+1",
    ]
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str)
    assert rejects.loc[0, ["listing_id", "title", "note"]].tolist() == [
        "@B2",
        "-2",
        "@SUM(A1)",
    ]


def test_sample_data_into_a_path_under_a_file_or_a_refusing_folder(
    run_cli, tmp_path, monkeypatch
):
    import tempfile

    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    args = ["sample-data", "--listings", "50", "-o"]
    result = run_cli(*args, blocker / "market")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: {blocker / 'market'}: cannot be made (Not a directory)"
    ]

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run_cli(*args, tmp_path / "m")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"folder {tmp_path / 'm'} (Permission" in lines[0]


def test_no_output_replaces_a_file_of_the_model_it_reads(run_cli, tmp_path):
    import shutil

    from ranking.defaults import DEFAULT_MODEL

    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, model)
    card = model / "card.json"
    before = card.read_bytes()
    export = write_csv(tmp_path / "x.csv", PLAIN)
    given = ["--model", str(model), "-o", str(card)]
    _refused(run_cli("report", export, *given), card)
    assert card.read_bytes() == before


def test_score_refuses_a_rejects_format_it_cannot_write_before_scoring(
    run_cli, tmp_path
):
    export = write_csv(tmp_path / "x.csv", PLAIN)
    output = tmp_path / "out.csv"
    args = ["score", str(export), "-o", str(output), "--rejects"]
    result = run_cli(*args, tmp_path / "r.json")
    assert result.exit_code == 2 and "cannot write '.json'" in result.stderr
    assert not output.exists()


def test_an_xlsx_too_long_for_excel_is_refused_not_cut(run_cli, tmp_path, monkeypatch):
    # XlsxWriter drops rows past Excel's last one without a word.

    monkeypatch.setattr(xlsx, "EXCEL_ROWS_MAX", 2)
    export = write_csv(tmp_path / "x.csv", "listing_id,title\nA1,a\nA2,b\nA3,c\n")
    output = tmp_path / "out.xlsx"
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"Error: {output}: more than 2 rows, the most an .xlsx holds; "
        "write .csv or .parquet"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]
