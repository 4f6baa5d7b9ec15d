"""A model's complexity chosen by cross-validation over keyword groups.

Real search pages are small and noisy (the best single signal's per-keyword
Spearman with position is about 0.1-0.35), so a model with 32 knots on 25
features can fit noise and rank held-out keywords worse than ordering by
sales alone. :func:`select` therefore

1. assigns whole keyword groups to ``K`` folds (a listing's keywords may fall
   in several folds; a group is never split);
2. fits each candidate complexity (knots, smoothness) on ``K − 1`` folds and
   scores the held-out fold's groups, and keeps the best mean of per-group
   NDCG@10 and Spearman (ties to the simpler);
3. drops the features whose removal does not lower that score (one backward
   pass over units of features that read the same quantity, see
   :func:`unit_of`; then the combined drop checked once more);
4. emphasises the term of the best single signal by the factor that
   scores best without ordering the held-out groups worse than that signal
   does (:func:`_emphasis`: the fold models reshaped, nothing fitted again).

:func:`ranking.model.trust.measure_trust` then compares the chosen model's
out-of-fold scores with every single signal the export carries.

Search-visitor labels go through the same code: each held-out fold's
listings, grouped by category and ordered by search visitors, are its groups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from ranking.model import evaluate
from ranking.model.cliff_lines import CLIFF_FEATURES
from ranking.model.features import FACTOR_OF, FEATURES
from ranking.model.fitting import AdditiveWeightModel
from ranking.model.weight import AdditiveShapes

FOLDS = 5
#: Candidate complexities, simplest first: knots per feature and the L2
#: penalty on the increments between them.
COMPLEXITIES: tuple[tuple[int, float], ...] = (
    (4, 1e-2),
    (12, 3e-3),
    (32, 1e-3),
)
#: A candidate's fold fit stops once the loss improves by less than this
#: share an iteration: the candidates' order is settled well before the
#: final fit's tolerance (2.2e-9), at a third of the iterations.
CV_TOLERANCE = 1e-6
#: A fold's fit sees at most this many ranking pairs (drawn at random): with
#: 2,000 keywords the full 12M pairs would make every candidate cost a full
#: fit, and the choice between complexities is already clear at this size.
MAX_CV_PAIRS = 150_000
#: Keyword groups (and, from search visitors, labelled listings) the
#: cross-validation judges candidates on, drawn at random beyond these: the
#: per-candidate cost then stops growing with the catalog (at 400 groups the
#: curve's 100 fold fits were 710 s of a 966 s train of 200,000 listings on a
#: loaded machine), and 150 groups still give intervals of about ±0.02.
MAX_CV_GROUPS = 150
MAX_CV_ROWS = 100_000
#: Knots a feature that can raise a blocker always has, whatever the chosen
#: complexity: a platform's hidden threshold shows as a cliff in its shape
#: (:mod:`ranking.explain.blockers`), which four knots would flatten into a slope.
CLIFF_KNOTS = {name: 32 for name in CLIFF_FEATURES}
#: How much the best single signal's own term may be emphasised once the units
#: are chosen (1: as fitted), and the feature that reads each signal in the
#: signal's own order across the whole export: see :func:`_emphasis`.
EMPHASES = (1.0, 2.0, 4.0, 8.0)
SIGNAL_TERMS = {
    "monthly_sales": "catalog_sales",
    "payer_count": "catalog_payers",
    "gmv": "rel_gmv",
    "review_count": "catalog_reviews",
    "qa_count": "log_qa",
    "sales_rank": "log_sales_rank",
}


def unit_of(feature: str) -> str:
    """What selection keeps or drops as one: a quantity measured against the
    category and against the whole export (``rel_sales``, ``catalog_sales``)
    is one unit; so are a factor's features when they read the same signals
    (the three DSR gaps and their lowest; title fit and its margin); every
    other feature is its own.

    >>> unit_of("catalog_sales"), unit_of("rel_gmv"), unit_of("dsr_min_gap")
    ('sales', 'gmv', 'dsr')
    """
    factor = FACTOR_OF.get(feature, "other")
    if factor in ("dsr", "category_fit"):
        return factor
    for prefix in ("rel_", "catalog_"):
        if feature.startswith(prefix):
            return feature[len(prefix) :]
    return feature


UNITS: dict[str, tuple[str, ...]] = {}
for _feature in FEATURES:
    UNITS.setdefault(unit_of(_feature.name), ())
    UNITS[unit_of(_feature.name)] += (_feature.name,)


@dataclass(frozen=True)
class Config:
    """One candidate: knots per feature, smoothness, the units (see
    :func:`unit_of`) left out, and how much the term reading the ``leading``
    single signal is emphasised after fitting (:func:`_emphasis`)."""

    n_knots: int
    alpha: float
    dropped: tuple[str, ...] = ()
    emphasis: float = 1.0
    leading: str = ""

    def to_dict(self) -> dict:
        return {**asdict(self), "dropped": list(self.dropped)}

    def emphasised(self, shapes: AdditiveShapes) -> AdditiveShapes:
        """``shapes`` (fitted with this candidate's units and complexity) with
        the term reading the ``leading`` signal emphasised by ``emphasis``:
        that term times it, and rising with every step of the signal
        (:meth:`AdditiveShapes.emphasised`)."""
        if self.emphasis == 1:
            return shapes
        return shapes.emphasised(SIGNAL_TERMS[self.leading], self.emphasis)


@dataclass
class Labels:
    """What a model learns from and is judged on: observation groups (the
    shape :func:`ranking.model.evaluate.labelled_groups` returns) with a ``fold``
    column, and how a fold's training fit is made."""

    groups: pd.DataFrame
    #: (features, fold, config, seed) -> fitted estimator on every fold but
    #: ``fold`` (``None``: on every fold).
    fit: Callable[..., AdditiveWeightModel]
    folds: int
    #: () -> the ranking pairs of every group, which the final fit learns
    #: from (made once); None for search-visitor labels.
    pairs: Callable[[], np.ndarray] | None = None


@dataclass
class Selection:
    """What :func:`select` chose, the CV curve behind the choice, and the
    chosen configuration's out-of-fold fits and per-group metrics."""

    config: Config
    curve: list[dict]
    per_group: pd.DataFrame  # keyword, fold, ndcg@10, spearman
    fold_models: list[AdditiveShapes]
    #: Units the export does not carry at all (never tried, never drift).
    absent: tuple[str, ...] = ()

    def to_card(self) -> dict:
        chosen = self.config.to_dict()
        chosen["dropped"] = [u for u in chosen["dropped"] if u not in self.absent]
        return {
            "folds": len(self.fold_models),
            "chosen": chosen,
            "not_in_export": list(self.absent),
            "curve": self.curve,
        }


def assign_folds(keywords: pd.Series, folds: int = FOLDS, seed: int = 0) -> np.ndarray:
    """A fold per keyword group, balanced and the same for the same keywords
    and seed whatever their order.

    >>> assign_folds(pd.Series(["a", "b", "a", "c"]), folds=2).tolist()
    [0, 0, 0, 1]
    """
    unique = np.sort(keywords.astype(str).unique())
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(unique, rng.permutation(len(unique)) % folds, strict=True))
    return keywords.astype(str).map(fold_of).to_numpy(dtype=np.int64)


