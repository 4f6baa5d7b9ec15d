"""Column kinds, declared: how a cell of each kind is read, and the named
checks its values must pass, each with the reject reason it gives.

:data:`KINDS` is the table :func:`ranking.reading.schema.validate` walks for
each column (in pandera's style: a column's kind, its parse, its checks). A
kind's ``parse`` turns the cells as written into values and says which cells
it could not read (rejected with ``'CELL', expected ...``: its
``unreadable``); its ``readings`` are column-level readings (a 0 score is
unknown, a DSR column written ×100); its ``checks`` reject values that cannot
be true, in order; its ``later`` checks need other columns and run once every
column is read. :data:`AT_MOST` holds the checks between two columns.

Reasons are built only for the rows that need one, never for a million good
ones; a check's ``reason`` is called with those rows' labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ranking.messages import Said
from ranking.reading.reasons import written
from ranking.reading.values import (
    digits_lost,
    id_text,
    parse_booleans,
    parse_dates,
    parse_numbers,
    parse_period_ends,
    parse_ranks,
    parse_sales_ranks,
)


@dataclass
class Reading:
    """One column being read: its canonical name, its cells as written, and
    what reading it needs from the whole file (the decisions taken over every
    chunk, the ids seen in earlier chunks). ``notes`` collects the column's
    readings for ``check``; an id column's parse fills ``aside``, the rows
    that are not listings; ``data`` is the parsed frame (for ``later``)."""

    name: str
    cells: pd.Series
    raw: pd.DataFrame
    header: str
    notes: list
    unique_id: bool = True
    seen: object = None  # schema.SeenIds: ids of earlier chunks and files
    hundredfold: set[str] | None = None
    decimal_comma: set[str] | None = None
    aside: pd.Series | None = None
    data: pd.DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Check:
    """A named check: the rows whose values it rejects, and the reason it
    gives each of them (a string, or a Series of strings for rows ``at``).
    ``drops``: the rows it rejects are unknown to the checks after it."""

    name: str
    rejects: Callable[[pd.Series, Reading], pd.Series]
    reason: Callable[[pd.Series, Reading, pd.Index], pd.Series | str]
    drops: bool = False


@dataclass(frozen=True)
class Kind:
    """A column kind: its parse (``Reading`` → values, unreadable cells or
    None), the reason an unreadable cell gets (a ``reject.*`` key), its
    column-level readings and its checks; what a cell may hold is the
    table's ``allowed.<kind>`` (:attr:`allowed`)."""

    name: str
    parse: Callable[[Reading], tuple[pd.Series | pd.DataFrame, pd.Series | None]]
    unreadable: str | None = None
    readings: tuple[Callable[[pd.Series, Reading], pd.Series], ...] = ()
    checks: tuple[Check, ...] = ()
    later: tuple[Check, ...] = ()

    @property
    def allowed(self) -> str:
        """What a cell may hold, in English (``allowed.<kind>`` of the table)."""
        return str(allowed_said(self))

    @property
    def numeric(self) -> bool:
        """Read as decimal numbers: the whole file decides where a decimal
        comma is written (``ExportSource``'s survey)."""
        return self.parse is _read_number

    @property
    def zero_is_unknown(self) -> bool:
        """A 0 is read as unknown (counted over the whole file for its note)."""
        return _zero_is_unknown in self.readings

    @property
    def may_be_hundredfold(self) -> bool:
        """The column may be written ×100, which only the whole file tells."""
        return _hundredfold_divided in self.readings


def as_written(cells: pd.Series, at: pd.Index) -> pd.Series:
    """The rows' cells as the export wrote them, for a reason."""
    return cells[at].astype("string").str.strip().fillna("")


def fmt(values: pd.Series) -> pd.Series:
    """Numbers for messages: ``12`` rather than ``12.0``. Call it on the few
    rows that need a message, not on a whole column."""
    text = values.astype(object).map(lambda v: f"{v:g}" if pd.notna(v) else "")
    return text.astype("string")


def _said_of(key: str):
    """A reason maker: ``key``'s reason (``NAME is VALUE, ...``) for the
    rows ``at``."""
    return lambda values, r, at: written(key, name=r.name, value=fmt(values[at]))


# ------------------------------------------------------------------ ids

