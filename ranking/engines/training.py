"""Training and evaluating the weight model on a seller's own exports.

>>> result = train("data/catalog.csv", "data/ranks.csv")      # doctest: +SKIP
>>> result.metrics["model"]["ndcg@10"]                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.engines.cluster import features_on_cluster
from ranking.engines.local import ENGINES
from ranking.errors import TrainingError
from ranking.messages import Said
from ranking.model import crossval, evaluate, pipeline
from ranking.model.cliffs import card_entries, unheld_entries
from ranking.model.drift import factor_contributions
from ranking.model.features import FEATURES
from ranking.model.persist import check_model_output, load_model, save_model, sha256
from ranking.model.profile import CatalogProfile
from ranking.model.trust import measure_trust, trust_summary
from ranking.model.weight import AdditiveShapes, WeightModel
from ranking.model.workspace import Workspace
from ranking.reading import schema
from ranking.reading.catalog import open_catalog
from ranking.reading.export import ExportSource, Ranks, read_ranks
from ranking.reading.paths import export_files, export_paths, input_files
from ranking.writing import atomic

#: Fewest keyword groups worth training on — one to learn from and one held
#: out to measure on (two captured search pages are what a small seller may
#: have; the card says how many groups the metrics rest on) — and fewest
#: labelled listings.
MIN_GROUPS = 2
MIN_LABELLED = 30


@dataclass
class TrainResult:
    """A fitted model, its held-out metrics, and the card written beside it."""

    model: WeightModel
    metrics: dict[str, dict]
    card: dict
    comparison: dict | None = field(default=None)


def training_profile(
    data: pd.DataFrame, features: pd.DataFrame, model: WeightModel | None = None
) -> dict:
    """The training data's distribution, stored beside the model so that later
    exports can be compared with it (:mod:`ranking.model.drift`): for every feature,
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
            Said("error.two_search_tables", first=tables[0], second=tables[1])
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
    seed: int = 0,
    sets: Sequence[str] = (),
    engine: str = "local",
    scheduler: str | None = None,
    images_root: str | Path | None = None,
    words: Callable[[str], str] = str,
) -> TrainResult:
    """Fit a weight model from an export and its observed ranks (or, without
    ranks, its ``search_visitors`` column); report held-out metrics against
    the monthly-sales ordering and, with ``baseline``, against the model in
    use; write the model directory to ``output`` when given.

    The model's complexity (knots, smoothness, factors kept) is chosen by
    cross-validation over whole keyword groups (:mod:`ranking.model.crossval`);
    the metrics are those folds' held-out groups, with the model's gain over
    the best single signal and a trust level. The model written is refitted
    on everything with the chosen complexity; the fold models are kept with
    it for the range of a fix's gain.

    ``engine="dask"`` builds the profile and the features on a Dask cluster
    (at ``scheduler``, else one on this machine), one partition per file of
    the export; the model is fitted here on what they send back, the same
    rows and features as the local engine's.

    ``main_image`` files are read inside the export's folder only, and
    inside ``images_root`` too when given. ``words``: how ``card.txt`` is
    worded (:func:`ranking.model.persist.save_model`).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    images_root = None if images_root is None else Path(images_root)
    ranks, from_export = _training_ranks(export_path, ranks_path, output)
    rows = _training_rows(export_path, engine, sets, scheduler, seed, images_root)
    fit = _fit_selected(rows, ranks, seed)
    metrics, comparison = _held_out_metrics(fit, rows, baseline)
    model = WeightModel.from_training(
        fit.final,
        rows.features,
        fit.label,
        n_knots=fit.selection.config.n_knots,
        alpha=fit.selection.config.alpha,
        folds=fit.selection.fold_models,
        pairs=None if fit.labels.pairs is None else fit.labels.pairs(),
    )
    model.trust = trust_summary(fit.trust)
    card = _model_card(model, rows, fit, metrics, seed)
    if ranks is not None:
        card["ranks"] = _ranks_entry(ranks, card, from_export)
    if comparison is not None:
        card["comparison"] = comparison
    if output is not None:
        arrays = training_profile(rows.data, rows.features, model)
        save_model(model, output, card, arrays=arrays, words=words)
    return TrainResult(model, metrics, card, comparison)


@dataclass(frozen=True)
class _TrainingRows:
    """The export's rows as training needs them: the file named on the card,
    its canonical data and features (positionally indexed), its category
    profile and its rejected rows."""

    path: Path
    data: pd.DataFrame
    features: pd.DataFrame
    profile: CatalogProfile
    rejects: int


@dataclass(frozen=True)
class _SelectedFit:
    """What cross-validated fitting produced: the labels and their name, the
    ranks' matched groups (None when the label is search visitors), the model
    refitted on everything, the chosen complexity and the trust figures."""

    labels: crossval.Labels
    label: str
    groups: pd.DataFrame | None
    final: AdditiveShapes
    selection: crossval.Selection
    trust: dict


def _training_ranks(
    export_path, ranks_path: str | Path | None, output: str | Path | None
) -> tuple[Ranks | None, bool]:
    """The observed ranks (None when training on search visitors) and
    whether they come from the export itself, once the output folder is
    known to be safe to write."""
    ranks_path, from_export = ranks_in_export(export_path, ranks_path)
    if output is not None:
        # Before the fit: a model folder replaced whole must not take an
        # input with it, and a refusal after minutes of fitting helps no one.
        inputs = input_files(export_path)
        inputs += [Path(ranks_path)] if ranks_path is not None else []
        atomic.refuse_overwriting(Path(output), *inputs)
        check_model_output(Path(output))
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    return ranks, from_export


def _training_rows(
    export_path, engine: str, sets, scheduler, seed: int, images_root
) -> _TrainingRows:
    """The export's data, features and profile, built by the chosen engine;
    both give the same rows and features."""
    if engine == "dask":
        path = export_paths(export_path)[0]
        data, features, profile, rejects = features_on_cluster(
            export_path,
            sets=sets,
            scheduler=scheduler,
            seed=seed,
            images_root=images_root,
        )
    else:
        source = open_catalog(export_path, sets=sets, images_root=images_root)
        path = source.path
        data, features, profile, rejects = prepared_features(source, seed=seed)
    return _TrainingRows(path, data, features, profile, rejects)


def _fit_selected(rows: _TrainingRows, ranks: Ranks | None, seed: int) -> _SelectedFit:
    """Label the rows (by the observed ranks, else by search visitors), then
    fit with the complexity chosen by cross-validation and measure trust on
    the folds' held-out groups."""
    groups = None
    if ranks is not None:
        groups = evaluate.labelled_groups(ranks.data, rows.data["listing_id"])
        _enough_groups(groups)
        labels = crossval.rank_labels(groups, seed=seed)
        label = "ranks"
    else:
        labelled, target = _visitor_target(rows.path, rows.data)
        labels = crossval.visitor_labels(rows.data, target, labelled, seed=seed)
        label = "search_visitors"
    judged = evaluate.signal_metrics(labels.groups, rows.data)
    final, selection = crossval.fit_selected(
        rows.features, labels, seed=seed, signals=judged
    )
    trust = measure_trust(
        selection.per_group, labels.groups, rows.data, seed=seed, judged=judged
    )
    return _SelectedFit(labels, label, groups, final, selection, trust)


