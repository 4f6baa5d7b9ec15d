"""Engagement: favourites + add-to-cart per visitor (收藏加购率), conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.features._common import categories, column, relative

# Rates on a handful of visitors are noise; a small floor keeps log rates finite.
RATE_FLOOR = 0.002


def extract(data: pd.DataFrame) -> pd.DataFrame:
    """Log favourite+cart rate and log conversion (payers / visitors), each
    relative to the category median. Unknown where visitors are unknown or 0.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"visitors": [100, 0], "favorites": [5, 1],
    ...                       "add_to_cart": [5, 1], "payer_count": [3, 0]})
    >>> extract(frame)["fav_cart_rate"].tolist()
    [0.1, nan]
    """
    category = categories(data)
    visitors = column(data, "visitors").where(lambda v: v > 0)
    engaged = column(data, "favorites") + column(data, "add_to_cart")
    fav_cart = engaged / visitors
    conversion = column(data, "payer_count") / visitors
    out = pd.DataFrame(index=data.index)
    out["fav_cart_rate"] = fav_cart
    out["rel_fav_cart"] = relative(np.log(fav_cart + RATE_FLOOR), category)
    out["conversion"] = conversion
    out["rel_conversion"] = relative(np.log(conversion + RATE_FLOOR), category)
    return out
