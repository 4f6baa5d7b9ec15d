"""A simulated marketplace: a catalog, the ranks a tracker sees, and the truth.

Every assumption lives in :class:`Assumptions` (with its docstring) and in the
category tables below; nothing else in this module invents a number. The
simulated platform works as operators describe Taobao search:

1. Each listing has signals (sales, paying buyers, favourites and add-to-cart,
   reviews, the shop's DSR, media, age, refunds) drawn from a latent quality
   and popularity, so that the signals are correlated as real ones are.
2. Its **true weight** is a fixed function of the signals the catalog exposes
   (:func:`true_weight`): sales, 坑产 and payers relative to the category;
   favourite+cart and conversion rates; a review score smoothed by count;
   DSR relative to the category average with a hard penalty below it; a heavy
   penalty for a title placed in the wrong category; a new-product boost;
   main video and white-background image boosts; a refund penalty. The
   category references are fixed when the market is made (``market.json``),
   so the true gain of any change to a listing can be computed later.
3. For each keyword (a category noun, or an attribute + noun, as found in
   titles), the listings whose title contains it compete: rank by true weight
   plus Gumbel noise. A tracker sees the top ``observed_top`` positions; some
   of the listings below are written censored (``>48``, ``48+``, ``未上榜``).
4. ``search_visitors`` grows exponentially with weight, with Poisson noise;
   optionally also with the listing's overall traffic and with log-normal
   noise (``search_traffic_elasticity``, ``search_visitors_noise``).

>>> market = simulate(300, seed=1)                         # doctest: +SKIP
>>> market.catalog.shape, market.ranks.shape              # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import OutputError
from ranking.reading import io


@dataclass(frozen=True)
class Assumptions:
    """Every number the simulated marketplace is built from.

    Weight terms are in "weight units"; one unit is about one standard
    deviation of the category-relative sales term.
    """

    as_of: str = "2026-11-01"  # the export date; listing ages count back from it
    wrong_category_share: float = 0.05  # listings placed in another category
    vague_title_share: float = 0.15  # titles that never name their product
    cross_mention_share: float = 0.15  # titles naming a related category's product
    new_share: float = 0.12  # listings younger than the new-product window
    new_product_window_days: int = 28
    video_share: float = 0.35
    white_bg_share: float = 0.5
    listings_per_keyword: int = 200  # keywords observed ≈ listings / this
    observed_top: int = 48  # a tracker sees one page of results
    censored_share: float = 0.3  # of the listings below the top, written >N
    rank_noise: float = 0.6  # Gumbel scale of per-keyword relevance noise
    rating_prior_reviews: float = 20.0  # pseudo-reviews at the category mean
    # weights of the terms of true_weight
    w_sales: float = 0.55
    w_gmv: float = 0.35
    w_payers: float = 0.45
    w_fav_cart: float = 0.6
    w_conversion: float = 0.5
    w_rating: float = 1.6
    w_negative: float = 8.0  # per unit of negative-review share
    w_photo: float = 1.5  # per unit of photo-review share
    w_qa: float = 0.08  # per log unit of Q&A answers
    w_dsr: float = 2.0  # per DSR point above the category average
    dsr_below_average_penalty: float = 1.2  # once, if any DSR is below the line
    # The line: this far below the category average (the platform's hidden
    # threshold; 0 punishes any DSR below the average at all).
    dsr_penalty_margin: float = 0.0
    wrong_category_penalty: float = 3.0
    new_product_boost: float = 0.9  # at day 0, falling to 0 at the window's end
    main_video_boost: float = 0.35
    white_bg_boost: float = 0.25
    w_refund: float = 6.0  # per unit of refund rate
    # Three more categories whose titles share words with three of the first
    # twelve (半身裙 with 连衣裙, 手机膜 with 手机壳, headphones with earbuds):
    # telling a title's category gets hard, as it is on real platforms.
    confusable_categories: bool = False
    search_visitors_per_unit: float = 0.9  # log search visitors per weight unit
    search_visitors_base: float = 30.0
    # Search visitors also scale with the listing's overall traffic (this
    # power of visitors over the category median) and carry log-normal noise;
    # 0 and 0 keep the shipped sample's search visitors a function of weight.
    search_traffic_elasticity: float = 0.0
    search_visitors_noise: float = 0.0


@dataclass(frozen=True)
class Category:
    zh: str
    en: str
    nouns_zh: tuple[str, ...]
    nouns_en: tuple[str, ...]
    attrs_zh: tuple[str, ...]
    attrs_en: tuple[str, ...]
    price: float  # median price, yuan
    traffic: float  # median monthly visitors


CATEGORIES: tuple[Category, ...] = (
    Category(
        "连衣裙",
        "Dresses",
        ("连衣裙", "裙子"),
        ("dress", "maxi dress"),
        ("碎花", "雪纺", "法式", "收腰", "长款", "针织", "吊带", "小黑"),
        ("floral", "chiffon", "wrap", "bodycon", "long", "knit", "slip", "black"),
        159,
        900,
    ),
    Category(
        "女包",
        "Handbags",
        ("女包", "单肩包", "斜挎包"),
        ("handbag", "shoulder bag"),
        ("真皮", "链条", "托特", "小方", "腋下", "帆布", "大容量", "水桶"),
        ("leather", "chain", "tote", "mini", "crossbody", "canvas", "large", "bucket"),
        129,
        700,
    ),
    Category(
        "运动鞋",
        "Sneakers",
        ("运动鞋", "跑步鞋"),
        ("sneakers", "running shoes"),
        ("透气", "减震", "气垫", "轻便", "网面", "老爹", "板鞋", "防滑"),
        (
            "breathable",
            "cushioned",
            "air",
            "lightweight",
            "mesh",
            "chunky",
            "skate",
            "non-slip",
        ),
        239,
        800,
    ),
    Category(
        "手机壳",
        "Phone Cases",
        ("手机壳", "保护套"),
        ("phone case", "case cover"),
        ("硅胶", "防摔", "磁吸", "透明", "液态", "卡通", "全包", "磨砂"),
        (
            "silicone",
            "shockproof",
            "magnetic",
            "clear",
            "liquid",
            "cartoon",
            "full body",
            "matte",
        ),
        29,
        1200,
    ),
    Category(
        "保温杯",
        "Water Bottles",
        ("保温杯", "水杯"),
        ("water bottle", "tumbler"),
        ("不锈钢", "大容量", "便携", "儿童", "吸管", "316", "车载", "男士"),
        (
            "stainless",
            "large",
            "portable",
            "kids",
            "straw",
            "insulated",
            "car",
            "sports",
        ),
        69,
        600,
    ),
    Category(
        "面膜",
        "Face Masks",
        ("面膜", "补水面膜"),
        ("face mask", "sheet mask"),
        ("玻尿酸", "补水", "保湿", "美白", "修护", "清洁", "泥膜", "睡眠"),
        (
            "hyaluronic",
            "hydrating",
            "moisturizing",
            "brightening",
            "repair",
            "clay",
            "mud",
            "overnight",
        ),
        89,
        1000,
    ),
    Category(
        "坚果零食",
        "Snacks",
        ("坚果", "零食大礼包"),
        ("nuts", "snack box"),
        ("每日", "混合", "碧根果", "夏威夷果", "腰果", "原味", "孕妇", "礼盒"),
        (
            "daily",
            "mixed",
            "pecan",
            "macadamia",
            "cashew",
            "roasted",
            "healthy",
            "gift",
        ),
        59,
        800,
    ),
    Category(
        "数据线",
        "Charging Cables",
        ("数据线", "充电线"),
        ("charging cable", "usb cable"),
        ("快充", "苹果", "type-c", "编织", "磁吸", "三合一", "加长", "手机"),
        ("fast", "iphone", "usb-c", "braided", "magnetic", "3-in-1", "long", "phone"),
        25,
        900,
    ),
    Category(
        "四件套",
        "Bedding Sets",
        ("四件套", "床上用品"),
        ("bedding set", "duvet cover"),
        ("纯棉", "全棉", "水洗棉", "简约", "ins风", "公主风", "冰丝", "磨毛"),
        (
            "cotton",
            "organic",
            "washed",
            "minimalist",
            "floral",
            "princess",
            "silk",
            "brushed",
        ),
        199,
        500,
    ),
    Category(
        "蓝牙耳机",
        "Earbuds",
        ("蓝牙耳机", "无线耳机"),
        ("earbuds", "wireless earbuds"),
        ("降噪", "入耳式", "运动", "半入耳", "骨传导", "超长续航", "游戏", "迷你"),
        (
            "noise cancelling",
            "in-ear",
            "sports",
            "open-ear",
            "bone conduction",
            "long battery",
            "gaming",
            "mini",
        ),
        149,
        1100,
    ),
    Category(
        "猫粮",
        "Cat Food",
        ("猫粮", "猫咪主粮"),
        ("cat food", "dry cat food"),
        ("幼猫", "成猫", "全价", "冻干", "无谷", "增肥", "鱼肉", "鸡肉"),
        (
            "kitten",
            "adult",
            "complete",
            "freeze-dried",
            "grain-free",
            "indoor",
            "fish",
            "chicken",
        ),
        99,
        600,
    ),
    Category(
        "洗发水",
        "Shampoo",
        ("洗发水", "洗发露"),
        ("shampoo", "hair shampoo"),
        ("控油", "去屑", "蓬松", "无硅油", "氨基酸", "止痒", "防脱", "香氛"),
        (
            "oil control",
            "anti-dandruff",
            "volumizing",
            "silicone-free",
            "sulfate-free",
            "soothing",
            "hair growth",
            "scented",
        ),
        79,
        900,
    ),
)

_SHARED_ZH = (
    "2024新款",
    "正品",
    "包邮",
    "韩版",
    "ins风",
    "网红",
    "爆款",
    "百搭",
    "送礼",
    "现货",
    "官方旗舰店",
    "新款",
    "夏季",
    "秋冬",
    "男女",
    "学生",
)
_SHARED_EN = (
    "new",
    "2024",
    "best seller",
    "premium",
    "for women",
    "for men",
    "gift",
    "value pack",
    "original",
    "upgraded",
    "summer",
    "winter",
    "unisex",
    "pack of 2",
    "official",
    "durable",
)
_BRANDS_ZH = (
    "花心小铺",
    "凡思曼",
    "南极人",
    "小熊",
    "优品",
    "绿联",
    "三只松鼠",
    "网易严选",
    "安踏",
    "美的",
    "良品",
    "金狐狸",
    "恒源祥",
    "罗莱",
    "漫步者",
    "皇家",
)
_BRANDS_EN = (
    "Anker",
    "Amazon Basics",
    "Zesica",
    "Ugreen",
    "Hydro",
    "CeraVe",
    "Skechers",
    "Purina",
    "Utopia",
    "Soundcore",
    "Planters",
    "Spigen",
    "Fossil",
    "Nike",
    "Simple",
    "Kirkland",
)

CENSORED_FORMS = {
    "zh": (">{n}", "{n}+", "未上榜"),
    "en": (">{n}", "{n}+", "not ranked"),
}

# Columns the catalog writes, in this order (canonical names).
CATALOG_COLUMNS = (
    "listing_id",
    "title",
    "category",
    "price",
    "visitors",
    "page_views",
    "monthly_sales",
    "payer_count",
    "gmv",
    "favorites",
    "add_to_cart",
    "review_count",
    "avg_rating",
    "negative_reviews",
    "photo_reviews",
    "qa_count",
    "dsr_description",
    "dsr_service",
    "dsr_logistics",
    "has_main_video",
    "has_white_bg_image",
    "listed_at",
    "refund_rate",
    "search_visitors",
    "shop",
)
DSR = ("dsr_description", "dsr_service", "dsr_logistics")


@dataclass
class Market:
    """A simulated marketplace: what a seller exports, and what only we know."""

    catalog: pd.DataFrame
    ranks: pd.DataFrame
    truth: pd.DataFrame
    reference: pd.DataFrame  # per placed category: the platform's yardsticks
    assumptions: Assumptions = field(default_factory=Assumptions)
    seed: int = 0
    lang: str = "zh"

    def save(
        self, folder: str | Path, backoffice: bool = False, week_after: bool = False
    ) -> dict[str, Path]:
        """Write ``catalog.csv``, ``ranks.csv``, ``truth.csv`` and
        ``market.json`` into ``folder`` (created if needed); with
        ``backoffice``, also ``catalog_backoffice.csv`` as a Chinese back
        office writes it (see :func:`backoffice_frame`); with ``week_after``,
        ``catalog_next_week.csv`` and ``incidents_next_week.csv`` (see
        :func:`next_week`; no bulk-order incident, so ``catalog.csv`` stays
        the first week as it is)."""
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"{folder}: cannot be made ({error.strerror or error})"
            ) from None
        paths = {name: folder / f"{name}.csv" for name in ("catalog", "ranks", "truth")}
        io.write_table(self.catalog, paths["catalog"])
        io.write_table(self.ranks, paths["ranks"])
        io.write_table(self.truth, paths["truth"])
        if backoffice:
            paths["backoffice"] = folder / "catalog_backoffice.csv"
            write_backoffice_csv(self.catalog, paths["backoffice"])
        if week_after:
            kinds = tuple(k for k in INCIDENTS if k != "monthly_sales")
            week = next_week(self, incidents=20, seed=self.seed, kinds=kinds)
            paths["next_week"] = folder / "catalog_next_week.csv"
            paths["incidents"] = folder / "incidents_next_week.csv"
            io.write_table(week.new, paths["next_week"])
            io.write_table(week.incidents, paths["incidents"])
        paths["market"] = folder / "market.json"
        meta = {
            "seed": self.seed,
            "lang": self.lang,
            "listings": len(self.catalog),
            "keywords": int(self.ranks["keyword"].nunique()),
            "assumptions": asdict(self.assumptions),
            "reference": self.reference.reset_index().to_dict("records"),
        }
        io.write_text(json.dumps(meta, ensure_ascii=False, indent=1), paths["market"])
        return paths


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
            f"{path}: cannot be written ({error.strerror or error})"
        ) from None


def load_reference(folder: str | Path) -> tuple[pd.DataFrame, Assumptions]:
    """Read back the category references and assumptions a market was made with,
    so that :func:`true_weight` can be evaluated on changed listings."""
    meta = json.loads((Path(folder) / "market.json").read_text(encoding="utf-8"))
    reference = pd.DataFrame(meta["reference"]).set_index("category")
    return reference, Assumptions(**meta["assumptions"])


def simulate(
    listings: int = 3000,
    seed: int = 0,
    lang: str = "zh",
    assumptions: Assumptions | None = None,
) -> Market:
    """Make a marketplace of ``listings`` listings; the same seed gives the same
    market."""
    if listings < 20:
        raise ValueError("a market needs at least 20 listings")
    if lang not in {"zh", "en"}:
        raise ValueError("lang is 'zh' or 'en'")
    a = assumptions or Assumptions()
    rng = np.random.default_rng(seed)
    n = listings
    cats = market_categories(a)
    true_cat = rng.integers(0, len(cats), n)
    name_of = np.array([c.zh if lang == "zh" else c.en for c in cats], dtype=object)

    placed = true_cat.copy()
    wrong = rng.random(n) < a.wrong_category_share
    shift = rng.integers(1, len(cats), n)
    placed[wrong] = (true_cat[wrong] + shift[wrong]) % len(cats)

    titles, keyword_phrase = _titles(rng, true_cat, lang, a)

    quality = rng.normal(0, 1, n)
    popularity = 0.5 * quality + np.sqrt(1 - 0.25) * rng.normal(0, 1, n)
    cat_price = np.array([c.price for c in cats])[true_cat]
    cat_traffic = np.array([c.traffic for c in cats])[true_cat]

    price = np.round(np.round(cat_price * np.exp(rng.normal(0, 0.45, n)), 1) - 0.1, 2)
    price = np.maximum(price, 0.9)
    visitors = np.round(
        cat_traffic * np.exp(1.1 * popularity + 0.25 * quality + rng.normal(0, 0.6, n))
    ).astype(int)
    page_views = np.round(visitors * rng.uniform(1.2, 2.0, n)).astype(int)
    conversion = _sigmoid(
        _logit(0.035)
        + 0.45 * quality
        - 0.35 * np.log(price / cat_price)
        + rng.normal(0, 0.35, n)
    )
    payers = rng.binomial(visitors, conversion)
    monthly_sales = payers + rng.binomial(payers, 0.18)
    gmv = np.round(monthly_sales * price * rng.uniform(0.85, 1.0, n), 2)
    favorites = rng.binomial(
        visitors, _sigmoid(_logit(0.05) + 0.35 * quality + rng.normal(0, 0.35, n))
    )
    add_to_cart = rng.binomial(
        visitors, _sigmoid(_logit(0.07) + 0.3 * quality + rng.normal(0, 0.35, n))
    )

    age = np.where(
        rng.random(n) < a.new_share,
        rng.integers(0, a.new_product_window_days, n),
        rng.integers(a.new_product_window_days, 900, n),
    )
    as_of = pd.Timestamp(a.as_of)
    listed_at = (as_of - pd.to_timedelta(age, unit="D")).strftime("%Y-%m-%d")
    months_listed = np.minimum(age, 365) / 30 + 0.2
    review_count = rng.poisson(monthly_sales * months_listed * 0.25)
    true_rating = np.clip(4.55 + 0.22 * quality, 1, 5)
    avg_rating = np.clip(
        true_rating + rng.normal(0, 0.9, n) / np.sqrt(np.maximum(review_count, 1)), 1, 5
    )
    avg_rating = np.where(review_count > 0, np.round(avg_rating, 1), np.nan)
    negative = rng.binomial(review_count, _sigmoid(_logit(0.025) - 0.6 * quality))
    photo = rng.binomial(review_count, np.clip(0.14 + 0.05 * quality, 0.01, 0.6))
    qa = rng.poisson(np.log1p(monthly_sales) * 1.5)

    shops = max(5, n // 10)
    shop = rng.integers(0, shops, n)
    shop_quality = rng.normal(0, 1, shops)
    dsr = {}
    for column in DSR:
        level = 4.76 + 0.07 * shop_quality + rng.normal(0, 0.035, shops)
        dsr[column] = np.round(np.clip(level, 4.2, 5.0), 2)[shop]

    video = rng.random(n) < np.clip(a.video_share + 0.12 * quality, 0.05, 0.95)
    white_bg = rng.random(n) < a.white_bg_share
    refund = np.round(np.clip(rng.beta(2, 40, n) * np.exp(-0.3 * quality), 0, 1), 4)

    ids = _listing_ids(rng, n, lang)
    catalog = pd.DataFrame(
        {
            "listing_id": ids,
            "title": titles,
            "category": name_of[placed],
            "price": price,
            "visitors": visitors,
            "page_views": page_views,
            "monthly_sales": monthly_sales,
            "payer_count": payers,
            "gmv": gmv,
            "favorites": favorites,
            "add_to_cart": add_to_cart,
            "review_count": review_count,
            "avg_rating": avg_rating,
            "negative_reviews": negative,
            "photo_reviews": photo,
            "qa_count": qa,
            **dsr,
            "has_main_video": video.astype(int),
            "has_white_bg_image": white_bg.astype(int),
            "listed_at": listed_at,
            "refund_rate": refund,
        }
    )
    catalog["shop"] = np.array([f"shop_{i:04d}" for i in range(shops)])[shop]
    title_category = pd.Series(name_of[true_cat], index=catalog.index)
    reference = category_reference(catalog, a)
    parts = true_weight(catalog, title_category, reference, a)

    log_search = (
        np.log(a.search_visitors_base)
        + a.search_visitors_per_unit * parts["true_weight"].to_numpy()
    )
    if a.search_traffic_elasticity:
        log_visitors = np.log(np.maximum(visitors, 1))
        typical = pd.Series(log_visitors).groupby(placed).transform("median")
        log_search += a.search_traffic_elasticity * (log_visitors - typical.to_numpy())
    if a.search_visitors_noise:
        # A generator of its own: the market's other draws stay as they were.
        noise = np.random.default_rng([seed, 1]).normal(0, 1, n)
        log_search += a.search_visitors_noise * noise
    catalog["search_visitors"] = rng.poisson(np.exp(np.minimum(log_search, 12)))
    catalog = catalog[list(CATALOG_COLUMNS)]

    truth = pd.concat(
        [catalog[["listing_id"]], title_category.rename("title_category"), parts],
        axis=1,
    )
    truth["placed_in_wrong_category"] = wrong
    ranks = _observe_ranks(
        rng, catalog, parts["true_weight"], keyword_phrase, true_cat, a, lang
    )
    return Market(catalog, ranks, truth, reference, a, seed, lang)


#: What can happen to one listing between two weekly exports, each in the
#: signals of one factor (``ranking.explain.fixes.FIX_COLUMNS``): the shop's DSR
#: pushed below its category's level, the main video taken down, a bulk order
#: leaving the 30-day sales window (orders and amount sold fall, paying buyers
#: do not: it was one buyer), a wave of 差评, favourites and add-to-cart
#: collapsing.
INCIDENTS: tuple[str, ...] = (
    "dsr",
    "main_video",
    "monthly_sales",
    "review_quality",
    "favorites_cart",
)


@dataclass
class NextWeek:
    """Two weekly exports: every listing drifted a little between them, a few
    had an incident. ``incidents`` has ``listing_id``, ``factor`` and
    ``what``; ``truth`` the true weight in both weeks (the market's
    yardsticks fixed)."""

    old: pd.DataFrame
    new: pd.DataFrame
    incidents: pd.DataFrame
    truth: pd.DataFrame


def next_week(
    market: Market,
    incidents: int = 50,
    drift: float = 0.1,
    season: float = 1.0,
    seed: int = 0,
    kinds: tuple[str, ...] = INCIDENTS,
) -> NextWeek:
    """The market's export and the one a week later.

    Every listing's traffic and what follows from it (visitors, page views,
    orders, paying buyers, amount sold, favourites, add-to-cart) moves by a
    log-normal factor of spread ``drift`` (plus ``season``, a multiplier all
    listings share), and a week of reviews arrives at the listing's usual
    rates. DSR, media, price and category stay: they are settings and a
    180-day average, not weekly counts. ``incidents`` listings, drawn at
    random among those an incident can happen to, get one of
    ``kinds`` (default :data:`INCIDENTS`) in turn; a bulk order is added to
    the first week's export, as it was there then and is gone now, so
    without that kind the first week is the market's catalog as it was.

    >>> week = next_week(simulate(500, seed=1), incidents=10)   # doctest: +SKIP
    >>> week.incidents["factor"].value_counts().max()         # doctest: +SKIP
    2
    """
    rng = np.random.default_rng([seed, 2])
    old = market.catalog.copy()
    new = old.copy()
    n = len(new)

    traffic = season * np.exp(rng.normal(0, drift, n))
    visitors = np.maximum(np.round(old["visitors"] * traffic), 0)
    new["page_views"] = np.round(old["page_views"] * visitors / old["visitors"].clip(1))
    new["visitors"] = visitors.astype(int)

    def follow(column):
        own = np.exp(rng.normal(0, drift / 2, n))
        return np.round(old[column] * traffic * own)

    new["payer_count"] = follow("payer_count").astype(int)
    sales_ratio = new["payer_count"] / old["payer_count"].clip(1)
    new["monthly_sales"] = np.maximum(
        np.round(old["monthly_sales"] * sales_ratio), new["payer_count"]
    ).astype(int)
    new["gmv"] = np.round(
        old["gmv"] * new["monthly_sales"] / old["monthly_sales"].clip(1), 2
    )
    new["favorites"] = follow("favorites").astype(int)
    new["add_to_cart"] = follow("add_to_cart").astype(int)

    reviews = old["review_count"].fillna(0)
    weekly = rng.poisson(old["monthly_sales"] * 0.25 / 4)
    negative_share = old["negative_reviews"] / reviews.clip(1)
    photo_share = old["photo_reviews"] / reviews.clip(1)
    new["review_count"] = reviews + weekly
    new["negative_reviews"] = old["negative_reviews"] + rng.binomial(
        weekly, negative_share.clip(0, 1)
    )
    new["photo_reviews"] = old["photo_reviews"] + rng.binomial(
        weekly, photo_share.clip(0, 1)
    )

    reference = market.reference.reindex(old["category"].to_numpy())
    eligible = {
        "dsr": np.all(
            [old[c].to_numpy() >= reference[c].to_numpy() for c in DSR], axis=0
        ),
        "main_video": old["has_main_video"].to_numpy() == 1,
        "monthly_sales": old["payer_count"].to_numpy() >= 1,
        "review_quality": reviews.to_numpy() >= 20,
        "favorites_cart": (old["favorites"] + old["add_to_cart"]).to_numpy() >= 20,
    }
    taken = np.zeros(n, dtype=bool)
    rows, factors, whats = [], [], []
    for i in range(incidents):
        factor = kinds[i % len(kinds)]
        pool = np.flatnonzero(eligible[factor] & ~taken)
        if not len(pool):
            raise ValueError(f"no listing left that a {factor} incident can happen to")
        row = int(rng.choice(pool))
        taken[row] = True
        rows.append(row)
        factors.append(factor)
        whats.append(_incident(old, new, row, factor, reference.iloc[row]))

    incidents_table = pd.DataFrame(
        {
            "listing_id": new["listing_id"].to_numpy()[rows],
            "factor": factors,
            "what": whats,
        }
    )
    title_category = market.truth["title_category"]
    a = market.assumptions
    truth = pd.DataFrame(
        {
            "listing_id": new["listing_id"],
            "true_weight_old": true_weight(old, title_category, market.reference, a)[
                "true_weight"
            ],
            "true_weight_new": true_weight(new, title_category, market.reference, a)[
                "true_weight"
            ],
        }
    )
    return NextWeek(old, new, incidents_table, truth)


def _incident(
    old: pd.DataFrame, new: pd.DataFrame, row: int, factor: str, reference: pd.Series
) -> str:
    """Apply one incident to a row of the two weeks in place; what happened,
    in words."""
    at = new.index[row]
    if factor == "dsr":
        before = new.at[at, "dsr_service"]
        after = np.floor((reference["dsr_service"] - 0.1) * 100) / 100
        new.at[at, "dsr_service"] = after
        return f"dsr_service {before:.2f} → {after:.2f}"
    if factor == "main_video":
        new.at[at, "has_main_video"] = 0
        return "main video taken down"
    if factor == "monthly_sales":
        units = max(30, 2 * int(old.at[at, "monthly_sales"]))
        unit_price = old.at[at, "gmv"] / max(old.at[at, "monthly_sales"], 1)
        old.at[at, "monthly_sales"] += units
        old.at[at, "gmv"] = round(old.at[at, "gmv"] + units * unit_price * 0.9, 2)
        return f"a bulk order of {units} units left the 30-day window"
    if factor == "review_quality":
        reviews = new.at[at, "review_count"]
        bad = max(10, round(0.1 * reviews))
        rating = new.at[at, "avg_rating"]
        new.at[at, "review_count"] = reviews + bad
        new.at[at, "negative_reviews"] += bad
        new.at[at, "avg_rating"] = round((rating * reviews + bad) / (reviews + bad), 1)
        return f"{bad} one-star 差评 in a week"
    for column in ("favorites", "add_to_cart"):
        new.at[at, column] = round(new.at[at, column] * 0.2)
    return "favourites and add-to-cart × 0.2"


def category_reference(catalog: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """The platform's per-category yardsticks, taken from a catalog once."""
    frame = _raw_terms(catalog, a)
    grouped = frame.groupby(catalog["category"].to_numpy())
    reference = grouped[
        [
            "log_sales",
            "log_gmv",
            "log_payers",
            "log_fav_cart",
            "log_conversion",
            "log_price",
        ]
    ].median()
    reference = reference.join(grouped[["rating_raw", *DSR]].mean())
    reference.index.name = "category"
    return reference


