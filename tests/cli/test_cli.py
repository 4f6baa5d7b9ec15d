"""The command line, through click's CliRunner: exit codes and exact lines."""

import json
import re

import pandas as pd
import pytest
from conftest import REPO, write_csv

from ranking.cli import cli

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_check_on_gb18030_backoffice_maps_headers_and_counts_like_canonical(
    run_cli, market_files
):
    canonical = run_cli("check", market_files["catalog"], "--format", "json")
    backoffice = run_cli("check", market_files["backoffice"])
    assert canonical.exit_code == 0 and backoffice.exit_code == 0, backoffice.output
    rows = json.loads(canonical.output)["rows"]
    assert f": {rows:,} rows kept, 0 rejected (encoding gb18030" in backoffice.output
    assert re.search(r"\n  listing_id +← 商品ID\n", backoffice.output)
    assert re.search(r"\n  dsr_service +← 服务态度\n", backoffice.output)
    assert "passed through unchanged: 店铺名称" in backoffice.output


def test_check_json_shape(run_cli, market, market_files):
    result = run_cli("check", market_files["backoffice"], "--format", "json")
    report = json.loads(result.output)
    assert report["rows"] == len(market.catalog)
    assert report["rejects"] == 0
    assert report["columns"]["listing_id"] == "商品ID"
    assert report["unknown_signals"] == []
    assert {"category", "listings"} <= set(report["categories"][0])


def test_check_writes_rejects_and_prints_the_count(run_cli, tmp_path):
    export = write_csv(
        tmp_path / "x.csv",
        "商品ID,访客数,服务态度\nA,1,4.8\nB,-2,4.8\nA,3,4.8\nC,2,48.7\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = run_cli("check", export, "--rejects", rejects)
    assert result.exit_code == 0
    assert "3 row(s) rejected; reasons in" in result.stderr
    written = pd.read_csv(rejects, dtype=str)
    assert written["reject_reason"].tolist() == [
        "row 3: visitors is -2, expected a count ≥ 0",
        "row 4: listing_id 'A' repeats row 2",
        "row 5: dsr_service is 48.7, expected 1-5 (is it ×10?)",
    ]
    assert written["访客数"].tolist() == ["-2", "3", "2"]  # cells as written


def test_strict_turns_rejects_into_exit_2(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", "listing_id,visitors\nA,1\nB,-1\n")
    result = run_cli("check", export, "--strict")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: 1 row(s) rejected and --strict is set; first: "
        "row 3: visitors is -1, expected a count ≥ 0\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"title\nx\n", "no listing_id column"),
        (b"\x00\x01\x02binary", "is a binary file"),
    ],
    ids=["missing", "empty", "no-id", "binary"],
)
def test_bad_files_exit_2_with_one_line_and_no_traceback(
    run_cli, tmp_path, content, message
):
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("check", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_sample_data_is_deterministic_and_readable(run_cli, tmp_path):
    for folder in ("a", "b"):
        result = run_cli(
            "sample-data", "-o", tmp_path / folder, "--listings", "120", "--seed", "5"
        )
        assert result.exit_code == 0, result.output
    for name in ("catalog.csv", "ranks.csv", "truth.csv", "market.json"):
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes()
    check = run_cli("check", tmp_path / "a" / "catalog.csv", "--format", "json")
    assert json.loads(check.output)["rows"] == 120


def test_sample_data_in_english(run_cli, tmp_path):
    result = run_cli("sample-data", "-o", tmp_path, "--listings", "200", "--lang", "en")
    assert result.exit_code == 0
    catalog = pd.read_csv(tmp_path / "catalog.csv")
    assert catalog["title"].str.fullmatch(r"[\x00-\x7f]+").all()
    assert catalog["listing_id"].str.startswith("B0").all()


def test_sample_data_rejects_a_tiny_market(run_cli, tmp_path):
    result = run_cli("sample-data", "-o", tmp_path, "--listings", "3")
    assert result.exit_code == 2
    assert "Invalid value for '--listings'" in result.stderr


def _commands(group):
    return sorted(group.commands)


@pytest.mark.parametrize("name", _commands(cli))
def test_every_command_has_help_an_example_and_a_readme_entry(run_cli, name):
    result = run_cli(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert re.search(rf"`ranking {name}\b", README), f"README does not mention {name}"


def test_check_never_writes_rejects_over_its_input(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", "listing_id,visitors\nA,1\nB,-1\n")
    before = export.read_bytes()
    result = run_cli("check", export, "--rejects", export)
    assert result.exit_code == 2
    assert "is the input file" in result.stderr
    assert export.read_bytes() == before


def test_audit_json_is_the_same_whatever_lang_says(run_cli, market_files, model_dir):
    listing = market_files["catalog"].read_text(encoding="utf-8-sig").split("\n")[1]
    listing = listing.split(",")[0].strip('"')
    args = ["audit", market_files["backoffice"], listing, "--model", model_dir]
    outputs = [
        run_cli(*args, "--format", "json", "--lang", lang).stdout
        for lang in ("zh", "en")
    ]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["blockers"] is not None
    # The text view still speaks the language asked for.
    zh = run_cli(*args, "--lang", "zh").stdout
    en = run_cli(*args, "--lang", "en").stdout
    assert zh != en


def test_a_what_if_the_model_does_not_read_says_so(run_cli, market_files, model_dir):
    catalog = market_files["catalog"]
    listing = pd.read_csv(catalog, dtype=str)["listing_id"].iloc[0]
    args = ["audit", catalog, listing, "--model", model_dir, "--format", "json"]
    # The export gives has_white_bg_image: a main image path is not read.
    image = json.loads(run_cli(*args, "--what-if", "main_image=a.jpg").stdout)
    assert image["what_if"]["expected_gain"] == 0
    assert [n.split(":")[0] for n in image["what_if"]["notes"]] == [
        "--what-if main_image"
    ]
    assert "has_white_bg_image" in image["what_if"]["notes"][0]
    # Changing the signal itself is read, and says nothing of the kind.
    signal = json.loads(run_cli(*args, "--what-if", "has_white_bg_image=1").stdout)
    assert "notes" not in signal["what_if"]
