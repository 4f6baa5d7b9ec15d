"""Ranking quality: NDCG@k and Spearman per keyword group, and baselines.

A keyword group is the unit of evaluation: the listings a tracker saw for one
keyword. Relevance for NDCG is graded on the observed top ``k``: a listing at
position ``r`` ≤ k has relevance ``k + 1 − r``; positions below ``k`` and
censored rows (``>48``, ``未上榜``) have 0. Gain is linear, ties averaged
as scikit-learn's ``ndcg_score`` does; every system in a comparison is scored
with the same function. Spearman compares predicted order with observed
positions inside each group, censored rows tied just below the last observed
position.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model.features.common import column

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


def has_ranking_pairs(groups: pd.DataFrame) -> bool:
    """Whether :func:`ranking_pairs` gives any pair, without making them (at
    2,000 keywords that is 10.6M pairs, 2.7 s): some observed listing sits
    above another listing of its group.

    >>> groups = pd.DataFrame({"keyword": ["a", "a", "b"], "row": [0, 1, 2],
    ...                        "position": [1.0, 1.0, 1.0], "censored": False})
    >>> ordered = groups.assign(position=[1.0, 2.0, 1.0])
    >>> has_ranking_pairs(groups), has_ranking_pairs(ordered)
    (False, True)
    """
    lowest = groups.groupby("keyword", sort=False)["position"].transform("max")
    above = (groups["position"] < lowest) & ~groups["censored"].astype(bool)
    return bool(above.any())


def per_group_metrics(
    groups: pd.DataFrame, scores: np.ndarray, k: int = K
) -> pd.DataFrame:
    """NDCG@k and Spearman of each keyword group, for ``scores`` per export row
    (higher = ranked higher): columns ``keyword``, ``ndcg@k``, ``spearman``.

    Ties are averaged, never broken in file order (real files are often in
    rank order, and a stable sort would hand a bucketed signal the file's
    order): NDCG gives tied listings their mean gain (scikit-learn's
    ``ndcg_score``), Spearman their mean rank. NDCG is NaN for a group with
    fewer than two listings or no relevant one; Spearman for fewer than three,
    and 0 where the scores do not order the group at all.

    >>> groups = pd.DataFrame({"keyword": ["a"] * 3, "row": [0, 1, 2],
    ...                        "position": [1.0, 2.0, 3.0], "censored": False})
    >>> per_group_metrics(groups, np.array([3.0, 2.0, 1.0])).round(3).to_dict("records")
    [{'keyword': 'a', 'ndcg@10': 1.0, 'spearman': 1.0}]
    """
    predicted = np.asarray(scores, dtype="float64")[groups["row"].to_numpy()]
    predicted = np.where(np.isnan(predicted), -np.inf, predicted)
    frame = pd.DataFrame(
        {
            "keyword": groups["keyword"].to_numpy(),
            "score": predicted,
            "position": groups["position"].to_numpy(dtype="float64"),
            "gain": relevance(groups["position"], groups["censored"], k),
        }
    )
    by = frame.groupby("keyword", sort=False)
    ideal_dcg = _tied_dcg(frame, by, k)
    _centred_ranks(frame, by)
    sums = frame.groupby("keyword", sort=False)[["dcg", "gain", "xy", "xx", "yy"]].sum()
    counts = frame.groupby("keyword", sort=False).size()
    with np.errstate(invalid="ignore", divide="ignore"):
        ndcg = sums["dcg"] / ideal_dcg.reindex(sums.index)
        rho = sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])
    ndcg = ndcg.where((counts >= 2) & (sums["gain"] > 0))
    rho = rho.where(sums["xx"] > 0, 0.0).where((counts >= 3) & (sums["yy"] > 0))
    return pd.DataFrame(
        {
            "keyword": sums.index.to_numpy(),
            f"ndcg@{k}": ndcg.to_numpy(dtype="float64"),
            "spearman": rho.to_numpy(dtype="float64"),
        }
    )


def _tied_dcg(frame: pd.DataFrame, by, k: int) -> pd.Series:
    """Each listing's DCG@k term (``frame["dcg"]``, added) with ties averaged:
    a block of tied scores shares its mean gain over the discounts of the
    places it takes. Returns each keyword's ideal DCG@k (gains best first)."""
    size = by["score"].transform("size").to_numpy()
    frame["first"] = by["score"].rank(ascending=False, method="min")
    frame["last"] = by["score"].rank(ascending=False, method="max")
    places = np.arange(1, int(size.max(initial=1)) + 1)
    discount = np.r_[0.0, np.cumsum(np.where(places <= k, 1 / np.log2(places + 1), 0))]
    first = frame["first"].to_numpy(dtype=np.int64)
    last = frame["last"].to_numpy(dtype=np.int64)
    block = last - first + 1
    frame["dcg"] = frame["gain"] * (discount[last] - discount[first - 1]) / block
    ideal = frame.sort_values(["keyword", "gain"], ascending=[True, False])
    ideal_place = ideal.groupby("keyword", sort=False).cumcount().to_numpy() + 1
    return (
        pd.Series(
            ideal["gain"].to_numpy()
            * (discount[ideal_place] - discount[ideal_place - 1]),
            index=ideal["keyword"].to_numpy(),
        )
        .groupby(level=0, sort=False)
        .sum()
    )


