"""The sample marketplace: a simulated catalog, the ranks a tracker sees, the
true weight behind them, and the week after (see :mod:`ranking.sim.market`).
Only ``ranking sample-data``, the tests and the benchmarks use it; it reads
nothing of the product but its file writers.

>>> from ranking.sim import simulate
>>> market = simulate(200, seed=1)
>>> len(market.catalog)
200
"""

from ranking.sim.assumptions import (
    CATALOG_COLUMNS,
    CATEGORIES,
    CENSORED_FORMS,
    DSR,
    Assumptions,
    Category,
)
from ranking.sim.backoffice import backoffice_frame, write_backoffice_csv
from ranking.sim.market import Market, load_reference, simulate
from ranking.sim.truth import category_reference, true_weight
from ranking.sim.weeks import INCIDENTS, NextWeek, Weeks, next_week, weeks

__all__ = [
    "CATALOG_COLUMNS",
    "CATEGORIES",
    "CENSORED_FORMS",
    "DSR",
    "INCIDENTS",
    "Assumptions",
    "Category",
    "Market",
    "NextWeek",
    "Weeks",
    "backoffice_frame",
    "category_reference",
    "load_reference",
    "next_week",
    "simulate",
    "true_weight",
    "weeks",
    "write_backoffice_csv",
]
