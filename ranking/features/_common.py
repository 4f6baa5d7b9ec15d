"""Helpers the feature families share: category-relative values and columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Listings a category needs before its own median is trusted fully; smaller
#: categories lean on the whole catalog's value (shrinkage, not a cliff).
CATEGORY_PRIOR_LISTINGS = 10.0


def column(data: pd.DataFrame, name: str) -> pd.Series:
    """``data[name]`` as floats, or all-NaN when the export lacks the column
    (unknown, never zero)."""
    if name not in data.columns:
        return pd.Series(np.nan, index=data.index, dtype="float64")
    values = pd.to_numeric(data[name], errors="coerce").astype("Float64")
    return pd.Series(
        values.to_numpy(dtype="float64", na_value=np.nan), index=data.index
    )


def categories(data: pd.DataFrame) -> pd.Series:
    """Each listing's category, ``(none)`` where the export gives none."""
    if "category" not in data.columns:
        return pd.Series("(none)", index=data.index, dtype="string")
    return data["category"].astype("string").fillna("(none)")


def category_center(
    values: pd.Series, category: pd.Series, how: str = "median"
) -> pd.Series:
    """Each listing's category median (or mean) of ``values``, shrunk toward
    the catalog's for categories with few known values."""
    overall = getattr(values, how)()
    grouped = values.groupby(category.to_numpy())
    center = grouped.transform(how)
    known = grouped.transform("count").astype("float64")
    share = known / (known + CATEGORY_PRIOR_LISTINGS)
    blended = share * center.fillna(overall) + (1 - share) * overall
    return blended


def relative(values: pd.Series, category: pd.Series, how: str = "median") -> pd.Series:
    """``values`` minus their category's centre (NaN stays NaN)."""
    return values - category_center(values, category, how)


def safe_log(values: pd.Series) -> pd.Series:
    """log(1 + x) for counts and amounts; NaN where unknown."""
    return np.log1p(values.clip(lower=0))


def listing_keys(data: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """A stable pseudo-random number per listing, from its id (or its title
    and category when there are no ids), the same whatever the row order."""
    if "listing_id" in data.columns:
        basis = data["listing_id"].astype("string").fillna("")
    else:
        title = (
            data["title"].astype("string").fillna("")
            if "title" in data.columns
            else pd.Series("", index=data.index, dtype="string")
        )
        basis = title + "\x1f" + categories(data)
    hashed = pd.util.hash_pandas_object(basis, index=False, hash_key=f"{seed:016d}")
    return hashed.to_numpy(dtype=np.uint64)
