"""The week after: the same catalog with ordinary drift and planted
incidents (a listing's sales, reviews, DSR, media or category changed), to
test whether `ranking diff` names them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ranking.sim.assumptions import DSR
from ranking.sim.truth import true_weight

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
    market,
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
    _drift_traffic(rng, old, new, drift, season)
    _add_reviews(rng, old, new)
    reference = market.reference.reindex(old["category"].to_numpy())
    rows, factors, whats = _plant(rng, old, new, reference, incidents, kinds)

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


@dataclass
class Weeks:
    """A chain of weekly exports (``exports[0]`` the market's catalog, each
    later one a week after the one before), the incidents planted in them
    (``listing_id``, ``factor``, ``what``, ``week``: the index of the export
    that first shows it) and the slow leaks (``listing_id``, ``start``: the
    first export that shows the leak)."""

    exports: list[pd.DataFrame]
    incidents: pd.DataFrame
    leaks: pd.DataFrame


def weeks(
    market,
    count: int = 8,
    incidents: int = 40,
    leaks: int = 10,
    drift: float = 0.08,
    leak_rate: float = 0.12,
    seed: int = 0,
    kinds: tuple[str, ...] = INCIDENTS,
) -> Weeks:
    """``count`` weekly exports of the market, each drifted from the one
    before as :func:`next_week` drifts one (log-normal spread ``drift``, a
    week of reviews), with ``incidents`` incidents planted in weeks drawn at
    random (one listing each, never the same listing twice; an incident's
    signal stays where it fell in later weeks) and ``leaks`` listings (of
    those with at least 20 paying buyers) whose
    orders, paying buyers and amount sold fall by ``leak_rate`` every week
    on top of the drift, from the second export on.

    >>> chain = weeks(simulate(2000, seed=1), 4, incidents=6)  # doctest: +SKIP
    >>> len(chain.exports), chain.incidents["week"].max()      # doctest: +SKIP
    (4, 3)
    """
    rng = np.random.default_rng([seed, 3])
    first = market.catalog.copy()
    reference = market.reference.reindex(first["category"].to_numpy())
    n = len(first)
    taken = np.zeros(n, dtype=bool)
    leaking = rng.choice(
        np.flatnonzero(first["payer_count"].to_numpy() >= 20), leaks, replace=False
    )
    taken[leaking] = True
    when = np.sort(rng.integers(1, count, incidents))
    exports = [first]
    planted = []
    for week in range(1, count):
        old = exports[-1]
        new = old.copy()
        _drift_traffic(rng, old, new, drift, 1.0)
        _add_reviews(rng, old, new)
        at = new.index[leaking]
        for column in ("monthly_sales", "payer_count"):
            new.loc[at, column] = np.round(
                new.loc[at, column] * (1 - leak_rate)
            ).astype(int)
        new.loc[at, "gmv"] = np.round(new.loc[at, "gmv"] * (1 - leak_rate), 2)
        k = int((when == week).sum())
        rows, factors, whats = _plant(
            rng,
            old,
            new,
            reference,
            k,
            kinds[week % len(kinds) :] + kinds[: week % len(kinds)],
            taken,
        )
        planted.append(
            pd.DataFrame(
                {
                    "listing_id": new["listing_id"].to_numpy()[rows],
                    "factor": factors,
                    "what": whats,
                    "week": week,
                }
            )
        )
        exports.append(new)
    return Weeks(
        exports,
        pd.concat(planted, ignore_index=True),
        pd.DataFrame(
            {"listing_id": first["listing_id"].to_numpy()[leaking], "start": 1}
        ),
    )


def _drift_traffic(rng, old, new, drift: float, season: float) -> None:
    """A week's traffic in ``new``: every listing's visitors move by a
    log-normal factor (and ``season``), and orders, paying buyers, amount
    sold, favourites and add-to-cart follow, each with a little of its own."""
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


def _add_reviews(rng, old, new) -> None:
    """A week of reviews at each listing's usual rates (negative and photo
    reviews at the shares it had)."""
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


def _plant(
    rng, old, new, reference, incidents: int, kinds, taken=None
) -> tuple[list, list, list]:
    """``incidents`` listings, drawn among those each kind can happen to and
    not ``taken`` (a mask, updated), changed in ``new``: their rows, factors
    and what was done."""
    n = len(new)
    reviews = old["review_count"].fillna(0)
    eligible = {
        "dsr": np.all(
            [old[c].to_numpy() >= reference[c].to_numpy() for c in DSR], axis=0
        ),
        "main_video": old["has_main_video"].to_numpy() == 1,
        "monthly_sales": old["payer_count"].to_numpy() >= 1,
        "review_quality": reviews.to_numpy() >= 20,
        "favorites_cart": (old["favorites"] + old["add_to_cart"]).to_numpy() >= 20,
    }
    taken = np.zeros(n, dtype=bool) if taken is None else taken
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
    return rows, factors, whats


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
