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

**Slow leaks** (:func:`leak_residuals`, :func:`_leaks`): a one-sided
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
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ranking.errors import ExportError
from ranking.explain.diff import (
    MIN_DROP,
    PARTS,
    by_id,
    judge_step,
    paired,
    positions_lost,
    split_changes,
)
from ranking.messages import Said
from ranking.model import cache
from ranking.model.cache import CachedPrepared
from ranking.model.features.common import categories
from ranking.model.pipeline import PreparedCatalog, Scored
from ranking.model.workspace import Workspace
from ranking.reading.catalog import export_files
from ranking.reading.export import read_ranks
from ranking.writing import atomic, writers

#: Most steps a leak's window spans (the test looks back this far).
WINDOW = 8
#: Fewest steps a leak's window spans: one or two falls are the drop test's.
MIN_STEPS = 3
#: A step's residual counts at most this much: one sudden fall is no trend.
CLIP = 3.5
#: Chance, at most, of any false leak in one step (Bonferroni).
ALPHA = 0.05
#: Counts that leak, each with the factor it belongs to; judged per visitor
#: when the export has visitors.
LEAK_SIGNALS: dict[str, str] = {
    "monthly_sales": "monthly_sales",
    "payer_count": "payer_count",
    "favorites": "favorites_cart",
    "add_to_cart": "favorites_cart",
    "visitors": "payer_count",
}
#: Version of the kept state's files (a change makes old states unread).
STATE_FORMAT = 3  # 2: each step's rows a file of its own; 3: longest window
#: Bands of the count a listing had (0–4, 5–19, 20–99, 100–499, 500+):
#: listings in one band share one noise scale.
BANDS = (0, 5, 20, 100, 500)

#: The spec's columns (§4, history output), first and in this order.
COLUMNS = (
    "listing_id",
    "period",
    "weight",
    "change",
    *(f"part_{p}" for p in PARTS),
    "flagged",
    "main_factor",
    "kind",
    "reason",
)


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
    (:func:`_checkpoint`), keyed by every export's bytes in order: a re-run
    with one more export resumes from it and takes one step.

    ``ranks_path``: the last export's observed ranks; each flagged listing's
    positions lost per keyword (its rank now against the rank it would hold
    at its weight before the fall, as ``diff`` places one). ``keep_table``:
    without ``output``, hold every row in :attr:`History.table` (a view that
    needs only the summary passes False: memory then stays flat)."""
    first = workspace
    steps = [first.on(path) for path in later]
    output = _checked_output(output, first, steps, ranks_path)
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    keep = len(steps) + cache.KEEP
    names = _chain(first, steps)
    resumed = _resume(names, first)
    if resumed is not None:
        state, prev, done, stored_rows = resumed
    else:
        state, done, stored_rows = _State(first.model), 0, None
        prev = _scored(first.prepared)
        state.start(prev, _period(first))
    frames: list[pd.DataFrame] = []
    staging = _staging(names)
    try:
        with contextlib.ExitStack() as stack:
            sink = None
            if output is not None:
                sink = stack.enter_context(writers.TableWriter(output))
            for k, stored in enumerate(stored_rows or []):
                # Each step's rows are a file of their own: linked into the
                # new state, not written again.
                if staging is not None:
                    _link(stored, staging / _step_file(k))
                for rows in _batches(stored):
                    if sink is not None:
                        sink.write(rows)
                    elif keep_table:
                        frames.append(rows)
            for k, step in enumerate(steps[done:], start=done):
                now = _scored(step.prepared_on(first, keep))
                rows = state.step(prev, now, _period(step))
                if staging is not None:
                    writers.write_table(rows, staging / _step_file(k))
                if sink is not None:
                    sink.write(rows)
                elif keep_table:
                    frames.append(rows)
                # A listing missing from this export is met again at its last
                # row: the step it returns in is judged from where it was.
                prev = by_id([(None, now), (None, prev)])
                if progress:
                    progress(_period(step))
        if staging is not None:
            _checkpoint(staging, names, state, prev)  # moves staging away
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    table = pd.concat(frames, ignore_index=True) if frames else None
    periods = state.periods
    flags = state.flag_table()
    keywords = [] if ranks is None else _keywords(flags, prev, ranks)
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


#: History checkpoints kept (each a run's state after its last export).
CHECKPOINTS = 4


def _chain(first: Workspace, steps: list[Workspace]) -> list[str] | None:
    """Each export's cache entry name, in order (None when not cached, or
    the model was made in memory)."""
    if not first.cached:
        return None
    names = [
        cache.entry_name(w.paths, w.model, w.sets, w.images_root)
        for w in (first, *steps)
    ]
    return None if any(n is None for n in names) else names


def _key(names: list[str]) -> str:
    # The test's settings too: a state kept under others is not resumed.
    settings = [STATE_FORMAT, WINDOW, MIN_STEPS, CLIP, ALPHA, MIN_DROP]
    text = "|".join(["history", *map(str, settings), *names])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _folder(key: str) -> Path:
    return cache.cache_root() / "history" / key


def _staging(names: list[str] | None) -> Path | None:
    if names is None:
        return None
    root = cache.cache_root() / "history"
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".state.", dir=root))
    except OSError:  # a cache that cannot be written costs time, not the run
        return None


def _resume(names: list[str] | None, first: Workspace):
    """The state kept after the longest run of these exports' first ones
    (at least two), or None: ``(state, prev, steps done, its rows)``."""
    if names is None:
        return None
    for count in range(len(names), 1, -1):
        folder = _folder(_key(names[:count]))
        if not (folder / "done").exists():
            continue
        try:
            cache.verify_entry(folder)
            state, prev = _State.load(folder, first)
            os.utime(folder / "done")
            steps = [folder / _step_file(k) for k in range(count - 1)]
            if not all(step.is_file() for step in steps):
                raise cache.DamagedEntry(f"{folder.name}: a step's rows are missing")
            return state, prev, count - 1, steps
        except Exception:  # noqa: BLE001 - a damaged state is only a copy
            shutil.rmtree(folder, ignore_errors=True)
    return None


def _step_file(k: int) -> str:
    return f"rows-{k:05d}.parquet"


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links
        shutil.copyfile(source, target)


def _batches(path: Path):
    """A kept step's rows, batch by batch (memory stays flat)."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=100_000):
        yield batch.to_pandas()


