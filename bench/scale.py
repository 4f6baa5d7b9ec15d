"""Wall time and peak memory of ``ranking`` at scale (issue 7, point 8).

Runs the real command line in child processes, as a seller would, and prints
each figure beside its target from issue 7:

* ``ranking score EXPORT -o OUT.csv`` (and ``.parquet``) with the top-3 fixes,
  beside a peer doing less work in the same run: pandas ``read_csv`` of the
  same export, a LightGBM model's ``predict`` (trained beforehand, outside the
  timed part, on the numeric columns of a 20,000-listing sample), and writing
  the same rows plus the same 12 added columns to the same format. The peer's
  added columns are cheap stand-ins (a checklist instead of fixes), so it is a
  floor, not a competitor. Wall time, peak RSS and ranking/peer ratios.
* ``ranking audit EXPORT LISTING_ID`` on a 100,000-listing export: a first run
  with an empty cache folder (``XDG_CACHE_HOME`` is a temporary folder, so the
  bench starts cold and leaves nothing behind), then two more listings.
* ``ranking --help``, median of 5.
* ``ranking train EXPORT --ranks RANKS -o DIR`` on 200,000 listings and 2,000
  keyword groups.

Data are simulated (``ranking.sim``, seed ``--seed``) and cached in
``bench/out/`` (git-ignored) by size and seed; ``--fresh`` makes them again.
Exports up to 200,000 listings are simulated markets; larger ones repeat a
200,000-listing market in tiles with fresh listing ids and a small
deterministic jitter of visitors, page views and search visitors, streamed by
pyarrow's CSV writer. The simulator's keywords are limited by its vocabulary
(about 224 at any size), so the training ranks are topped up to the wanted
count with long-tail keywords ("雪纺 碎花连衣裙": every term in the title, the
product of the keyword's category), ranked by the simulator's rule: true
weight plus Gumbel noise, the top ``observed_top`` seen, some below censored.
``--train-keywords 0`` keeps the simulator's keywords only. ``--only
cluster`` compares ``score --engine local`` with ``--engine dask`` on a
LocalCluster (partitioned parquet of ``--cluster-sizes``); ``--only
train-cluster`` does the same for ``train`` on the training catalog cut into
``TRAIN_PARTS`` CSV files, and says whether both wrote the same model. The model that
``score`` and ``audit`` use is trained once by ``ranking train`` on a
20,000-listing market into ``bench/out/model`` and made again when the
package's source changes.

Run: ``.venv/bin/python bench/scale.py [--sizes 100000,1000000,5000000]
[--quick] [--only score,audit,help,train,cluster,train-cluster] [--fresh]``
(needs the ``bench`` extra: ``pip install -e '.[bench]'``). ``--quick``
checks the script in about a minute: score 20,000, audit on 5,000, train
5,000.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
RANKING = Path(sys.executable).with_name("ranking")
BASE = 200_000  # exports above this size tile a market of this size
MODEL_LISTINGS = 20_000  # the sample the score/audit model is trained on
KEYWORDS_PER = 100  # train: one keyword group per this many listings
FIX_COLUMNS = 12  # weight, category_percentile, fix_1..3(_gain), blockers, ...
GIB = 1024.0  # MiB

# Targets of issue 7 (2 cores, 24 GiB).
SCORE_1M = (1_000_000, 30.0, 15.0, 3 * GIB)  # listings, wall, goal, peak MiB
SCORE_5M = (5_000_000, 3 * GIB)
AUDIT_FIRST, AUDIT_LATER, AUDIT_GOAL = 5.0, 1.0, 0.3
HELP_TARGET, HELP_GOAL = 0.5, 0.3
TRAIN = (200_000, 2_000, 90.0, 45.0)  # listings, keywords, wall, goal
TRAIN_PARTS = 4  # files of the training catalog for train --engine


# ---------------------------------------------------------------- running


@dataclass
class Run:
    """One child process: wall seconds, peak RSS (MiB), and why it failed."""

    wall: float
    peak: float
    error: str | None = None
    others: float | None = None  # cores busy with other processes meanwhile
    cpu: float = 0.0  # the child's user + system CPU seconds

    @property
    def ok(self) -> bool:
        return self.error is None


def run(
    args: list[str],
    env: dict | None = None,
    timeout: float | None = None,
    on_start=None,
):
    """Run ``args`` as a child process; its wall time and peak RSS
    (``os.wait4``, as ``bench/train_speed.py``). A failure, a timeout or a kill
    (out of memory) is recorded, not raised, so the other figures still print.
    ``on_start(pid)`` is called once the child has started."""
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as stderr:
        before = busy_seconds()
        start = time.perf_counter()
        with subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=stderr, env=env
        ) as child:
            if on_start:
                on_start(child.pid)

            def kill() -> None:
                timed_out.set()
                child.kill()

            timer = threading.Timer(timeout, kill) if timeout else None
            if timer:
                timer.start()
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            after = busy_seconds()
            if timer:
                timer.cancel()
        code = os.waitstatus_to_exitcode(status)
        error = None
        if timed_out.is_set() and code < 0:
            error = f"timed out after {timeout:.0f} s"
        elif code < 0:
            error = f"killed by signal {-code}" + (
                " (out of memory?)" if code == -9 else ""
            )
        elif code:
            stderr.seek(0)
            lines = stderr.read().decode("utf-8", "replace").strip().splitlines()
            error = f"exit {code}: {lines[-1] if lines else ''}"[:160]
    others, spent = None, usage.ru_utime + usage.ru_stime
    if before is not None and after is not None:
        others = max(after - before - spent, 0.0) / wall
    return Run(wall, usage.ru_maxrss / 1024, error, others, spent)


def busy_seconds() -> float | None:
    """CPU seconds spent by the whole machine since boot (``/proc/stat``)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def noise(r: Run, name: str = "") -> str | None:
    """A note when other processes kept a core busy during a run (then its
    CPU seconds are the steadier figure)."""
    if r.others is not None and r.others >= 0.25:
        return (
            f"   note: other processes kept {r.others:.1f} of {os.cpu_count()} "
            f"cores busy during the {name + ' ' if name else ''}run above; "
            "its wall time is noisy"
        )
    return None


