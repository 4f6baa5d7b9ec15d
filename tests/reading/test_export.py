"""Reading and validating exports: every format, encoding and rule of spec §2 and §5."""

import hashlib

import pandas as pd
import pytest
from conftest import REALDATA, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.errors import ExportError, OutputError, RankingError, RejectedRowsError
from ranking.model.features import FACTORS
from ranking.reading.export import read_export, read_ranks
from ranking.sim import backoffice_frame
from ranking.writing import writers, xlsx

HEADER = "listing_id,title,visitors,dsr_service,review_count,negative_reviews\n"


def canonical_data(path):
    return read_export(path).data.reset_index(drop=True)


def test_backoffice_gb18030_reads_exactly_as_canonical_utf8(market_files):
    text = market_files["backoffice"].read_bytes()
    assert "商品ID".encode("gb18030") in text  # really GB18030 with Chinese headers
    assert "万".encode("gb18030") in text and b"%" in text
    assert "是".encode("gb18030") in text
    canonical = read_export(market_files["catalog"])
    backoffice = read_export(market_files["backoffice"])
    assert backoffice.encoding == "gb18030"
    assert backoffice.header_row == 2  # the period line above the header is skipped
    pd.testing.assert_frame_equal(
        canonical.data.reset_index(drop=True), backoffice.data.reset_index(drop=True)
    )
    assert backoffice.columns["listing_id"] == "商品ID"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_are_detected(tmp_path, encoding):
    text = '商品ID,商品名称,访客数\nA1,碎花连衣裙,1.2万\nA2,真皮女包,"3,400"\n'
    data = canonical_data(write_csv(tmp_path / "x.csv", text, encoding))
    assert data["title"].tolist() == ["碎花连衣裙", "真皮女包"]
    assert data["visitors"].tolist() == [12000.0, 3400.0]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".tsv"])
def test_every_format_reads_like_csv(market, tmp_path, suffix):
    catalog = market.catalog
    csv_path = tmp_path / "catalog.csv"
    other = tmp_path / f"catalog{suffix}"
    writers.write_table(catalog, csv_path)
    writers.write_table(catalog, other)
    pd.testing.assert_frame_equal(
        canonical_data(csv_path), canonical_data(other), check_dtype=False
    )


def test_backoffice_xlsx_reads_like_canonical(market, tmp_path):
    bo = tmp_path / "bo.xlsx"
    writers.write_table(backoffice_frame(market.catalog), bo)
    csv_path = tmp_path / "catalog.csv"
    writers.write_table(market.catalog, csv_path)
    pd.testing.assert_frame_equal(canonical_data(csv_path), canonical_data(bo))


def test_format_is_sniffed_from_content(market, tmp_path):
    xlsx = tmp_path / "a.xlsx"
    writers.write_table(market.catalog.head(5), xlsx)
    disguised = tmp_path / "a.csv"
    disguised.write_bytes(xlsx.read_bytes())
    assert len(read_export(disguised).data) == 5


def test_tab_separated_text_with_csv_name(tmp_path):
    path = write_csv(tmp_path / "x.csv", "listing_id\ttitle\nA1\ta, b\n")
    assert read_export(path).data["title"].tolist() == ["a, b"]


@pytest.mark.parametrize(
    "header",
    [
        "LISTING_ID",
        " Listing ID ",
        "商品ID",
        "宝贝ID",
        "item_id",
        "ASIN",
        "(Child) ASIN",
        "sku",
    ],
)
def test_listing_id_aliases(tmp_path, header):
    path = write_csv(tmp_path / "x.csv", f"{header},Sessions - Total\nA1,5\n")
    export = read_export(path)
    assert export.columns == {
        "listing_id": header.strip(),
        "visitors": "Sessions - Total",
    }


def test_same_column_twice_under_two_aliases_names_both(tmp_path):
    path = write_csv(tmp_path / "x.csv", "商品ID,访客数,Sessions\nA1,1,2\n")
    with pytest.raises(ExportError, match="'访客数' and 'Sessions' are both visitors"):
        read_export(path)


def test_identical_headers_are_an_error(tmp_path):
    path = write_csv(tmp_path / "x.csv", "listing_id,note,note\nA1,a,b\n")
    with pytest.raises(ExportError, match="column 'note' appears twice"):
        read_export(path)


