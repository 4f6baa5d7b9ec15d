"""Review quality: a smoothed rating, negative and photo shares, Q&A."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.features._common import (
    categories,
    category_center,
    column,
    relative,
    safe_log,
)

#: Pseudo-reviews at the category mean added to every listing's reviews, so
#: one five-star review does not beat two thousand at 4.8.
PRIOR_REVIEWS = 20.0


def extract(data: pd.DataFrame) -> pd.DataFrame:
    """Rating smoothed toward the category mean by review count (and relative
    to it), smoothed negative and photo-review shares, log review and Q&A
    counts (reviews relative to the category).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"category": ["a", "a"], "review_count": [1, 2000],
    ...                       "avg_rating": [5.0, 4.8]})
    >>> smoothed = extract(frame)["rating_smoothed"]
    >>> bool(smoothed[1] > smoothed[0])
    True
    """
    category = categories(data)
    reviews = column(data, "review_count")
    rating = column(data, "avg_rating")
    mean = category_center(rating, category, how="mean")
    count = reviews.fillna(0).where(rating.notna(), 0)
    smoothed = (count * rating.fillna(0) + PRIOR_REVIEWS * mean) / (
        count + PRIOR_REVIEWS
    )
    unknown_rating = rating.isna() & reviews.isna()
    out = pd.DataFrame(index=data.index)
    out["rating_smoothed"] = smoothed.mask(unknown_rating)
    out["rel_rating"] = (smoothed - mean).mask(unknown_rating)
    out["negative_share"] = column(data, "negative_reviews") / (reviews + PRIOR_REVIEWS)
    out["photo_share"] = column(data, "photo_reviews") / (reviews + PRIOR_REVIEWS)
    out["rel_reviews"] = relative(safe_log(reviews), category)
    out["log_qa"] = safe_log(column(data, "qa_count"))
    out["rating_smoothed"] = out["rating_smoothed"].astype("float64")
    return out.replace([np.inf, -np.inf], np.nan)