def _centred_ranks(frame: pd.DataFrame, by) -> None:
    """The columns Spearman's rho is summed from (``xy``, ``xx``, ``yy``,
    added to ``frame``): it is Pearson's correlation of average ranks, here
    of the scores' and the positions' ranks centred within each keyword."""
    frame["r_score"] = by["score"].rank(ascending=False, method="average")
    frame["r_pos"] = by["position"].rank(method="average")
    for name in ("r_score", "r_pos"):
        frame[name] -= frame.groupby("keyword", sort=False)[name].transform("mean")
    frame["xy"] = frame["r_score"] * frame["r_pos"]
    frame["xx"] = frame["r_score"] ** 2
    frame["yy"] = frame["r_pos"] ** 2


def group_metrics(groups: pd.DataFrame, scores: np.ndarray, k: int = K) -> dict:
    """Mean NDCG@k and Spearman over keyword groups (see
    :func:`per_group_metrics`)."""
    return mean_metrics(per_group_metrics(groups, scores, k), groups, k)


def mean_metrics(per: pd.DataFrame, groups: pd.DataFrame, k: int = K) -> dict:
    """The means of :func:`per_group_metrics`' columns over the groups that
    have them, and how many keyword groups ``groups`` holds."""
    ndcg, rho = per[f"ndcg@{k}"].dropna(), per["spearman"].dropna()
    return {
        "groups": int(groups["keyword"].nunique()),
        f"ndcg@{k}": float(ndcg.mean()) if len(ndcg) else float("nan"),
        "spearman": float(rho.mean()) if len(rho) else float("nan"),
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


#: Signals a seller could order a keyword's results by, more is better.
ORDERING_SIGNALS = (
    "monthly_sales",
    "payer_count",
    "gmv",
    "review_count",
    "favorites",
    "add_to_cart",
    "visitors",
    "page_views",
    "photo_reviews",
    "qa_count",
    "avg_rating",
)
#: Signals where less is better (a best-sellers rank).
REVERSED_SIGNALS = ("sales_rank",)


def signal_scores(data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each single signal as an ordering, higher first (NaN where unknown)."""
    out = {name: column(data, name).to_numpy() for name in ORDERING_SIGNALS}
    out.update({name: -column(data, name).to_numpy() for name in REVERSED_SIGNALS})
    return out


def signal_metrics(groups: pd.DataFrame, data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every single signal a seller could order by (counts and amounts as
    they are, a best-sellers rank reversed; only those the export carries),
    judged on ``groups``: each one's :func:`per_group_metrics`. Worked out
    once per training and shared by the selection's emphasis step and the
    trust verdict."""
    return {
        name: per_group_metrics(groups, values)
        for name, values in signal_scores(data).items()
        if np.isfinite(values).any()
    }
