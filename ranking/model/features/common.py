"""Helpers the feature families share: columns, categories, yardsticks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ranking.reading.values import hash_text

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


class Reference:
    """Per-category centres (medians or means) of the quantities features are
    measured against, taken once from a catalog.

    Features of any rows — the catalog itself, or what-if copies of a few
    listings — are then computed against the same yardsticks, so a fix to one
    listing does not move its category's median. A category with ``n`` known
    values gets ``n / (n + CATEGORY_PRIOR_LISTINGS)`` of its own centre and
    the rest from the whole catalog's; a category the catalog lacks gets the
    catalog's.
    """

    def __init__(
        self, centers: pd.DataFrame, overall: pd.Series, as_of: pd.Timestamp | None
    ):
        self.centers = centers
        self.overall = overall
        self.as_of = as_of

    @classmethod
    def from_centers(
        cls,
        own: pd.DataFrame,
        known: pd.DataFrame,
        overall: pd.Series,
        as_of: pd.Timestamp | None = None,
    ) -> Reference:
        """Shrink each category's own centre (``own``, from ``known`` values)
        toward the catalog-wide one (``overall``)."""
        share = known / (known + CATEGORY_PRIOR_LISTINGS)
        filled = own.fillna(overall)
        centers = share * filled + (1 - share) * overall
        return cls(centers.astype("float64"), overall.astype("float64"), as_of)

    def center(self, name: str, category: pd.Series) -> pd.Series:
        """The centre of ``name`` for each listing's category."""
        looked_up = by_category(self.centers[name], category, np.nan)
        filled = np.where(np.isnan(looked_up), self.overall[name], looked_up)
        return pd.Series(filled, index=category.index, dtype="float64")


def category_positions(names: pd.Index, category: pd.Series) -> np.ndarray:
    """Each row's position in ``names`` (a catalog's categories), -1 where the
    catalog lacks it.

    Arrow's hash lookup: ``Series.reindex`` or ``map`` by category turns the
    Arrow strings into Python objects first, 25× slower at a million rows.

    >>> category_positions(pd.Index(["a", "b"]), pd.Series(["b", "c", "a"])).tolist()
    [1, -1, 0]
    """
    values = pa.array(category.astype("string").array)
    known = pa.array(np.asarray(names, dtype=object), type=pa.large_string())
    found = pc.index_in(values.cast(pa.large_string()), value_set=known)
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def by_category(
    table: pd.Series | pd.DataFrame, category: pd.Series, missing
) -> np.ndarray:
    """Each row's entry (row) of ``table``, which is indexed by category;
    ``missing`` for a category the table lacks.

    >>> sizes = pd.Series([3, 5], index=["a", "b"])
    >>> by_category(sizes, pd.Series(["b", "z"]), 0).tolist()
    [5, 0]
    """
    at = category_positions(table.index, category)
    table = table.to_numpy()
    if len(table) == 0:
        return np.full((len(at), *table.shape[1:]), missing)
    taken = table[np.maximum(at, 0)]
    if np.issubdtype(taken.dtype, np.integer) and np.isnan(missing):
        taken = taken.astype("float64")
    taken[at < 0] = missing
    return taken


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
    return hash_text(basis, seed)
