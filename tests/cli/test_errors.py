"""Errors and reject reasons in the command's language (issue 23 point 3):
one line, the file or column named, English byte-identical to before."""

import ast
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_csv

from ranking import errors
from ranking.explain.effort import EffortError
from ranking.messages import Said

PACKAGE = Path(errors.__file__).parent
ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.RankingError)
} | {EffortError.__name__}


def error_line(result) -> str:
    """The one line an error prints (exit status 2)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_every_raise_of_our_errors_says_a_key():
    """A message written inline (an f-string, a literal) would stay English
    under --lang zh; each is a Said (or a helper returning one)."""
    inline, seen = [], 0
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            written = ast.JoinedStr | ast.Constant | ast.BinOp
            first = node.args[0] if node.args else None
            seen += node.func.id in ERRORS
            if node.func.id in ERRORS and isinstance(first, written):
                inline.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert seen >= 80 and not inline, (seen, inline)


def test_a_missing_file_in_chinese_and_in_english(run_cli, tmp_path):
    missing = tmp_path / "导出.csv"
    zh = error_line(run_cli("check", missing, "--lang", "zh"))
    en = error_line(run_cli("check", missing, "--lang", "en"))
    assert zh == f"Error: {missing}: 文件不存在"
    assert en == f"Error: {missing}: no such file"


def test_a_column_twice_names_it_in_both_languages(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", "listing_id,visitors,visitors\nA,1,2\n")
    zh = error_line(run_cli("check", export, "--lang", "zh"))
    en = error_line(run_cli("check", export, "--lang", "en"))
    assert zh == (
        f"Error: {export}: 列 'visitors' 出现了两次（第 2 列和第 3 列）；"
        "请把其中一列改名"
    )
    assert en == (
        f"Error: {export}: column 'visitors' appears twice (columns 2 and 3); "
        "rename one of them"
    )


@pytest.fixture(scope="module")
def a_listing(market):
    return str(market.catalog["listing_id"].iloc[0])


def test_a_bad_what_if_value_names_the_column_as_the_export_does(
    run_cli, market_files, model_dir, a_listing
):
    args = ["audit", market_files["catalog"], a_listing, "--model", model_dir]
    args += ["--what-if", "dsr_service=48.7"]
    zh = error_line(run_cli(*args, "--lang", "zh"))
    en = error_line(run_cli(*args, "--lang", "en"))
    assert zh == (
        "Error: --what-if dsr_service=48.7: 服务态度 是 48.7，应在 1-5 之间"
        "（是否乘了 10？）"
    )
    assert en == (
        "Error: --what-if dsr_service=48.7: dsr_service is 48.7, expected 1-5 "
        "(is it ×10?)"
    )


def test_an_unknown_what_if_column_and_listing_in_chinese(
    run_cli, market_files, model_dir, a_listing
):
    catalog, model = market_files["catalog"], ["--model", model_dir]
    column = error_line(
        run_cli(
            "audit", catalog, a_listing, *model, "--what-if", "颜色=红", "--lang", "zh"
        )
    )
    assert column.startswith("Error: --what-if 颜色: 不是指标列；请用以下之一: title, ")
    zh = error_line(run_cli("audit", catalog, "nope-1", *model, "--lang", "zh"))
    en = error_line(run_cli("audit", catalog, "nope-1", *model, "--lang", "en"))
    assert zh == (
        f"Error: {catalog}: 没有商品ID 为 'nope-1' 的商品（导出中共 1,200 个；"
        "`ranking check` 可列出）"
    )
    assert en == (
        f"Error: {catalog}: no listing with id 'nope-1' (the export has 1,200; "
        "`ranking check` lists them)"
    )


def test_a_command_without_lang_speaks_the_locale(run_cli, tmp_path, monkeypatch):
    """sample-data's --lang is its data's: its errors follow the locale."""
    blocker = write_csv(tmp_path / "notes.txt", "x")
    english = error_line(run_cli("sample-data", "-o", blocker / "m", "--lang", "zh"))
    assert english.startswith(f"Error: {blocker / 'm'}: cannot be made (")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = error_line(run_cli("sample-data", "-o", blocker / "m", "--lang", "en"))
    assert chinese.startswith(f"Error: {blocker / 'm'}: 无法创建（")


BAD = (
    "商品ID,访客数,服务态度,评分,退款率\n"
    "A,1,4.8,4.5,0.01\n"
    "B,-2,4.8,4.5,0.01\n"
    "A,3,4.8,4.5,0.01\n"
    "C,2,48.7,9,3\n"
    "合计,6,4.8,4.5,0.01\n"
)


def test_the_rejects_file_speaks_lang_and_json_does_not(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", BAD)
    written = {}
    for lang in ("zh", "en"):
        rejects = tmp_path / f"rejects_{lang}.csv"
        result = run_cli("check", export, "--rejects", rejects, "--lang", lang)
        assert result.exit_code == 0, result.output
        written[lang] = pd.read_csv(rejects, dtype=str)
    assert written["en"]["reject_reason"].tolist() == [
        "row 3: visitors is -2, expected a count ≥ 0",
        "row 4: listing_id 'A' repeats row 2",
        "row 5: dsr_service is 48.7, expected 1-5 (is it ×10?); avg_rating is 9, "
        "expected 1-5; refund_rate is 3, expected 0-1 (write 3.5% for a percentage)",
        "row 6: not a listing: a total row",
    ]
    assert written["zh"]["reject_reason"].tolist() == [
        "第 3 行: 访客数 是 -2，应为 ≥ 0 的数量",
        "第 4 行: listing_id 'A' 与第 2 行重复",
        "第 5 行: 服务态度 是 48.7，应在 1-5 之间（是否乘了 10？）；评分 是 9，应在 "
        "1-5 之间；退款率 是 3，应在 0-1 之间（百分比请写成 3.5%）",
        "第 6 行: 不是商品: 合计行",
    ]
    # The rows themselves are the same, cells as written.
    same = written["zh"].drop(columns="reject_reason")
    pd.testing.assert_frame_equal(same, written["en"].drop(columns="reject_reason"))
    zh, en = (
        run_cli("check", export, "--format", "json", "--lang", lang).stdout
        for lang in ("zh", "en")
    )
    assert zh == en
    assert json.loads(en)["reject_reasons"][0] == written["en"]["reject_reason"][0]


def test_check_text_and_strict_word_reasons_in_chinese(run_cli, tmp_path):
    export = write_csv(tmp_path / "x.csv", BAD)
    text = run_cli("check", export, "--lang", "zh").stdout
    assert "  第 3 行: 访客数 是 -2，应为 ≥ 0 的数量\n" in text
    assert "  第 6 行: 不是商品: 合计行\n" in text
    assert "expected" not in text
    strict = error_line(run_cli("check", export, "--strict", "--lang", "zh"))
    assert strict == (
        f"Error: {export}: 拒收 3 行，而设置了 --strict；第一条: "
        "第 3 行: 访客数 是 -2，应为 ≥ 0 的数量"
    )


def test_score_writes_its_rejects_in_lang(run_cli, tmp_path, model_dir, market):
    data = market.catalog.head(40).copy()
    data.loc[data.index[3], "dsr_service"] = 48.7
    export = tmp_path / "x.csv"
    data.to_csv(export, index=False)
    rejects = tmp_path / "rejects.csv"
    args = ["score", export, "-o", tmp_path / "out.csv", "--model", model_dir]
    result = run_cli(*args, "--rejects", rejects, "--lang", "zh")
    assert result.exit_code == 0, result.output
    reasons = pd.read_csv(rejects, dtype=str)["reject_reason"].tolist()
    assert reasons == ["第 5 行: 服务态度 是 48.7，应在 1-5 之间（是否乘了 10？）"]


def test_an_error_is_english_text_with_its_key():
    """What a program catching RankingError reads is unchanged: English."""
    error = errors.ExportError(Said("error.no_file", path="a.csv"))
    assert str(error) == "a.csv: no such file"
    assert error.args[0].key == "error.no_file"


def test_a_note_of_an_output_cut_speaks_lang(run_cli, tmp_path):
    """An OutputWarning is printed as one note line, in --lang too."""
    long = "长" * 40_003
    export = write_csv(tmp_path / "x.csv", f"listing_id,title\nA1,{long}\nA2,ok\n")
    output = tmp_path / "out.xlsx"
    result = run_cli("score", export, "-o", output, "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert (
        f"note: {output}: 1 个单元格超过 Excel 的 32,767 字符上限，已截断"
        "（输出为 .csv 或 .parquet 可保留完整内容）\n"
    ) in result.stderr
