"""Score a whole catalog: weight, percentile, the top fixes and blockers per row.

>>> summary = score_catalog("catalog.csv", "scored.xlsx")     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ranking.engines.cluster import score_on_cluster
from ranking.engines.outputs import (
    blocked_rows,
    output_writer,
    scored_pieces,
)
from ranking.errors import OutputError
from ranking.messages import Said
from ranking.model.drift import shifts_of
from ranking.model.workspace import Workspace
from ranking.reading.export import NOT_LISTING, REJECT_REASON
from ranking.writing import atomic, writers

ENGINES = ("local", "dask")


def score_catalog(
    workspace: Workspace | str | Path,
    output: str | Path,
    model_dir: str | Path | None = None,
    rejects_path: str | Path | None = None,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_rows: int | None = None,
    sets: Sequence[str] = (),
    engine: str = "local",
    scheduler: str | None = None,
    view=None,
    images_root: str | Path | None = None,
) -> dict:
    """Score every listing of an export and write the table to ``output``
    (format by extension; a name without one, or a folder, is a dataset
    folder of parquet files), written whole or not at all, chunk by chunk so
    memory stays flat. Rejected rows go to ``rejects_path``, by default
    ``<output stem>.rejects.csv`` beside it, when there are any. An ``.xlsx``
    is written through ``view`` when given
    (:class:`ranking.present.tables.ForPeople`: its fixes in plain words and
    its added headers in a language); CSV and parquet keep the factor names.

    ``engine="dask"`` scores on a Dask cluster (:mod:`ranking.engines.cluster`): the
    one at the ``scheduler`` address, else a local cluster sized to this
    machine; the output is the same, row for row.

    ``main_image`` files are read inside the export's folder only, and
    inside ``images_root`` too when given. An export path is opened as a
    :class:`Workspace` with ``model_dir`` and the reading options. Returns
    what was done."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    workspace = Workspace.of(
        workspace,
        model_dir,
        sets=sets,
        images_root=images_root,
        strict=strict,
        chunk_rows=chunk_rows,
        progress=progress,
    )
    output, rejects_file = _checked_outputs(output, rejects_path, workspace.inputs)
    rows, rejects, blocked, drift = _scored(
        engine, workspace, output, scheduler, by, effort, progress, view
    )
    written_rejects = _write_rejects(rejects, rejects_file, view)
    aside = _not_listings(rejects)
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


def _checked_outputs(
    output: str | Path, rejects_path: str | Path | None, inputs
) -> tuple[Path, Path]:
    """The output and the rejects file (``rejects_path``, else
    ``<output stem>.rejects.csv`` beside the output), each checked writable,
    neither an input nor the other."""
    output = Path(output)
    dataset = writers.is_dataset(output)
    if dataset:
        writers.check_dataset(output)
    else:
        atomic.check_writable(output)
    atomic.refuse_overwriting(output, *inputs)
    # The rejects file is checked before any work, the default one too:
    # `score scored.rejects.csv -o scored.csv` once replaced its own input.
    rejects_file = (
        Path(rejects_path)
        if rejects_path
        else output.with_name(f"{output.stem}.rejects.csv")
    )
    atomic.check_writable(rejects_file)
    atomic.refuse_overwriting(rejects_file, *inputs)
    if rejects_file.resolve() == output.resolve():
        raise OutputError(Said("error.rejects_is_output", path=rejects_file))
    return output, rejects_file


def _not_listings(rejects: pd.DataFrame) -> int:
    """How many rejected rows were set aside as not listings (a shop's
    summary line, a blank row), told apart from the rows found wrong."""
    if not len(rejects):
        return 0
    return int(rejects[REJECT_REASON].str.contains(NOT_LISTING).sum())


def _scored(engine, workspace, output, scheduler, by, effort, progress, view):
    """The table written by the chosen engine (the same, row for row): (rows
    written, rejects, rows blocked, drift)."""
    if engine == "dask":
        return score_on_cluster(
            workspace.paths,
            workspace.model,
            output,
            strict=workspace.strict,
            by=by,
            effort=effort,
            progress=progress,
            chunk_rows=workspace.chunk_rows,
            sets=workspace.sets,
            scheduler=scheduler,
            view=view,
            images_root=workspace.images_root,
        )
    return _score_here(workspace, output, by, effort, progress, view)


def _write_rejects(rejects: pd.DataFrame, rejects_file: Path, view) -> Path | None:
    """Write the rejected rows, when there are any, to ``rejects_file``,
    through ``view.rejects`` when given (the file is for people: its reasons
    in a language); the file written, else None."""
    if not len(rejects):
        return None
    shown = rejects if view is None else view.rejects(rejects)
    writers.write_table(shown, rejects_file)
    return rejects_file


def _score_here(workspace, output, by, effort, progress, view):
    """The local engine: (rows written, rejects, rows blocked, drift)."""
    prepared = workspace.prepared
    rejects, blocked = [], 0
    writer, present = output_writer(output, view)
    with writer:
        for frame, rejected in scored_pieces(prepared, by, effort):
            blocked += blocked_rows(frame)
            writer.write(present(frame))
            rejects.append(rejected)
            if progress:
                progress("chunk")
    rejects = pd.concat(rejects).reset_index(drop=True)
    return writer.rows, rejects, blocked, shifts_of(prepared)
