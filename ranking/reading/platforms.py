"""What an export is and what it lets the tool judge, for ``ranking check``.

The signatures are headers only one back office's export writes (sources in
docs/sources/export-headers.md); the hints say which export usually carries
a factor the file lacks.

>>> detect(["统计日期", "商品ID", "支付件数", "搜索引导访客数", "商品加购件数"])
'生意参谋 商品 export (【生意参谋平台】商品_全部)'
"""

from __future__ import annotations

from ranking.reading import schema
from ranking.reading.columns import FACTOR_SIGNALS

#: (name, headers only that export writes: at least two must be present).
SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "生意参谋 商品 export (【生意参谋平台】商品_全部)",
        ("搜索引导访客数", "商品加购件数", "商品收藏人数", "支付件数", "统计日期"),
    ),
    ("淘宝助理 item list", ("数字ID", "宝贝名称", "宝贝类目", "宝贝价格")),
    (
        "京东商智 商品明细 (SKU)",
        ("SKU名称", "成交客户数", "加购客户数", "成交商品件数"),
    ),
    ("京东自营 经营状况商品明细", ("店铺名称", "成交人数", "成交商品件数", "加购人数")),
    ("拼多多 商品数据", ("成交买家数", "商品收藏用户数", "下单用户数", "成交件数")),
    ("抖店 直播间商品", ("商品点击人数", "用户支付金额", "讲解次数", "直播间价格")),
    (
        "Amazon Active Listings Report",
        ("asin1", "seller-sku", "open-date", "item-name"),
    ),
)

#: Where a missing factor usually is, by the export the file looks like.
_DSR = (
    "the shop's DSR, one value for every listing: --set dsr_description=4.8 "
    "--set dsr_service=4.8 --set dsr_logistics=4.8 (生意参谋's shop export "
    "writes 描述相符评分, 服务态度评分, 物流服务评分)"
)
_MEDIA = "a sheet of 主图视频 / 白底图 (yes/no) or main_image paths, joined on the id"
_REVIEWS = (
    "review data per listing (评价数, 差评数, 带图评价数, 评分), joined on the id"
)
HINTS: dict[str, dict[str, str]] = {
    "taobao": {
        "category_fit": "the item list (淘宝助理: 宝贝类目, 宝贝价格), joined: "
        "ranking check 商品_全部.xls items.csv",
        "dsr": _DSR,
        "review_quality": _REVIEWS,
        "main_video": _MEDIA,
        "white_bg_image": _MEDIA,
    },
    "amazon": {
        "category_fit": "a sheet of Category per ASIN, joined on the ASIN",
        "review_quality": "a sheet of Star Rating and Number of Ratings per ASIN",
        "main_video": _MEDIA,
        "white_bg_image": _MEDIA,
        "monthly_sales": "the Business Report (Detail Page Sales and Traffic By "
        "Child Item), joined on the ASIN",
    },
    "other": {
        "dsr": _DSR,
        "review_quality": _REVIEWS,
        "main_video": _MEDIA,
        "white_bg_image": _MEDIA,
    },
}


def detect(headers: list[str]) -> str | None:
    """The back-office export these headers look like, or None.

    An Amazon Business Report is told by its child-ASIN and sessions columns
    in any language; the others by headers only their export writes.
    """
    meaning = {h: schema.EXPORT_ALIASES.get(schema.header_key(h)) for h in headers}
    child = any(
        m == "listing_id" and schema.id_tier(h) == 0 for h, m in meaning.items()
    )
    if child and "visitors" in meaning.values():
        return "Amazon Business Report (Detail Page Sales and Traffic By Child Item)"
    best, hits = None, 1
    keys = {schema.header_key(h) for h in headers}
    for name, signature in SIGNATURES:
        found = sum(schema.header_key(h) in keys for h in signature)
        if found > hits:
            best, hits = name, found
    return best


def _family(platform: str | None) -> str:
    if platform is None:
        return "other"
    if platform.startswith("Amazon"):
        return "amazon"
    if platform.startswith(("生意参谋", "淘宝")):
        return "taobao"
    return "other"


def judged_factors(known: set[str], platforms: list[str | None]) -> dict[str, dict]:
    """Each factor: whether the catalog's known signals let it be judged,
    the signals it lacks, and where those usually are.

    >>> judged_factors({"monthly_sales"}, [None])["monthly_sales"]["judged"]
    True
    """
    hints = HINTS[_family(platforms[0] if platforms else None)]
    out = {}
    for factor, signals in FACTOR_SIGNALS.items():
        missing = [s for s in signals if s not in known]
        # The title is judged against the category: both are needed.
        judged = (
            not missing if factor == "category_fit" else len(missing) < len(signals)
        )
        out[factor] = {
            "judged": judged,
            "missing": missing,
            "where": None if judged else hints.get(factor),
        }
    return out