#: Ids that mark a row of totals, not a listing: 京东商智 writes 合计 in the SKU
#: column of its first data row; 总计 / 汇总 / total / summary are the summary
#: hints of the Tmall and Amazon importers in docs/sources/export-headers.md.
TOTAL_IDS = frozenset({"合计", "总计", "汇总", "合計", "總計", "total", "summary"})
#: An id written as a dash marks a section or sub-table row.
SUBTABLE_IDS = frozenset({"-", "--", "—"})
#: What a SKU sub-table writes under the listing-id column of the table it
#: sits in: 抖店's live-room product sheet (直播间详情页_整场数据下载, sheet 商品)
#: opens one under a product with "- | sku名称 | sku图片 | 成交金额 | ...", so
#: its marker row holds sku图片 and each SKU row an image URL there.
SUB_TABLE_HEADERS = frozenset({"sku图片", "sku名称"})


def not_a_listing(ids: pd.Series) -> pd.Series:
    """Why each row is not a listing (``<NA>`` for a listing), from its id."""
    key = ids.astype("string").str.strip().str.lower()
    why = pd.Series(pd.NA, index=ids.index, dtype="string")
    why[key.isin(TOTAL_IDS).fillna(False).to_numpy()] = written("reject.total_row")
    why[key.isin(SUBTABLE_IDS).fillna(False).to_numpy()] = written(
        "reject.subtable_row"
    )
    return why


def sub_table_rows(raw: pd.DataFrame, header: str, ids: pd.Series) -> pd.Series:
    """Why each row is a sub-table row whose id column holds no id (``<NA>``
    for others): its first cell is a dash, as 抖店 writes the rows of a SKU
    sub-table under the product they belong to, and the cell under the id
    column is empty, a sub-table header (:data:`SUB_TABLE_HEADERS`) or a URL
    (a SKU's image). Only where the id is not the first column: there a dash
    is an id, the case of :func:`not_a_listing`."""
    why = pd.Series(pd.NA, index=raw.index, dtype="string")
    if raw.columns[0] == header:
        return why
    first = raw.iloc[:, 0].astype("string").str.strip()
    dash = first.isin(SUBTABLE_IDS).fillna(False)
    if not dash.any():
        return why
    key = ids.astype("string").str.strip().str.lower()
    no_id = (
        ids.isna()
        | key.isin(SUB_TABLE_HEADERS)
        | key.str.contains("://", regex=False)
        | key.str.startswith("//")
    ).fillna(True)
    why[(dash & no_id).to_numpy()] = written("reject.sku_row")
    return why


def _read_ids(reading: Reading) -> tuple[pd.Series, None]:
    """The ids as text; rows that are not listings set aside (``aside``)."""
    ids = id_text(reading.cells)
    aside = not_a_listing(ids)
    reading.aside = aside.fillna(sub_table_rows(reading.raw, reading.header, ids))
    return ids.mask(reading.aside.notna()), None


def _first_rows(ids: pd.Series, reading: Reading) -> pd.Series:
    """Each id's first row: in an earlier chunk or file, else in these rows."""
    earlier = (
        reading.seen.first_rows(ids)
        if reading.seen is not None
        else pd.Series(pd.NA, index=ids.index, dtype="Int64")
    )
    return earlier


def _repeated(ids: pd.Series, reading: Reading) -> pd.Series:
    if not reading.unique_id:
        return pd.Series(False, index=ids.index)
    repeated = ids.duplicated(keep="first") & ids.notna()
    return repeated | _first_rows(ids, reading).notna()


def _repeats_reason(ids: pd.Series, reading: Reading, at: pd.Index) -> pd.Series:
    earlier = _first_rows(ids, reading)
    first_row = earlier.fillna(
        pd.Series(ids.index, index=ids.index)
        .groupby(ids.values, dropna=True)
        .transform("min")
        .astype("Int64")
    )
    fields = {"name": reading.name, "id": ids[at].fillna("")}
    fields["first"] = first_row[at].astype("Int64").astype("string")
    reason = written("reject.repeats", **fields)
    if reading.seen is not None:
        # The earlier file, when it was another of the export.
        files = reading.seen.first_files(ids[at])
        of_file = written("reject.repeats_of", **fields, file=files)
        reason = of_file.fillna(reason)
    return reason


ID_CHECKS = (
    Check(
        "present",
        lambda ids, r: ids.isna() & r.aside.isna(),
        lambda ids, r, at: written("reject.empty", name=r.name),
    ),
    # Not a repeat of the other ids Excel squeezed the same way: the digits
    # that told them apart are gone (many such rows stop the file instead:
    # ExportSource's survey).
    Check(
        "digits_kept",
        lambda ids, r: digits_lost(ids),
        lambda ids, r, at: written(
            "reject.digits_lost", name=r.name, cell=as_written(r.cells, at)
        ),
        drops=True,
    ),
    Check("unique", _repeated, _repeats_reason),
)


