"""Training from search pages: one long table of (keyword, position) rows beside
each listing's public signals is its own ranks file (spec "Training from
search pages"); Best Sellers Rank is a sales signal, lower is better.

Fixtures in tests/fixtures/serp (headers from the scrapers in
docs/sources/serp-headers.md); real pages in shared/realdata."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, REALDATA, write_csv

from ranking.errors import ExportError
from ranking.model import cliffs
from ranking.model.features import FEATURES, sales
from ranking.model.persist import load_model
from ranking.reading import schema
from ranking.reading.export import read_export, read_ranks
from ranking.reading.values import parse_numbers, parse_sales_ranks

SERP = FIXTURES / "serp"
TAOBAO = SERP / "taobao_search_pages.csv"
AMAZON = SERP / "amazon_search_results.csv"


def train_cli(run_cli, export, model, *extra):
    result = run_cli("train", export, "-o", model, *extra)
    assert result.exit_code == 0, result.output + result.stderr
    return load_model(model)


# --- one table: listings and ranks ------------------------------------------------


def test_taobao_search_pages_train_end_to_end(run_cli, tmp_path):
    model, card = train_cli(run_cli, TAOBAO, tmp_path / "m")
    # The ranks came from the table itself: three keyword pages, 32 results.
    assert card["label"] == "ranks"
    assert card["ranks"]["from_export"] is True
    assert Path(card["ranks"]["file"]) == TAOBAO
    assert card["ranks"]["groups"] == 3
    assert card["ranks"]["observations"] == 32
    # Two listings are on two keywords: 32 rows, 30 listings, none rejected.
    assert card["data"]["rows"] == 30 and card["data"]["rejects"] == 0
    # The page's signals became features: 1881人付款, prices, review counts.
    for signal in ("payer_count", "price", "review_count", "title"):
        assert signal not in card["unknown_signals"]
    assert {"rel_payers", "rel_reviews", "rel_log_price"} <= set(model.feature_names)
    payers = model.additive.shape("rel_payers")["term"].to_numpy()
    assert np.ptp(payers[:-1]) > 0  # learned from the pages, not flat


def test_amazon_search_results_train_end_to_end(run_cli, tmp_path):
    model, card = train_cli(run_cli, AMAZON, tmp_path / "m")
    assert card["ranks"]["from_export"] is True
    assert card["ranks"]["groups"] == 3
    # 33 rows: two ASINs on two search terms and a sponsored banner (position
    # -1 in The Markup's parser) of a listing already on a page.
    assert card["data"]["rows"] == 30 and card["data"]["rejects"] == 0
    assert card["ranks"]["observations"] == 32
    assert "sales_rank" not in card["unknown_signals"]
    assert "log_sales_rank" in model.feature_names


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


def test_ranks_naming_the_same_file_train_the_same_model(run_cli, tmp_path):
    alone, _ = train_cli(run_cli, TAOBAO, tmp_path / "a")
    named, card = train_cli(run_cli, TAOBAO, tmp_path / "b", "--ranks", str(TAOBAO))
    assert card["ranks"]["from_export"] is True
    (meta_a, arrays_a), (meta_b, arrays_b) = alone.to_data(), named.to_data()
    assert meta_a == meta_b and arrays_a.keys() == arrays_b.keys()
    for name, values in arrays_a.items():
        assert np.array_equal(values, arrays_b[name], equal_nan=True), name


def test_evaluate_reads_the_ranks_of_a_search_table(run_cli, tmp_path):
    train_cli(run_cli, AMAZON, tmp_path / "m")
    result = run_cli("evaluate", AMAZON, "--model", tmp_path / "m", "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads(result.output)
    assert report["groups"] == 3 and report["observations"] == 32


def test_evaluate_without_ranks_anywhere_is_one_line(run_cli, tmp_path, market_files):
    train_cli(run_cli, TAOBAO, tmp_path / "m")
    result = run_cli("evaluate", market_files["catalog"], "--model", tmp_path / "m")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no ranks to evaluate on" in result.stderr


def test_two_search_tables_without_ranks_ask_which(run_cli, tmp_path):
    other = tmp_path / "amazon_again.csv"
    other.write_bytes(AMAZON.read_bytes())
    result = run_cli("train", AMAZON, other, "-o", tmp_path / "m")
    assert result.exit_code == 2
    assert "both have keyword and position columns" in result.stderr
    assert result.stderr.count("\n") == 1


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


def test_best_sellers_rank_is_learned_lower_is_better(run_cli, tmp_path):
    """The fixture's positions follow its Best Sellers Ranks: the learned term
    must fall as the rank grows, and by a real amount."""
    model, _ = train_cli(run_cli, AMAZON, tmp_path / "m")
    shape = model.additive.shape("log_sales_rank")
    terms = shape["term"].to_numpy()[:-1]  # the last bin is "unknown"
    assert np.all(np.diff(terms) <= 1e-12)
    assert terms[0] - terms[-1] > 1.0


def test_bought_in_past_month_is_a_sales_count():
    values, bad = parse_numbers(
        pd.Series(["1K+ bought in past month", "50+ bought in past month", "9K+"])
    )
    assert values.tolist() == [1000.0, 50.0, 9000.0] and not bad.any()
    export = read_export(AMAZON)
    assert export.columns["monthly_sales"] == "bought_in_past_month"


# --- real search pages -------------------------------------------------------------


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not beside checkout")
def test_real_taobao_search_pages_train_as_they_are(run_cli, tmp_path):
    """Two captured Taobao pages (女包, 芝麻糊): query and position columns,
    payers as 1881人付款 beside the preparer's own payer_count, DSR ×100 with
    0 for none; no ranks file made by hand."""
    pages = REALDATA / "taobao_serp" / "taobao_serp_positions.csv"
    model, card = train_cli(run_cli, pages, tmp_path / "m")
    assert card["ranks"]["from_export"] is True
    assert card["ranks"]["groups"] == 2
    # 72 rows: 3 without an item id, and 10609596736 twice on 芝麻糊 (an ad at
    # 1 and in place at 3): 68 listings, the ad's place kept as its rank.
    assert card["data"]["rows"] == 68 and card["data"]["rejects"] == 3
    assert card["ranks"]["observations"] == 68
    assert "payer_count" not in card["unknown_signals"]
    assert "dsr_service" not in card["unknown_signals"]
    # The model put 26 weight points on a DSR window one page's fold model
    # did not rise over at all: a cliff two keywords disagree on blocks no one,
    # and the card says why.
    assert card["blockers"]["dsr_min_gap"] is None
    dropped = card["blockers_not_in_every_fold"]["dsr_min_gap"]
    assert min(dropped["fold_rises"]) < cliffs.FOLD_SHARE
    assert dropped["median_cost"] > 20
    text = (tmp_path / "m" / "card.txt").read_text(encoding="utf-8")
    assert "is missing from a cross-validation fold" in text
    said = run_cli("train", pages, "-o", tmp_path / "j", "--format", "json")
    assert json.loads(said.stdout)["blockers_not_in_every_fold"] == {
        "dsr_min_gap": dropped
    }


def meli_search_table(folder: Path) -> Path:
    """MercadoLibre's category lists as one long table (a preparation step
    for this data set, not the product reader's): each (country,
    category_name) list is a keyword group; its position is (page − 1) × 50
    + order_backend, a new page starting where order_backend returns to 1.
    sold_quantity, the API's sales buckets (5, 25, 50, …, 5000), is the only
    sales count the file has."""
    raw = pd.read_csv(REALDATA / "meli" / "meli_listing_order_2021.csv", index_col=0)
    keyword = raw["country"] + " / " + raw["category_name"]
    new_page = raw.groupby(keyword, sort=False)["order_backend"].diff().le(0)
    page = new_page.astype(int).groupby(keyword, sort=False).cumsum() + 1
    table = pd.DataFrame(
        {
            "listing_id": raw["post_id"],
            "keyword": keyword,
            "search_rank": (page - 1) * 50 + raw["order_backend"],
            "title": raw["product"],
            "category": raw["category_name"],
            "price": raw["price"],
            "monthly_sales": raw["sold_quantity"],
        }
    )
    path = folder / "meli_search_table.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not beside checkout")
def test_real_mercadolibre_lists_train_from_one_table(run_cli, tmp_path):
    table = meli_search_table(tmp_path)
    _, card = train_cli(run_cli, table, tmp_path / "m")
    assert card["ranks"]["from_export"] is True
    assert card["ranks"]["groups"] == 107
    # 8,635 rows; 131 repeat a post_id (on another list, or again on a later
    # page of the same list while the list moved): 8,504 listings.
    assert card["data"]["rows"] == 8504 and card["data"]["rejects"] == 0
