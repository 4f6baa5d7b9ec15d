"""Training and evaluating the weight model on a seller's own exports.

>>> result = train("data/catalog.csv", "data/ranks.csv")      # doctest: +SKIP
>>> result.metrics["model"]["ndcg@10"]                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ranking import evaluate, pipeline, schema
from ranking.blockers import card_entries
from ranking.catalog import export_files, export_paths, input_files, open_catalog
from ranking.drift import factor_contributions
from ranking.errors import RankingError
from ranking.export import ExportSource, Ranks, read_ranks
from ranking.features import FEATURES
from ranking.model import AdditiveWeightModel
from ranking.persist import load_model, save_model, sha256
from ranking.scoring import ENGINES
from ranking.weight import WeightModel

HOLDOUT = 0.2
#: Fewest keyword groups worth training on — one to learn from and one held
#: out to measure on (two captured search pages are what a small seller may
#: have; the card says how many groups the metrics rest on) — and fewest
#: labelled listings.
MIN_GROUPS = 2
MIN_LABELLED = 30


class TrainingError(RankingError):
    """The exports do not hold enough to learn from."""


@dataclass
class TrainResult:
    """A fitted model, its held-out metrics, and the card written beside it."""

    model: WeightModel
    metrics: dict[str, dict]
    card: dict
    comparison: dict | None = field(default=None)


def _estimator() -> AdditiveWeightModel:
    return AdditiveWeightModel(directions=[f.direction for f in FEATURES])


def training_profile(
    data: pd.DataFrame, features: pd.DataFrame, model: WeightModel | None = None
) -> dict:
    """The training data's distribution, stored beside the model so that later
    exports can be compared with it (:mod:`ranking.drift`): for every feature,
    numeric signal and (given the model) factor contribution, its decile
    edges and how many training rows fell in each bin (the last count is for
    unknown values)."""
    arrays = {}
    signals = {
        name: data[name]
        for name in schema.SIGNALS
        if name in data.columns and schema.COLUMNS_BY_NAME[name].kind != "text"
    }
    frames = [("feature", features), ("signal", pd.DataFrame(signals))]
    if model is not None:
        frames.append(("factor", factor_contributions(model, features)))
    for prefix, frame in frames:
        for name, values in frame.items():
            values = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
            known = values[np.isfinite(values)]
            edges = (
                np.unique(np.quantile(known, np.linspace(0.1, 0.9, 9)))
                if len(known)
                else np.empty(0)
            )
            bins = np.searchsorted(edges, values, side="right")
            bins[~np.isfinite(values)] = len(edges) + 1
            arrays[f"{prefix}:{name}:edges"] = edges
            arrays[f"{prefix}:{name}:counts"] = np.bincount(
                bins, minlength=len(edges) + 2
            )
    return arrays


def prepared_features(source: ExportSource, seed: int = 0):
    """The export's canonical data, features and profile, in file order and
    positionally indexed, and its rejected rows: what fitting and evaluation
    need."""
    profile = pipeline.fit_profile(source, seed=seed)
    data, features, rejects = pipeline.feature_table(
        source.chunks(), profile, source.image_root
    )
    return data, features, profile, rejects


def ranks_in_export(
    export_path, ranks_path: str | Path | None
) -> tuple[Path | None, bool]:
    """Where the observed ranks are: ``ranks_path`` when given, else the
    export itself when it is a search table (keyword and position columns
    beside the listings' signals: a search-page capture or a rank tracker's
    export); and whether they come from the export. None when neither."""
    files = input_files(export_path)
    if ranks_path is not None:
        given = Path(ranks_path)
        same = any(given.exists() and f.exists() and given.samefile(f) for f in files)
        return given, same
    tables = [f for f in files if ExportSource.peek_search_table(f)]
    if len(tables) > 1:
        raise TrainingError(
            f"{tables[0]} and {tables[1]} both have keyword and position columns; "
            "say which holds the ranks with --ranks"
        )
    return (tables[0], True) if tables else (None, False)


def export_digests(path: Path) -> dict:
    """What a model card records of the export it was trained on: the
    SHA-256 of its file, or of each of its files (a folder or glob)."""
    files = export_files(path)
    if files == [Path(path)]:
        return {"sha256": sha256(path)}
    return {"files": {str(f): sha256(f) for f in files}}


def train(
    export_path: str | Path,
    ranks_path: str | Path | None = None,
    output: str | Path | None = None,
    baseline: str | Path | None = None,
    holdout: float = HOLDOUT,
    seed: int = 0,
    sets: Sequence[str] = (),
    engine: str = "local",
    scheduler: str | None = None,
) -> TrainResult:
    """Fit a weight model from an export and its observed ranks (or, without
    ranks, its ``search_visitors`` column); report held-out metrics against
    the monthly-sales ordering and, with ``baseline``, against the model in
    use; write the model directory to ``output`` when given.

    Held-out data: whole keyword groups (``holdout`` of them) with ranks, or
    ``holdout`` of the listings with search visitors. The model written is
    refitted on everything once the metrics are taken.

    ``engine="dask"`` builds the profile and the features on a Dask cluster
    (at ``scheduler``, else one on this machine), one partition per file of
    the export; the model is fitted here on what they send back, the same
    rows and features as the local engine's.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    ranks_path, from_export = ranks_in_export(export_path, ranks_path)
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    if engine == "dask":
        from ranking.cluster import features_on_cluster

        path = export_paths(export_path)[0]
        data, features, profile, rejects = features_on_cluster(
            export_path, sets=sets, scheduler=scheduler, seed=seed
        )
    else:
        source = open_catalog(export_path, sets=sets)
        path = source.path
        data, features, profile, rejects = prepared_features(source, seed=seed)
    if ranks is not None:
        groups = evaluate.labelled_groups(ranks.data, data["listing_id"])
        result = _train_on_ranks(data, features, groups, holdout, seed, baseline)
        label = "ranks"
    else:
        result = _train_on_visitors(path, data, features, holdout, seed, baseline)
        label = "search_visitors"
    estimator, metrics, comparison, extra = result
    model = WeightModel.from_training(
        estimator.additive_,
        features,
        label,
        n_bins=estimator.n_bins,
        alpha=estimator.alpha,
    )
    card = {
        "label": label,
        "data": {
            "file": str(path),
            **export_digests(path),
            "rows": len(data),
            "rejects": rejects,
            "categories": int(len(profile.sizes)),
        },
        "metrics": metrics,
        "holdout": holdout,
        "seed": seed,
        "features": [
            {
                "name": f.name,
                "factor": f.factor,
                "direction": f.direction,
                "meaning": f.meaning,
            }
            for f in FEATURES
        ],
        "unknown_signals": schema.absent_signals(data),
        "scale": {"center": model.center, "scale": model.scale},
        "blockers": card_entries(model),
        **extra,
    }
    if ranks is not None:
        card["ranks"] = {
            "file": str(ranks.path),
            "sha256": sha256(ranks.path),
            "groups": ranks.groups,
            "observations": len(ranks.data),
            "censored": int(ranks.data["censored"].sum()),
            "unmatched": int(len(ranks.data) - extra["matched_observations"]),
            "from_export": from_export,
        }
    if comparison is not None:
        card["comparison"] = comparison
    if output is not None:
        save_model(model, output, card, arrays=training_profile(data, features, model))
    return TrainResult(model, metrics, card, comparison)


