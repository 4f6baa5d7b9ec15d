"""The export contract: canonical columns, their aliases, and row validation.

A back-office export arrives with its own headers (``商品ID``, ``Sessions -
Total``, ...). :func:`match_headers` maps them to canonical names;
:func:`validate` parses every known column and splits the rows into those
kept and those rejected, each rejected row with a reason a person can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.lang import Said
from ranking.reading.values import (
    digits_lost,
    hash_text,
    id_text,
    parse_booleans,
    parse_dates,
    parse_numbers,
    parse_period_ends,
    parse_ranks,
    parse_sales_ranks,
)


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, how its cells are read, its aliases."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    meaning: str


#: Headers that can name the listing, best first. When a file has several
#: (Amazon's Business Report has ``(Child) ASIN`` and ``SKU``), the first tier
#: present is the id and the others pass through; two of one tier are an
#: error. A search result is a detail page: a child ASIN, an item id. A seller
#: SKU is the id only where nothing better is given (京东商智 keys on it).
#: ``(Parent) ASIN`` and 生意参谋's ``主商品ID`` (a linked group) are never
#: ids. Sources: docs/sources/export-headers.md.
ID_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "child ASIN",
        # asin1: the listing's ASIN in Amazon's Active Listings Report.
        ("(Child) ASIN", "Child ASIN", "（子）ASIN", "(Untergeordnete) ASIN", "asin1"),
    ),
    (
        "item id",
        (
            "商品ID",
            "宝贝ID",
            "商品编号",
            "数字ID",
            "item_id",
            "itemid",
            "nid",
            "product_id",
            "listing id",
        ),
    ),
    ("ASIN", ("ASIN",)),
    ("SKU", ("sku",)),
)

# kind: id | text | money | count | score | dsr | bool | date | share | period
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "listing_id",
        "id",
        tuple(alias for _, aliases in ID_TIERS for alias in aliases),
        "the listing's id; required, unique",
    ),
    Column(
        "title",
        "text",
        (
            "商品名称",
            "商品标题",
            "宝贝标题",
            "宝贝名称",
            "SKU名称",
            "标题",
            "標題",
            "Title",
            "Titel",
            "タイトル",
            "product_name",
            "raw_title",
            "item_name",
            "Product Title",
            "item-name",
        ),
        "listing title",
    ),
    Column(
        "category",
        "text",
        (
            "类目",
            "叶子类目",
            "所属类目",
            "商品类目",
            "宝贝类目",
            "Category",
            "category_path",
        ),
        "category the listing is placed in (leaf, or a path with >)",
    ),
    # 京东商智 and 拼多多 write the category as three columns; they form the
    # path 一级 > 二级 > 三级 (see CATEGORY_LEVELS).
    Column("category_level_1", "text", ("一级类目",), "top category level"),
    Column("category_level_2", "text", ("二级类目",), "second category level"),
    Column("category_level_3", "text", ("三级类目",), "third category level"),
    Column(
        "price",
        "money",
        ("价格", "一口价", "售价", "商品价格", "宝贝价格", "Price", "view_price"),
        "current price",
    ),
    Column(
        "visitors",
        "count",
        (
            "访客数",
            "商品访客数",
            "商品点击人数",
            "Sessions - Total",
            "Sessions",
            "会话数 - 总计",
            "工作階段 - 總計",
            "Sitzungen – Summe",
            "セッション数 - 合計",
            "セッション - 合計",
            "unique_visitors",
        ),
        "unique visitors",
    ),
    Column(
        "page_views",
        "count",
        (
            "浏览量",
            "商品浏览量",
            "Page Views - Total",
            "Page Views",
            "页面浏览量 - 总计",
            "頁面瀏覽次數 - 總計",
            "Seitenaufrufe – Summe",
            "pv",
        ),
        "page views",
    ),
    Column(
        "monthly_sales",
        "count",
        (
            "支付件数",
            "月销量",
            "销量",
            "成交件数",
            "成交商品件数",
            "Units Ordered",
            "已订购商品数量",
            "已訂購單位數量",
            "Bestellte Einheiten",
            "注文された商品点数",
            "units_sold",
            # Amazon's search-result badge ("1K+ bought in past month"), a
            # lower bound of the month's units: docs/sources/serp-headers.md.
            "bought_in_past_month",
        ),
        "units paid for in 30 days",
    ),
    Column(
        "payer_count",
        "count",
        (
            "支付买家数",
            "付款人数",
            "成交买家数",
            "成交客户数",
            "成交人数",
            "buyers",
            # Taobao's search page: "1881人付款", people who paid (serp-headers.md).
            "view_sales",
        ),
        "distinct paying buyers",
    ),
    Column(
        "gmv",
        "money",
        (
            "支付金额",
            "坑产",
            "销售额",
            "成交金额",
            "用户支付金额",
            "Ordered Product Sales",
            "Gross Product Sales",
            "已订购商品销售额",
            "訂購產品銷售額",
            "Durch bestellte Produkte erzielter Umsatz",
            "注文商品の売上額",
            "注文商品売上",
            "revenue",
        ),
        "amount paid; monthly_sales × price when absent",
    ),
    Column(
        "favorites",
        "count",
        (
            "收藏人数",
            "商品收藏人数",
            "商品收藏用户数",
            "商品收藏买家数",
            "收藏数",
            "favourites",
        ),
        "buyers who favourited",
    ),
    Column(
        "add_to_cart",
        "count",
        # Not 加购件数 / 商品加购件数: those count units, not people.
        ("加购人数", "商品加购人数", "加购客户数", "add_to_carts"),
        "buyers who added to cart",
    ),
    Column(
        "review_count",
        "count",
        (
            "评价数",
            "累计评价",
            "评论数",
            "Number of Ratings",
            "comment_count",
            "reviews",
        ),
        "reviews, all time",
    ),
    Column(
        "avg_rating",
        "score",
        ("评分", "平均评分", "商品评分", "Star Rating", "rating", "stars"),
        "mean review stars, 1-5",
    ),
    Column(
        "negative_reviews",
        "count",
        ("差评数", "差评", "negative_review_count"),
        "1-2 star reviews",
    ),
    Column(
        "photo_reviews",
        "count",
        ("带图评价数", "买家秀", "有图评价数"),
        "reviews with buyer photos",
    ),
    Column("qa_count", "count", ("问大家", "问大家数"), "buyer Q&A answers"),
    Column(
        "dsr_description",
        "dsr",
        ("描述相符", "宝贝与描述相符", "描述相符评分"),
        "DSR: item as described, 1-5",
    ),
    Column(
        "dsr_service",
        "dsr",
        ("服务态度", "卖家服务态度", "服务态度评分"),
        "DSR: seller service, 1-5",
    ),
    Column(
        "dsr_logistics",
        "dsr",
        ("物流服务", "物流服务质量", "物流服务评分", "dsr_delivery"),
        "DSR: logistics, 1-5",
    ),
    Column("has_main_video", "bool", ("主图视频", "main_video"), "main-image video"),
    Column(
        "has_white_bg_image",
        "bool",
        ("白底图", "white_background"),
        "white-background image",
    ),
    Column(
        "main_image",
        "text",
        ("主图", "主图路径", "image_path", "image"),
        "main image file, relative to the export's folder",
    ),
    Column(
        "listed_at",
        "date",
        (
            "上架时间",
            "发布时间",
            "上新时间",
            "open-date",
            "first_listed",
            "listing_date",
        ),
        "first listed date",
    ),
    Column("refund_rate", "share", ("退款率", "退款率(%)"), "share of orders refunded"),
    Column(
        "search_visitors",
        "count",
        ("搜索访客数", "手淘搜索访客数", "搜索引导访客数", "search_traffic"),
        "visitors from organic search (a training label)",
    ),
    # Amazon's Best Sellers Rank: a sales signal, lower is better, what a
    # search-page capture has where no sales count is given (spec "Training
    # from search pages"; sources in docs/sources/serp-headers.md).
    Column(
        "sales_rank",
        "bsr",
        ("Best Sellers Rank", "BSR", "sales_rank"),
        "Best Sellers Rank in the top-level category, 1 = best selling",
    ),
    # Parts of signals and facts about the file, not signals themselves.
    Column(
        "refunded_amount",
        "money",
        ("成功退款金额", "取消及售后退款金额"),
        "amount refunded in the window; refund_rate = refunded_amount / gmv",
    ),
    Column(
        "period",
        "period",
        ("统计日期", "时间"),
        "the window the row covers (2024-05-01至2024-05-30, or one day)",
    ),
)

#: The columns that together form a category path, top level first.
CATEGORY_LEVELS = ("category_level_1", "category_level_2", "category_level_3")

RANK_COLUMNS: tuple[Column, ...] = (
    EXPORT_COLUMNS[0],
    Column(
        "keyword",
        "text",
        ("关键词", "搜索词", "Search Term", "query", "search_term"),
        "the search keyword",
    ),
    Column(
        "search_rank",
        "rank",
        (
            "排名",
            "搜索排名",
            "Position",
            "Rank",
            # Search-page captures and rank trackers: serp-headers.md.
            "product_order",
            "global_position",
            "产品排名",
        ),
        "position in the keyword's results, 1 = top; >N or 未上榜 when censored",
    ),
)

COLUMNS_BY_NAME = {column.name: column for column in EXPORT_COLUMNS}

#: Columns that feed the weight; an absent one is reported as unknown.
SIGNALS: tuple[str, ...] = tuple(
    c.name
    for c in EXPORT_COLUMNS
    if c.name
    not in {
        "listing_id",
        "main_image",
        "search_visitors",
        "refunded_amount",
        "period",
        *CATEGORY_LEVELS,
    }
)

# Spaces (non-breaking ones too), underscores and every dash Amazon's vintages
# write: "Sessions - Total", "Sessions – Total" (en dash).
_IGNORED_IN_HEADERS = re.compile(r"[\s_\-\u2010-\u2015\ufeff]+")


def header_key(header: object) -> str:
    """The form headers are compared in: NFKC (full-width brackets and letters
    become half-width), lower case, without spaces, underscores or dashes.

    >>> header_key("（子）ASIN") == header_key("(子) ASIN")
    True
    >>> header_key("Sessions – Total") == header_key("sessions - total")
    True
    """
    text = unicodedata.normalize("NFKC", str(header))
    return _IGNORED_IN_HEADERS.sub("", text).lower()


def _alias_table(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            table[header_key(alias)] = column.name
    return table


EXPORT_ALIASES = _alias_table(EXPORT_COLUMNS)
RANK_ALIASES = _alias_table(RANK_COLUMNS)


def match_headers(
    headers: list[str],
    aliases: dict[str, str],
    source: str,
    twins: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Map canonical names to the headers that carry them.

    Several headers that can name the listing are settled by
    :data:`ID_TIERS` (the others pass through); two headers for one signal
    raise :class:`ExportError` — unless ``twins`` is given: then the first
    header is the signal's and the later ones are collected in ``twins``
    (canonical name → headers) for the caller to check that they agree.

    >>> match_headers(["商品ID", "访客数", "备注"], EXPORT_ALIASES, "a.csv")
    {'listing_id': '商品ID', 'visitors': '访客数'}
    >>> match_headers(["SKU", "(Child) ASIN"], EXPORT_ALIASES, "a.csv")
    {'listing_id': '(Child) ASIN'}
    """
    found: dict[str, str] = {}
    ids = [h for h in headers if aliases.get(header_key(h)) == "listing_id"]
    if len(ids) > 1:
        tiers = {h: id_tier(h) for h in ids}
        best = min(tiers.values())
        first = [h for h in ids if tiers[h] == best]
        if len(first) > 1:
            raise ExportError(
                f"{source}: columns '{first[0]}' and '{first[1]}' are both "
                "listing_id; delete or rename one of them"
            )
        ids = first
    for header in headers:
        name = aliases.get(header_key(header))
        if name is None or (name == "listing_id" and header not in ids):
            continue
        if name in found and twins is not None:
            twins.setdefault(name, []).append(header)
            continue
        if name in found:
            raise ExportError(
                f"{source}: columns '{found[name]}' and '{header}' are both "
                f"{name}; delete or rename one of them"
            )
        found[name] = header
    return found