def ranking_env(cache: Path) -> dict:
    """The environment of a ``ranking`` child: its own cache folder."""
    cache.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def warm(path: Path) -> None:
    """Read a file once so that the OS page cache is warm for whichever
    command runs first."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def folder_size(folder: Path) -> tuple[int, float]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 2**20


def output_shape(path: Path) -> tuple[int, int] | None:
    """Rows and columns of a written table (None if it is missing)."""
    if not path.exists():
        return None
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_metadata(path)
        return meta.num_rows, meta.num_columns
    with path.open("rb") as handle:
        header = handle.readline()
        lines = sum(
            chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")
        )
    columns = next(csv.reader([header.decode("utf-8-sig")]))
    return lines, len(columns)


# ---------------------------------------------------------------- peer

PEER = r'''
"""Peer of `ranking score`: pandas read_csv + LightGBM predict + write the
same rows and the same number of added columns, in the same format."""
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd

export, model_file, output = sys.argv[1:4]
frame = pd.read_csv(export)
booster = lgb.Booster(model_file=model_file)
raw = booster.predict(frame[booster.feature_name()].to_numpy(dtype="float64"))
weight = pd.Series(100 / (1 + np.exp(-(raw - np.median(raw)))), index=frame.index)
added = pd.DataFrame(index=frame.index)
added["weight"] = weight.round(2)
added["category_percentile"] = (
    weight.groupby(frame["category"]).rank(pct=True).mul(100).round(1)
)
# Checklist "fixes": the three signals furthest below their column's median.
checklist = {
    "monthly_sales": "monthly_sales",
    "payer_count": "payer_count",
    "favorites_cart": "favorites",
    "review_quality": "avg_rating",
    "dsr": "dsr_service",
    "main_video": "has_main_video",
    "white_bg_image": "has_white_bg_image",
}
signals = frame[list(checklist.values())].astype("float64")
ratio = (signals / signals.median().replace(0, 1)).fillna(1).to_numpy()
order = np.argsort(ratio, axis=1, kind="stable")[:, :3]
names = np.array(list(checklist))[order]
for k in range(3):
    added[f"fix_{k + 1}"] = names[:, k]
    gap = 1 - np.take_along_axis(ratio, order[:, k : k + 1], axis=1)[:, 0]
    added[f"fix_{k + 1}_gain"] = np.round(np.clip(gap, 0, 1) * 10, 2)
dsr = ["dsr_description", "dsr_service", "dsr_logistics"]
below = (frame[dsr] < frame.groupby("category")[dsr].transform("mean")).any(axis=1)
added["blockers"] = np.where(below, "dsr below category average", "")
added["suggested_category"] = ""
table = pd.concat([frame, added], axis=1)
if output.endswith(".parquet"):
    table.to_parquet(output, index=False)
else:
    table.to_csv(output, index=False, encoding="utf-8-sig", lineterminator="\n")
'''


# ---------------------------------------------------------------- data


def market_dir(listings: int, seed: int, per_keyword: int | None = None) -> Path:
    suffix = f"-lpk{per_keyword}" if per_keyword else ""
    return OUT / f"market-{listings}-s{seed}{suffix}"


def export_path(listings: int, seed: int) -> Path:
    if listings <= BASE:
        return market_dir(listings, seed) / "catalog.csv"
    return OUT / f"catalog-{listings}-s{seed}.csv"


def train_ranks_path(listings: int, seed: int, keywords: int) -> Path:
    folder = market_dir(listings, seed, KEYWORDS_PER)
    return folder / (f"ranks-{keywords}kw.csv" if keywords else "ranks.csv")


def peer_model_path(seed: int) -> Path:
    return OUT / f"peer-lgbm-{MODEL_LISTINGS}-s{seed}.txt"


@dataclass(frozen=True)
class Plan:
    """The files a run needs; made by :func:`generate` in a child process."""

    exports: tuple[int, ...]  # listings of every export scored or audited
    datasets: tuple[int, ...]  # listings of every partitioned parquet export
    train_listings: int
    train_keywords: int
    seed: int
    fresh: bool
    train_parts: bool = False  # the training catalog cut into files too


def generate(plan: Plan) -> None:
    """Make every missing file of ``plan`` (in a child process, so the bench
    itself stays small while it measures)."""
    if plan.fresh and OUT.exists():
        for path in OUT.iterdir():
            if path.name.startswith(
                ("market-", "catalog-", "dataset-", "peer-lgbm-", "model")
            ):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    if plan.exports or plan.datasets:
        _market(MODEL_LISTINGS, plan.seed)
    for listings in sorted(set(plan.datasets)):
        _dataset(listings, plan.seed)
    for listings in sorted(set(plan.exports)):
        if listings <= BASE:
            _market(listings, plan.seed)
        else:
            _tiled(listings, plan.seed)
    if plan.train_listings:
        _market(plan.train_listings, plan.seed, KEYWORDS_PER)
        if plan.train_keywords:
            _long_tail(plan.train_listings, plan.seed, plan.train_keywords)
        if plan.train_parts:
            _train_parts(plan.train_listings, plan.seed)
    if plan.exports:
        _peer_model(plan.seed)


def _market(listings: int, seed: int, per_keyword: int | None = None) -> Path:
    """A simulated market, ``Market.save``d (``market.json`` is written last,
    so its presence means the folder is whole)."""
    import dataclasses

    from ranking.sim import Assumptions, simulate

    folder = market_dir(listings, seed, per_keyword)
    if (folder / "market.json").exists():
        return folder
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    a = Assumptions()
    if per_keyword:
        a = dataclasses.replace(a, listings_per_keyword=per_keyword)
    simulate(listings, seed=seed, assumptions=a).save(folder)
    took = time.perf_counter() - started
    print(f"# made {folder.relative_to(ROOT)} in {took:.1f} s", flush=True)
    return folder


def _tiles(listings: int, seed: int):
    """``listings`` rows as tiles of at most BASE rows (pyarrow tables): the
    BASE market repeated, each copy with fresh unique 12-digit ids and
    visitors, page views and search visitors raised by a Binomial(count, 2%)
    jitter (none in the first copy). One tile in memory at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    base_csv = _market(BASE, seed) / "catalog.csv"
    text = {"listing_id": pa.string(), "listed_at": pa.string()}
    base = pacsv.read_csv(
        base_csv, convert_options=pacsv.ConvertOptions(column_types=text)
    )
    columns = base.column_names
    for copy, start in enumerate(range(0, listings, BASE)):
        tile = base.slice(0, min(BASE, listings - start))
        # i -> 6·10¹¹ + (i·m mod 10¹¹) is one-to-one (m is prime to 10).
        i = np.arange(start, start + tile.num_rows, dtype=np.int64)
        ids = 600_000_000_000 + (i * 2_654_435_761) % 100_000_000_000
        tile = tile.set_column(
            columns.index("listing_id"), "listing_id", pa.array(ids.astype(str))
        )
        if copy:
            rng = np.random.default_rng([seed, copy])
            visitors = tile["visitors"].to_numpy()
            extra = rng.binomial(visitors, 0.02)
            searched = tile["search_visitors"].to_numpy()
            for name, values in (
                ("visitors", visitors + extra),
                ("page_views", tile["page_views"].to_numpy() + extra),
                ("search_visitors", searched + rng.binomial(searched, 0.02)),
            ):
                tile = tile.set_column(columns.index(name), name, pa.array(values))
        yield tile


