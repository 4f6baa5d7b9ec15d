"""Exports laid out as real back offices write them (issue 8): one fixture per
platform and vintage, header rows from public sources (tests/fixtures/exports)."""

import pandas as pd
import pytest
from conftest import FIXTURES

from ranking.errors import ExportError, RejectedRowsError
from ranking.reading.export import read_export

EXPORTS = FIXTURES / "exports"

AMAZON = {
    "title": "Title",
    "visitors": "Sessions",
    "page_views": "Page Views",
    "monthly_sales": "Units Ordered",
}

# file → (listings, rows set aside, every signal-bearing header → canonical)
CASES = {
    "sycm_goods_2026-03.xlsx": (
        4,
        0,
        {
            "listing_id": "商品ID",
            "title": "商品名称",
            "visitors": "商品访客数",
            "page_views": "商品浏览量",
            "favorites": "商品收藏人数",
            "add_to_cart": "商品加购人数",
            "payer_count": "支付买家数",
            "monthly_sales": "支付件数",
            "gmv": "支付金额",
            "refunded_amount": "成功退款金额",
            "search_visitors": "搜索引导访客数",
            "period": "统计日期",
        },
    ),
    "taobao_assistant_items.csv": (
        4,
        0,
        {
            "listing_id": "数字ID",
            "title": "宝贝名称",
            "category": "宝贝类目",
            "price": "宝贝价格",
        },
    ),
    "jd_sku_detail_2026-03-31.csv": (
        2,
        1,
        {
            "listing_id": "SKU",
            "title": "SKU名称",
            "category_level_1": "一级类目",
            "category_level_2": "二级类目",
            "category_level_3": "三级类目",
            "gmv": "成交金额",
            "monthly_sales": "成交商品件数",
            "payer_count": "成交客户数",
            "visitors": "商品访客数",
            "page_views": "商品浏览量",
            "add_to_cart": "加购客户数",
            "refunded_amount": "取消及售后退款金额",
            "period": "时间",
        },
    ),
    "jd_self_operated.csv": (
        2,
        0,
        {
            "listing_id": "SKU",
            "title": "商品名称",
            "category_level_1": "一级类目",
            "category_level_2": "二级类目",
            "category_level_3": "三级类目",
            "page_views": "浏览量",
            "visitors": "访客数",
            "payer_count": "成交人数",
            "monthly_sales": "成交商品件数",
            "gmv": "成交金额",
            "add_to_cart": "加购人数",
            "period": "时间",
        },
    ),
    "pdd_goods_2026-03-31.csv": (
        2,
        0,
        {
            "listing_id": "商品ID",
            "title": "商品名称",
            "category_level_1": "一级类目",
            "category_level_2": "二级类目",
            "category_level_3": "三级类目",
            "gmv": "成交金额",
            "monthly_sales": "成交件数",
            "payer_count": "成交买家数",
            "visitors": "商品访客数",
            "page_views": "商品浏览量",
            "favorites": "商品收藏用户数",
        },
    ),
    "douyin_live_goods.csv": (
        2,
        0,
        {
            "listing_id": "商品ID",
            "title": "商品名称",
            "gmv": "用户支付金额",
            "monthly_sales": "成交件数",
            "visitors": "商品点击人数",
        },
    ),
    "amazon_us_pre2020.csv": (
        2,
        0,
        {"listing_id": "(Child) ASIN", **AMAZON, "gmv": "Gross Product Sales"},
    ),
    "amazon_us_2020.csv": (
        2,
        0,
        {"listing_id": "(Child) ASIN", **AMAZON, "gmv": "Ordered Product Sales"},
    ),
    "amazon_us_2023.csv": (
        2,
        0,
        {
            "listing_id": "(Child) ASIN",
            **AMAZON,
            "visitors": "Sessions - Total",
            "page_views": "Page Views - Total",
            "gmv": "Ordered Product Sales",
        },
    ),
    "amazon_us_2023_split.csv": (
        2,
        0,
        {
            "listing_id": "(Child) ASIN",
            **AMAZON,
            "visitors": "Sessions - Total",
            "page_views": "Page Views - Total",
            "gmv": "Ordered Product Sales",
        },
    ),
    **{
        name: (
            2,
            0,
            {
                "listing_id": "(Child) ASIN",
                "title": "Title",
                "visitors": "Sessions – Total",
                "page_views": "Page views – Total",
                "monthly_sales": "Units ordered",
                "gmv": "Ordered Product Sales",
            },
        )
        for name in (
            "amazon_uk_2025.csv",
            "amazon_uk_2025_split.csv",
            "amazon_uk_2025_nosku.csv",
        )
    },
    "amazon_cn.csv": (
        2,
        0,
        {
            "listing_id": "（子）ASIN",
            "title": "标题",
            "visitors": "会话数 - 总计",
            "page_views": "页面浏览量 - 总计",
            "monthly_sales": "已订购商品数量",
            "gmv": "已订购商品销售额",
        },
    ),
    "amazon_tw.csv": (
        2,
        0,
        {
            "listing_id": "(子) ASIN",
            "title": "標題",
            "visitors": "工作階段 - 總計",
            "page_views": "頁面瀏覽次數 - 總計",
            "monthly_sales": "已訂購單位數量",
            "gmv": "訂購產品銷售額",
        },
    ),
    "amazon_de.csv": (
        2,
        0,
        {
            "listing_id": "(Untergeordnete) ASIN",
            "title": "Titel",
            "visitors": "Sitzungen – Summe",
            "page_views": "Seitenaufrufe – Summe",
            "monthly_sales": "Bestellte Einheiten",
            "gmv": "Durch bestellte Produkte erzielter Umsatz",
        },
    ),
    "amazon_jp.csv": (
        2,
        0,
        {
            "listing_id": "（子）ASIN",
            "title": "タイトル",
            "visitors": "セッション数 - 合計",
            "monthly_sales": "注文された商品点数",
            "gmv": "注文商品の売上額",
        },
    ),
    "amazon_active_listings.csv": (
        3,
        0,
        {
            "listing_id": "asin1",
            "title": "item-name",
            "price": "price",
            "listed_at": "open-date",
        },
    ),
    "amazon_jp_old.csv": (
        1,
        0,
        {
            "listing_id": "(子)ASIN",
            "title": "タイトル",
            "visitors": "セッション - 合計",
            "monthly_sales": "注文された商品点数",
            "gmv": "注文商品売上",
        },
    ),
}