def id_tier(header: str) -> int:
    """Rank of a listing-id header in :data:`ID_TIERS` (0 is best)."""
    key = header_key(header)
    for tier, (_, names) in enumerate(ID_TIERS):
        if key in {header_key(name) for name in names}:
            return tier
    return len(ID_TIERS)


def id_choice(headers: list[str], chosen: str) -> str | None:
    """Why ``chosen`` is the listing id when other headers could be, for
    ``check``; None when it was the only candidate.

    >>> print(id_choice(["(Child) ASIN", "SKU"], "(Child) ASIN"))
    listing_id is '(Child) ASIN' (child ASIN, ranked first); passed through: 'SKU' (SKU)
    """
    others = [
        h
        for h in headers
        if h != chosen and EXPORT_ALIASES.get(header_key(h)) == "listing_id"
    ]
    if not others:
        return None
    passed = ", ".join(f"'{h}' ({ID_TIERS[id_tier(h)][0]})" for h in others)
    tier = ID_TIERS[id_tier(chosen)][0]
    return Said("note.id_choice", chosen=chosen, tier=tier, passed=passed)


def is_search_table(headers: list[str]) -> bool:
    """True when a table has keyword and search-position columns beside its
    listing ids: a search-page capture or a rank tracker's export, one row
    per (listing, keyword), which is its own ranks file.

    >>> is_search_table(["query", "position", "nid", "raw_title"])
    True
    >>> is_search_table(["商品ID", "访客数"])
    False
    """
    names = {RANK_ALIASES.get(header_key(h)) for h in headers}
    return {"listing_id", "keyword", "search_rank"} <= names


