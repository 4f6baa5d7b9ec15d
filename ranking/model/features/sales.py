"""Sales: units, amount sold (坑产) and paying buyers, against the category."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model.features.common import Reference, categories, column, safe_log

CENTERS = {"log_sales": "median", "log_gmv": "median", "log_payers": "median"}
#: Also measured against the whole export, not only the category.
CATALOG_WIDE = ("log_sales", "log_payers")


def quantities(data: pd.DataFrame) -> pd.DataFrame:
    """Log sales, log 坑产 (monthly_sales × price where the export gives no
    gmv) and log payers."""
    sales = column(data, "monthly_sales")
    gmv = column(data, "gmv").fillna(sales * column(data, "price"))
    return pd.DataFrame(
        {
            "log_sales": safe_log(sales),
            "log_gmv": safe_log(gmv),
            "log_payers": safe_log(column(data, "payer_count")),
        },
        index=data.index,
    )


def extract(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Each quantity relative to its category median — the platform compares a
    listing with its category — and sales and payers relative to the whole
    export's median: one keyword's results often span categories, and there
    volume is compared across them. The model learns which counts.

    >>> import pandas as pd
    >>> from ranking.model.profile import category_reference
    >>> frame = pd.DataFrame({"monthly_sales": [10, 100], "price": [5.0, 5.0]})
    >>> extract(frame, category_reference(frame))["rel_gmv"].round(2).tolist()
    [-1.14, 1.14]
    """
    values = quantities(data)
    category = categories(data)
    out = pd.DataFrame(
        {
            f"rel_{name[4:]}": values[name] - reference.center(name, category)
            for name in CENTERS
        },
        index=data.index,
    )
    for name in CATALOG_WIDE:
        out[f"catalog_{name[4:]}"] = values[name] - reference.overall[name]
    return out


# ---------------------------------------------------------------- sales rank
# Kept apart from the count-based features above: Amazon's Best Sellers Rank
# is what a search-page capture has where no sales count is given (spec
# "Training from search pages").


def extract_sales_rank(data: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Log Best Sellers Rank (lower is better: the feature's direction is −1),
    where the export gives no monthly sales for the listing; unknown (NaN)
    otherwise, so that a listing's sales are never counted twice.

    Not measured against the catalog's category: a BSR is already a place in
    Amazon's own category list. ``reference`` is unused; it keeps the
    signature of every family's ``extract``.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"sales_rank": [1.0, 999.0, 5.0],
    ...                       "monthly_sales": [None, None, 40.0]})
    >>> extract_sales_rank(frame, None)["log_sales_rank"].round(2).tolist()
    [0.0, 6.91, nan]
    """
    rank = column(data, "sales_rank").where(column(data, "monthly_sales").isna())
    return pd.DataFrame(
        {"log_sales_rank": np.log(rank.where(rank >= 1))}, index=data.index
    )