def _checkpoint(staging: Path, names: list[str], state, prev: Scored) -> None:
    """Keep the run's state (beside each step's rows, already in
    ``staging``) under the key of its exports; the oldest beyond
    :data:`CHECKPOINTS` go."""
    try:
        state.save(staging, prev)
        cache.seal_entry(staging)
        folder = _folder(_key(names))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
        kept = [p for p in folder.parent.iterdir() if (p / "done").exists()]
        kept.sort(key=lambda p: (p / "done").stat().st_mtime, reverse=True)
        for stale in kept[CHECKPOINTS:]:
            shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


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


def leak_residuals(old: pd.DataFrame, new: pd.DataFrame, category) -> pd.DataFrame:
    """Per listing (rows aligned) and leak signal (:data:`LEAK_SIGNALS` the
    exports carry): the step's standardised, category-relative log move —
    per visitor where the exports carry visitors (the listing's own traffic
    taken out), else of the count — clipped to ±:data:`CLIP`; NaN where a
    side is unknown."""
    key = pd.factorize(np.asarray(category, dtype=object))[0]
    per_visitor = "visitors" in old.columns and "visitors" in new.columns
    out = {}
    for name in LEAK_SIGNALS:
        if name not in old.columns or name not in new.columns:
            continue
        before = old[name].reset_index(drop=True).astype("float64")
        after = new[name].reset_index(drop=True).astype("float64")
        move = np.log((after + 0.5) / (before + 0.5))
        if per_visitor and name != "visitors":
            v_old = old["visitors"].reset_index(drop=True).astype("float64")
            v_new = new["visitors"].reset_index(drop=True).astype("float64")
            move = move - np.log((v_new + 0.5) / (v_old + 0.5))
        move = move.where(before.notna() & after.notna())
        centred = move - move.groupby(key).transform("median")
        # By the count it had: a listing that fell stays among its peers.
        band = np.searchsorted(BANDS, before.fillna(0), side="right")
        spread = 1.4826 * centred.abs().groupby(band).transform("median")
        z = centred / spread.clip(lower=0.01)
        out[name] = z.clip(-CLIP, CLIP).to_numpy()
    return pd.DataFrame(out)


def leak_threshold(listings: int, signals: int) -> float:
    """The windowed sum's cut-off: Bonferroni over every listing, signal and
    window length tested in one step, at :data:`ALPHA`."""
    from scipy.stats import norm

    tests = max(listings, 1) * max(signals, 1) * (WINDOW - MIN_STEPS + 1)
    return float(norm.ppf(ALPHA / tests))