# ------------------------------------------------------------- the others


def _read_text(reading: Reading) -> tuple[pd.Series, None]:
    text = reading.cells.astype("string").str.strip()
    return text.mask(text.eq("")), None


def _read_period(reading: Reading) -> tuple[pd.Series, None]:
    # Not a signal: a cell it cannot read leaves the window unknown rather
    # than rejecting the listing.
    values, bad = parse_period_ends(reading.cells)
    if bad.any():
        reading.notes.append(
            Said("note.period_unread", name=reading.name, count=int(bad.sum()))
        )
    return values, None


def _read_number(reading: Reading) -> tuple[pd.Series, pd.Series]:
    comma = (
        None if reading.decimal_comma is None else reading.name in reading.decimal_comma
    )
    return parse_numbers(reading.cells, decimal_comma=comma)


def _zero_is_unknown(values: pd.Series, reading: Reading) -> pd.Series:
    """A shop or listing with no score yet is written as 0 by Taobao pages
    and many back offices; a real score is never below 1."""
    zeros = values.eq(0)
    if zeros.any():
        values = values.mask(zeros)
        reading.notes.append(
            Said("note.zeros", name=reading.name, count=int(zeros.sum()))
        )
    return values


def is_hundredfold(values: pd.Series) -> bool:
    """True when every known, non-zero value is on the ×100 scale (100-500)."""
    present = values[values.ne(0) & values.notna()]
    return bool(len(present)) and bool(present.between(100, 500).all())


def _hundredfold_divided(values: pd.Series, reading: Reading) -> pd.Series:
    """A DSR column written ×100, divided back: when every value of the
    column is on that scale, which only the whole file can tell
    (``hundredfold``, decided by the caller over every chunk; None decides
    from these values)."""
    if reading.hundredfold is None:
        scaled = is_hundredfold(values)
    else:
        scaled = reading.name in reading.hundredfold
    return values / 100 if scaled else values


#: The largest count or amount a listing's cell may hold.
MOST = 1e12


def _amount_checks(what: str) -> tuple[Check, ...]:
    """A count's or an amount's checks (``what``: "count", "amount")."""
    return (
        Check("not_negative", lambda v, r: v < 0, _said_of(f"reject.negative_{what}")),
        # 1e308 reads as a number, and as a count it would outweigh every
        # other listing; no listing's figure reaches a trillion (Taobao and
        # Tmall's whole year is about 8 trillion yuan).
        Check(
            "at_most_a_trillion",
            lambda v, r: v > MOST,
            _said_of(f"reject.huge_{what}"),
        ),
    )


def _one_to_five_reason(values: pd.Series, reading: Reading, at: pd.Index):
    shown = {"name": reading.name, "value": fmt(values[at])}
    reason = written("reject.one_to_five", **shown)
    for times, low, high in ((10, 10, 50), (100, 100, 500)):
        hinted = values[at].between(low, high, inclusive="right").to_numpy()
        reason[hinted] = written(f"reject.one_to_five_x{times}", **shown)[hinted]
    return reason


ONE_TO_FIVE = Check("one_to_five", lambda v, r: (v < 1) | (v > 5), _one_to_five_reason)


def today() -> pd.Timestamp:
    """The latest day a listing can have been listed on when the export does
    not say its period: tomorrow in UTC, so that an export made east of UTC
    (Beijing is 8 hours ahead) is never a day in the future."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() + pd.Timedelta(
        days=1
    )


def _period_ends(reading: Reading) -> pd.Series:
    data = reading.data
    if "period" in data.columns:
        return data["period"]
    return pd.Series(pd.NaT, index=data.index, dtype="datetime64[ns]")


def _after_the_period(dates: pd.Series, reading: Reading) -> pd.Series:
    """A date after the export's period (the row's ``period`` end), or after
    today where the row has none, cannot be true: a typo or a placeholder
    such as 2099-01-01 or 9999-12-31. Kept, it would become the newest
    ``listed_at``, the day every listing's age is counted from
    (``reference_date``), and move every other listing's weight."""
    return (dates > _period_ends(reading).fillna(today())).fillna(False)


