"""A seller's export, read and validated: the first stage of every command.

>>> export = read_export("data/catalog.csv")          # doctest: +SKIP
>>> export.data["monthly_sales"].median()             # doctest: +SKIP
>>> export.summary()["unknown_signals"]               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import ExportError, RejectedRowsError
from ranking.messages import Said
from ranking.reading import io, schema
from ranking.reading.platforms import detect, judged_factors
from ranking.reading.reasons import REJECT_REASON, reason_said, written
from ranking.reading.survey import Survey, header_notes
from ranking.reading.values import hash_text

REJECT_ROW = "reject_row"
NOT_LISTING = ": not a listing: "  # in the reason of a row set aside
_SHOWN_REASONS = 20


@dataclass
class Export:
    """One export after reading and validation.

    Attributes
    ----------
    path : the file read.
    data : canonical columns, parsed, for the rows kept; indexed by the row
        number a spreadsheet shows, like ``raw``.
    raw : the kept rows as the file wrote them, under the file's headers.
    rejects : the rejected rows as the file wrote them, plus ``reject_row`` and
        ``reject_reason``.
    columns : canonical name → the file's header for it.
    notes : column-level readings worth telling (a DSR written ×100, ...).
    """

    path: Path
    data: pd.DataFrame
    raw: pd.DataFrame
    rejects: pd.DataFrame
    columns: dict[str, str]
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    header_row: int = 1
    not_listings: int = 0
    coverage: dict[str, float] = field(default_factory=dict)  # joined: file → share
    read_headers: set[str] | None = None  # joined: every file's mapped headers
    platforms: dict[str, str | None] = field(default_factory=dict)  # file → export

    @property
    def bad_rows(self) -> pd.DataFrame:
        """The rejects that are listings with bad data (not totals or
        sub-table rows)."""
        return self.rejects[~self.rejects[REJECT_REASON].str.contains(NOT_LISTING)]

    @property
    def unknown_signals(self) -> list[str]:
        """Signals this export does not give for any listing."""
        return schema.absent_signals(self.data)

    @property
    def passthrough(self) -> list[str]:
        """Headers that match no canonical column; outputs keep them as they are."""
        known = self.read_headers or set(self.columns.values())
        return [c for c in self.raw.columns if c not in known]

    def summary(self) -> dict:
        """What ``ranking check`` reports, as plain JSON-ready values."""
        return {
            "file": str(self.path),
            "rows": int(len(self.data)),
            "rejects": int(len(self.rejects)) - self.not_listings,
            "not_listings": self.not_listings,
            "columns": dict(self.columns),
            "unknown_signals": self.unknown_signals,
            "passthrough": self.passthrough,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "notes": list(self.notes),
            "reject_reasons": self.bad_rows[REJECT_REASON]
            .head(_SHOWN_REASONS)
            .tolist(),
            "not_listing_reasons": self.rejects[REJECT_REASON][
                self.rejects[REJECT_REASON].str.contains(NOT_LISTING)
            ]
            .head(_SHOWN_REASONS)
            .tolist(),
            "categories": category_summary(self.data),
            "coverage": dict(self.coverage),
            "platforms": dict(self.platforms),
            "factors": judged_factors(
                set(schema.SIGNALS) - set(self.unknown_signals),
                list(self.platforms.values()),
            ),
        }


#: Exports up to this many rows keep their validated chunks in memory between
#: passes (about 1 KiB a row); larger ones are read again for each pass, so
#: memory stays flat however large the file.
MEMORY_ROWS = 2_000_000


def image_root_of(start: Path, images_root: Path | None = None):
    """The image root of an export whose ``main_image`` paths start in
    ``start`` (its folder): that folder alone, where images are read, or
    ``(start, images_root)`` when the user widens reads to ``images_root``
    (``--images-root``; see :func:`ranking.model.features.media.image_folders`)."""
    return Path(start) if images_root is None else (Path(start), Path(images_root))


@dataclass
class Chunk:
    """Consecutive rows of an export, validated: ``raw`` and ``data`` hold the
    kept rows (as written, and parsed under canonical names), ``rejects`` the
    rest with their reasons (rows that are not listings among them); all
    indexed by spreadsheet row number."""

    raw: pd.DataFrame
    data: pd.DataFrame
    rejects: pd.DataFrame
    not_listings: int = 0  # of the rejects: totals and sub-table rows


#: Merging rows of one listing: what adds up, and the traffic that each of
#: its rows repeats.
ADDED_OVER_ROWS = ("monthly_sales", "gmv", "payer_count", "refunded_amount")
REPEATED_OVER_ROWS = ("visitors", "page_views", "search_visitors")


def _is_export_header(cells: list[str]) -> bool:
    return schema.is_header_row(cells, schema.EXPORT_ALIASES)


class ExportSource:
    """An export as a stream of validated chunks: sniffed and surveyed once,
    then read as often as a command needs (from memory when it is small).

    The survey is a first pass over the file that settles what only the whole
    file can tell: the encoding and layout, whether a DSR column is written
    ×100, how many rows there are.

    >>> source = ExportSource("data/catalog.csv")           # doctest: +SKIP
    >>> sum(len(chunk.data) for chunk in source.chunks())   # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | Path,
        strict: bool = False,
        chunk_rows: int = io.CHUNK_ROWS,
        memory_rows: int = MEMORY_ROWS,
        images_root: Path | None = None,
    ):
        self.path = Path(path)
        self.strict = strict
        self.images_root = images_root
        self.chunk_rows = chunk_rows
        self.memory_rows = memory_rows
        self.layout = io.open_table(self.path, _is_export_header)
        #: Headers a signal is written under a second time (a scraper's page
        #: text beside its own parsed copy): read once, checked to agree.
        self.twins: dict[str, list[str]] = {}
        self.columns = schema.match_headers(
            self.layout.columns, schema.EXPORT_ALIASES, str(self.path), self.twins
        )
        #: A search-page capture or rank tracker's table: one row per
        #: (listing, keyword), so a listing seen on several keywords repeats
        #: (see :meth:`_folded`).
        self.keyword_rows = schema.is_search_table(self.layout.columns)
        self.folded_rows = 0  # rows of a listing already read (keyword_rows)
        self._signatures = _Signatures()
        if "listing_id" not in self.columns:
            names = ", ".join(schema.EXPORT_COLUMNS[0].aliases[:6])
            raise ExportError(
                Said(
                    "error.no_id_column",
                    path=self.path,
                    names=names,
                    header=", ".join(self.layout.columns[:8]),
                )
            )
        self._frames: list[pd.DataFrame] | None = None
        self._chunks: list[Chunk] | None = None
        self._read_through = False  # a whole pass done: its notes are told
        #: Where ``main_image`` paths start: the export's folder; images are
        #: read there, and in ``images_root`` when the user names one.
        self.image_root = image_root_of(self.path.parent, images_root)
        #: Ids of the export's earlier files (one export in several files):
        #: a repeat of one is rejected like a repeat inside this file.
        self.earlier: schema.SeenIds | None = None
        self._survey()

    @property
    def encoding(self) -> str | None:
        return self.layout.encoding

    @property
    def header_row(self) -> int:
        return self.layout.header_row

    def _survey(self) -> None:
        """The first pass over the file (see :mod:`ranking.reading.survey`):
        its rows counted and, when few enough, held; its decimal commas and
        ×100 columns settled; what the header and the values tell, noted."""
        survey = Survey(self.columns, self.memory_rows, self.twins, self.path)
        io.first_pass(self.layout, survey.visit, survey.restart, self.chunk_rows)
        survey.check()
        self.rows_read = survey.rows
        self.decimal_comma = survey.decimal_comma()
        if survey.rows <= self.memory_rows:
            self._frames = [f.drop(columns=self.layout.dropped) for f in survey.frames]
        self.hundredfold = survey.hundredfold()
        self.notes = header_notes(self.columns, self.twins, self.layout.columns)
        self.notes += survey.notes(self.decimal_comma, self.hundredfold)

    @staticmethod
    def peek_search_table(path: str | Path) -> bool:
        """True when the file's header names a keyword and a position beside
        the listing id (read from its first rows only)."""
        layout = io.open_table(Path(path), _is_export_header)
        return schema.is_search_table(layout.columns)

    @property
    def in_memory(self) -> bool:
        """True once the validated chunks are held in memory (an export of at
        most ``memory_rows`` rows, after its first full pass)."""
        return self._chunks is not None

    @property
    def holds_rows(self) -> bool:
        """True when its rows are (or, after its first full pass, will be)
        held in memory: known from the survey, before any pass."""
        return self._chunks is not None or self._frames is not None

    def release(self) -> ExportSource:
        """Forget the rows held in memory: every later pass reads the file
        again (a surveyed source sent to a cluster's workers is this small)."""
        self._frames = self._chunks = None
        self.memory_rows = 0
        return self

    def chunks(self, seen: schema.SeenIds | None = None) -> Iterator[Chunk]:
        """The export's validated chunks, in file order. ``seen``: ids met
        before this file (by default :attr:`earlier`'s); this file's are
        added to it."""
        if self._chunks is not None:
            yield from self._chunks
            return
        keep = [] if self._frames is not None else None
        frames = (
            self._frames
            if self._frames is not None
            else io.iter_frames(self.layout, self.chunk_rows)
        )
        # A child ASIN sold under several SKUs has a row per SKU: one listing,
        # merged once the whole (held) file is read.
        merge = self.merges_repeats and self._frames is not None
        if merge:
            frames = [_concat(self._frames)]
        if seen is None:
            seen = schema.SeenIds() if self.earlier is None else self.earlier.copy()
        for frame in frames:
            chunk = self._validated(frame, seen, merge)
            if keep is not None:
                keep.append(chunk)
            yield chunk
        if self.keyword_rows and self.folded_rows and not self._read_through:
            self.notes.append(
                Said(
                    "note.folded",
                    count=self.folded_rows,
                    differ=self._signatures.differing,
                )
            )
        self._read_through = True
        if keep is not None:
            self._chunks, self._frames = keep, None

    def _validated(
        self, frame: pd.DataFrame, seen: schema.SeenIds, merge: bool
    ) -> Chunk:
        """One frame of the file as a validated :class:`Chunk`: a listing's
        rows merged (``merge``) or a search table's folded, its ids added to
        ``seen``; under ``strict``, the first rejected row raises."""
        checked = schema.validate(
            frame,
            self.columns,
            unique_id=not merge and not self.keyword_rows,
            hundredfold=self.hundredfold,
            seen=seen,
            decimal_comma=self.decimal_comma,
        )
        if merge:
            frame, checked = self._merged(frame, checked)
        if self.keyword_rows:
            frame, checked = self._folded(frame, checked, seen)
        # The survey told the column-level readings of scores already;
        # a streamed file is read again each pass: its notes, once.
        if not self._read_through:
            self.notes += [n for n in checked.notes if n.startswith("period:")]
        ids = checked.data["listing_id"]
        # A search table's rejected row leaves its listing to a later row.
        seen.add(ids[~checked.rejected] if self.keyword_rows else ids)
        rejects = _rejects(frame, checked)
        aside = int(checked.not_listings.sum())
        if self.strict and len(rejects) > aside:
            # Stops at the first chunk with rejects: the count is that
            # chunk's (the whole file's, for any file under CHUNK_ROWS).
            bad = rejects[~rejects[REJECT_REASON].str.contains(NOT_LISTING)]
            raise RejectedRowsError(
                Said(
                    "error.strict",
                    path=self.path,
                    count=len(bad),
                    first=reason_said(bad[REJECT_REASON].iloc[0]),
                )
            )
        kept = ~checked.rejected.to_numpy()
        return Chunk(frame[kept], checked.data[kept], rejects, aside)

    @property
    def merges_repeats(self) -> bool:
        """True when rows repeating an id are one listing's parts: the id is
        Amazon's child ASIN, repeated on a row per seller SKU (278 of 2,026
        rows of a real UK Business Report) or per parent it was moved between.
        Not in a search table, whose repeats are the listing on other keywords
        (summing its units over them would count them again)."""
        return schema.id_tier(self.columns["listing_id"]) == 0 and not (
            self.keyword_rows
        )

    def _folded(self, raw: pd.DataFrame, checked: schema.Validated, seen):
        """One row per listing of a search table: a listing's later rows
        (the same listing on another keyword, or twice on one page, as an ad
        and in place) are the same listing, not repeated ids, and are left
        out; its signals are its first row's.

        Why the first row and not a check that they agree: the signals a
        search page shows move between captures (payers, reviews) and an ad
        slot may show another title, so differing rows are normal; the first
        row is the one a tracker wrote first, and it is the rule this reader
        already keeps for a repeated (listing, keyword) pair in a ranks file
        and for a title two files give differently. How many listings' rows
        differed is counted in a note."""
        kept = ~checked.rejected
        ids = checked.data["listing_id"].where(kept)
        later = ids.notna() & (
            ids.duplicated(keep="first") | seen.first_rows(ids).notna()
        )
        if not self._read_through:
            self._signatures.visit(checked.data[kept], later[kept])
            self.folded_rows += int(later.sum())
        if not later.any():
            return raw, checked
        keep = ~later.to_numpy()
        checked.data = checked.data[keep]
        checked.rejected = checked.rejected[keep]
        checked.reasons = checked.reasons[keep]
        checked.not_listings = checked.not_listings[keep]
        return raw[keep], checked

    def _merged(self, raw: pd.DataFrame, checked: schema.Validated):
        """One row per listing: units, sales and refunds summed over its
        rows; sessions and page views taken once where every row repeats
        them (the ASIN's figures on each SKU's row), summed where they
        differ; anything else from its first row."""
        data = checked.data[~checked.rejected]
        repeated = data["listing_id"].duplicated(keep="first")
        if not repeated.any():
            return raw, checked
        groups = data.groupby("listing_id", sort=False)
        merged = groups.first()
        summed = [c for c in ADDED_OVER_ROWS if c in data.columns]
        merged[summed] = groups[summed].sum(min_count=1)
        for name in [c for c in REPEATED_OVER_ROWS if c in data.columns]:
            same = groups[name].nunique() <= 1
            merged[name] = merged[name].where(same, groups[name].sum(min_count=1))
        firsts = data.index[~repeated.to_numpy()]
        merged.index = firsts
        merged.insert(0, "listing_id", data["listing_id"][firsts])
        # Price and refund rate are the merged listing's, not its first row's.
        derived = schema.derived_names(self.columns) & set(merged.columns)
        merged = schema.derive(merged.drop(columns=list(derived)))[data.columns]
        folded = data.index[repeated.to_numpy()]
        keep = raw.index.difference(folded)
        how = Said("note.summed") if summed else ""
        if any(c in data.columns for c in REPEATED_OVER_ROWS):
            how = Said("note.of_parts", first=how, then=Said("note.once"))
        self.notes.append(Said("note.merged", count=len(folded), how=how))
        checked.data = pd.concat([merged, checked.data[checked.rejected]]).reindex(keep)
        checked.rejected = checked.rejected.reindex(keep)
        checked.reasons = checked.reasons.reindex(keep)
        checked.not_listings = checked.not_listings.reindex(keep)
        return raw.loc[keep], checked

    def read(self) -> Export:
        """The whole export in memory, as one :class:`Export`."""
        return whole_export(
            self, platforms={self.path.name: detect(self.layout.columns)}
        )


