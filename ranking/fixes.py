"""What to fix first: the eight factors' default fixes, their gains, blockers.

For each factor (spec §3) the default fix is applied to the raw signals of
every listing it would change — never making a signal worse — and only those
listings are re-scored, against the catalog's fixed yardsticks: expected gain
= weight after − weight before. Percentile targets are taken per category over
the catalog being scored (catalog-wide for a category with fewer than
:data:`MIN_CATEGORY_LISTINGS` known values).

>>> catalog = prepare(export.data, model)                    # doctest: +SKIP
>>> gains = fix_gains(catalog)          # rows × factors      # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import RankingError
from ranking.features import (
    FACTORS,
    FEATURES,
    Reference,
    build_features,
    category_reference,
)
from ranking.features._common import categories, column
from ranking.features.category_fit import title_categories
from ranking.features.dsr import DSR_COLUMNS, TOLERANCE, category_average
from ranking.model import WeightModel, category_percentile

#: Smallest gain (weight points) worth listing; smaller ones are rounding.
MIN_GAIN = 0.01
MIN_CATEGORY_LISTINGS = 5

#: A title misfits its category when another category is at least this many
#: times as likely and the placed one is at most this likely.
MISFIT_ODDS = 5.0
MISFIT_MAX_FIT = 0.2
#: Listings both the placed and the suggested category need before a title's
#: fit is judged. Measured on simulated catalogs of 12 categories (6 seeds
#: each), blocker precision without it: 0.54 at 60 listings, 0.69 at 120,
#: 0.89 at 300, 0.99 at 1,000 — a classifier cross-fitted on a handful of
#: titles per category is confidently wrong too often to call it a blocker.
MIN_CATEGORY_EVIDENCE = 20

#: Default effort units of each factor's fix, for ``--by gain-per-effort``:
#: roughly days of an operator's work. Media and a category move are an
#: afternoon; DSR and reviews take weeks of service; sales and buyers, a
#: campaign.
DEFAULT_EFFORT: dict[str, float] = {
    "monthly_sales": 5.0,
    "payer_count": 5.0,
    "favorites_cart": 3.0,
    "review_quality": 4.0,
    "dsr": 3.0,
    "category_fit": 1.0,
    "main_video": 1.0,
    "white_bg_image": 1.0,
}

FEATURES_OF = {
    factor: [f.name for f in FEATURES if f.factor == factor] for factor in FACTORS
}


class EffortError(RankingError):
    """An effort table that cannot be used."""


@dataclass
class Catalog:
    """A catalog ready for fixes: its data with measured media filled in, its
    yardsticks, title fit, features and current weights."""

    data: pd.DataFrame
    reference: Reference
    title_fit: pd.DataFrame
    features: pd.DataFrame
    raw: np.ndarray
    weight: pd.Series
    percentile: pd.Series
    targets: pd.DataFrame
    model: WeightModel


def prepare(
    data: pd.DataFrame, model: WeightModel, image_root: Path | None = None
) -> Catalog:
    """Score a catalog (canonical columns) and take what fixes need from it."""
    reference = category_reference(data)
    title_fit = title_categories(data)
    features = build_features(data, reference, title_fit, image_root=image_root)
    data = data.copy()
    # Measured once: what-if copies must not re-open image files.
    data["has_white_bg_image"] = features["has_white_bg_image"]
    raw = model.raw(features)
    weight = pd.Series(model.to_weight(raw), index=data.index)
    return Catalog(
        data=data,
        reference=reference,
        title_fit=title_fit,
        features=features,
        raw=raw,
        weight=weight,
        percentile=category_percentile(weight, categories(data)),
        targets=category_targets(data),
        model=model,
    )


def rescore(
    catalog: Catalog, changed: pd.DataFrame, title_fit: pd.DataFrame | None = None
) -> pd.Series:
    """0-100 weight of changed copies of some listings, against the catalog's
    yardsticks."""
    fit = catalog.title_fit.loc[changed.index] if title_fit is None else title_fit
    features = build_features(changed, catalog.reference, fit)
    return pd.Series(catalog.model.weights(features), index=changed.index)


# --------------------------------------------------------------- targets


def signal_rates(data: pd.DataFrame) -> pd.DataFrame:
    """Per-visitor favourite and cart rates, and negative and photo shares of
    reviews: the rates the fixes target (unknown where the base is 0)."""
    visitors = column(data, "visitors").where(lambda v: v > 0)
    reviews = column(data, "review_count").where(lambda v: v > 0)
    return pd.DataFrame(
        {
            "favorite_rate": column(data, "favorites") / visitors,
            "cart_rate": column(data, "add_to_cart") / visitors,
            "negative_share": column(data, "negative_reviews") / reviews,
            "photo_share": column(data, "photo_reviews") / reviews,
        },
        index=data.index,
    )


TARGETS = {
    "monthly_sales": 0.75,
    "payer_count": 0.75,
    "favorite_rate": 0.75,
    "cart_rate": 0.75,
    "avg_rating": 0.75,
    "negative_share": 0.25,
    "photo_share": 0.75,
    **dict.fromkeys(DSR_COLUMNS, 0.75),
}


def category_targets(data: pd.DataFrame) -> pd.DataFrame:
    """Per listing, its category's percentile targets of the raw signals
    (75th; 25th for the negative-review share)."""
    rates = signal_rates(data)
    signals = pd.DataFrame(
        {name: column(data, name) for name in TARGETS if name not in rates.columns},
        index=data.index,
    )
    values = pd.concat([signals, rates], axis=1)
    category = categories(data).to_numpy()
    out = pd.DataFrame(index=data.index)
    for name, q in TARGETS.items():
        grouped = values[name].groupby(category)
        own = grouped.quantile(q).where(grouped.count() >= MIN_CATEGORY_LISTINGS)
        mine = own.reindex(category).to_numpy()
        out[name] = np.where(np.isnan(mine), values[name].quantile(q), mine)
    # A count target is a whole number of units or buyers, rounded up.
    for name in ("monthly_sales", "payer_count"):
        out[name] = np.ceil(out[name])
    return out


# ------------------------------------------------------------------ fixes


@dataclass
class Fix:
    """One factor's fix applied to the listings it changes."""

    factor: str
    changed: pd.DataFrame  # changed copies of the listings it applies to
    title_fit: pd.DataFrame | None = None


