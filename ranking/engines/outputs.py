"""What every engine writes for a scored chunk: the output table's columns
(input columns, weight, percentile, top fixes, blockers) and the chunks of a
prepared export scored in threads. The local engine
(:mod:`ranking.engines.local`) and the Dask one
(:mod:`ranking.engines.cluster`) both write these rows, so their outputs agree
row for row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.explain import blockers, fixes
from ranking.model.pipeline import THREADS, Scored, in_threads
from ranking.model.workspace import Workspace
from ranking.reading.export import Chunk
from ranking.writing import writers

TOP_FIXES = 3


def output_columns() -> list[str]:
    """The columns ``score`` adds, in order."""
    columns = ["weight", "category_percentile"]
    for k in range(1, TOP_FIXES + 1):
        columns += [f"fix_{k}", f"fix_{k}_gain"]
    return [*columns, "blockers", "suggested_category"]


def scored_frame(prepared, chunk, scored, by="gain", effort=None) -> pd.DataFrame:
    """One chunk of the output: the chunk's rows as written, plus
    :func:`output_columns` (``scored``: the chunk's rows scored)."""
    applied = fixes.apply_fixes(prepared, scored)
    gains = fixes.gain_table(scored, applied)
    names, values = fixes.ranked_fixes(gains, by=by, effort=effort, top=TOP_FIXES)
    blocked = blockers.blocker_table(scored, prepared.profile, prepared.model)
    added = pd.DataFrame(index=chunk.raw.index)
    added["weight"] = scored.weight.round(2)
    added["category_percentile"] = prepared.percentile(scored).round(1)
    for k in range(TOP_FIXES):
        added[f"fix_{k + 1}"] = names[:, k]
        added[f"fix_{k + 1}_gain"] = np.round(values[:, k], 2)
    added["blockers"] = blocked["blockers"]
    added["suggested_category"] = blocked["suggested_category"]
    taken = set(chunk.raw.columns)
    added.columns = [f"{c}_ranking" if c in taken else c for c in added.columns]
    return pd.concat([chunk.raw, added], axis=1)


def output_writer(output: Path, view=None):
    """The writer of ``output`` (a dataset folder or one file) and how a
    scored frame is presented to it: an ``.xlsx`` through ``view`` when one
    is given (:class:`ranking.present.tables.ForPeople`: fixes in plain
    words, headers in a language), anything else as scored."""
    if (
        view is not None
        and not writers.is_dataset(output)
        and output.suffix.lower() == ".xlsx"
    ):
        return writers.TableWriter(output, view.headers), view
    return writers.open_writer(output), lambda frame: frame


#: Rows a thread writes at a time. Fixes copy the rows they change, eight
#: times over: a 250,000-row chunk took 0.6 GB a thread, this takes a fifth.
PIECE_ROWS = 50_000


def _pieces(prepared) -> Iterator[tuple[Chunk, Scored]]:
    """The scored chunks cut into pieces of :data:`PIECE_ROWS` rows; a chunk's
    rejects travel with its first piece."""
    for chunk, scored in prepared.scored_chunks():
        for start in range(0, max(len(chunk.data), 1), PIECE_ROWS):
            rows = slice(start, start + PIECE_ROWS)
            rejects = chunk.rejects if start == 0 else chunk.rejects.iloc[:0]
            piece = Chunk(chunk.raw.iloc[rows], chunk.data.iloc[rows], rejects)
            yield piece, scored.take(rows)


def scored_pieces(
    prepared, by, effort, threads: int | None = None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each piece's output rows and its rejects, in file order, written by
    ``threads`` threads (:data:`ranking.model.pipeline.THREADS` by default)."""

    def one(chunk, scored):
        return scored_frame(prepared, chunk, scored, by, effort), chunk.rejects

    yield from in_threads(one, _pieces(prepared), threads or THREADS)


def blocked_rows(frame: pd.DataFrame) -> int:
    """Rows of an output piece with at least one blocker."""
    return int(frame["blockers"].ne("").sum()) if "blockers" in frame else 0


def score_table(
    workspace: Workspace | str | Path,
    model_dir: str | Path | None = None,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_rows: int | None = None,
):
    """The scored table (input rows and columns, in input order, plus
    :func:`output_columns`) in memory, and the export's rejects. An export
    path is opened as a :class:`Workspace` with ``model_dir``."""
    prepared = Workspace.of(
        workspace, model_dir, strict=strict, chunk_rows=chunk_rows, progress=progress
    ).prepared
    frames, rejects = zip(*scored_pieces(prepared, by, effort), strict=True)
    table = pd.concat(frames).reset_index(drop=True)
    return table, pd.concat(rejects).reset_index(drop=True)