def test_every_fixture_has_a_case():
    files = {p.name for p in EXPORTS.iterdir() if p.suffix in {".csv", ".xlsx"}}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_platform_export_reads_whole_with_every_signal_mapped(name):
    listings, aside, mapping = CASES[name]
    export = read_export(EXPORTS / name)
    assert export.columns == mapping
    assert len(export.data) == listings
    assert export.not_listings == aside
    assert len(export.bad_rows) == 0
    assert export.data["listing_id"].is_unique


def _one(name: str, listing: str) -> pd.Series:
    data = read_export(EXPORTS / name).data
    return data.set_index("listing_id").loc[listing]


def test_sycm_units_and_group_ids_are_not_taken_for_people_or_listings():
    export = read_export(EXPORTS / "sycm_goods_2026-03.xlsx")
    assert "商品加购件数" in export.passthrough  # units added to cart
    assert "主商品ID" in export.passthrough  # a linked group, not the listing
    assert "月累计支付件数" in export.passthrough  # month-to-date
    row = export.data.set_index("listing_id").loc["600001"]
    assert row["add_to_cart"] == 51 and row["search_visitors"] == 910
    assert row["refund_rate"] == pytest.approx(120 / 3068)
    # A delisted item (every metric "-") is a listing whose signals are unknown.
    gone = export.data.set_index("listing_id").loc["600004"]
    assert gone[["visitors", "monthly_sales", "gmv"]].isna().all()


def test_jd_total_row_is_set_aside_and_the_category_path_built():
    export = read_export(EXPORTS / "jd_sku_detail_2026-03-31.csv")
    assert "合计" not in set(export.data["listing_id"])
    (reason,) = export.rejects["reject_reason"]
    assert reason == "row 2: not a listing: a total row"
    row = export.data.set_index("listing_id").loc["100012345678"]
    assert row["category"] == "服饰内衣 > 男装 > T恤"
    assert row["price"] == pytest.approx(3410 / 41)  # derived: gmv / units
    assert row["refund_rate"] == pytest.approx(150 / 3410)
    assert str(row["period"].date()) == "2026-03-31"


