"""Audit one listing: weight, blockers, factors, fixes, and what they do to ranks.

>>> report = audit("data/catalog.csv", "600123456789")        # doctest: +SKIP
>>> report["fixes"][0]["factor"], report["fixes"][0]["expected_gain"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import UnknownListingError
from ranking.explain import blockers, fixes, placement
from ranking.messages import Said, named
from ranking.model.drift import shifts_of
from ranking.model.features import FACTORS
from ranking.model.features.common import categories, column
from ranking.model.features.dsr import DSR_COLUMNS
from ranking.model.profile import signal_rates
from ranking.model.workspace import Workspace
from ranking.reading import schema
from ranking.reading.assign import WHAT_IF, assignments
from ranking.reading.export import read_ranks
from ranking.reading.paths import export_paths
from ranking.reading.values import id_text


def audit(
    workspace: Workspace | str | Path,
    listing_id: str,
    model_dir: str | Path | None = None,
    ranks_path: str | Path | None = None,
    what_if: list[str] | tuple[str, ...] = (),
    by: str = "gain",
    effort: dict[str, float] | None = None,
    sets: Sequence[str] = (),
    images_root: str | Path | None = None,
) -> dict:
    """Everything ``ranking audit`` shows about one listing, as plain values
    (messages and actions as :class:`~ranking.messages.Said`: English to
    JSON, worded in a language by the views).

    The listing is scored against the whole export it comes from (category
    yardsticks and percentiles are that catalog's). The export's prepared
    state is cached (see :mod:`ranking.model.cache`), so auditing another listing
    of the same export and model does not prepare it again. ``main_image``
    files are read inside the export's folder, and ``images_root`` when given.
    An export path is opened as a cached :class:`Workspace` with ``model_dir``,
    ``sets`` and ``images_root``.
    """
    changes = parse_what_if(what_if)  # a bad value fails before any work
    workspace = Workspace.of(
        workspace, model_dir, sets=sets, images_root=images_root, cached=True
    )
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    return listing_report(
        workspace.prepared,
        listing_id,
        ranks,
        changes,
        by,
        effort,
        workspace.paths,
    )


def listing_report(
    prepared,
    listing_id: str,
    ranks=None,
    changes: dict | None = None,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    export_path: str | Path | Sequence = "export",
    rows: pd.DataFrame | None = None,
    rivals: list[dict] | None = None,
) -> dict:
    """One listing's audit against an export already prepared (``ranks``:
    as :func:`ranking.reading.export.read_ranks` gives them; ``changes``: parsed
    what-if values; ``rows``: the export's rows of several listings already
    looked up, so that cards of many listings read a streamed export once;
    ``rivals``: the listing's keyword rivals already found, as
    :func:`ranking.explain.placement.keyword_rivals` gives them).
    The report's listing cards come from here too."""
    wanted, row = listing_row(prepared, listing_id, export_path, rows)
    scored = prepared.score(row)
    at = row.index[0]
    applied = fixes.apply_fixes(prepared, scored)
    gains = fixes.gain_table(scored, applied)
    order, _ = fixes.ranked_fixes(gains, by=by, effort=effort, top=len(FACTORS))
    data = scored.data
    report = {
        "listing_id": wanted,
        "title": _plain(data.at[at, "title"]) if "title" in data.columns else None,
        "category": _plain(data.at[at, "category"])
        if "category" in data.columns
        else None,
        "weight": round(float(scored.weight[at]), 2),
        "category_percentile": round(float(prepared.percentile(scored)[at]), 1),
        "unknown_signals": unknown_signals(data.loc[at]),
        "blockers": blocker_list(prepared, scored, at),
        "notes": notes(prepared, scored, at),
        "factors": factor_table(prepared, scored, at),
        "fixes": fix_list(prepared, scored, at, (applied, gains, order[0])),
        "trust": prepared.model.trust,
        "order": by,
        "drift": shifts_of(prepared),
    }
    if ranks is None:
        rivals = None
    else:
        if rivals is None:
            rivals = placement.keyword_rivals(prepared, ranks, wanted)
        now = float(scored.weight[at])
        report["keywords"] = placement.keyword_ranks(
            rivals, now, ranks_after_fixes(applied, now, at)
        )
    if changes:
        report["what_if"] = apply_what_if(prepared, scored, at, changes, rivals)
    return report


def listing_row(prepared, listing_id: str, export_path, rows):
    """The listing's id as the export writes ids, and its row (from ``rows``
    when given, else looked up in the prepared export); an unknown id is
    refused with the export's name and size."""
    wanted = id_text(pd.Series([str(listing_id)])).iloc[0]
    row = prepared.lookup([wanted]) if rows is None else rows
    row = row[row["listing_id"] == wanted]
    if row.empty:
        raise UnknownListingError(
            Said(
                "error.unknown_listing",
                path=" + ".join(map(str, export_paths(export_path))),
                listing=listing_id,
                rows=prepared.profile.rows,
            )
        )
    return wanted, row