def test_unknown_columns_pass_through(tmp_path):
    path = write_csv(tmp_path / "x.csv", "listing_id,备注,price\nA1,hello,¥3\n")
    export = read_export(path)
    assert export.passthrough == ["备注"]
    assert export.raw["备注"].tolist() == ["hello"]
    assert export.raw["price"].tolist() == ["¥3"]  # raw keeps the cell as written


def test_unknown_signals_are_listed_not_zeroed(tmp_path):
    path = write_csv(tmp_path / "x.csv", "listing_id,monthly_sales,price\nA1,3,2\n")
    export = read_export(path)
    assert "favorites" in export.unknown_signals
    assert "favorites" not in export.data.columns
    assert "gmv" not in export.unknown_signals  # derivable from sales × price


def test_dsr_times_100_only_when_whole_column_is(tmp_path):
    scaled = read_export(
        write_csv(tmp_path / "a.csv", "listing_id,dsr_service\nA,487\nB,479\nC,0\n")
    )
    assert scaled.data["dsr_service"].tolist()[:2] == [4.87, 4.79]
    assert pd.isna(scaled.data["dsr_service"].iloc[2])  # 0 = no score yet
    mixed = read_export(
        write_csv(tmp_path / "b.csv", "listing_id,dsr_service\nA,487\nB,4.79\n")
    )
    assert mixed.rejects["reject_reason"].tolist() == [
        "row 2: dsr_service is 487, expected 1-5 "
        "(is it ×100? then write every value so)"
    ]