def true_weight(
    catalog: pd.DataFrame,
    title_category: pd.Series,
    reference: pd.DataFrame,
    a: Assumptions | None = None,
) -> pd.DataFrame:
    """The platform's hidden weight of each listing, term by term.

    ``catalog`` holds canonical columns; ``title_category`` the category each
    title truly belongs to (aligned with ``catalog``); ``reference`` the
    market's per-category yardsticks. Returns one ``term_*`` column per
    effect and their sum, ``true_weight``.
    """
    a = a or Assumptions()
    raw = _raw_terms(catalog, a)
    ref = reference.reindex(catalog["category"].to_numpy())
    ref.index = catalog.index
    rating_mean = ref["rating_raw"].fillna(4.6)
    reviews = catalog["review_count"].fillna(0)
    rating = catalog["avg_rating"].fillna(rating_mean)
    smoothed = (reviews * rating + a.rating_prior_reviews * rating_mean) / (
        reviews + a.rating_prior_reviews
    )
    # A few reviews say little: shares are smoothed toward zero by
    # rating_prior_reviews pseudo-reviews, as the rating is toward the mean.
    share_neg = catalog["negative_reviews"].fillna(0) / (
        reviews + a.rating_prior_reviews
    )
    share_photo = catalog["photo_reviews"].fillna(0) / (
        reviews + a.rating_prior_reviews
    )
    dsr_gap = sum(catalog[c] - ref[c] for c in DSR)
    below = np.any(
        [catalog[c] < ref[c] - a.dsr_penalty_margin - 1e-9 for c in DSR], axis=0
    )
    age = (pd.Timestamp(a.as_of) - pd.to_datetime(catalog["listed_at"])).dt.days
    newness = np.clip(1 - age / a.new_product_window_days, 0, 1)
    terms = pd.DataFrame(
        {
            "term_sales": a.w_sales * (raw["log_sales"] - ref["log_sales"]),
            "term_gmv": a.w_gmv * (raw["log_gmv"] - ref["log_gmv"]),
            "term_payers": a.w_payers * (raw["log_payers"] - ref["log_payers"]),
            "term_fav_cart": a.w_fav_cart
            * np.tanh(raw["log_fav_cart"] - ref["log_fav_cart"]),
            "term_conversion": a.w_conversion
            * np.tanh(raw["log_conversion"] - ref["log_conversion"]),
            "term_reviews": a.w_rating * (smoothed - rating_mean)
            - a.w_negative * share_neg
            + a.w_photo * share_photo
            + a.w_qa * np.log1p(catalog["qa_count"].fillna(0)),
            "term_dsr": a.w_dsr * dsr_gap - a.dsr_below_average_penalty * below,
            "term_category": -a.wrong_category_penalty
            * (catalog["category"].to_numpy() != title_category.to_numpy()),
            "term_new": a.new_product_boost * newness,
            "term_media": a.main_video_boost
            * catalog["has_main_video"].astype(float).fillna(0)
            + a.white_bg_boost * catalog["has_white_bg_image"].astype(float).fillna(0),
            "term_refund": -a.w_refund * catalog["refund_rate"].fillna(0),
        },
        index=catalog.index,
    ).astype("float64")
    terms["true_weight"] = terms.sum(axis=1)
    return terms