def fix_list(prepared, scored, at, ranked) -> list[dict]:
    """The listing's fixes in the order chosen (``ranked``: each factor's
    effect, the gain table and the factors in order), each with what to do,
    the weight after it, its gain and the gain's range."""
    applied, gains, order = ranked
    return [
        {
            "factor": factor,
            "action": action(scored.data, factor, applied[factor], at),
            "expected_weight": round(float(applied[factor].weight[at]), 2),
            "expected_gain": round(float(gains.at[at, factor]), 2),
            **gain_range(prepared, scored, applied[factor], at),
        }
        for factor in order
        if factor
    ]


def ranks_after_fixes(applied, now: float, at) -> dict[str, float]:
    """The weight after each fix that changes the listing by at least
    :data:`ranking.explain.fixes.MIN_GAIN` (what keyword placement shows)."""
    return {
        factor: float(effect.weight[at])
        for factor, effect in applied.items()
        if at in effect.rows and effect.weight[at] - now >= fixes.MIN_GAIN
    }


def gain_range(prepared, scored, effect: fixes.Effect, at) -> dict:
    """``expected_gain_range``: the lowest and highest gain of the fix under
    the model's cross-validation fold models (absent for a model without
    them)."""
    by_fold = fixes.fold_gains(prepared, scored, effect)
    if by_fold.size == 0:
        return {}
    column = by_fold[:, effect.rows.get_loc(at)]
    return {
        "expected_gain_range": [
            round(float(column.min()), 2),
            round(float(column.max()), 2),
        ]
    }


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (np.floating, float)):
        return int(value) if float(value).is_integer() else round(float(value), 4)
    if isinstance(value, (np.integer, int)):
        return int(value)
    return str(value)


def unknown_signals(row: pd.Series) -> list[str]:
    """Signals this listing's export row leaves unknown."""

    def known(name: str) -> bool:
        return name in row.index and not pd.isna(row[name])

    return schema.without_covered(
        [name for name in schema.SIGNALS if not known(name)], known
    )


def blocker_list(prepared, scored, at) -> list[dict]:
    """Blockers of one listing: each with a message and the
    weight it costs (what clearing the learned cliff would win back)."""
    costs = blockers.blocker_costs(scored, prepared.profile, prepared.model).loc[at]
    found = []
    if pd.notna(costs["dsr"]):
        cliff = prepared.model.cliffs["dsr_min_gap"]
        lines = blockers.dsr_lines(scored, prepared.profile, prepared.model).loc[at]
        past = [name for name in DSR_COLUMNS if pd.notna(lines[name])]
        for name in past:
            value = column(scored.data.loc[[at]], name).iloc[0]
            mean = lines[name] - cliff.threshold  # the line is average + threshold
            message = Said(
                "blocker.dsr",
                name=named("signal", name),
                value=value,
                position=_relative("position", value - mean, mean=mean),
                cliff=_relative("cliff", cliff.threshold),
            )
            found.append(
                {
                    "factor": "dsr",
                    "message": message,
                    "cost": round(float(costs["dsr"]), 2),
                }
            )
    if pd.notna(costs["category_fit"]):
        fit = scored.title_fit.loc[at]
        placed = scored.data.at[at, "category"]
        found.append(
            {
                "factor": "category_fit",
                "message": Said(
                    "blocker.category_fit",
                    best=fit["best_category"],
                    best_p=fit["best_prob"],
                    placed=placed,
                    placed_p=fit["title_fit"],
                ),
                "cost": round(float(costs["category_fit"]), 2),
                "suggested_category": str(fit["best_category"]),
            }
        )
    return found


def _relative(kind: str, difference: float, **fields) -> Said:
    """``kind`` (``position`` or ``cliff``) of a difference from the average."""
    if round(difference, 2) == 0:
        side = "level"
    else:
        side = "below" if difference < 0 else "above"
    return Said(f"blocker.{kind}_{side}", gap=abs(difference), **fields)


def notes(prepared, scored, at) -> list[str]:
    """What the audit could not judge for this listing, and why."""
    found = []
    fit = scored.title_fit.loc[at]
    placed = categories(scored.data)
    best = fit["best_category"]
    if (
        pd.notna(best)
        and best != placed[at]
        and not fixes.judged(scored.data, scored.title_fit, prepared.profile.sizes)[at]
    ):
        sizes = prepared.profile.sizes
        found.append(
            Said(
                "audit.title_not_judged",
                best=best,
                placed=placed[at],
                placed_n=sizes.get(placed[at], 0),
                best_n=sizes.get(best, 0),
                needed=fixes.MIN_CATEGORY_EVIDENCE,
            )
        )
    return found


def _signal(data, at, name):
    return _plain(column(data.loc[[at]], name).iloc[0])


def _worst_dsr(data, at, targets) -> str:
    """The DSR score furthest below its category's target (the first when
    none is known): the one the dsr factor's row shows."""
    return min(
        DSR_COLUMNS,
        key=lambda n: (
            (column(data.loc[[at]], n).iloc[0] - targets[n])
            if pd.notna(column(data.loc[[at]], n).iloc[0])
            else np.inf
        ),
    )


