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

A drop is **unusual** when at least :data:`MIN_DROP` weight points were lost
to parts whose own signals moved far more than their category's usual move
that week (:func:`ranking.explain.unusual.unusual_signals`: robust z-scores —
median and MAD of the category, or Anscombe residuals for counts — beyond
±3.5, Iglewicz and Hoaglin's cut-off). The weight change alone cannot tell:
the model's shapes are steps, so half the listings do not move at all while a
6% sales move that crosses a bin edge jumps 2–5 points; judged on the weight
change's own robust z-score, 5,000 simulated listings drifting ±10% gave 33
of 50 incidents flagged and 125 false flags. Judged on the signals, a season
(every listing −15%) moves the category's median, not the listing, and 3 → 1
orders is counting noise, and a review total 2% lower is Taobao folding
reviews (35–44% of real Tmall totals fall on an ordinary day); a bulk order
leaving the window, a DSR pushed below the line, a video taken down, a week
of 差评 or a fifth of the reviews purged are not (``bench/diff.py``,
``tests/``).

>>> result = diff("last_week.csv", "this_week.csv", "models/default")  # doctest: +SKIP
>>> result["table"].query("flagged")[["listing_id", "main_factor"]]    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.explain.fixes import FIX_COLUMNS
from ranking.explain.placement import expected_rank, predicted_rank
from ranking.explain.unusual import SIGNALS_OF, unusual_signals
from ranking.messages import Said, named
from ranking.model import evaluate
from ranking.model.drift import DriftCounts, factor_contributions
from ranking.model.features import FACTORS, sum_by_factor
from ranking.model.features.common import categories
from ranking.model.pipeline import Scored, prepare
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks
from ranking.writing import atomic, writers

#: Smallest drop, in weight points, ever flagged: a category whose listings
#: barely move has a tiny MAD, and rounding would look unusual.
MIN_DROP = 1.0
PARTS = (*FACTORS, "other")


def diff(
    old: Workspace | str | Path,
    new: Workspace | str | Path,
    model_dir: str | Path | None = None,
    output: str | Path | None = None,
    sets: Sequence[str] = (),
    old_model_dir: str | Path | None = None,
    ranks_path: str | Path | None = None,
    images_root: str | Path | None = None,
    view: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> dict:
    """Compare two exports of one catalog: the table (one row per listing id
    in either, spec §4's columns plus ``category``, ``lost_unusually``,
    ``reason`` (a :class:`~ranking.messages.Said`), ``revert_gain`` and,
    with ranks, ``positions_lost``) and a summary; writes the table to
    ``output`` when given (format by extension), as ``view`` shows it to
    people (the CLI's words the reasons in ``--lang``; English without).

    With ``old_model_dir`` the old export is weighed by the model it was
    scored with then, the new one by ``model_dir``, and ``part_model`` holds
    what the refit moved (a two-player Shapley split per listing: data and
    model each get their effect averaged over both orders). ``images_root``:
    a folder images may be read from besides the exports' own. ``old`` and
    ``new`` are workspaces, or exports opened with ``model_dir``, ``sets``
    and ``images_root``; the new one is weighed by the old one's model."""
    old = Workspace.of(old, model_dir, sets=sets, images_root=images_root)
    new = new if isinstance(new, Workspace) else old.on(new)
    then = old.with_model(old_model_dir) if old_model_dir is not None else None
    output = _checked_output(output, old, new, then, ranks_path)
    model = old.model
    old_model = then.model if then is not None else None
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    old_source, new_source = old.source(), new.source()
    # The new export's rows read their pictures from its own folder, each
    # time they are scored (a picture of the same name in the old export's
    # folder is last week's).
    new_root = new_source.image_root
    prepared = prepare(old_source, model)
    old_all = by_id(prepared.scored_chunks())
    new_all = by_id(
        (c, prepared.score(c.data, image_root=new_root)) for c in new_source.chunks()
    )
    drift = DriftCounts(model.training_profile)
    drift.add(new_all.data, factor_contributions(model, new_all.features))

    both, old_scored, new_scored, gone, added = paired(old_all, new_all)
    table = split_changes(model, old_scored, new_scored)
    gone_weight = None
    if old_model is not None:
        table, gone_weight = _refit_split(
            table,
            old_model,
            old_source,
            prepared,
            (old_scored, new_scored, gone),
            new_root,
        )
    table.insert(0, "listing_id", both)
    table.insert(1, "status", "both")
    _flag_drops(table, old_scored, new_scored, prepared, new_root)

    table = pd.concat(
        [table, _alone(gone, gone_weight, "gone"), _alone(added, None, "new")],
        ignore_index=True,
    )
    table["flagged"] = table["flagged"].astype(bool)
    keywords = [] if ranks is None else positions_lost(table, new_all, ranks)
    table = table[[*COLUMNS, *(c for c in table.columns if c not in COLUMNS)]]
    if output is not None:
        writers.write_table(table if view is None else view(table), output)
    return _summary(table, keywords, drift, old.model_dir, old_model_dir, output)


def _checked_output(output, old, new, then, ranks_path) -> Path | None:
    """``output`` as a path, refused before any work when it cannot be
    written or would overwrite one of the run's inputs (either export, the
    old model's, the ranks)."""
    if output is None:
        return None
    output = Path(output)
    atomic.check_writable(output)
    inputs = [*old.inputs, *new.files, *(then.inputs if then else [])]
    inputs += [Path(ranks_path)] if ranks_path is not None else []
    atomic.refuse_overwriting(output, *inputs)
    return output


def _refit_split(table, old_model, old_source, prepared, rows, new_root):
    """With the model the old export was weighed by then: ``table``'s change
    split between the data and the refit (:func:`_shapley`), and the weight
    of the listings gone (``rows``: the old, new and gone rows), both on the
    old export's prepared state (the new rows' images read in ``new_root``)."""
    old_scored, new_scored, gone = rows
    then = prepare(old_source, old_model, profile=prepared.profile)
    table = _shapley(
        table,
        split_changes(
            old_model,
            then.score(old_scored.data),
            then.score(new_scored.data, image_root=new_root),
        ),
    )
    return table, then.score(gone.data).weight.to_numpy()


def paired(old_all: Scored, new_all: Scored):
    """The listings in both exports — their ids, their old and new rows
    aligned — then those only in the old export (gone) and only in the new
    one (added)."""
    old_ids = old_all.data["listing_id"]
    new_ids = new_all.data["listing_id"]
    # By hash lookups on each side's (unique) ids: Series.isin on Arrow text
    # builds a Python scalar per id (0.06 s per 10,000).
    kept = pd.Index(new_ids).get_indexer(old_ids) >= 0
    both = old_ids[kept].to_numpy()
    new_at = pd.Series(np.arange(len(new_ids)), index=new_ids.to_numpy())
    old_scored = _reindexed(old_all.take(np.flatnonzero(kept)))
    new_scored = _reindexed(new_all.take(new_at[both].to_numpy()))
    gone = _reindexed(old_all.take(np.flatnonzero(~kept)))
    added = pd.Index(old_ids).get_indexer(new_ids) < 0
    new_only = _reindexed(new_all.take(np.flatnonzero(added)))
    return both, old_scored, new_scored, gone, new_only


def _flag_drops(table, old_scored, new_scored, prepared, new_root) -> None:
    """Adds to ``table`` (the listings in both exports) what :func:`judge_step`
    adds, and for the unusual drops the reason and what reverting it would
    win back."""
    moved = judge_step(table, old_scored, new_scored)
    flagged = table.index[table["flagged"]]
    # Object, not pandas' string dtype: a reason is a Said a view words again.
    table["reason"] = pd.Series("", index=table.index, dtype=object)
    table["revert_gain"] = np.nan
    if len(flagged):
        _explain(table, flagged, old_scored, new_scored, prepared, moved, new_root)


def judge_step(table: pd.DataFrame, old_scored, new_scored) -> pd.DataFrame:
    """One step between two exports judged as ``diff`` judges it: adds to
    ``table`` (:func:`split_changes` of the rows, aligned) each listing's
    ``category``, ``lost_unusually`` (the weight lost to parts whose own
    signals moved more than their category's usual move that step),
    ``flagged`` (:func:`unusual_drops`) and, for flagged rows,
    ``main_factor`` (the part that lost most unusually; else empty).
    Returns which signals moved unusually (rows × export columns)."""
    table["category"] = categories(new_scored.data).to_numpy()
    moved = unusual_signals(old_scored.data, new_scored.data, table["category"])
    unusual = _unusual_parts(table, moved)
    table["lost_unusually"] = unusual.sum(axis=1).to_numpy()
    table["flagged"] = unusual_drops(table["lost_unusually"])
    flagged = table.index[table["flagged"]]
    table["main_factor"] = ""
    if len(flagged):
        lost = unusual.loc[flagged, list(PARTS)].to_numpy()
        table.loc[flagged, "main_factor"] = np.asarray(PARTS)[lost.argmin(axis=1)]
    return moved


def _summary(table, keywords, drift, model_dir, old_model_dir, output) -> dict:
    """What :func:`diff` returns around the table: counts, the median change
    catalog-wide and per category, the unusual drops largest first, the
    positions lost per keyword, the models and the drift."""
    paired = table[table["status"] == "both"]
    drops = paired[paired["flagged"]].sort_values("lost_unusually")
    by_category = paired.groupby("category")["change"].median()
    return {
        "listings": {
            "both": int(len(paired)),
            "new": int((table["status"] == "new").sum()),
            "gone": int((table["status"] == "gone").sum()),
        },
        "median_change": float(paired["change"].median()) if len(paired) else 0.0,
        "median_change_by_category": {str(k): float(v) for k, v in by_category.items()},
        "flagged": int(len(drops)),
        "drops": [_drop_record(row) for row in drops.itertuples(index=False)],
        "keywords": keywords,
        "model": str(model_dir),
        "old_model": None if old_model_dir is None else str(old_model_dir),
        "model_change": float(paired["part_model"].median())
        if "part_model" in paired
        else None,
        "output": None if output is None else str(output),
        "drift": [s.to_dict() for s in drift.shifts()],
        "table": table,
    }


#: The spec's columns (§4, diff output), first and in this order.
COLUMNS = (
    "listing_id",
    "status",
    "weight_old",
    "weight_new",
    "change",
    *(f"part_{p}" for p in PARTS),
    "flagged",
    "main_factor",
)


def by_id(pairs) -> Scored:
    """The scored rows of an export's chunks, stacked, each listing id once
    (the first: the reader already merges what belongs together)."""
    parts = [scored for _, scored in pairs]
    stacked = Scored(
        pd.concat([p.data for p in parts], ignore_index=True),
        pd.concat([p.title_fit for p in parts], ignore_index=True),
        pd.concat([p.features for p in parts], ignore_index=True),
        np.concatenate([p.raw for p in parts]),
        pd.concat([p.weight for p in parts], ignore_index=True),
    )
    first = ~stacked.data["listing_id"].duplicated().to_numpy()
    return stacked if first.all() else _reindexed(stacked.take(np.flatnonzero(first)))


def _reindexed(scored: Scored) -> Scored:
    return Scored(
        scored.data.reset_index(drop=True),
        scored.title_fit.reset_index(drop=True),
        scored.features.reset_index(drop=True),
        scored.raw,
        scored.weight.reset_index(drop=True),
    )


def _shapley(new_model: pd.DataFrame, old_model: pd.DataFrame) -> pd.DataFrame:
    """Two models, two exports: each factor's data part averaged over both
    models, and the refit's part (``part_model``) averaged over both exports;
    together they add up to the new model's new weight minus the old model's
    old weight."""
    out = pd.DataFrame(
        {
            "weight_old": old_model["weight_old"],
            "weight_new": new_model["weight_new"],
            "change": new_model["weight_new"] - old_model["weight_old"],
        }
    )
    for part in PARTS:
        out[f"part_{part}"] = (
            new_model[f"part_{part}"] + old_model[f"part_{part}"]
        ) / 2
    out["part_model"] = (
        (new_model["weight_old"] - old_model["weight_old"])
        + (new_model["weight_new"] - old_model["weight_new"])
    ) / 2
    return out


def _drop_record(row) -> dict:
    return {
        "listing_id": row.listing_id,
        "category": row.category,
        "weight_old": round(float(row.weight_old), 2),
        "weight_new": round(float(row.weight_new), 2),
        "change": round(float(row.change), 2),
        "lost_unusually": round(float(row.lost_unusually), 2),
        "main_factor": row.main_factor,
        "reason": row.reason,
        "revert_gain": round(float(row.revert_gain), 2),
    }


def positions_lost(table: pd.DataFrame, new_all: Scored, ranks) -> list[dict]:
    """For each flagged listing and keyword it was seen for in the new
    period: its rank now, and the rank it would hold at its old weight among
    the competitors' new weights (the observed rank moved by as many places
    as the predicted rank moves, as ``audit`` places a fix). Adds the total
    per listing to ``table`` as ``positions_lost``."""
    ids = new_all.data["listing_id"]
    weight = new_all.weight.to_numpy()
    groups = evaluate.labelled_groups(ranks.data, ids)
    flagged = table[(table["status"] == "both") & table["flagged"]]
    weight_then = pd.Series(
        flagged["weight_old"].to_numpy(), index=flagged["listing_id"]
    )
    mine = groups[
        pd.Series(ids.to_numpy()[groups["row"].to_numpy()])
        .isin(weight_then.index)
        .to_numpy()
    ]
    rows_of = groups.groupby("keyword")["row"].agg(np.array)
    out = []
    for record in mine.itertuples(index=False):
        listing = ids.iloc[record.row]
        rivals = rows_of[record.keyword]
        rivals = weight[rivals[rivals != record.row]]
        now, then = weight[record.row], float(weight_then[listing])
        seen = {
            "rivals": rivals,
            "observed": None if record.censored else int(record.rank),
        }
        # Where the old weight would stand, as audit places a fix.
        at_old = expected_rank(seen, now, then)
        rank_now = seen["observed"] or predicted_rank(seen, now)
        out.append(
            {
                "listing_id": listing,
                "keyword": record.keyword,
                "rank_now": rank_now
                if not record.censored
                else f">{int(record.position) - 1}",
                "rank_at_old_weight": at_old,
                "positions_lost": rank_now - at_old,
            }
        )
    lost = pd.DataFrame(out, columns=["listing_id", "positions_lost"])
    total = lost.groupby("listing_id")["positions_lost"].sum()
    table["positions_lost"] = table["listing_id"].map(total)
    return sorted(out, key=lambda r: -r["positions_lost"])


def split_changes(model, old_scored, new_scored) -> pd.DataFrame:
    """Per listing (rows aligned): weights before and after, the change, and
    its exact split into ``part_<factor>`` and ``part_other``."""
    delta, slope = _term_changes(model, old_scored, new_scored)
    weight_old = old_scored.weight.to_numpy()
    weight_new = new_scored.weight.to_numpy()
    out = pd.DataFrame(
        {
            "weight_old": weight_old,
            "weight_new": weight_new,
            "change": weight_new - weight_old,
        }
    )
    for part, total in sum_by_factor(model.feature_names, delta, PARTS).items():
        out[f"part_{part}"] = total * slope
    return out


def _term_changes(model, old_scored, new_scored) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's term change (rows × features) and each row's secant
    slope of the weight curve between its two raw scores."""
    names = model.feature_names
    old_terms = model.additive.terms(old_scored.features[names]).to_numpy()
    new_terms = model.additive.terms(new_scored.features[names]).to_numpy()
    weight_old = old_scored.weight.to_numpy()
    raw_change = new_scored.raw - old_scored.raw
    change = new_scored.weight.to_numpy() - weight_old
    # The logistic curve's secant slope; its tangent where the raw score did
    # not move (then every part is ~0 anyway).
    tangent = weight_old * (100 - weight_old) / (100 * model.scale)
    moved = np.abs(raw_change) > 1e-12
    slope = np.where(moved, change / np.where(moved, raw_change, 1.0), tangent)
    return new_terms - old_terms, slope


def unusual_drops(lost_unusually: pd.Series) -> np.ndarray:
    """True where a listing lost at least :data:`MIN_DROP` weight points to
    parts whose signals moved unusually (``lost_unusually``, the sum of
    :func:`_unusual_parts`) — even when usual drift elsewhere made up for it,
    so a removed video is not hidden by a good sales week."""
    return (lost_unusually <= -MIN_DROP).to_numpy()


def _unusual_parts(table: pd.DataFrame, moved: pd.DataFrame) -> pd.DataFrame:
    """Per part: its fall (rows aligned with ``table``) where one of its
    signals moved unusually, else 0; a rise elsewhere does not hide a drop."""
    lost = {}
    for part in PARTS:
        signals = [c for c in SIGNALS_OF[part] if c in moved.columns]
        any_moved = moved[signals].any(axis=1).to_numpy() if signals else False
        fall = table[f"part_{part}"].clip(upper=0).to_numpy()
        lost[part] = np.where(any_moved, fall, 0.0)
    return pd.DataFrame(lost, index=table.index)


def _explain(table, flagged, old_scored, new_scored, prepared, moved, new_root) -> None:
    """For flagged rows: the raw signals behind the main factor that changed,
    and the weight won back by reverting the factor's own signals and any of
    them that moved unusually (not the usual drift of its traffic)."""
    at = pd.Index(flagged)
    reverted = new_scored.data.loc[at].copy()
    reasons = []
    for row in at:
        factor = table.at[row, "main_factor"]
        signals = sorted(
            {*FIX_COLUMNS.get(factor, ()), *SIGNALS_OF.get(factor, ())},
            # What moved unusually first: it is the news; the rest is context.
            key=lambda name: (
                not (name in moved.columns and moved.at[row, name]),
                name,
            ),
        )
        said = []
        for name in signals:
            if name not in reverted.columns:
                continue
            before = old_scored.data.at[row, name]
            after = new_scored.data.at[row, name]
            if _same(before, after):
                continue
            if name in FIX_COLUMNS.get(factor, ()) or (
                name in moved.columns and moved.at[row, name]
            ):
                reverted.at[row, name] = before
            said.append(_said(name, before, after, row, new_scored, prepared))
        reasons.append(
            Said("diff.reasons", signals=tuple(said))
            if said
            else Said("diff.other_reason", factor=factor)
        )
    table.loc[at, "reason"] = reasons
    again = prepared.score(reverted, image_root=new_root)
    table.loc[at, "revert_gain"] = (
        again.weight.to_numpy() - new_scored.weight.loc[at].to_numpy()
    )


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return a == b


def _said(name, before, after, row, new_scored, prepared) -> Said:
    """One signal's move: ``name before → after``, and for a DSR score now
    under its category's average, that average."""
    moved = {"name": named("signal", name), "before": _value(before)}
    moved["after"] = _value(after)
    if name.startswith("dsr_"):
        average = prepared.profile.reference.center(
            name, categories(new_scored.data.loc[[row]])
        ).iloc[0]
        if pd.notna(after) and after < average:
            return Said("diff.moved_below", **moved, average=average)
    return Said("diff.moved", **moved)


def _value(value) -> str:
    if pd.isna(value):
        return Said("value.unknown")
    if isinstance(value, bool | np.bool_):
        return Said("value.yes" if value else "value.no")
    if isinstance(value, float | np.floating):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return str(value)


def _alone(scored: Scored, weight, status: str) -> pd.DataFrame:
    """Listings in one export only: their weight on their side."""
    out = pd.DataFrame(
        {"listing_id": scored.data["listing_id"].to_numpy(), "status": status}
    )
    column = "weight_old" if status == "gone" else "weight_new"
    out[column] = scored.weight.to_numpy() if weight is None else weight
    out["category"] = categories(scored.data).to_numpy()
    out["flagged"] = False
    return out


__all__ = [
    "COLUMNS",
    "PARTS",
    "by_id",
    "diff",
    "judge_step",
    "paired",
    "positions_lost",
    "split_changes",
    "unusual_drops",
    "unusual_signals",
]
