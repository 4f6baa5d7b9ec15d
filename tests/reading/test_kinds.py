"""Column kinds declared as data (issue 23): every column's kind is in the
table validate walks, and each named check gives its own reject reason."""

from __future__ import annotations

import pandas as pd
import pytest

from ranking.reading import schema
from ranking.reading.columns import EXPORT_COLUMNS, RANK_COLUMNS
from ranking.reading.kinds import AT_MOST, KINDS, kind_table


def test_every_declared_column_has_a_declared_kind():
    assert {c.kind for c in EXPORT_COLUMNS + RANK_COLUMNS} <= set(KINDS)
    names = {c.name for c in EXPORT_COLUMNS}
    assert {name for pair in AT_MOST for name in pair} <= names


def test_the_kind_table_is_json_ready_and_names_its_checks():
    table = {entry["kind"]: entry for entry in kind_table()}
    assert table["count"]["checks"] == ["not_negative", "at_most_a_trillion"]
    assert table["id"]["checks"] == ["present", "digits_kept", "unique"]
    assert table["date"]["checks"] == ["not_after_the_period"]


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("review_count", "-3", "review_count is -3, expected a count ≥ 0"),
        ("gmv", "2e12", "gmv is 2e+12, above 1,000,000,000,000: not an amount"),
        ("dsr_service", "48.7", "dsr_service is 48.7, expected 1-5 (is it ×10?)"),
        ("refund_rate", "1.5", "refund_rate is 1.5, expected 0-1 (write 3.5% "
         "for a percentage)"),
        ("has_main_video", "maybe", "has_main_video is 'maybe', expected yes/no "
         "(1/0, 是/否, 有/无)"),
    ],
)  # fmt: skip
def test_each_named_check_gives_its_reason(column, cell, reason):
    raw = pd.DataFrame({"id": ["1"], column: [cell]}, index=[2])
    checked = schema.validate(raw, {"listing_id": "id", column: column})
    assert checked.reasons.tolist() == [f"row 2: {reason}"]


def test_a_part_above_its_whole_is_rejected_after_the_columns():
    raw = pd.DataFrame(
        {"id": ["1"], "n": ["4"], "bad": ["9"], "photo": ["-1"]}, index=[2]
    )
    columns = {"listing_id": "id", "review_count": "n"}
    columns |= {"negative_reviews": "bad", "photo_reviews": "photo"}
    checked = schema.validate(raw, columns)
    assert checked.reasons.tolist() == [
        "row 2: photo_reviews is -1, expected a count ≥ 0; "
        "negative_reviews is 9, above review_count 4"
    ]