def _held_out_metrics(
    fit: _SelectedFit, rows: _TrainingRows, baseline: str | Path | None
) -> tuple[dict, dict | None]:
    """The model's held-out metrics beside each single signal's and, with a
    ``baseline`` model, the model in use's on the same held-out groups and
    the comparison of the two."""
    trust = fit.trust
    metrics = {"model": trust["model"] | {"groups": trust["groups"]}}
    for name in evaluate.baseline_scores(rows.data):
        unknown = {"ndcg@10": float("nan"), "spearman": float("nan")}
        metrics[name] = trust["signals"].get(name, unknown) | {
            "groups": trust["groups"]
        }
    if baseline is None:
        return metrics, None
    in_use, _ = load_model(baseline)
    held = fit.selection.per_group["keyword"]
    groups = fit.labels.groups
    metrics["model_in_use"] = evaluate.group_metrics(
        groups[groups["keyword"].isin(held)], in_use.raw(rows.features)
    )
    return metrics, _compare(metrics, "ndcg@10")


def _model_card(
    model: WeightModel, rows: _TrainingRows, fit: _SelectedFit, metrics: dict, seed
) -> dict:
    """The card written beside the model: what it was trained on, how it
    was chosen and measured, and what it leans on (the ranks' entry and the
    comparison are added by :func:`train` when there are any)."""
    path, data = rows.path, rows.data
    return {
        "label": fit.label,
        "data": {
            "file": str(path),
            **export_digests(path),
            "rows": len(data),
            "rejects": rows.rejects,
            "categories": int(len(rows.profile.sizes)),
        },
        "metrics": metrics,
        "cross_validation": fit.selection.to_card(),
        "leaned_on": leaned_on(fit.final, rows.features),
        "trust": fit.trust,
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
        "blockers": card_entries(model.cliffs, model.scale),
        "blockers_not_in_every_fold": unheld_entries(model.unheld, model.scale),
        **_label_counts(fit.labels, fit.groups),
    }


