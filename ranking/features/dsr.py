"""DSR: each of the shop's three scores against its category average."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.features._common import categories, category_center, column

DSR_COLUMNS = ("dsr_description", "dsr_service", "dsr_logistics")


def category_average(data: pd.DataFrame) -> pd.DataFrame:
    """The category average of each DSR, per listing (the blocker threshold)."""
    category = categories(data)
    averages = {
        name: category_center(column(data, name), category, how="mean")
        for name in DSR_COLUMNS
    }
    return pd.DataFrame(averages, index=data.index)


def extract(data: pd.DataFrame) -> pd.DataFrame:
    """Each DSR minus its category average, the lowest of the three gaps, and
    how many of the three fall below the average (what the platform punishes).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"category": ["a", "a"], "dsr_service": [4.9, 4.7]})
    >>> extract(frame)["gap_dsr_service"].round(2).tolist()
    [0.1, -0.1]
    """
    average = category_average(data)
    out = pd.DataFrame(index=data.index)
    gaps = []
    for name in DSR_COLUMNS:
        gap = column(data, name) - average[name]
        out[f"gap_{name}"] = gap
        gaps.append(gap)
    stacked = np.column_stack(gaps)
    known = ~np.isnan(stacked)
    out["dsr_min_gap"] = pd.Series(
        stacked.min(axis=1, initial=np.inf, where=known), index=data.index
    ).replace(np.inf, np.nan)
    below = (stacked < -1e-9) & known
    out["dsr_below_count"] = np.where(known.any(axis=1), below.sum(axis=1), np.nan)
    return out
