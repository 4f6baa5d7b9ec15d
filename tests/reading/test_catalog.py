"""Several exports, one catalog (ranking.reading.catalog): joined on the listing id."""

import json
import re

import pandas as pd
import pytest
from conftest import FIXTURES, write_csv

from ranking.errors import ExportError
from ranking.reading.catalog import open_catalog, parse_sets
from ranking.reading.export import read_export

EXPORTS = FIXTURES / "exports"
SYCM = EXPORTS / "sycm_goods_2026-03.xlsx"
ITEMS = EXPORTS / "taobao_assistant_items.csv"


def _joined(*paths, sets=()):
    return open_catalog(list(paths), sets=sets).read()


def test_sycm_export_and_item_list_give_one_catalog_with_category_and_price():
    export = _joined(SYCM, ITEMS)
    data = export.data.set_index("listing_id")
    assert data.loc["600001", "category"] == "162201"  # from the item list
    assert data.loc["600001", "visitors"] == 1520  # from 生意参谋
    assert data.loc["600002", "price"] == 119  # the item list's, not gmv / units
    # In 生意参谋 only: the item list's signals are unknown for it.
    assert pd.isna(data.loc["600004", "category"])
    # In the item list only: a listing too, with 生意参谋's signals unknown.
    assert data.loc["600005", "category"] == "162103"
    assert pd.isna(data.loc["600005", "visitors"])
    assert export.coverage == {
        "sycm_goods_2026-03.xlsx": pytest.approx(0.8),
        "taobao_assistant_items.csv": pytest.approx(0.8),
    }
    # The item list's own columns pass through to outputs under their names.
    assert "宝贝价格" in export.raw.columns
    row = export.data.index[export.data["listing_id"] == "600005"][0]
    assert export.raw.loc[row, "宝贝价格"] == "239"
    assert pd.isna(export.raw.loc[row, "商品访客数"])


def test_two_files_that_disagree_are_one_error_naming_both(tmp_path):
    a = write_csv(tmp_path / "a.csv", "商品ID,价格,支付件数\n1,10,5\n2,20,6\n3,30,7\n")
    b = write_csv(tmp_path / "b.csv", "数字ID,宝贝价格\n1,10.00\n2,25\n3,31\n")
    with pytest.raises(ExportError) as caught:
        _joined(a, b)
    message = str(caught.value)
    assert "a.csv and b.csv disagree on price for listing 2 (20 vs 25)" in message
    assert "and 1 more" in message and "\n" not in message


def test_values_two_files_write_differently_still_agree(tmp_path):
    a = write_csv(tmp_path / "a.csv", '商品ID,价格\n1,"1,234.50"\n2,¥20\n')
    b = write_csv(
        tmp_path / "b.csv", "数字ID,宝贝价格,宝贝类目\n1,1234.5,16\n2,20.00,16\n"
    )
    data = _joined(a, b).data.set_index("listing_id")
    assert data["price"].tolist() == [1234.5, 20.0]
    assert data["category"].tolist() == ["16", "16"]


def test_set_gives_every_listing_a_value(tmp_path):
    export = _joined(SYCM, sets=["服务态度=4.8", "dsr_logistics=487"])
    assert export.data["dsr_service"].eq(4.8).all()
    assert export.data["dsr_logistics"].eq(4.87).all()  # ×100 read as Taobao writes it
    assert "dsr_service" not in export.unknown_signals


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("dsr_service", "expected COLUMN=VALUE"),
        ("nonsense=3", "'nonsense' is not a signal"),
        ("listing_id=3", "is not a signal"),
        ("dsr_service=48", "expected 1-5 (is it ×10?)"),
        ("主图视频=maybe", "expected yes/no"),
    ],
)
def test_bad_set_values_are_one_line_errors(item, message):
    with pytest.raises(ExportError, match=re.escape(message)):
        parse_sets([item])