def _train_on_ranks(data, features, groups, holdout, seed, baseline):
    if groups["keyword"].nunique() < MIN_GROUPS:
        raise TrainingError(
            f"the ranks match {groups['keyword'].nunique()} keyword group(s) of this "
            f"export; at least {MIN_GROUPS} are needed (check that the listing ids "
            "in the ranks file are the export's)"
        )
    train_groups, test_groups = evaluate.split_groups(groups, holdout, seed)
    pairs = evaluate.ranking_pairs(train_groups)
    if len(pairs) == 0:
        raise TrainingError("the ranks give no ordered pairs of listings to learn from")
    held_model = _estimator().fit(features, pairs=pairs)
    metrics = {
        "model": evaluate.group_metrics(test_groups, held_model.predict(features)),
    }
    for name, scores in evaluate.baseline_scores(data).items():
        metrics[name] = evaluate.group_metrics(test_groups, scores)
    comparison = None
    if baseline is not None:
        in_use, _ = load_model(baseline)
        metrics["model_in_use"] = evaluate.group_metrics(
            test_groups, in_use.raw(features)
        )
        comparison = _compare(metrics, "ndcg@10")
    final = _estimator().fit(features, pairs=evaluate.ranking_pairs(groups))
    extra = {
        "matched_observations": len(groups),
        "held_out_groups": int(test_groups["keyword"].nunique()),
    }
    return final, metrics, comparison, extra