class _Signatures:
    """Each listing's first row's signals as one 64-bit hash, to count the
    listings whose later rows of a search table say something else."""

    def __init__(self) -> None:
        self._ids = np.empty(0, np.uint64)
        self._signs = np.empty(0, np.uint64)
        self._differing: set[int] = set()

    @property
    def differing(self) -> int:
        return len(self._differing)

    def visit(self, data: pd.DataFrame, later: pd.Series) -> None:
        """Remember the first rows' signatures; compare the later rows'."""
        if data.empty:
            return
        ids = hash_text(data["listing_id"])
        signals = data.drop(columns=["listing_id"])
        signs = pd.util.hash_pandas_object(signals, index=False).to_numpy(np.uint64)
        first = ~later.to_numpy()
        all_ids = np.r_[self._ids, ids[first]]
        order = np.argsort(all_ids, kind="stable")
        self._ids = all_ids[order]
        self._signs = np.r_[self._signs, signs[first]][order]
        again = ids[~first]
        at = np.minimum(np.searchsorted(self._ids, again), len(self._ids) - 1)
        # A listing first read from another file of the export is not here.
        here = self._ids[at] == again if len(self._ids) else np.zeros(0, bool)
        differ = here & (self._signs[at] != signs[~first])
        self._differing.update(int(h) for h in again[differ])


