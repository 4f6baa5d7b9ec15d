"""Ranking quality: NDCG@k and Spearman per keyword group, and baselines.

A keyword group is the unit of evaluation: the listings a tracker saw for one
keyword. Relevance for NDCG is graded on the observed top ``k``: a listing at
position ``r`` ≤ k has relevance ``k + 1 − r``; positions below ``k`` and
censored rows (``>48``, ``未上榜``) have 0. Gain is linear (scikit-learn's
``ndcg_score``); every system in a comparison is scored with the same
function. Spearman compares predicted order with observed positions inside
each group, censored rows tied just below the last observed position.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import ndcg_score

from ranking.features._common import column

K = 10


def labelled_groups(ranks: pd.DataFrame, listing_ids: pd.Series) -> pd.DataFrame:
    """Ranks joined to row positions of the export: ``keyword``, ``row`` (position
    in ``listing_ids``), ``position`` (observed rank; censored rows get one
    below the group's last observed rank) and ``censored``. Ranks of listings
    not in the export are dropped."""
    where = pd.Series(np.arange(len(listing_ids)), index=listing_ids.to_numpy())
    rows = ranks["listing_id"].map(where)
    joined = pd.DataFrame(
        {
            "keyword": ranks["keyword"].to_numpy(),
            "row": rows.to_numpy(),
            "rank": ranks["search_rank"].to_numpy(dtype="float64"),
            "censored": ranks["censored"].to_numpy(dtype=bool),
        }
    ).dropna(subset=["row"])
    joined["row"] = joined["row"].astype(np.int64)
    last = joined.groupby("keyword")["rank"].transform("max").fillna(0)
    joined["position"] = joined["rank"].where(~joined["censored"], last + 1)
    return joined.reset_index(drop=True)


def relevance(position: pd.Series, censored: pd.Series, k: int = K) -> np.ndarray:
    """Graded relevance: ``k + 1 − position`` for the observed top ``k``, else 0."""
    graded = np.clip(k + 1 - position.to_numpy(dtype="float64"), 0, None)
    return np.where(censored.to_numpy(), 0.0, graded)


def ranking_pairs(groups: pd.DataFrame) -> np.ndarray:
    """Every (higher, lower) pair of export rows within each keyword group: each
    observed listing above every listing observed lower, and above every
    censored one. Censored rows are not ordered among themselves."""
    highers, lowers = [], []
    for _, group in groups.groupby("keyword", sort=False):
        order = group.sort_values("position", kind="stable")
        rows = order["row"].to_numpy()
        position = order["position"].to_numpy()
        censored = order["censored"].to_numpy()
        higher, lower = np.triu_indices(len(rows), k=1)
        keep = (position[higher] < position[lower]) & ~censored[higher]
        highers.append(rows[higher[keep]])
        lowers.append(rows[lower[keep]])
    # Column-major: the fit reads each column whole on every pass.
    pairs = np.empty((sum(map(len, highers)), 2), dtype=np.int64, order="F")
    if highers:
        np.concatenate(highers, out=pairs[:, 0])
        np.concatenate(lowers, out=pairs[:, 1])
    return pairs


def group_metrics(groups: pd.DataFrame, scores: np.ndarray, k: int = K) -> dict:
    """Mean NDCG@k and Spearman over keyword groups, for ``scores`` per export
    row (higher = ranked higher). Groups with fewer than two listings, or no
    relevant one, are left out of NDCG; fewer than three, out of Spearman."""
    ndcgs, rhos = [], []
    for _, group in groups.groupby("keyword", sort=False):
        predicted = scores[group["row"].to_numpy()]
        predicted = np.nan_to_num(predicted, nan=-np.inf, neginf=-1e300)
        predicted = np.where(np.isinf(predicted), -1e300, predicted)
        rel = relevance(group["position"], group["censored"], k)
        if len(group) >= 2 and rel.sum() > 0:
            ndcgs.append(ndcg_score(rel[None, :], predicted[None, :], k=k))
        if len(group) >= 3 and np.ptp(predicted) > 0:
            rho = spearmanr(-predicted, group["position"].to_numpy()).statistic
            if np.isfinite(rho):
                rhos.append(rho)
    return {
        "groups": int(groups["keyword"].nunique()),
        f"ndcg@{k}": float(np.mean(ndcgs)) if ndcgs else float("nan"),
        "spearman": float(np.mean(rhos)) if rhos else float("nan"),
    }


def split_groups(
    groups: pd.DataFrame, holdout: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by whole keyword groups: (train, held out)."""
    keywords = np.sort(groups["keyword"].unique())
    rng = np.random.default_rng(seed)
    n_out = max(1, round(len(keywords) * holdout)) if len(keywords) > 1 else 0
    held = set(rng.choice(keywords, size=n_out, replace=False)) if n_out else set()
    mask = groups["keyword"].isin(held)
    return groups[~mask], groups[mask]


def baseline_scores(data: pd.DataFrame) -> dict[str, np.ndarray]:
    """The naive orderings a seller would use: by monthly sales."""
    return {"monthly_sales": column(data, "monthly_sales").to_numpy()}
