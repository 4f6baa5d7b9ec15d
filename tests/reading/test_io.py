"""Faults real files bring to the reader (issue 22, the input side): ids that
Excel squeezed, dates from the future, broken quotes and line ends, numbers
too large to be counts. Each test fails on the reader before the fix."""

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.errors import RankingError
from ranking.model.profile import ProfilePart
from ranking.reading.export import read_export

CATALOG = REPO / "data" / "catalog.csv"


def _catalog_rows(count: int) -> pd.DataFrame:
    return pd.read_csv(CATALOG, dtype=str, nrows=count, encoding="utf-8-sig")


def test_ids_excel_showed_in_scientific_notation_stop_the_file(run_cli, tmp_path):
    # 6.71E+11 is how Excel shows a 12-digit 商品ID; saved as CSV, the text
    # is all that is left. Before: 2,909 of 3,000 rows rejected as repeats,
    # exit 0, the rest scored under mangled ids.
    rows = _catalog_rows(50)
    rows["listing_id"] = [f"{int(i):.2E}" for i in rows["listing_id"]]
    export = tmp_path / "sci.csv"
    rows.to_csv(export, index=False)
    result = run_cli("check", export)
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


def test_one_squeezed_id_is_a_rejected_row_not_a_stopped_file(run_cli, tmp_path):
    export = write_csv(
        tmp_path / "x.csv", "listing_id,visitors\n665936548379,1\n6.71E+11,2\nB,3\n"
    )
    rejects = tmp_path / "rejects.csv"
    result = run_cli("check", export, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(rejects, dtype=str)
    assert written["reject_reason"].tolist() == [
        "row 3: listing_id '6.71E+11' looks like Excel's scientific notation: "
        "the digits are lost; export the column as text"
    ]


def _weights(run_cli, export: Path, output: Path) -> pd.Series:
    result = run_cli("score", export, "-o", output)
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(output, dtype={"listing_id": str})
    return scored.set_index("listing_id")["weight"]


@pytest.mark.parametrize(
    "listed_at, why",
    [
        # A placeholder or a typo from the future: before, it became the day
        # every age counts from and moved 2,906 other listings' weights.
        ("9999-12-31", "after today"),
        ("2099-01-01", "after today"),
    ],
)
def test_a_future_listed_at_is_rejected_and_moves_no_other_listing(
    run_cli, tmp_path, listed_at, why
):
    before = _weights(run_cli, CATALOG, tmp_path / "before.csv")
    rows = pd.read_csv(CATALOG, dtype=str, encoding="utf-8-sig")
    odd = rows.iloc[[0]].assign(listing_id="999999999999", listed_at=listed_at)
    export = tmp_path / "odd.csv"
    pd.concat([rows, odd]).to_csv(export, index=False)
    after = _weights(run_cli, export, tmp_path / "after.csv")
    pd.testing.assert_series_equal(after.drop("999999999999", errors="ignore"), before)
    reasons = pd.read_csv(tmp_path / "after.rejects.csv", dtype=str)
    assert reasons["reject_reason"].tolist() == [
        f"row 3002: listed_at is {listed_at}, {why} "
        f"({pd.Timestamp.now(tz='UTC').date()}); "
        "expected the day the listing went on sale"
    ]


def test_the_reference_date_is_not_taken_from_one_outlying_row():
    # A date before today but alone five weeks after the catalog's newest
    # listing is kept as a listing; the day the others' ages count from is
    # still the catalog's own (every added row moves category yardsticks a
    # little, so this is checked on the date, not on the weights).
    rows = read_export(CATALOG).data
    alone = rows.iloc[[0]].assign(
        listing_id="999999999999", listed_at=pd.Timestamp("2026-12-05")
    )
    before = ProfilePart.of(rows).as_of
    assert str(before.date()) == str(rows["listed_at"].max().date())
    assert ProfilePart.of(pd.concat([rows, alone])).as_of == before
    # Read in chunks, the parts agree with the whole.
    parts = ProfilePart.of(rows.iloc[:1500]) + ProfilePart.of(
        pd.concat([rows.iloc[1500:], alone])
    )
    assert parts.as_of == before


def test_listed_at_after_the_exports_period_is_a_bad_cell(tmp_path):
    export = write_csv(
        tmp_path / "x.csv",
        "商品ID,统计日期,上架时间\n"
        "A,2024-05-01至2024-05-30,2024-05-30\n"
        "B,2024-05-01至2024-05-30,2024-06-02\n",
    )
    read = read_export(export)
    assert read.data["listing_id"].tolist() == ["A"]
    assert read.rejects["reject_reason"].tolist() == [
        "row 3: listed_at is 2024-06-02, after the export's period (ends "
        "2024-05-30); expected the day the listing went on sale"
    ]


@pytest.mark.parametrize(
    "text, row",
    [
        # Before: one listing whose title held the next line, exit 0.
        ('listing_id,title\nA1,"never closed\nA2,x\n', 2),
        # The row the quote opens on, on the pandas reader too (a short row
        # sends the file there).
        ('listing_id,title,visitors\nA1,x\nA2,y,3\nA3,"open,4\nA4,z,1\n', 4),
    ],
)
def test_a_quote_never_closed_is_an_error_naming_its_row(run_cli, tmp_path, text, row):
    export = write_csv(tmp_path / "x.csv", text)
    result = run_cli("check", export)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {export}: row {row}: ")
    assert "never closed" in result.stderr and result.stderr.count("\n") == 1


def test_a_closed_quote_holding_line_breaks_to_the_end_is_one_cell(tmp_path):
    export = write_csv(tmp_path / "x.csv", 'listing_id,title\nA1,"two\nlines"\n')
    assert read_export(export).data["title"].tolist() == ["two\nlines"]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_carriage_return_inside_a_title_stays_in_its_row(
    tmp_path, line_end, ragged, encoding
):
    # pandas' to_csv writes a title holding a lone CR without quotes; both
    # readers ended the row there: before, the fragment 碎花 was a listing
    # and 连衣裙 the id of another. A short row (ragged) sends the file to
    # the pandas reader.
    rows = ["商品ID,商品名称,访客数", "A1,碎花\r连衣裙,5", '"A2","红\r裙",3']
    rows += ["A3,x"] if ragged else ["A3,x,1"]
    export = write_csv(tmp_path / "x.csv", line_end.join(rows) + line_end, encoding)
    read = read_export(export)
    assert len(read.rejects) == 0
    assert read.data["listing_id"].tolist() == ["A1", "A2", "A3"]
    assert read.data["title"].tolist() == ["碎花\r连衣裙", "红\r裙", "x"]
    assert read.data.loc[[2, 3], "visitors"].tolist() == [5, 3]


def test_a_file_whose_lines_end_in_a_lone_carriage_return_still_reads(tmp_path):
    export = write_csv(tmp_path / "x.csv", 'listing_id,title\rA1,"a\rb"\rA2,y\r')
    assert read_export(export).data["title"].tolist() == ["a\rb", "y"]


def test_a_count_of_1e308_is_not_a_count(run_cli, tmp_path):
    # Before: read as a number and kept, 1e308 favourites outweighing every
    # other listing's engagement. A trillion is the bound (decided: no
    # listing's count or amount reaches it), and a trillion itself is kept.
    export = write_csv(
        tmp_path / "x.csv",
        "listing_id,favorites,gmv\nA1,1e308,10\nA2,1e12,10\nA3,5,2e13\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = run_cli("check", export, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert pd.read_csv(rejects, dtype=str)["reject_reason"].tolist() == [
        "row 2: favorites is 1e+308, above 1,000,000,000,000: not a count",
        "row 4: gmv is 2e+13, above 1,000,000,000,000: not an amount",
    ]


#: 抖店's live-room product sheet (直播间详情页_整场数据下载_….xlsx, sheet 商品),
#: laid out as a public parser of that file splits it: the live room's totals
#: first (their own header, then values), the product table, and under a
#: product a SKU sub-table opened by "- | sku名称 | sku图片 | ...", whose rows
#: start with "-". Headers as that parser names them.
LIVE_ROOM = [
    "商品点击人数",
    "直播间商品曝光-点击率(人数)",
    "商品点击-成交转化率(人数)",
    "客单价",
]
PRODUCTS = [
    "商品名称", "商品图片", "商品编号", "成交金额", "成交件数", "成交人数",
    "成交订单数", "预售订单数", "预售创建金额", "商品曝光人数", "商品点击人数",
    "商品曝光-点击率(人数)", "商品点击-成交转化率(人数)", "退款人数", "退款金额",
    "退款订单数",
]  # fmt: skip
SKUS = [
    "-", "sku名称", "sku图片", "成交金额", "成交件数", "成交人数", "成交订单数",
    "预售订单数", "预售创建金额", "退款人数", "退款金额", "退款订单数", "商品支付GPM",
]  # fmt: skip
IMAGE = "https://p3-aio.ecombdimg.com/obj/ecom-shop-material/{}.jpeg"


def test_douyin_live_room_sku_rows_are_set_aside_not_listings(tmp_path):
    def product(name, item, image):
        return [name, IMAGE.format(image), item, "8990", "100", "95", "98", "0"]

    def sku(name, image):
        return ["-", name, IMAGE.format(image), "4495", "50", "48", "49", "0"]

    rows = [
        LIVE_ROOM,
        ["1234", "12.5%", "8.1%", "89.9"],
        PRODUCTS,
        product("碎花连衣裙", "3601234567890123456", "a"),
        SKUS,
        sku("红色 M", "b"),
        sku("蓝色 L", "c"),
        ["-", "黑色 S", "", "0", "0", "0", "0", "0"],  # a SKU with no image
        product("真皮女包", "3601234567890123457", "d"),
    ]
    export = tmp_path / "直播间详情页_整场数据下载_2025-09-09_15-40-44.xlsx"
    width = len(PRODUCTS)
    grid = pd.DataFrame([row + [None] * (width - len(row)) for row in rows])
    grid.to_excel(export, sheet_name="商品", header=False, index=False)
    read = read_export(export)
    # Before: the SKU rows were listings whose id was an image URL, and the
    # marker row a bad row.
    assert read.data["listing_id"].tolist() == [
        "3601234567890123456",
        "3601234567890123457",
    ]
    assert read.header_row == 3 and read.bad_rows.empty
    assert read.not_listings == 4
    assert read.rejects["reject_reason"].tolist() == [
        f"row {row}: not a listing: a SKU sub-table row (its first cell is a dash)"
        for row in (5, 6, 7, 8)
    ]


def test_a_dash_listing_id_in_the_first_column_is_still_a_sub_table_row(tmp_path):
    export = write_csv(tmp_path / "x.csv", "商品ID,商品名称\n1,a\n-,https://x/y.jpg\n")
    read = read_export(export)
    assert read.data["listing_id"].tolist() == ["1"] and read.not_listings == 1


# --- property: whatever a real file brings, nothing lost, no traceback ---------

ODD_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "合计",
            '5" 屏',
            '"',
            '""',
            "a,b",
            "two\nlines",
            "carriage\rreturn",
            "crlf\r\ninside",
            '=HYPERLINK("x")',
            "1e308",
            "-1",
            "6.71E+11",
            "6.65936548379E+11",
            "9999-12-31",
            "2099/1/1",
            "1.2万",
            "3.5%",
            "N/A",
            " \t ",
            "﻿",
        ]
    ),
    st.text(alphabet='ab中,"\r\n -=.%万0123456789', max_size=10),
)