def _raise(values: pd.Series, target: pd.Series) -> pd.Series:
    return pd.Series(np.fmax(values, target), index=values.index).where(values.notna())


def _scale_gmv(rows: pd.DataFrame, old_sales: pd.Series) -> None:
    """Keep 坑产 in step with units: scaled when both are known."""
    if "gmv" not in rows.columns:
        return
    gmv = column(rows, "gmv")
    new_sales = column(rows, "monthly_sales")
    ratio = new_sales / old_sales.where(old_sales > 0)
    by_price = gmv + (new_sales - old_sales) * column(rows, "price")
    rows["gmv"] = (gmv * ratio).fillna(by_price).fillna(gmv)


def fix_monthly_sales(catalog: Catalog) -> Fix:
    data, targets = catalog.data, catalog.targets
    sales = column(data, "monthly_sales")
    rows = data[sales < targets["monthly_sales"]].copy()
    old = column(rows, "monthly_sales")
    rows["monthly_sales"] = _raise(old, targets.loc[rows.index, "monthly_sales"])
    _scale_gmv(rows, old)
    return Fix("monthly_sales", rows)


def fix_payer_count(catalog: Catalog) -> Fix:
    data, targets = catalog.data, catalog.targets
    payers = column(data, "payer_count")
    rows = data[payers < targets["payer_count"]].copy()
    rows["payer_count"] = _raise(
        column(rows, "payer_count"), targets.loc[rows.index, "payer_count"]
    )
    if "monthly_sales" in rows.columns:
        old = column(rows, "monthly_sales")
        rows["monthly_sales"] = np.fmax(old, rows["payer_count"]).where(old.notna())
        _scale_gmv(rows, old)
    return Fix("payer_count", rows)


def fix_favorites_cart(catalog: Catalog) -> Fix:
    data, targets = catalog.data, catalog.targets
    visitors = column(data, "visitors")
    wanted = {
        "favorites": np.ceil(targets["favorite_rate"] * visitors),
        "add_to_cart": np.ceil(targets["cart_rate"] * visitors),
    }
    below = (column(data, "favorites") < wanted["favorites"]) | (
        column(data, "add_to_cart") < wanted["add_to_cart"]
    )
    rows = data[below].copy()
    for name, target in wanted.items():
        rows[name] = _raise(column(rows, name), target[rows.index])
    return Fix("favorites_cart", rows)


def fix_review_quality(catalog: Catalog) -> Fix:
    data, targets = catalog.data, catalog.targets
    reviews = column(data, "review_count")
    rating = column(data, "avg_rating")
    negative = column(data, "negative_reviews")
    photo = column(data, "photo_reviews")
    new_rating = _raise(rating, targets["avg_rating"])
    new_negative = np.fmin(
        negative, np.floor(targets["negative_share"] * reviews)
    ).where(negative.notna())
    new_photo = np.fmax(
        photo, np.fmin(reviews, np.ceil(targets["photo_share"] * reviews))
    ).where(photo.notna())
    changed = (new_rating > rating) | (new_negative < negative) | (new_photo > photo)
    rows = data[changed].copy()
    for name, values in (
        ("avg_rating", new_rating),
        ("negative_reviews", new_negative),
        ("photo_reviews", new_photo),
    ):
        if name in rows.columns:
            rows[name] = values[rows.index]
    return Fix("review_quality", rows)


