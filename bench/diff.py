"""Does ``ranking diff`` find the listings that had an incident, and only them?

Two generated weekly exports (``ranking.sim.weeks.next_week``): every listing's
traffic, orders, favourites and carts drift log-normally (spread ``--drift``,
times a ``season`` every listing shares), a week of reviews arrives at each
listing's own rates, and 50 listings have an incident in one factor (DSR
pushed below the category, main video taken down, a bulk order leaving the
sales window, a wave of 差评, favourites and carts collapsing). The model is
trained on the first week's ranks, as an operator's would be.

Per run, side by side on the same diff table:

* ``ranking``: flagged = at least 1 weight point lost to parts whose signals
  moved unusually (``ranking.explain.diff``); main factor = the part that lost most;
* ``weight-z``: the rule as first written down — modified z-score of the
  weight change within its category at or below −3.5 (MAD; the mean absolute
  deviation × 0.7979 where the MAD is 0) and at least 1 point; main factor =
  the part that fell most.

Reported: incidents flagged with their factor named first, incidents flagged
at all, unchanged listings flagged, the largest |Σ parts − change|, wall time
and peak RSS of the diff.

Run: ``.venv/bin/python bench/diff.py [--listings N] [--seeds 1 2 3]``
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.engines.training import train
from ranking.explain.diff import PARTS, diff
from ranking.sim import next_week, simulate
from ranking.writing import writers


def weight_z(table: pd.DataFrame) -> np.ndarray:
    """The peer rule: a robust z-score of the weight change in its category."""
    change, key = table["change"], table["category"].to_numpy()
    median = change.groupby(key).transform("median")
    deviation = (change - median).abs().groupby(key)
    mad = deviation.transform("median")
    spread = mad.where(mad > 0, deviation.transform("mean") * 0.7979)
    z = 0.6745 * (change - median) / spread.where(spread > 0)
    return ((z <= -3.5) & (change <= -1.0)).to_numpy()


def score(flagged: np.ndarray, named: pd.Series, truth: pd.Series) -> dict:
    ids = named.index[flagged]
    hit = ids[ids.isin(truth.index)]
    return {
        "named": int((named[hit] == truth[hit]).sum()),
        "found": len(hit),
        "false": len(ids) - len(hit),
    }


def run(listings: int, seed: int, drift: float, season: float) -> dict:
    folder = Path(tempfile.mkdtemp())
    market = simulate(listings, seed=seed)
    week = next_week(market, incidents=50, drift=drift, season=season, seed=seed)
    writers.write_table(week.old, folder / "old.csv")
    writers.write_table(week.new, folder / "new.csv")
    writers.write_table(market.ranks, folder / "ranks.csv")
    train(folder / "old.csv", folder / "ranks.csv", output=folder / "model")
    start = time.perf_counter()
    result = diff(folder / "old.csv", folder / "new.csv", folder / "model")
    wall = time.perf_counter() - start
    table = result["table"]
    table = table[table["status"] == "both"].set_index("listing_id")
    parts = table[[f"part_{p}" for p in PARTS]]
    truth = week.incidents.set_index("listing_id")["factor"]
    ours = score(table["flagged"].to_numpy(), table["main_factor"], truth)
    fell_most = pd.Series(
        np.asarray(PARTS)[parts.to_numpy().argmin(axis=1)], index=table.index
    )
    peer = score(weight_z(table.reset_index()), fell_most, truth)
    return {
        "seed": seed,
        "drift": drift,
        "season": season,
        **{f"ranking_{k}": v for k, v in ours.items()},
        **{f"weight_z_{k}": v for k, v in peer.items()},
        "max_sum_error": float((parts.sum(axis=1) - table["change"]).abs().max()),
        "wall_s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    scenarios = [(0.1, 1.0), (0.1, 0.85), (0.2, 1.0)]
    rows = [
        run(args.listings, seed, drift, season)
        for drift, season in scenarios
        for seed in args.seeds
    ]
    frame = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(frame.to_string(index=False))
    print()
    print(
        frame.groupby(["drift", "season"]).mean(numeric_only=True).round(2).to_string()
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the process: {peak:.0f} MiB; {args.listings:,} listings")


if __name__ == "__main__":
    main()