def is_header_row(cells: list[str], aliases: dict[str, str]) -> bool:
    """True when a row names the listing id column (used to skip title lines
    that some back offices write above the header)."""
    return any(aliases.get(header_key(cell)) == "listing_id" for cell in cells)


class SeenIds:
    """Listing ids of earlier chunks (and earlier files of one export), with
    the row each was first seen on and the file it was in: an id repeated
    across chunks or files is rejected like one repeated inside a chunk, and
    the reason names the earlier file. Kept as 64-bit hashes (8 bytes an id,
    not a Python string)."""

    def __init__(self) -> None:
        self._hashes = np.empty(0, np.uint64)
        self._rows = np.empty(0, np.int64)
        self._files = np.empty(0, np.int32)
        #: Names of the files ids came from; ``_files`` indexes them, -1 for
        #: ids whose file was not named (one file read on its own).
        self.names: list[str] = []
        self._file = -1

    @staticmethod
    def _hash(ids: pd.Series) -> np.ndarray:
        return hash_text(ids)

    def reading(self, name: str) -> None:
        """Ids added from now on are in the file ``name``."""
        self.names.append(name)
        self._file = len(self.names) - 1

    def _found(self, ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        hashed = self._hash(ids)
        at = np.minimum(np.searchsorted(self._hashes, hashed), len(self._hashes) - 1)
        hit = (self._hashes[at] == hashed) & ids.notna().to_numpy()
        return hit, at

    def first_rows(self, ids: pd.Series) -> pd.Series:
        """The row an earlier chunk first gave each id on (<NA> if none)."""
        out = pd.Series(pd.NA, index=ids.index, dtype="Int64")
        if len(self._hashes) == 0:
            return out
        hit, at = self._found(ids)
        out[hit] = self._rows[at[hit]]
        return out

    def first_files(self, ids: pd.Series) -> pd.Series:
        """The other file each id was first seen in (<NA> where it was not
        seen, was seen in the file read now, or in an unnamed one)."""
        out = pd.Series(pd.NA, index=ids.index, dtype="string")
        if len(self._hashes) == 0 or not self.names:
            return out
        hit, at = self._found(ids)
        files = np.where(hit, self._files[at], -1)
        other = (files >= 0) & (files != self._file)
        names = np.asarray(self.names, dtype=object)
        out[other] = names[files[other]]
        return out

    def add(self, ids: pd.Series) -> None:
        """Remember this chunk's ids (first occurrences) and their rows."""
        new = ids.notna() & ~ids.duplicated(keep="first")
        new &= self.first_rows(ids).isna()
        hashes = np.r_[self._hashes, self._hash(ids[new])]
        rows = np.r_[self._rows, ids.index[new.to_numpy()].to_numpy(np.int64)]
        files = np.r_[self._files, np.full(int(new.sum()), self._file, np.int32)]
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._rows = hashes[order], rows[order]
        self._files = files[order]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids' hashes (sorted) and the rows they were first seen on."""
        return self._hashes, self._rows

    @classmethod
    def of(
        cls,
        hashes: np.ndarray,
        rows: np.ndarray,
        files: np.ndarray | None = None,
        names: Sequence[str] = (),
    ) -> SeenIds:
        """Ids seen elsewhere (earlier files of the export), as :meth:`arrays`
        gives them, each hash at most once; ``files`` indexes ``names``, the
        file each id was in."""
        seen = cls()
        order = np.argsort(hashes, kind="stable")
        seen._hashes = np.asarray(hashes, np.uint64)[order]
        seen._rows = np.asarray(rows, np.int64)[order]
        if files is None:
            files = np.full(len(order), -1, np.int32)
        seen._files = np.asarray(files, np.int32)[order]
        seen.names = list(names)
        return seen

    def copy(self) -> SeenIds:
        seen = SeenIds.of(self._hashes, self._rows, self._files, self.names)
        seen._file = self._file
        return seen


@dataclass
class Validated:
    """The result of :func:`validate`: parsed rows, rejected rows, readings.
    ``rejected`` includes the rows that are not listings (``not_listings``:
    totals, sub-table rows), whose reason says so."""

    data: pd.DataFrame
    rejected: pd.Series = field(repr=False)
    reasons: pd.Series = field(repr=False)
    notes: list[str]
    not_listings: pd.Series = field(repr=False, default=None)


#: Ids that mark a row of totals, not a listing: 京东商智 writes 合计 in the SKU
#: column of its first data row; 总计 / 汇总 / total / summary are the summary
#: hints of the Tmall and Amazon importers in docs/sources/export-headers.md.
TOTAL_IDS = frozenset({"合计", "总计", "汇总", "合計", "總計", "total", "summary"})
#: Why an id such as ``6.71E+11`` cannot be used, and what to do about it.
DIGITS_LOST = (
    "looks like Excel's scientific notation: the digits are lost; "
    "export the column as text"
)
#: An id written as a dash marks a section or sub-table row.
SUBTABLE_IDS = frozenset({"-", "--", "—"})


def not_a_listing(ids: pd.Series) -> pd.Series:
    """Why each row is not a listing (``<NA>`` for a listing), from its id."""
    key = ids.astype("string").str.strip().str.lower()
    why = pd.Series(pd.NA, index=ids.index, dtype="string")
    why[key.isin(TOTAL_IDS).fillna(False).to_numpy()] = "a total row"
    why[key.isin(SUBTABLE_IDS).fillna(False).to_numpy()] = (
        "a section or sub-table row (its id is a dash)"
    )
    return why


#: What a SKU sub-table writes under the listing-id column of the table it
#: sits in: 抖店's live-room product sheet (直播间详情页_整场数据下载, sheet 商品)
#: opens one under a product with "- | sku名称 | sku图片 | 成交金额 | ...", so
#: its marker row holds sku图片 and each SKU row an image URL there.
SUB_TABLE_HEADERS = frozenset({"sku图片", "sku名称"})


def sub_table_rows(raw: pd.DataFrame, header: str, ids: pd.Series) -> pd.Series:
    """Why each row is a sub-table row whose id column holds no id (``<NA>``
    for others): its first cell is a dash, as 抖店 writes the rows of a SKU
    sub-table under the product they belong to, and the cell under the id
    column is empty, a sub-table header (:data:`SUB_TABLE_HEADERS`) or a URL
    (a SKU's image). Only where the id is not the first column: there a dash
    is an id, the case of :func:`not_a_listing`."""
    why = pd.Series(pd.NA, index=raw.index, dtype="string")
    if raw.columns[0] == header:
        return why
    first = raw.iloc[:, 0].astype("string").str.strip()
    dash = first.isin(SUBTABLE_IDS).fillna(False)
    if not dash.any():
        return why
    key = ids.astype("string").str.strip().str.lower()
    no_id = (
        ids.isna()
        | key.isin(SUB_TABLE_HEADERS)
        | key.str.contains("://", regex=False)
        | key.str.startswith("//")
    ).fillna(True)
    why[(dash & no_id).to_numpy()] = "a SKU sub-table row (its first cell is a dash)"
    return why


def validate(
    raw: pd.DataFrame,
    columns: dict[str, str],
    spec: tuple[Column, ...] = EXPORT_COLUMNS,
    unique_id: bool = True,
    hundredfold: set[str] | None = None,
    seen: SeenIds | None = None,
    decimal_comma: set[str] | None = None,
) -> Validated:
    """Parse every canonical column of ``raw`` and find the rows to reject.

    ``raw`` holds the cells as read, under the input's headers, indexed by the
    row number a spreadsheet shows. ``columns`` maps canonical names to those
    headers. Returns the parsed canonical columns for every row, a mask of
    rejected rows, and the reasons (``"row 418: dsr_service is 48.7, expected
    1-5 (is it ×10?)"``, several joined by ``"; "``). Rows that are not
    listings (:func:`not_a_listing`) are set aside with that reason alone.

    ``hundredfold`` and ``decimal_comma`` name the columns written ×100 and
    with decimal commas, as the whole file shows (None: decided from these
    rows).
    """
    kinds = {c.name: c.kind for c in spec}
    data = pd.DataFrame(index=raw.index)
    problems: list[pd.Series] = []
    notes: list[str] = []
    aside = pd.Series(pd.NA, index=raw.index, dtype="string")

    def complain(mask: pd.Series, message) -> None:
        """Record ``message`` for the rows of ``mask``: a string, or a function
        of the masked row labels returning their messages (built only for the
        rows that need one, not for a million good ones)."""
        if mask.any():
            at = mask.index[mask.to_numpy(dtype=bool)]
            text = message(at) if callable(message) else message
            problems.append(pd.Series(text, index=at, dtype="string"))

    for name, header in columns.items():
        cells = raw[header]
        kind = kinds[name]
        if kind == "id":
            ids = id_text(cells)
            aside = not_a_listing(ids)
            aside = aside.fillna(sub_table_rows(raw, header, ids))
            ids = ids.mask(aside.notna())
            data[name] = ids
            complain(ids.isna() & aside.isna(), f"{name} is empty")
            # Not a repeat of the other ids Excel squeezed the same way: the
            # digits that told them apart are gone (many such rows stop the
            # file instead: ExportSource's survey).
            lost = digits_lost(ids)
            complain(lost, quoted(cells, f"{name} '", f"' {DIGITS_LOST}"))
            ids = ids.mask(lost)
            if unique_id:
                repeated = ids.duplicated(keep="first") & ids.notna()
                earlier = (
                    seen.first_rows(ids)
                    if seen is not None
                    else pd.Series(pd.NA, index=ids.index, dtype="Int64")
                )
                repeated |= earlier.notna()
                if repeated.any():
                    first_row = earlier.fillna(
                        pd.Series(ids.index, index=ids.index)
                        .groupby(ids.values, dropna=True)
                        .transform("min")
                        .astype("Int64")
                    )
                    reason = (
                        f"{name} '"
                        + ids[repeated].fillna("")
                        + "' repeats row "
                        + first_row[repeated].astype("Int64").astype("string")
                    )
                    if seen is not None:
                        # The earlier file, when it was another of the export.
                        elsewhere = seen.first_files(ids[repeated])
                        reason += (" of " + elsewhere).fillna("")
                    complain(repeated, reason)
        elif kind == "text":
            text = cells.astype("string").str.strip()
            data[name] = text.mask(text.eq(""))
        elif kind == "bool":
            data[name], bad = parse_booleans(cells)
            complain(
                bad,
                quoted(cells, f"{name} is '", "', expected yes/no (1/0, 是/否, 有/无)"),
            )
        elif kind == "period":
            # Not a signal: a cell it cannot read leaves the window unknown
            # rather than rejecting the listing.
            data[name], bad = parse_period_ends(cells)
            if bad.any():
                notes.append(
                    Said("note.period_unread", name=name, count=int(bad.sum()))
                )
        elif kind == "date":
            data[name], bad = parse_dates(cells)
            complain(
                bad,
                quoted(cells, f"{name} is '", "', expected a date like 2024-03-05"),
            )
        elif kind == "bsr":
            values, bad = parse_sales_ranks(cells)
            complain(
                bad,
                quoted(
                    cells,
                    f"{name} is '",
                    "', expected a Best Sellers Rank such as #1,234 in Home & Kitchen",
                ),
            )
            data[name] = values
            _check_range(name, kind, values, complain)
        elif kind == "rank":
            ranks, bad = parse_ranks(cells)
            for column in ranks.columns:
                data[column] = ranks[column]
            complain(
                bad,
                quoted(
                    cells,
                    f"{name} is '",
                    "', expected a position 1, 2, ... or a censored one such as "
                    ">100 or 未上榜",
                ),
            )
        else:
            comma = None if decimal_comma is None else name in decimal_comma
            values, bad = parse_numbers(cells, decimal_comma=comma)
            complain(
                bad,
                quoted(
                    cells, f"{name} is '", "', expected a number such as 1,234 or 1.2万"
                ),
            )
            values, note = _rescale(name, kind, values, hundredfold)
            if note:
                notes.append(note)
            data[name] = values
            _check_range(name, kind, values, complain)

    if "review_count" in data.columns:
        for part in ("negative_reviews", "photo_reviews"):
            if part in data.columns:
                over = data[part] > data["review_count"]
                complain(
                    over,
                    lambda at, part=part: (
                        f"{part} is "
                        + _fmt(data[part][at])
                        + ", above review_count "
                        + _fmt(data["review_count"][at])
                    ),
                )

    for name in [n for n in data.columns if kinds.get(n) == "date"]:
        _check_not_future(name, data, complain)

    data = derive(data)
    reasons = pd.Series(pd.NA, index=raw.index, dtype="string")
    for problem in problems:
        problem = problem.reindex(raw.index)
        reasons = (reasons + "; " + problem).fillna(reasons).fillna(problem)
    reasons = ("not a listing: " + aside).fillna(reasons)
    rejected = reasons.notna()
    row = pd.Series(raw.index, index=raw.index).astype("string")
    reasons = ("row " + row + ": " + reasons).fillna("")
    return Validated(
        data=data,
        rejected=rejected,
        reasons=reasons,
        notes=notes,
        not_listings=aside.notna(),
    )


#: What a cell of each kind may hold, for messages about one value.
ALLOWED = {
    "count": "a count ≥ 0 such as 1,234 or 1.2万",
    "money": "an amount ≥ 0 such as ¥12.5 or 1,234.56",
    "score": "a rating from 1 to 5",
    "dsr": "a DSR score from 1 to 5 (or ×100: 100-500)",
    "share": "a share from 0 to 1, or a percentage such as 3.5%",
    "bool": "yes/no (1/0, 是/否, 有/无)",
    "date": "a date such as 2024-03-05",
    "text": "text",
    "bsr": "a Best Sellers Rank ≥ 1 such as #1,234 in Home & Kitchen",
}


def read_cell(name: str, written: str) -> object:
    """One value of a canonical column, read and checked exactly as a cell of
    an export would be (its value forms, its range); raises ValueError with a
    reason a person can act on.

    >>> read_cell("dsr_service", "487"), read_cell("refund_rate", "3.5%")
    (4.87, 0.035)
    >>> read_cell("avg_rating", "9")
    Traceback (most recent call last):
    ...
    ValueError: avg_rating is 9, expected 1-5
    """
    kind = COLUMNS_BY_NAME[name].kind
    cell = pd.DataFrame({name: [str(written).strip()]}, index=[1])
    checked = validate(cell, {name: name})
    value = checked.data[name].iloc[0]
    allowed = ALLOWED.get(kind, kind)
    if checked.rejected.iloc[0]:
        # The reason names what is allowed ("expected 1-5", "expected yes/no").
        raise ValueError(checked.reasons.iloc[0].removeprefix("row 1: "))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        raise ValueError(f"{name} is empty; allowed: {allowed}")
    return value.item() if hasattr(value, "item") else value


def derive(data: pd.DataFrame, fill: bool = False) -> pd.DataFrame:
    """Signals whose parts the export gives (see :func:`derived_signals`):
    the category path from its levels, price = gmv / monthly_sales,
    refund_rate = refunded_amount / gmv (at most 1: refunds in a window can
    be for earlier sales). Only absent signals are derived, or, with
    ``fill``, the missing values of present ones too (a price the item list
    lacks for a listing whose sales are known)."""
    levels = [name for name in CATEGORY_LEVELS if name in data.columns]
    if levels:
        if "category" not in data.columns:
            path = data[levels[0]].astype("string")
            for name in levels[1:]:
                level = data[name].astype("string")
                path = (path + " > " + level).fillna(path).fillna(level)
            data["category"] = path
        data = data.drop(columns=levels)
    parts = set(data.columns)
    if {"gmv", "monthly_sales"} <= parts and (fill or "price" not in parts):
        sold = data["monthly_sales"].where(data["monthly_sales"] > 0)
        price = data["gmv"] / sold
        data["price"] = data["price"].fillna(price) if "price" in parts else price
    if {"refunded_amount", "gmv"} <= parts and (fill or "refund_rate" not in parts):
        paid = data["gmv"].where(data["gmv"] > 0)
        rate = (data["refunded_amount"] / paid).clip(upper=1.0)
        data["refund_rate"] = (
            data["refund_rate"].fillna(rate) if "refund_rate" in parts else rate
        )
    return data


def derived_names(columns: dict[str, str]) -> set[str]:
    """The signals an export with these columns derives (:func:`derive`)."""
    names = set()
    if any(name in columns for name in CATEGORY_LEVELS) and "category" not in columns:
        names.add("category")
    if "price" not in columns and {"gmv", "monthly_sales"} <= set(columns):
        names.add("price")
    if "refund_rate" not in columns and {"refunded_amount", "gmv"} <= set(columns):
        names.add("refund_rate")
    return names


def derived_signals(columns: dict[str, str]) -> list[str]:
    """How the export's columns give signals it does not name, for ``check``.

    >>> derived_signals({"gmv": "成交金额", "monthly_sales": "成交件数"})
    ['price = gmv / monthly_sales']
    """
    notes = []
    levels = [columns[name] for name in CATEGORY_LEVELS if name in columns]
    if levels and "category" not in columns:
        notes.append(Said("note.category_path", levels=" > ".join(levels)))
    if "price" not in columns and {"gmv", "monthly_sales"} <= set(columns):
        notes.append(Said("note.price"))
    if "refund_rate" not in columns and {"refunded_amount", "gmv"} <= set(columns):
        notes.append(Said("note.refund_rate", refunded=columns["refunded_amount"]))
    return notes


def quoted(cells: pd.Series, before: str, after: str):
    """A message maker for :func:`validate`'s ``complain``: the rows' cells as
    written, between ``before`` and ``after``."""
    return lambda at: before + cells[at].astype("string").str.strip().fillna("") + after


def _fmt(values: pd.Series) -> pd.Series:
    """Numbers for messages: ``12`` rather than ``12.0``. Call it on the few
    rows that need a message, not on a whole column."""
    text = values.astype(object).map(lambda v: f"{v:g}" if pd.notna(v) else "")
    return text.astype("string")


def _rescale(
    name: str, kind: str, values: pd.Series, hundredfold: set[str] | None
) -> tuple[pd.Series, str]:
    """Column-level readings: a 0 score is unknown; a DSR column written ×100
    is divided back — when every value of the column is on that scale, which
    only the whole file can tell (``hundredfold``, decided by the caller over
    every chunk; None decides from these values)."""
    note = ""
    if kind in {"dsr", "score"}:
        zeros = values.eq(0)
        if zeros.any():
            # A shop or listing with no score yet is written as 0 by Taobao
            # pages and many back offices; a real score is never below 1.
            values = values.mask(zeros)
            note = Said("note.zeros", name=name, count=int(zeros.sum()))
    if kind == "dsr":
        scaled = is_hundredfold(values) if hundredfold is None else name in hundredfold
        if scaled:
            values = values / 100
    return values, note


def is_hundredfold(values: pd.Series) -> bool:
    """True when every known, non-zero value is on the ×100 scale (100-500)."""
    present = values[values.ne(0) & values.notna()]
    return bool(len(present)) and bool(present.between(100, 500).all())


#: The largest count or amount a listing's cell may hold.
MOST = 1e12


def _check_range(name: str, kind: str, values: pd.Series, complain) -> None:
    if kind in {"count", "money"}:
        what = "a count" if kind == "count" else "an amount"
        bad = values < 0
        complain(bad, f"{name} is " + _fmt(values[bad]) + f", expected {what} ≥ 0")
        # 1e308 reads as a number, and as a count it would outweigh every
        # other listing; no listing's figure reaches a trillion (Taobao and
        # Tmall's whole year is about 8 trillion yuan).
        huge = values > MOST
        complain(
            huge,
            f"{name} is " + _fmt(values[huge]) + f", above {MOST:,.0f}: not {what}",
        )
    elif kind in {"dsr", "score"}:
        bad = (values < 1) | (values > 5)
        hint = pd.Series("", index=values.index)[bad]
        hint[values[bad].between(10, 50, inclusive="right")] = " (is it ×10?)"
        hint[values[bad].between(100, 500, inclusive="right")] = (
            " (is it ×100? then write every value so)"
        )
        complain(bad, f"{name} is " + _fmt(values[bad]) + ", expected 1-5" + hint)
    elif kind == "bsr":
        bad = values.notna() & ((values < 1) | (values != values.round()))
        complain(bad, f"{name} is " + _fmt(values[bad]) + ", expected a rank 1, 2, ...")
    elif kind == "share":
        bad = (values < 0) | (values > 1)
        complain(
            bad,
            f"{name} is "
            + _fmt(values[bad])
            + ", expected 0-1 (write 3.5% for a percentage)",
        )


def today() -> pd.Timestamp:
    """The latest day a listing can have been listed on when the export does
    not say its period: tomorrow in UTC, so that an export made east of UTC
    (Beijing is 8 hours ahead) is never a day in the future."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() + pd.Timedelta(
        days=1
    )


def _check_not_future(name: str, data: pd.DataFrame, complain) -> None:
    """A date after the export's period (the row's ``period`` end), or after
    today where the row has none, cannot be true: a typo or a placeholder
    such as 2099-01-01 or 9999-12-31. Its row is rejected. Kept, it would
    become the newest ``listed_at``, the day every listing's age is counted
    from (``reference_date``), and move every other listing's weight."""
    dates = data[name]
    ends = (
        data["period"]
        if "period" in data.columns
        else pd.Series(pd.NaT, index=data.index, dtype="datetime64[ns]")
    )
    limit = ends.fillna(today())
    # today() is tomorrow, a margin for time zones; messages say today.
    shown = ends.fillna(today() - pd.Timedelta(days=1))
    after = pd.Series("the export's period (ends ", index=data.index)
    after[ends.isna().to_numpy()] = "today ("
    bad = (dates > limit).fillna(False)
    complain(
        bad,
        lambda at: (
            f"{name} is "
            + dates[at].dt.strftime("%Y-%m-%d").astype("string")
            + ", after "
            + after[at].astype("string")
            + shown[at].dt.strftime("%Y-%m-%d").astype("string")
            + "); expected the day the listing went on sale"
        ),
    )


def without_covered(unknown: list[str], known) -> list[str]:
    """``unknown`` less the signals that others given stand for: ``gmv`` is
    derived from monthly_sales and price, ``has_white_bg_image`` measured
    from ``main_image`` paths, and ``sales_rank`` (Best Sellers Rank) stands
    in for a sales count only where none is given. ``known(name)`` says
    whether a signal is given."""
    covers = {
        "gmv": ("monthly_sales", "price"),
        "has_white_bg_image": ("main_image",),
        "sales_rank": ("monthly_sales",),
    }
    return [
        name
        for name in unknown
        if not (name in covers and all(known(other) for other in covers[name]))
    ]


def absent_signals(data: pd.DataFrame) -> list[str]:
    """Signals the export does not give at all (absent, or empty in every
    row), less those others stand for (:func:`without_covered`)."""

    def known(name: str) -> bool:
        return name in data.columns and bool(data[name].notna().any())

    return without_covered([name for name in SIGNALS if not known(name)], known)


__all__ = [
    "Column",
    "EXPORT_COLUMNS",
    "RANK_COLUMNS",
    "SIGNALS",
    "Validated",
    "absent_signals",
    "header_key",
    "is_header_row",
    "is_search_table",
    "match_headers",
    "validate",
]
