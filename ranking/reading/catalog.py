"""Several exports, one catalog: back offices split a listing's signals across
files, joined here on the listing id.

生意参谋's 商品 export has traffic and sales but no category or price; the item
list has those; a shop's DSR is one value for every listing (``--set``). The
first export is the catalog's spine and is streamed like a single export; the
others are read whole and joined to it. A listing only another file has is a
listing too, its spine signals unknown.

>>> source = open_catalog(["商品_全部.xlsx", "items.csv"],
...                       sets=["dsr_service=4.8"])          # doctest: +SKIP
>>> for chunk in source.chunks(): ...                        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.messages import Said, named
from ranking.reading import reasons, schema
from ranking.reading.assign import SET, assignments
from ranking.reading.export import (
    MEMORY_ROWS,
    REJECT_REASON,
    REJECT_ROW,
    Chunk,
    Export,
    ExportSource,
    image_root_of,
    whole_export,
)
from ranking.reading.paths import (
    common_folder,
    export_files,
    export_paths,
    images_start,
)
from ranking.reading.platforms import detect
from ranking.reading.values import id_text

#: Two files agree on a number when they differ by less than this share
#: (59 and 59.00; a total rounded to the cent in one file and not the other).
AGREE_RTOL = 1e-6
#: Text sellers edit between exports: two real Amazon UK reports a month apart
#: differ in 85 of 1,748 titles. The first file's is kept and the count told;
#: measured signals that differ are an error.
EDITED_TEXT = frozenset({"title"})


def open_export(path: Path, strict: bool = False, **options):
    """One EXPORT: a file (:class:`ExportSource`), or a folder or glob of
    files that are one export together (:class:`PartedSource`)."""
    files = export_files(path)
    if len(files) == 1 and files[0] == Path(path):
        return ExportSource(files[0], strict=strict, **options)
    return PartedSource(Path(path), files, strict=strict, **options)


def open_catalog(
    export_path, strict: bool = False, sets: Sequence[str] = (), **options
) -> ExportSource | PartedSource | JoinedSource:
    """The catalog the command reads: one export as it is, or several joined
    on the listing id with ``--set`` values; ``options`` as
    :class:`ExportSource`'s."""
    paths = export_paths(export_path)
    if not paths:
        raise ExportError(Said("error.no_export"))
    if len(paths) == 1 and not sets:
        return open_export(paths[0], strict=strict, **options)
    return JoinedSource(paths, strict=strict, sets=sets, **options)


def catalog_image_root(path, files: Sequence[Path], images_root=None):
    """Where the ``main_image`` paths of a catalog whose first export is
    ``path`` (its ``files``) start and may be read, as :func:`open_catalog`'s
    source has it (a joined catalog's are its first export's), without
    reading the export."""
    return image_root_of(images_start(Path(path), files), images_root)


def file_names(files: Sequence[Path]) -> list[str]:
    """How rejects and notes name each file of a several-file export: its
    name, or its path when two files share a name."""
    names = [f.name for f in files]
    return names if len(set(names)) == len(names) else [str(f) for f in files]


