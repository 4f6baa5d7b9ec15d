"""The catalog as a Chinese back office writes it: Chinese headers, counts
with 万, rates with %, yes/no in words."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from ranking.errors import OutputError
from ranking.messages import Said
from ranking.sim.assumptions import DSR

BACKOFFICE_HEADERS = {
    "listing_id": "商品ID",
    "title": "商品名称",
    "category": "叶子类目",
    "price": "价格",
    "visitors": "访客数",
    "page_views": "浏览量",
    "monthly_sales": "支付件数",
    "payer_count": "支付买家数",
    "gmv": "支付金额",
    "favorites": "收藏人数",
    "add_to_cart": "加购人数",
    "review_count": "评价数",
    "avg_rating": "评分",
    "negative_reviews": "差评数",
    "photo_reviews": "带图评价数",
    "qa_count": "问大家",
    "dsr_description": "描述相符",
    "dsr_service": "服务态度",
    "dsr_logistics": "物流服务",
    "has_main_video": "主图视频",
    "has_white_bg_image": "白底图",
    "listed_at": "上架时间",
    "refund_rate": "退款率",
    "search_visitors": "搜索访客数",
    "shop": "店铺名称",
}
COUNTS = (
    "visitors",
    "page_views",
    "monthly_sales",
    "payer_count",
    "favorites",
    "add_to_cart",
    "review_count",
    "negative_reviews",
    "photo_reviews",
    "qa_count",
    "search_visitors",
)


def backoffice_frame(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog as a Chinese back office writes it: Chinese headers, counts
    of ten thousand and more as ``1.2345万``, thousands with commas, ``¥``
    prices, refund rates as ``3.96%``, DSR ×100, ``是/否`` and ``2024/8/4``.

    Every value is written exactly, so reading it back gives the same numbers
    as the canonical catalog.
    """
    out = pd.DataFrame(index=catalog.index)
    for column in catalog.columns:
        values = catalog[column]
        if column in COUNTS:
            text = values.astype("Int64").astype("string")
            big = values >= 10_000
            head, tail = text.str[:-4], text.str[-4:].str.rstrip("0")
            wan = head + ("." + tail).where(tail.ne(""), "") + "万"
            text = text.where(~big, wan)
            mid = (values >= 1000) & ~big
            text = text.where(~mid, values.map("{:,.0f}".format))
        elif column in {"price", "gmv"}:
            text = "¥" + values.map("{:,}".format)
        elif column == "refund_rate":
            text = values.map(
                lambda v: format(Decimal(repr(v)).scaleb(2).normalize(), "f") + "%"
            )
        elif column in DSR:
            text = (values * 100).round().astype(int).astype(str)
        elif column in {"has_main_video", "has_white_bg_image"}:
            text = values.map({1: "是", 0: "否"})
        elif column == "listed_at":
            stamp = pd.to_datetime(values)
            text = (
                stamp.dt.year.astype(str)
                + "/"
                + stamp.dt.month.astype(str)
                + "/"
                + stamp.dt.day.astype(str)
            )
        elif column == "avg_rating":
            text = values.map(repr).where(values.notna(), "-")
        else:
            text = values
        out[BACKOFFICE_HEADERS.get(column, column)] = text
    return out


def write_backoffice_csv(
    catalog: pd.DataFrame, path: str | Path, encoding: str = "gb18030"
) -> None:
    """Write :func:`backoffice_frame` as 生意参谋 does: GB18030, with a line
    naming the period above the header."""
    frame = backoffice_frame(catalog)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding=encoding, newline="") as handle:
            handle.write("统计时间,2026-10-02 ~ 2026-11-01\n")
            frame.to_csv(handle, index=False, lineterminator="\n")
        tmp.replace(path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise OutputError(
            Said("error.not_written", path=path, why=error.strerror or str(error))
        ) from None