def fix_dsr(catalog: Catalog) -> Fix:
    data, targets = catalog.data, catalog.targets
    below = pd.Series(False, index=data.index)
    for name in DSR_COLUMNS:
        below |= column(data, name) < targets[name]
    rows = data[below].copy()
    for name in DSR_COLUMNS:
        if name in rows.columns:
            rows[name] = _raise(column(rows, name), targets.loc[rows.index, name])
    return Fix("dsr", rows)


def judged(data: pd.DataFrame, fit: pd.DataFrame) -> pd.Series:
    """True where the title's fit can be judged: a best category other than
    the placed one, and both with at least :data:`MIN_CATEGORY_EVIDENCE`
    listings in the catalog."""
    placed = categories(data)
    sizes = placed.value_counts()
    best = fit["best_category"]
    enough = (placed.map(sizes) >= MIN_CATEGORY_EVIDENCE) & (
        best.map(sizes).fillna(0) >= MIN_CATEGORY_EVIDENCE
    )
    return (best.notna() & best.ne(placed).fillna(False) & enough).astype(bool)


def fix_category_fit(catalog: Catalog) -> Fix:
    fit = catalog.title_fit
    moves = judged(catalog.data, fit)
    rows = catalog.data[moves].copy()
    rows["category"] = fit.loc[rows.index, "best_category"]
    moved_fit = fit.loc[rows.index].copy()
    moved_fit["title_fit"] = moved_fit["best_prob"]
    return Fix("category_fit", rows, moved_fit)


def _add(name: str, factor: str) -> Callable[[Catalog], Fix]:
    def fix(catalog: Catalog) -> Fix:
        rows = catalog.data[column(catalog.data, name).ne(1.0)].copy()
        rows[name] = 1.0
        return Fix(factor, rows)

    return fix


FIXES: dict[str, Callable[[Catalog], Fix]] = {
    "monthly_sales": fix_monthly_sales,
    "payer_count": fix_payer_count,
    "favorites_cart": fix_favorites_cart,
    "review_quality": fix_review_quality,
    "dsr": fix_dsr,
    "category_fit": fix_category_fit,
    "main_video": _add("has_main_video", "main_video"),
    "white_bg_image": _add("has_white_bg_image", "white_bg_image"),
}


def apply_fixes(
    catalog: Catalog,
    rows: pd.Index | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, tuple[Fix, pd.Series]]:
    """Every factor's fix for ``rows`` (default: all), with the weight after it
    for each listing it changes: ``{factor: (fix, weight_after)}``."""
    results = {}
    for factor, make in FIXES.items():
        fix = make(catalog)
        if rows is not None:
            keep = fix.changed.index.intersection(rows)
            fix.changed = fix.changed.loc[keep]
            if fix.title_fit is not None:
                fix.title_fit = fix.title_fit.loc[keep]
        after = (
            rescore(catalog, fix.changed, fix.title_fit)
            if len(fix.changed)
            else pd.Series(dtype="float64")
        )
        results[factor] = (fix, after)
        if progress:
            progress(factor)
    return results


def gain_table(
    catalog: Catalog,
    applied: dict[str, tuple[Fix, pd.Series]],
    rows: pd.Index | None = None,
) -> pd.DataFrame:
    """Rows × factors: expected gain of each factor's fix (NaN where the fix
    does not apply)."""
    index = catalog.data.index if rows is None else rows
    table = pd.DataFrame(np.nan, index=index, columns=list(FACTORS))
    for factor, (_, after) in applied.items():
        table.loc[after.index, factor] = after - catalog.weight[after.index]
    return table


