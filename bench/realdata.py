"""The model on real search pages, against ordering by one signal.

MercadoLibre 2021 (``../shared/realdata/meli/``): 107 real category listings
in the marketplace's relevance order, 8,635 rows (8,504 listings), with sold
quantity in the API's buckets, price and title. Each (country, category)
list is a keyword group; its position is ``(page − 1) × 50 + order_backend``,
a new page starting where ``order_backend`` returns to 1. A category is a
country's (each MercadoLibre site has its own categories and currency).

Five outer folds by keyword group: for each, ``ranking.engines.training.train`` (the
whole procedure ``ranking train`` runs, its own inner cross-validation
included) learns from the other four folds' ranks, and the held-out groups
are scored. Every listing's features come from the whole export (no label is
used for them). Metrics are computed here, independently of the project:

* NDCG@10 with relevance 4/3/2/1 for positions in the top 3/10/20/50 (0
  below), gain ``2**rel − 1``, ties broken at random (20 draws averaged): a
  stable sort would hand a bucketed signal the file's own order;
* Spearman between predicted order and position per group (ties averaged).

Each ordering's mean over the 107 held-out groups, and the model's gain over
each single signal with a 95% bootstrap interval over groups (2,000 draws).

Run: ``.venv/bin/python bench/realdata.py [--seed S] [--folds K]``.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ranking.engines import training
from ranking.reading.catalog import open_catalog

HERE = Path(__file__).resolve().parent
MELI = (
    HERE.parent.parent / "shared" / "realdata" / "meli" / "meli_listing_order_2021.csv"
)


def meli_tables(path: Path = MELI) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The MercadoLibre lists as an export (one row per listing, canonical
    names) and a ranks table (one row per listing per list)."""
    raw = pd.read_csv(path, index_col=0)
    # MercadoLibre's categories belong to one country's site (Colombia's
    # "Accesorios para Vehículos" is not Mexico's: other ids, other currency),
    # so a category is the site's: country and name. Each list is one.
    raw["keyword"] = raw["country"] + " / " + raw["category_name"]
    raw["category_name"] = raw["keyword"]
    page = (
        raw.groupby("keyword", sort=False)["order_backend"]
        .transform(lambda order: (order.diff() < 0).cumsum())
        .astype(int)
    )
    raw["search_rank"] = page * 50 + raw["order_backend"]
    export = raw.drop_duplicates("post_id").rename(
        columns={
            "post_id": "listing_id",
            "product": "title",
            "category_name": "category",
            "sold_quantity": "monthly_sales",
        }
    )[["listing_id", "title", "category", "price", "monthly_sales"]]
    ranks = raw.rename(columns={"post_id": "listing_id"})[
        ["listing_id", "keyword", "search_rank"]
    ]
    return export, ranks


def ndcg_at_10(position: np.ndarray, score: np.ndarray, rng, draws: int = 20) -> float:
    relevance = np.select(
        [position <= 3, position <= 10, position <= 20, position <= 50],
        [4, 3, 2, 1],
        0,
    )
    gain = 2.0**relevance - 1
    discount = 1 / np.log2(np.arange(2, 12))
    ideal = np.sort(gain)[::-1][:10]
    best = (ideal * discount[: len(ideal)]).sum()
    if best == 0:
        return float("nan")
    total = 0.0
    for _ in range(draws):
        order = np.lexsort((rng.random(len(score)), -score))[:10]
        total += (gain[order] * discount[: len(order)]).sum() / best
    return total / draws


def per_group(ranks: pd.DataFrame, scores: dict[str, np.ndarray], seed: int):
    rng = np.random.default_rng(seed)
    rows = []
    for keyword, group in ranks.groupby("keyword", sort=True):
        position = group["search_rank"].to_numpy(dtype="float64")
        for name, score in scores.items():
            s = np.nan_to_num(score[group["row"].to_numpy()], nan=-np.inf)
            s = np.where(np.isinf(s), -1e300, s)
            rho = spearmanr(-s, position).statistic if np.ptp(s) > 0 else 0.0
            rows.append(
                {
                    "keyword": keyword,
                    "ordering": name,
                    "ndcg@10": ndcg_at_10(position, s, rng),
                    "spearman": float(rho),
                }
            )
    return pd.DataFrame(rows)


