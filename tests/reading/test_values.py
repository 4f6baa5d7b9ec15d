import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranking.reading.values import (
    hash_text,
    id_text,
    parse_booleans,
    parse_dates,
    parse_numbers,
    parse_period_ends,
    parse_ranks,
)

NUMBER_CASES = [
    ("1,234", 1234.0),
    ("3.5%", 0.035),
    ("1.2万", 12000.0),
    ("1.2w", 12000.0),
    ("1.2W", 12000.0),
    ("2.3k", 2300.0),
    ("¥12.5", 12.5),
    ("￥12.5", 12.5),
    ("$12.50", 12.5),
    ("1881人付款", 1881.0),
    ("1万+人付款", 10000.0),
    ("100+人收货", 100.0),
    ("１２３", 123.0),
    ("1,234,567.5", 1234567.5),
    ("  42 ", 42.0),
    ("-5", -5.0),
    ("1.2345万", 12345.0),
    ("0.1%", 0.001),
    ("3亿", 3e8),
    ("1.2亿", 1.2e8),
    # Currency marks as Amazon and Chinese back offices write them.
    ("US$1,234.56", 1234.56),
    ("HK$12", 12.0),
    ("JP¥5,000", 5000.0),
    ("₹ 1,200", 1200.0),
    ('"£38,793.82"'.strip('"'), 38793.82),
    ("€3.50", 3.5),
    # A lone decimal comma: the column is read the German way.
    ("5.255,61 €", 5255.61),
    ("368,14 €", 368.14),
    ("12,5 %", 0.125),
    ("1,23", 1.23),
]


@pytest.mark.parametrize(
    ("cell", "expected"), NUMBER_CASES, ids=[c for c, _ in NUMBER_CASES]
)
def test_number_forms_read_exactly(cell, expected):
    values, bad = parse_numbers(pd.Series([cell]))
    assert values[0] == expected  # exact: scaled forms shift the decimal point
    assert not bad[0]


@pytest.mark.parametrize("cell", ["", "-", "--", "N/A", "null", None, "  "])
def test_placeholders_are_missing_not_errors(cell):
    values, bad = parse_numbers(pd.Series([cell], dtype=object))
    assert math.isnan(values[0])
    assert not bad[0]


@pytest.mark.parametrize("cell", ["abc", "1.2.3", "12 apples", "inf", "1,2,3"])
def test_unreadable_numbers_are_flagged(cell):
    values, bad = parse_numbers(pd.Series([cell]))
    assert bad[0]
    assert math.isnan(values[0])


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Amazon DE: dots between thousands, a decimal comma.
        (["1.999,55 €", "1.999", "16,40%"], [1999.55, 1999.0, 0.164]),
        # Amazon UK: commas between thousands; 1,234 stays 1234.
        (["£1,003.68", "1,234", "2.64%"], [1003.68, 1234.0, 0.0264]),
        # Nothing decides: a thousands comma, as most exports write it.
        (["1,234", "2,000"], [1234.0, 2000.0]),
    ],
)
def test_decimal_comma_is_decided_per_column(cells, expected):
    values, bad = parse_numbers(pd.Series(cells))
    assert values.tolist() == pytest.approx(expected)
    assert not bad.any()


def test_a_column_with_both_decimal_marks_reads_the_decimal_point():
    values, bad = parse_numbers(pd.Series(["1,5", "2.25"]))
    assert values[1] == 2.25
    assert bad.tolist() == [True, False]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["05/03/2024"], ["2024-05-03"]),  # month first, as before
        (["05/03/2024", "05/14/2024"], ["2024-05-03", "2024-05-14"]),
        (["14/05/2024 09:48:59 BST", "05/03/2024"], ["2024-05-14", "2024-03-05"]),
        (
            ["2024-05-14T09:48:59+01:00", "2024-05-14T23:48:59Z"],
            ["2024-05-14", "2024-05-14"],  # the local day, offset dropped
        ),
    ],
)
def test_day_month_order_and_zones(cells, expected):
    values, bad = parse_dates(pd.Series(cells))
    assert values.dt.strftime("%Y-%m-%d").tolist() == expected
    assert not bad.any()


@pytest.mark.parametrize(
    "cell",
    [
        "2024-05-01 - 2024-05-30",
        "2024-05-01—2024-05-30",
        "2024-05-01到2024-05-30",
        "2024/05/01-2024/05/30",
        "20240501-20240530",
        "2024-05",
    ],
)
def test_period_forms_end_on_the_windows_last_day(cell):
    ends, bad = parse_period_ends(pd.Series([cell]))
    assert str(ends[0].date()) == ("2024-05-31" if cell == "2024-05" else "2024-05-30")
    assert not bad.any()