def name_reasons(rejects: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rejects whose reasons name the file they came from (one of several
    files of an export)."""
    if not len(rejects):
        return rejects
    rejects = rejects.copy()
    said = rejects[REJECT_REASON].astype("string")
    rejects[REJECT_REASON] = reasons.written("reject.of_file", file=name, reason=said)
    return rejects


def named_rejects(chunk: Chunk, name: str) -> Chunk:
    """The chunk with its rejects' reasons naming the file they came from."""
    rejects = name_reasons(chunk.rejects, name)
    return Chunk(chunk.raw, chunk.data, rejects, chunk.not_listings)


class PartedSource:
    """One export written as several files — a folder of them, or the files
    a glob matches (a partitioned dataset, a back office's export in parts)
    — read as one stream of validated chunks, file after file (the
    interface of :class:`ExportSource`).

    Every file must have the same columns. Each is surveyed on its own (its
    encoding, title lines, a DSR written ×100, decimal commas); a listing id
    repeated in a later file is rejected like a repeat inside one, and a
    reject's reason names its file. Rows keep the numbers their own file
    shows."""

    def __init__(
        self,
        path: Path,
        files: Sequence[Path],
        strict: bool = False,
        memory_rows: int = MEMORY_ROWS,
        **options,
    ):
        self.path = Path(path)
        self.files = list(files)
        self.strict = strict
        self.names = file_names(self.files)
        self.parts: list[ExportSource] = []
        rows = 0
        for file in self.files:
            # Held in memory while the whole export fits, else streamed.
            budget = max(memory_rows - rows, 0)
            part = ExportSource(file, strict=strict, memory_rows=budget, **options)
            if self.parts and part.layout.columns != self.parts[0].layout.columns:
                raise ExportError(same_columns_error(self.files[0], part))
            self.parts.append(part)
            rows += part.rows_read
        self.rows_read = rows
        self.memory_rows = memory_rows
        if rows > memory_rows:
            for part in self.parts:
                part.release()
        self.image_root = image_root_of(
            common_folder(self.files), options.get("images_root")
        )
        for part in self.parts:
            part.image_root = self.image_root
        first = self.parts[0]
        self.layout = first.layout
        self.columns = dict(first.columns)
        self.encoding = first.encoding
        self.header_row = first.header_row

    @property
    def in_memory(self) -> bool:
        return all(part.in_memory for part in self.parts)

    @property
    def holds_rows(self) -> bool:
        return all(part.holds_rows for part in self.parts)

    @property
    def notes(self) -> list[str]:
        """Each file's readings: once when every file has it, else naming
        the files that do."""
        every = set.intersection(*(set(p.notes) for p in self.parts))
        notes = [n for n in self.parts[0].notes if n in every]
        for name, part in zip(self.names, self.parts, strict=True):
            notes += [f"{name}: {n}" for n in part.notes if n not in every]
        return notes

    def chunks(self) -> Iterator[Chunk]:
        """Every file's validated chunks, in file order."""
        seen = schema.SeenIds()
        for name, part in zip(self.names, self.parts, strict=True):
            seen.reading(name)
            for chunk in part.chunks(seen=seen):
                yield named_rejects(chunk, name)

    def read(self) -> Export:
        """The whole export in memory, as one :class:`Export`."""
        return whole_export(
            self, platforms={self.path.name: detect(self.layout.columns)}
        )


def same_columns_error(first: Path, part: ExportSource) -> Said:
    return Said("error.same_columns", path=part.path, first=first.name)


def parse_sets(sets: Sequence[str]) -> dict[str, tuple[str, object]]:
    """``--set COLUMN=VALUE`` as ``{canonical: (as written, value)}``; the
    column by its canonical name or any alias, the value read as an export's
    cell of that column would be (the parser ``--what-if`` shares,
    :func:`ranking.reading.assign.assignments`).

    >>> parse_sets(["服务态度=4.8", "dsr_logistics=487"])
    {'dsr_service': ('4.8', 4.8), 'dsr_logistics': ('487', 4.87)}
    """
    return assignments(sets, SET)


class _Held:
    """A joined (non-spine) export held whole: its rows by listing id."""

    def __init__(self, source: ExportSource):
        export = source.read()
        self.source = source
        self.name = source.path.name
        ids = export.data["listing_id"]
        self.data = export.data.set_index("listing_id")
        self.raw = export.raw.set_axis(ids.to_numpy(), axis=0)
        self.rejects = export.rejects
        self.not_listings = export.not_listings
        self.derived = schema.derived_names(source.columns)


class JoinedSource:
    """Several exports as one stream of validated chunks (the interface of
    :class:`ExportSource`): the first export's chunks, each joined with the
    rows the other exports give for its listings, then the listings only the
    other exports have."""

    def __init__(
        self,
        paths: Sequence[Path],
        strict: bool = False,
        sets: Sequence[str] = (),
        **options,
    ):
        self.sets = parse_sets(sets)
        self.spine = open_export(paths[0], strict=strict, **options)
        self.others = [
            _Held(open_export(p, strict=strict, **options)) for p in paths[1:]
        ]
        self.image_root = self.spine.image_root
        self.path = self.spine.path
        self.strict = strict
        self._sources = [self.spine, *[o.source for o in self.others]]
        names = [s.path.name for s in self._sources]
        if len(set(names)) < len(names):
            names = [str(s.path) for s in self._sources]
        self._names = names
        self._spine_derived = schema.derived_names(self.spine.columns)
        self.columns = dict(self.spine.columns)
        for other in self.others:
            for name, header in other.source.columns.items():
                self.columns.setdefault(name, f"{header} ({other.name})")
        for name, (written, _) in self.sets.items():
            given = [
                n
                for n, s in zip(names, self._sources, strict=True)
                if name in s.columns
            ]
            if given:
                raise ExportError(
                    Said(
                        "error.set_given",
                        name=name,
                        value=written,
                        file=given[0],
                    )
                )
            self.columns[name] = f"--set {name}={written}"
        self._given_elsewhere = {
            name
            for other in self.others
            for name in other.source.columns
            if name not in other.derived
        }
        self._later_notes: list[str] = []
        self.encoding = self.spine.encoding
        self.header_row = self.spine.header_row
        self.memory_rows = self.spine.memory_rows
        self._chunks: list[Chunk] | None = None
        self._differences: dict[tuple[str, str], int] = {}
        self.coverage: dict[str, float] | None = None

    @property
    def in_memory(self) -> bool:
        return self._chunks is not None

    @property
    def holds_rows(self) -> bool:
        """As :attr:`ExportSource.holds_rows` (the joined chunks are kept
        when the spine has few enough rows)."""
        return self._chunks is not None or self.spine.rows_read <= MEMORY_ROWS

    @property
    def notes(self) -> list[str]:
        """The spine's readings, the other files' (named), how signals were
        combined; some are known only once the chunks have been read."""
        elsewhere = self._given_elsewhere
        notes = [
            note
            for note in self.spine.notes
            if not any(note.startswith(f"derived: {n} =") for n in elsewhere)
        ]
        for name in sorted(elsewhere & self._spine_derived):
            notes.append(
                Said(
                    "note.from_other",
                    name=name,
                    header=self.columns[name],
                    file=self.spine.path.name,
                )
            )
        for other in self.others:
            notes += [
                Said("note.of_file", file=other.name, note=note)
                for note in other.source.notes
            ]
        notes += [Said("note.set", name=n, value=w) for n, (w, _) in self.sets.items()]
        return notes + self._later_notes

    def chunks(self) -> Iterator[Chunk]:
        """The joined catalog's validated chunks."""
        if self._chunks is not None:
            yield from self._chunks
            return
        keep: list[Chunk] | None = [] if self.spine.rows_read <= MEMORY_ROWS else None
        seen = schema.SeenIds()
        found = np.zeros(len(self.others), dtype=np.int64)
        listings, last_row, first = 0, 0, None
        for number, chunk in enumerate(self.spine.chunks()):
            rows = [*chunk.raw.index, *chunk.rejects.get(REJECT_ROW, [])]
            if rows:
                last_row = max(last_row, int(max(rows)))
            listings += len(chunk.data)
            joined = self._joined(chunk, seen, found, first=number == 0)
            if first is None:
                first, spine_raw = joined, chunk.raw.columns
            if keep is not None:
                keep.append(joined)
            yield joined
        if first is not None:
            first = Chunk(first.raw[spine_raw], first.data, first.rejects)
        extra = self._only_in_others(seen, first, last_row + 1)
        if extra is not None:
            listings += len(extra.data)
            if keep is not None:
                keep.append(extra)
            yield extra
        self._settle(listings, found)
        if keep is not None:
            self._chunks = keep

    def _joined(
        self, chunk: Chunk, seen: schema.SeenIds, found: np.ndarray, first: bool
    ) -> Chunk:
        """A chunk of the first export joined with the rows the others give
        for its listings (``found`` counts them, per export); its ids added
        to ``seen``. The ``first`` chunk also carries the others' rejects."""
        data, raw = chunk.data, chunk.raw
        for k, other in enumerate(self.others):
            data, raw, hits = self._join(data, raw, other)
            found[k] += hits
        seen.add(chunk.data["listing_id"])
        # A listing the spine rejected is not new because a later file has it.
        id_header = self.spine.columns["listing_id"]
        if len(chunk.rejects) and id_header in chunk.rejects.columns:
            seen.add(id_text(chunk.rejects[id_header]).dropna())
        rejects = self._other_rejects(chunk.rejects) if first else chunk.rejects
        joined = Chunk(raw, self._finish(data), rejects, chunk.not_listings)
        if first:
            joined.not_listings += sum(o.not_listings for o in self.others)
        return joined

    def _settle(self, listings: int, found: np.ndarray) -> None:
        """After a whole pass: each file's share of the ``listings``, and the
        notes of values the files give differently."""
        spine_share = 1.0 if not listings else (listings - self._extra_rows) / listings
        self.coverage = {self._names[0]: spine_share}
        for k in range(len(self.others)):
            share = (found[k] + self._extra_found[k]) / listings if listings else 1.0
            self.coverage[self._names[k + 1]] = float(share)
        # Assigned, not added to: a streamed catalog is read again each pass.
        self._later_notes = [
            Said(
                "note.differ",
                name=name,
                count=count,
                first=self._names[0],
                other=other,
            )
            for (name, other), count in self._differences.items()
        ]
        self._differences.clear()

    def _join(self, data: pd.DataFrame, raw: pd.DataFrame, other: _Held):
        ids = data["listing_id"]
        given = other.data.reindex(ids.to_numpy())
        given.index = data.index
        hits = int(ids.isin(other.data.index).sum())
        data = data.copy()
        for name in given.columns:
            theirs = given[name]
            if name not in data.columns:
                data[name] = theirs
                continue
            ours = data[name]
            mine_derived = name in self._spine_derived
            if mine_derived and name not in other.derived:
                # A value the other file gives beats one derived from parts.
                data[name] = theirs.where(theirs.notna(), ours)
                continue
            if name in EDITED_TEXT:
                self._note_differences(name, ours, theirs, other)
            elif not mine_derived and name not in other.derived:
                self._agree(name, ours, theirs, ids, other)
            data[name] = ours.where(ours.notna(), theirs)
        passed = [c for c in other.raw.columns if c not in raw.columns]
        if passed:
            extra = other.raw[passed].reindex(ids.to_numpy())
            extra.index = raw.index
            raw = pd.concat([raw, extra], axis=1)
        return data, raw, hits

    def _note_differences(self, name, ours, theirs, other: _Held) -> None:
        both = ours.notna() & theirs.notna()
        differ = int(
            (ours[both].astype("string") != theirs[both].astype("string")).sum()
        )
        if differ:
            self._differences[(name, other.name)] = (
                self._differences.get((name, other.name), 0) + differ
            )

    def _agree(self, name, ours, theirs, ids, other: _Held) -> None:
        """Raise when two files give different values of one signal."""
        both = ours.notna() & theirs.notna()
        if not both.any():
            return
        a, b = ours[both], theirs[both]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            a_, b_ = a.astype("float64"), b.astype("float64")
            differ = ~np.isclose(a_, b_, rtol=AGREE_RTOL, atol=1e-9)
        else:
            differ = (a.astype("string") != b.astype("string")).to_numpy(dtype=bool)
        if differ.any():
            at = np.flatnonzero(differ)[0]
            listing = ids[both].iloc[at]
            raise ExportError(
                Said(
                    "error.files_disagree",
                    first=self._names[0],
                    other=other.name,
                    name=named("signal", name),
                    listing=listing,
                    one=_shown(a.iloc[at]),
                    two=_shown(b.iloc[at]),
                    more=int(differ.sum()) - 1,
                )
            )

    def _finish(self, data: pd.DataFrame) -> pd.DataFrame:
        """``--set`` values, and signals whose parts came from two files."""
        for name, (_, value) in self.sets.items():
            data[name] = value
        return schema.derive(data, fill=True)

    def _only_in_others(
        self, seen: schema.SeenIds, like: Chunk | None, first_row: int
    ) -> Chunk | None:
        """The listings only the other exports have, as one last chunk whose
        columns and types are those of the spine's chunks (``like``: the
        data of a joined chunk, the raw cells of the spine's); their rows are
        numbered on from the spine's last."""
        self._extra_rows = 0
        self._extra_found = np.zeros(len(self.others), dtype=np.int64)
        pieces = []
        for other in self.others:
            new = other.data.index[seen.first_rows(other.data.index.to_series()).isna()]
            pieces.append(pd.Index(new))
        if not pieces:
            return None
        ids = pieces[0]
        for piece in pieces[1:]:
            ids = ids.union(piece, sort=False)
        ids = ids.unique()
        if len(ids) == 0:
            return None
        rows = pd.RangeIndex(first_row, first_row + len(ids), name="row")
        data = pd.DataFrame({"listing_id": pd.array(ids, dtype="string")}, index=rows)
        raw = _empty_like(like.raw if like is not None else None, rows)
        spine = _empty_like(like.data if like is not None else None, rows)
        for name in spine.columns:
            if name != "listing_id":
                data[name] = spine[name]
        for k, other in enumerate(self.others):
            data, raw, hits = self._join(data, raw, other)
            self._extra_found[k] = hits
        self._fill_spine_cells(raw, ids)
        self._extra_rows = len(ids)
        if like is not None:
            data = data[[c for c in like.data.columns if c in data.columns]]
        return Chunk(raw, self._finish(data), self._empty_rejects(), 0)

    def _fill_spine_cells(self, raw: pd.DataFrame, ids) -> None:
        """The spine's own columns of listings only other files have: each
        canonical column (the id first) from the first file that gives it,
        as that file wrote it, so the output row says what it is."""
        for other in self.others:
            theirs = other.raw.reindex(ids)
            for name, header in self.spine.columns.items():
                source = other.source.columns.get(name)
                if header not in raw.columns or source not in theirs.columns:
                    continue
                column = raw[header]
                try:
                    given = pd.Series(theirs[source].to_numpy(), index=raw.index)
                    raw[header] = column.where(
                        column.notna(), given.astype(column.dtype)
                    )
                except (TypeError, ValueError):
                    continue  # a typed (parquet) column the text does not fit

    def _empty_rejects(self) -> pd.DataFrame:
        return pd.DataFrame(columns=[REJECT_ROW, REJECT_REASON])

    def _other_rejects(self, rejects: pd.DataFrame) -> pd.DataFrame:
        """The other files' rejects, each reason naming its file."""
        parts = [rejects]
        for other in self.others:
            if len(other.rejects):
                theirs = other.rejects.copy()
                theirs[REJECT_REASON] = reasons.written(
                    "reject.of_file", file=other.name, reason=theirs[REJECT_REASON]
                )
                parts.append(theirs)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else rejects

    def read(self) -> Export:
        """The whole joined catalog in memory, as one :class:`Export`."""
        export = whole_export(
            self,
            platforms={
                name: detect(source.layout.columns)
                for name, source in zip(self._names, self._sources, strict=True)
            },
            read_headers={h for s in self._sources for h in s.columns.values()},
        )
        export.coverage = dict(self.coverage or {})  # known once read through
        return export


def _empty_like(frame: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    """Missing values under ``frame``'s columns, in its types where they can
    hold a missing value."""
    out = pd.DataFrame(index=index)
    if frame is None:
        return out
    for name, dtype in frame.dtypes.items():
        try:
            out[name] = pd.Series(pd.NA, index=index, dtype=dtype)
        except (TypeError, ValueError):
            out[name] = pd.Series(np.nan, index=index)
    return out


def _shown(value) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)
