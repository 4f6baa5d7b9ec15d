"""The simulated platform's true weight: a fixed function of the signals a
catalog exposes, against category yardsticks fixed when the market is made,
so that the true gain of any change to a listing can be computed later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.sim.assumptions import DSR, Assumptions


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
    terms = pd.DataFrame(
        {
            "term_sales": a.w_sales * (raw["log_sales"] - ref["log_sales"]),
            "term_gmv": a.w_gmv * (raw["log_gmv"] - ref["log_gmv"]),
            "term_payers": a.w_payers * (raw["log_payers"] - ref["log_payers"]),
            "term_fav_cart": a.w_fav_cart
            * np.tanh(raw["log_fav_cart"] - ref["log_fav_cart"]),
            "term_conversion": a.w_conversion
            * np.tanh(raw["log_conversion"] - ref["log_conversion"]),
            "term_reviews": _review_term(catalog, ref, a),
            "term_dsr": _dsr_term(catalog, ref, a),
            "term_category": -a.wrong_category_penalty
            * (catalog["category"].to_numpy() != title_category.to_numpy()),
            "term_new": a.new_product_boost * _newness(catalog, a),
            "term_media": a.main_video_boost
            * catalog["has_main_video"].astype(float).fillna(0)
            + a.white_bg_boost * catalog["has_white_bg_image"].astype(float).fillna(0),
            "term_refund": -a.w_refund * catalog["refund_rate"].fillna(0),
        },
        index=catalog.index,
    ).astype("float64")
    terms["true_weight"] = terms.sum(axis=1)
    return terms


def _review_term(catalog: pd.DataFrame, ref: pd.DataFrame, a: Assumptions):
    """The reviews' term: the rating smoothed toward its category's mean,
    the shares of negative and photo reviews, and the questions answered."""
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
    return (
        a.w_rating * (smoothed - rating_mean)
        - a.w_negative * share_neg
        + a.w_photo * share_photo
        + a.w_qa * np.log1p(catalog["qa_count"].fillna(0))
    )


def _dsr_term(catalog: pd.DataFrame, ref: pd.DataFrame, a: Assumptions):
    """The shop scores' term: their gap to the category's, less a penalty
    when any score is below the category's by more than the margin."""
    dsr_gap = sum(catalog[c] - ref[c] for c in DSR)
    below = np.any(
        [catalog[c] < ref[c] - a.dsr_penalty_margin - 1e-9 for c in DSR], axis=0
    )
    return a.w_dsr * dsr_gap - a.dsr_below_average_penalty * below


def _newness(catalog: pd.DataFrame, a: Assumptions):
    """1 for a listing listed today, falling to 0 at the new-product window."""
    age = (pd.Timestamp(a.as_of) - pd.to_datetime(catalog["listed_at"])).dt.days
    return np.clip(1 - age / a.new_product_window_days, 0, 1)


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


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def logit(p):
    return np.log(p / (1 - p))
