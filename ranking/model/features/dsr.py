"""DSR: each of the shop's three scores against its category average."""

from __future__ import annotations

import pandas as pd

from ranking.model.features.common import Reference, categories, column

DSR_COLUMNS = ("dsr_description", "dsr_service", "dsr_logistics")
CENTERS = dict.fromkeys(DSR_COLUMNS, "mean")


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: column(data, c) for c in DSR_COLUMNS}, index=data.index)


def category_average(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The category average of each DSR, per listing (the blocker threshold)."""
    category = categories(data)
    return pd.DataFrame(
        {c: reference.center(c, category) for c in DSR_COLUMNS}, index=data.index
    )


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Each DSR minus its category average, and the lowest of the three gaps:
    a platform demotes a shop whose worst DSR is clearly below its peers, at
    a threshold it does not publish, and a shape over the lowest gap can fall
    off a cliff wherever that threshold is (see :mod:`ranking.explain.blockers`).

    >>> import pandas as pd
    >>> from ranking.model.profile import category_reference
    >>> frame = pd.DataFrame({"category": ["a", "a"], "dsr_service": [4.9, 4.7]})
    >>> extract(frame, category_reference(frame))["gap_dsr_service"].round(2).tolist()
    [0.1, -0.1]
    """
    average = category_average(data, reference)
    gaps = pd.DataFrame(
        {f"gap_{c}": column(data, c) - average[c] for c in DSR_COLUMNS},
        index=data.index,
    )
    gaps["dsr_min_gap"] = gaps.min(axis=1, skipna=True)
    return gaps.astype("float64")