class _State:
    """What a history keeps from step to step: per listing (rows in the
    order first seen) a window of leak residuals, parts and weights, the
    span's totals, and one weight per export."""

    def __init__(self, model):
        self.model = model
        self.ids = pd.Index([], dtype="string")
        self.flags: list[pd.DataFrame] = []
        self.medians: list[float] = []
        self.weights: list[np.ndarray] = []  # per export, by row (float32)
        self.first_count = 0

    def start(self, scored: Scored, period: str) -> None:
        ids = scored.data["listing_id"].astype("string").to_numpy()
        self.first_count = len(ids)
        self._grow(ids)
        self.residual: dict[str, np.ndarray] = {}
        n = len(self.ids)
        self.parts = np.zeros((n, WINDOW, len(PARTS)))
        self.past = np.full((n, WINDOW + 1), np.nan)
        self.total = np.zeros((n, len(PARTS)))
        self.first = np.full(n, np.nan)
        self.last = np.full(n, np.nan)
        self.worst = np.zeros(n)
        self.worst_at = np.full(n, -1)
        self.category = np.full(n, "", dtype=object)
        self.steps = 0
        self._record(ids, scored, period)

    def _grow(self, ids) -> np.ndarray:
        """Rows of ``ids``, new ids appended (and every array grown)."""
        new = pd.Index(ids).difference(self.ids, sort=False)
        if len(new):
            old = len(self.ids)
            self.ids = self.ids.append(pd.Index(new, dtype="string"))
            if hasattr(self, "parts"):
                grow = len(self.ids) - old
                self.parts = _pad(self.parts, grow, 0.0)
                self.past = _pad(self.past, grow, np.nan)
                self.total = _pad(self.total, grow, 0.0)
                self.first = _pad(self.first, grow, np.nan)
                self.last = _pad(self.last, grow, np.nan)
                self.worst = _pad(self.worst, grow, 0.0)
                self.worst_at = _pad(self.worst_at, grow, -1)
                self.category = _pad(self.category, grow, "")
                for name, values in self.residual.items():
                    self.residual[name] = _pad(values, grow, np.nan)
        return self.ids.get_indexer(ids)

    def _record(self, ids, scored: Scored, period: str) -> None:
        rows = self._grow(ids)
        weight = scored.weight.to_numpy(dtype="float64")
        self.past = np.roll(self.past, -1, axis=1)
        self.past[:, -1] = np.nan
        self.past[rows, -1] = weight
        fresh = np.isnan(self.first[rows])
        self.first[rows[fresh]] = weight[fresh]
        self.last[:] = np.nan
        self.last[rows] = weight
        column = np.full(len(self.ids), np.nan, dtype="float32")
        column[rows] = weight
        self.weights.append(column)
        self.medians.append(float(np.median(weight)) if len(weight) else np.nan)
        self.category[rows] = categories(scored.data).astype(str).to_numpy()
        self.periods = [*getattr(self, "periods", []), period]

    def step(self, prev: Scored, now: Scored, period: str) -> pd.DataFrame:
        both, old_s, new_s, _gone, added = paired(prev, now)
        table = split_changes(self.model, old_s, new_s)
        judge_step(table, old_s, new_s)
        self._record(now.data["listing_id"].astype("string").to_numpy(), now, period)
        self.steps += 1
        rows = self.ids.get_indexer(pd.Index(both).astype("string"))
        part_values = table[[f"part_{p}" for p in PARTS]].to_numpy()
        self.parts = np.roll(self.parts, -1, axis=1)
        self.parts[:, -1, :] = 0.0
        self.parts[rows, -1, :] = part_values
        self.total[rows] += part_values
        change = table["change"].to_numpy()
        worse = change < self.worst[rows]
        self.worst[rows[worse]] = change[worse]
        self.worst_at[rows[worse]] = len(self.periods) - 1

        residuals = leak_residuals(old_s.data, new_s.data, table["category"])
        for name in residuals.columns:
            if name not in self.residual:
                self.residual[name] = np.full((len(self.ids), WINDOW), np.nan)
            buffer = np.roll(self.residual[name], -1, axis=1)
            buffer[:, -1] = np.nan
            buffer[rows, -1] = residuals[name].to_numpy()
            self.residual[name] = buffer

        kind = np.where(table["flagged"].to_numpy(), "drop", "")
        reason = np.full(len(table), "", dtype=object)
        main = table["main_factor"].to_numpy(dtype=object)
        lost = np.where(table["flagged"], table["lost_unusually"], np.nan)
        since = np.full(len(table), "", dtype=object)
        dropped = np.flatnonzero(table["flagged"].to_numpy())
        for i in dropped:
            reason[i] = Said(
                "history.drop_reason",
                factor=main[i],
                lost=round(float(-lost[i]), 2),
            )
        # A drop is news once: the leak windows start afresh after it, so
        # its fall (and what follows it) is not counted again as a trend.
        for buffer in self.residual.values():
            buffer[rows[dropped], :] = np.nan
        leaks = self._leaks(rows, kind == "")
        for i, (factor, signal, window, lost_since) in leaks.items():
            kind[i], main[i] = "leak", factor
            start = self.periods[-1 - window]
            since[i], lost[i] = start, -lost_since
            reason[i] = Said(
                "history.leak_reason",
                factor=factor,
                signal=signal,
                steps=window,
                since=start,
                lost=round(float(lost_since), 2),
            )
        flagged = kind != ""
        out = table[["change", *(f"part_{p}" for p in PARTS)]].copy()
        out.insert(0, "listing_id", both)
        out.insert(1, "period", period)
        out.insert(2, "weight", table["weight_new"].to_numpy())
        out["flagged"] = flagged
        out["main_factor"] = np.where(flagged, main, "")
        out["kind"] = kind
        out["reason"] = reason.astype(str)
        if flagged.any():
            picked = out[flagged].copy()
            # Kept as Said (object dtype, not str): a view words it again.
            picked["reason"] = pd.Series(
                list(reason[flagged]), index=picked.index, dtype=object
            )
            picked["lost"] = lost[flagged]
            picked["since"] = np.where(kind[flagged] == "leak", since[flagged], period)
            self.flags.append(
                picked[
                    [
                        "listing_id",
                        "period",
                        "kind",
                        "main_factor",
                        "weight",
                        "change",
                        "lost",
                        "since",
                        "reason",
                    ]
                ]
            )
        new_rows = pd.DataFrame(
            {
                "listing_id": added.data["listing_id"].to_numpy(),
                "period": period,
                "weight": added.weight.to_numpy(),
                "flagged": False,
                "main_factor": "",
                "kind": "",
                "reason": "",
            }
        )
        out = pd.concat([out, new_rows], ignore_index=True) if len(new_rows) else out
        return out[list(COLUMNS)]

    def _leaks(self, rows: np.ndarray, free: np.ndarray) -> dict:
        """Listings (positions in this step's table) whose windowed residual
        sum passes the Bonferroni cut-off: ``{i: (factor, signal, window,
        weight lost since it began)}``; their windows start afresh."""
        if not self.residual:
            return {}
        threshold = leak_threshold(len(rows), len(self.residual))
        # Of the windows that pass, the longest (the trend's whole length so
        # far: its loss is counted from where it began), then the lowest z.
        chosen = np.full(len(rows), -np.inf)
        signal = np.full(len(rows), "", dtype=object)
        window = np.zeros(len(rows), dtype=int)
        for name, buffer in self.residual.items():
            mine = buffer[rows]
            # Windows ending now, W steps long: sums of the last W residuals,
            # a window with a missing step not tested.
            tail = np.cumsum(mine[:, ::-1], axis=1)
            for w in range(MIN_STEPS, min(WINDOW, self.steps) + 1):
                z = np.nan_to_num(tail[:, w - 1] / np.sqrt(w), nan=np.inf)
                key = np.where(z <= threshold, w * 1e3 - z, -np.inf)
                better = key > chosen
                chosen[better], signal[better], window[better] = key[better], name, w
        hit = np.flatnonzero(np.isfinite(chosen) & free)
        out = {}
        for i in hit:
            row, w, name = rows[i], window[i], signal[i]
            factor = LEAK_SIGNALS[name]
            parts = self.parts[row, -w:, :].sum(axis=0)
            if name == "visitors":  # traffic: the factor it cost most
                factor = PARTS[int(np.argmin(parts[: len(PARTS) - 1]))]
            if parts[PARTS.index(factor)] > -MIN_DROP:
                continue
            # From its weight when the window began (or first seen in it).
            seen = self.past[row, -1 - w :]
            lost_since = seen[np.isfinite(seen)][0] - self.past[row, -1]
            out[i] = (factor, name, int(w), float(lost_since))
            for buffer in self.residual.values():
                buffer[row, :] = np.nan
        return out

    ARRAYS = ("parts", "past", "total", "first", "last", "worst", "worst_at")

    def save(self, folder: Path, prev: Scored) -> None:
        """Write the state (and ``prev``, the rows the next step starts
        from) as plain files: NPZ without pickles, Parquet, JSON."""
        arrays = {name: getattr(self, name) for name in self.ARRAYS}
        arrays |= {f"residual/{k}": v for k, v in self.residual.items()}
        n = len(self.ids)
        arrays["weights"] = np.column_stack(
            [_pad(w, n - len(w), np.nan) for w in self.weights]
        )
        np.savez(folder / "state.npz", **arrays)
        pd.DataFrame(
            {"listing_id": self.ids.astype(str), "category": self.category.astype(str)}
        ).to_parquet(folder / "ids.parquet", index=False)
        flags = self.flag_table()
        reasons = [
            json.dumps([r.key, r.fields] if isinstance(r, Said) else ["", {"text": r}])
            for r in flags["reason"]
        ]
        flags.assign(reason=reasons).to_parquet(folder / "flags.parquet", index=False)
        data = prev.data.copy()
        for name in prev.title_fit.columns:
            data[f"_fit_{name}"] = prev.title_fit[name].to_numpy()
        data.to_parquet(folder / "prev.parquet", index=False)
        meta = {
            "periods": self.periods,
            "medians": self.medians,
            "first_count": self.first_count,
            "steps": self.steps,
            "fits": list(prev.title_fit.columns),
        }
        (folder / "state.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, first: Workspace) -> tuple[_State, Scored]:
        """A state :meth:`save` wrote, and its ``prev`` scored again on
        ``first``'s prepared state."""
        state = cls(first.model)
        meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        ids = pd.read_parquet(folder / "ids.parquet")
        state.ids = pd.Index(ids["listing_id"].astype("string"))
        state.category = np.array(ids["category"].astype(object), dtype=object)
        with np.load(folder / "state.npz", allow_pickle=False) as stored:
            for name in cls.ARRAYS:
                setattr(state, name, np.array(stored[name]))
            state.residual = {
                k.split("/", 1)[1]: np.array(stored[k])
                for k in stored.files
                if "/" in k
            }
            weights = stored["weights"]
        state.weights = [np.array(weights[:, k]) for k in range(weights.shape[1])]
        state.periods = list(meta["periods"])
        state.medians = list(meta["medians"])
        state.first_count = int(meta["first_count"])
        state.steps = int(meta["steps"])
        flags = pd.read_parquet(folder / "flags.parquet")
        said = []
        for text in flags["reason"]:
            key, fields = json.loads(text)
            said.append(Said(key, **fields) if key else fields["text"])
        flags["reason"] = pd.Series(said, index=flags.index, dtype=object)
        state.flags = [flags] if len(flags) else []
        data = pd.read_parquet(folder / "prev.parquet")
        fits = data[[f"_fit_{n}" for n in meta["fits"]]]
        fits.columns = meta["fits"]
        if "best_category" in fits.columns:
            fits = fits.assign(best_category=fits["best_category"].astype("string"))
        data = data.drop(columns=[f"_fit_{n}" for n in meta["fits"]])
        prev = first.prepared.score(data, fits)
        return state, prev

    def flag_table(self) -> pd.DataFrame:
        if not self.flags:
            return pd.DataFrame(
                columns=[
                    "listing_id",
                    "period",
                    "kind",
                    "main_factor",
                    "weight",
                    "change",
                    "lost",
                    "since",
                    "reason",
                ]
            )
        flags = pd.concat(self.flags, ignore_index=True)
        return flags.sort_values("lost", kind="stable").reset_index(drop=True)

    def losers(self, periods: list[str]) -> pd.DataFrame:
        """Every listing seen, by weight lost first → last, largest first."""
        change = self.last - self.first
        main = np.asarray(PARTS, dtype=object)[np.argmin(self.total, axis=1)]
        when = np.where(
            self.worst_at >= 0, np.asarray(periods, dtype=object)[self.worst_at], ""
        )
        out = pd.DataFrame(
            {
                "listing_id": self.ids.to_numpy(),
                "category": self.category,
                "weight_first": self.first,
                "weight_last": self.last,
                "change": change,
                "main_factor": np.where(change < 0, main, ""),
                "when": np.where(change < 0, when, ""),
            }
        )
        out = out[out["change"].notna()]
        return out.sort_values("change", kind="stable").reset_index(drop=True)

    def series(self) -> dict[str, list[float]]:
        """Weight per export of every flagged listing."""
        if not self.flags:
            return {}
        wanted = pd.concat(self.flags)["listing_id"].astype("string").unique()
        rows = self.ids.get_indexer(wanted)
        n = len(self.ids)
        matrix = np.column_stack([_pad(w, n - len(w), np.nan) for w in self.weights])
        return {
            str(listing): [float(v) for v in matrix[row]]
            for listing, row in zip(wanted, rows, strict=True)
        }


def _pad(values: np.ndarray, more: int, fill) -> np.ndarray:
    """``values`` with ``more`` rows of ``fill`` below."""
    if more <= 0:
        return values
    shape = (more, *values.shape[1:])
    return np.concatenate([values, np.full(shape, fill, dtype=values.dtype)])


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
    "in_time_order",
    "leak_residuals",
    "leak_threshold",
]
