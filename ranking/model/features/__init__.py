"""Per-listing signals, one module per family, each DataFrame in → columns out.

:func:`build_features` runs them all on a validated export's canonical data
and returns the model's inputs. :data:`FEATURES` says, for each feature, which
of the eight factors (spec §3) it belongs to and which way it may move the
weight (the model's monotonic constraints). A signal the export does not give
stays NaN: unknown, never zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
from ranking.model.features.common import Reference
from ranking.reading.columns import FACTOR_SIGNALS

#: The eight factors (spec §3), declared with the signals each is judged
#: from in the reading stage's table.
FACTORS: tuple[str, ...] = tuple(FACTOR_SIGNALS)


@dataclass(frozen=True)
class Feature:
    """A model input, declared: what the code reads to compute, constrain,
    group and explain it, and what a browser needs to recompute it.

    ``factor`` is one of :data:`FACTORS` (or ``other``); ``family`` the
    module that computes it (:data:`FAMILIES`); ``direction`` the monotone
    constraint: +1 the weight may only rise with it, -1 only fall, 0 either
    way. ``inputs`` are the canonical export columns it reads (a fix to one
    of them recomputes it); ``transform`` names how they become the feature,
    and ``yardstick`` the catalog quantity it is measured against (a
    :class:`Reference` centre, per category unless the transform says the
    whole export), None when it stands alone. ``fills``: see below."""

    name: str
    factor: str
    family: str
    direction: int
    inputs: tuple[str, ...]
    transform: str
    yardstick: str | None
    meaning: str
    #: The input column this feature measures where the export leaves it
    #: empty (from its other inputs); the pipeline writes the measured values
    #: back into the rows, so no later pass measures again.
    fills: str | None = None

    def to_data(self) -> dict:
        """The feature as JSON-ready data (:func:`feature_table`)."""
        return {
            "name": self.name,
            "factor": self.factor,
            "family": self.family,
            "direction": self.direction,
            "inputs": list(self.inputs),
            "transform": self.transform,
            "yardstick": self.yardstick,
            "meaning": self.meaning,
            "fills": self.fills,
        }


_SALES = ("monthly_sales",)
_GMV = ("gmv", "monthly_sales", "price")  # 坑产: monthly_sales × price if no gmv
_CATEGORY_LOG = "log1p_minus_category_center"
_CATALOG_LOG = "log1p_minus_export_center"
_SMOOTHED_SHARE = "count_per_review_count_plus_prior"
_DSR_GAP = "minus_category_center"

#: Every model input, in the model's column order: the one place a feature
#: is named. Everything else is derived from it.
# fmt: off
FEATURES: tuple[Feature, ...] = (
    Feature(
        "rel_sales", "monthly_sales", "sales", 1, _SALES, _CATEGORY_LOG,
        "log_sales", "log monthly sales − category median",
    ),
    Feature(
        "rel_gmv", "monthly_sales", "sales", 1, _GMV, _CATEGORY_LOG,
        "log_gmv", "log 坑产 (amount sold) − category median",
    ),
    Feature(
        "rel_payers", "payer_count", "sales", 1, ("payer_count",), _CATEGORY_LOG,
        "log_payers", "log paying buyers − category median",
    ),
    Feature(
        "catalog_sales", "monthly_sales", "sales", 1, _SALES, _CATALOG_LOG,
        "log_sales", "log monthly sales − the export's median",
    ),
    Feature(
        "catalog_payers", "payer_count", "sales", 1, ("payer_count",),
        _CATALOG_LOG, "log_payers", "log paying buyers − the export's median",
    ),
    Feature(
        "rel_conversion", "payer_count", "engagement", 1,
        ("payer_count", "visitors"), "log_rate_per_visitor_minus_category_center",
        "log_conversion", "log conversion − category median",
    ),
    Feature(
        "rel_fav_cart", "favorites_cart", "engagement", 1,
        ("favorites", "add_to_cart", "visitors"),
        "log_rate_per_visitor_minus_category_center", "log_fav_cart",
        "log (favourites+carts)/visitors − category median",
    ),
    Feature(
        "rel_rating", "review_quality", "reviews", 1,
        ("avg_rating", "review_count"),
        "smoothed_rating_lower_bound_minus_category_center", "rating",
        "rating smoothed by review count, less one standard error, − category mean",
    ),
    Feature(
        "negative_share", "review_quality", "reviews", -1,
        ("negative_reviews", "review_count"), _SMOOTHED_SHARE, None,
        "差评 per review (smoothed)",
    ),
    Feature(
        "photo_share", "review_quality", "reviews", 1,
        ("photo_reviews", "review_count"), _SMOOTHED_SHARE, None,
        "buyer-photo reviews per review",
    ),
    Feature(
        "rel_reviews", "review_quality", "reviews", 1, ("review_count",),
        _CATEGORY_LOG, "log_reviews", "log reviews − category median",
    ),
    Feature(
        "catalog_reviews", "review_quality", "reviews", 1, ("review_count",),
        _CATALOG_LOG, "log_reviews", "log reviews − the export's median",
    ),
    Feature(
        "log_qa", "review_quality", "reviews", 1, ("qa_count",), "log1p", None,
        "log Q&A answers",
    ),
    Feature(
        "gap_dsr_description", "dsr", "dsr", 1, ("dsr_description",), _DSR_GAP,
        "dsr_description", "DSR description − category average",
    ),
    Feature(
        "gap_dsr_service", "dsr", "dsr", 1, ("dsr_service",), _DSR_GAP,
        "dsr_service", "DSR service − category average",
    ),
    Feature(
        "gap_dsr_logistics", "dsr", "dsr", 1, ("dsr_logistics",), _DSR_GAP,
        "dsr_logistics", "DSR logistics − category average",
    ),
    Feature(
        "dsr_min_gap", "dsr", "dsr", 1, dsr.DSR_COLUMNS, "min_of_dsr_gaps", None,
        "the lowest of the three DSR gaps",
    ),
    Feature(
        "title_fit", "category_fit", "category_fit", 1, ("title",),
        "title_model_probability_of_category", None,
        "probability the title fits its category",
    ),
    Feature(
        "fit_margin", "category_fit", "category_fit", -1, ("title",),
        "title_model_log_odds_best_over_placed", None,
        "log odds by which another category fits better",
    ),
    Feature(
        "has_main_video", "main_video", "media", 1, ("has_main_video",),
        "yes_no", None, "main-image video",
    ),
    Feature(
        "has_white_bg_image", "white_bg_image", "media", 1,
        ("has_white_bg_image", "main_image"), "yes_no_else_measured_from_image",
        None, "white-background image", fills="has_white_bg_image",
    ),
    Feature(
        "days_listed", "other", "listing", -1, ("listed_at",),
        "days_before_reference_date", None,
        "days since first listed (new-product boost)",
    ),
    Feature(
        "rel_log_price", "other", "listing", 0, ("price",),
        "log_minus_category_center", "log_price", "log price − category median",
    ),
    Feature(
        "refund_rate", "other", "listing", -1, ("refund_rate",), "identity", None,
        "share of orders refunded",
    ),
    # Best Sellers Rank, where no sales count is given (sales.extract_sales_rank).
    Feature(
        "log_sales_rank", "monthly_sales", "sales_rank", -1,
        ("sales_rank", "monthly_sales"), "log_where_no_monthly_sales", None,
        "log Best Sellers Rank, where no monthly sales are given",
    ),
)
# fmt: on

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
#: Each feature's factor (``other`` for age, price and refunds).
FACTOR_OF: dict[str, str] = {f.name: f.factor for f in FEATURES}


def feature_table() -> dict:
    """The declared features and factors as JSON-ready data, written beside a
    model as ``features.json`` (as InterpretML's EBM ``to_json``): what a
    browser needs to redraw a what-if — per feature its factor, monotone
    direction, raw inputs and transform — without this package.

    >>> table = feature_table()
    >>> table["features"][0]["inputs"], table["factors"][-1]["name"]
    (['monthly_sales'], 'white_bg_image')
    """
    return {
        "factors": [
            {"name": factor, "judged_from": list(FACTOR_SIGNALS[factor])}
            for factor in FACTORS
        ],
        "families": [family.to_data() for family in FAMILIES.values()],
        "features": [feature.to_data() for feature in FEATURES],
    }


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


@dataclass(frozen=True)
class Family:
    """A feature family: the function that computes its features from the
    rows' canonical columns, and what else it ``needs`` (by name, from what
    :func:`build_features` is given: ``reference``, the catalog's
    yardsticks; ``title_fit``, the rows' title → category probabilities;
    ``image_root``, where ``main_image`` files may be read).
    ``category_relative``: measured against the listing's category, so a
    category move recomputes it. A family with ``centers`` gives the catalog
    profile its yardsticks (:data:`ranking.model.profile.CENTERS`)."""

    name: str
    extract: Callable[..., pd.DataFrame]
    needs: tuple[str, ...]
    category_relative: bool
    #: The quantities the catalog's yardsticks are taken of (per listing) and
    #: how each is centred ("median" or "mean"); none for a family measured
    #: against nothing of the catalog.
    quantities: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    centers: Mapping[str, str] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        """Its features, in the model's order."""
        return tuple(f.name for f in FEATURES if f.family == self.name)

    @property
    def reads(self) -> frozenset[str]:
        """The canonical columns its features read: a fix that changes some
        columns recomputes only the families that read them."""
        return frozenset(c for f in FEATURES if f.family == self.name for c in f.inputs)

    def to_data(self) -> dict:
        """The family as JSON-ready data."""
        return {
            "name": self.name,
            "needs": list(self.needs),
            "category_relative": self.category_relative,
            "features": list(self.features),
            "yardsticks": dict(self.centers),
        }