def test_period_ends():
    ends, bad = parse_period_ends(
        pd.Series(
            ["2024-05-01至2024-05-30", "2024-05-01~2024-05-30", "2024-06-18", "-"]
        )
    )
    assert [str(d.date()) if pd.notna(d) else None for d in ends] == [
        "2024-05-30",
        "2024-05-30",
        "2024-06-18",
        None,
    ]
    assert not bad.any()


def test_numeric_columns_pass_through():
    values, bad = parse_numbers(pd.Series([1, 2, 3]))
    assert values.tolist() == [1.0, 2.0, 3.0]
    assert not bad.any()


BOOL_CASES = [
    ("1", True),
    ("0", False),
    ("yes", True),
    ("No", False),
    ("TRUE", True),
    ("false", False),
    ("Y", True),
    ("n", False),
    ("是", True),
    ("否", False),
    ("有", True),
    ("无", False),
]


@pytest.mark.parametrize(
    ("cell", "expected"), BOOL_CASES, ids=[c for c, _ in BOOL_CASES]
)
def test_boolean_forms(cell, expected):
    values, bad = parse_booleans(pd.Series([cell]))
    assert values[0] is expected or values[0] == expected
    assert not bad[0]


def test_boolean_garbage_is_flagged_and_blank_is_missing():
    values, bad = parse_booleans(pd.Series(["maybe", "", "-"]))
    assert bad.tolist() == [True, False, False]
    assert values.isna().all()


@pytest.mark.parametrize(
    "cell",
    ["2024-03-05", "2024/3/5", "2024年3月5日", "2024-03-05 10:11:12", "2024.3.5"],
)
def test_date_forms(cell):
    values, bad = parse_dates(pd.Series([cell]))
    assert values[0] == pd.Timestamp("2024-03-05")
    assert not bad[0]


def test_ranks_keep_censored_positions():
    frame, bad = parse_ranks(
        pd.Series(
            ["1", ">100", "100+", "未上榜", "Not Ranked", "100名外", "0", "2.5", ""]
        )
    )
    assert frame["search_rank"].tolist()[:1] == [1.0]
    assert (
        frame["censored"].tolist()
        == [False, True, True, True, True, True] + [False] * 3
    )
    # Each written form's bound, whichever of the pattern's groups took it.
    below = frame["censored_below"].fillna(-1).tolist()
    assert below[:6] == [-1, 100.0, 100.0, -1, -1, 100.0]
    assert bad.tolist() == [False] * 6 + [True] * 3


def test_ids_from_spreadsheets_lose_their_float_tail():
    assert id_text(pd.Series(["44280017876.0", " A1 ", ""])).tolist() == [
        "44280017876",
        "A1",
        pd.NA,
    ]
    assert id_text(pd.Series([44280017876.0, 2.0])).tolist() == ["44280017876", "2"]


@given(st.lists(st.one_of(st.text(), st.none()), min_size=1, max_size=30))
def test_parsers_never_raise_on_arbitrary_text(cells):
    series = pd.Series(cells, dtype=object)
    for parse in (parse_numbers, parse_booleans, parse_dates, parse_ranks):
        values, bad = parse(series)
        assert len(values) == len(series) == len(bad)


@given(
    st.floats(min_value=0, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2))
)
def test_plain_numbers_round_trip(number):
    values, bad = parse_numbers(pd.Series([f"{number:,}", repr(number)]))
    assert values.tolist() == [number, number]
    assert not bad.any()


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=40))
def test_hash_text_is_equal_exactly_for_equal_texts_in_any_slice(texts):
    series = pd.Series(texts, dtype="string")
    hashed = hash_text(series)
    as_text = series.fillna("").tolist()
    for i, a in enumerate(as_text):
        for j, b in enumerate(as_text):
            assert (hashed[i] == hashed[j]) == (a == b)
    # A later chunk of the same file: the same text hashes the same.
    tail = series.iloc[len(series) // 2 :]
    assert (hash_text(tail) == hashed[len(series) // 2 :]).all()
    assert (hash_text(series, seed=1) != hashed).any() or not len(series)


def test_hash_text_tells_apart_texts_that_differ_past_eight_bytes_or_by_padding():
    texts = pd.Series(["600123456789", "600123456780", "abcdefgh", "abcdefgh\0", ""])
    assert len(set(hash_text(texts).tolist())) == len(texts)