def rank_labels(groups: pd.DataFrame, folds: int = FOLDS, seed: int = 0) -> Labels:
    """Labels from observed ranks: each fold's fit learns the pairwise loss
    from the other folds' groups (at most :data:`MAX_CV_PAIRS` pairs). With
    more than :data:`MAX_CV_GROUPS` keyword groups, the cross-validation runs
    on that many drawn at random; the final fit learns from all."""
    keywords = np.sort(groups["keyword"].astype(str).unique())
    if len(keywords) > MAX_CV_GROUPS:
        drawn = np.random.default_rng(seed).choice(keywords, MAX_CV_GROUPS, False)
        judged = groups[groups["keyword"].astype(str).isin(drawn)]
    else:
        judged = groups
    folds = min(folds, judged["keyword"].nunique())
    judged = judged.assign(fold=assign_folds(judged["keyword"], folds, seed))

    # A fold's pairs depend on the fold and the seed only, not on the
    # candidate: made once, not for each of the ~20 candidates (making them
    # was a third of the selection's time at 2,000 keywords).
    fold_pairs: dict[tuple[int, int], np.ndarray] = {}

    @cache
    def every_pair():
        return evaluate.ranking_pairs(groups)

    def pairs_of(fold, seed):
        if fold is None:
            return every_pair()
        if (fold, seed) not in fold_pairs:
            pairs = evaluate.ranking_pairs(judged[judged["fold"] != fold])
            if len(pairs) > MAX_CV_PAIRS:
                rng = np.random.default_rng(seed + 1000 * (fold + 1))
                keep = np.sort(rng.choice(len(pairs), MAX_CV_PAIRS, replace=False))
                pairs = np.asfortranarray(pairs[keep])
            fold_pairs[fold, seed] = pairs
        return fold_pairs[fold, seed]

    def fit(features, fold, config, seed=0, init=None, knots=None):
        pairs = pairs_of(fold, seed)
        return _fit(
            features, config, pairs=pairs, final=fold is None, init=init, knots=knots
        )

    return Labels(judged, fit, folds, every_pair)


