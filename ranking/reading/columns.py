"""The export's canonical columns, declared: each column's name, its kind
(how its cells are read and checked: :data:`ranking.reading.kinds.KINDS`),
the headers back offices write for it, and what it means.

:data:`EXPORT_COLUMNS` is the table :func:`ranking.reading.schema.match_headers`
maps headers with and :func:`ranking.reading.schema.validate` reads rows
with; :data:`SIGNALS` are those that feed the weight.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, its kind (how its cells are read and
    checked), its aliases, what it means; whether it is a ``signal`` (feeds
    the weight: an absent one is reported as unknown), and the columns that
    stand for it when it is absent (``covered_by``: not reported then)."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    meaning: str
    signal: bool = True
    covered_by: tuple[str, ...] = ()


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

# kind: a name in ranking.reading.kinds.KINDS (id, text, money, count, score,
# dsr, bool, date, share, bsr, period, rank).
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "listing_id",
        "id",
        tuple(alias for _, aliases in ID_TIERS for alias in aliases),
        "the listing's id; required, unique",
        signal=False,
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
    Column(
        "category_level_1", "text", ("一级类目",), "top category level", signal=False
    ),
    Column(
        "category_level_2", "text", ("二级类目",), "second category level", signal=False
    ),
    Column(
        "category_level_3", "text", ("三级类目",), "third category level", signal=False
    ),
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
        covered_by=("monthly_sales", "price"),
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
        # Measured from the main image's file where the export does not say.
        covered_by=("main_image",),
    ),
    Column(
        "main_image",
        "text",
        ("主图", "主图路径", "image_path", "image"),
        "main image file, relative to the export's folder",
        signal=False,
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
        signal=False,
    ),
    # Amazon's Best Sellers Rank: a sales signal, lower is better, what a
    # search-page capture has where no sales count is given (spec "Training
    # from search pages"; sources in docs/sources/serp-headers.md).
    Column(
        "sales_rank",
        "bsr",
        ("Best Sellers Rank", "BSR", "sales_rank"),
        "Best Sellers Rank in the top-level category, 1 = best selling",
        # It stands in for a sales count only where none is given.
        covered_by=("monthly_sales",),
    ),
    # Parts of signals and facts about the file, not signals themselves.
    Column(
        "refunded_amount",
        "money",
        ("成功退款金额", "取消及售后退款金额"),
        "amount refunded in the window; refund_rate = refunded_amount / gmv",
        signal=False,
    ),
    Column(
        "period",
        "period",
        ("统计日期", "时间"),
        "the window the row covers (2024-05-01至2024-05-30, or one day)",
        signal=False,
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
SIGNALS: tuple[str, ...] = tuple(c.name for c in EXPORT_COLUMNS if c.signal)
#: Signal → the columns that stand for it when the export lacks it.
COVERED_BY: dict[str, tuple[str, ...]] = {
    c.name: c.covered_by for c in EXPORT_COLUMNS if c.covered_by
}

#: The eight factors (spec §3), in the order every output lists them, and the
#: signals each is judged from: a factor with none known is not judged. The
#: model's factors are these (:data:`ranking.model.features.FACTORS`).
FACTOR_SIGNALS: dict[str, tuple[str, ...]] = {
    "monthly_sales": ("monthly_sales", "gmv", "sales_rank"),
    "payer_count": ("payer_count",),
    "favorites_cart": ("favorites", "add_to_cart"),
    "review_quality": ("avg_rating", "negative_reviews", "photo_reviews"),
    "dsr": ("dsr_description", "dsr_service", "dsr_logistics"),
    "category_fit": ("category", "title"),
    "main_video": ("has_main_video",),
    "white_bg_image": ("has_white_bg_image",),
}


__all__ = [
    "CATEGORY_LEVELS",
    "COLUMNS_BY_NAME",
    "COVERED_BY",
    "Column",
    "EXPORT_COLUMNS",
    "FACTOR_SIGNALS",
    "ID_TIERS",
    "RANK_COLUMNS",
    "SIGNALS",
]
