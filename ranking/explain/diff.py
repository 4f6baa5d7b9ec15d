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
that week (:func:`unusual_signals`: robust z-scores — median and MAD of the
category, or Anscombe residuals for counts — beyond ±3.5, Iglewicz and
Hoaglin's cut-off). The weight change alone cannot tell: the model's shapes
are steps, so half the listings do not move at all while a 6% sales move
that crosses a bin edge jumps 2–5 points; judged on the weight change's own
robust z-score, 5,000 simulated listings drifting ±10% gave 33 of 50
incidents flagged and 125 false flags. Judged on the signals, a season (every
listing −15%) moves the category's median, not the listing, and 3 → 1 orders
is counting noise, and a review total 2% lower is Taobao folding reviews
(35–44% of real Tmall totals fall on an ordinary day); a bulk order leaving
the window, a DSR pushed below the line, a video taken down, a week of 差评 or
a fifth of the reviews purged are not (``bench/diff.py``, ``tests/``).

>>> result = diff("last_week.csv", "this_week.csv", "models/default")  # doctest: +SKIP
>>> result["table"].query("flagged")[["listing_id", "main_factor"]]    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.explain.fixes import FIX_COLUMNS
from ranking.explain.placement import expected_rank, predicted_rank
from ranking.lang import say, signal_word
from ranking.model import evaluate
from ranking.model.drift import DriftCounts, factor_contributions
from ranking.model.features import FACTORS, sum_by_factor
from ranking.model.features._common import categories
from ranking.model.features.dsr import DSR_COLUMNS
from ranking.model.pipeline import Scored, prepare
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks
from ranking.writing import atomic, writers

#: Modified z-score at or below which a drop is unusual (Iglewicz and
#: Hoaglin's outlier cut-off).
Z_FLAG = -3.5
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
    lang: str = "en",
    images_root: str | Path | None = None,
) -> dict:
    """Compare two exports of one catalog: the table (one row per listing id
    in either, spec §4's columns plus ``category``, ``lost_unusually``,
    ``reason`` written in ``lang``, ``revert_gain`` and, with ranks,
    ``positions_lost``) and a summary; writes the table to ``output`` when
    given (format by extension).

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
    if output is not None:
        output = Path(output)
        atomic.check_writable(output)
        inputs = [*old.inputs, *new.files, *(then.inputs if then else [])]
        inputs += [Path(ranks_path)] if ranks_path is not None else []
        atomic.refuse_overwriting(output, *inputs)
    model = old.model
    old_model = then.model if then is not None else None
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    old_source, new_source = old.source(), new.source()
    prepared = prepare(old_source, model)
    old_all = _by_id(prepared.scored_chunks())
    new_all = _by_id((c, prepared.score(c.data)) for c in new_source.chunks())
    drift = DriftCounts(model.training_profile)
    drift.add(new_all.data, factor_contributions(model, new_all.features))

    old_ids = old_all.data["listing_id"]
    new_ids = new_all.data["listing_id"]
    kept = old_ids.isin(set(new_ids)).to_numpy()
    both = old_ids[kept].to_numpy()
    new_at = pd.Series(np.arange(len(new_ids)), index=new_ids.to_numpy())
    old_scored = _reindexed(old_all.take(np.flatnonzero(kept)))
    new_scored = _reindexed(new_all.take(new_at[both].to_numpy()))
    gone = _reindexed(old_all.take(np.flatnonzero(~kept)))
    table = split_changes(model, old_scored, new_scored)
    gone_weight = None
    if old_model is not None:
        then = prepare(old_source, old_model, profile=prepared.profile)
        table = _shapley(
            table,
            split_changes(
                old_model, then.score(old_scored.data), then.score(new_scored.data)
            ),
        )
        gone_weight = then.score(gone.data).weight.to_numpy()
    table.insert(0, "listing_id", both)
    table.insert(1, "status", "both")
    table["category"] = categories(new_scored.data).to_numpy()
    moved = unusual_signals(old_scored.data, new_scored.data, table["category"])
    unusual = _unusual_parts(table, moved)
    table["lost_unusually"] = unusual.sum(axis=1).to_numpy()
    table["flagged"] = unusual_drops(table["lost_unusually"])
    flagged = table.index[table["flagged"]]
    table["main_factor"] = ""
    table["reason"] = ""
    table["revert_gain"] = np.nan
    if len(flagged):
        lost = unusual.loc[flagged, list(PARTS)].to_numpy()
        table.loc[flagged, "main_factor"] = np.asarray(PARTS)[lost.argmin(axis=1)]
        _explain(table, flagged, old_scored, new_scored, prepared, moved, lang)

    added = ~new_ids.isin(set(old_ids)).to_numpy()
    table = pd.concat(
        [
            table,
            _alone(gone, gone_weight, "gone"),
            _alone(_reindexed(new_all.take(np.flatnonzero(added))), None, "new"),
        ],
        ignore_index=True,
    )
    table["flagged"] = table["flagged"].astype(bool)
    keywords = [] if ranks is None else _positions_lost(table, new_all, ranks)
    table = table[[*COLUMNS, *(c for c in table.columns if c not in COLUMNS)]]
    if output is not None:
        writers.write_table(table, output)
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
        "model": str(old.model_dir),
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


def _by_id(pairs) -> Scored:
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


def _positions_lost(table: pd.DataFrame, new_all: Scored, ranks) -> list[dict]:
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


#: The export columns behind each part: a part's fall counts towards an
#: unusual drop only when one of these moved unusually. Rates read visitors;
#: amount sold (gmv) follows orders and is judged through them.
SIGNALS_OF: dict[str, tuple[str, ...]] = {
    "monthly_sales": ("monthly_sales",),
    "payer_count": ("payer_count", "visitors"),
    "favorites_cart": ("favorites", "add_to_cart", "visitors"),
    "review_quality": ("negative_reviews", "photo_reviews", "review_count", "qa_count"),
    "dsr": DSR_COLUMNS,
    "category_fit": ("category", "title"),
    "main_video": ("has_main_video",),
    "white_bg_image": ("has_white_bg_image", "main_image"),
    "other": ("price", "listed_at", "refund_rate"),
}
#: Counts that follow traffic week to week.
TRAFFIC_COUNTS = (
    "monthly_sales",
    "payer_count",
    "visitors",
    "favorites",
    "add_to_cart",
)
#: Running totals of reviews of a kind: judged by how many arrived against
#: how many the listing's own rate predicts.
REVIEW_KINDS = ("negative_reviews", "photo_reviews")
#: Running totals the platform thins every day: Taobao folds (折叠) reviews and
#: Q&A answers it finds unhelpful, so these fall by a share of the total on an
#: ordinary day; judged by how many went against the category's usual share.
FOLDED_TOTALS = ("review_count", "qa_count")
#: Columns written to a fixed precision (DSR to 0.01, prices and refund
#: rates as relative moves): a move of one such step is never unusual alone.
RESOLUTION = {**dict.fromkeys(DSR_COLUMNS, 0.01), "price": 0.01, "refund_rate": 0.01}


def unusual_signals(old: pd.DataFrame, new: pd.DataFrame, category) -> pd.DataFrame:
    """Per listing (rows aligned) and export column: True where the column
    moved more than its category's usual move explains (|z| ≥ −:data:`Z_FLAG`).

    - Traffic counts: the Anscombe residual of the new count against the old
      one times the category's median ratio (a season moves the median, not
      the listing), its variance Poisson plus the category's spread of log
      ratios (1.4826 · MAD over listings with ≥ 20 counted), so 3 → 1 orders
      is noise and 300 → 90 is not.
    - 差评 and buyer-photo reviews: the Anscombe residual of those that arrived
      against the new reviews times the listing's own old share; a total
      that fell (reviews removed) is a move.
    - Review and Q&A totals (:data:`FOLDED_TOTALS`): only a loss, and only
      one beyond folding — the Anscombe residual of the reviews that went
      against the old total times the category's mean share lost, its
      variance Poisson plus the category's spread (:func:`_fold_residual`).
    - DSR, price, refund rate: the modified z-score of the change, its MAD at
      least the column's written resolution (:data:`RESOLUTION`).
    - Anything else (media flags, category, title, listing date): any change.
    """
    key = np.asarray(category)
    out = {}
    for name in dict.fromkeys(c for cols in SIGNALS_OF.values() for c in cols):
        if name not in old.columns or name not in new.columns:
            continue
        before, after = (
            old[name].reset_index(drop=True),
            new[name].reset_index(drop=True),
        )
        if name in TRAFFIC_COUNTS:
            z = _count_residual(before.astype(float), after.astype(float), key)
        elif name in REVIEW_KINDS and "review_count" in old.columns:
            z = _arrival_residual(
                before.astype(float),
                after.astype(float),
                old["review_count"].reset_index(drop=True).astype(float),
                new["review_count"].reset_index(drop=True).astype(float),
            )
        elif name in FOLDED_TOTALS:
            z = _fold_residual(before.astype(float), after.astype(float), key)
        elif name in RESOLUTION:
            now, then = after.astype(float), before.astype(float)
            move = np.log(now / then) if name == "price" else now - then
            z = _modified_z(move, key, RESOLUTION[name])
        else:
            # Nullable columns compare to <NA> where a side is missing: that
            # case is ``appeared`` below.
            changed = (before != after).fillna(False).astype(bool)
            changed &= ~(before.isna() & after.isna())
            z = np.where(changed.to_numpy(), np.inf, 0.0)
        z = np.asarray(z, dtype="float64")
        appeared = before.isna().to_numpy() != after.isna().to_numpy()
        out[name] = (np.abs(np.nan_to_num(z)) >= -Z_FLAG) | appeared
    return pd.DataFrame(out)


def _count_residual(before: pd.Series, after: pd.Series, key) -> np.ndarray:
    ratio = np.log((after + 0.5) / (before + 0.5))
    usual = ratio.groupby(key).transform("median")
    expected = before * np.exp(usual)
    return _residual(after, expected, _spread(ratio, before >= 20, key))


def _fold_residual(before: pd.Series, after: pd.Series, key) -> np.ndarray:
    """A running total's loss beyond its category's usual folding, as a
    negative z (0 where it grew, or lost no more than usual).

    What went (``before - after``; net of what arrived, which a snapshot
    cannot tell apart) is a count of the period, judged as
    :func:`_count_residual` judges one: against the old total times the
    category's share lost, its variance Poisson — 20 → 18 is two reviews,
    counting noise — plus the category's spread of log(lost / expected),
    since folding hits some listings harder than others. The share is the
    mean over the category's listings with ≥ 20 (else all): most lose
    nothing net in a day, so a median would be 0 and call every fold news.
    Why not the rules next to it: on tmall_daily (3,497 real Tmall listings,
    9 pairs of days) 35–44% of review totals fell each day and 29–43% did not
    move, the falls by a share that does not shrink with the total (median
    0.6%, 90th percentile 2%, at 30 reviews as at 3,000). Folding thins a
    total: the traffic counts' rule on the total itself (Poisson on 1,000
    reviews, ±32) lets a 10% purge pass, and a modified z of the log ratio
    (1.4826 · MAD 0.3–0.7%) calls a 2% fold news. This rule calls 0–9
    totals a day unusual, each ≥ 2.9% lost, mostly listings losing several
    percent day after day."""
    lost = (before - after).clip(lower=0)
    counted = before >= 20
    share = lost / before.where(before > 0)
    rate = share.where(counted).groupby(key).transform("mean")
    rate = rate.fillna(share.groupby(key).transform("mean")).fillna(0.0)
    expected = before * rate
    ratio = np.log((lost + 0.5) / (expected + 0.5))
    z = _residual(lost, expected, _spread(ratio, counted, key))
    # Losing less than the category is no drop: only the excess is news.
    return -np.clip(np.nan_to_num(z), 0, None)


def _spread(ratio: pd.Series, counted: pd.Series, key) -> pd.Series:
    """The category's spread of ``ratio`` (1.4826 · MAD) over the listings
    with enough counted that Poisson noise does not dominate, else over all."""

    def mad(values: pd.Series) -> pd.Series:
        centre = values.groupby(key).transform("median")
        return 1.4826 * (values - centre).abs().groupby(key).transform("median")

    return mad(ratio.where(counted)).fillna(mad(ratio))


def _residual(observed: pd.Series, expected: pd.Series, spread) -> np.ndarray:
    """Anscombe residual of a Poisson count, its variance widened by the
    category's spread (a negative binomial's ``1 + σ² μ``)."""
    residual = 2 * (np.sqrt(observed + 3 / 8) - np.sqrt(expected + 3 / 8))
    return (residual / np.sqrt(1 + spread**2 * expected)).to_numpy()


def _arrival_residual(before, after, reviews_before, reviews_after) -> np.ndarray:
    arrived = after - before
    expected = (
        (reviews_after - reviews_before).clip(lower=0)
        * (before + 0.5)
        / (reviews_before + 1)
    )
    residual = 2 * (np.sqrt(arrived.clip(lower=0) + 3 / 8) - np.sqrt(expected + 3 / 8))
    return np.where(arrived < 0, np.inf, residual)


def _modified_z(move: pd.Series, key, resolution: float) -> np.ndarray:
    median = move.groupby(key).transform("median")
    deviation = (move - median).abs()
    mad = deviation.groupby(key).transform("median").clip(lower=resolution)
    return (0.6745 * deviation / mad).to_numpy()


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


def _explain(table, flagged, old_scored, new_scored, prepared, moved, lang) -> None:
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
            said.append(_said(name, before, after, row, new_scored, prepared, lang))
        joined = say("list.join", lang).join(said)
        reasons.append(joined or say("diff.other_reason", lang, factor=factor))
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


def _said(name, before, after, row, new_scored, prepared, lang) -> str:
    text = f"{signal_word(name, lang)} {_value(before, lang)} → {_value(after, lang)}"
    if name.startswith("dsr_"):
        average = prepared.profile.reference.center(
            name, categories(new_scored.data.loc[[row]])
        ).iloc[0]
        if pd.notna(after) and after < average:
            text += say("diff.now_below", lang, average=average)
    return text


def _value(value, lang) -> str:
    if pd.isna(value):
        return say("value.unknown", lang)
    if isinstance(value, bool | np.bool_):
        return say("value.yes" if value else "value.no", lang)
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


__all__ = ["COLUMNS", "diff", "split_changes", "unusual_drops", "unusual_signals"]