def whole_export(source, **details) -> Export:
    """All of a source's chunks (an :class:`ExportSource`, or several joined)
    as one :class:`Export`; ``details`` are the fields only the source knows."""
    chunks = list(source.chunks())  # first: some notes are known only after
    return Export(
        path=source.path,
        data=_concat([c.data for c in chunks]),
        raw=_concat([c.raw for c in chunks]),
        rejects=_concat([c.rejects for c in chunks]).reset_index(drop=True),
        columns=dict(source.columns),
        notes=list(source.notes),
        encoding=source.encoding,
        header_row=source.header_row,
        not_listings=sum(c.not_listings for c in chunks),
        **details,
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames)


def read_export(path: str | Path, strict: bool = False) -> Export:
    """Read and validate a listing export, whole.

    Parameters
    ----------
    path : a ``.csv``, ``.tsv``, ``.xlsx`` or ``.parquet`` file.
    strict : raise :class:`RejectedRowsError` if any row is rejected, instead
        of setting those rows aside in ``Export.rejects``.

    Raises
    ------
    ExportError : the file cannot be used at all.
    RejectedRowsError : ``strict`` and at least one row was rejected.
    """
    return ExportSource(path, strict=strict).read()


@dataclass
class Ranks:
    """Observed search positions: one row per (listing, keyword).

    ``data`` has ``listing_id``, ``keyword``, ``search_rank`` (NaN when
    censored), ``censored`` and ``censored_below``.
    """

    path: Path
    data: pd.DataFrame
    rejects: pd.DataFrame
    columns: dict[str, str]

    @property
    def groups(self) -> int:
        """Keyword groups observed."""
        return int(self.data["keyword"].nunique())


