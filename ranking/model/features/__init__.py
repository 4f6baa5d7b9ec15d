"""Per-listing signals, one module per family, each DataFrame in → columns out.

:func:`build_features` runs them all on a validated export's canonical data
and returns the model's inputs. :data:`FEATURES` says, for each feature, which
of the eight factors (spec §3) it belongs to and which way it may move the
weight (the model's monotonic constraints). A signal the export does not give
stays NaN: unknown, never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ranking.model.features import (
    category_fit,
    dsr,
    engagement,
    listing,
    media,
    reviews,
    sales,
)
from ranking.model.features._common import Reference

FACTORS: tuple[str, ...] = (
    "monthly_sales",
    "payer_count",
    "favorites_cart",
    "review_quality",
    "dsr",
    "category_fit",
    "main_video",
    "white_bg_image",
)


@dataclass(frozen=True)
class Feature:
    """A model input: its name, its factor (or ``other``), and its direction:
    +1 the weight may only rise with it, -1 only fall, 0 either way."""

    name: str
    factor: str
    direction: int
    meaning: str


FEATURES: tuple[Feature, ...] = (
    Feature("rel_sales", "monthly_sales", 1, "log monthly sales − category median"),
    Feature("rel_gmv", "monthly_sales", 1, "log 坑产 (amount sold) − category median"),
    Feature("rel_payers", "payer_count", 1, "log paying buyers − category median"),
    Feature(
        "catalog_sales", "monthly_sales", 1, "log monthly sales − the export's median"
    ),
    Feature(
        "catalog_payers", "payer_count", 1, "log paying buyers − the export's median"
    ),
    Feature("rel_conversion", "payer_count", 1, "log conversion − category median"),
    Feature(
        "rel_fav_cart",
        "favorites_cart",
        1,
        "log (favourites+carts)/visitors − category median",
    ),
    Feature(
        "rel_rating",
        "review_quality",
        1,
        "rating smoothed by review count, less one standard error, − category mean",
    ),
    Feature("negative_share", "review_quality", -1, "差评 per review (smoothed)"),
    Feature("photo_share", "review_quality", 1, "buyer-photo reviews per review"),
    Feature("rel_reviews", "review_quality", 1, "log reviews − category median"),
    Feature(
        "catalog_reviews", "review_quality", 1, "log reviews − the export's median"
    ),
    Feature("log_qa", "review_quality", 1, "log Q&A answers"),
    Feature("gap_dsr_description", "dsr", 1, "DSR description − category average"),
    Feature("gap_dsr_service", "dsr", 1, "DSR service − category average"),
    Feature("gap_dsr_logistics", "dsr", 1, "DSR logistics − category average"),
    Feature("dsr_min_gap", "dsr", 1, "the lowest of the three DSR gaps"),
    Feature("title_fit", "category_fit", 1, "probability the title fits its category"),
    Feature(
        "fit_margin",
        "category_fit",
        -1,
        "log odds by which another category fits better",
    ),
    Feature("has_main_video", "main_video", 1, "main-image video"),
    Feature("has_white_bg_image", "white_bg_image", 1, "white-background image"),
    Feature("days_listed", "other", -1, "days since first listed (new-product boost)"),
    Feature("rel_log_price", "other", 0, "log price − category median"),
    Feature("refund_rate", "other", -1, "share of orders refunded"),
    # Best Sellers Rank, where no sales count is given (sales.extract_sales_rank).
    Feature(
        "log_sales_rank",
        "monthly_sales",
        -1,
        "log Best Sellers Rank, where no monthly sales are given",
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
#: Each feature's factor (``other`` for age, price and refunds).
FACTOR_OF: dict[str, str] = {f.name: f.factor for f in FEATURES}


def sum_by_factor(
    names: Sequence[str], terms: np.ndarray, parts: Sequence[str] = FACTORS
) -> dict[str, np.ndarray]:
    """Per part (a factor, or ``other``): the sum of the columns of ``terms``
    (rows × ``names``, one column per feature) whose feature belongs to it.

    >>> import numpy as np
    >>> names = ["rel_sales", "rel_gmv", "days_listed"]
    >>> sum_by_factor(names, np.array([[1.0, 2.0, 4.0]]), ["monthly_sales", "other"])
    {'monthly_sales': array([3.]), 'other': array([4.])}
    """
    columns: dict[str, list[int]] = {part: [] for part in parts}
    for j, name in enumerate(names):
        part = FACTOR_OF.get(name, "other")
        if part in columns:
            columns[part].append(j)
    return {part: terms[:, where].sum(axis=1) for part, where in columns.items()}


#: Each family's module and the canonical columns its features read: a fix
#: that changes some columns recomputes only the families that read them.
FAMILIES: dict[str, tuple[object, frozenset[str]]] = {
    "sales": (sales, frozenset({"monthly_sales", "gmv", "price", "payer_count"})),
    "engagement": (
        engagement,
        frozenset({"visitors", "favorites", "add_to_cart", "payer_count"}),
    ),
    "reviews": (
        reviews,
        frozenset(
            {
                "avg_rating",
                "review_count",
                "negative_reviews",
                "photo_reviews",
                "qa_count",
            }
        ),
    ),
    "dsr": (dsr, frozenset(dsr.DSR_COLUMNS)),
    "category_fit": (category_fit, frozenset({"title"})),
    "media": (media, frozenset({"has_main_video", "has_white_bg_image", "main_image"})),
    "listing": (listing, frozenset({"listed_at", "price", "refund_rate"})),
    # Not category-relative: a BSR is a place in Amazon's own category list.
    "sales_rank": (
        SimpleNamespace(extract=sales.extract_sales_rank),
        frozenset({"sales_rank", "monthly_sales"}),
    ),
}
#: Families measured against their category: a category move changes them all.
CATEGORY_RELATIVE = frozenset(
    {"sales", "engagement", "reviews", "dsr", "category_fit", "listing"}
)
FEATURES_OF_FAMILY: dict[str, tuple[str, ...]] = {
    "sales": ("rel_sales", "rel_gmv", "rel_payers", "catalog_sales", "catalog_payers"),
    "engagement": ("rel_fav_cart", "rel_conversion"),
    "reviews": (
        "rel_rating",
        "negative_share",
        "photo_share",
        "rel_reviews",
        "catalog_reviews",
        "log_qa",
    ),
    "dsr": (
        "gap_dsr_description",
        "gap_dsr_service",
        "gap_dsr_logistics",
        "dsr_min_gap",
    ),
    "category_fit": ("title_fit", "fit_margin"),
    "media": ("has_main_video", "has_white_bg_image"),
    "listing": ("days_listed", "rel_log_price", "refund_rate"),
    "sales_rank": ("log_sales_rank",),
}


def families_reading(columns: set[str] | frozenset[str]) -> list[str]:
    """The families whose features change when ``columns`` change."""
    hit = [name for name, (_, reads) in FAMILIES.items() if reads & set(columns)]
    if "category" in columns:
        hit = sorted(set(hit) | CATEGORY_RELATIVE, key=list(FAMILIES).index)
    return hit


def build_features(
    data: pd.DataFrame,
    reference: Reference,
    title_fit: pd.DataFrame,
    image_root: Path | None = None,
    families: list[str] | None = None,
) -> pd.DataFrame:
    """The model's inputs for the rows of ``data`` (canonical columns), measured
    against a catalog's ``reference`` yardsticks; ``title_fit`` holds the rows'
    title → category probabilities (``CatalogProfile.title_fit``). With
    ``families``, only those families' features (for a fix's changed rows).

    >>> from ranking.sim import simulate
    >>> from ranking.model.profile import ProfilePart
    >>> catalog = simulate(200, seed=1).catalog
    >>> profile = ProfilePart.of(catalog).finish()
    >>> features = build_features(
    ...     catalog, profile.reference, profile.title_fit(catalog))
    >>> list(features.columns) == list(FEATURE_NAMES)
    True
    """
    wanted = list(FAMILIES) if families is None else families
    parts = []
    for name in wanted:
        module = FAMILIES[name][0]
        if name == "category_fit":
            parts.append(module.extract(title_fit.loc[data.index]))
        elif name == "media":
            parts.append(module.extract(data, image_root))
        else:
            parts.append(module.extract(data, reference))
    names = [f for family in wanted for f in FEATURES_OF_FAMILY[family]]
    return pd.concat(parts, axis=1)[list(FEATURE_NAMES) if families is None else names]


__all__ = [
    "FACTORS",
    "FACTOR_OF",
    "FEATURES",
    "FEATURE_NAMES",
    "Feature",
    "Reference",
    "build_features",
    "families_reading",
    "sum_by_factor",
]
