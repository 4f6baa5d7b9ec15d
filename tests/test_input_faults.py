"""Faults real files bring to the reader (issue 22, the input side): ids that
Excel squeezed, dates from the future, broken quotes and line ends, numbers
too large to be counts. Each test fails on the reader before the fix."""

from pathlib import Path

import pandas as pd
from conftest import write_csv

from ranking.cli import cli
from ranking.export import read_export

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog.csv"


def _catalog_rows(count: int) -> pd.DataFrame:
    return pd.read_csv(CATALOG, dtype=str, nrows=count, encoding="utf-8-sig")


def test_ids_excel_showed_in_scientific_notation_stop_the_file(runner, tmp_path):
    # 6.71E+11 is how Excel shows a 12-digit 商品ID; saved as CSV, the text
    # is all that is left. Before: 2,909 of 3,000 rows rejected as repeats,
    # exit 0, the rest scored under mangled ids.
    rows = _catalog_rows(50)
    rows["listing_id"] = [f"{int(i):.2E}" for i in rows["listing_id"]]
    export = tmp_path / "sci.csv"
    rows.to_csv(export, index=False)
    result = runner.invoke(cli, ["check", str(export)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: listing ids look like Excel's scientific notation: "
        "the digits are lost; export the column as text "
        "(50 rows, the first row 2: '6.66E+11')\n"
    )


def test_full_precision_scientific_ids_are_the_integers_they_spell(tmp_path):
    rows = _catalog_rows(50)
    ids = rows["listing_id"].tolist()
    rows["listing_id"] = [f"{int(i):.11E}" for i in ids]
    assert rows["listing_id"].iloc[0] == "6.65936548379E+11"
    export = tmp_path / "full.csv"
    rows.to_csv(export, index=False)
    read = read_export(export)
    assert len(read.rejects) == 0
    assert read.data["listing_id"].tolist() == ids


def test_one_squeezed_id_is_a_rejected_row_not_a_stopped_file(runner, tmp_path):
    export = write_csv(
        tmp_path / "x.csv", "listing_id,visitors\n665936548379,1\n6.71E+11,2\nB,3\n"
    )
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(cli, ["check", str(export), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(rejects, dtype=str)
    assert written["reject_reason"].tolist() == [
        "row 3: listing_id '6.71E+11' looks like Excel's scientific notation: "
        "the digits are lost; export the column as text"
    ]