def factor_table(prepared, scored, at) -> list[dict]:
    """For each of the eight factors: its headline signal's value, the
    category's 75th percentile of it, and its contribution in weight points
    against the category's average listing."""
    contribution = prepared.contributions(scored).loc[at]
    data = scored.data
    targets = prepared.profile.targets_for(data.loc[[at]]).loc[at]
    rates = signal_rates(data.loc[[at]]).iloc[0]
    worst_dsr = _worst_dsr(data, at, targets)
    fav_cart = rates[["favorite_rate", "cart_rate"]].sum(min_count=2)
    rows = {
        "monthly_sales": (
            "monthly_sales",
            _signal(data, at, "monthly_sales"),
            targets["monthly_sales"],
        ),
        "payer_count": (
            "payer_count",
            _signal(data, at, "payer_count"),
            targets["payer_count"],
        ),
        "favorites_cart": (
            "(favorites+add_to_cart)/visitors",
            _plain(fav_cart),
            targets["favorite_rate"] + targets["cart_rate"],
        ),
        "review_quality": (
            "avg_rating",
            _signal(data, at, "avg_rating"),
            targets["avg_rating"],
        ),
        "dsr": (worst_dsr, _signal(data, at, worst_dsr), targets[worst_dsr]),
        "category_fit": (
            "title_fit",
            _plain(scored.title_fit.at[at, "title_fit"]),
            None,
        ),
        "main_video": ("has_main_video", _signal(data, at, "has_main_video"), None),
        "white_bg_image": (
            "has_white_bg_image",
            _signal(data, at, "has_white_bg_image"),
            None,
        ),
    }
    return [
        {
            "factor": factor,
            "signal": signal,
            "value": value,
            "category_p75": _plain(p75) if p75 is not None else None,
            "contribution": round(float(contribution[factor]), 2),
        }
        for factor, (signal, value, p75) in rows.items()
    ]


def _number(value) -> str:
    if value is None or pd.isna(value):
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def action(data: pd.DataFrame, factor: str, effect: fixes.Effect, at) -> str:
    """What the fix asks the seller to do, with this listing's numbers."""
    before, after = data.loc[at], effect.changed.loc[at]

    def change(name, verb="action.raise"):
        old, new = before.get(name), after.get(name)
        if pd.isna(old) or pd.isna(new) or float(old) == float(new):
            return None
        label = named("action.label", name)
        return Said(verb, label=label, old=_number(old), new=_number(new))

    if factor == "category_fit":
        return Said("action.move", old=before.get("category"), new=after["category"])
    if factor in {"main_video", "white_bg_image"}:
        name = "has_main_video" if factor == "main_video" else "has_white_bg_image"
        unknown = pd.isna(before.get(name))
        return Said(
            "action.unsaid" if unknown else "action.add", fix=named("fix", factor)
        )
    parts = {
        "monthly_sales": [change("monthly_sales")],
        "payer_count": [change("payer_count")],
        "favorites_cart": [change("favorites"), change("add_to_cart")],
        "review_quality": [
            change("avg_rating"),
            change("negative_reviews", "action.cut"),
            change("photo_reviews"),
        ],
        "dsr": [change(name) for name in DSR_COLUMNS],
    }[factor]
    changes = tuple(p for p in parts if p)
    if factor == "review_quality":
        return Said("action.changes", changes=changes)
    return Said("action.to_p75", changes=changes)


def parse_what_if(items) -> dict[str, object]:
    """``["monthly_sales=500", "主图视频=是"]`` → canonical column → parsed
    value, by the parser ``--set`` shares
    (:func:`ranking.reading.assign.assignments`)."""
    return {name: value for name, (_, value) in assignments(items, WHAT_IF).items()}


def apply_what_if(prepared, scored, at, changes: dict, rivals) -> dict:
    """The listing re-scored with some raw values changed (through the fix
    engine, :func:`ranking.explain.fixes.apply`)."""
    effect = fixes.apply(prepared, scored, pd.Index([at]), changes=changes)
    weight = float(effect.weight[at])
    now = float(scored.weight[at])
    percentile = prepared.scores.percentile_among_others(
        str(categories(effect.changed).iloc[0]),
        float(effect.raw[0]),
        float(scored.raw[0]),
    )
    result = {
        "changes": {
            k: str(v.date()) if isinstance(v, pd.Timestamp) else _plain(v)
            for k, v in changes.items()
        },
        "weight": round(weight, 2),
        "expected_gain": round(weight - now, 2),
        "category_percentile": round(float(percentile), 1),
    }
    if rivals is not None:
        result["keywords"] = placement.expected_ranks(rivals, now, weight)
    if unread := unread_changes(scored.data.loc[at], changes):
        result["notes"] = unread
    return result


def unread_changes(row: pd.Series, changes: dict) -> list[Said]:
    """What-ifs the model does not read for this listing: a column that only
    stands in for a signal (``main_image`` for ``has_white_bg_image``) when
    the export gives that signal itself."""
    return [
        Said("audit.what_if_unread", column=name, signal=named("signal", signal))
        for name in changes
        if name not in schema.SIGNALS
        for signal, standing in schema.COVERED_BY.items()
        if name in standing
        and signal not in changes
        and signal in row.index
        and pd.notna(row[signal])
    ]
