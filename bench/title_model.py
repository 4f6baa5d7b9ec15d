"""Title → category: the sampled, hashed classifier beside the whole-catalog one.

Systems, side by side in one run, each size and system in a process of its
own so that its peak memory is its own:

* ``current``: the classifier before issue 7 (``category_fit.title_categories``
  as of commit da07067, copied below): scikit-learn's ``TfidfVectorizer``
  (``char_wb``, 1-3-grams, ``min_df=2``, sublinear tf) and ``SGDClassifier``
  (logistic loss, up to 30 passes), cross-fitted in 5 folds over the whole
  catalog;
* ``hashing``: scikit-learn's ``HashingVectorizer(analyzer="char_wb",
  ngram_range=(1, 3))`` transforming every title: featurising alone, the
  floor of any scikit-learn analyzer, which runs Python per title;
* ``title_model``: :func:`sample_mask` (``--total``, ``--floor``), then
  :func:`fit_title_model` on the sample (cross-fitted inside it) and
  :meth:`TitleModel.title_categories` on every other listing.

Speed: simulated catalogs of 100,000 and 1,000,000 listings
(``simulate(n, seed=0)``, cached as parquet), wall and CPU seconds, peak
resident memory (and the part above the loaded catalog), accuracy of the best
category against the placed one and against the simulator's truth.

Quality: PriceRunner's real English titles (``shared/realdata``): accuracy of
the best category, and wrong-category detection with the rule of
``ranking.explain.fixes.misfits`` (another category at least 5× as likely, the placed
one at most 0.2, both with 20 listings or more) when 5% of the listings are
moved to a random other category, as ``bench/fixes.py`` measures it, the file
as it is and with its doubly spelt categories merged; simulated 20,000-listing
catalogs in Chinese and English; accuracy against the sample size.

Run: ``.venv/bin/python bench/title_model.py`` (all; about 25 minutes, most
of it the current system on a million listings), or pick with ``--sizes``,
``--langs``, ``--systems``, ``--no-speed``, ``--no-quality``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.explain.fixes import misfits
from ranking.model.features import title_grams
from ranking.model.features.common import categories, listing_keys
from ranking.model.features.title_grams import HASH_BITS
from ranking.model.features.title_model import (
    FOLDS,
    MIN_LISTINGS,
    MIN_TITLE_CHARS,
    fit_title_model,
)
from ranking.model.features.title_sample import sample_mask
from ranking.sim import simulate

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PRICERUNNER = REALDATA / "pricerunner" / "pricerunner_title_category.csv"
CACHE = Path(tempfile.gettempdir()) / "ranking-title-bench"
TOTAL, FLOOR = 40_000, 200
SYSTEMS = ("current", "hashing", "title_model")


# ------------------------------------------------------------------ systems


def current_title_categories(data: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``ranking.model.features.category_fit.title_categories`` as of commit
    da07067, before issue 7: TF-IDF and SGD cross-fitted on the whole
    catalog."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    out = pd.DataFrame(
        {
            "title_fit": np.nan,
            "best_category": pd.Series(pd.NA, index=data.index, dtype="string"),
            "best_prob": np.nan,
        },
        index=data.index,
    )
    title = data["title"].astype("string").fillna("")
    category = categories(data)
    counts = category.map(category.value_counts())
    usable = (title.str.len() >= MIN_TITLE_CHARS) & data["category"].notna()
    learnable = usable & (counts >= MIN_LISTINGS)
    classes = np.sort(category[learnable].unique())
    if len(classes) < 2:
        return out
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float32,
    )
    key = listing_keys(data, seed)
    rows = np.flatnonzero(usable.to_numpy())
    rows = rows[np.argsort(key[rows], kind="stable")]
    matrix = vectorizer.fit_transform(title.to_numpy()[rows])
    labels = category.to_numpy()[rows]
    learn = learnable.to_numpy()[rows]
    fold_of = key[rows] % FOLDS
    proba = np.zeros((len(rows), len(classes)))
    for fold in range(FOLDS):
        score_at = np.flatnonzero(fold_of == fold)
        train_at = np.flatnonzero((fold_of != fold) & learn)
        if len(score_at) == 0 or len(np.unique(labels[train_at])) < 2:
            continue
        model = SGDClassifier(
            loss="log_loss",
            alpha=1e-5,
            max_iter=30,
            tol=1e-3,
            random_state=seed,
            n_jobs=-1,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix[train_at], labels[train_at])
        where = np.searchsorted(classes, model.classes_)
        proba[np.ix_(score_at, where)] = model.predict_proba(matrix[score_at])
    placed = np.minimum(np.searchsorted(classes, labels), len(classes) - 1)
    learned = (classes[placed] == labels) & learn
    fit = np.where(learned, proba[np.arange(len(rows)), placed], np.nan)
    best = proba.argmax(axis=1)
    index = data.index[rows]
    out.loc[index, "title_fit"] = fit
    out.loc[index, "best_category"] = classes[best]
    out.loc[index, "best_prob"] = proba[np.arange(len(rows)), best]
    return out


def sampled_title_categories(
    data: pd.DataFrame, total: int = TOTAL, floor: int = FLOOR, seed: int = 0
) -> tuple[pd.DataFrame, dict]:
    """The new path: cross-fitted on the sample, the fitted model elsewhere.
    Also returns the sample size and the seconds taken to draw the sample
    (hashing every listing id), to fit, and to apply."""
    start = time.perf_counter()
    keys = listing_keys(data, seed)
    sample = sample_mask(data["category"].to_numpy(), keys, total, floor)
    sampled = time.perf_counter()
    model, fit = fit_title_model(
        data["title"][sample], data["category"][sample], keys[sample], seed
    )
    fitted = time.perf_counter()
    parts = [fit]
    if model is not None and (~sample).any():
        parts.append(
            model.title_categories(data["title"][~sample], data["category"][~sample])
        )
    out = pd.concat(parts).reindex(data.index)
    done = time.perf_counter()
    timing = {
        "sample": int(sample.sum()),
        "sample_s": sampled - start,
        "fit_s": fitted - sampled,
        "apply_s": done - fitted,
    }
    return out, timing


def hashing_transform(data: pd.DataFrame) -> None:
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), n_features=2**HASH_BITS
    )
    vectorizer.transform(data["title"].astype("string").fillna("").to_numpy())


# --------------------------------------------------------------------- data


def catalog(listings: int, lang: str) -> pd.DataFrame:
    """``simulate(listings, seed=0, lang=lang)``'s titles and categories, with
    the truth, cached as parquet (a million listings take a minute or two)."""
    path = CACHE / f"catalog-{listings}-{lang}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        market = simulate(listings, seed=0, lang=lang)
        frame = market.catalog[["listing_id", "title", "category"]].copy()
        frame["true_category"] = market.truth["title_category"].to_numpy()
        frame["wrong"] = market.truth["placed_in_wrong_category"].to_numpy()
        frame.to_parquet(path.with_suffix(".tmp"))
        os.replace(path.with_suffix(".tmp"), path)
    return pd.read_parquet(path)


def pricerunner() -> pd.DataFrame | None:
    if not PRICERUNNER.exists():
        return None
    frame = pd.read_csv(PRICERUNNER, dtype=str).rename(
        columns={"product_id": "listing_id"}
    )
    return frame.dropna(subset=["category"]).reset_index(drop=True)


def move_five_percent(frame: pd.DataFrame, seed: int = 0):
    """5% of listings moved to a random other category (``bench/fixes.py``
    uses it too): the moved frame, which rows moved, and their categories
    before."""
    frame = frame.copy()
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(frame)) < 0.05
    names = np.sort(frame["category"].unique())
    original = frame["category"].to_numpy()
    moved_to = rng.choice(names, size=len(frame))
    clash = moved_to == original
    while clash[wrong].any():
        moved_to[clash] = rng.choice(names, size=clash.sum())
        clash = moved_to == original
    frame.loc[wrong, "category"] = moved_to[wrong]
    return frame, wrong, original


def detection(data: pd.DataFrame, wrong: np.ndarray, fit: pd.DataFrame):
    sizes = categories(data).value_counts()
    flagged = misfits(data, fit, sizes).to_numpy()
    hits = flagged & wrong
    return hits.sum() / max(wrong.sum(), 1), hits.sum() / max(flagged.sum(), 1)


# -------------------------------------------------------------------- speed


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(system: str, listings: int, lang: str, args) -> dict:
    """One system on one catalog, in this process; a JSON-ready result."""
    title_grams.THREADS = args.threads
    data = catalog(listings, lang)
    # scikit-learn's import (a second or two) is timed apart: every system
    # needs it, and applying a stored title model does not.
    start = time.perf_counter()
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.linear_model  # noqa: F401

    imported = time.perf_counter() - start
    loaded = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    extra: dict = {}
    fit = None
    if system == "current":
        fit = current_title_categories(data)
    elif system == "hashing":
        hashing_transform(data)
    else:
        fit, extra = sampled_title_categories(data, args.total, args.floor)
    result = {
        "system": system,
        "lang": lang,
        "listings": listings,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loaded_mib": loaded,
        "import_s": imported,
        **extra,
    }
    if fit is not None:
        best = fit["best_category"]
        result["acc_placed"] = float((best == data["category"]).mean())
        result["acc_true"] = float((best == data["true_category"]).mean())
        recall, precision = detection(data, data["wrong"].to_numpy(), fit)
        result["misfit_recall"], result["misfit_precision"] = recall, precision
    return result


def speed(args) -> None:
    print(
        f"\n# speed: {os.cpu_count()} cores; load average before "
        f"{os.getloadavg()[0]:.1f}; title_model sample total={args.total:,}, "
        f"floor={args.floor}, {args.threads} thread(s) applying"
    )
    print(
        "| system | lang | listings | wall s | CPU s | sample s | fit s | apply s | "
        "peak MiB | above data MiB | acc placed | acc true | misfit R / P | "
        "sklearn import s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for listings in args.sizes:
        for lang in args.langs:
            catalog(listings, lang)  # cached before any timing
            for system in args.systems:
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    system,
                    str(listings),
                    lang,
                    "--total",
                    str(args.total),
                    "--floor",
                    str(args.floor),
                    "--threads",
                    str(args.threads),
                ]
                try:
                    done = subprocess.run(
                        command,
                        capture_output=True,
                        text=True,
                        timeout=args.timeout,
                        check=True,
                    )
                except subprocess.TimeoutExpired:
                    print(f"| {system} | {lang} | {listings:,} | > {args.timeout} |")
                    continue
                r = json.loads(done.stdout.strip().splitlines()[-1])
                fmt = "{:.3f}".format
                print(
                    f"| {system} | {lang} | {listings:,} | {r['wall_s']:.1f} | "
                    f"{r['cpu_s']:.1f} | "
                    f"{fmt(r['sample_s']) if 'sample_s' in r else '—'} | "
                    f"{fmt(r['fit_s']) if 'fit_s' in r else '—'} | "
                    f"{fmt(r['apply_s']) if 'apply_s' in r else '—'} | "
                    f"{r['peak_mib']:.0f} | {r['peak_mib'] - r['loaded_mib']:.0f} | "
                    f"{fmt(r['acc_placed']) if 'acc_placed' in r else '—'} | "
                    f"{fmt(r['acc_true']) if 'acc_true' in r else '—'} | "
                    + (
                        f"{r['misfit_recall']:.3f} / {r['misfit_precision']:.3f} | "
                        if "misfit_recall" in r
                        else "— | "
                    )
                    + f"{r['import_s']:.1f} |",
                    flush=True,
                )


# ------------------------------------------------------------------ quality


def quality(args) -> None:
    real = pricerunner()
    systems = {
        "current (whole catalog)": lambda frame: current_title_categories(frame),
        f"title_model ({args.total:,} / {args.floor})": lambda frame: (
            sampled_title_categories(frame, args.total, args.floor)[0]
        ),
    }
    print("\n# quality; detection: 5% moved, rule of ranking.explain.fixes.misfits")
    print(
        "| system | PriceRunner acc | as is recall / precision | "
        "merged recall / precision | sim zh acc true | sim zh recall / precision "
        "| sim en acc true | sim en recall / precision |"
    )
    print("|---|---|---|---|---|---|---|---|")
    sims = {lang: simulate(20_000, seed=0, lang=lang) for lang in ("zh", "en")}
    for name, run in systems.items():
        cells = []
        if real is not None:
            fit = run(real)
            cells.append(f"{(fit['best_category'] == real['category']).mean():.4f}")
            titled = real.dropna(subset=["title"]).reset_index(drop=True)
            # The file spells three categories two ways (fridge / Fridges, ...).
            merged = titled.assign(
                category=titled["category"].str.lower().str.rstrip("s")
            )
            for frame in (titled, merged):
                moved, wrong, _ = move_five_percent(frame)
                recall, precision = detection(moved, wrong, run(moved))
                cells.append(f"{recall:.3f} / {precision:.3f}")
        else:
            cells += ["—"] * 3
        for market in sims.values():
            fit = run(market.catalog)
            truth = market.truth["title_category"]
            cells.append(f"{(fit['best_category'] == truth).mean():.4f}")
            wrong = market.truth["placed_in_wrong_category"].to_numpy()
            recall, precision = detection(market.catalog, wrong, fit)
            cells.append(f"{recall:.3f} / {precision:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

    print("\n# accuracy against the sample size (floor 200), title_model")
    print(
        "| total | PriceRunner sampled | PriceRunner acc | "
        "sim 200k zh acc true / placed | fit s | "
        "sim 200k en acc true / placed | fit s |"
    )
    print("|---|---|---|---|---|---|---|")
    big = {lang: catalog(1_000_000, lang).iloc[:200_000] for lang in ("zh", "en")}
    for total in (5_000, 10_000, 20_000, 30_000, 40_000, 60_000):
        cells = [f"{total:,}"]
        if real is not None:
            fit, timing = sampled_title_categories(real, total, args.floor)
            cells.append(f"{timing['sample']:,}")
            cells.append(f"{(fit['best_category'] == real['category']).mean():.4f}")
        else:
            cells += ["—", "—"]
        for frame in big.values():
            fit, timing = sampled_title_categories(frame, total, args.floor)
            true = (fit["best_category"] == frame["true_category"]).mean()
            placed = (fit["best_category"] == frame["category"]).mean()
            cells.append(f"{true:.4f} / {placed:.4f}")
            cells.append(f"{timing['fit_s']:.1f}")
        print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--langs", default="zh,en")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--total", type=int, default=TOTAL)
    parser.add_argument("--floor", type=int, default=FLOOR)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument(
        "--threads", type=int, default=title_grams.THREADS, help="title_model's"
    )
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("SYSTEM", "LISTINGS", "LANG"))
    args = parser.parse_args()
    if args.child:
        system, listings, lang = args.child
        result = child(system, int(listings), lang, args)
        print(json.dumps(result))
        return
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.langs = args.langs.split(",")
    args.systems = args.systems.split(",")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} bench/title_model.py")
    if not args.no_quality:
        quality(args)
    if not args.no_speed:
        speed(args)


if __name__ == "__main__":
    main()