#: The families in the order they are computed.
FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            "sales",
            sales.extract,
            ("reference",),
            True,
            sales.quantities,
            sales.CENTERS,
        ),
        Family(
            "engagement",
            engagement.extract,
            ("reference",),
            True,
            engagement.quantities,
            engagement.CENTERS,
        ),
        Family(
            "reviews",
            reviews.extract,
            ("reference",),
            True,
            reviews.quantities,
            reviews.CENTERS,
        ),
        Family(
            "dsr",
            dsr.extract,
            ("reference",),
            True,
            dsr.quantities,
            dsr.CENTERS,
        ),
        Family("category_fit", category_fit.extract, ("title_fit",), True),
        Family("media", media.extract, ("image_root",), False),
        Family(
            "listing",
            listing.extract,
            ("reference",),
            True,
            listing.quantities,
            listing.CENTERS,
        ),
        # Not category-relative: a BSR is a place in Amazon's own category list.
        Family("sales_rank", sales.extract_sales_rank, ("reference",), False),
    )
}
#: Families measured against their category: a category move changes them all.
CATEGORY_RELATIVE = frozenset(f.name for f in FAMILIES.values() if f.category_relative)
FEATURES_OF_FAMILY: dict[str, tuple[str, ...]] = {
    name: family.features for name, family in FAMILIES.items()
}


