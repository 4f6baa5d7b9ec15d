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
from ranking.features._common import listing_keys

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
        "rating smoothed by review count − category mean",
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


def build_features(
    data: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
    image_root: Path | None = None,
    title_fit: pd.DataFrame | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The model's inputs for every listing of ``data`` (canonical columns).

    Category-relative features compare each listing with the other listings
    of its category in ``data``, so ``data`` should be the whole catalog.
    ``title_fit`` may pass :func:`category_fit.title_categories` already
    computed for this catalog (it is the slowest step, and what-if copies of a
    listing do not change it unless the title or category changes).

    >>> from ranking.simulate import simulate
    >>> features = build_features(simulate(200, seed=1).catalog)
    >>> list(features.columns) == list(FEATURE_NAMES)
    True
    """
    # Category statistics sum floats; summed in row order, a 1e-16 difference
    # can move a value across a bin edge. A canonical order (by hashed listing
    # id) makes every listing's features independent of the export's order.
    original = data.index
    data = data.iloc[np.argsort(listing_keys(data), kind="stable")]
    if title_fit is None:
        title_fit = category_fit.title_categories(data, seed=seed)
    else:
        title_fit = title_fit.loc[data.index]
    parts = [
        sales.extract(data),
        engagement.extract(data),
        reviews.extract(data),
        dsr.extract(data),
        category_fit.extract(title_fit),
        media.extract(data, image_root),
        listing.extract(data, as_of),
    ]
    return pd.concat(parts, axis=1)[list(FEATURE_NAMES)].loc[original]


__all__ = ["FACTORS", "FEATURES", "FEATURE_NAMES", "Feature", "build_features"]