def _ranks_entry(ranks: Ranks, card: dict, from_export: bool) -> dict:
    """The card's account of the ranks file: its digest, its groups and
    observations, and how many of them matched no listing of the export."""
    return {
        "file": str(ranks.path),
        "sha256": sha256(ranks.path),
        "groups": ranks.groups,
        "observations": len(ranks.data),
        "censored": int(ranks.data["censored"].sum()),
        "unmatched": int(len(ranks.data) - card["matched_observations"]),
        "from_export": from_export,
    }


def leaned_on(shapes, features: pd.DataFrame) -> list[dict]:
    """How far each feature's term moves listings of the training catalog
    (the standard deviation of its term, raw score), largest first: what the
    model leaned on — the category-relative volume or the catalog-wide."""
    terms = shapes.terms(features)
    spread = terms.std(axis=0).sort_values(ascending=False)
    return [
        {"feature": name, "term_sd": round(float(sd), 4)}
        for name, sd in spread.items()
        if sd > 0
    ]


def _enough_groups(groups: pd.DataFrame) -> None:
    if groups["keyword"].nunique() < MIN_GROUPS:
        raise TrainingError(
            Said(
                "error.few_groups",
                groups=groups["keyword"].nunique(),
                needed=MIN_GROUPS,
            )
        )
    if not evaluate.has_ranking_pairs(groups):
        raise TrainingError(Said("error.no_pairs"))


def _visitor_target(path, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if (
        "search_visitors" not in data.columns
        or data["search_visitors"].notna().sum() < MIN_LABELLED
    ):
        raise TrainingError(
            Said(
                "error.no_label",
                path=path,
                needed=MIN_LABELLED,
                header="搜索访客数",
            )
        )
    labelled = data["search_visitors"].notna().to_numpy()
    return labelled, np.log1p(data["search_visitors"].to_numpy(dtype="float64"))


def _label_counts(labels: crossval.Labels, groups: pd.DataFrame | None) -> dict:
    if groups is not None:
        return {
            "matched_observations": len(groups),
            "held_out_groups": int(labels.groups["keyword"].nunique()),
        }
    return {
        "labelled_listings": int(len(labels.groups)),
        "held_out_listings": int(len(labels.groups)),
    }


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
    workspace: Workspace | str | Path,
    ranks_path: str | Path | None,
    model_dir: str | Path | None = None,
    sets: Sequence[str] = (),
    images_root: str | Path | None = None,
) -> dict:
    """NDCG@10 and Spearman of a saved model on every keyword group of an
    export's ranks (``ranks_path``, or the export itself when it is a search
    table), with the monthly-sales ordering beside it (``images_root``: as
    :func:`train`'s). An export path is opened as a :class:`Workspace`."""
    workspace = Workspace.of(workspace, model_dir, sets=sets, images_root=images_root)
    model, card = workspace.model, workspace.card
    ranks_path, _ = ranks_in_export(workspace.paths, ranks_path)
    if ranks_path is None:
        raise TrainingError(Said("error.no_ranks", path=workspace.paths[0]))
    source = workspace.source()
    ranks: Ranks = read_ranks(ranks_path)
    data, features, _, _ = prepared_features(source, seed=card.get("seed", 0))
    groups = evaluate.labelled_groups(ranks.data, data["listing_id"])
    if groups.empty:
        raise TrainingError(Said("error.no_ids", path=ranks.path, export=source.path))
    per_group = evaluate.per_group_metrics(groups, model.raw(features))
    report = evaluate.mean_metrics(per_group, groups)
    report["trust"] = measure_trust(per_group, groups, data, seed=card.get("seed", 0))
    report["baseline"] = {
        name: {
            k: v
            for k, v in evaluate.group_metrics(groups, scores).items()
            if k != "groups"
        }
        for name, scores in evaluate.baseline_scores(data).items()
    }
    report["observations"] = len(groups)
    report["model"] = str(workspace.model_dir)
    # Staleness measured directly: the same metrics on these ranks beside the
    # held-out values the card recorded when the model was trained.
    then = card.get("metrics", {}).get("model")
    if then:
        report["at_training"] = {k: then[k] for k in ("ndcg@10", "spearman")}
        sales = report["baseline"].get("monthly_sales", {})
        report["stale"] = bool(sales) and report["ndcg@10"] <= sales["ndcg@10"]
    return report
