"""Per-listing signals, one module per family, each DataFrame in → columns out.

:func:`build_features` runs them all on a validated export's canonical data
and returns the model's inputs. :data:`FEATURES` says, for each feature, which
of the eight factors (spec §3) it belongs to and which way it may move the
weight (the model's monotonic constraints). A signal the export does not give
stays NaN: unknown, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.features import (
    category_fit,
    dsr,
    engagement,
    listing,
    media,
    reviews,
    sales,
)
from ranking.features._common import Reference, categories, listing_keys

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
    Feature("log_qa", "review_quality", 1, "log Q&A answers"),
    Feature("gap_dsr_description", "dsr", 1, "DSR description − category average"),
    Feature("gap_dsr_service", "dsr", 1, "DSR service − category average"),
    Feature("gap_dsr_logistics", "dsr", 1, "DSR logistics − category average"),
    Feature("dsr_below_count", "dsr", -1, "DSRs below the category average (0-3)"),
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
)

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


FAMILIES = (sales, engagement, reviews, dsr, listing)


def category_reference(
    data: pd.DataFrame, as_of: pd.Timestamp | None = None
) -> Reference:
    """The catalog's per-category yardsticks (medians and means of the
    quantities features are measured against) and its reference date.

    Computed in a canonical order (by hashed listing id): a mean sums floats in
    row order, and a 1e-16 difference can move a value across a bin edge, so
    this keeps every listing's features independent of the export's order.
    """
    data = data.iloc[np.argsort(listing_keys(data), kind="stable")]
    parts = pd.concat([family.quantities(data) for family in FAMILIES], axis=1)
    how = {
        name: method for family in FAMILIES for name, method in family.CENTERS.items()
    }
    if as_of is None:
        as_of = listing.reference_date(data)
    return Reference.from_quantities(parts, categories(data), how, as_of)


def build_features(
    data: pd.DataFrame,
    reference: Reference | None = None,
    title_fit: pd.DataFrame | None = None,
    image_root: Path | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The model's inputs for every listing of ``data`` (canonical columns).

    Category-relative features are measured against ``reference``; by default
    the yardsticks of ``data`` itself, which should then be the whole catalog.
    To score what-if copies of a few listings, pass the catalog's reference
    and those listings' ``title_fit`` rows (:func:`category_fit.
    title_categories` of the catalog, the slowest step).

    >>> from ranking.simulate import simulate
    >>> features = build_features(simulate(200, seed=1).catalog)
    >>> list(features.columns) == list(FEATURE_NAMES)
    True
    """
    if reference is None:
        reference = category_reference(data)
    if title_fit is None:
        title_fit = category_fit.title_categories(data, seed=seed)
    parts = [
        sales.extract(data, reference),
        engagement.extract(data, reference),
        reviews.extract(data, reference),
        dsr.extract(data, reference),
        category_fit.extract(title_fit.loc[data.index]),
        media.extract(data, image_root),
        listing.extract(data, reference),
    ]
    return pd.concat(parts, axis=1)[list(FEATURE_NAMES)]


__all__ = [
    "FACTORS",
    "FEATURES",
    "FEATURE_NAMES",
    "Feature",
    "Reference",
    "build_features",
    "category_reference",
]
