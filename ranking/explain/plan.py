"""Reach a rank: the least-effort set of fixes whose expected rank for a
keyword reaches a target (``audit --target-rank N [--keyword K]``).

Every set of the listing's fixable factors is evaluated together through the
fix engine (:func:`ranking.explain.fixes.apply`: a category move first, the
others aiming at the new category's targets, payers raising sales once), not
as a sum of single gains. With at most eight factors there are at most 256
sets: they are taken in order of total effort (then fewer fixes, then the
factors' order) and each is scored once, whatever the number of keywords.

>>> plans = reach(prepared, scored, at, rivals, target=10)    # doctest: +SKIP
>>> plans[0].fixes, plans[0].rank, plans[0].reached            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ranking.errors import TargetRankError
from ranking.explain import fixes, placement
from ranking.explain.audit import listing_row, parse_what_if
from ranking.messages import Said
from ranking.model.drift import shifts_of
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks


@dataclass(frozen=True)
class Plan:
    """What it takes to reach ``target`` for one keyword.

    ``fixes``: the least-effort set that reaches it, in the order applied
    (the cheapest set reaching the best rank when none reaches it);
    ``weight``/``rank``: the listing's weight and expected rank with them all
    applied together; ``needed``: the lowest weight whose expected rank is
    ``target`` (None when no weight reaches it: the keyword's rivals and the
    observed rank leave no room); ``missing``: what is still missing when the
    target is out of reach, as a :class:`Said` sentence."""

    keyword: str
    target: int
    observed: int | str
    now: int
    reached: bool
    fixes: tuple[str, ...]
    effort: float
    weight: float
    rank: int
    needed: float | None
    missing: Said | None

    def to_data(self) -> dict:
        """JSON-ready (English: JSON never depends on ``--lang``)."""
        return {
            "keyword": self.keyword,
            "target_rank": self.target,
            "observed_rank": self.observed,
            "expected_rank_now": self.now,
            "reached": self.reached,
            "fixes": list(self.fixes),
            "effort": round(self.effort, 2),
            "expected_weight": round(self.weight, 2),
            "expected_rank": self.rank,
            "weight_needed": None if self.needed is None else round(self.needed, 2),
            "missing": self.missing,
        }


def weight_needed(seen: dict, now: float, target: int) -> float | None:
    """The lowest weight whose :func:`placement.expected_rank` is at most
    ``target``; None when no weight reaches it.

    >>> seen = {"rivals": np.array([80.0, 60.0, 40.0]), "observed": 5}
    >>> weight_needed(seen, now=50.0, target=4)
    60.0
    >>> weight_needed(seen, now=50.0, target=1) is None
    True
    """
    rivals = np.sort(np.asarray(seen["rivals"], dtype="float64"))[::-1]
    if seen["observed"] is None:
        place = target  # the predicted rank among the rivals
    else:
        place = target + placement.predicted_rank(seen, now) - seen["observed"]
    if place < 1:
        return None
    if place > len(rivals):
        return 0.0
    return float(rivals[place - 1])


def candidate_sets(
    factors: list[str], effort: dict[str, float]
) -> list[tuple[str, ...]]:
    """Every subset of ``factors`` (the empty one first), by total effort,
    then fewer fixes, then the factors' order: the first that reaches a
    target is a least-effort one."""
    order = {f: i for i, f in enumerate(fixes.FIX_ORDER)}
    subsets = [
        tuple(sorted(c, key=order.get))
        for size in range(len(factors) + 1)
        for c in combinations(factors, size)
    ]
    return sorted(
        subsets,
        key=lambda s: (
            round(sum(effort[f] for f in s), 9),
            len(s),
            [order[f] for f in s],
        ),
    )


def fixable(prepared, scored, at, changes: dict | None = None) -> list[str]:
    """The factors whose fix changes the listing (after the what-if
    ``changes``): alone, or after a category move (which sets the other
    fixes new targets)."""
    singles = [(f,) for f in fixes.FIX_ORDER] + [tuple(fixes.FIX_ORDER)]
    done = fixes.apply_sets(prepared, scored, at, singles, changes)
    alone = {f for applied, _ in done[:-1] for f in applied}
    if "category_fit" in alone:
        alone |= set(done[-1][0])
    return [f for f in fixes.FIX_ORDER if f in alone]


def evaluate_sets(
    prepared, scored, at, sets: list[tuple[str, ...]], changes: dict | None = None
) -> dict[tuple[str, ...], float]:
    """Each set's joint weight (all its fixes applied together through the
    fix engine, after the what-if ``changes``; every set in one batched
    pass, :func:`ranking.explain.fixes.apply_sets`), the listing's weight
    with the changes alone for the empty set. A set in which some fix
    changes nothing is the same as a cheaper one and is left out."""
    done = fixes.apply_sets(prepared, scored, at, sets, changes)
    return {
        chosen: weight
        for chosen, (applied, weight) in zip(sets, done, strict=True)
        if len(applied) == len(chosen)
    }


def reach(
    prepared,
    scored,
    at,
    rivals: list[dict],
    target: int,
    effort: dict[str, float] | None = None,
    changes: dict | None = None,
) -> list[Plan]:
    """One :class:`Plan` per keyword of ``rivals``
    (:func:`ranking.explain.placement.keyword_rivals`) for the listing at
    label ``at`` of ``scored``: the least-effort set of fixes whose expected
    rank reaches ``target``; when none does, the cheapest set reaching the
    best rank there is, and what is missing. With what-if ``changes``, the
    fixes start from the changed listing (ranks still move from today's
    weight and observed rank, as ``--what-if`` moves them)."""
    effort = dict(effort or fixes.DEFAULT_EFFORT)
    now = float(scored.weight[at])
    sets = candidate_sets(fixable(prepared, scored, at, changes), effort)
    weights = evaluate_sets(prepared, scored, at, sets, changes)
    return [plan_for(seen, now, target, weights, effort) for seen in rivals]


def plan_for(
    seen: dict,
    now: float,
    target: int,
    weights: dict[tuple[str, ...], float],
    effort: dict[str, float],
) -> Plan:
    """The plan of one keyword from every evaluated set's joint weight
    (``weights``, in the order of :func:`candidate_sets`)."""
    ranks = {s: placement.expected_rank(seen, now, w) for s, w in weights.items()}
    reaching = [s for s, r in ranks.items() if r <= target]
    if reaching:
        chosen = reaching[0]
    else:
        best = min(ranks.values())
        chosen = next(s for s, r in ranks.items() if r == best)
    needed = weight_needed(seen, now, target)
    missing = None
    if not reaching:
        missing = (
            Said(
                "whatif.missing_room",
                target=target,
                floor=placement.expected_rank(seen, now, np.inf),
                best=ranks[chosen],
            )
            if needed is None
            else Said(
                "whatif.missing_weight",
                target=target,
                needed=needed,
                weight=max(weights.values()),
                short=needed - max(weights.values()),
                best=ranks[chosen],
            )
        )
    return Plan(
        keyword=str(seen["keyword"]),
        target=target,
        observed=placement.observed_rank(seen),
        now=placement.expected_rank(seen, now, now),
        reached=bool(reaching),
        fixes=chosen,
        effort=float(sum(effort[f] for f in chosen)),
        weight=weights[chosen],
        rank=ranks[chosen],
        needed=needed,
        missing=missing,
    )


def target_plan(
    workspace,
    listing_id: str,
    ranks_path,
    target: int,
    keyword: str | None = None,
    effort: dict[str, float] | None = None,
    model_dir=None,
    sets=(),
    images_root=None,
    what_if=(),
) -> dict:
    """What ``ranking audit ... --target-rank N [--keyword K]`` shows: the
    listing's weight and, per keyword it was seen on (or ``keyword`` alone),
    its :class:`Plan` as data; ``what_if``: ``COLUMN=VALUE`` items the
    fixes start from (as the report card's inputs). Export paths are opened as a cached
    :class:`Workspace` with ``model_dir``, ``sets`` and ``images_root``, as
    :func:`ranking.explain.audit.audit` does."""
    if target < 1:
        raise TargetRankError(Said("error.target_rank", target=target))
    changes = parse_what_if(what_if)  # a bad value fails before any work
    workspace = Workspace.of(
        workspace, model_dir, sets=sets, images_root=images_root, cached=True
    )
    prepared = workspace.prepared
    ranks = read_ranks(ranks_path)
    wanted, row = listing_row(prepared, listing_id, workspace.paths, None)
    scored = prepared.score(row)
    at = row.index[0]
    rivals = _rivals_seen(prepared, ranks, ranks_path, wanted, keyword)
    plans = reach(prepared, scored, at, rivals, target, effort, changes)
    result = {
        "listing_id": wanted,
        "weight": round(float(scored.weight[at]), 2),
        "target_rank": target,
        "effort_units": dict(effort or fixes.DEFAULT_EFFORT),
        "plans": [p.to_data() for p in plans],
        "drift": shifts_of(prepared),
    }
    if changes:
        result["what_if"] = _what_if_data(prepared, scored, at, changes)
    return result


def _rivals_seen(prepared, ranks, ranks_path, wanted: str, keyword: str | None):
    """The listing's rivals per keyword it was seen on in ``ranks`` (read
    from ``ranks_path``; ``keyword`` alone when given); a plan needs at least
    one, so none is an error naming what the ranks file does hold."""
    rivals = placement.keyword_rivals(prepared, ranks, wanted)
    if keyword is not None:
        seen = [s["keyword"] for s in rivals]
        rivals = [s for s in rivals if s["keyword"] == keyword]
        if not rivals:
            raise TargetRankError(
                Said(
                    "error.target_keyword",
                    keyword=keyword,
                    listing=wanted,
                    path=ranks_path,
                    keywords=[str(k) for k in seen] or Said("value.none"),
                )
            )
    if not rivals:
        raise TargetRankError(
            Said("error.target_unseen", listing=wanted, path=ranks_path)
        )
    return rivals


def _what_if_data(prepared, scored, at, changes: dict) -> dict:
    """The what-if the plans start from, as data: each change as written
    back (a number in its shortest form) and the weight with them alone."""
    effect = fixes.apply(prepared, scored, pd.Index([at]), changes=changes)
    return {
        "changes": {
            name: f"{value:g}" if isinstance(value, float) else str(value)
            for name, value in changes.items()
        },
        "weight": round(float(effect.weight[at]), 2),
    }
