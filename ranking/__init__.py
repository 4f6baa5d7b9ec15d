"""ranking: listing weight and search ranking for e-commerce operators.

>>> import ranking                                            # doctest: +SKIP
>>> export = ranking.read_export("catalog.csv")                # doctest: +SKIP
>>> result = ranking.train("catalog.csv", "ranks.csv", "m/")   # doctest: +SKIP
>>> report = ranking.audit("catalog.csv", "A123", "m/")        # doctest: +SKIP
"""

from ranking.errors import (
    EngineError,
    ExportError,
    ModelFileError,
    OutputError,
    RankingError,
    RejectedRowsError,
    UnknownListingError,
)

__version__ = "0.1.0"

# Everything but the errors is imported on first use, so that `ranking --help`
# does not pay for pandas, scipy and scikit-learn.
_LAZY = {
    "Export": "ranking.export",
    "ExportSource": "ranking.export",
    "Ranks": "ranking.export",
    "check_export": "ranking.export",
    "read_export": "ranking.export",
    "read_ranks": "ranking.export",
    "simulate": "ranking.simulate",
    "prepare": "ranking.pipeline",
    "score_rows": "ranking.pipeline",
    "CatalogProfile": "ranking.profile",
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
    "CatalogProfile",
    "EngineError",
    "Export",
    "ExportSource",
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
    "prepare",
    "read_export",
    "read_ranks",
    "score_catalog",
    "score_rows",
    "simulate",
    "train",
]
