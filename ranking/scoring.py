"""Score a whole catalog: weight, percentile, the top fixes and blockers per row.

>>> summary = score_catalog("catalog.csv", "scored.xlsx")     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ranking import fixes, io
from ranking.export import read_export
from ranking.persist import load_model

TOP_FIXES = 3
#: Scoring steps reported to ``progress``: preparing, then one per factor.
STEPS = 1 + len(fixes.FIXES)


def output_columns() -> list[str]:
    """The columns ``score`` adds, in order."""
    columns = ["weight", "category_percentile"]
    for k in range(1, TOP_FIXES + 1):
        columns += [f"fix_{k}", f"fix_{k}_gain"]
    return [*columns, "blockers", "suggested_category"]


def score_table(
    export_path: str | Path,
    model_dir: str | Path,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
):
    """The scored table (input rows and columns, in input order, plus
    :func:`output_columns`) and the export it came from."""
    model, _ = load_model(model_dir)
    export = read_export(export_path, strict=strict)
    catalog = fixes.prepare(export.data, model, image_root=export.path.parent)
    if progress:
        progress("features")
    applied = fixes.apply_fixes(catalog, progress=progress)
    gains = fixes.gain_table(catalog, applied)
    names, values = fixes.ranked_fixes(gains, by=by, effort=effort, top=TOP_FIXES)
    blocked = fixes.blocker_table(catalog)
    added = pd.DataFrame(index=export.raw.index)
    added["weight"] = catalog.weight.round(2)
    added["category_percentile"] = catalog.percentile.round(1)
    for k in range(TOP_FIXES):
        added[f"fix_{k + 1}"] = names[:, k]
        added[f"fix_{k + 1}_gain"] = np.round(values[:, k], 2)
    added["blockers"] = blocked["blockers"]
    added["suggested_category"] = blocked["suggested_category"]
    taken = set(export.raw.columns)
    added.columns = [f"{c}_ranking" if c in taken else c for c in added.columns]
    table = pd.concat([export.raw, added], axis=1).reset_index(drop=True)
    return table, export


def score_catalog(
    export_path: str | Path,
    output: str | Path,
    model_dir: str | Path,
    rejects_path: str | Path | None = None,
    strict: bool = False,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Score every listing of an export and write the table to ``output``
    (format by extension, written whole or not at all). Rejected rows go to
    ``rejects_path``, by default ``<output stem>.rejects.csv`` beside it, when
    there are any. Returns what was done."""
    output = Path(output)
    io.check_writable(output)
    io.refuse_overwriting(output, Path(export_path))
    if rejects_path is not None:
        io.refuse_overwriting(Path(rejects_path), Path(export_path))
    table, export = score_table(export_path, model_dir, strict, by, effort, progress)
    io.write_table(table, output)
    written_rejects = None
    if len(export.rejects):
        written_rejects = (
            Path(rejects_path)
            if rejects_path
            else output.with_name(f"{output.stem}.rejects.csv")
        )
        io.write_table(export.rejects, written_rejects)
    return {
        "rows": len(table),
        "rejects": len(export.rejects),
        "output": str(output),
        "rejects_file": str(written_rejects) if written_rejects else None,
        "blocked": int(table["blockers"].ne("").sum()) if "blockers" in table else 0,
    }
