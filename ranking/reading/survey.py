"""The first pass over an export: what only the whole file can tell (the
row count, ids Excel turned into scientific notation, decimal commas, a DSR
written ×100, signals written under two headers), tallied frame by frame.

>>> survey = Survey({"listing_id": "id"}, memory_rows=10)  # doctest: +SKIP
>>> io.first_pass(layout, survey.visit, survey.restart)   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.messages import Said, named
from ranking.reading import schema
from ranking.reading.kinds import KINDS
from ranking.reading.values import decimal_marks, digits_lost, id_text, parse_numbers

#: Ids in scientific notation (``6.71E+11``) on more rows than this stop the
#: file; this many or fewer are rejected one by one (a typo, not an export).
LOST_IDS_TOLERATED = 2

_MARKS = ("comma", "point", "thousands")


def _kind_of(name: str):
    return KINDS[schema.COLUMNS_BY_NAME[name].kind]


class Survey:
    """Running tallies of a first pass over an export's frames.

    ``columns``: canonical name → the file's header; ``twins``: headers a
    signal is written under a second time, checked to agree on every frame;
    ``memory_rows``: up to this many rows the frames are kept (``frames``)."""

    def __init__(
        self,
        columns: dict[str, str],
        memory_rows: int,
        twins: dict[str, list[str]] | None = None,
        path: Path | None = None,
    ):
        self.columns = columns
        self.memory_rows = memory_rows
        self.twins = twins or {}
        self.path = path
        #: Signals where a zero means "not known": their zeros and their
        #: values outside 100-500 (a DSR written ×100 has none) are counted.
        self.scored = {n: h for n, h in columns.items() if _kind_of(n).zero_is_unknown}
        self.numeric = {n: h for n, h in columns.items() if _kind_of(n).numeric}
        self.frames: list[pd.DataFrame] = []
        self.restart()

    def restart(self) -> None:
        """Forget every tally: the pass starts again from the top (the
        layout changed: another encoding, ragged rows)."""
        self.frames.clear()
        self.rows = 0
        self.zeros = dict.fromkeys(self.scored, 0)
        self.known = dict.fromkeys(self.scored, 0)
        self.low = dict.fromkeys(self.scored, 0)
        self.marks: dict[str, set[str]] = {mark: set() for mark in _MARKS}
        self.lost = 0
        self.lost_example: tuple | None = None
        self.first: dict[str, float] = {}

    def visit(self, frame: pd.DataFrame) -> None:
        """Tally one frame of the pass."""
        check_twins(frame, self.columns, self.twins, self.path)
        self.rows += len(frame)
        self._count_lost_ids(frame)
        if self.rows <= self.memory_rows:
            self.frames.append(frame)
        else:
            self.frames.clear()  # too big to hold: every pass reads the file
        for name, header in self.numeric.items():
            marks = decimal_marks(frame[header])
            for mark in _MARKS:
                if getattr(marks, mark):
                    self.marks[mark].add(name)
        for name, header in self.scored.items():
            self._count_scores(name, frame[header])

    def _count_lost_ids(self, frame: pd.DataFrame) -> None:
        """Count the ids whose digits Excel lost; keep the first for the error."""
        header = self.columns["listing_id"]
        lost = digits_lost(id_text(frame[header]))
        self.lost += int(lost.sum())
        if lost.any() and self.lost_example is None:
            row = lost.index[lost.to_numpy()][0]
            self.lost_example = (row, frame.at[row, header])

    def _count_scores(self, name: str, cells: pd.Series) -> None:
        """Count a scored column's zeros, known values and values outside
        100-500; keep its first known value for the ×100 note."""
        values, _ = parse_numbers(cells)
        zero = values.eq(0)
        self.zeros[name] += int(zero.sum())
        present = values[~zero & values.notna()]
        self.known[name] += len(present)
        self.low[name] += int((~present.between(100, 500)).sum())
        if len(present) and name not in self.first:
            self.first[name] = float(present.iloc[0])

    def check(self) -> None:
        """Raise when the whole file cannot be used: no rows, or ids that
        went through Excel."""
        if self.rows == 0:
            raise ExportError(Said("error.no_rows", path=self.path))
        if self.lost > LOST_IDS_TOLERATED:
            # The whole column went through Excel: rejecting its rows one by
            # one would bury the cause under thousands of reasons.
            row, written = self.lost_example
            raise ExportError(
                Said(
                    "error.ids_lost",
                    path=self.path,
                    count=self.lost,
                    row=row,
                    written=written,
                )
            )

    def decimal_comma(self) -> set[str]:
        """The numeric columns read with a decimal comma.

        A column with a decimal comma and no unmistakable decimal point is
        read the German way; so is a column with no comma and no decimal
        point (1.999 is 1999 there) in a file where some column has a
        decimal comma. A column of 1,234 keeps its thousands."""
        comma, point = self.marks["comma"], self.marks["point"]
        commas = comma - point
        undecided = set(self.numeric) - point - comma - self.marks["thousands"]
        return commas | (undecided if commas else set())

    def hundredfold(self) -> set[str]:
        """The scored columns written ×100: every known value in 100-500."""
        return {
            name
            for name in self.scored
            if _kind_of(name).may_be_hundredfold
            and self.known[name]
            and self.low[name] == 0
        }

    def notes(self, decimal_comma: set[str], hundredfold: set[str]) -> list[str]:
        """The column-level readings worth telling, after the header's."""
        notes = []
        if decimal_comma:
            columns = ", ".join(sorted(decimal_comma))
            notes.append(Said("note.decimal_comma", columns=columns))
        for name in self.scored:
            if self.zeros[name]:
                zeros = self.zeros[name]
                notes.append(Said("note.zeros", name=name, count=zeros))
            if name in hundredfold:
                first = self.first[name]
                notes.append(
                    Said("note.hundredfold", name=name, first=first, read=first / 100)
                )
        return notes


