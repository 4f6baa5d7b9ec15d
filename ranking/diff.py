"""Why did it drop? Two exports of one catalog, each listing's change split
across the factors.

Both exports are scored against the *old* export's prepared state (its
yardsticks and title model), so a change a whole category shares — a season,
a platform-wide shift — shows as such instead of vanishing into moved
yardsticks. The model is additive, so a listing's raw-score change is exactly
the sum of its features' term changes; the weight is a logistic curve of the
raw score, and each factor's part is its term change times the curve's
secant slope between the two scores (``Δweight / Δraw``, bounded by the
curve's steepest slope): the parts add up to the weight change exactly.

A drop is **unusual** when it sits far below its category's usual change:
the modified z-score ``0.6745 · (change − median) / MAD`` (Iglewicz and
Hoaglin; median and MAD over the category's listings found in both exports)
at or below :data:`Z_FLAG`, and at least :data:`MIN_DROP` weight points.

Not yet good enough to ship as a command (issue 10 is open): on 5,000
simulated listings with 50 changed on purpose and every listing's sales and
visitors drifting ±10%, it flagged 33 of the 50 (29 with the right factor)
and 125 others. Half the listings' weights do not move at all (small moves
stay inside a bin of the step shapes), so a category's MAD is 0, while a 6%
sales move that crosses a bin edge jumps 2–5 points.

>>> result = diff("last_week.csv", "this_week.csv", "models/default")  # doctest: +SKIP
>>> result["table"].query("flagged")[["listing_id", "main_factor"]]    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking import io
from ranking.catalog import export_paths, open_catalog
from ranking.drift import shifts_of
from ranking.features import FACTORS, sum_by_factor
from ranking.features._common import categories
from ranking.fixes import FIX_COLUMNS
from ranking.persist import load_model

#: Modified z-score at or below which a drop is unusual (Iglewicz and
#: Hoaglin's outlier cut-off).
Z_FLAG = -3.5
#: Smallest drop, in weight points, ever flagged: a category whose listings
#: barely move has a tiny MAD, and rounding would look unusual.
MIN_DROP = 1.0
PARTS = (*FACTORS, "other")


def diff(
    old_path,
    new_path,
    model_dir: str | Path,
    output: str | Path | None = None,
    sets: Sequence[str] = (),
) -> dict:
    """Compare two exports of one catalog: the table (one row per listing id
    in either, spec §4's columns plus the reasons) and a summary; writes the
    table to ``output`` when given (format by extension)."""
    from ranking.pipeline import prepare

    if output is not None:
        output = Path(output)
        io.check_writable(output)
        io.refuse_overwriting(output, *export_paths(old_path), *export_paths(new_path))
    model, _ = load_model(model_dir)
    prepared = prepare(open_catalog(old_path, sets=sets), model)
    old = _canonical_rows(prepared.source.chunks())
    new_source = open_catalog(new_path, sets=sets)
    new = _canonical_rows(new_source.chunks())

    both = old.index.intersection(new.index)
    old_scored = prepared.score(old.loc[both].reset_index(drop=True))
    new_scored = prepared.score(new.loc[both].reset_index(drop=True))
    table = split_changes(model, old_scored, new_scored)
    table.insert(0, "listing_id", both.to_numpy())
    table.insert(1, "status", "both")
    table["category"] = categories(new_scored.data).to_numpy()
    table["flagged"] = unusual_drops(table["change"], table["category"])
    flagged = table.index[table["flagged"]]
    table["main_factor"] = ""
    table["reason"] = ""
    table["revert_gain"] = np.nan
    if len(flagged):
        parts = table.loc[flagged, [f"part_{p}" for p in PARTS]].to_numpy()
        table.loc[flagged, "main_factor"] = np.asarray(PARTS)[parts.argmin(axis=1)]
        _explain(table, flagged, old_scored, new_scored, prepared)

    gone = _alone(old, new.index, prepared, "gone")
    added = _alone(new, old.index, prepared, "new")
    table = pd.concat([table, gone, added], ignore_index=True)
    if output is not None:
        io.write_table(table, output)
    by_category = (
        table[table["status"] == "both"].groupby("category")["change"].median()
    )
    return {
        "table": table,
        "listings": {
            "both": int(len(both)),
            "new": int(len(added)),
            "gone": int(len(gone)),
        },
        "median_change": float(table.loc[table["status"] == "both", "change"].median())
        if len(both)
        else 0.0,
        "median_change_by_category": {k: float(v) for k, v in by_category.items()},
        "flagged": int(table["flagged"].fillna(False).astype(bool).sum()),
        "output": None if output is None else str(output),
        "drift": shifts_of(prepared),
    }


def _canonical_rows(chunks) -> pd.DataFrame:
    """An export's canonical rows indexed by listing id (the first of any
    repeated id: the reader already merges what belongs together)."""
    data = pd.concat([chunk.data for chunk in chunks])
    data = data.drop_duplicates("listing_id")
    return data.set_index("listing_id", drop=False).rename_axis("id")


def split_changes(model, old_scored, new_scored) -> pd.DataFrame:
    """Per listing (rows aligned): weights before and after, the change, and
    its exact split into ``part_<factor>`` and ``part_other``."""
    names = model.feature_names
    old_terms = model.additive.terms(old_scored.features[names]).to_numpy()
    new_terms = model.additive.terms(new_scored.features[names]).to_numpy()
    delta = new_terms - old_terms
    raw_change = new_scored.raw - old_scored.raw
    weight_old = old_scored.weight.to_numpy()
    weight_new = new_scored.weight.to_numpy()
    change = weight_new - weight_old
    # The logistic curve's secant slope; its tangent where the raw score did
    # not move (then every part is ~0 anyway).
    tangent = weight_old * (100 - weight_old) / (100 * model.scale)
    moved = np.abs(raw_change) > 1e-12
    slope = np.where(moved, change / np.where(moved, raw_change, 1.0), tangent)
    out = pd.DataFrame(
        {"weight_old": weight_old, "weight_new": weight_new, "change": change}
    )
    for part, total in sum_by_factor(names, delta, PARTS).items():
        out[f"part_{part}"] = total * slope
    return out


def unusual_drops(change: pd.Series, category: pd.Series) -> np.ndarray:
    """True where a drop sits far below its category's usual change (see the
    module's rule)."""
    key = category.to_numpy()
    median = change.groupby(key).transform("median")
    deviation = (change - median).abs().groupby(key)
    mad = deviation.transform("median")
    # A category where most listings did not move at all has MAD 0; the mean
    # absolute deviation (scaled to match the MAD of a normal) stands in.
    mean_ad = deviation.transform("mean")
    spread = mad.where(mad > 0, mean_ad * 0.7979)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 0.6745 * (change - median) / spread
    z = z.where(spread > 0, np.where(change < median, -np.inf, 0.0))
    return ((z <= Z_FLAG) & (change <= -MIN_DROP)).to_numpy()


