"""Listing facts outside the eight factors: age, price against the category,
refunds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.features._common import Reference, categories, column

CENTERS = {"log_price": "median"}


def reference_date(data: pd.DataFrame) -> pd.Timestamp | None:
    """The date ages count from: the end of the export's window when it
    says (生意参谋's 统计日期, 京东商智's 时间), else the newest ``listed_at``,
    which sits at most days before the export was made. Using either rather
    than today keeps an old export's scores the same whenever it is scored."""
    for name in ("period", "listed_at"):
        if name in data.columns:
            newest = pd.to_datetime(data[name]).max()
            if pd.notna(newest):
                return newest
    return None


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    price = column(data, "price").where(lambda p: p > 0)
    return pd.DataFrame({"log_price": np.log(price)}, index=data.index)


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """``days_listed`` (from the reference date; NaN where unknown),
    ``rel_log_price`` and ``refund_rate``.

    >>> import pandas as pd
    >>> from ranking.profile import category_reference
    >>> frame = pd.DataFrame({"listed_at": pd.to_datetime(["2024-01-01",
    ...                                                    "2024-01-31"])})
    >>> extract(frame, category_reference(frame))["days_listed"].tolist()
    [30.0, 0.0]
    """
    out = pd.DataFrame(index=data.index)
    if reference.as_of is None or "listed_at" not in data.columns:
        out["days_listed"] = np.nan
    else:
        listed = pd.to_datetime(data["listed_at"])
        days = (reference.as_of - listed).dt.days.astype("float64")
        out["days_listed"] = days.clip(lower=0)
    out["rel_log_price"] = quantities(data)["log_price"] - reference.center(
        "log_price", categories(data)
    )
    out["refund_rate"] = column(data, "refund_rate")
    return out
