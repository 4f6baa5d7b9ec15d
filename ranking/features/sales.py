"""Sales: units, amount sold (坑产) and paying buyers, against the category."""

from __future__ import annotations

import pandas as pd

from ranking.features._common import categories, column, relative, safe_log


def extract(data: pd.DataFrame) -> pd.DataFrame:
    """Log sales, 坑产 and payers, each relative to the category median: the
    platform compares a listing with its category, not with the whole site.

    ``gmv`` falls back to monthly_sales × price where the export gives none.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"monthly_sales": [10, 100], "price": [5.0, 5.0]})
    >>> extract(frame)["rel_gmv"].round(2).tolist()
    [-0.94, 0.94]
    """
    category = categories(data)
    sales = column(data, "monthly_sales")
    gmv = column(data, "gmv").fillna(sales * column(data, "price"))
    payers = column(data, "payer_count")
    out = pd.DataFrame(index=data.index)
    for name, values in (("sales", sales), ("gmv", gmv), ("payers", payers)):
        out[f"rel_{name}"] = relative(safe_log(values), category)
    return out