def test_set_of_a_column_a_file_gives_is_refused():
    with pytest.raises(ExportError, match="already gives visitors"):
        _joined(SYCM, sets=["visitors=10"])


def test_signals_whose_parts_come_from_two_files_are_derived(tmp_path):
    a = write_csv(tmp_path / "a.csv", "商品ID,支付金额\n1,200\n2,0\n")
    b = write_csv(tmp_path / "b.csv", "商品ID,成功退款金额\n1,20\n2,5\n")
    data = _joined(a, b).data.set_index("listing_id")
    assert data.loc["1", "refund_rate"] == pytest.approx(0.1)
    assert pd.isna(data.loc["2", "refund_rate"])  # nothing paid: no rate


def test_joining_streams_the_first_export_chunk_by_chunk(tmp_path):
    rows = "\n".join(f"{i},{i % 7}" for i in range(1, 501))
    a = write_csv(tmp_path / "a.csv", "商品ID,支付件数\n" + rows + "\n")
    b = write_csv(tmp_path / "b.csv", "商品ID,价格\n3,9.5\n499,1\n900,2\n")
    whole = _joined(a, b).data.reset_index(drop=True)
    chunked = pd.concat(
        [c.data for c in open_catalog([a, b], chunk_rows=64).chunks()]
    ).reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, chunked)
    assert whole["listing_id"].tolist()[-1] == "900"  # only in b: last


def test_check_cli_joins_files_and_shows_coverage(run_cli):
    result = run_cli("check", SYCM, ITEMS, "--set", "服务态度=4.8")
    assert result.exit_code == 0, result.output
    assert "files joined on listing_id" in result.output
    assert " 80.0%  taobao_assistant_items.csv" in result.output
    assert "category         ← 宝贝类目 (taobao_assistant_items.csv)" in result.output
    assert "dsr_service      ← --set dsr_service=4.8" in result.output