def visitor_labels(
    data: pd.DataFrame,
    target: np.ndarray,
    labelled: np.ndarray,
    folds: int = FOLDS,
    seed: int = 0,
) -> Labels:
    """Labels from search visitors: listings assigned to folds at random;
    a fold's groups are its listings per category, ordered by visitors. With
    more than :data:`MAX_CV_ROWS` labelled listings the cross-validation
    runs on that many drawn at random; the final fit learns from all."""
    rng = np.random.default_rng(seed)
    fold_of_row = np.full(len(data), -1)
    rows = np.flatnonzero(labelled)
    if len(rows) > MAX_CV_ROWS:
        rows = np.sort(rng.choice(rows, MAX_CV_ROWS, replace=False))
    fold_of_row[rows] = rng.permutation(len(rows)) % folds
    category = (
        data["category"].astype("string").fillna("(none)").to_numpy()
        if "category" in data.columns
        else np.full(len(data), "(all)", dtype=object)
    )
    frame = pd.DataFrame(
        {
            "row": rows,
            "fold": fold_of_row[rows],
            "visitors": target[rows],
        }
    )
    # A fold's listings of one category are one group.
    frame["keyword"] = pd.Series(category[rows]).astype(str).to_numpy() + np.char.add(
        "\x1f", frame["fold"].to_numpy().astype(str)
    )
    frame["position"] = frame.groupby("keyword")["visitors"].rank(
        ascending=False, method="average"
    )
    frame["censored"] = False

    def fit(features, fold, config, seed=0, init=None, knots=None):
        # A fold learns from the other folds' listings, never from those left
        # out of the draw; the final fit from every labelled listing.
        drawn_elsewhere = (fold_of_row >= 0) & (fold_of_row != fold)
        train = labelled if fold is None else drawn_elsewhere
        return _fit(
            features,
            config,
            rows=train,
            y=target,
            final=fold is None,
            init=init,
            knots=knots,
        )

    return Labels(frame, fit, folds)