def _explain(table, flagged, old_scored, new_scored, prepared) -> None:
    """For flagged rows: the raw signals behind the main factor, and the
    weight reverting them would win back."""
    at = pd.Index(flagged)
    reverted = new_scored.data.loc[at].copy()
    reasons = []
    for row in at:
        factor = table.at[row, "main_factor"]
        signals = sorted(FIX_COLUMNS.get(factor, frozenset()))
        said = []
        for name in signals:
            if name not in reverted.columns:
                continue
            before = old_scored.data.at[row, name]
            after = new_scored.data.at[row, name]
            if _same(before, after):
                continue
            reverted.at[row, name] = before
            said.append(_said(name, before, after, row, new_scored, prepared))
        reasons.append("; ".join(said) if said else _other_reason(factor))
    table.loc[at, "reason"] = reasons
    again = prepared.score(reverted)
    table.loc[at, "revert_gain"] = (
        again.weight.to_numpy() - new_scored.weight.loc[at].to_numpy()
    )


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return a == b


def _said(name, before, after, row, new_scored, prepared) -> str:
    text = f"{name} {_value(before)} → {_value(after)}"
    if name.startswith("dsr_"):
        average = prepared.profile.reference.center(
            name, categories(new_scored.data.loc[[row]])
        ).iloc[0]
        if pd.notna(after) and after < average:
            text += f", now below the category's {average:.2f}"
    return text


def _value(value) -> str:
    if pd.isna(value):
        return "unknown"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return str(value)


def _other_reason(factor: str) -> str:
    return (
        "its own signals did not change; its category's yardsticks or the title "
        f"model's view moved ({factor})"
    )


def _alone(frame: pd.DataFrame, others: pd.Index, prepared, status: str):
    """Listings in one export only: their weight on their side."""
    only = frame.loc[frame.index.difference(others)]
    out = pd.DataFrame({"listing_id": only.index.to_numpy(), "status": status})
    weight = (
        prepared.score(only.reset_index(drop=True)).weight.to_numpy()
        if len(only)
        else np.empty(0)
    )
    out["weight_old" if status == "gone" else "weight_new"] = weight
    out["category"] = (
        categories(only).to_numpy() if len(only) else np.empty(0, dtype=object)
    )
    out["flagged"] = False
    return out


__all__ = ["diff", "split_changes", "unusual_drops"]