def _raw_terms(catalog: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    visitors = np.maximum(catalog["visitors"].astype(float), 1)
    engaged = catalog["favorites"] + catalog["add_to_cart"]
    return pd.DataFrame(
        {
            "log_sales": np.log1p(catalog["monthly_sales"].astype(float)),
            "log_gmv": np.log1p(catalog["gmv"].astype(float)),
            "log_payers": np.log1p(catalog["payer_count"].astype(float)),
            "log_fav_cart": np.log(engaged / visitors + 0.01),
            "log_conversion": np.log(catalog["payer_count"] / visitors + 0.002),
            "log_price": np.log(catalog["price"].astype(float)),
            "rating_raw": catalog["avg_rating"].astype(float),
            **{c: catalog[c].astype(float) for c in DSR},
        },
        index=catalog.index,
    )


#: Categories whose products are sold together or for each other; a title
#: may name one of its group's products (a gift, an accessory, "fits ...").
#: The confusable categories (``Assumptions.confusable_categories``): each
#: shares nouns or attribute words with one of the first twelve, as real
#: neighbouring categories do (a 裙子 is a dress or a skirt; 防摔, 全包 and 磨砂
#: describe cases and screen protectors alike; 降噪 and 无线 any headset).
CONFUSABLE: tuple[Category, ...] = (
    Category(
        "半身裙",
        "Skirts",
        ("半身裙", "裙子"),
        ("skirt", "midi skirt"),
        ("碎花", "雪纺", "法式", "高腰", "长款", "针织", "A字", "百褶"),
        (
            "floral",
            "chiffon",
            "pleated",
            "high waist",
            "long",
            "knit",
            "a-line",
            "satin",
        ),
        119,
        800,
    ),
    Category(
        "手机膜",
        "Screen Protectors",
        ("手机膜", "钢化膜"),
        ("screen protector", "tempered glass"),
        ("防摔", "磁吸", "透明", "全包", "磨砂", "高清", "防窥", "钢化"),
        (
            "shockproof",
            "magnetic",
            "clear",
            "full body",
            "matte",
            "hd",
            "privacy",
            "tempered",
        ),
        19,
        1100,
    ),
    Category(
        "头戴式耳机",
        "Headphones",
        ("头戴式耳机", "无线耳机"),
        ("headphones", "wireless headphones"),
        ("降噪", "运动", "超长续航", "游戏", "迷你", "头戴", "折叠", "重低音"),
        (
            "noise cancelling",
            "sports",
            "long battery",
            "gaming",
            "mini",
            "over-ear",
            "foldable",
            "bass",
        ),
        299,
        700,
    ),
)
AFFINITY: tuple[tuple[int, ...], ...] = (
    (0, 1, 2, 12),
    (3, 7, 9, 13, 14),
    (4, 6, 8, 10),
    (5, 11),
)


def market_categories(a: Assumptions) -> tuple[Category, ...]:
    """The categories of a market built on ``a``."""
    return CATEGORIES + CONFUSABLE if a.confusable_categories else CATEGORIES


_MENTIONS = {
    "zh": ("送{}", "配{}", "适用{}", "{}同款"),
    "en": ("with {}", "for {}", "plus {}", "{} compatible"),
}


def _titles(rng: np.random.Generator, true_cat: np.ndarray, lang: str, a: Assumptions):
    """Titles built as sellers write them: brand, attributes, an attribute+noun
    phrase (what keywords match), shared filler words. Some never name their
    product (``vague_title_share``); some name a related category's product as
    a gift, an accessory or a fit (``cross_mention_share``), as real titles
    do — so telling a title's category is not trivial."""
    zh = lang == "zh"
    shared = np.array(_SHARED_ZH if zh else _SHARED_EN, dtype=object)
    brands = np.array(_BRANDS_ZH if zh else _BRANDS_EN, dtype=object)
    cats = market_categories(a)
    group_of = {
        c: tuple(g for g in group if g < len(cats)) for group in AFFINITY for c in group
    }
    sep = "" if zh else " "
    titles, phrases = [], []
    for cat_index in true_cat:
        cat = cats[cat_index]
        nouns = cat.nouns_zh if zh else cat.nouns_en
        attrs = cat.attrs_zh if zh else cat.attrs_en
        noun = nouns[0] if rng.random() < 0.8 else nouns[rng.integers(len(nouns))]
        picks = rng.choice(len(attrs), size=3, replace=False)
        words = [brands[rng.integers(len(brands))]]
        words += list(rng.choice(shared, size=rng.integers(1, 4), replace=False))
        if rng.random() < a.vague_title_share:
            words += [attrs[p] for p in picks]
            phrase = None
        else:
            phrase = f"{attrs[picks[0]]}{sep}{noun}"
            words += [attrs[picks[1]], attrs[picks[2]], phrase]
            if rng.random() < 0.5:
                words.append(nouns[-1])
        if rng.random() < a.cross_mention_share:
            others = [c for c in group_of[cat_index] if c != cat_index]
            other = cats[others[rng.integers(len(others))]]
            other_noun = (other.nouns_zh if zh else other.nouns_en)[0]
            template = _MENTIONS[lang][rng.integers(len(_MENTIONS[lang]))]
            words.append(template.format(other_noun))
        order = rng.permutation(len(words) - 1) + 1
        title = sep.join([words[0], *[words[i] for i in order]])
        titles.append(title if zh else title.title())
        if phrase is not None:
            phrases.append((noun, phrase, cat_index))
    return np.array(titles, dtype=object), phrases


def _listing_ids(rng: np.random.Generator, n: int, lang: str) -> np.ndarray:
    if lang == "zh":
        numbers = np.unique(rng.integers(10**10, 10**11, size=2 * n))
        numbers = rng.permutation(numbers)[:n]
        return np.array([f"6{x:011d}" for x in numbers], dtype=object)
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
    body = rng.choice(letters, size=(n, 8))
    ids = np.array(["B0" + "".join(row) for row in body], dtype=object)
    # Collisions are vanishingly rare; make them impossible.
    _, first = np.unique(ids, return_index=True)
    dup = np.setdiff1d(np.arange(n), first)
    ids[dup] = [f"B0Z{i:07d}" for i in dup]
    return ids


def _observe_ranks(rng, catalog, weight, phrases, true_cat, a, lang):
    titles = catalog["title"].str.lower().to_numpy().astype(str)
    keywords: dict[str, int] = {}
    for noun, phrase, cat_index in phrases:
        keywords.setdefault(noun.lower(), cat_index)
        keywords.setdefault(phrase.lower(), cat_index)
    # A keyword's results are the listings whose title contains it *and* whose
    # product is of the keyword's category: search relevance keeps a face mask
    # sold "with shampoo" out of the results for 洗发水. A listing placed in a
    # wrong category still competes, buried by its weight.
    candidates = {
        k: np.flatnonzero((np.char.find(titles, k) >= 0) & (true_cat == c))
        for k, c in keywords.items()
    }
    # A keyword needs enough competitors to rank; small markets lower the bar.
    enough = min(20, max(2, len(catalog) // 60))
    usable = [k for k, idx in candidates.items() if len(idx) >= enough]
    wanted = max(5, round(len(catalog) / a.listings_per_keyword))
    chosen = list(rng.choice(usable, size=min(wanted, len(usable)), replace=False))
    forms = CENSORED_FORMS[lang]
    rows = []
    ids = catalog["listing_id"].to_numpy()
    w = weight.to_numpy()
    for keyword in chosen:
        idx = candidates[keyword]
        score = w[idx] + rng.gumbel(0, a.rank_noise, len(idx))
        ordered = idx[np.argsort(-score, kind="stable")]
        top = ordered[: a.observed_top]
        rows.append(
            pd.DataFrame(
                {
                    "listing_id": ids[top],
                    "keyword": keyword,
                    "search_rank": np.arange(1, len(top) + 1).astype(str),
                }
            )
        )
        below = ordered[a.observed_top :]
        seen = below[rng.random(len(below)) < a.censored_share]
        if len(seen):
            form = rng.choice(forms, size=len(seen))
            written = [f.format(n=a.observed_top) for f in form]
            rows.append(
                pd.DataFrame(
                    {
                        "listing_id": ids[seen],
                        "keyword": keyword,
                        "search_rank": written,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))
