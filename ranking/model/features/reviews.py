"""Review quality: a smoothed rating, negative and photo shares, Q&A."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model.features.common import Reference, categories, column, safe_log

#: Pseudo-reviews at the category mean added to every listing's reviews, so
#: one five-star review does not beat two thousand at 4.8.
PRIOR_REVIEWS = 20.0
#: Spread of one review's stars around the listing's true rating. The rating
#: feature is a lower confidence bound (one standard error below the smoothed
#: mean), so a handful of reviews cannot outrank thousands even in a category
#: whose mean is above theirs.
STARS_SPREAD = 0.8
CENTERS = {"rating": "mean", "log_reviews": "median"}


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rating": column(data, "avg_rating"),
            "log_reviews": safe_log(column(data, "review_count")),
        },
        index=data.index,
    )


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Rating smoothed toward the category mean by review count, less one
    standard error, relative to that mean; smoothed negative and photo-review
    shares; log reviews relative to the category and to the whole export; log
    Q&A answers.

    >>> import pandas as pd
    >>> from ranking.model.profile import category_reference
    >>> frame = pd.DataFrame({"category": ["a", "a", "a"],
    ...                       "review_count": [1, 2000, 800],
    ...                       "avg_rating": [5.0, 4.8, 4.95]})
    >>> rel = extract(frame, category_reference(frame))["rel_rating"]
    >>> bool(rel[1] > rel[0])
    True
    """
    category = categories(data)
    reviews = column(data, "review_count")
    rating = column(data, "avg_rating")
    mean = reference.center("rating", category)
    count = reviews.fillna(0).where(rating.notna(), 0)
    smoothed = (count * rating.fillna(0) + PRIOR_REVIEWS * mean) / (
        count + PRIOR_REVIEWS
    )
    bound = smoothed - STARS_SPREAD / np.sqrt(count + PRIOR_REVIEWS)
    unknown_rating = rating.isna() & reviews.isna()
    out = pd.DataFrame(index=data.index)
    out["rel_rating"] = (bound - mean).mask(unknown_rating)
    out["negative_share"] = column(data, "negative_reviews") / (reviews + PRIOR_REVIEWS)
    out["photo_share"] = column(data, "photo_reviews") / (reviews + PRIOR_REVIEWS)
    out["rel_reviews"] = safe_log(reviews) - reference.center("log_reviews", category)
    out["catalog_reviews"] = safe_log(reviews) - reference.overall["log_reviews"]
    out["log_qa"] = safe_log(column(data, "qa_count"))
    return out.replace([np.inf, -np.inf], np.nan)