def _fit(
    features,
    config: Config,
    *,
    pairs=None,
    rows=None,
    y=None,
    final=True,
    init=None,
    knots=None,
):
    """An estimator fitted on the features not in a dropped factor; the
    knots come from every row of the catalog. ``knots``: a dict kept across
    the fits on one ``features`` frame, (column, count) -> knots, so the
    catalog's quantiles are found once per column and count, not on every
    fit (sorting 200,000 values 25 times a fit was a fifth of the
    selection's time)."""
    kept = [f for f in FEATURES if unit_of(f.name) not in config.dropped]
    columns = [f.name for f in kept]
    placed = None
    if knots is not None:
        placed = {}
        for name in columns:
            count = max(config.n_knots, CLIFF_KNOTS.get(name, 0))
            if (name, count) not in knots:
                knots[name, count] = AdditiveWeightModel.place_knots(
                    features[name].to_numpy(dtype="float64"), count
                )
            placed[name] = knots[name, count]
    estimator = AdditiveWeightModel(
        n_knots=config.n_knots,
        alpha=config.alpha,
        feature_knots=CLIFF_KNOTS,
        directions=[f.direction for f in kept],
        **({} if final else {"tol": CV_TOLERANCE}),
    )
    if pairs is not None:
        return estimator.fit(features[columns], pairs=pairs, init=init, knots=placed)
    return estimator.fit(
        features.loc[rows, columns],
        y[rows],
        bin_sample=features[columns],
        init=init,
        knots=placed,
    )


def full_shapes(estimator: AdditiveWeightModel) -> AdditiveShapes:
    """The estimator's shapes over every feature: a dropped feature gets a
    flat term of 0 (known or not)."""
    fitted = estimator.additive_
    knots, shapes = [], []
    for feature in FEATURES:
        if feature.name in fitted.features:
            j = fitted.features.index(feature.name)
            knots.append(fitted.knots[j])
            shapes.append(fitted.shapes[j])
        else:
            knots.append(np.zeros(1))
            shapes.append(np.zeros(2))
    return AdditiveShapes(
        [f.name for f in FEATURES],
        [f.direction for f in FEATURES],
        knots,
        shapes,
        fitted.intercept,
    )


def out_of_fold(
    features: pd.DataFrame,
    labels: Labels,
    config: Config,
    seed: int = 0,
    start: Sequence[AdditiveShapes] | None = None,
    knots: dict | None = None,
) -> tuple[pd.DataFrame, list[AdditiveShapes]]:
    """Per held-out group, the model's NDCG@10 and Spearman when fitted on the
    other folds; and the fold models. ``start``: fold models of
    a nearby candidate to start each fold's search from; ``knots``: the
    knots placed so far on ``features`` (see :func:`_fit`)."""
    knots = {} if knots is None else knots
    # Folds run in parallel: the fit is numpy work over whole columns, which
    # releases the GIL for most of its time.
    with one_blas_thread():
        fitted = Parallel(n_jobs=2, prefer="threads")(
            delayed(labels.fit)(
                features,
                fold,
                config,
                seed,
                None if start is None else start[fold],
                knots,
            )
            for fold in range(labels.folds)
        )
    shapes = [full_shapes(estimator) for estimator in fitted]
    return held_out_metrics(features, labels, shapes), shapes


def held_out_metrics(
    features: pd.DataFrame, labels: Labels, shapes: Sequence[AdditiveShapes]
) -> pd.DataFrame:
    """Per held-out group, NDCG@10 and Spearman of the fold model that did
    not see it (``shapes[fold]``)."""
    parts = []
    for fold, additive in enumerate(shapes):
        held = labels.groups[labels.groups["fold"] == fold]
        # Only the held-out groups' listings are scored (a fold of a large
        # catalog holds a few thousand of its rows).
        rows = np.unique(held["row"].to_numpy())
        predicted = np.full(len(features), np.nan)
        predicted[rows] = additive.predict(features.iloc[rows])
        per = evaluate.per_group_metrics(held, predicted)
        parts.append(per.assign(fold=fold))
    return pd.concat(parts, ignore_index=True)


def one_blas_thread():
    """BLAS on one thread while fitting: L-BFGS-B's steps are BLAS calls on
    vectors of ~800 coefficients, which OpenBLAS's threads made 2.3× slower
    (a fold fit at 200,000 listings: 1.6 CPU-s against 3.8, the same
    coefficients), more so with two fits side by side."""
    return threadpool_limits(limits=1, user_api="blas")