def _tiled(listings: int, seed: int) -> Path:
    """An export of ``listings`` rows, one CSV file of :func:`_tiles`.
    Streamed: memory stays at one tile."""
    import pyarrow.csv as pacsv

    path = export_path(listings, seed)
    if path.exists():
        return path
    started = time.perf_counter()
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        options = pacsv.WriteOptions(quoting_style="none")
        writer = None
        for tile in _tiles(listings, seed):
            if writer is None:
                writer = pacsv.CSVWriter(tmp, tile.schema, write_options=options)
            writer.write_table(tile, max_chunksize=50_000)
        writer.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    took = time.perf_counter() - started
    print(f"# made {path.relative_to(ROOT)} in {took:.1f} s", flush=True)
    return path


def dataset_path(listings: int, seed: int) -> Path:
    return OUT / f"dataset-{listings}-s{seed}"


def _dataset(listings: int, seed: int) -> Path:
    """An export of ``listings`` rows as partitioned parquet: a folder of
    :func:`_tiles`, one file each (``part-00000.parquet``, ...), written tile
    by tile into a temporary folder renamed when whole."""
    import pyarrow.parquet as pq

    path = dataset_path(listings, seed)
    if path.exists():
        return path
    started = time.perf_counter()
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for k, tile in enumerate(_tiles(listings, seed)):
            pq.write_table(tile, tmp / f"part-{k:05d}.parquet")
        tmp.replace(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.perf_counter() - started
    print(f"# made {path.relative_to(ROOT)} in {took:.1f} s", flush=True)
    return path


def train_parts_path(listings: int, seed: int) -> Path:
    return market_dir(listings, seed, KEYWORDS_PER) / "parts"


def _train_parts(listings: int, seed: int) -> Path:
    """The training market's catalog cut into :data:`TRAIN_PARTS` CSV files of
    consecutive rows, every cell as written (a folder export for ``train
    --engine``); beside ``catalog.csv``, written into a temporary folder
    renamed when whole."""
    import numpy as np
    import pandas as pd

    path = train_parts_path(listings, seed)
    if path.exists():
        return path
    catalog = pd.read_csv(path.parent / "catalog.csv", dtype=str, keep_default_na=False)
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for k, rows in enumerate(np.array_split(np.arange(len(catalog)), TRAIN_PARTS)):
            catalog.iloc[rows].to_csv(tmp / f"part-{k}.csv", index=False)
        tmp.replace(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _long_tail(listings: int, seed: int, keywords: int) -> Path:
    """The training market's ranks with long-tail keywords added until there
    are ``keywords`` groups: an extra attribute (or two) before a simulated
    attribute+noun phrase, matched when every term is in the title and the
    product is of the keyword's category, ranked as the simulator ranks."""
    import itertools

    import numpy as np
    import pandas as pd

    from ranking.sim import CATEGORIES, CENSORED_FORMS, Assumptions

    path = train_ranks_path(listings, seed, keywords)
    if path.exists():
        return path
    folder = market_dir(listings, seed, KEYWORDS_PER)
    meta = json.loads((folder / "market.json").read_text(encoding="utf-8"))
    a, lang = Assumptions(**meta["assumptions"]), meta["lang"]
    ranks = pd.read_csv(folder / "ranks.csv", dtype=str, keep_default_na=False)
    have = set(ranks["keyword"])
    if len(have) >= keywords:
        shutil.copyfile(folder / "ranks.csv", path)
        return path
    ids = pd.read_csv(folder / "catalog.csv", usecols=["listing_id"], dtype=str)
    titles = pd.read_csv(folder / "catalog.csv", usecols=["title"], dtype=str)
    truth = pd.read_csv(folder / "truth.csv", usecols=["title_category", "true_weight"])
    titles = titles["title"].str.lower().to_numpy().astype(str)
    product = truth["title_category"].to_numpy()
    weight = truth["true_weight"].to_numpy()
    sep = "" if lang == "zh" else " "
    enough = min(20, max(2, listings // 60))  # as the simulator
    usable: dict[str, np.ndarray] = {}
    for category in CATEGORIES:
        rows = np.flatnonzero(product == (category.zh if lang == "zh" else category.en))
        text = titles[rows]
        nouns = category.nouns_zh if lang == "zh" else category.nouns_en
        attrs = category.attrs_zh if lang == "zh" else category.attrs_en

        def has(term: str, text=text) -> np.ndarray:
            return np.char.find(text, term.lower()) >= 0

        for noun, first in itertools.product(nouns, attrs):
            phrase = has(f"{first}{sep}{noun}")
            others = [x for x in attrs if x != first]
            extras = [(x,) for x in others] + list(itertools.combinations(others, 2))
            for extra in extras:
                keyword = " ".join([*extra, f"{first}{sep}{noun}"])
                mask = phrase.copy()
                for term in extra:
                    mask &= has(term)
                if keyword not in have and mask.sum() >= enough:
                    usable[keyword] = rows[mask]
    rng = np.random.default_rng([seed, 7])
    names = sorted(usable)
    wanted = min(keywords - len(have), len(names))
    chosen = [names[i] for i in sorted(rng.choice(len(names), wanted, replace=False))]
    listing = ids["listing_id"].to_numpy()
    frames = [ranks]
    for keyword in chosen:
        idx = usable[keyword]
        score = weight[idx] + rng.gumbel(0, a.rank_noise, len(idx))
        ordered = idx[np.argsort(-score, kind="stable")]
        top = ordered[: a.observed_top]
        below = ordered[a.observed_top :]
        seen = below[rng.random(len(below)) < a.censored_share]
        forms = rng.choice(CENSORED_FORMS[lang], size=len(seen))
        frames.append(
            pd.DataFrame(
                {
                    "listing_id": listing[np.concatenate([top, seen])],
                    "keyword": keyword,
                    "search_rank": [str(r) for r in range(1, len(top) + 1)]
                    + [f.format(n=a.observed_top) for f in forms],
                }
            )
        )
    tmp = path.with_name(f".{path.name}.tmp")
    pd.concat(frames, ignore_index=True).to_csv(
        tmp, index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    tmp.replace(path)
    print(
        f"# made {path.relative_to(ROOT)}: {len(have)} simulated + {wanted} "
        "long-tail keywords",
        flush=True,
    )
    return path


def _peer_model(seed: int) -> Path:
    """The peer's LightGBM model: log search visitors from the numeric
    columns of the model sample, saved as LightGBM text."""
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    path = peer_model_path(seed)
    if path.exists():
        return path
    frame = pd.read_csv(market_dir(MODEL_LISTINGS, seed) / "catalog.csv")
    numeric = frame.select_dtypes("number").drop(
        columns=["listing_id", "search_visitors"], errors="ignore"
    )
    model = lgb.LGBMRegressor(
        n_estimators=200, num_leaves=31, random_state=seed, verbose=-1
    )
    model.fit(numeric, np.log1p(frame["search_visitors"]))
    tmp = path.with_name(f".{path.name}.tmp")
    model.booster_.save_model(str(tmp))
    tmp.replace(path)
    return path


def source_key() -> str:
    """What the cached model depends on: the package's source and the
    versions of the libraries it is fitted with."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "ranking").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    for package in ("numpy", "pandas", "scikit-learn", "scipy", "joblib"):
        digest.update(f"{package}={version(package)}".encode())
    return digest.hexdigest()


def ensure_model(seed: int, timeout: float) -> Path:
    """``bench/out/model``: ``ranking train`` on the model sample, made again
    when the package's source or its libraries changed."""
    folder, stamp = OUT / "model", OUT / "model.key"
    key = f"{source_key()} {MODEL_LISTINGS} {seed}"
    if folder.is_dir() and stamp.exists() and stamp.read_text() == key:
        return folder
    stamp.unlink(missing_ok=True)
    market = market_dir(MODEL_LISTINGS, seed)
    with tempfile.TemporaryDirectory(prefix="ranking-scale-") as tmp:
        made = run(
            [
                str(RANKING),
                "train",
                str(market / "catalog.csv"),
                "--ranks",
                str(market / "ranks.csv"),
                "-o",
                str(folder),
            ],
            env=ranking_env(Path(tmp) / "cache"),
            timeout=timeout,
        )
    if not made.ok:
        raise SystemExit(f"training the bench model failed: {made.error}")
    stamp.write_text(key)
    print(f"# trained {folder.relative_to(ROOT)} in {made.wall:.1f} s", flush=True)
    return folder


def listing_ids(export: Path, count: int = 3) -> list[str]:
    """``count`` listing ids spread through the export (10%, 50%, 90%)."""
    with export.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        at = next(reader).index("listing_id")
        ids = [row[at] for row in reader]
    return [
        ids[int(len(ids) * (0.1 + 0.8 * k / max(count - 1, 1)))] for k in range(count)
    ]


def keyword_groups(ranks: Path) -> tuple[int, int]:
    """Distinct keywords and rows of a ranks file."""
    with ranks.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        at = next(reader).index("keyword")
        keywords, rows = set(), 0
        for row in reader:
            keywords.add(row[at])
            rows += 1
    return len(keywords), rows


# ---------------------------------------------------------------- printing


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def header(args) -> None:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "ranking",
            "pandas",
            "numpy",
            "pyarrow",
            "scikit-learn",
            "scipy",
            "lightgbm",
            "dask",
            "distributed",
        )
    )
    print(f"# bench/scale.py · {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, {memory}, "
        f"{platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )
    print(f"# {packages}")
    if commit:
        print(f"# commit {commit}" + (" + uncommitted changes" if dirty else ""))
    else:
        print(f"# code: {ROOT} (not a git checkout)")
    print(
        f"# simulated data, seed {args.seed}, cached in {OUT.relative_to(ROOT)}/; "
        f"exports above {BASE:,} listings tile a {BASE:,}-listing market; "
        f"model: ranking train on {MODEL_LISTINGS:,} listings"
    )


def verdict(met: bool, goal: bool = False) -> str:
    return "goal" if met and goal else ("yes" if met else "NO")


def mib(value: float) -> str:
    return f"{value:,.0f}"


def score_target(listings: int, fmt: str, r: Run) -> tuple[str, str]:
    size, wall, goal, peak = SCORE_1M
    if listings == size:
        met = r.ok and r.wall <= wall and r.peak <= peak
        text = f"<= {wall:.0f} s, <= {peak / GIB:.0f} GiB (goal {goal:.0f} s)"
        return text, verdict(met, met and r.wall <= goal)
    size5, peak5 = SCORE_5M
    if listings == size5 and fmt == "csv":
        return f"completes, <= {peak5 / GIB:.0f} GiB", verdict(r.ok and r.peak <= peak5)
    return f"(<= {wall:.0f} s at {size:,})", "-"


def cell(r: Run, value: float, fmt: str) -> str:
    return format(value, fmt) if r.ok else "failed"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


# ---------------------------------------------------------------- sections


def bench_score(args, model: Path, tmp: Path) -> None:
    peer_script = tmp / "peer.py"
    peer_script.write_text(PEER, encoding="utf-8")
    peer_model = peer_model_path(args.seed)
    print()
    print(
        f"## score: ranking score EXPORT -o OUT --model {model.relative_to(ROOT)} "
        "(top-3 fixes), beside a peer doing less work:"
    )
    print(
        "## pandas read_csv + LightGBM predict (200 trees, numeric columns) + "
        f"write the same rows and {FIX_COLUMNS} added columns"
    )
    row = (
        "{:>10} {:7} {:>9} {:>6} {:>6} {:>6} {:>6} {:>11} {:>8} {:>5} {:>10}  {:34} {}"
    )
    print(
        row.format(
            "listings",
            "out",
            "ranking_s",
            "cpu_s",
            "peer_s",
            "cpu_s",
            "ratio",
            "ranking_MiB",
            "peer_MiB",
            "ratio",
            "listings/s",
            "target",
            "met",
        )
    )
    for listings in args.sizes:
        export = export_path(listings, args.seed)
        for fmt in args.formats:
            warm(export)
            out_r, out_p = tmp / f"ranking.{fmt}", tmp / f"peer.{fmt}"
            cache = tmp / f"cache-score-{listings}-{fmt}"
            ours = run(
                [
                    str(RANKING),
                    "score",
                    str(export),
                    "-o",
                    str(out_r),
                    "--model",
                    str(model),
                ],
                env=ranking_env(cache),
                timeout=args.timeout,
            )
            peer = run(
                [
                    sys.executable,
                    str(peer_script),
                    str(export),
                    str(peer_model),
                    str(out_p),
                ],
                timeout=args.timeout,
            )
            shapes = (output_shape(out_r), output_shape(out_p))
            for path in (out_r, out_p):
                path.unlink(missing_ok=True)
            shutil.rmtree(cache, ignore_errors=True)
            target, met = score_target(listings, fmt, ours)
            both = ours.ok and peer.ok
            print(
                row.format(
                    f"{listings:,}",
                    fmt,
                    cell(ours, ours.wall, ".2f"),
                    cell(ours, ours.cpu, ".1f"),
                    cell(peer, peer.wall, ".2f"),
                    cell(peer, peer.cpu, ".1f"),
                    ratio(ours.wall, peer.wall) if both else "-",
                    cell(ours, ours.peak, ",.0f"),
                    cell(peer, peer.peak, ",.0f"),
                    ratio(ours.peak, peer.peak) if both else "-",
                    cell(ours, listings / ours.wall, ",.0f"),
                    target,
                    met,
                ),
                flush=True,
            )
            for name, r in (("ranking", ours), ("peer", peer)):
                if note := noise(r, name):
                    print(note)
                if not r.ok:
                    after = f"after {r.wall:.1f} s, {mib(r.peak)} MiB"
                    print(f"   {name}: {r.error} ({after})")
            if both and shapes[0] != shapes[1]:
                print(f"   note: output shapes (rows, columns) differ: {shapes}")
            elif both and shapes[0] and shapes[0][0] != listings:
                print(f"   note: {shapes[0][0]:,} rows written of {listings:,}")


def bench_audit(args, model: Path, tmp: Path) -> None:
    export = export_path(args.audit_listings, args.seed)
    warm(export)
    cache = tmp / "cache-audit"
    env = ranking_env(cache)
    print()
    print(
        f"## audit: ranking audit EXPORT LISTING_ID --model {model.relative_to(ROOT)}, "
        f"{args.audit_listings:,}-listing export; cache folder empty at start "
        "(XDG_CACHE_HOME in a temporary folder)"
    )
    row = "{:7} {:>14} {:>7} {:>6} {:>9}  {:36} {}"
    columns = ("run", "listing_id", "wall_s", "cpu_s", "peak_MiB", "target", "met")
    print(row.format(*columns))
    full = args.audit_listings == 100_000
    for k, listing in enumerate(listing_ids(export)):
        r = run(
            [str(RANKING), "audit", str(export), listing, "--model", str(model)],
            env=env,
            timeout=args.timeout,
        )
        limit = AUDIT_FIRST if k == 0 else AUDIT_LATER
        target = f"<= {limit:.0f} s" + ("" if k == 0 else f" (goal {AUDIT_GOAL} s)")
        met = verdict(r.ok and r.wall <= limit, k > 0 and r.ok and r.wall <= AUDIT_GOAL)
        if not full:
            target, met = f"({target} at 100,000)", "-"
        name = ("first", "second", "third")[k]
        print(
            row.format(
                name,
                listing,
                cell(r, r.wall, ".2f"),
                cell(r, r.cpu, ".1f"),
                mib(r.peak),
                target,
                met,
            ),
            flush=True,
        )
        if note := noise(r):
            print(note)
        if not r.ok:
            print(f"   {r.error}")
    files, size = folder_size(cache)
    print(f"cache folder after the audits: {files} file(s), {size:,.1f} MiB (deleted)")


def bench_help(args, tmp: Path) -> None:
    env = ranking_env(tmp / "cache-help")
    runs = [run([str(RANKING), "--help"], env=env) for _ in range(5)]
    walls = [r.wall for r in runs]
    wall = statistics.median(walls)
    ok = all(r.ok for r in runs)
    print()
    print("## start-up: ranking --help, median of 5")
    print(
        f"wall_s {wall:.2f} (min {min(walls):.2f}, max {max(walls):.2f}), "
        f"cpu_s {statistics.median(r.cpu for r in runs):.2f}, "
        f"peak {mib(max(r.peak for r in runs))} MiB; "
        f"target <= {HELP_TARGET} s (goal {HELP_GOAL} s); "
        f"met: {verdict(ok and wall <= HELP_TARGET, ok and wall <= HELP_GOAL)}"
    )
    if note := noise(max(runs, key=lambda r: r.others or 0)):
        print(note)


def bench_train(args, tmp: Path) -> None:
    folder = market_dir(args.train_listings, args.seed, KEYWORDS_PER)
    ranks = train_ranks_path(args.train_listings, args.seed, args.train_keywords)
    simulated = json.loads((folder / "market.json").read_text())["keywords"]
    groups, rows = keyword_groups(ranks)
    r = run(
        [
            str(RANKING),
            "train",
            str(folder / "catalog.csv"),
            "--ranks",
            str(ranks),
            "-o",
            str(tmp / "trained"),
        ],
        env=ranking_env(tmp / "cache-train"),
        timeout=args.timeout,
    )
    shutil.rmtree(tmp / "trained", ignore_errors=True)
    size, keywords, wall, goal = TRAIN
    print()
    print(
        f"## train: ranking train EXPORT --ranks RANKS -o DIR, "
        f"{args.train_listings:,} listings, {groups:,} keyword groups "
        f"({simulated:,} simulated + {groups - simulated:,} long-tail), "
        f"{rows:,} rank rows"
    )
    if args.train_listings == size:
        target = f"<= {wall:.0f} s (goal {goal:.0f} s) at {keywords:,} keywords"
        met = verdict(r.ok and r.wall <= wall, r.ok and r.wall <= goal)
        if groups < keywords:
            met += f" (only {groups:,} keyword groups)"
    else:
        target, met = f"(<= {wall:.0f} s at {size:,} listings)", "-"
    print(f"{'wall_s':>7} {'cpu_s':>6} {'peak_MiB':>9}  {'target':40} met")
    print(
        f"{cell(r, r.wall, '.2f'):>7} {cell(r, r.cpu, '.1f'):>6} {mib(r.peak):>9}  "
        f"{target:40} {met}"
    )
    if note := noise(r):
        print(note)
    if not r.ok:
        print(f"   {r.error}")


def run_sampled(args: list[str], env: dict, timeout: float | None = None):
    """:func:`run`, with the resident memory of the child and of every process
    it starts (a LocalCluster's workers) sampled every 0.2 s with psutil:
    returns the run and the peak RSS (MiB) of each process, the child's
    first. Sampling can miss a spike shorter than 0.2 s."""
    import psutil

    peaks: dict[int, float] = {}
    root: list[int] = []
    done, started = threading.Event(), threading.Event()

    def sample() -> None:
        started.wait()
        while root and not done.is_set():
            try:
                top = psutil.Process(root[0])
                processes = [top, *top.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                try:
                    rss = process.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                peaks[process.pid] = max(peaks.get(process.pid, 0.0), rss)
            done.wait(0.2)

    def on_start(pid: int) -> None:
        root.append(pid)
        started.set()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        r = run(args, env=env, timeout=timeout, on_start=on_start)
    finally:
        done.set()
        started.set()
        sampler.join()
    main = peaks.pop(root[0], 0.0) if root else 0.0
    # Alone, the child's own peak is wait4's (exact); with children, wait4
    # reports the largest of them, so the sampled figure stands.
    return r, [main if peaks else r.peak] + [peaks[pid] for pid in sorted(peaks)]


OUTPUT_COLUMNS = (
    "listing_id",
    "weight",
    "category_percentile",
    "fix_1",
    "fix_1_gain",
    "fix_2",
    "fix_2_gain",
    "fix_3",
    "fix_3_gain",
    "blockers",
    "suggested_category",
)


def differing_rows(a: Path, b: Path) -> tuple[int, int]:
    """Rows of two scored dataset folders that differ in any of
    :data:`OUTPUT_COLUMNS`, and rows compared; a column at a time, so memory
    holds two columns."""
    import numpy as np
    import pyarrow.parquet as pq

    differ, rows = None, 0
    for name in OUTPUT_COLUMNS:
        x = pq.read_table(a, columns=[name]).column(0).to_numpy(zero_copy_only=False)
        y = pq.read_table(b, columns=[name]).column(0).to_numpy(zero_copy_only=False)
        if len(x) != len(y):
            return -1, max(len(x), len(y))
        same = (x == y) | (np.isnan(x) & np.isnan(y) if x.dtype.kind == "f" else False)
        differ = ~same if differ is None else differ | ~same
        rows = len(x)
    return int(differ.sum()), rows


def engine_notes(r: Run, engine: str) -> None:
    """Below an engine's row: noise from other processes, or its failure."""
    if note := noise(r, engine):
        print(note)
    if not r.ok:
        print(f"   {engine}: {r.error} (after {r.wall:.1f} s)")


def bench_cluster(args, model: Path, tmp: Path) -> None:
    """Local engine vs the Dask engine on a LocalCluster (one single-threaded
    worker per core) on partitioned parquet exports, parquet datasets out."""
    print()
    print(
        "## cluster: ranking score DATASET/ -o OUT/ --model "
        f"{model.relative_to(ROOT)} (partitioned parquet in, {BASE:,} listings a "
        "file; parquet dataset out), --engine local vs --engine dask on a "
        f"LocalCluster ({os.cpu_count()} workers x 1 thread); peak RSS sampled "
        "every 0.2 s"
    )
    row = "{:>11} {:>5} {:6} {:>8} {:>7} {:>10} {:>22} {:>10}  {}"
    print(
        row.format(
            "listings",
            "files",
            "engine",
            "wall_s",
            "cpu_s",
            "main_MiB",
            "per-worker peak MiB",
            "sum_of_peaks",
            "equal to local (rows)",
        )
    )
    for listings in args.cluster_sizes:
        dataset = dataset_path(listings, args.seed)
        files = len(list(dataset.glob("*.parquet")))
        outputs = {}
        for engine in ("local", "dask"):
            for part in dataset.iterdir():
                warm(part)
            out = tmp / f"scored-{engine}"
            cache = tmp / f"cache-cluster-{engine}"
            r, peaks = run_sampled(
                [str(RANKING), "score", str(dataset), "-o", str(out)]
                + ["--model", str(model), "--engine", engine],
                env=ranking_env(cache),
                timeout=args.timeout,
            )
            shutil.rmtree(cache, ignore_errors=True)
            outputs[engine] = out
            main, workers = peaks[0], peaks[1:]
            # A LocalCluster's processes: its workers (and a small resource
            # tracker, left out below 100 MiB).
            workers = [w for w in workers if w >= 100]
            equal = "-"
            if engine == "dask" and r.ok and outputs["local"].exists():
                differ, compared = differing_rows(outputs["local"], out)
                equal = (
                    f"{compared - differ:,} of {compared:,}"
                    if differ >= 0
                    else "row counts differ"
                )
            print(
                row.format(
                    f"{listings:,}",
                    files,
                    engine,
                    cell(r, r.wall, ".1f"),
                    cell(r, r.cpu, ".1f"),
                    mib(main),
                    " / ".join(mib(w) for w in workers) if workers else "-",
                    mib(sum(peaks)),
                    equal,
                ),
                flush=True,
            )
            engine_notes(r, engine)
        for out in outputs.values():
            shutil.rmtree(out, ignore_errors=True)
            Path(f"{out}.rejects.csv").unlink(missing_ok=True)


def same_model(a: Path, b: Path) -> str:
    """Whether two model folders hold the same model: equal ``model.json``
    and every array of ``model.npz`` (terms and the training profile)."""
    import numpy as np

    if (a / "model.json").read_bytes() != (b / "model.json").read_bytes():
        return "no (model.json differs)"
    with np.load(a / "model.npz") as x, np.load(b / "model.npz") as y:
        if x.files != y.files:
            return "no (other arrays)"
        differ = [k for k in x.files if not np.array_equal(x[k], y[k])]
    return (
        f"no ({len(differ)} arrays differ)"
        if differ
        else f"yes ({len(x.files)} arrays)"
    )


def bench_train_cluster(args, tmp: Path) -> None:
    """``ranking train`` on the training catalog cut into files, --engine
    local vs --engine dask on a LocalCluster: wall, memory, same model."""
    parts = train_parts_path(args.train_listings, args.seed)
    ranks = train_ranks_path(args.train_listings, args.seed, args.train_keywords)
    groups, _ = keyword_groups(ranks)
    print()
    print(
        f"## train on a cluster: ranking train PARTS/ --ranks RANKS -o DIR, "
        f"{args.train_listings:,} listings in {TRAIN_PARTS} CSV files, "
        f"{groups:,} keyword groups; --engine local vs --engine dask on a "
        f"LocalCluster ({os.cpu_count()} workers x 1 thread); peak RSS sampled "
        "every 0.2 s"
    )
    row = "{:6} {:>8} {:>7} {:>10} {:>22}  {}"
    print(
        row.format(
            "engine",
            "wall_s",
            "cpu_s",
            "main_MiB",
            "per-worker peak MiB",
            "same model as local",
        )
    )
    models = {}
    for engine in ("local", "dask"):
        for part in parts.iterdir():
            warm(part)
        models[engine] = tmp / f"trained-{engine}"
        r, peaks = run_sampled(
            [str(RANKING), "train", str(parts), "--ranks", str(ranks)]
            + ["-o", str(models[engine]), "--engine", engine],
            env=ranking_env(tmp / f"cache-train-{engine}"),
            timeout=args.timeout,
        )
        workers = [w for w in peaks[1:] if w >= 100]
        same = "-"
        if engine == "dask" and r.ok and models["local"].exists():
            same = same_model(models["local"], models[engine])
        print(
            row.format(
                engine,
                cell(r, r.wall, ".1f"),
                cell(r, r.cpu, ".1f"),
                mib(peaks[0]),
                " / ".join(mib(w) for w in workers) if workers else "-",
                same,
            ),
            flush=True,
        )
        engine_notes(r, engine)
    for model in models.values():
        shutil.rmtree(model, ignore_errors=True)


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000000",
        help="listings of the exports scored, comma-separated (default 1000000)",
    )
    parser.add_argument("--formats", default="csv,parquet", help="score outputs")
    parser.add_argument("--audit-listings", type=int, default=100_000)
    parser.add_argument("--train-listings", type=int, default=TRAIN[0])
    parser.add_argument(
        "--train-keywords",
        type=int,
        default=None,
        help="keyword groups to train on (default listings/100; 0 = the "
        "simulator's only)",
    )
    parser.add_argument(
        "--only",
        default="score,audit,help,train",
        help="sections to run, comma-separated: score, audit, help, train, "
        "cluster, train-cluster (default all but the two cluster ones)",
    )
    parser.add_argument(
        "--cluster-sizes",
        default="1000000,10000000",
        help="listings of the partitioned parquet exports of the cluster section",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600, help="per command, s")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete every cached export, ranks file and model in bench/out first",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes to check the script: score 20,000, audit 5,000, train 5,000",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.audit_listings, args.train_listings = "20000", 5_000, 5_000
        args.cluster_sizes = "500000"
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    args.cluster_sizes = [
        int(s.replace("_", "")) for s in args.cluster_sizes.split(",") if s
    ]
    args.formats = [f.strip().lstrip(".") for f in args.formats.split(",") if f]
    sections = {s.strip() for s in args.only.split(",")}
    known = {"score", "audit", "help", "train", "cluster", "train-cluster"}
    if unknown := sections - known:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.train_keywords is None:
        args.train_keywords = args.train_listings // KEYWORDS_PER
    if not RANKING.exists():
        raise SystemExit(f"{RANKING} not found: run from the project's venv")
    if "score" in sections and version("lightgbm") == "-":
        raise SystemExit("the peer needs lightgbm: pip install -e '.[bench]'")

    exports = (args.sizes if "score" in sections else []) + (
        [args.audit_listings] if "audit" in sections else []
    )
    if sections & {"cluster", "train-cluster"} and version("distributed") == "-":
        raise SystemExit("the cluster section needs Dask: pip install -e '.[dask]'")
    plan = Plan(
        exports=tuple(exports),
        datasets=tuple(args.cluster_sizes if "cluster" in sections else ()),
        train_listings=(
            args.train_listings if sections & {"train", "train-cluster"} else 0
        ),
        train_keywords=args.train_keywords,
        seed=args.seed,
        fresh=args.fresh,
        train_parts="train-cluster" in sections,
    )
    maker = multiprocessing.get_context("spawn").Process(target=generate, args=(plan,))
    maker.start()
    maker.join()
    if maker.exitcode:
        raise SystemExit(f"making the data failed (exit {maker.exitcode})")
    model = None
    if sections & {"score", "audit", "cluster"}:
        model = ensure_model(args.seed, args.timeout)

    header(args)
    with tempfile.TemporaryDirectory(prefix="ranking-scale-") as folder:
        tmp = Path(folder)
        if "score" in sections:
            bench_score(args, model, tmp)
        if "audit" in sections:
            bench_audit(args, model, tmp)
        if "help" in sections:
            bench_help(args, tmp)
        if "train" in sections:
            bench_train(args, tmp)
        if "cluster" in sections:
            bench_cluster(args, model, tmp)
        if "train-cluster" in sections:
            bench_train_cluster(args, tmp)


if __name__ == "__main__":
    main()
