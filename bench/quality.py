"""Model quality against peers, on one simulated catalog with known true weight.

Setup (issue 3): 20,000 listings, ranks observed for about 100 keywords, half
the listings held out from training (their rows are dropped from the ranks the
systems learn from). Printed side by side, for

* ``ranking``: our additive pairwise model (the code ``ranking train`` runs);
* ``lightgbm``: LightGBM's ``LGBMRanker`` (lambdarank) on the raw export
  columns (category as a categorical, listed_at as days), trained on the same
  keyword groups with graded labels;
* ``hgb_same_features``: scikit-learn's HistGradientBoostingRegressor, a
  free-form ensemble, on our features with the same monotonic constraints,
  fitted pointwise to each listing's graded position (mean over its groups);
* ``monthly_sales``: ordering by monthly sales, what a seller does by hand;
* ``true_weight``: the simulator's true weight, the ceiling (the observed
  ranks are that weight plus Gumbel noise).

Then the model trained from ``search_visitors`` instead of ranks (what most
sellers have), on the shipped simulator and on one whose search visitors also
follow each listing's overall traffic and carry noise.

Metrics: NDCG@10 on held-out listings (each keyword group restricted to its
held-out listings; relevance ``11 − rank`` for the observed top 10, else 0;
linear gain, the same function for every system), and Spearman between
predicted and true weight over *all* held-out listings, ranked or not. Also
wall time and peak memory (tracemalloc) of each fit.

``--simulator-at COMMIT`` makes the market with that commit's simulator
instead (taken from git, run in its own process) and compares today's systems
on it, without the search-visitor part. Issue 21's bar (NDCG@10 ≥ 0.925) is
the figure measured at 6231c7d, whose simulator's ranks carry less noise than
today's: ``--simulator-at 6231c7d`` measures today's model against it on the
same market.

Run: ``.venv/bin/python bench/quality.py [--listings N] [--seed S]
[--simulator-at COMMIT]`` (needs the ``bench`` extra: ``pip install -e
'.[bench]'``).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ranking.model import crossval, evaluate
from ranking.model.features import FEATURES
from ranking.model.pipeline import catalog_features
from ranking.reading.values import parse_ranks
from ranking.sim import CATALOG_COLUMNS, Assumptions, simulate

#: What LightGBM gets: every numeric export column (titles it cannot read).
RAW_COLUMNS = [
    c
    for c in CATALOG_COLUMNS
    if c
    not in {"listing_id", "title", "category", "listed_at", "search_visitors", "shop"}
]


def measured(fn):
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


#: The configuration each of our fits chose, printed after the tables.
CHOSEN: list = []


def fit_as_train(features, labels, catalog):
    """The shapes ``ranking train`` fits from ``labels`` (complexity, units
    and the best single signal's emphasis chosen by cross-validation, then
    refitted on every group) and the chosen configuration's fold models; the
    configuration is kept in :data:`CHOSEN`."""
    signals = evaluate.signal_metrics(labels.groups, catalog)
    shapes, selection = crossval.fit_selected(features, labels, signals=signals)
    CHOSEN.append(selection.config)
    return shapes, selection.fold_models


def fit_ours(catalog, train_groups):
    """Fitted as ``ranking train`` fits: complexity chosen by cross-validation
    over the training keyword groups, then refitted on all of them."""
    features = catalog_features(catalog)
    labels = crossval.rank_labels(train_groups)
    return fit_as_train(features, labels, catalog)[0].predict(features)


def fit_ours_on_visitors(catalog, train_rows):
    """Trained as ``ranking train`` does without ranks: squared error on log
    search visitors, complexity chosen by cross-validation, knots from the
    whole catalog."""
    features = catalog_features(catalog)
    target = np.log1p(catalog["search_visitors"].to_numpy(dtype="float64"))
    labels = crossval.visitor_labels(catalog, target, train_rows)
    return fit_as_train(features, labels, catalog)[0].predict(features)


def fit_hgb(catalog, train_groups, seed):
    from sklearn.ensemble import HistGradientBoostingRegressor

    features = catalog_features(catalog)
    # A feature the export cannot give (a best-sellers rank beside monthly
    # sales) is all NaN, which HistGradientBoosting's binning cannot take.
    known = features.notna().any().to_numpy()
    features = features.loc[:, known]
    top = train_groups.groupby("keyword")["position"].transform("max")
    grade = np.where(
        train_groups["censored"], 0.0, (top + 1 - train_groups["position"]) / top
    )
    target = pd.Series(grade).groupby(train_groups["row"].to_numpy()).mean()
    model = HistGradientBoostingRegressor(
        max_iter=300,
        learning_rate=0.05,
        random_state=seed,
        monotonic_cst=[f.direction for f, k in zip(FEATURES, known, strict=True) if k],
    )
    model.fit(features.iloc[target.index], target.to_numpy())
    return model.predict(features)


def raw_frame(catalog):
    """The export's own columns as LightGBM takes them: numbers as floats,
    category as a categorical, listed_at as days before the newest listing."""
    frame = catalog[RAW_COLUMNS].astype("float64")
    listed = pd.to_datetime(catalog["listed_at"])
    frame["days_listed"] = (listed.max() - listed).dt.days
    frame["category"] = catalog["category"].astype("category")
    return frame


def train_lightgbm(frame, train_groups, seed):
    """LightGBM lambdarank on ``frame`` rows, grouped by keyword, with graded
    labels 1..30 over the observed positions and 0 for censored rows."""
    import lightgbm

    ordered = train_groups.sort_values(["keyword", "position"], kind="stable")
    observed = ordered["position"].where(~ordered["censored"])
    group_size = ordered.groupby("keyword", sort=False)["row"].size()
    top = ordered.groupby("keyword", sort=False)["position"].transform("max")
    label = np.where(observed.notna(), np.ceil(30 * (top + 1 - observed) / top), 0)
    ranker = lightgbm.LGBMRanker(
        objective="lambdarank",
        n_estimators=300,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=10,
        random_state=seed,
        verbose=-1,
    )
    ranker.fit(
        frame.iloc[ordered["row"].to_numpy()],
        label.astype(int),
        group=group_size.loc[ordered["keyword"].unique()].to_numpy(),
    )
    return ranker


def fit_lightgbm(catalog, train_groups, seed):
    frame = raw_frame(catalog)
    return train_lightgbm(frame, train_groups, seed).predict(frame)


#: How the simulator of an earlier commit is run (before issue 4 it was
#: ``ranking.simulate``; its market has today's catalog columns).
OLD_SIMULATE = """
import sys
from ranking.simulate import simulate
market = simulate(int(sys.argv[1]), seed=int(sys.argv[2]))
for name in ("catalog", "ranks", "truth"):
    getattr(market, name).to_pickle(f"{sys.argv[3]}/{name}.pkl")
