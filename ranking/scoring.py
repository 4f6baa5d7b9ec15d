"""Score a whole catalog: weight, percentile, the top fixes and blockers per row.

>>> summary = score_catalog("catalog.csv", "scored.xlsx")     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ranking import blockers, fixes, io
from ranking.catalog import input_files, open_catalog
from ranking.drift import shifts_of
from ranking.errors import OutputError
from ranking.export import NOT_LISTING, REJECT_REASON, Chunk
from ranking.features import FACTORS
from ranking.persist import load_model, model_inputs

if TYPE_CHECKING:
    from ranking.pipeline import Scored

TOP_FIXES = 3
#: Steps reported to ``progress`` before the chunks: the profile, the scores.
STEPS = 2


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


def for_people(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A scored frame as an Excel reader wants it: each fix in plain words of
    ``lang``, blockers by their operators' names (columns stay as they are;
    their header words are :func:`header_words`)."""
    from ranking.lang import factor_word, fix_words, say

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
    from ranking.lang import say

    return {name: say(f"column.{name}", lang) for name in output_columns()}


def output_writer(output: Path, lang: str = "en"):
    """The writer of ``output`` (a dataset folder or one file) and how a
    scored frame is presented to it: an ``.xlsx`` for people
    (:func:`for_people`, :func:`header_words`), anything else as scored."""
    if not io.is_dataset(output) and output.suffix.lower() == ".xlsx":
        writer = io.TableWriter(output, header_words(lang))
        return writer, lambda frame: for_people(frame, lang)
    return io.open_writer(output), lambda frame: frame


def prepare_export(
    export_path,
    model_dir,
    strict=False,
    progress=None,
    chunk_rows=None,
    sets=(),
    images_root=None,
):
    """The export(s) opened as one catalog and prepared against the model
    (``images_root``: a folder images may be read from besides the
    export's)."""
    from ranking import pipeline

    model, _ = load_model(model_dir)
    options = {} if chunk_rows is None else {"chunk_rows": chunk_rows}
    source = open_catalog(
        export_path, strict=strict, sets=sets, images_root=images_root, **options
    )
    return pipeline.prepare(source, model, progress=progress)


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
    ``threads`` threads (:data:`ranking.pipeline.THREADS` by default)."""
    from ranking.pipeline import THREADS, in_threads

    def one(chunk, scored):
        return scored_frame(prepared, chunk, scored, by, effort), chunk.rejects

    yield from in_threads(one, _pieces(prepared), threads or THREADS)


def blocked_rows(frame: pd.DataFrame) -> int:
    """Rows of an output piece with at least one blocker."""
    return int(frame["blockers"].ne("").sum()) if "blockers" in frame else 0


def score_table(
    export_path: str | Path,
    model_dir: str | Path,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_rows: int | None = None,
):
    """The scored table (input rows and columns, in input order, plus
    :func:`output_columns`) in memory, and the export's rejects."""
    prepared = prepare_export(export_path, model_dir, strict, progress, chunk_rows)
    frames, rejects = zip(*scored_pieces(prepared, by, effort), strict=True)
    table = pd.concat(frames).reset_index(drop=True)
    return table, pd.concat(rejects).reset_index(drop=True)


ENGINES = ("local", "dask")


def score_catalog(
    export_path: str | Path,
    output: str | Path,
    model_dir: str | Path,
    rejects_path: str | Path | None = None,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_rows: int | None = None,
    sets: Sequence[str] = (),
    engine: str = "local",
    scheduler: str | None = None,
    lang: str = "en",
    images_root: str | Path | None = None,
) -> dict:
    """Score every listing of an export and write the table to ``output``
    (format by extension; a name without one, or a folder, is a dataset
    folder of parquet files), written whole or not at all, chunk by chunk so
    memory stays flat. Rejected rows go to ``rejects_path``, by default
    ``<output stem>.rejects.csv`` beside it, when there are any. An ``.xlsx``
    is for people: its fixes in plain words and its added headers in
    ``lang`` (:func:`for_people`); CSV and parquet keep the factor names.

    ``engine="dask"`` scores on a Dask cluster (:mod:`ranking.cluster`): the
    one at the ``scheduler`` address, else a local cluster sized to this
    machine; the output is the same, row for row.

    ``main_image`` files are read inside the export's folder only, and
    inside ``images_root`` too when given. Returns what was done."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    images_root = None if images_root is None else Path(images_root)
    output = Path(output)
    dataset = io.is_dataset(output)
    if dataset:
        io.check_dataset(output)
    else:
        io.check_writable(output)
    inputs = [*input_files(export_path), *model_inputs(model_dir)]
    io.refuse_overwriting(output, *inputs)
    # The rejects file is checked before any work, the default one too:
    # `score scored.rejects.csv -o scored.csv` once replaced its own input.
    rejects_file = (
        Path(rejects_path)
        if rejects_path
        else output.with_name(f"{output.stem}.rejects.csv")
    )
    io.check_writable(rejects_file)
    io.refuse_overwriting(rejects_file, *inputs)
    if rejects_file.resolve() == output.resolve():
        raise OutputError(
            f"{rejects_file}: is the output too; give --rejects another name"
        )
    if engine == "dask":
        from ranking.cluster import score_on_cluster

        model, _ = load_model(model_dir)
        written = score_on_cluster(
            export_path,
            model,
            output,
            strict=strict,
            by=by,
            effort=effort,
            progress=progress,
            chunk_rows=chunk_rows,
            sets=sets,
            scheduler=scheduler,
            lang=lang,
            images_root=images_root,
        )
    else:
        written = _score_here(
            export_path,
            output,
            model_dir,
            strict,
            by,
            effort,
            progress,
            chunk_rows,
            sets,
            lang,
            images_root,
        )
    rows, rejects, blocked, drift = written
    written_rejects = None
    if len(rejects):
        written_rejects = rejects_file
        io.write_table(rejects, written_rejects)
    aside = (
        int(rejects[REJECT_REASON].str.contains(NOT_LISTING).sum())
        if len(rejects)
        else 0
    )
    return {
        "rows": rows,
        "rejects": len(rejects) - aside,
        "not_listings": aside,
        "output": str(output),
        "rejects_file": str(written_rejects) if written_rejects else None,
        "blocked": blocked,
        "drift": drift,
        "engine": engine,
    }


def _score_here(
    export_path,
    output,
    model_dir,
    strict,
    by,
    effort,
    progress,
    chunk_rows,
    sets,
    lang,
    images_root=None,
):
    """The local engine: (rows written, rejects, rows blocked, drift)."""
    prepared = prepare_export(
        export_path, model_dir, strict, progress, chunk_rows, sets, images_root
    )
    rejects, blocked = [], 0
    writer, present = output_writer(output, lang)
    with writer:
        for frame, rejected in scored_pieces(prepared, by, effort):
            blocked += blocked_rows(frame)
            writer.write(present(frame))
            rejects.append(rejected)
            if progress:
                progress("chunk")
    rejects = pd.concat(rejects).reset_index(drop=True)
    return writer.rows, rejects, blocked, shifts_of(prepared)