def ranked_fixes(
    gains: pd.DataFrame,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    top: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``top`` factors to fix first and their gains, as arrays of
    shape (rows, top); factor ``""`` and gain NaN where fewer apply. Fixes with
    a gain below :data:`MIN_GAIN` are left out."""
    values = gains.to_numpy(dtype="float64")
    useful = np.where(values >= MIN_GAIN, values, np.nan)
    key = useful.copy()
    if by == "gain-per-effort":
        cost = np.array([(effort or DEFAULT_EFFORT)[f] for f in gains.columns])
        key = useful / cost
    elif by != "gain":
        raise ValueError(f"by is {by!r}, expected 'gain' or 'gain-per-effort'")
    order = np.argsort(np.where(np.isnan(key), np.inf, -key), axis=1, kind="stable")
    order = order[:, :top]
    picked = np.take_along_axis(useful, order, axis=1)
    names = np.asarray(gains.columns, dtype=object)[order]
    names = np.where(np.isnan(picked), "", names)
    if picked.shape[1] < top:
        pad = top - picked.shape[1]
        picked = np.pad(picked, ((0, 0), (0, pad)), constant_values=np.nan)
        names = np.pad(names, ((0, 0), (0, pad)), constant_values="")
    return names, picked


# --------------------------------------------------------------- blockers


def dsr_blockers(catalog: Catalog) -> pd.DataFrame:
    """Per listing and DSR: the category average it falls below (NaN if not)."""
    average = category_average(catalog.data, catalog.reference)
    return pd.DataFrame(
        {
            name: average[name].where(
                column(catalog.data, name) < average[name] - TOLERANCE
            )
            for name in DSR_COLUMNS
        },
        index=catalog.data.index,
    )


def misfit(catalog: Catalog) -> pd.Series:
    """True where the listing's title does not fit its category (a blocker)."""
    return misfits(catalog.data, catalog.title_fit)


def misfits(data: pd.DataFrame, fit: pd.DataFrame) -> pd.Series:
    """True where the title does not fit the placed category: another category
    is at least :data:`MISFIT_ODDS` times as likely, the placed one at most
    :data:`MISFIT_MAX_FIT`, and both hold enough listings to judge
    (:func:`judged`; ``fit`` from :func:`title_categories`)."""
    odds = fit["best_prob"] >= MISFIT_ODDS * fit["title_fit"]
    low = fit["title_fit"] <= MISFIT_MAX_FIT
    return (judged(data, fit) & odds & low).fillna(False).astype(bool)


def blocker_table(catalog: Catalog) -> pd.DataFrame:
    """``blockers`` (factor names joined by ``;``) and ``suggested_category``
    (empty unless category_fit is a blocker) per listing."""
    dsr_low = dsr_blockers(catalog).notna().any(axis=1)
    wrong = misfit(catalog)
    names = np.where(dsr_low, "dsr", "")
    names = np.where(
        wrong, np.where(dsr_low, "dsr;category_fit", "category_fit"), names
    )
    suggested = catalog.title_fit["best_category"].where(wrong, "").fillna("")
    return pd.DataFrame(
        {"blockers": names, "suggested_category": suggested.astype(str)},
        index=catalog.data.index,
    )


# ---------------------------------------------------------- contributions


def contributions(catalog: Catalog, rows: pd.Index | None = None) -> pd.DataFrame:
    """Rows × factors: weight points each factor adds or takes away compared
    with a typical listing of the category (its features at the category
    median). Exact what-ifs of the additive model: the weight minus the weight
    with that factor's terms set to the typical listing's."""
    index = catalog.data.index if rows is None else rows
    features = catalog.features
    category = categories(catalog.data)
    typical = features.groupby(category.to_numpy()).median()
    estimator = catalog.model.estimator
    typical_terms = estimator.terms(typical)
    own_terms = estimator.terms(features.loc[index])
    mine = typical_terms.reindex(category[index].to_numpy())
    mine.index = index
    raw = pd.Series(catalog.raw, index=catalog.data.index)[index]
    out = pd.DataFrame(index=index)
    for factor in FACTORS:
        names = FEATURES_OF[factor]
        delta = (own_terms[names] - mine[names]).sum(axis=1)
        out[factor] = catalog.weight[index] - catalog.model.to_weight(raw - delta)
    return out


# ----------------------------------------------------------------- effort


def load_effort(path: str | Path) -> dict[str, float]:
    """An effort table from a small file: JSON ``{"dsr": 2, ...}`` or CSV with
    ``factor,effort`` rows. Factors it leaves out keep their default."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise EffortError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        if path.suffix.lower() == ".json":
            given = json.loads(text)
        else:
            rows = [line.split(",") for line in text.splitlines() if line.strip()]
            if rows and rows[0][0].strip().lower() == "factor":
                rows = rows[1:]
            given = {row[0].strip(): row[1].strip() for row in rows}
    except (ValueError, IndexError):
        raise EffortError(
            f'{path}: expected JSON {{"factor": effort}} or CSV rows factor,effort'
        ) from None
    table = dict(DEFAULT_EFFORT)
    for factor, value in given.items():
        if factor not in DEFAULT_EFFORT:
            raise EffortError(
                f"{path}: unknown factor '{factor}'; factors are " + ", ".join(FACTORS)
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not number > 0:
            raise EffortError(
                f"{path}: effort of {factor} is '{value}', expected a number > 0"
            )
        table[factor] = number
    return table