def interval(difference: np.ndarray, seed: int, draws: int = 2000):
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(difference), size=(draws, len(difference)))
    means = difference[picks].mean(axis=1)
    return float(difference.mean()), *np.quantile(means, [0.025, 0.975])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    export, ranks = meli_tables()
    print(
        f"# bench/realdata.py  {time.strftime('%Y-%m-%d %H:%M')}  "
        f"{platform.node()}  python {platform.python_version()}"
    )
    print(
        f"meli: {len(export):,} listings, {ranks['keyword'].nunique()} lists, "
        f"{len(ranks):,} positions; {args.folds} outer folds by list"
    )
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        export_path = folder / "meli.csv"
        export.to_csv(export_path, index=False)
        data, features, _, _ = training.prepared_features(open_catalog(export_path))
        where = pd.Series(np.arange(len(data)), index=data["listing_id"].to_numpy())
        ranks = ranks.assign(row=ranks["listing_id"].map(where).to_numpy())
        keywords = np.sort(ranks["keyword"].unique())
        fold_of = dict(
            zip(
                keywords,
                np.random.default_rng(args.seed).permutation(len(keywords))
                % args.folds,
                strict=True,
            )
        )
        ranks["fold"] = ranks["keyword"].map(fold_of)
        model_scores = np.full((args.folds, len(data)), np.nan)
        chosen, started = [], time.perf_counter()
        for fold in range(args.folds):
            train_ranks = folder / f"ranks_{fold}.csv"
            ranks[ranks["fold"] != fold][
                ["listing_id", "keyword", "search_rank"]
            ].to_csv(train_ranks, index=False)
            result = training.train(export_path, train_ranks, seed=args.seed)
            model_scores[fold] = result.model.raw(features)
            cv = result.card["cross_validation"]["chosen"]
            chosen.append(
                f"fold {fold}: {cv['n_knots']} knots, alpha {cv['alpha']}, "
                f"dropped {', '.join(cv['dropped']) or 'none'}; "
                f"emphasis {cv.get('emphasis', 1)} {cv.get('leading', '')}; "
                f"trust {result.card['trust']['level']}"
            )
        wall = time.perf_counter() - started
    per = []
    for fold in range(args.folds):
        held = ranks[ranks["fold"] == fold]
        scores = {
            "model": model_scores[fold],
            "sold_quantity": data["monthly_sales"].to_numpy(dtype="float64"),
            "price (lower first)": -data["price"].to_numpy(dtype="float64"),
        }
        per.append(per_group(held, scores, args.seed))
    table = pd.concat(per, ignore_index=True)
    means = table.groupby("ordering")[["ndcg@10", "spearman"]].mean()
    print("\n".join(chosen))
    print(f"train x{args.folds}: {wall:.1f} s")
    print(f"\n{'ordering':22s} {'ndcg@10':>8s} {'spearman':>9s}")
    for name, row in means.iterrows():
        print(f"{name:22s} {row['ndcg@10']:8.3f} {row['spearman']:9.3f}")
    wide = table.pivot(index="keyword", columns="ordering")
    print("\nmodel − ordering, mean over lists [95% bootstrap interval]")
    for other in ("sold_quantity", "price (lower first)"):
        cells = []
        for metric in ("ndcg@10", "spearman"):
            diff = (wide[(metric, "model")] - wide[(metric, other)]).dropna()
            mean, low, high = interval(diff.to_numpy(), args.seed)
            cells.append(f"{metric} {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        print(f"  vs {other:20s} " + "   ".join(cells))


if __name__ == "__main__":
    main()