def _backoffice_rows(count: int) -> pd.DataFrame:
    from ranking.sim import backoffice_frame

    catalog = pd.read_csv(
        CATALOG, nrows=count, encoding="utf-8-sig", dtype={"listing_id": str}
    )
    catalog["listed_at"] = pd.to_datetime(catalog["listed_at"])
    return backoffice_frame(catalog)


BACKOFFICE = _backoffice_rows(12)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    odd=st.lists(
        st.tuples(
            st.integers(0, len(BACKOFFICE) - 1),
            st.integers(0, len(BACKOFFICE.columns) - 1),
            ODD_CELLS,
        ),
        max_size=12,
    ),
    line_end=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    title_line=st.booleans(),
    cut=st.one_of(st.none(), st.floats(0.05, 0.999)),
)
def test_real_format_exports_mutated_lose_no_row_and_raise_no_traceback(
    tmp_path, odd, line_end, encoding, title_line, cut
):
    rows = BACKOFFICE.astype(object).values.tolist()
    for row, column, cell in odd:
        rows[row][column] = cell
    text = io.StringIO()
    if title_line:
        text.write("商品效果" + line_end + "统计日期,2024-05-01~2024-05-30" + line_end)
    writer = csv.writer(text, lineterminator=line_end)
    writer.writerow(BACKOFFICE.columns)
    writer.writerows(rows)
    data = text.getvalue().encode(encoding)
    if cut is not None:
        data = data[: max(1, int(len(data) * cut))]
    path = tmp_path / "生意参谋_商品.csv"
    path.write_bytes(data)
    try:
        export = read_export(path)
    except RankingError as error:
        # One line, naming the file.
        assert "\n" not in str(error) and str(path) in str(error)
        return
    read = len(export.data) + len(export.rejects)
    # A row with no cell is no row; every other is kept, rejected or set aside.
    rows_in = sum(any(str(c).strip() for c in row) for row in rows)
    if cut is None:
        assert read == rows_in
    else:
        assert read <= rows_in
    assert export.data["listing_id"].notna().all()
    assert export.data["listing_id"].is_unique


def test_a_utf8_file_cut_inside_a_character_says_so(run_cli, tmp_path):
    # Before: Arrow's row handler printed a UnicodeDecodeError traceback for
    # the short last row ("Exception ignored in ..."), or the file was read
    # again as GB18030, every Chinese cell garbled.
    data = "商品ID,商品名称,访客数\nA1,碎花连衣裙,5\nA2,真皮".encode()[:-1]
    export = tmp_path / "cut.csv"
    export.write_bytes(data)
    result = run_cli("check", export)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: ends in the middle of a character, so the file was cut "
        "short (an unfinished download or copy?); export it again\n"
    )
