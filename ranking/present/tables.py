"""Tables as people read them: ``score``'s ``.xlsx`` (each fix in plain
words, blockers by their operators' names, the added headers in the
command's language), a rejects file (each reason in that language) and
``diff``'s table (each reason worded). The engines and
``diff`` write what they are handed through these views; CSV and parquet
from ``score`` keep the factor names."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ranking.engines.outputs import TOP_FIXES, output_columns
from ranking.model.features import FACTORS
from ranking.present.lang import factor_word, fix_words, in_language, say
from ranking.reading.reasons import REJECT_REASON, reason_said


def for_people(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A scored frame as an Excel reader wants it: each fix in plain words of
    ``lang``, blockers by their operators' names (columns stay as they are;
    their header words are :func:`header_words`)."""
    frame = frame.copy()
    fixes_said = {factor: fix_words(factor, lang) for factor in FACTORS}
    for k in range(1, TOP_FIXES + 1):
        if f"fix_{k}" in frame.columns:
            frame[f"fix_{k}"] = frame[f"fix_{k}"].map(fixes_said).fillna("")
    if "blockers" in frame.columns:
        joined = frame["blockers"].fillna("").astype(str)
        # A handful of distinct combinations: worded once each, then mapped.
        said = {
            combination: say("list.join", lang).join(
                factor_word(f, lang) for f in combination.split(";") if f
            )
            for combination in joined.unique()
        }
        frame["blockers"] = joined.map(said)
    return frame


def header_words(lang: str) -> dict[str, str]:
    """The added columns' headers in ``lang`` (the xlsx keeps the column's
    name as the header cell's comment)."""
    return {name: say(f"column.{name}", lang) for name in output_columns()}


def reasons_in(reasons: pd.Series, lang: str) -> pd.Series:
    """Reject reasons worded in ``lang`` (each distinct one read once)."""
    if lang == "en" or not len(reasons):
        return reasons
    worded = {
        text: in_language(reason_said(str(text)), lang)
        for text in reasons.dropna().unique()
    }
    return reasons.map(worded).astype(reasons.dtype)


def rejects_for_people(rejects: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rejected rows with their ``reject_reason`` in ``lang``, as a rejects
    file for people holds them (``en``: as they are)."""
    if lang == "en" or REJECT_REASON not in rejects.columns or not len(rejects):
        return rejects
    rejects = rejects.copy()
    rejects[REJECT_REASON] = reasons_in(rejects[REJECT_REASON], lang)
    return rejects


@dataclass(frozen=True)
class ForPeople:
    """``score``'s view of its outputs for people: called on each scored
    frame of an ``.xlsx``, with :attr:`headers` for the added columns, and
    :meth:`rejects` on the rejects file.

    >>> ForPeople("zh").headers["weight"]
    '权重'
    """

    lang: str = "en"

    @property
    def headers(self) -> dict[str, str]:
        return header_words(self.lang)

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        return for_people(frame, self.lang)

    def rejects(self, frame: pd.DataFrame) -> pd.DataFrame:
        return rejects_for_people(frame, self.lang)


@dataclass(frozen=True)
class Reasons:
    """``diff``'s view of its table: each flagged row's reason in ``lang``."""

    lang: str = "en"

    def __call__(self, table: pd.DataFrame) -> pd.DataFrame:
        if self.lang == "en" or "reason" not in table.columns:
            return table
        table = table.copy()
        table["reason"] = [in_language(r, self.lang) for r in table["reason"]]
        return table


__all__ = [
    "ForPeople",
    "Reasons",
    "for_people",
    "header_words",
    "reasons_in",
    "rejects_for_people",
]
