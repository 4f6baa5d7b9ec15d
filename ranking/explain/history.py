"""Watch it daily: many exports of one catalog over time, each step judged
as ``diff`` judges it, and the slow leaks no single step shows.

Every export is weighed on the **first** export's prepared state (its
yardsticks and title model, :meth:`Workspace.prepared_on`), so weights stay
on one scale over the whole span and a season the whole catalog shares shows
as the catalog's median move, not as listings' news. Each export is prepared
once and kept in the audit cache (keyed by its bytes and the first export's),
so a history re-run with one more day's export prepares only that one. Steps
are taken one after another holding two exports at a time; what is kept
across steps is a few numbers per listing (a window of :data:`WINDOW` steps
for the leak test, the span's first and last weight, each factor's total
part, one weight per export for the sparklines), so memory stays flat in the
number of exports.

**Sudden drops** are each step's unusual drops as
:func:`ranking.explain.diff.judge_step` finds them (signals against the
category's usual move that step). A step compares an export with the one
before, so a signal that fell and stays low is news in the step it fell and
not in the next ones; a drop also restarts the listing's leak windows, so
its fall is not counted again as a trend. A listing missing from an export
is compared, when it returns, with its last row.

**Slow leaks** (:mod:`ranking.explain.history_leaks`): a one-sided
windowed CUSUM — the sum of a listing's standardised step residuals over the
last ``W`` steps, ``Z = Σ r / √W``, for every window of :data:`MIN_STEPS` to
:data:`WINDOW` steps ending at this step — on the category-relative log move
of its orders, paying buyers, favourites and carts *per visitor* (the
listing's own traffic taken out, when the export has visitors; else the
counts themselves) and of its visitors. Each step residual is the log move
minus the category's median log move that step (a season or Double 11 moves
the median, not the listing), divided by 1.4826 · MAD of those centred moves
among listings of similar counts (noise shrinks as counts grow), and
clipped to ±:data:`CLIP` so one sudden drop is not a trend: a leak needs
several steps that each fall. Why this test: under ordinary drift the
residuals are independent and about N(0, 1), and for a constant fall per
step the sum is the likelihood-ratio (most powerful) statistic — the
cumulative move is judged, not any one step, which is what catches 12% a
week inside ±8% noise. Why not Mann-Kendall: on 8 exports its smallest
p-value is 4e-4, which no correction over 10,000 listings lets through.
False alarms are held down by Bonferroni: at each step the threshold is
``Φ⁻¹(ALPHA / (listings × signals × windows))``, so the chance of any false
leak in a step is at most :data:`ALPHA` (5%), whatever the catalog's size.
Of the windows that pass, the longest is taken (the trend so far), and
the leak is flagged only when the factor behind its signal lost at least
:data:`ranking.explain.diff.MIN_DROP` weight points over it; the flag names
that factor and the weight lost since the window began. A listing flagged
starts a fresh window (it is not flagged again for the same fall).

>>> first = Workspace.open("day1.csv", cached=True)            # doctest: +SKIP
>>> history(first, ["day2.csv", "day3.csv"]).flags             # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.explain import history_checkpoints as kept
from ranking.explain.diff import by_id, positions_lost
from ranking.explain.history_leaks import (
    ALPHA,
    CLIP,
    MIN_STEPS,
    WINDOW,
    leak_residuals,
    leak_threshold,
)
from ranking.explain.history_state import COLUMNS, State
from ranking.messages import Said
from ranking.model import cache
from ranking.model.cache import CachedPrepared
from ranking.model.pipeline import PreparedCatalog, Scored
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks
from ranking.reading.paths import export_files
from ranking.writing import atomic, writers


@dataclass
class History:
    """What :func:`history` found: the periods in order, the catalog's
    median weight per period, the flagged rows (``listing_id, period, kind,
    main_factor, weight, lost, since, reason``), the listings that lost most
    over the whole span (``listing_id, category, weight_first, weight_last,
    change, main_factor, when``), and each flagged listing's weight per
    period (NaN where absent). ``table`` holds every row when no output file
    was given."""

    periods: list[str]
    listings: int
    median_weight: list[float]
    flags: pd.DataFrame
    losers: pd.DataFrame
    series: dict[str, list[float]]
    output: Path | None = None
    table: pd.DataFrame | None = field(default=None, repr=False)
    keywords: list[dict] = field(default_factory=list)

    def to_dict(self, top: int = 20) -> dict:
        """The result as JSON data (English, whatever the view's language)."""
        return {
            "periods": self.periods,
            "listings": self.listings,
            "median_weight": [round(w, 2) for w in self.median_weight],
            "flagged": int(len(self.flags)),
            "drops": int((self.flags["kind"] == "drop").sum()),
            "leaks": int((self.flags["kind"] == "leak").sum()),
            "flags": _records(self.flags),
            "lost_most": _records(self.losers.head(top)),
            "keywords": self.keywords,
            "output": None if self.output is None else str(self.output),
        }


def in_time_order(exports: Sequence[str | Path]) -> list[Path]:
    """The exports a history runs over: several as given (in that order);
    one folder or glob as its files, in the order of the date each file's
    name carries (its last: 生意参谋's ``…_<start>_<end>``), else by name
    (numbers in their order). Fewer than two is an error."""
    paths = [Path(p) for p in exports]
    if len(paths) == 1:
        files = export_files(paths[0])
        dated = [_name_date(f) for f in files]
        if all(d is not None for d in dated):
            files = [f for _, f in sorted(zip(dated, files, strict=True))]
        paths = files
    if len(paths) < 2:
        raise ExportError(
            Said("error.history_one", path=exports[0] if exports else "history")
        )
    return paths


_DATE = re.compile(r"(20\d\d|19\d\d)[-_./年]?(\d{1,2})[-_./月]?(\d{1,2})")


def _name_date(path: Path) -> str | None:
    found = _DATE.findall(path.name)
    if not found:
        return None
    year, month, day = found[-1]
    return f"{year}-{int(month):02d}-{int(day):02d}"


def history_of(
    exports: Sequence[str | Path],
    model_dir: str | Path | None = None,
    sets: Sequence[str] = (),
    images_root: str | Path | None = None,
    **options,
) -> History:
    """:func:`history` of exports named on the command line: put in time
    order (:func:`in_time_order`), the first opened as a cached
    :class:`Workspace` with ``model_dir``, ``sets`` and ``images_root``;
    ``options`` as :func:`history` takes them."""
    paths = in_time_order(exports)
    first = Workspace.open(
        paths[0], model_dir, sets=sets, images_root=images_root, cached=True
    )
    return history(first, paths[1:], **options)


def history(
    workspace: Workspace,
    later: Sequence[str | Path],
    output: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    ranks_path: str | Path | None = None,
    keep_table: bool = True,
) -> History:
    """The history of ``workspace``'s export (the first) and the ``later``
    exports, in that order: one row per listing per later export (spec §4,
    history output; written to ``output`` when given, format by extension),
    the sudden drops and slow leaks flagged, the listings that lost most.

    With a cached workspace the run's state is kept in the cache too
    (:mod:`ranking.explain.history_checkpoints`), keyed by every export's
    bytes in order: a re-run with one more export resumes from it and takes
    one step.

    ``ranks_path``: the last export's observed ranks; each flagged listing's
    positions lost per keyword (its rank now against the rank it would hold
    at its weight before the fall, as ``diff`` places one). ``keep_table``:
    without ``output``, hold every row in :attr:`History.table` (a view that
    needs only the summary passes False: memory then stays flat)."""
    first = workspace
    steps = [first.on(path) for path in later]
    output = _checked_output(output, first, steps, ranks_path)
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    names = kept.chain(first, steps)
    state, prev, done, stored = _begin(names, first, steps)
    frames: list[pd.DataFrame] = []
    staging = kept.open_staging(names)
    try:
        with contextlib.ExitStack() as stack:
            sink = None
            if output is not None:
                sink = stack.enter_context(writers.TableWriter(output))
            emit = _emit(sink, frames if keep_table else None)
            for rows in kept.replay(stored, staging):
                emit(rows)
            prev = _take_steps(state, prev, first, steps, done, staging, emit, progress)
        if staging is not None:
            kept.checkpoint(staging, names, state, prev)  # moves staging away
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    table = pd.concat(frames, ignore_index=True) if frames else None
    return _found(state, prev, output, table, ranks)


def _begin(names: list[str] | None, first: Workspace, steps: list[Workspace]):
    """Where the run starts: a kept state of these exports' first ones, or
    a fresh one from ``first``: ``(state, prev, steps done, their rows)``."""
    resumed = kept.resume(names, [first, *steps])
    if resumed is not None:
        return resumed
    state, prev = State(first.model), _scored(first.prepared)
    state.start(prev, _period(first))
    return state, prev, 0, []


def _emit(sink, frames: list[pd.DataFrame] | None) -> Callable[[pd.DataFrame], None]:
    """Where a step's rows go: the output file, else ``frames`` (when the
    table is kept)."""

    def emit(rows: pd.DataFrame) -> None:
        if sink is not None:
            sink.write(rows)
        elif frames is not None:
            frames.append(rows)

    return emit


def _take_steps(
    state: State,
    prev: Scored,
    first: Workspace,
    steps: list[Workspace],
    done: int,
    staging: Path | None,
    emit: Callable[[pd.DataFrame], None],
    progress: Callable[[str], None] | None,
) -> Scored:
    """Each of ``steps`` not ``done`` yet, weighed on ``first``'s prepared
    state and judged against the one before; its rows kept in ``staging``
    and emitted. Returns the rows the next step would start from."""
    keep = len(steps) + cache.KEEP
    for k, step in enumerate(steps[done:], start=done):
        now = _scored(step.prepared_on(first, keep))
        rows = state.step(prev, now, _period(step))
        if staging is not None:
            writers.write_table(rows, staging / kept.step_file(k))
        emit(rows)
        # A listing missing from this export is met again at its last row:
        # the step it returns in is judged from where it was.
        prev = by_id([(None, now), (None, prev)])
        if progress:
            progress(_period(step))
    return prev


def _found(state: State, last: Scored, output, table, ranks) -> History:
    """What the run found, from its state after the last step."""
    periods = state.periods
    flags = state.flag_table()
    keywords = [] if ranks is None else _keywords(flags, last, ranks)
    return History(
        periods,
        state.first_count,
        state.medians,
        flags,
        state.losers(periods),
        state.series(),
        output,
        table,
        keywords,
    )


def _keywords(flags: pd.DataFrame, last: Scored, ranks) -> list[dict]:
    """Positions lost per keyword by each flagged listing: its rank at its
    weight in the last export against the rank at its weight before its
    largest flagged fall (:func:`ranking.explain.diff.positions_lost`)."""
    if not len(flags):
        return []
    worst = flags.sort_values("lost", kind="stable").drop_duplicates("listing_id")
    before = np.where(
        worst["kind"] == "drop",
        worst["weight"] - worst["change"],
        worst["weight"] - worst["lost"],
    )
    table = pd.DataFrame(
        {
            "listing_id": worst["listing_id"].to_numpy(),
            "status": "both",
            "flagged": True,
            "weight_old": before,
        }
    )
    return positions_lost(table, last, ranks)


def _checked_output(output, first: Workspace, steps: list[Workspace], ranks_path):
    """``output`` as a path, refused before any work when it cannot be
    written or would replace one of the run's inputs."""
    if output is None:
        return None
    output = Path(output)
    atomic.check_writable(output)
    inputs = [*first.inputs, *(f for s in steps for f in s.files)]
    inputs += [Path(ranks_path)] if ranks_path is not None else []
    atomic.refuse_overwriting(output, *inputs)
    return output


def _period(workspace: Workspace) -> str:
    """The export's file name (a joined export's first)."""
    return workspace.paths[0].name


def _scored(prepared: PreparedCatalog) -> Scored:
    """Every listing of a prepared export, scored, each id once."""
    if isinstance(prepared, CachedPrepared):
        data, fits = prepared.rows()
        data = data[~data["listing_id"].duplicated()]
        if fits is not None:
            fits = fits.loc[data.index].reset_index(drop=True)
        return prepared.score(data.reset_index(drop=True), fits)
    return by_id(prepared.scored_chunks())


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for record in frame.to_dict(orient="records"):
        out.append(
            {
                k: (round(v, 2) if isinstance(v, float) and v == v else v)
                for k, v in record.items()
            }
        )
    return out


__all__ = [
    "ALPHA",
    "CLIP",
    "COLUMNS",
    "History",
    "MIN_STEPS",
    "WINDOW",
    "history",
    "history_of",
    "in_time_order",
    "leak_residuals",
    "leak_threshold",
]