def test_a_window_in_the_period_column_ends_on_its_last_day():
    assert str(_one("jd_self_operated.csv", "100099990001")["period"].date()) == (
        "2024-05-30"
    )


def test_douyin_live_room_price_and_mount_time_are_not_the_listings():
    export = read_export(EXPORTS / "douyin_live_goods.csv")
    assert {"直播间价格", "首次上架时间"} <= set(export.passthrough)
    row = export.data.set_index("listing_id").loc["3612345678901234567"]
    assert row["gmv"] == 12870.0 and row["price"] == 99.0


def test_amazon_b2b_and_device_twins_are_never_taken_for_the_total():
    export = read_export(EXPORTS / "amazon_uk_2025_split.csv")
    row = export.data.set_index("listing_id").loc["B0CHILD011"]
    assert row["visitors"] == 1000  # Sessions – Total, not the app or browser part
    assert "Sessions – Total – B2B" in export.passthrough
    assert "Sessions – Mobile app" in export.passthrough


def test_an_asin_under_two_skus_is_one_listing_with_traffic_counted_once():
    row = _one("amazon_uk_2025.csv", "B08BP9LB61")
    assert row["visitors"] == 40 and row["page_views"] == 56  # repeated: once
    assert row["monthly_sales"] == 20 and row["gmv"] == pytest.approx(1114.06)


def test_a_child_under_two_parents_adds_its_differing_traffic():
    row = _one("amazon_uk_2025_nosku.csv", "B0D7J2LZY1")
    assert row["visitors"] == 180 and row["monthly_sales"] == 5


def test_german_report_reads_decimal_commas():
    row = _one("amazon_de.csv", "B0DECHILD1")
    assert row["visitors"] == 1204 and row["page_views"] == 1999
    assert row["gmv"] == pytest.approx(5255.61)


@pytest.mark.parametrize(
    ("name", "listing", "gmv"),
    [
        ("amazon_cn.csv", "B0CNCHILD1", 599.7),  # US$
        ("amazon_jp.csv", "B0JPCHILD1", 183000.0),  # ¥
        ("amazon_us_2023.csv", "B096MCMDP1", 12905.25),  # "$12,905.25"
    ],
)
def test_amazon_money_with_its_currency_mark(name, listing, gmv):
    assert _one(name, listing)["gmv"] == pytest.approx(gmv)


def test_check_says_which_column_is_the_listing_and_why(run_cli):
    result = run_cli("check", EXPORTS / "amazon_us_2023.csv", catch_exceptions=False)
    assert result.exit_code == 0
    assert "listing_id is '(Child) ASIN' (child ASIN, ranked first)" in result.output
    assert "passed through: 'SKU' (SKU)" in result.output


def test_check_counts_total_rows_apart_from_bad_rows(run_cli):
    path = EXPORTS / "jd_sku_detail_2026-03-31.csv"
    result = run_cli("check", path, "--strict")
    assert result.exit_code == 0, result.output  # a total row is not bad data
    assert "2 rows kept, 0 rejected, 1 set aside (not listings)" in result.output


def test_strict_still_fails_on_a_bad_row_beside_a_total_row(tmp_path):
    path = tmp_path / "jd.csv"
    path.write_text("SKU,成交金额\n合计,100\n1001,abc\n1002,50\n", encoding="utf-8")
    with pytest.raises(RejectedRowsError, match="1 row"):
        read_export(path, strict=True)


