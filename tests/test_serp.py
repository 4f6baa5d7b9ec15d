"""Training from search pages: one long table of (keyword, position) rows beside
each listing's public signals is its own ranks file (spec "Training from
search pages"); Best Sellers Rank is a sales signal, lower is better.

Fixtures in tests/fixtures/serp (headers from the scrapers in
docs/sources/serp-headers.md); real pages in shared/realdata."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_csv

from ranking import schema
from ranking.errors import ExportError
from ranking.export import read_export, read_ranks
from ranking.features import FEATURES, sales
from ranking.values import parse_numbers, parse_sales_ranks

SERP = Path(__file__).parent / "fixtures" / "serp"
TAOBAO = SERP / "taobao_search_pages.csv"
AMAZON = SERP / "amazon_search_results.csv"


# --- one table: listings and ranks ------------------------------------------------


def test_a_listing_on_two_keywords_is_one_listing_with_its_first_rows_signals():
    export = read_export(TAOBAO)
    ids = export.data["listing_id"]
    assert ids.is_unique and len(ids) == 30
    # 530000023757 is 4th on 女包 and again on 斜挎包, captured later with 37
    # more payers: one listing, its first row's payers, the difference told.
    first = export.data.loc[ids == "530000023757", "payer_count"]
    raw = pd.read_csv(TAOBAO, dtype=str)
    rows = raw[raw["nid"] == "530000023757"]
    assert len(rows) == 2
    assert first.iloc[0] == parse_numbers(rows["view_sales"])[0].iloc[0]
    assert any(
        "2 row(s) repeat a listing" in note and "(1 listing(s) whose rows" in note
        for note in export.notes
    )
    ranks = read_ranks(TAOBAO)
    assert (ranks.data["listing_id"] == "530000023757").sum() == 2


def test_a_ranks_file_is_not_taken_for_a_search_table(market_files):
    # The simulated catalog has no keyword column: its ranks stay a second file.
    headers = pd.read_csv(market_files["catalog"], nrows=0).columns.tolist()
    assert not schema.is_search_table(headers)
    assert schema.is_search_table(["asin", "product_order", "search_term"])
    assert schema.is_search_table(["关键词", "商品ID", "产品排名"])


# --- a signal written twice -------------------------------------------------------


def test_a_signal_under_two_headers_that_agree_is_read_once(tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        "nid,view_sales,payer_count\n1,1881人付款,1881\n2,1万+人付款,10000.0\n3,,\n",
    )
    export = read_export(path)
    assert export.columns["payer_count"] == "view_sales"
    assert export.data["payer_count"].tolist()[:2] == [1881.0, 10000.0]
    assert any("agree on every row" in note for note in export.notes)


def test_a_signal_under_two_headers_that_differ_is_an_error(tmp_path):
    text = "nid,view_sales,payer_count\n1,1881人付款,1881\n2,5人付款,6\n"
    path = write_csv(tmp_path / "t.csv", text)
    with pytest.raises(ExportError, match="'view_sales' and 'payer_count' are both"):
        read_export(path)


# --- Best Sellers Rank ------------------------------------------------------------


def test_best_sellers_rank_is_read_from_the_forms_scrapers_write():
    cells = pd.Series(
        [
            # Amazon's detail page, kept whole (serp-headers.md A5, A6)
            "#1,234 in Home & Kitchen (See Top 100 in Home & Kitchen) #5 in Boxes",
            "#35,077 in Electronics (See Top 100 in Electronics) #2,607 in Earbud "
            "& In-Ear Headphones",
            "#13 in Radio Antennas",
            "1,234",  # after the '#' and ' in ...' are cut off (A2)
            "Nr. 2.841 in Drogerie & Körperpflege",  # a German page (A7)
            "",
            "N/A",
            "in Home & Kitchen",
        ]
    )
    values, bad = parse_sales_ranks(cells)
    assert values.tolist()[:5] == [1234.0, 35077.0, 13.0, 1234.0, 2841.0]
    assert values[5:].isna().all()
    assert bad.tolist() == [False] * 7 + [True]


@pytest.mark.parametrize("header", ["Best Sellers Rank", "BSR", "sales_rank"])
def test_best_sellers_rank_headers(tmp_path, header):
    path = write_csv(
        tmp_path / "b.csv",
        f'ASIN,{header}\nB01,"#1,234 in Home & Kitchen"\nB02,#0 in Toys\nB03,abc\n',
    )
    export = read_export(path)
    assert export.columns["sales_rank"] == header
    assert export.data["sales_rank"].tolist() == [1234.0]
    reasons = export.rejects["reject_reason"].tolist()
    assert reasons == [
        "row 3: sales_rank is 0, expected a rank 1, 2, ...",
        "row 4: sales_rank is 'abc', expected a Best Sellers Rank such as #1,234 in "
        "Home & Kitchen",
    ]


def test_best_sellers_rank_stands_in_only_where_no_sales_count_is_given():
    frame = pd.DataFrame(
        {
            "listing_id": ["a", "b", "c"],
            "sales_rank": [10.0, 10_000.0, 10.0],
            "monthly_sales": [np.nan, np.nan, 300.0],
        }
    )
    feature = sales.extract_sales_rank(frame, None)["log_sales_rank"]
    assert feature[0] < feature[1]  # a better (lower) rank, a lower log-rank
    assert np.isnan(feature[2])  # the sales count is the signal here
    direction = {f.name: f.direction for f in FEATURES}["log_sales_rank"]
    assert direction == -1  # so the weight can only fall as the rank grows
    assert "sales_rank" in schema.absent_signals(frame[["listing_id"]])
    assert "sales_rank" not in schema.absent_signals(frame)
    assert "sales_rank" not in schema.absent_signals(frame.drop(columns="sales_rank"))


def test_bought_in_past_month_is_a_sales_count():
    values, bad = parse_numbers(
        pd.Series(["1K+ bought in past month", "50+ bought in past month", "9K+"])
    )
    assert values.tolist() == [1000.0, 50.0, 9000.0] and not bad.any()
    export = read_export(AMAZON)
    assert export.columns["monthly_sales"] == "bought_in_past_month"
