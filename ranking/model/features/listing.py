"""Listing facts outside the eight factors: age, price against the category,
refunds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model.features.common import Reference, categories, column

CENTERS = {"log_price": "median"}


#: A newest ``listed_at`` more than this after the next newest is one row's
#: outlier (a typo within the period, a placeholder), not the export's day.
OUTLIER_GAP = pd.Timedelta(days=30)


def period_end(data: pd.DataFrame) -> pd.Timestamp | None:
    """The end of the export's window when it says (生意参谋's 统计日期,
    京东商智's 时间)."""
    if "period" in data.columns:
        newest = pd.to_datetime(data["period"]).max()
        if pd.notna(newest):
            return newest
    return None


def newest_listed(data: pd.DataFrame) -> tuple[pd.Timestamp, ...]:
    """The two newest ``listed_at`` (a date two rows share, twice), newest
    first: all :func:`reference_date` needs, and what chunks combine."""
    if "listed_at" not in data.columns:
        return ()
    dates = pd.to_datetime(data["listed_at"]).dropna()
    return tuple(dates.nlargest(2))


def newest_of(*parts: tuple[pd.Timestamp, ...]) -> tuple[pd.Timestamp, ...]:
    """The two newest dates of several :func:`newest_listed` results."""
    return tuple(sorted((d for part in parts for d in part), reverse=True)[:2])


def reference_date(
    data: pd.DataFrame | None = None,
    end: pd.Timestamp | None = None,
    newest: tuple[pd.Timestamp, ...] | None = None,
) -> pd.Timestamp | None:
    """The date ages count from: the end of the export's window when it
    says, else the newest ``listed_at``, which sits at most days before the
    export was made. Using either rather than today keeps an old export's
    scores the same whenever it is scored.

    The newest ``listed_at`` is not taken from one row that stands alone
    more than :data:`OUTLIER_GAP` after the rest: that row would move the
    age of every other listing (a future date is rejected before this, by
    the schema). Give ``data``, or a combined ``end`` and ``newest``.

    >>> frame = pd.DataFrame({"listed_at": pd.to_datetime(
    ...     ["2024-05-01", "2024-05-03", "2026-01-01"])})
    >>> str(reference_date(frame).date())
    '2024-05-03'
    """
    if data is not None:
        end, newest = period_end(data), newest_listed(data)
    if end is not None:
        return end
    if not newest:
        return None
    if len(newest) == 2 and newest[0] - newest[1] > OUTLIER_GAP:
        return newest[1]
    return newest[0]


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    price = column(data, "price").where(lambda p: p > 0)
    return pd.DataFrame({"log_price": np.log(price)}, index=data.index)


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """``days_listed`` (from the reference date; NaN where unknown),
    ``rel_log_price`` and ``refund_rate``.

    >>> import pandas as pd
    >>> from ranking.model.profile import category_reference
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
