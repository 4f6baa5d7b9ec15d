"""ranking: listing weight and search ranking for e-commerce operators.

>>> import ranking                                            # doctest: +SKIP
>>> export = ranking.read_export("catalog.csv")                # doctest: +SKIP
>>> result = ranking.train("catalog.csv", "ranks.csv", "m/")   # doctest: +SKIP
>>> report = ranking.explain.audit("catalog.csv", "A123", "m/")        # doctest: +SKIP
"""

import importlib

from ranking.errors import (
    EngineError,
    ExportError,
    ModelFileError,
    OutputError,
    RankingError,
    RejectedRowsError,
    TargetRankError,
    TrainingError,
    UnknownListingError,
    WhatIfError,
)

__version__ = "0.1.0"

# Everything but the errors is imported on first use, so that `ranking --help`
# does not pay for pandas, scipy and scikit-learn.
_LAZY = {
    "Export": "ranking.reading.export",
    "ExportSource": "ranking.reading.export",
    "Ranks": "ranking.reading.export",
    "check_export": "ranking.reading.check",
    "read_export": "ranking.reading.export",
    "read_ranks": "ranking.reading.export",
    "simulate": "ranking.sim",
    "prepare": "ranking.model.pipeline",
    "score_rows": "ranking.model.pipeline",
    "CatalogProfile": "ranking.model.profile",
    "train": "ranking.engines.training",
    "evaluate_model": "ranking.engines.training",
    "audit": "ranking.explain.audit",
    "target_plan": "ranking.explain.plan",
    "score_catalog": "ranking.engines.local",
    "load_model": "ranking.model.persist",
}


def __getattr__(name: str):
    if name in _LAZY:
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
    "TargetRankError",
    "TrainingError",
    "UnknownListingError",
    "WhatIfError",
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
    "target_plan",
    "train",
]