def test_score_joined_exports_with_category_and_price_known(
    run_cli, tmp_path, model_dir
):
    out = tmp_path / "scored.csv"
    result = run_cli("score", SYCM, ITEMS, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(out, dtype=str)
    assert len(scored) == 5
    assert {"商品ID", "宝贝价格", "weight"} <= set(scored.columns)
    one = read_export(SYCM)  # the spine alone: no category, price derived
    assert "category" in one.unknown_signals


def test_audit_cache_is_keyed_by_every_file(run_cli, tmp_path, model_dir, monkeypatch):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    spine = write_csv(tmp_path / "a.csv", SYCM_CSV)
    items = write_csv(tmp_path / "b.csv", "商品ID,主图视频\n1,是\n2,否\n3,是\n")
    argv = ["audit", str(spine), str(items), "2", "--model", str(model_dir)]
    first = run_cli(*argv, "--format", "json")
    assert first.exit_code == 0, first.output
    write_csv(items, "商品ID,主图视频\n1,是\n2,是\n3,是\n")
    second = run_cli(*argv, "--format", "json")
    assert second.exit_code == 0, second.output
    before, after = json.loads(first.stdout), json.loads(second.stdout)
    assert "has_main_video" not in before["unknown_signals"]
    assert after["weight"] > before["weight"]  # the changed file was read again


SYCM_CSV = (
    "商品ID,商品名称,支付件数,商品访客数\n"
    "1,纯棉T恤 男款 短袖,10,300\n2,纯棉T恤 女款 短袖,4,120\n3,羊毛围巾 冬季,8,200\n"
)


def test_a_listing_only_a_later_file_has_keeps_its_id_in_the_first_files_column(
    tmp_path,
):
    a = write_csv(tmp_path / "a.csv", "商品ID,支付件数,价格\n1,3,10\n2,4,20\n")
    b = write_csv(tmp_path / "b.csv", "数字ID,宝贝价格,类目\n1,10,A\n3,30,B\n")
    export = _joined(a, b)
    row = export.data.index[export.data["listing_id"] == "3"][0]
    assert export.raw.loc[row, "商品ID"] == "3"  # the spine's id column, filled
    assert export.raw.loc[row, "价格"] == "30"
    assert export.data.loc[row, "price"] == 30
    assert export.data.index.is_unique


def test_a_listing_the_first_file_rejects_is_not_added_back_from_another(tmp_path):
    a = write_csv(tmp_path / "a.csv", "商品ID,支付件数,价格\n1,3,10\n2,4,abc\n")
    b = write_csv(tmp_path / "b.csv", "商品ID,类目\n1,A\n2,A\n")
    export = _joined(a, b)
    assert export.data["listing_id"].tolist() == ["1"]
    assert export.rejects["reject_reason"].str.contains("price is 'abc'").any()


def test_an_id_repeated_across_files_names_the_file_it_first_came_from(tmp_path):
    """Read in chunks of two rows: a repeat inside one file (across chunks)
    names no file; a repeat of an earlier file names that file, whichever
    of the earlier files it is."""
    folder = tmp_path / "parts"
    folder.mkdir()
    for name, ids in {
        "part-0.csv": ["A", "B", "C"],
        "part-1.csv": ["D", "E", "D"],
        "part-2.csv": ["F", "E", "A"],
    }.items():
        (folder / name).write_text("商品ID,月销量\n" + "".join(f"{i},1\n" for i in ids))
    chunks = list(open_catalog(folder, chunk_rows=2).chunks())
    reasons = pd.concat([chunk.rejects for chunk in chunks])["reject_reason"].tolist()
    assert reasons == [
        "part-1.csv: row 4: listing_id 'D' repeats row 2",
        "part-2.csv: row 3: listing_id 'E' repeats row 3 of part-1.csv",
        "part-2.csv: row 4: listing_id 'A' repeats row 2 of part-0.csv",
    ]


def test_set_and_what_if_are_one_parser(monkeypatch):
    """--set and --what-if read COLUMN=VALUE through one function: a change
    to it reaches both (issue 23: two parsers had drifted apart)."""
    from ranking.explain import audit
    from ranking.reading import assign, catalog

    calls = []
    real = assign.assignments

    def spy(items, option):
        calls.append(option.flag)
        return real(items, option)

    monkeypatch.setattr(catalog, "assignments", spy)
    monkeypatch.setattr(audit, "assignments", spy)
    assert parse_sets(["服务态度=4.8"]) == {"dsr_service": ("4.8", 4.8)}
    assert audit.parse_what_if(["服务态度=4.8"]) == {"dsr_service": 4.8}
    assert calls == ["--set", "--what-if"]


@pytest.mark.parametrize(
    ("item", "set_message", "what_if_message"),
    [
        (
            "dsr_service",
            "--set dsr_service: expected COLUMN=VALUE, e.g. dsr_service=4.8",
            "--what-if dsr_service: expected COLUMN=VALUE",
        ),
        ("=4.8", "--set =4.8: expected COLUMN=VALUE", "--what-if : not a signal"),
        (
            "colour=red",
            "--set colour=red: 'colour' is not a signal",
            "--what-if colour: not a signal column",
        ),
        ("main_image=a.jpg", "'main_image' is not a signal", None),
        (
            "dsr_service=48",
            "--set dsr_service=48: dsr_service is 48",
            "--what-if dsr_service=48: dsr_service is 48",
        ),
    ],
    ids=["no-equals", "no-column", "unknown", "main-image", "out-of-range"],
)
def test_each_option_keeps_its_own_words(item, set_message, what_if_message):
    from ranking.errors import WhatIfError
    from ranking.explain.audit import parse_what_if

    with pytest.raises(ExportError, match=re.escape(set_message)):
        parse_sets([item])
    if what_if_message is None:
        assert parse_what_if([item]) == {"main_image": "a.jpg"}
    else:
        with pytest.raises(WhatIfError, match=re.escape(what_if_message)):
            parse_what_if([item])