def _after_the_period_reason(dates: pd.Series, reading: Reading, at: pd.Index):
    ends = _period_ends(reading)[at]
    # today() is tomorrow, a margin for time zones; messages say today.
    shown = ends.fillna(today() - pd.Timedelta(days=1))
    fields = {"name": reading.name, "date": dates[at].dt.strftime("%Y-%m-%d")}
    fields["end"] = shown.dt.strftime("%Y-%m-%d")
    reason = written("reject.after_period", **fields)
    no_period = ends.isna().to_numpy()
    reason[no_period] = written("reject.after_today", **fields)[no_period]
    return reason


_A_NUMBER = "reject.not_number"
_ZERO_TO_ONE = Check(
    "zero_to_one", lambda v, r: (v < 0) | (v > 1), _said_of("reject.zero_to_one")
)
_A_RANK = Check(
    "whole_rank",
    lambda v, r: v.notna() & ((v < 1) | (v != v.round())),
    _said_of("reject.rank"),
)

#: Every column kind, by name (:attr:`ranking.reading.columns.Column.kind`).
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("id", _read_ids, checks=ID_CHECKS),
        Kind("text", _read_text),
        Kind(
            "bool",
            lambda r: parse_booleans(r.cells),
            "reject.not_bool",
        ),
        Kind("period", _read_period),
        Kind(
            "date",
            lambda r: parse_dates(r.cells),
            "reject.not_date",
            later=(
                Check(
                    "not_after_the_period", _after_the_period, _after_the_period_reason
                ),
            ),
        ),
        Kind(
            "bsr",
            lambda r: parse_sales_ranks(r.cells),
            "reject.not_bsr",
            checks=(_A_RANK,),
        ),
        Kind(
            "rank",
            lambda r: parse_ranks(r.cells),
            "reject.not_position",
        ),
        Kind(
            "count",
            _read_number,
            _A_NUMBER,
            checks=_amount_checks("count"),
        ),
        Kind(
            "money",
            _read_number,
            _A_NUMBER,
            checks=_amount_checks("amount"),
        ),
        Kind(
            "score",
            _read_number,
            _A_NUMBER,
            readings=(_zero_is_unknown,),
            checks=(ONE_TO_FIVE,),
        ),
        Kind(
            "dsr",
            _read_number,
            _A_NUMBER,
            readings=(_zero_is_unknown, _hundredfold_divided),
            checks=(ONE_TO_FIVE,),
        ),
        Kind(
            "share",
            _read_number,
            _A_NUMBER,
            checks=(_ZERO_TO_ONE,),
        ),
    )
}


def _at_most(part: str, whole: str) -> Check:
    return Check(
        f"{part}_at_most_{whole}",
        lambda data, r: data[part] > data[whole],
        lambda data, r, at: written(
            "reject.above",
            name=part,
            value=fmt(data[part][at]),
            whole=whole,
            total=fmt(data[whole][at]),
        ),
    )


#: Checks between two columns, where the export gives both: a part of the
#: reviews cannot outnumber them.
AT_MOST: tuple[tuple[str, str], ...] = (
    ("negative_reviews", "review_count"),
    ("photo_reviews", "review_count"),
)
BETWEEN_COLUMNS: tuple[tuple[tuple[str, str], Check], ...] = tuple(
    ((part, whole), _at_most(part, whole)) for part, whole in AT_MOST
)


#: The fields of a kind's ``allowed`` that hold Chinese (an English
#: template may not): said as they are in both languages.
ALLOWED_FIELDS = {
    "bool": {"forms": "1/0, 是/否, 有/无"},
    "count": {"example": "1.2万"},
}


def allowed_said(kind: Kind) -> Said:
    """What a cell of ``kind`` may hold (its ``allowed``, else its name), as
    a person reads it in either language."""
    return Said(f"allowed.{kind.name}", **ALLOWED_FIELDS.get(kind.name, {}))


def kind_table() -> list[dict]:
    """The kinds and their named checks as JSON-ready data.

    >>> [k for k in kind_table() if k["kind"] == "share"][0]["checks"]
    ['zero_to_one']
    """
    return [
        {
            "kind": kind.name,
            "allowed": kind.allowed,
            "checks": [c.name for c in kind.checks + kind.later],
        }
        for kind in KINDS.values()
    ]


__all__ = [
    "AT_MOST",
    "KINDS",
    "Check",
    "Kind",
    "Reading",
    "allowed_said",
    "kind_table",
]