def read_ranks(path: str | Path, strict: bool = False) -> Ranks:
    """Read a ranks file (listing_id, keyword, search_rank); censored positions
    such as ``>100``, ``100+`` or ``未上榜`` are kept as censored, not rejected."""
    path = Path(path)
    table = io.read_table(
        path, lambda cells: schema.is_header_row(cells, schema.RANK_ALIASES)
    )
    raw = table.frame
    columns = schema.match_headers(list(raw.columns), schema.RANK_ALIASES, str(path))
    missing = [c.name for c in schema.RANK_COLUMNS if c.name not in columns]
    if missing:
        raise ExportError(
            Said(
                "error.ranks_columns",
                path=path,
                missing=", ".join(missing),
                aliases="商品ID, 关键词, 排名",
            )
        )
    checked = schema.validate(raw, columns, schema.RANK_COLUMNS, unique_id=False)
    data = checked.data
    empty_keyword = data["keyword"].isna()
    row = pd.Series(data.index, index=data.index).astype("string")
    if empty_keyword.any():
        reason = written(
            "reject.row", row=row, reason=written("reject.empty", name="keyword")
        )
        checked.reasons = checked.reasons.mask(
            empty_keyword & ~checked.rejected, reason
        )
        checked.rejected = checked.rejected | empty_keyword
    pair = data[["listing_id", "keyword"]].duplicated(keep="first") & ~checked.rejected
    if pair.any():
        reason = written("reject.row", row=row, reason=written("reject.pair_repeats"))
        checked.reasons = checked.reasons.mask(pair, reason)
        checked.rejected = checked.rejected | pair
    rejects = _rejects(raw, checked)
    if strict and len(rejects):
        raise RejectedRowsError(
            Said(
                "error.strict",
                path=path,
                count=len(rejects),
                first=reason_said(rejects[REJECT_REASON].iloc[0]),
            )
        )
    kept = ~checked.rejected
    return Ranks(path=path, data=data[kept], rejects=rejects, columns=columns)


def _rejects(raw: pd.DataFrame, checked: schema.Validated) -> pd.DataFrame:
    rejected = raw[checked.rejected].copy()
    rejected[REJECT_ROW] = rejected.index
    rejected[REJECT_REASON] = checked.reasons[checked.rejected]
    return rejected.reset_index(drop=True)


def category_summary(data: pd.DataFrame, top: int = 15) -> list[dict]:
    """Per-category counts and medians of the main signals, largest first."""
    if "category" not in data.columns or data.empty:
        return []
    grouped = data.groupby(data["category"].fillna("(none)"), sort=False)
    summary = pd.DataFrame({"listings": grouped.size()})
    for column in ("monthly_sales", "price", "avg_rating", "dsr_service"):
        if column in data.columns:
            summary[f"median_{column}"] = grouped[column].median()
    summary = summary.sort_values("listings", ascending=False).head(top)
    summary = summary.round(2).astype(object).where(summary.notna(), None)
    return [
        {"category": str(name), **row} for name, row in summary.to_dict("index").items()
    ]