def header_notes(
    columns: dict[str, str], twins: dict[str, list[str]], headers: list[str]
) -> list[str]:
    """What the header alone tells: signals read under two headers, why the
    id column was chosen, signals derived from others."""
    notes = [
        Said("note.twin", name=name, read=columns[name], twin=twin)
        for name, others in twins.items()
        for twin in others
    ]
    if why := schema.id_choice(headers, columns["listing_id"]):
        notes.append(why)
    notes += [Said("note.derived", how=how) for how in schema.derived_signals(columns)]
    return notes


def check_twins(
    frame: pd.DataFrame,
    columns: dict[str, str],
    twins: dict[str, list[str]],
    path: Path | None,
) -> None:
    """Raise unless every twin header of a signal reads the same values
    as the header the signal is read from (``1881人付款`` and ``1881``
    agree; two different figures under one name are the error that two
    headers for one signal always were)."""
    for name, others in twins.items():
        header = columns[name]
        read = schema.validate(frame, {name: header}).data[name]
        for twin in others:
            other = schema.validate(frame, {name: twin}).data[name]
            differ = ~_same_values(read, other)
            if differ.any():
                row = differ.index[differ.to_numpy()][0]
                raise ExportError(
                    Said(
                        "error.twins_differ",
                        path=path,
                        first=header,
                        second=twin,
                        name=named("signal", name),
                        row=row,
                        one=frame.at[row, header],
                        other=frame.at[row, twin],
                    )
                )


def _same_values(a: pd.Series, b: pd.Series) -> pd.Series:
    """Cell by cell: both missing, or equal (numbers to a relative 1e-9)."""
    both_missing = a.isna() & b.isna()
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        x = a.to_numpy(dtype="float64", na_value=np.nan)
        y = b.to_numpy(dtype="float64", na_value=np.nan)
        close = pd.Series(np.isclose(x, y, rtol=1e-9, atol=0.0), index=a.index)
        return both_missing | close
    return both_missing | (a.astype("string") == b.astype("string")).fillna(False)
