"""Keyword placement: where a listing stands among the competitors it was
seen with, and where a new weight would place it.

A keyword's rivals are the other listings the ranks file saw for it, at their
current predicted weights. A new weight (after fixes, a what-if, or the old
weight in ``diff``) moves the listing by as many places as its predicted rank
among them moves; a listing seen only below the tracked top gets its
predicted rank.

>>> rivals = keyword_rivals(prepared, ranks, "600123456789")   # doctest: +SKIP
>>> [expected_rank(seen, now=41.0, weight=55.0) for seen in rivals]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model import evaluate


def keyword_rivals(prepared, ranks, listing_id: str) -> list[dict]:
    """The keywords the listing was seen for, each with its observed rank (None
    when censored), how many places the tracked top held (``below``) and its
    competitors' current weights (``rivals``)."""
    mine = ranks.data[ranks.data["listing_id"] == listing_id]
    seen = ranks.data[ranks.data["keyword"].isin(mine["keyword"])]
    rows = prepared.lookup(list(seen["listing_id"].unique()))
    weights = prepared.score(rows).weight if len(rows) else pd.Series(dtype=float)
    ids = rows["listing_id"].to_numpy() if len(rows) else np.empty(0, dtype=object)
    weight_of = pd.Series(weights.to_numpy(), index=ids)

    groups = evaluate.labelled_groups(seen, pd.Series(ids))
    out = []
    for keyword in mine["keyword"].unique():
        group = groups[groups["keyword"] == keyword]
        me = group[ids[group["row"].to_numpy()] == listing_id]
        if me.empty:
            continue
        me = me.iloc[0]
        rival_ids = ids[group["row"].to_numpy()]
        rival_ids = rival_ids[rival_ids != listing_id]
        out.append(
            {
                "keyword": keyword,
                "observed": None if me["censored"] else int(me["rank"]),
                "below": int(me["position"]) - 1,
                "rivals": weight_of[rival_ids].to_numpy(),
            }
        )
    return out


def predicted_rank(seen: dict, weight: float) -> int:
    """Rank of ``weight`` among a keyword's rivals (1 + those above it)."""
    return 1 + int((seen["rivals"] > weight).sum())


def expected_rank(seen: dict, now: float, weight: float) -> int:
    """Observed rank moved by as many places as the predicted rank moves from
    weight ``now`` to ``weight``; for a listing seen only below the tracked
    top, its predicted rank.

    >>> import numpy as np
    >>> seen = {"rivals": np.array([80.0, 60.0, 40.0]), "observed": 5}
    >>> expected_rank(seen, now=50.0, weight=70.0)
    4
    """
    before = predicted_rank(seen, now)
    after = predicted_rank(seen, weight)
    if seen["observed"] is None:
        return after
    return max(1, seen["observed"] - (before - after))


def observed_rank(seen: dict) -> int | str:
    """The rank the ranks file saw, or ``>N`` when the listing was below the
    tracked top of ``N``."""
    return seen["observed"] if seen["observed"] is not None else f">{seen['below']}"


def keyword_ranks(
    rivals: list[dict], now: float, after: dict[str, float]
) -> list[dict]:
    """For each keyword the listing was seen for: its observed and predicted
    rank at weight ``now``, its competitors, and the rank expected at each
    weight of ``after`` (a fix's name → the weight after it)."""
    return [
        {
            "keyword": seen["keyword"],
            "observed_rank": observed_rank(seen),
            "predicted_rank": predicted_rank(seen, now),
            "competitors": len(seen["rivals"]),
            "after_fix": {
                name: expected_rank(seen, now, weight) for name, weight in after.items()
            },
        }
        for seen in rivals
    ]


def expected_ranks(rivals: list[dict], now: float, weight: float) -> list[dict]:
    """For each keyword the listing was seen for: its observed rank and the
    rank expected when its weight moves from ``now`` to ``weight``."""
    return [
        {
            "keyword": seen["keyword"],
            "observed_rank": observed_rank(seen),
            "expected_rank": expected_rank(seen, now, weight),
        }
        for seen in rivals
    ]
