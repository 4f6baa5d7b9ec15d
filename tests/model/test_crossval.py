"""Complexity chosen by cross-validation, and the trust it earns."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import ndcg_score

from ranking.model import crossval, evaluate
from ranking.model.features import FEATURE_NAMES
from ranking.model.trust import measure_trust


def _groups(n_groups, size, seed=0, censored_share=0.2):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        for i in range(size):
            rows.append(
                (f"k{g}", len(rows), float(i + 1), rng.random() < censored_share)
            )
    return pd.DataFrame(rows, columns=["keyword", "row", "position", "censored"])


def test_per_group_metrics_equal_scikit_learn_and_scipy_with_ties():
    rng = np.random.default_rng(3)
    groups = pd.concat(
        [_groups(1, n, seed=n).assign(keyword=f"g{n}") for n in (1, 2, 3, 7, 30)],
        ignore_index=True,
    )
    groups["row"] = np.arange(len(groups))
    scores = rng.integers(0, 4, len(groups)).astype(float)  # many ties
    per = evaluate.per_group_metrics(groups, scores).set_index("keyword")
    for keyword, group in groups.groupby("keyword"):
        predicted = scores[group["row"]]
        rel = evaluate.relevance(group["position"], group["censored"])
        if len(group) >= 2 and rel.sum() > 0:
            expected = ndcg_score(rel[None], predicted[None], k=10)
            assert per.at[keyword, "ndcg@10"] == pytest.approx(expected)
        else:
            assert np.isnan(per.at[keyword, "ndcg@10"])
        if len(group) >= 3:
            expected = spearmanr(-predicted, group["position"]).statistic
            expected = 0.0 if np.ptp(predicted) == 0 else expected
            assert per.at[keyword, "spearman"] == pytest.approx(expected)


def test_a_tie_is_not_broken_in_file_order():
    # A file in rank order and a signal that ties everybody: ordering by it is
    # worth the average of every order, not the file's perfect one.
    groups = _groups(1, 10, censored_share=0)
    per = evaluate.per_group_metrics(groups, np.ones(10))
    assert per["spearman"].iloc[0] == 0.0
    assert per["ndcg@10"].iloc[0] < 0.9


def test_folds_hold_whole_groups_and_do_not_depend_on_order():
    keywords = pd.Series([f"k{i % 23}" for i in range(200)])
    folds = crossval.assign_folds(keywords, folds=5, seed=1)
    by_keyword = pd.Series(folds).groupby(keywords).nunique()
    assert (by_keyword == 1).all()
    shuffled = keywords.sample(frac=1, random_state=0)
    again = crossval.assign_folds(shuffled, folds=5, seed=1)
    assert (pd.Series(again, index=shuffled.index).sort_index() == folds).all()
    sizes = pd.Series(folds).groupby(keywords).first().value_counts()
    assert sizes.max() - sizes.min() <= 1


def _ranked(strength, n_groups, size) -> pd.DataFrame:
    """Keyword groups of ``size`` consecutive rows, each in the order of
    ``strength`` (higher first)."""
    rows = []
    for g in range(n_groups):
        members = np.arange(g * size, (g + 1) * size)
        order = members[np.argsort(-strength[members])]
        rows += [(f"k{g}", row, float(i + 1), False) for i, row in enumerate(order)]
    return pd.DataFrame(rows, columns=["keyword", "row", "position", "censored"])


def _market(n_groups, size, noise, seed=0):
    """Listings with every feature; their order in each group follows
    rel_sales plus noise (noise=inf: no relation at all)."""
    rng = np.random.default_rng(seed)
    n = n_groups * size
    features = pd.DataFrame(
        rng.normal(size=(n, len(FEATURE_NAMES))), columns=FEATURE_NAMES
    )
    data = pd.DataFrame({"monthly_sales": np.exp(features["rel_sales"]) * 10})
    strength = features["rel_sales"].to_numpy() + noise * rng.normal(size=n)
    return data, features, _ranked(strength, n_groups, size)


def test_noise_is_not_trusted_and_a_real_signal_is_found():
    data, features, groups = _market(30, 12, noise=1e6, seed=1)
    labels = crossval.rank_labels(groups)
    chosen = crossval.select(features, labels, complexities=[(4, 1e-2), (12, 3e-3)])
    found = measure_trust(chosen.per_group, labels.groups, data)
    assert found["level"] != "better"
    # Ordering by the signal the ranks follow is better than the model.
    data, features, groups = _market(30, 12, noise=0.3, seed=2)
    labels = crossval.rank_labels(groups)
    chosen = crossval.select(features, labels, complexities=[(4, 1e-2), (12, 3e-3)])
    found = measure_trust(chosen.per_group, labels.groups, data)
    assert found["best_signal"] == "monthly_sales"
    assert found["gain"]["monthly_sales"]["spearman"]["high"] > -0.05
    assert len(chosen.fold_models) == 5
    assert {c["n_knots"] for c in chosen.to_card()["curve"]} == {4, 12}
    # The ranks follow sales alone: sales is kept, and every unit dropped was
    # one whose removal alone did not lower the cross-validated score.
    assert "sales" not in chosen.config.dropped
    assert chosen.config.dropped
    curve = chosen.to_card()["curve"]
    kept_all = max(c["score"] for c in curve if not c["dropped"])
    for unit in chosen.config.dropped:
        alone = [c for c in curve if c["dropped"] == [unit]]
        assert alone and alone[0]["score"] >= kept_all


def test_a_one_signal_model_keeps_the_signals_order():
    # The complaint: step shapes tied listings the signal ordered.
    data, features, groups = _market(40, 15, noise=0.5, seed=3)
    labels = crossval.rank_labels(groups)
    others = tuple(unit for unit in crossval.UNITS if unit != "sales")
    only_sales = crossval.Config(32, 1e-3, others)
    model = crossval.full_shapes(labels.fit(features, None, only_sales))
    scores = model.partial_terms(features[["rel_sales"]])
    order = np.argsort(features["rel_sales"].to_numpy())
    assert (np.diff(scores[order]) > 0).all()


def test_two_search_pages_are_too_few_to_trust_either_way():
    # Two captured pages: a bootstrap over two groups has three means, no
    # interval; the verdict says so instead of "better".
    data, features, groups = _market(6, 12, noise=0.1, seed=4)
    labels = crossval.rank_labels(groups)
    chosen = crossval.select(features, labels, complexities=[(4, 1e-2)])
    found = measure_trust(chosen.per_group, labels.groups, data)
    assert found["groups"] == 6
    assert found["level"] == "too_few"


def test_trust_from_signal_metrics_worked_out_once_is_the_same():
    data, features, groups = _market(30, 12, noise=0.3, seed=2)
    labels = crossval.rank_labels(groups)
    chosen = crossval.select(features, labels, complexities=[(4, 1e-2)])
    judged = evaluate.signal_metrics(labels.groups, data)
    given = measure_trust(chosen.per_group, labels.groups, data, judged=judged)
    assert given == measure_trust(chosen.per_group, labels.groups, data)
    assert given["best_signal"] == crossval.best_signal(judged) == "monthly_sales"
    # Metrics judged on other groups are refused, not silently averaged.
    fewer = labels.groups[labels.groups["keyword"] != "k0"]
    with pytest.raises(ValueError, match="other keyword groups"):
        measure_trust(
            chosen.per_group,
            labels.groups,
            data,
            judged=evaluate.signal_metrics(fewer, data),
        )


def test_many_keywords_are_judged_on_a_draw_and_learned_from_whole(monkeypatch):
    monkeypatch.setattr(crossval, "MAX_CV_GROUPS", 5)
    _, features, groups = _market(12, 6, noise=0.1)
    labels = crossval.rank_labels(groups)
    assert labels.groups["keyword"].nunique() == 5
    assert labels.folds == 5
    # The pairs each fit learns from, as the labels make them.
    seen = []
    real_pairs = evaluate.ranking_pairs
    monkeypatch.setattr(
        evaluate, "ranking_pairs", lambda g: seen.append(real_pairs(g)) or seen[-1]
    )
    labels.fit(features, 0, crossval.Config(4, 1e-2))
    labels.fit(features, None, crossval.Config(4, 1e-2))
    assert len(seen[0]) == 4 * 15  # four drawn groups of six: 15 pairs each
    assert len(seen[1]) == 12 * 15  # the final fit: every group


def test_has_ranking_pairs_agrees_with_making_them():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 8))
        groups = pd.DataFrame(
            {
                "keyword": rng.choice(["a", "b", "c"], n),
                "row": np.arange(n),
                "position": rng.choice([1.0, 2.0, 3.0, np.nan], n),
                "censored": rng.random(n) < 0.4,
            }
        )
        made = len(evaluate.ranking_pairs(groups)) > 0
        assert evaluate.has_ranking_pairs(groups) == made


def test_parallel_folds_and_cached_pairs_and_knots_equal_a_serial_fresh_run(
    monkeypatch,
):
    # The folds run on two threads, each fold's pairs and the catalog's knots
    # are made once per selection: the fold models and the curve are the
    # same, bit for bit, as fitting every fold in turn from scratch.
    _, features, groups = _market(20, 10, noise=0.5, seed=5)
    complexities = [(4, 1e-2), (12, 3e-3)]
    labels = crossval.rank_labels(groups)
    parallel = crossval.select(features, labels, complexities=complexities)
    made = []
    real_pairs = evaluate.ranking_pairs
    monkeypatch.setattr(
        evaluate, "ranking_pairs", lambda g: made.append(1) or real_pairs(g)
    )
    import joblib

    monkeypatch.setattr(crossval, "Parallel", lambda **_: joblib.Parallel(n_jobs=1))
    fresh = crossval.rank_labels(groups)
    # No cache kept between fits: new labels (new pairs) and no knots dict.
    fresh.fit = lambda f, fold, c, seed=0, init=None, knots=None: crossval.rank_labels(
        groups
    ).fit(f, fold, c, seed, init)
    serial = crossval.select(features, fresh, complexities=complexities)
    assert len(made) == 5 * len(serial.curve)  # serial made pairs every fit
    assert serial.config == parallel.config
    assert serial.curve == parallel.curve
    for a, b in zip(serial.fold_models, parallel.fold_models, strict=True):
        for x, y in zip(a.shapes, b.shapes, strict=True):
            np.testing.assert_array_equal(x, y)
        for x, y in zip(a.knots, b.knots, strict=True):
            np.testing.assert_array_equal(x, y)


def _bucketed_market(n_groups=40, size=15, seed=6):
    """One category; sales in a platform's buckets (many ties), the order by
    bucket first, and within a bucket by title fit, with noise that lets the
    pairwise fit lean on title fit across buckets too."""
    rng = np.random.default_rng(seed)
    n = n_groups * size
    features = pd.DataFrame(
        rng.normal(size=(n, len(FEATURE_NAMES))), columns=FEATURE_NAMES
    )
    sales = rng.choice([5.0, 25.0, 50.0, 100.0, 500.0], n)
    features["rel_sales"] = features["catalog_sales"] = np.log1p(sales)
    data = pd.DataFrame({"monthly_sales": sales})
    strength = np.log1p(sales) + 0.4 * features["title_fit"].to_numpy()
    strength += rng.normal(0, 0.8, n)
    return data, features, _ranked(strength, n_groups, size)


def test_the_best_signals_term_is_tried_at_every_emphasis_and_written_steeper(
    monkeypatch,
):
    data, features, groups = _bucketed_market()
    labels = crossval.rank_labels(groups)
    signals = evaluate.signal_metrics(labels.groups, data)
    final, chosen = crossval.fit_selected(features, labels, signals=signals)
    config = chosen.config
    fitted = replace(config, emphasis=1.0, leading="")
    siblings = [
        c
        for c in chosen.to_card()["curve"]
        if c["n_knots"] == config.n_knots and c["dropped"] == list(fitted.dropped)
    ]
    # Every factor was tried on the chosen units, from the same fold fits.
    assert sorted(c["emphasis"] for c in siblings) == list(crossval.EMPHASES)
    assert {c["leading"] for c in siblings if c["emphasis"] != 1} == {"monthly_sales"}

    # The model written is the refit with that one term made steeper.
    def emphasised(trials, best, *_):
        scaled = replace(best, emphasis=4.0, leading="monthly_sales")
        trials.score(scaled)
        return scaled

    monkeypatch.setattr(crossval, "_emphasis", emphasised)
    final, chosen = crossval.fit_selected(features, labels, signals=signals)
    unscaled = crossval.full_shapes(labels.fit(features, None, fitted))
    parts = zip(final.features, final.knots, final.shapes, unscaled.shapes, strict=True)
    for name, knots, a, b in parts:
        if name != "catalog_sales":
            np.testing.assert_array_equal(a, b)
            continue
        line = (knots - knots[0]) / (knots[-1] - knots[0])
        known = b[:-1]
        np.testing.assert_allclose(a[:-1], 4 * known + 3 * np.ptp(known) * line)
        # The missing value keeps its place on the term.
        place = np.interp(b[-1], known, line)
        assert a[-1] == pytest.approx(4 * b[-1] + 3 * np.ptp(known) * place)
    for model in chosen.fold_models:
        j = model.features.index("catalog_sales")
        assert (np.diff(model.shapes[j][:-1]) > 0).all()  # still monotone


class _Tried:
    """Stands in for the selection's trials: each candidate's held-out
    means, as given."""

    def __init__(self, means):
        self.tried = {
            config: (pd.DataFrame({"ndcg@10": [n], "spearman": [r]}), [])
            for config, (n, r) in means.items()
        }

    def score(self, config, start=None):
        return crossval.cv_score(self.tried[config][0])


def test_emphasis_never_trades_away_the_best_signals_order_when_it_need_not():
    best = crossval.Config(4, 1e-2)
    at = {
        f: replace(best, emphasis=f, leading="monthly_sales") for f in (2.0, 4.0, 8.0)
    }
    signal = pd.Series({"ndcg@10": 0.40, "spearman": 0.25})
    # As fitted it scores best but orders the whole list worse than sales.
    trials = _Tried(
        {
            best: (0.56, 0.24),
            at[2.0]: (0.49, 0.26),
            at[4.0]: (0.50, 0.27),
            at[8.0]: (0.41, 0.28),
        }
    )
    assert crossval._emphasis(trials, best, "monthly_sales", signal) == at[4.0]
    # None at least as good as the signal in both: the best score, as fitted.
    trials = _Tried(
        {
            best: (0.52, 0.20),
            at[2.0]: (0.49, 0.21),
            at[4.0]: (0.48, 0.22),
            at[8.0]: (0.41, 0.23),
        }
    )
    assert crossval._emphasis(trials, best, "monthly_sales", signal) == best
    # The signal's own unit left out: nothing to scale.
    gone = replace(best, dropped=("sales",))
    assert crossval._emphasis(trials, gone, "monthly_sales", signal) == gone
