"""``ranking history``: does it find the drops in their week and the slow
leaks, and how fast is it over a month of daily exports?

Quality (``--quality``): ``ranking.sim.weeks`` chains 8 weekly exports of
10,000 listings (traffic drifting log-normally, spread 0.08; 40 incidents
planted in weeks drawn at random; 10 slow leaks: orders, paying buyers and
amount sold −12% a week). Counted per seed: incidents flagged in their week
with their factor, leaks flagged as leaks with a sales factor
(monthly_sales or payer_count), flags on listings with neither over all
steps. Bars (issue 24): ≥ 36, ≥ 8, ≤ 15.

Speed (``--speed``): 31 daily exports of 20,000 listings. Each figure is a
fresh process (``history`` on N exports, written to a .parquet): its wall
time and peak RSS. First the first 10, 20 and 30 days with an empty cache
(memory flat in the number of exports: the peaks should match), then days
1–31 with the cache the 30-day run left (one more day). Bars: ≤ 60 s the
first time, ≤ 5 s for one more day.

Run: ``.venv/bin/python bench/history.py [--quality] [--speed] [--seeds 1 2 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ranking.model.workspace import Workspace
from ranking.sim import simulate, weeks
from ranking.writing import writers


def write_chain(chain, folder: Path, prefix: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, export in enumerate(chain.exports):
        path = folder / f"{prefix}-{i:02d}.csv"
        writers.write_table(export, path)
        paths.append(path)
    return paths


def quality(seed: int) -> dict:
    from ranking.explain.history import history

    folder = Path(tempfile.mkdtemp())
    os.environ["RANKING_CACHE_DIR"] = str(folder / "cache")
    chain = weeks(
        simulate(10_000, seed=seed), count=8, incidents=40, leaks=10, seed=seed
    )
    paths = write_chain(chain, folder, "week")
    start = time.perf_counter()
    found = history(Workspace.open(paths[0], cached=True), paths[1:])
    wall = time.perf_counter() - start
    flags = found.flags
    planted = chain.incidents.assign(
        period=[f"week-{w:02d}.csv" for w in chain.incidents["week"]]
    )
    hit = planted.merge(flags, on=["listing_id", "period"], how="left")
    leaks = flags[
        flags["listing_id"].isin(chain.leaks["listing_id"])
        & (flags["kind"] == "leak")
        & flags["main_factor"].isin(["monthly_sales", "payer_count"])
    ]
    touched = set(chain.incidents["listing_id"]) | set(chain.leaks["listing_id"])
    return {
        "seed": seed,
        "incidents_in_week_right_factor": int(
            (hit["main_factor"] == hit["factor"]).sum()
        ),
        "incidents_in_week_any": int(hit["kind"].notna().sum()),
        "leaks_sales_factor": int(leaks["listing_id"].nunique()),
        "false_flags": int((~flags["listing_id"].isin(touched)).sum()),
        "missed": hit.loc[hit["main_factor"] != hit["factor"], "what"].tolist(),
        "wall_s": round(wall, 2),
    }


def child(paths: list[str], out: str) -> None:
    """One measured run, in its own process: history on ``paths``."""
    from ranking.explain.history import history

    start = time.perf_counter()
    found = history(Workspace.open(paths[0], cached=True), paths[1:], output=out)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall_s": round(wall, 2),
                "peak_mib": round(peak),
                "flags": len(found.flags),
            }
        )
    )


def measured(paths: list[Path], out: Path, cache: Path) -> dict:
    env = {**os.environ, "RANKING_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(out), *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed() -> list[dict]:
    folder = Path(tempfile.mkdtemp())
    chain = weeks(simulate(20_000, seed=1), count=31, incidents=60, leaks=20, seed=1)
    paths = write_chain(chain, folder, "day")
    rows = []
    for days in (10, 20):
        cache = folder / f"cache{days}"
        rows.append(
            {
                "run": f"{days} days, cold",
                **measured(paths[:days], folder / "o.parquet", cache),
            }
        )
    cache = folder / "cache30"
    rows.append(
        {"run": "30 days, cold", **measured(paths[:30], folder / "o.parquet", cache)}
    )
    rows.append(
        {
            "run": "31 days, 30 cached",
            **measured(paths[:31], folder / "o.parquet", cache),
        }
    )
    rows.append(
        {
            "run": "31 days, all cached",
            **measured(paths[:31], folder / "o.parquet", cache),
        }
    )
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[3:], sys.argv[2])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    machine = platform.machine()
    print(f"{machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.quality or not args.speed:
        for seed in args.seeds:
            print(json.dumps(quality(seed), ensure_ascii=False))
    if args.speed or not args.quality:
        for row in speed():
            print(json.dumps(row))


if __name__ == "__main__":
    main()