"""


def market_at(commit: str, listings: int, seed: int):
    """(catalog, ranks, truth) as the simulator at ``commit`` made them: the
    package taken from git into a temporary folder and run there, in its own
    process, so that today's package is not mixed with it."""
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", commit, "ranking"],
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            # The "data" filter (Python 3.11.4+) refuses links out of folder.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(folder, **safe)
        subprocess.run(
            [sys.executable, "-c", OLD_SIMULATE, str(listings), str(seed), folder],
            env={**os.environ, "PYTHONPATH": folder},
            cwd=folder,
            check=True,
        )
        return tuple(
            pd.read_pickle(f"{folder}/{name}.pkl")
            for name in ("catalog", "ranks", "truth")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--simulator-at", default="", metavar="COMMIT")
    args = parser.parse_args()

    if args.simulator_at:
        catalog, raw_ranks, truth_frame = market_at(
            args.simulator_at, args.listings, args.seed
        )
    else:
        market = simulate(args.listings, seed=args.seed)
        catalog, raw_ranks, truth_frame = market.catalog, market.ranks, market.truth
    parsed, _ = parse_ranks(raw_ranks["search_rank"])
    ranks = pd.concat([raw_ranks[["listing_id", "keyword"]], parsed], axis=1)
    groups = evaluate.labelled_groups(ranks, catalog["listing_id"])
    held = np.random.default_rng(args.seed).random(len(catalog)) < 0.5
    train_groups = groups[~held[groups["row"]]]
    test_groups = groups[held[groups["row"]]]
    truth = truth_frame["true_weight"].to_numpy()

    systems = {
        "ranking": lambda: fit_ours(catalog, train_groups),
        "lightgbm": lambda: fit_lightgbm(catalog, train_groups, args.seed),
        "hgb_same_features": lambda: fit_hgb(catalog, train_groups, args.seed),
        "monthly_sales": lambda: catalog["monthly_sales"].to_numpy(dtype="float64"),
        # The ceiling: the simulator's own weight, which the ranks follow
        # with Gumbel noise; no system can expect to order held-out groups
        # better.
        "true_weight": lambda: truth,
    }
    simulator = args.simulator_at or "today's"
    print(
        f"# {simulator} simulator: "
        f"{args.listings:,} listings, {groups['keyword'].nunique()} keywords, "
        f"{len(groups):,} rank observations ({int(groups['censored'].sum()):,} "
        f"censored); {held.sum():,} listings held out; seed {args.seed}"
    )
    print(
        f"# {platform.machine()}, {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(
        f"{'system':14} {'ndcg@10':>8} {'spearman_true':>14} {'fit_s':>7} "
        f"{'peak_MiB':>9}"
    )
    for name, run in systems.items():
        scores, seconds, peak = measured(run)
        ndcg = evaluate.group_metrics(test_groups, scores)["ndcg@10"]
        rho = spearmanr(scores[held], truth[held]).statistic
        print(f"{name:18} {ndcg:8.4f} {rho:14.4f} {seconds:7.2f} {peak:9.1f}")
    if not args.simulator_at:
        visitors_bench(args, held)
    print(
        "\n# chosen: "
        + "; ".join(
            f"{c.n_knots} knots, emphasis {c.emphasis:g} {c.leading}".rstrip()
            for c in CHOSEN
        )
    )


#: Search visitors as a seller's export has them: growing with weight, with
#: the listing's overall traffic (proportionally), and with log-normal noise.
VISITOR_MARKETS = (
    ("weight only (shipped)", Assumptions()),
    (
        "with traffic and noise",
        Assumptions(search_traffic_elasticity=1.0, search_visitors_noise=0.5),
    ),
)


def visitors_bench(args, held) -> None:
    """Learning from search visitors (no rank tracker): the same held-out
    listings and keyword groups, the model trained on the other listings'
    search visitors beside the ranks-trained one and monthly sales."""
    print(
        "\n# trained from search_visitors (搜索访客数) of the listings not held "
        "out; NDCG@10 on the held-out keyword groups, Spearman on held-out listings"
    )
    print(f"{'market':24} {'system':16} {'ndcg@10':>8} {'spearman_true':>14}")
    for label, assumptions in VISITOR_MARKETS:
        market = simulate(args.listings, seed=args.seed, assumptions=assumptions)
        catalog = market.catalog
        parsed, _ = parse_ranks(market.ranks["search_rank"])
        ranks = pd.concat([market.ranks[["listing_id", "keyword"]], parsed], axis=1)
        groups = evaluate.labelled_groups(ranks, catalog["listing_id"])
        train_groups = groups[~held[groups["row"]]]
        test_groups = groups[held[groups["row"]]]
        truth = market.truth["true_weight"].to_numpy()
        systems = {
            "search_visitors": lambda c=catalog: fit_ours_on_visitors(c, ~held),
            "ranks": lambda c=catalog, g=train_groups: fit_ours(c, g),
            "monthly_sales": lambda c=catalog: c["monthly_sales"].to_numpy(float),
        }
        for name, run in systems.items():
            scores = run()
            ndcg = evaluate.group_metrics(test_groups, scores)["ndcg@10"]
            rho = spearmanr(scores[held], truth[held]).statistic
            print(f"{label:24} {name:16} {ndcg:8.4f} {rho:14.4f}", flush=True)


if __name__ == "__main__":
    main()