def measured_columns(columns) -> dict[str, str]:
    """Input column → the feature that measures it where the export leaves
    it empty (``Feature.fills``), for the features that can with these
    ``columns`` (their other inputs given: ``main_image`` paths for a white
    background).

    >>> measured_columns(["listing_id", "main_image"])
    {'has_white_bg_image': 'has_white_bg_image'}
    """
    given = set(columns)
    return {
        f.fills: f.name
        for f in FEATURES
        if f.fills is not None and set(f.inputs) - {f.fills} <= given
    }


def families_reading(columns: set[str] | frozenset[str]) -> list[str]:
    """The families whose features change when ``columns`` change."""
    hit = [name for name, family in FAMILIES.items() if family.reads & set(columns)]
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
    # Made only when a wanted family needs it: title_fit need not hold rows
    # for a fix that leaves the title and category alone.
    given = {
        "reference": lambda: reference,
        "title_fit": lambda: title_fit.loc[data.index],
        "image_root": lambda: image_root,
    }
    parts = [
        FAMILIES[name].extract(data, *(given[need]() for need in FAMILIES[name].needs))
        for name in wanted
    ]
    names = [f for family in wanted for f in FEATURES_OF_FAMILY[family]]
    return pd.concat(parts, axis=1)[list(FEATURE_NAMES) if families is None else names]


__all__ = [
    "FACTORS",
    "FACTOR_OF",
    "FEATURES",
    "FEATURE_NAMES",
    "FEATURES_OF_FAMILY",
    "FAMILIES",
    "Family",
    "Feature",
    "Reference",
    "build_features",
    "feature_table",
    "measured_columns",
    "families_reading",
    "sum_by_factor",
]
