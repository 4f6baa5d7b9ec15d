"""What a history keeps from step to step (:class:`State`): per listing a
window of leak residuals, factor parts and weights, the span's totals and
one weight per export; each step judged (drops as ``diff`` finds them, leaks
by the windowed test of :mod:`ranking.explain.history_leaks`) into the
step's rows and flags; the state written to plain files and read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.explain.diff import MIN_DROP, PARTS, judge_step, paired, split_changes
from ranking.explain.history_leaks import (
    LEAK_SIGNALS,
    MIN_STEPS,
    WINDOW,
    leak_residuals,
    leak_threshold,
)
from ranking.messages import Said, as_data, from_data, named
from ranking.model.features.common import categories
from ranking.model.pipeline import Scored
from ranking.model.workspace import Workspace

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


class State:
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
        """Judge the step from ``prev`` to ``now`` and keep what later steps
        need; returns the step's rows (:data:`COLUMNS`), new listings last."""
        both, old_s, new_s, _gone, added = paired(prev, now)
        table = split_changes(self.model, old_s, new_s)
        judge_step(table, old_s, new_s)
        self._record(now.data["listing_id"].astype("string").to_numpy(), now, period)
        self.steps += 1
        rows = self.ids.get_indexer(pd.Index(both).astype("string"))
        self._add_parts(rows, table)
        self._add_residuals(
            rows, leak_residuals(old_s.data, new_s.data, table["category"])
        )
        verdict = _drops(table)
        # A drop is news once: the leak windows start afresh after it, so
        # its fall (and what follows it) is not counted again as a trend.
        for buffer in self.residual.values():
            buffer[rows[np.flatnonzero(table["flagged"].to_numpy())], :] = np.nan
        self._mark_leaks(rows, verdict)
        out = _step_rows(table, both, period, verdict)
        if out["flagged"].any():
            self.flags.append(_flag_rows(out, verdict, period))
        new_rows = _new_rows(added, period)
        out = pd.concat([out, new_rows], ignore_index=True) if len(new_rows) else out
        return out[list(COLUMNS)]

    def _add_parts(self, rows: np.ndarray, table: pd.DataFrame) -> None:
        """The step's factor parts: into the window and the span's totals,
        and each listing's worst change so far."""
        part_values = table[[f"part_{p}" for p in PARTS]].to_numpy()
        self.parts = np.roll(self.parts, -1, axis=1)
        self.parts[:, -1, :] = 0.0
        self.parts[rows, -1, :] = part_values
        self.total[rows] += part_values
        change = table["change"].to_numpy()
        worse = change < self.worst[rows]
        self.worst[rows[worse]] = change[worse]
        self.worst_at[rows[worse]] = len(self.periods) - 1

    def _add_residuals(self, rows: np.ndarray, residuals: pd.DataFrame) -> None:
        """The step's leak residuals, each signal's window moved on one."""
        for name in residuals.columns:
            if name not in self.residual:
                self.residual[name] = np.full((len(self.ids), WINDOW), np.nan)
            buffer = np.roll(self.residual[name], -1, axis=1)
            buffer[:, -1] = np.nan
            buffer[rows, -1] = residuals[name].to_numpy()
            self.residual[name] = buffer

    def _mark_leaks(self, rows: np.ndarray, verdict: dict[str, np.ndarray]) -> None:
        """Listings not dropped this step whose leak test passes, marked in
        ``verdict`` with the factor, the window's start and what it lost."""
        kind = verdict["kind"]
        leaks = self._leaks(rows, kind == "")
        for i, (factor, signal, window, lost_since) in leaks.items():
            kind[i], verdict["main"][i] = "leak", factor
            start = self.periods[-1 - window]
            verdict["since"][i], verdict["lost"][i] = start, -lost_since
            verdict["reason"][i] = Said(
                "history.leak_reason",
                factor=named("factor", factor),
                signal=named("signal", signal),
                steps=window,
                since=start,
                lost=round(float(lost_since), 2),
            )

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
        reasons = [json.dumps(as_data(r)) for r in flags["reason"]]
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
    def load(
        cls, folder: Path, first: Workspace, last: Workspace
    ) -> tuple[State, Scored]:
        """A state :meth:`save` wrote, and its ``prev`` (the rows of ``last``,
        the export its run ended with) scored again on ``first``'s prepared
        state, their pictures read in ``last``'s folder."""
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
        said = [from_data(json.loads(text)) for text in flags["reason"]]
        flags["reason"] = pd.Series(said, index=flags.index, dtype=object)
        state.flags = [flags] if len(flags) else []
        data = pd.read_parquet(folder / "prev.parquet")
        fits = data[[f"_fit_{n}" for n in meta["fits"]]]
        fits.columns = meta["fits"]
        if "best_category" in fits.columns:
            fits = fits.assign(best_category=fits["best_category"].astype("string"))
        data = data.drop(columns=[f"_fit_{n}" for n in meta["fits"]])
        prev = first.prepared.score(data, fits, image_root=last.image_root)
        return state, prev

    def flag_table(self) -> pd.DataFrame:
        if not self.flags:
            return pd.DataFrame(columns=FLAG_COLUMNS)
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