def _train_on_visitors(path, data, features, holdout, seed, baseline):
    if (
        "search_visitors" not in data.columns
        or data["search_visitors"].notna().sum() < MIN_LABELLED
    ):
        raise TrainingError(
            f"{path}: no ranks given and fewer than {MIN_LABELLED} listings "
            "have search_visitors (搜索访客数); pass --ranks RANKS or add that column"
        )
    labelled = data["search_visitors"].notna().to_numpy()
    target = np.log1p(data["search_visitors"].to_numpy(dtype="float64"))
    rng = np.random.default_rng(seed)
    test = labelled & (rng.random(len(data)) < holdout)
    train_rows = labelled & ~test
    held_model = _estimator().fit(
        features[train_rows], target[train_rows], bin_sample=features
    )
    groups = _visitor_groups(data, test)

    def score(values):
        values = np.asarray(values, dtype="float64")
        rho = spearmanr(values[test], target[test], nan_policy="omit").statistic
        return {**evaluate.group_metrics(groups, values), "spearman_all": float(rho)}

    metrics = {"model": score(held_model.predict(features))}
    for name, values in evaluate.baseline_scores(data).items():
        metrics[name] = score(values)
    comparison = None
    if baseline is not None:
        in_use, _ = load_model(baseline)
        metrics["model_in_use"] = score(in_use.raw(features))
        comparison = _compare(metrics, "spearman_all")
    final = _estimator().fit(features[labelled], target[labelled], bin_sample=features)
    extra = {
        "labelled_listings": int(labelled.sum()),
        "held_out_listings": int(test.sum()),
    }
    return final, metrics, comparison, extra


def _visitor_groups(data: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Held-out listings grouped by category and ordered by search visitors, in
    the shape :func:`evaluate.group_metrics` takes."""
    frame = pd.DataFrame(
        {
            "keyword": data["category"].fillna("(none)").to_numpy()[rows]
            if "category" in data.columns
            else "(all)",
            "row": np.flatnonzero(rows),
            "visitors": data["search_visitors"].to_numpy(dtype="float64")[rows],
        }
    )
    frame["position"] = frame.groupby("keyword")["visitors"].rank(
        ascending=False, method="first"
    )
    frame["censored"] = False
    return frame


def _compare(metrics: dict, key: str) -> dict:
    new, old = metrics["model"][key], metrics["model_in_use"][key]
    better = "new" if new > old else "in use" if old > new else "tie"
    return {
        "metric": key,
        "new": new,
        "in_use": old,
        "difference": new - old,
        "better": better,
    }


def evaluate_model(
    export_path: str | Path,
    ranks_path: str | Path | None,
    model_dir: str | Path,
    sets: Sequence[str] = (),
) -> dict:
    """NDCG@10 and Spearman of a saved model on every keyword group of an
    export's ranks (``ranks_path``, or the export itself when it is a search
    table), with the monthly-sales ordering beside it."""
    model, card = load_model(model_dir)
    ranks_path, _ = ranks_in_export(export_path, ranks_path)
    if ranks_path is None:
        raise TrainingError(
            f"{export_paths(export_path)[0]}: no ranks to evaluate on: pass "
            "--ranks RANKS, or an export with keyword and position columns"
        )
    source = open_catalog(export_path, sets=sets)
    ranks: Ranks = read_ranks(ranks_path)
    data, features, _, _ = prepared_features(source, seed=card.get("seed", 0))
    groups = evaluate.labelled_groups(ranks.data, data["listing_id"])
    if groups.empty:
        raise TrainingError(
            f"{ranks.path}: none of its listing ids are in {source.path}"
        )
    report = evaluate.group_metrics(groups, model.raw(features))
    report["baseline"] = {
        name: {
            k: v
            for k, v in evaluate.group_metrics(groups, scores).items()
            if k != "groups"
        }
        for name, scores in evaluate.baseline_scores(data).items()
    }
    report["observations"] = len(groups)
    report["model"] = str(model_dir)
    # Staleness measured directly: the same metrics on these ranks beside the
    # held-out values the card recorded when the model was trained.
    then = card.get("metrics", {}).get("model")
    if then:
        report["at_training"] = {k: then[k] for k in ("ndcg@10", "spearman")}
        sales = report["baseline"].get("monthly_sales", {})
        report["stale"] = bool(sales) and report["ndcg@10"] <= sales["ndcg@10"]
    return report