def cv_score(per_group: pd.DataFrame) -> float:
    """The selection criterion: the mean of per-group NDCG@10 and Spearman."""
    ndcg = per_group["ndcg@10"].mean()
    rho = per_group["spearman"].mean()
    return float(np.nanmean([ndcg, rho]))


def best_signal(judged: dict[str, pd.DataFrame], among=None) -> str:
    """The single signal whose per-group metrics (``judged``:
    :func:`ranking.model.evaluate.signal_metrics`) score best by
    :func:`cv_score`, among the names ``among`` when given; "" where none
    scores at all."""
    scores = {
        name: cv_score(per)
        for name, per in judged.items()
        if among is None or name in among
    }
    scores = {name: score for name, score in scores.items() if np.isfinite(score)}
    return max(scores, key=scores.get) if scores else ""


def select(
    features: pd.DataFrame,
    labels: Labels,
    seed: int = 0,
    complexities: Sequence[tuple[int, float]] = COMPLEXITIES,
    knots: dict | None = None,
    signals: dict[str, pd.DataFrame] | None = None,
) -> Selection:
    """Choose knots, smoothness, the factors to keep and the best single
    signal's emphasis by cross-validation over keyword groups (see the module
    docstring). ``knots``: see :func:`_fit`; ``signals``: each single signal's
    metrics on ``labels.groups``
    (:func:`ranking.model.evaluate.signal_metrics`), none when not given."""
    # Units the export does not carry at all are out from the start.
    absent = tuple(
        sorted(
            unit
            for unit, names in UNITS.items()
            if not features[list(names)].notna().any().any()
        )
    )
    trials = _Trials(features, labels, seed, {} if knots is None else knots, absent)
    best, best_score = _best_complexity(trials, complexities)
    best = _without_harmless_units(trials, best, best_score)
    best = _emphasis(trials, best, *_leading(signals or {}))
    per_group, shapes = trials.tried[best]
    return Selection(best, trials.curve, per_group, shapes, absent)


class _Trials:
    """The candidates :func:`select` has cross-validated: each one's
    out-of-fold metrics and fold models, fitted once, and the CV curve in
    the order they were tried."""

    def __init__(self, features, labels: Labels, seed: int, knots: dict, absent):
        self.features, self.labels, self.seed = features, labels, seed
        self.knots, self.absent = knots, absent
        self.tried: dict[Config, tuple[pd.DataFrame, list]] = {}
        self.curve: list[dict] = []

    def score(self, config: Config, start=None) -> float:
        """``config``'s CV score, fitting its folds (from ``start``'s fold
        models when given) the first time it is asked for."""
        if config in self.tried:
            return cv_score(self.tried[config][0])
        if config.emphasis != 1:
            fitted = replace(config, emphasis=1.0, leading="")
            self.score(fitted)
            shapes = [config.emphasised(s) for s in self.tried[fitted][1]]
            self.tried[config] = (
                held_out_metrics(self.features, self.labels, shapes),
                shapes,
            )
        else:
            self.tried[config] = out_of_fold(
                self.features, self.labels, config, self.seed, start, self.knots
            )
        per = self.tried[config][0]
        tried_here = config.to_dict()
        tried_here["dropped"] = [u for u in config.dropped if u not in self.absent]
        self.curve.append(
            {
                **tried_here,
                "score": cv_score(per),
                "ndcg@10": float(per["ndcg@10"].mean()),
                "spearman": float(per["spearman"].mean()),
            }
        )
        return cv_score(self.tried[config][0])


def _best_complexity(trials: _Trials, complexities) -> tuple[Config, float]:
    """The candidate complexity with the best CV score and that score; a
    later one must beat it by more than rounding (ties to the simpler)."""
    best, best_score = None, -np.inf
    for n_knots, alpha in complexities:
        config = Config(n_knots, alpha, trials.absent)
        score = trials.score(config)
        if score > best_score + 1e-12:
            best, best_score = config, score
    assert best is not None
    return best, best_score


