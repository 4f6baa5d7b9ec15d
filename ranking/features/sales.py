"""Sales: units, amount sold (坑产) and paying buyers, against the category."""

from __future__ import annotations

import pandas as pd

from ranking.features._common import Reference, categories, column, safe_log

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
    >>> from ranking.profile import category_reference
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
