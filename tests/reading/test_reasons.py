"""Reject reasons read back into their keys: every reason a kind gives,
said again in Chinese."""

import re

import pytest

from ranking.messages import TEXT, Said
from ranking.present.lang import in_language
from ranking.reading.check import check_export
from ranking.reading.kinds import KINDS, allowed_said
from ranking.reading.reasons import ASIDE, PARTS, reason_said
from ranking.reading.schema import read_cell

#: A value for each field of a reason template, as a check would write it.
SAMPLE = {
    "name": "dsr_service",
    "whole": "review_count",
    "value": "48.7",
    "total": "12",
    "cell": "abc",
    "id": "A1",
    "row": "7",
    "first": "3",
    "file": "b.csv",
    "date": "2099-01-01",
    "end": "2024-06-30",
}
#: English words of the templates that a Chinese reason must not keep.
ENGLISH = re.compile(r"\b(row|expected|repeats|above|after|not a|is empty)\b")


@pytest.mark.parametrize("key", sorted(PARTS))
def test_every_part_reads_back_into_its_key(key):
    named = re.findall(r"\{(\w+)\}", TEXT[key][0])
    fields = {f: SAMPLE[f] for f in named if f not in PARTS[key]}
    english = Said(key, **fields, **PARTS[key])
    said = reason_said(f"row 9: {english}")
    assert said == f"row 9: {english}"
    assert said.key == "reject.row" and said.fields["reason"].key == key
    chinese = in_language(said, "zh")
    assert chinese.startswith("第 9 行: ") and not ENGLISH.search(chinese), chinese


@pytest.mark.parametrize("key", ASIDE)
def test_rows_set_aside_read_back(key):
    said = reason_said(f"row 2: not a listing: {TEXT[key][0]}")
    assert in_language(said, "zh") == f"第 2 行: 不是商品: {TEXT[key][1]}"


def test_a_reason_of_one_file_of_several_and_an_unknown_one():
    said = reason_said("b.csv: row 4: listing_id is empty")
    assert in_language(said, "zh") == "b.csv: 第 4 行: listing_id 为空"
    # What no template reads stays as it is, in both languages.
    unknown = "row 4: something new"
    assert reason_said(unknown) == unknown
    assert in_language(reason_said(unknown), "zh") == unknown


def test_reasons_check_finds_all_read_back(tmp_path):
    """The reasons a real check writes, each read whole: a template that
    drifts from the kinds' text would leave English here."""
    export = tmp_path / "x.csv"
    export.write_text(
        "listing_id,visitors,monthly_sales,gmv,avg_rating,dsr_service,refund_rate,"
        "has_main_video,listed_at,review_count,negative_reviews,price\n"
        "A,1,1,1,4.5,4.8,0.1,1,2024-01-01,10,1,1\n"
        "B,-1,x,1e15,9,480,3,maybe,2099-01-01,10,11,abc\n"
        "A,1,1,1,4.5,4.8,0.1,1,yesterday,10,1,1\n"
        ",1,1,1,4.5,4.8,0.1,1,2024-01-01,10,1,1\n"
        "6.71E+11,1,1,1,4.5,4.8,0.1,1,2024-01-01,10,1,1\n",
        encoding="utf-8",
    )
    reasons = check_export(export)["reject_reasons"]
    assert len(reasons) == 4
    for reason in reasons:
        said = reason_said(reason)
        assert isinstance(said, Said) and said == reason
        assert not ENGLISH.search(in_language(said, "zh")), reason


def test_what_a_kind_allows_is_said_as_before():
    """English as the kinds said it before it was the table's."""
    assert KINDS["dsr"].allowed == "a DSR score from 1 to 5 (or ×100: 100-500)"
    assert KINDS["count"].allowed == "a count ≥ 0 such as 1,234 or 1.2万"
    assert KINDS["id"].allowed == "id"
    for kind in KINDS.values():
        assert allowed_said(kind) == kind.allowed


def test_an_empty_what_if_value_says_what_is_allowed_in_chinese():
    with pytest.raises(ValueError) as raised:
        read_cell("has_main_video", " ")
    assert (
        str(raised.value)
        == "has_main_video is empty; allowed: yes/no (1/0, 是/否, 有/无)"
    )
    said = raised.value.args[0]
    assert (
        in_language(said, "zh") == "主图视频 为空；可以写: 是/否（1/0, 是/否, 有/无）"
    )
