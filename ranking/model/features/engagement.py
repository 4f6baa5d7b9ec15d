"""Engagement: favourites + add-to-cart per visitor (收藏加购率), conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model.features.common import Reference, categories, column

# Rates on a handful of visitors are noise; a small floor keeps log rates finite.
RATE_FLOOR = 0.002
CENTERS = {"log_fav_cart": "median", "log_conversion": "median"}


def rates(data: pd.DataFrame) -> pd.DataFrame:
    """(favourites + add-to-cart) / visitors and payers / visitors; unknown
    where visitors are unknown or 0."""
    visitors = column(data, "visitors").where(lambda v: v > 0)
    engaged = column(data, "favorites") + column(data, "add_to_cart")
    return pd.DataFrame(
        {
            "fav_cart_rate": engaged / visitors,
            "conversion": column(data, "payer_count") / visitors,
        },
        index=data.index,
    )


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    shares = rates(data)
    return pd.DataFrame(
        {
            "log_fav_cart": np.log(shares["fav_cart_rate"] + RATE_FLOOR),
            "log_conversion": np.log(shares["conversion"] + RATE_FLOOR),
        },
        index=data.index,
    )


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Log favourite+cart rate and log conversion, relative to the category.

    >>> import pandas as pd
    >>> from ranking.model.profile import category_reference
    >>> frame = pd.DataFrame({"visitors": [100, 0], "favorites": [5, 1],
    ...                       "add_to_cart": [5, 1], "payer_count": [3, 0]})
    >>> extract(frame, category_reference(frame))["rel_fav_cart"].isna().tolist()
    [False, True]
    """
    values = quantities(data)
    category = categories(data)
    return pd.DataFrame(
        {
            "rel_fav_cart": values["log_fav_cart"]
            - reference.center("log_fav_cart", category),
            "rel_conversion": values["log_conversion"]
            - reference.center("log_conversion", category),
        },
        index=data.index,
    )