# --- spec §5: file-level problems -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "no such file"),
        (lambda p: p, "is a folder"),
        (lambda p: write_csv(p / "e.csv", ""), "is empty"),
        (lambda p: write_csv(p / "e.csv", "\n\n  \n"), "is empty"),
        (
            lambda p: write_csv(p / "n.csv", "title,price\nx,1\n"),
            "no listing_id column",
        ),
        (lambda p: write_csv(p / "h.csv", "listing_id,price\n,\n"), "no rows"),
        (
            lambda p: _bytes(p / "b.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
            "binary file",
        ),
        (
            lambda p: _bytes(p / "b.xlsx", b"PK\x03\x04 not really a zip"),
            "cannot be read",
        ),
        (lambda p: _bytes(p / "b.parquet", b"PAR1garbage"), "cannot be read"),
        # UTF-16 without its byte-order mark cannot be told from binary.
        (
            lambda p: _bytes(p / "u.csv", "listing_id\nA\n".encode("utf-16-le")),
            "binary",
        ),
    ],
    ids=[
        "missing",
        "folder",
        "empty",
        "blank",
        "no-id",
        "header-only",
        "binary",
        "bad-xlsx",
        "bad-parquet",
        "utf16",
    ],
)
def test_unusable_files_raise_one_line_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ExportError) as caught:
        read_export(path)
    text = str(caught.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_utf16_with_its_byte_order_mark_reads_like_utf8(tmp_path):
    text = "商品ID,支付件数\n1,5\n2,3\n"
    _bytes(tmp_path / "u16.csv", text.encode("utf-16"))
    _bytes(tmp_path / "u8.csv", text.encode("utf-8"))
    wide, narrow = read_export(tmp_path / "u16.csv"), read_export(tmp_path / "u8.csv")
    pd.testing.assert_frame_equal(wide.data, narrow.data)
    assert wide.encoding == "utf-16"


def _bytes(path, data):
    path.write_bytes(data)
    return path


# --- spec §5: row-level problems --------------------------------------------------

ROW_CASES = [
    ("A1,t,5,4.8,10,1\nA1,t,6,4.8,10,1\n", "row 3: listing_id 'A1' repeats row 2"),
    ("A1,t,-3,4.8,10,1\n", "row 2: visitors is -3, expected a count ≥ 0"),
    ("A1,t,lots,4.8,10,1\n", "row 2: visitors is 'lots', expected a number"),
    ("A1,t,5,48.7,10,1\n", "row 2: dsr_service is 48.7, expected 1-5 (is it ×10?)"),
    ("A1,t,5,0.5,10,1\n", "row 2: dsr_service is 0.5, expected 1-5"),
    ("A1,t,5,4.8,10,11\n", "row 2: negative_reviews is 11, above review_count 10"),
    (",t,5,4.8,10,1\n", "row 2: listing_id is empty"),
]


@pytest.mark.parametrize(
    ("rows", "reason"),
    ROW_CASES,
    ids=["repeat", "negative", "nan", "dsr10", "dsr", "neg>reviews", "no-id"],
)
def test_bad_rows_go_to_rejects_with_reason(tmp_path, rows, reason):
    good = "G1,good,7,4.9,3,0\n"
    path = write_csv(tmp_path / "x.csv", HEADER + rows + good)
    export = read_export(path)
    assert export.rejects["reject_reason"].iloc[-1].startswith(reason)
    assert "G1" in export.data["listing_id"].tolist()  # the rest are processed
    assert list(export.rejects.columns[-2:]) == ["reject_row", "reject_reason"]
    with pytest.raises(RejectedRowsError, match=r"row\(s\) rejected and --strict"):
        read_export(path, strict=True)


def test_several_problems_in_one_row_are_all_named(tmp_path):
    path = write_csv(tmp_path / "x.csv", HEADER + "A1,t,-1,9,2,5\n")
    reason = read_export(path).rejects["reject_reason"].iloc[0]
    assert "visitors is -1" in reason and "dsr_service is 9" in reason
    assert "negative_reviews is 5, above review_count 2" in reason


def test_reading_never_modifies_the_input(market_files):
    path = market_files["backoffice"]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read_export(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_failed_write_leaves_old_output_and_no_temp_file(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old")
    # A chunk written to the temporary file, then the run fails.
    with pytest.raises(RuntimeError), writers.TableWriter(out) as writer:
        writer.write(pd.DataFrame({"a": [1]}))
        raise RuntimeError("disk full")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_unwritable_output_is_a_user_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        writers.write_table(pd.DataFrame({"a": [1]}), tmp_path / "no" / "out.csv")
    with pytest.raises(OutputError, match="cannot write '.json'"):
        writers.write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.json")


# --- ranks -----------------------------------------------------------------------


def test_ranks_with_censored_rows(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        "商品ID,关键词,排名\nA,连衣裙,1\nB,连衣裙,>48\nC,连衣裙,未上榜\nD,连衣裙,x\nA,连衣裙,2\n",
    )
    ranks = read_ranks(path)
    assert ranks.data["censored"].tolist() == [False, True, True]
    assert ranks.groups == 1
    assert ranks.rejects["reject_reason"].tolist() == [
        "row 5: search_rank is 'x', expected a position 1, 2, ... or a censored one "
        "such as >100 or 未上榜",
        "row 6: listing_id and keyword repeat an earlier row",
    ]


def test_ranks_file_needs_its_three_columns(tmp_path):
    path = write_csv(tmp_path / "r.csv", "listing_id,keyword\nA,k\n")
    with pytest.raises(ExportError, match="no search_rank column"):
        read_ranks(path)


# --- real data written by others ---------------------------------------------------


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not beside checkout")
def test_real_taobao_result_pages():
    path = REALDATA / "taobao_serp" / "taobao_serp_positions.csv"
    export = read_export(path)
    assert export.columns["listing_id"] == "nid"
    assert export.columns["dsr_logistics"] == "dsr_delivery"
    dsr = export.data["dsr_description"]
    assert dsr.dropna().between(1, 5).all()  # written ×100 on the page
    assert dsr.median() > 4.5
    assert dsr.isna().sum() == 4  # the page's 0 = no score
    assert export.data["payer_count"].max() > 1000
    # 10609596736 is on the 芝麻糊 page twice (an ad at 1, in place at 3): one
    # listing, its second row folded into it, not a rejected repeat.
    assert len(export.data) + len(export.rejects) == 72 - 1
    assert export.rejects["reject_reason"].str.contains("listing_id is empty").all()
    assert any("1 row(s) repeat a listing" in note for note in export.notes)
    ranks = read_ranks(path)
    assert ranks.groups == 2  # 女包 and 芝麻糊


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not beside checkout")
def test_real_pricerunner_titles():
    export = read_export(REALDATA / "pricerunner" / "pricerunner_title_category.csv")
    assert len(export.data) == 35311
    assert export.data["category"].nunique() >= 10


# --- properties --------------------------------------------------------------------

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1,234", "3.5%", "1.2万", "-", "--", "是", "487", ">100", "¥1"]),
    st.integers(-(10**6), 10**6).map(str),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=8))
def test_reader_raises_only_its_own_errors_on_arbitrary_cells(tmp_path, rows):
    frame = pd.DataFrame(rows, columns=HEADER.strip().split(","))
    path = tmp_path / "arb.csv"
    frame.to_csv(path, index=False)
    try:
        export = read_export(path)
    except RankingError as error:
        assert "\n" not in str(error)
        return
    ids = export.data["listing_id"]
    assert ids.notna().all() and ids.is_unique
    assert export.rejects["reject_reason"].str.startswith("row ").all()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=300), st.sampled_from([".csv", ".xlsx", ".parquet", ".tsv"]))
