"""What the simulated marketplace assumes: every number in one place —
:class:`Assumptions` (each with its reason) and the category tables (nouns,
attributes, price levels, confusable categories)."""

from __future__ import annotations

from dataclasses import dataclass


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

SHARED_ZH = (
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
SHARED_EN = (
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
BRANDS_ZH = (
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
BRANDS_EN = (
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


MENTIONS = {
    "zh": ("送{}", "配{}", "适用{}", "{}同款"),
    "en": ("with {}", "for {}", "plus {}", "{} compatible"),
}
