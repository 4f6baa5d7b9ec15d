"""The export contract: headers matched to canonical columns, and rows
validated.

A back-office export arrives with its own headers (``商品ID``, ``Sessions -
Total``, ...). :func:`match_headers` maps them to canonical names (the
columns declared in :mod:`ranking.reading.columns`); :func:`validate` reads
every known column by its kind (declared in :mod:`ranking.reading.kinds`:
its parse and named checks) and splits the rows into those kept and those
rejected, each rejected row with a reason a person can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.messages import Said, named
from ranking.reading.columns import (
    CATEGORY_LEVELS,
    COLUMNS_BY_NAME,
    COVERED_BY,
    EXPORT_COLUMNS,
    ID_TIERS,
    RANK_COLUMNS,
    SIGNALS,
    Column,
)
from ranking.reading.kinds import (
    BETWEEN_COLUMNS,
    KINDS,
    Check,
    Kind,
    Reading,
    allowed_said,
    as_written,
)
from ranking.reading.reasons import written
from ranking.reading.values import hash_text

# Spaces (non-breaking ones too), underscores and every dash Amazon's vintages
# write: "Sessions - Total", "Sessions – Total" (en dash).
_IGNORED_IN_HEADERS = re.compile(r"[\s_\-\u2010-\u2015\ufeff]+")


def header_key(header: object) -> str:
    """The form headers are compared in: NFKC (full-width brackets and letters
    become half-width), lower case, without spaces, underscores or dashes.

    >>> header_key("（子）ASIN") == header_key("(子) ASIN")
    True
    >>> header_key("Sessions – Total") == header_key("sessions - total")
    True
    """
    text = unicodedata.normalize("NFKC", str(header))
    return _IGNORED_IN_HEADERS.sub("", text).lower()


def _alias_table(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            table[header_key(alias)] = column.name
    return table


EXPORT_ALIASES = _alias_table(EXPORT_COLUMNS)
RANK_ALIASES = _alias_table(RANK_COLUMNS)


def match_headers(
    headers: list[str],
    aliases: dict[str, str],
    source: str,
    twins: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Map canonical names to the headers that carry them.

    Several headers that can name the listing are settled by
    :data:`ID_TIERS` (the others pass through); two headers for one signal
    raise :class:`ExportError` — unless ``twins`` is given: then the first
    header is the signal's and the later ones are collected in ``twins``
    (canonical name → headers) for the caller to check that they agree.

    >>> match_headers(["商品ID", "访客数", "备注"], EXPORT_ALIASES, "a.csv")
    {'listing_id': '商品ID', 'visitors': '访客数'}
    >>> match_headers(["SKU", "(Child) ASIN"], EXPORT_ALIASES, "a.csv")
    {'listing_id': '(Child) ASIN'}
    """
    found: dict[str, str] = {}
    ids = [h for h in headers if aliases.get(header_key(h)) == "listing_id"]
    if len(ids) > 1:
        tiers = {h: id_tier(h) for h in ids}
        best = min(tiers.values())
        first = [h for h in ids if tiers[h] == best]
        if len(first) > 1:
            raise ExportError(
                Said(
                    "error.both_columns",
                    path=source,
                    first=first[0],
                    second=first[1],
                    name="listing_id",
                )
            )
        ids = first
    for header in headers:
        name = aliases.get(header_key(header))
        if name is None or (name == "listing_id" and header not in ids):
            continue
        if name in found and twins is not None:
            twins.setdefault(name, []).append(header)
            continue
        if name in found:
            raise ExportError(
                Said(
                    "error.both_columns",
                    path=source,
                    first=found[name],
                    second=header,
                    name=named("signal", name),
                )
            )
        found[name] = header
    return found


def id_tier(header: str) -> int:
    """Rank of a listing-id header in :data:`ID_TIERS` (0 is best)."""
    key = header_key(header)
    for tier, (_, names) in enumerate(ID_TIERS):
        if key in {header_key(name) for name in names}:
            return tier
    return len(ID_TIERS)


def id_choice(headers: list[str], chosen: str) -> str | None:
    """Why ``chosen`` is the listing id when other headers could be, for
    ``check``; None when it was the only candidate.

    >>> print(id_choice(["(Child) ASIN", "SKU"], "(Child) ASIN"))
    listing_id is '(Child) ASIN' (child ASIN, ranked first); passed through: 'SKU' (SKU)
    """
    others = [
        h
        for h in headers
        if h != chosen and EXPORT_ALIASES.get(header_key(h)) == "listing_id"
    ]
    if not others:
        return None
    passed = ", ".join(f"'{h}' ({ID_TIERS[id_tier(h)][0]})" for h in others)
    tier = ID_TIERS[id_tier(chosen)][0]
    return Said("note.id_choice", chosen=chosen, tier=tier, passed=passed)