def _without_harmless_units(trials: _Trials, best: Config, best_score: float) -> Config:
    """``best`` with the units that do not help dropped: the most harmless
    one alone, or every harmless one when dropping them together scores at
    least as well."""
    # One backward pass over the units the export carries: a unit whose
    # removal does not lower the score does not help. Each drop starts from
    # the chosen candidate's fold models (the unit's terms simply absent): a
    # few iterations, not a fit from zero.
    present = [unit for unit in UNITS if unit not in best.dropped]
    start = trials.tried[best][1]
    harmless = []
    for unit in present if len(present) > 1 else []:
        trial = replace(best, dropped=tuple(sorted((*best.dropped, unit))))
        score = trials.score(trial, start)
        if score >= best_score:
            harmless.append((score, unit))
    if not harmless:
        return best
    single = replace(best, dropped=tuple(sorted((*best.dropped, max(harmless)[1]))))
    combined = replace(
        best, dropped=tuple(sorted({*best.dropped, *(u for _, u in harmless)}))
    )
    run = trials.score
    if len(combined.dropped) < len(UNITS) and run(combined, start) >= run(single):
        return combined
    return single


def _leading(judged: dict[str, pd.DataFrame]):
    """The single signal that orders the cross-validation's groups best,
    among those one term reads in their own order (:data:`SIGNAL_TERMS`):
    its name and its mean NDCG@10 and Spearman on those groups (``("",
    None)`` where none)."""
    best = best_signal(judged, among=SIGNAL_TERMS)
    if not best:
        return "", None
    return best, judged[best][["ndcg@10", "spearman"]].mean()


def _emphasis(trials: _Trials, best: Config, leading: str, signal) -> Config:
    """``best`` with the term reading the ``leading`` signal emphasised (see
    :meth:`Config.emphasised`) by the factor of :data:`EMPHASES` that scores
    best among those at least as good as that signal itself in both NDCG@10
    and Spearman (among all when none is); ties to the smaller factor (1: as
    fitted).

    The pairwise loss is a surrogate for the order. On noisy search pages it
    lets weak features (title fit, price) overturn the best signal's order
    more often than held-out pages support: on MercadoLibre, sold quantity
    with its ties broken by the model ranks held-out lists better in
    Spearman than the model itself (0.301 against 0.291, NDCG@10 the same).
    Steepening that term is a one-dimensional refit on the metrics
    themselves: the fold models are reshaped, not fitted again, and the
    model stays additive and monotone. The term also rises with every step
    of the signal, not only where the fit made it rise: scaled alone, its
    flat stretches kept listings tied that the signal orders, and on
    MercadoLibre no factor up to 64 then matched sold quantity's Spearman
    (−0.002, 5 outer folds); rising at every step, +0.002 (seed 1: +0.006,
    against +0.000). The guard is the trust claim: a
    model should not order a seller's pages worse than their best signal
    does, on the first page or on the whole list."""
    if not leading or unit_of(SIGNAL_TERMS[leading]) in best.dropped:
        return best
    candidates = [
        replace(best, emphasis=factor, leading=leading) if factor != 1 else best
        for factor in EMPHASES
    ]
    for candidate in candidates:
        trials.score(candidate)
    holding = [
        c
        for c in candidates
        if (trials.tried[c][0][["ndcg@10", "spearman"]].mean() >= signal).all()
    ]
    return max(
        holding or candidates,
        key=lambda c: (round(trials.score(c), 12), -c.emphasis),
    )


def fit_selected(
    features: pd.DataFrame,
    labels: Labels,
    seed: int = 0,
    signals: dict[str, pd.DataFrame] | None = None,
) -> tuple[AdditiveShapes, Selection]:
    """What ``ranking train`` fits: the complexity chosen by :func:`select`,
    refitted on every fold; the shapes over every feature, and the
    selection."""
    knots: dict = {}
    chosen = select(features, labels, seed=seed, knots=knots, signals=signals)
    config = chosen.config
    with one_blas_thread():
        final = full_shapes(labels.fit(features, None, config, seed, knots=knots))
    return config.emphasised(final), chosen
