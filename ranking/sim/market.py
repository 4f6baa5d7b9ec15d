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
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.sim.assumptions import (
    AFFINITY,
    BRANDS_EN,
    BRANDS_ZH,
    CATALOG_COLUMNS,
    CENSORED_FORMS,
    DSR,
    MENTIONS,
    SHARED_EN,
    SHARED_ZH,
    Assumptions,
    market_categories,
)
from ranking.sim.backoffice import write_backoffice_csv
from ranking.sim.truth import category_reference, logit, sigmoid, true_weight
from ranking.sim.weeks import INCIDENTS, next_week
from ranking.writing import atomic, writers


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
        atomic.make_folder(folder)
        paths = {name: folder / f"{name}.csv" for name in ("catalog", "ranks", "truth")}
        writers.write_table(self.catalog, paths["catalog"])
        writers.write_table(self.ranks, paths["ranks"])
        writers.write_table(self.truth, paths["truth"])
        if backoffice:
            paths["backoffice"] = folder / "catalog_backoffice.csv"
            write_backoffice_csv(self.catalog, paths["backoffice"])
        if week_after:
            kinds = tuple(k for k in INCIDENTS if k != "monthly_sales")
            week = next_week(self, incidents=20, seed=self.seed, kinds=kinds)
            paths["next_week"] = folder / "catalog_next_week.csv"
            paths["incidents"] = folder / "incidents_next_week.csv"
            writers.write_table(week.new, paths["next_week"])
            writers.write_table(week.incidents, paths["incidents"])
        paths["market"] = folder / "market.json"
        meta = {
            "seed": self.seed,
            "lang": self.lang,
            "listings": len(self.catalog),
            "keywords": int(self.ranks["keyword"].nunique()),
            "assumptions": asdict(self.assumptions),
            "reference": self.reference.reset_index().to_dict("records"),
        }
        atomic.write_text(
            json.dumps(meta, ensure_ascii=False, indent=1), paths["market"]
        )
        return paths


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
    market (the draws below are made in one fixed order: reordering them
    makes another market)."""
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
    signals = _sales(rng, quality, popularity, cats, true_cat)
    signals |= _reviews(rng, quality, signals["monthly_sales"], a)
    shops, shop, dsr = _shops(rng, n)
    signals |= dsr
    signals |= _media(rng, quality, a)

    ids = _listing_ids(rng, n, lang)
    catalog = pd.DataFrame(
        {"listing_id": ids, "title": titles, "category": name_of[placed], **signals}
    )
    catalog["shop"] = np.array([f"shop_{i:04d}" for i in range(shops)])[shop]
    title_category = pd.Series(name_of[true_cat], index=catalog.index)
    reference = category_reference(catalog, a)
    parts = true_weight(catalog, title_category, reference, a)
    catalog["search_visitors"] = _search_visitors(
        rng, seed, parts["true_weight"].to_numpy(), catalog["visitors"], placed, a
    )
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


def _sales(rng, quality, popularity, cats, true_cat) -> dict[str, np.ndarray]:
    """Price, traffic and what it turns into: orders, paying buyers, amount
    sold, favourites and add-to-cart."""
    n = len(quality)
    cat_price = np.array([c.price for c in cats])[true_cat]
    cat_traffic = np.array([c.traffic for c in cats])[true_cat]
    price = np.round(np.round(cat_price * np.exp(rng.normal(0, 0.45, n)), 1) - 0.1, 2)
    price = np.maximum(price, 0.9)
    visitors = np.round(
        cat_traffic * np.exp(1.1 * popularity + 0.25 * quality + rng.normal(0, 0.6, n))
    ).astype(int)
    page_views = np.round(visitors * rng.uniform(1.2, 2.0, n)).astype(int)
    conversion = sigmoid(
        logit(0.035)
        + 0.45 * quality
        - 0.35 * np.log(price / cat_price)
        + rng.normal(0, 0.35, n)
    )
    payers = rng.binomial(visitors, conversion)
    monthly_sales = payers + rng.binomial(payers, 0.18)
    gmv = np.round(monthly_sales * price * rng.uniform(0.85, 1.0, n), 2)
    favorites = rng.binomial(
        visitors, sigmoid(logit(0.05) + 0.35 * quality + rng.normal(0, 0.35, n))
    )
    add_to_cart = rng.binomial(
        visitors, sigmoid(logit(0.07) + 0.3 * quality + rng.normal(0, 0.35, n))
    )
    return {
        "price": price,
        "visitors": visitors,
        "page_views": page_views,
        "monthly_sales": monthly_sales,
        "payer_count": payers,
        "gmv": gmv,
        "favorites": favorites,
        "add_to_cart": add_to_cart,
    }


def _reviews(rng, quality, monthly_sales, a: Assumptions) -> dict[str, np.ndarray]:
    """Age, and the reviews and questions a listing gathered over it."""
    n = len(quality)
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
    negative = rng.binomial(review_count, sigmoid(logit(0.025) - 0.6 * quality))
    photo = rng.binomial(review_count, np.clip(0.14 + 0.05 * quality, 0.01, 0.6))
    qa = rng.poisson(np.log1p(monthly_sales) * 1.5)
    return {
        "review_count": review_count,
        "avg_rating": avg_rating,
        "negative_reviews": negative,
        "photo_reviews": photo,
        "qa_count": qa,
        "listed_at": listed_at,
    }


def _shops(rng, n: int) -> tuple[int, np.ndarray, dict[str, np.ndarray]]:
    """Shops (one per ten listings, at least five) and each shop's DSRs,
    which all its listings share."""
    shops = max(5, n // 10)
    shop = rng.integers(0, shops, n)
    shop_quality = rng.normal(0, 1, shops)
    dsr = {}
    for column in DSR:
        level = 4.76 + 0.07 * shop_quality + rng.normal(0, 0.035, shops)
        dsr[column] = np.round(np.clip(level, 4.2, 5.0), 2)[shop]
    return shops, shop, dsr


def _media(rng, quality, a: Assumptions) -> dict[str, np.ndarray]:
    """Main video, white-background image, and the refund rate."""
    n = len(quality)
    video = rng.random(n) < np.clip(a.video_share + 0.12 * quality, 0.05, 0.95)
    white_bg = rng.random(n) < a.white_bg_share
    refund = np.round(np.clip(rng.beta(2, 40, n) * np.exp(-0.3 * quality), 0, 1), 4)
    return {
        "has_main_video": video.astype(int),
        "has_white_bg_image": white_bg.astype(int),
        "refund_rate": refund,
    }


def _search_visitors(rng, seed, weight, visitors, placed, a: Assumptions):
    """Visitors from search: growing exponentially with the true weight, with
    Poisson noise (and, as assumed, with the listing's own traffic and
    log-normal noise)."""
    n = len(weight)
    log_search = np.log(a.search_visitors_base) + a.search_visitors_per_unit * weight
    if a.search_traffic_elasticity:
        log_visitors = np.log(np.maximum(visitors.to_numpy(), 1))
        typical = pd.Series(log_visitors).groupby(placed).transform("median")
        log_search += a.search_traffic_elasticity * (log_visitors - typical.to_numpy())
    if a.search_visitors_noise:
        # A generator of its own: the market's other draws stay as they were.
        noise = np.random.default_rng([seed, 1]).normal(0, 1, n)
        log_search += a.search_visitors_noise * noise
    return rng.poisson(np.exp(np.minimum(log_search, 12)))


def _titles(rng: np.random.Generator, true_cat: np.ndarray, lang: str, a: Assumptions):
    """Titles built as sellers write them: brand, attributes, an attribute+noun
    phrase (what keywords match), shared filler words. Some never name their
    product (``vague_title_share``); some name a related category's product as
    a gift, an accessory or a fit (``cross_mention_share``), as real titles
    do — so telling a title's category is not trivial."""
    zh = lang == "zh"
    shared = np.array(SHARED_ZH if zh else SHARED_EN, dtype=object)
    brands = np.array(BRANDS_ZH if zh else BRANDS_EN, dtype=object)
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
            template = MENTIONS[lang][rng.integers(len(MENTIONS[lang]))]
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
