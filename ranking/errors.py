"""The exceptions ``ranking`` raises for problems a user can fix.

Every message is meant to be printed as is, on one line: it names the file
(and the row or column where there is one), what was wrong, and what to do.
The CLI prints ``str(error)`` and exits with status 2; nothing else reaches
the user as a traceback.
"""

from __future__ import annotations


class RankingError(Exception):
    """Base class of every error ``ranking`` raises on purpose."""


class ExportError(RankingError):
    """An input file cannot be used at all (missing, unreadable, not a table)."""


class RejectedRowsError(RankingError):
    """Rows were rejected while ``strict`` asked for none to be."""


class UnknownListingError(RankingError):
    """A listing id that is not in the export."""


class WhatIfError(RankingError):
    """A ``--what-if COLUMN=VALUE`` that cannot be applied."""


class TargetRankError(RankingError):
    """A ``--target-rank`` or ``--keyword`` that cannot be planned for."""


class ModelFileError(RankingError):
    """A model directory is missing, altered, or made by another version."""


class OutputError(RankingError):
    """An output file cannot be written."""


class TrainingError(RankingError):
    """The exports do not hold enough to learn from."""


class EngineError(RankingError):
    """The engine asked for cannot run: Dask missing, a scheduler unreachable."""


class OutputWarning(UserWarning):
    """An output was written, but not quite as given (an ``.xlsx`` cell cut
    to Excel's limit): the CLI prints it as one ``note:`` line."""
