"""ranking: listing weight and search ranking for e-commerce operators.

>>> from ranking import read_export                      # doctest: +SKIP
>>> export = read_export("catalog.csv")                  # doctest: +SKIP
"""

from ranking.errors import (
    ExportError,
    ModelFileError,
    OutputError,
    RankingError,
    RejectedRowsError,
    UnknownListingError,
)
from ranking.export import Export, Ranks, check_export, read_export, read_ranks
from ranking.simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "Export",
    "ExportError",
    "ModelFileError",
    "OutputError",
    "RankingError",
    "Ranks",
    "RejectedRowsError",
    "UnknownListingError",
    "check_export",
    "read_export",
    "read_ranks",
    "simulate",
]