@pytest.mark.parametrize(
    "headers",
    [
        ["商品ID", "宝贝ID"],  # two item ids: the same tier
        ["(Child) ASIN", "（子）ASIN"],
    ],
)
def test_two_ids_of_one_rank_are_an_error(tmp_path, headers):
    path = tmp_path / "two.csv"
    path.write_text(",".join(headers) + "\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="both listing_id"):
        read_export(path)


def test_two_headers_for_one_signal_stay_an_error(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("商品ID,成交件数,支付件数\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ExportError, match="both monthly_sales"):
        read_export(path)


@pytest.mark.parametrize(
    "header",
    ["Sessions\u00a0– Total", "Sessions — Total", "SESSIONS - TOTAL", "sessions–total"],
)
def test_headers_match_across_dashes_case_and_non_breaking_spaces(tmp_path, header):
    path = tmp_path / "a.csv"
    path.write_text(f"ASIN,{header}\nB01,5\n", encoding="utf-8")
    assert read_export(path).columns["visitors"] == header


def test_a_dash_id_is_a_sub_table_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("商品ID,支付件数\n1,5\n-,3\n2,4\n", encoding="utf-8")
    export = read_export(path)
    assert export.data["listing_id"].tolist() == ["1", "2"]
    assert export.not_listings == 1 and len(export.bad_rows) == 0


def test_amazon_business_report_joined_with_its_listings_report():
    from ranking.reading.catalog import open_catalog

    business = EXPORTS / "amazon_uk_2025.csv"
    listings = EXPORTS / "amazon_active_listings.csv"
    export = open_catalog([business, listings]).read()
    data = export.data.set_index("listing_id")
    row = data.loc["B08BP9LB61"]  # two SKU rows in each report: one listing
    assert row["monthly_sales"] == 20 and row["price"] == pytest.approx(55.76)
    assert str(row["listed_at"].date()) == "2024-05-14"  # 14/05/2024 … BST
    assert pd.isna(data.loc["B076B1NF11", "visitors"])  # listed, no traffic row
    assert export.coverage["amazon_active_listings.csv"] == pytest.approx(1.0)


PLATFORMS = {
    "sycm_goods_2026-03.xlsx": "生意参谋 商品 export",
    "taobao_assistant_items.csv": "淘宝助理 item list",
    "jd_sku_detail_2026-03-31.csv": "京东商智 商品明细 (SKU)",
    "jd_self_operated.csv": "京东自营 经营状况商品明细",
    "pdd_goods_2026-03-31.csv": "拼多多 商品数据",
    "douyin_live_goods.csv": "抖店 直播间商品",
    "amazon_active_listings.csv": "Amazon Active Listings Report",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_names_the_export_each_fixture_is(name):
    (platform,) = read_export(EXPORTS / name).summary()["platforms"].values()
    expected = PLATFORMS.get(name, "Amazon Business Report")
    assert platform is not None and platform.startswith(expected)


def test_check_says_which_factors_it_can_judge_and_where_the_rest_are(run_cli):
    result = run_cli("check", EXPORTS / "amazon_uk_2025.csv")
    assert result.exit_code == 0, result.output
    assert "looks like: Amazon Business Report" in result.output
    assert "factors it lets the tool judge: monthly_sales\n" in result.output
    assert "not judged: review_quality — usually in a sheet of Star Rating" in (
        result.output
    )


def test_a_hand_kept_sheet_is_no_known_export(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("listing_id,title,monthly_sales\n1,a,3\n", encoding="utf-8")
    summary = read_export(path).summary()
    assert summary["platforms"] == {"mine.csv": None}
    assert summary["factors"]["monthly_sales"]["judged"]
    assert not summary["factors"]["category_fit"]["judged"]


def test_merged_asin_rows_derive_price_from_the_merged_sums(tmp_path):
    path = tmp_path / "br.csv"
    path.write_text(
        "(Child) ASIN,SKU,Sessions,Units Ordered,Ordered Product Sales\n"
        "C1,A,100,3,$30.00\nC1,B,100,2,$30.00\n",
        encoding="utf-8",
    )
    row = read_export(path).data.iloc[0]
    assert (row["monthly_sales"], row["gmv"], row["visitors"]) == (5, 60, 100)
    assert row["price"] == pytest.approx(12.0)  # 60 / 5, not the first row's 10


def test_thousands_commas_survive_a_decimal_comma_elsewhere_in_the_file(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        '商品ID,访客数,支付件数,评分\n1,"1,234","1,050",5\n2,"2,100",12,"4,8"\n',
        encoding="utf-8",
    )
    data = read_export(path).data
    assert data["visitors"].tolist() == [1234, 2100]
    assert data["monthly_sales"].tolist() == [1050, 12]
    assert data["avg_rating"].tolist() == [5, 4.8]


def test_a_period_cell_that_is_not_a_date_leaves_the_listing_in(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "商品ID,统计日期,支付件数\n1,2024-05-01 - 2024-05-30,3\n2,someday,4\n",
        encoding="utf-8",
    )
    export = read_export(path)
    assert len(export.data) == 2 and len(export.rejects) == 0
    assert str(export.data["period"].iloc[0].date()) == "2024-05-30"
    assert any(note.startswith("period: 1 cell(s)") for note in export.notes)
