"""Listing facts outside the eight factors: age, price against the category,
refunds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.features._common import categories, column, relative


def reference_date(data: pd.DataFrame) -> pd.Timestamp | None:
    """The date ages count from: the newest ``listed_at`` in the export, which
    sits at most days before the export was made. Using it rather than today
    keeps an old export's scores the same whenever it is scored."""
    if "listed_at" not in data.columns:
        return None
    newest = pd.to_datetime(data["listed_at"]).max()
    return None if pd.isna(newest) else newest


def extract(data: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """``days_listed`` (NaN where unknown) and ``rel_log_price``.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"listed_at": pd.to_datetime(["2024-01-01",
    ...                                                    "2024-01-31"])})
    >>> extract(frame)["days_listed"].tolist()
    [30.0, 0.0]
    """
    out = pd.DataFrame(index=data.index)
    as_of = as_of if as_of is not None else reference_date(data)
    if as_of is None:
        out["days_listed"] = np.nan
    else:
        listed = pd.to_datetime(data["listed_at"])
        out["days_listed"] = (as_of - listed).dt.days.astype("float64").clip(lower=0)
    price = column(data, "price").where(lambda p: p > 0)
    out["rel_log_price"] = relative(np.log(price), categories(data))
    out["refund_rate"] = column(data, "refund_rate")
    return out