#: A flag's columns, in this order.
FLAG_COLUMNS = ["listing_id", "period", "kind", "main_factor", "weight"]
FLAG_COLUMNS += ["change", "lost", "since", "reason"]


def _drops(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per row of a judged step: its kind (``drop`` or none yet), main
    factor, weight lost, where its fall began and why (the unusual drops
    worded; leaks are marked later)."""
    flagged = table["flagged"].to_numpy()
    verdict = {
        "kind": np.where(flagged, "drop", ""),
        "reason": np.full(len(table), "", dtype=object),
        "main": table["main_factor"].to_numpy(dtype=object),
        "lost": np.where(table["flagged"], table["lost_unusually"], np.nan),
        "since": np.full(len(table), "", dtype=object),
    }
    main, lost = verdict["main"], verdict["lost"]
    for i in np.flatnonzero(flagged):
        verdict["reason"][i] = Said(
            "history.drop_reason",
            factor=named("factor", main[i]),
            lost=round(float(-lost[i]), 2),
        )
    return verdict


def _step_rows(table: pd.DataFrame, both, period: str, verdict: dict) -> pd.DataFrame:
    """The step's rows of listings in both exports (reasons as text)."""
    kind, main = verdict["kind"], verdict["main"]
    flagged = kind != ""
    out = table[["change", *(f"part_{p}" for p in PARTS)]].copy()
    out.insert(0, "listing_id", both)
    out.insert(1, "period", period)
    out.insert(2, "weight", table["weight_new"].to_numpy())
    out["flagged"] = flagged
    out["main_factor"] = np.where(flagged, main, "")
    out["kind"] = kind
    out["reason"] = verdict["reason"].astype(str)
    return out


def _flag_rows(out: pd.DataFrame, verdict: dict, period: str) -> pd.DataFrame:
    """The flagged of a step's rows, as :meth:`State.flag_table` holds them."""
    kind, reason = verdict["kind"], verdict["reason"]
    flagged = kind != ""
    picked = out[flagged].copy()
    # Kept as Said (object dtype, not str): a view words it again.
    picked["reason"] = pd.Series(
        list(reason[flagged]), index=picked.index, dtype=object
    )
    picked["lost"] = verdict["lost"][flagged]
    picked["since"] = np.where(
        kind[flagged] == "leak", verdict["since"][flagged], period
    )
    return picked[FLAG_COLUMNS]


def _new_rows(added: Scored, period: str) -> pd.DataFrame:
    """Rows of the listings first seen this step (nothing to judge yet)."""
    return pd.DataFrame(
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


def _pad(values: np.ndarray, more: int, fill) -> np.ndarray:
    """``values`` with ``more`` rows of ``fill`` below."""
    if more <= 0:
        return values
    shape = (more, *values.shape[1:])
    return np.concatenate([values, np.full(shape, fill, dtype=values.dtype)])