def test_reader_raises_only_its_own_errors_on_arbitrary_bytes(tmp_path, data, suffix):
    path = tmp_path / f"arb{suffix}"
    path.write_bytes(data)
    try:
        read_export(path)
    except RankingError as error:
        assert "\n" not in str(error)


def test_gb18030_text_that_starts_as_plain_ascii(tmp_path):
    """Chinese only after the first 64 KiB: the sniffed start decodes as UTF-8,
    so the full read must notice and fall back to GB18030."""
    rows = [f"A{i},plain title {i},{i}" for i in range(4000)]
    rows.append("Z1,碎花连衣裙,1.2万")
    text = "listing_id,title,visitors\n" + "\n".join(rows) + "\n"
    assert len(text.split("碎花")[0]) > 65536
    path = write_csv(tmp_path / "late.csv", text, "gb18030")
    export = read_export(path)
    assert export.encoding == "gb18030"
    assert export.data["title"].iloc[-1] == "碎花连衣裙"
    assert export.data["visitors"].iloc[-1] == 12000.0


def test_scored_xlsx_is_made_for_people(run_cli, market_files, model_dir, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "scored.xlsx"
    args = ["score", str(market_files["catalog"]), "-o", str(out)]
    result = run_cli(*args, "--model", model_dir)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref.startswith("A1:")
    scaled = {
        header[rule_range.min_col - 1]
        for rule_range in (
            r for cf in sheet.conditional_formatting for r in cf.sqref.ranges
        )
    }
    assert {"weight", "fix_1_gain", "category_percentile"} <= scaled
    # A Chinese title is twice as wide as its character count, up to the cap.
    title = sheet.column_dimensions[chr(ord("A") + header.index("title"))].width
    longest = max(len(str(c.value)) for c in sheet["B"][1:200])
    assert title >= min(2 * longest, xlsx.MAX_WIDTH)
    frame = pd.read_excel(out, dtype={"listing_id": str}, engine="calamine")
    scored = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    assert frame["listing_id"].tolist() == scored["listing_id"].tolist()


def test_scored_xlsx_speaks_the_chosen_language(
    run_cli, market_files, model_dir, tmp_path
):
    """Headers ``score`` adds in Chinese (the column's name kept as the
    cell's comment), fixes in plain words; CSV keeps the factor names."""
    from openpyxl import load_workbook

    from ranking.present.lang import fix_words

    out, plain = tmp_path / "scored.xlsx", tmp_path / "scored.csv"
    args = [str(market_files["catalog"]), "--model", str(model_dir), "--lang", "zh"]
    assert run_cli("score", *args, "-o", out).exit_code == 0
    assert run_cli("score", *args, "-o", plain).exit_code == 0
    sheet = load_workbook(out).active
    header = {cell.value: cell for cell in sheet[1]}
    assert "权重" in header and "weight" not in header
    assert header["权重"].comment.text == "weight"
    assert header["优先修复1"].comment.text == "fix_1"
    assert "listing_id" in header and header["listing_id"].comment is None
    scaled = {
        sheet.cell(1, r.min_col).value
        for cf in sheet.conditional_formatting
        for r in cf.sqref.ranges
    }
    assert {"权重", "修复1预计提升"} <= scaled
    table = pd.read_csv(plain, dtype={"listing_id": str})
    frame = pd.read_excel(out, dtype={"listing_id": str}, engine="calamine")
    said = table["fix_1"].fillna("").map(lambda f: fix_words(f, "zh"))
    assert frame["优先修复1"].fillna("").tolist() == said.tolist()
    assert set(table["fix_1"].dropna()) <= set(FACTORS)
    blocked = table["blockers"].fillna("").str.contains("dsr")
    assert blocked.any()
    assert frame.loc[blocked, "降权项"].str.contains("店铺DSR").all()
