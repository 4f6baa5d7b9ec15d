"""ranking: listing weight and search ranking for e-commerce operators.

>>> import ranking                                            # doctest: +SKIP
>>> export = ranking.read_export("catalog.csv")                # doctest: +SKIP
>>> result = ranking.train("catalog.csv", "ranks.csv", "m/")   # doctest: +SKIP
>>> report = ranking.audit("catalog.csv", "A123", "m/")        # doctest: +SKIP
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

# Training, audit and scoring load scipy and scikit-learn; they are imported on
# first use so that reading an export (and `ranking --help`) stays fast.
_LAZY = {
    "train": "ranking.training",
    "evaluate_model": "ranking.training",
    "audit": "ranking.audit",
    "score_catalog": "ranking.scoring",
    "load_model": "ranking.persist",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ranking' has no attribute {name!r}")


__all__ = [
    "Export",
    "ExportError",
    "ModelFileError",
    "OutputError",
    "RankingError",
    "Ranks",
    "RejectedRowsError",
    "UnknownListingError",
    "audit",
    "check_export",
    "evaluate_model",
    "load_model",
    "read_export",
    "read_ranks",
    "score_catalog",
    "simulate",
    "train",
]