def is_search_table(headers: list[str]) -> bool:
    """True when a table has keyword and search-position columns beside its
    listing ids: a search-page capture or a rank tracker's export, one row
    per (listing, keyword), which is its own ranks file.

    >>> is_search_table(["query", "position", "nid", "raw_title"])
    True
    >>> is_search_table(["商品ID", "访客数"])
    False
    """
    names = {RANK_ALIASES.get(header_key(h)) for h in headers}
    return {"listing_id", "keyword", "search_rank"} <= names


def is_header_row(cells: list[str], aliases: dict[str, str]) -> bool:
    """True when a row names the listing id column (used to skip title lines
    that some back offices write above the header)."""
    return any(aliases.get(header_key(cell)) == "listing_id" for cell in cells)


class SeenIds:
    """Listing ids of earlier chunks (and earlier files of one export), with
    the row each was first seen on and the file it was in: an id repeated
    across chunks or files is rejected like one repeated inside a chunk, and
    the reason names the earlier file. Kept as 64-bit hashes (8 bytes an id,
    not a Python string)."""

    def __init__(self) -> None:
        self._hashes = np.empty(0, np.uint64)
        self._rows = np.empty(0, np.int64)
        self._files = np.empty(0, np.int32)
        #: Names of the files ids came from; ``_files`` indexes them, -1 for
        #: ids whose file was not named (one file read on its own).
        self.names: list[str] = []
        self._file = -1

    @staticmethod
    def _hash(ids: pd.Series) -> np.ndarray:
        return hash_text(ids)

    def reading(self, name: str) -> None:
        """Ids added from now on are in the file ``name``."""
        self.names.append(name)
        self._file = len(self.names) - 1

    def _found(self, ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        hashed = self._hash(ids)
        at = np.minimum(np.searchsorted(self._hashes, hashed), len(self._hashes) - 1)
        hit = (self._hashes[at] == hashed) & ids.notna().to_numpy()
        return hit, at

    def first_rows(self, ids: pd.Series) -> pd.Series:
        """The row an earlier chunk first gave each id on (<NA> if none)."""
        out = pd.Series(pd.NA, index=ids.index, dtype="Int64")
        if len(self._hashes) == 0:
            return out
        hit, at = self._found(ids)
        out[hit] = self._rows[at[hit]]
        return out

    def first_files(self, ids: pd.Series) -> pd.Series:
        """The other file each id was first seen in (<NA> where it was not
        seen, was seen in the file read now, or in an unnamed one)."""
        out = pd.Series(pd.NA, index=ids.index, dtype="string")
        if len(self._hashes) == 0 or not self.names:
            return out
        hit, at = self._found(ids)
        files = np.where(hit, self._files[at], -1)
        other = (files >= 0) & (files != self._file)
        names = np.asarray(self.names, dtype=object)
        out[other] = names[files[other]]
        return out

    def add(self, ids: pd.Series) -> None:
        """Remember this chunk's ids (first occurrences) and their rows."""
        new = ids.notna() & ~ids.duplicated(keep="first")
        new &= self.first_rows(ids).isna()
        hashes = np.r_[self._hashes, self._hash(ids[new])]
        rows = np.r_[self._rows, ids.index[new.to_numpy()].to_numpy(np.int64)]
        files = np.r_[self._files, np.full(int(new.sum()), self._file, np.int32)]
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._rows = hashes[order], rows[order]
        self._files = files[order]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids' hashes (sorted) and the rows they were first seen on."""
        return self._hashes, self._rows

    @classmethod
    def of(
        cls,
        hashes: np.ndarray,
        rows: np.ndarray,
        files: np.ndarray | None = None,
        names: Sequence[str] = (),
    ) -> SeenIds:
        """Ids seen elsewhere (earlier files of the export), as :meth:`arrays`
        gives them, each hash at most once; ``files`` indexes ``names``, the
        file each id was in."""
        seen = cls()
        order = np.argsort(hashes, kind="stable")
        seen._hashes = np.asarray(hashes, np.uint64)[order]
        seen._rows = np.asarray(rows, np.int64)[order]
        if files is None:
            files = np.full(len(order), -1, np.int32)
        seen._files = np.asarray(files, np.int32)[order]
        seen.names = list(names)
        return seen

    def copy(self) -> SeenIds:
        seen = SeenIds.of(self._hashes, self._rows, self._files, self.names)
        seen._file = self._file
        return seen


@dataclass
class Validated:
    """The result of :func:`validate`: parsed rows, rejected rows, readings.
    ``rejected`` includes the rows that are not listings (``not_listings``:
    totals, sub-table rows), whose reason says so."""

    data: pd.DataFrame
    rejected: pd.Series = field(repr=False)
    reasons: pd.Series = field(repr=False)
    notes: list[str]
    not_listings: pd.Series = field(repr=False, default=None)


def validate(
    raw: pd.DataFrame,
    columns: dict[str, str],
    spec: tuple[Column, ...] = EXPORT_COLUMNS,
    unique_id: bool = True,
    hundredfold: set[str] | None = None,
    seen: SeenIds | None = None,
    decimal_comma: set[str] | None = None,
) -> Validated:
    """Parse every canonical column of ``raw`` and find the rows to reject.

    ``raw`` holds the cells as read, under the input's headers, indexed by the
    row number a spreadsheet shows. ``columns`` maps canonical names to those
    headers. Returns the parsed canonical columns for every row, a mask of
    rejected rows, and the reasons (``"row 418: dsr_service is 48.7, expected
    1-5 (is it ×10?)"``, several joined by ``"; "``). Rows that are not
    listings (:func:`not_a_listing`) are set aside with that reason alone.

    ``hundredfold`` and ``decimal_comma`` name the columns written ×100 and
    with decimal commas, as the whole file shows (None: decided from these
    rows).
    """
    kinds = {c.name: KINDS[c.kind] for c in spec}
    data = pd.DataFrame(index=raw.index)
    problems = Problems()
    notes: list[str] = []
    aside = pd.Series(pd.NA, index=raw.index, dtype="string")
    shared = dict(raw=raw, notes=notes, unique_id=unique_id, seen=seen, data=data)
    shared |= dict(hundredfold=hundredfold, decimal_comma=decimal_comma)
    readings: dict[str, Reading] = {}
    for name, header in columns.items():
        reading = Reading(name=name, cells=raw[header], header=header, **shared)
        readings[name] = reading
        _read_column(kinds[name], reading, data, problems)
        if reading.aside is not None:
            aside = reading.aside
    for (part, whole), check in BETWEEN_COLUMNS:
        if part in data.columns and whole in data.columns:
            problems.run(check, data, readings[part])
    for name in data.columns:
        for check in kinds[name].later if name in kinds else ():
            problems.run(check, data[name], readings[name])
    reasons = problems.joined(aside, raw.index)
    return Validated(
        data=derive(data),
        rejected=reasons.ne("").astype(bool),
        reasons=reasons,
        notes=notes,
        not_listings=aside.notna(),
    )


class Problems:
    """The reasons :func:`validate` finds, in the order found."""

    def __init__(self) -> None:
        self.found: list[pd.Series] = []

    def complain(self, mask: pd.Series, message) -> None:
        """Record ``message`` for the rows of ``mask``: a string, or a function
        of the masked row labels returning their messages (built only for the
        rows that need one, not for a million good ones)."""
        if mask.any():
            at = mask.index[mask.to_numpy(dtype=bool)]
            text = message(at) if callable(message) else message
            self.found.append(pd.Series(text, index=at, dtype="string"))

    def run(self, check: Check, values, reading: Reading) -> pd.Series:
        """Reject the rows ``check`` finds in ``values``, with its reason."""
        bad = check.rejects(values, reading)
        self.complain(bad, lambda at: check.reason(values, reading, at))
        return bad

    def joined(self, aside: pd.Series, index: pd.Index) -> pd.Series:
        """Each row's reasons, in the order found, joined by ``"; "`` after
        its row number (``""`` for a kept row); a row set aside as not a
        listing says that alone."""
        reasons = pd.Series(pd.NA, index=index, dtype="string")
        for problem in self.found:
            problem = problem.reindex(index)
            both = written("reject.and", first=reasons, then=problem)
            reasons = both.fillna(reasons).fillna(problem)
        reasons = written("reject.not_listing", why=aside).fillna(reasons)
        row = pd.Series(index, index=index).astype("string")
        return written("reject.row", row=row, reason=reasons).fillna("")


def _read_column(
    kind: Kind, reading: Reading, data: pd.DataFrame, problems: Problems
) -> None:
    """One column into ``data``, as its kind says: parsed (an unreadable
    cell rejected), read column-wide, then checked in order."""
    values, bad = kind.parse(reading)
    if bad is not None:
        problems.complain(
            bad,
            lambda at: written(
                kind.unreadable, name=reading.name, cell=as_written(reading.cells, at)
            ),
        )
    for read in kind.readings:
        values = read(values, reading)
    if isinstance(values, pd.DataFrame):  # a rank: its position and bound
        for column in values.columns:
            data[column] = values[column]
    else:
        data[reading.name] = values
    for check in kind.checks:
        dropped = problems.run(check, values, reading)
        if check.drops:
            values = values.mask(dropped)


def read_cell(name: str, written: str) -> object:
    """One value of a canonical column, read and checked exactly as a cell of
    an export would be (its value forms, its range); raises ValueError with a
    reason a person can act on.

    >>> read_cell("dsr_service", "487"), read_cell("refund_rate", "3.5%")
    (4.87, 0.035)
    >>> read_cell("avg_rating", "9")
    Traceback (most recent call last):
    ...
    ValueError: avg_rating is 9, expected 1-5
    """
    kind = KINDS[COLUMNS_BY_NAME[name].kind]
    cell = pd.DataFrame({name: [str(written).strip()]}, index=[1])
    checked = validate(cell, {name: name})
    value = checked.data[name].iloc[0]
    if checked.rejected.iloc[0]:
        # The reason names what is allowed ("expected 1-5", "expected yes/no").
        raise ValueError(checked.reasons.iloc[0].removeprefix("row 1: "))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        raise ValueError(
            Said(
                "error.cell_empty",
                name=named("signal", name),
                allowed=allowed_said(kind),
            )
        )
    return value.item() if hasattr(value, "item") else value


def derive(data: pd.DataFrame, fill: bool = False) -> pd.DataFrame:
    """Signals whose parts the export gives (see :func:`derived_signals`):
    the category path from its levels, price = gmv / monthly_sales,
    refund_rate = refunded_amount / gmv (at most 1: refunds in a window can
    be for earlier sales). Only absent signals are derived, or, with
    ``fill``, the missing values of present ones too (a price the item list
    lacks for a listing whose sales are known)."""
    levels = [name for name in CATEGORY_LEVELS if name in data.columns]
    if levels:
        if "category" not in data.columns:
            path = data[levels[0]].astype("string")
            for name in levels[1:]:
                level = data[name].astype("string")
                path = (path + " > " + level).fillna(path).fillna(level)
            data["category"] = path
        data = data.drop(columns=levels)
    parts = set(data.columns)
    if {"gmv", "monthly_sales"} <= parts and (fill or "price" not in parts):
        sold = data["monthly_sales"].where(data["monthly_sales"] > 0)
        price = data["gmv"] / sold
        data["price"] = data["price"].fillna(price) if "price" in parts else price
    if {"refunded_amount", "gmv"} <= parts and (fill or "refund_rate" not in parts):
        paid = data["gmv"].where(data["gmv"] > 0)
        rate = (data["refunded_amount"] / paid).clip(upper=1.0)
        data["refund_rate"] = (
            data["refund_rate"].fillna(rate) if "refund_rate" in parts else rate
        )
    return data


def derived_names(columns: dict[str, str]) -> set[str]:
    """The signals an export with these columns derives (:func:`derive`)."""
    names = set()
    if any(name in columns for name in CATEGORY_LEVELS) and "category" not in columns:
        names.add("category")
    if "price" not in columns and {"gmv", "monthly_sales"} <= set(columns):
        names.add("price")
    if "refund_rate" not in columns and {"refunded_amount", "gmv"} <= set(columns):
        names.add("refund_rate")
    return names


def derived_signals(columns: dict[str, str]) -> list[str]:
    """How the export's columns give signals it does not name, for ``check``.

    >>> derived_signals({"gmv": "成交金额", "monthly_sales": "成交件数"})
    ['price = gmv / monthly_sales']
    """
    notes = []
    levels = [columns[name] for name in CATEGORY_LEVELS if name in columns]
    if levels and "category" not in columns:
        notes.append(Said("note.category_path", levels=" > ".join(levels)))
    if "price" not in columns and {"gmv", "monthly_sales"} <= set(columns):
        notes.append(Said("note.price"))
    if "refund_rate" not in columns and {"refunded_amount", "gmv"} <= set(columns):
        notes.append(Said("note.refund_rate", refunded=columns["refunded_amount"]))
    return notes


def without_covered(unknown: list[str], known) -> list[str]:
    """``unknown`` less the signals that others given stand for (each
    column's ``covered_by``: ``gmv`` is derived from monthly_sales and price,
    ``has_white_bg_image`` measured from ``main_image`` paths, and
    ``sales_rank`` (Best Sellers Rank) stands in for a sales count only where
    none is given). ``known(name)`` says whether a signal is given."""
    return [
        name
        for name in unknown
        if not (name in COVERED_BY and all(known(other) for other in COVERED_BY[name]))
    ]


def absent_signals(data: pd.DataFrame) -> list[str]:
    """Signals the export does not give at all (absent, or empty in every
    row), less those others stand for (:func:`without_covered`)."""

    def known(name: str) -> bool:
        return name in data.columns and bool(data[name].notna().any())

    return without_covered([name for name in SIGNALS if not known(name)], known)


__all__ = [
    "CATEGORY_LEVELS",
    "COLUMNS_BY_NAME",
    "Column",
    "EXPORT_COLUMNS",
    "RANK_COLUMNS",
    "SIGNALS",
    "Validated",
    "absent_signals",
    "header_key",
    "is_header_row",
    "is_search_table",
    "match_headers",
    "validate",
]
