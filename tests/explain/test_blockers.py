"""Blockers learned from the model's shapes: the cliff, its threshold, its cost."""

import json

import numpy as np
import pandas as pd
import pytest

from ranking.engines.training import train
from ranking.explain import blockers, fixes
from ranking.model import cliff_lines, cliffs, pipeline
from ranking.model.persist import load_model
from ranking.model.weight import AdditiveShapes, WeightModel
from ranking.reading.export import ExportSource
from ranking.sim import DSR, Assumptions, simulate

# ------------------------------------------------------------------ shapes


def test_a_jump_spread_over_two_intervals_is_centred_by_their_rises():
    # Smoothing spread one jump over the intervals either side of the knot at
    # -0.10: 40% of it rises in (-0.15, -0.10), 60% in (-0.10, -0.05).
    knots = np.round(np.arange(-0.40, 0.36, 0.05), 2)
    terms = np.r_[np.where(knots <= -0.15, 0.0, 1.0), 0.3]
    terms[np.flatnonzero(knots == -0.10)] = 0.4
    cliff = cliffs.find_cliff("dsr_min_gap", knots, terms, 1, scale=1.0)
    assert cliff.threshold == pytest.approx(0.4 * -0.125 + 0.6 * -0.075)
    assert cliff.height == pytest.approx(1.0)
    assert (cliff.low, cliff.high) == pytest.approx((-0.15, -0.05))
    assert cliff.cleared == pytest.approx(1.0)
    assert cliff.past(np.array([-0.10, -0.095, -0.09, np.nan])).tolist() == [
        True,
        True,
        False,
        False,
    ]


def test_a_steady_rise_has_no_cliff():
    knots = np.linspace(-0.3, 0.3, 31)
    terms = np.r_[np.linspace(0, 1.5, 31), 0.0]
    assert cliffs.find_cliff("dsr_min_gap", knots, terms, 1, scale=1.0) is None


def test_a_small_jump_is_not_a_cliff_however_steep():
    knots = np.array([-0.2, -0.1, 0.1, 0.2])
    terms = np.array([0.0, 0.0, 0.1, 0.1, 0.0])
    # 0.1 raw score on a scale of 2 costs a median listing 1.2 weight points.
    assert cliffs.find_cliff("dsr_min_gap", knots, terms, 1, scale=2.0) is None
    cliff = cliffs.find_cliff("dsr_min_gap", knots, terms * 20, 1, scale=2.0)
    assert cliff is not None and cliff.threshold == pytest.approx(0.0)


def _fold(knots, terms, scale=1.0, name="dsr_min_gap"):
    """One fold model as :func:`cliffs.held_by_folds` takes it."""
    return [name], [np.asarray(knots)], [np.asarray(terms, dtype="float64")], scale


KNOTS = np.array([-0.2, -0.1, 0.0, 0.1, 0.2, 0.3])
STEP = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5])  # a cliff over 0 … 0.1


def _learned(folds):
    found = cliffs.learn_cliffs(["dsr_min_gap"], [KNOTS], [STEP], 1.0)
    return cliffs.held_by_folds(found, 1.0, folds)


def test_a_cliff_every_fold_rises_over_is_kept():
    # A fold on a smaller scale with a smaller rise is the same cliff: 0.4
    # raw on a scale of 0.4 is the model's 1.0 on a scale of 1.
    held, unheld = _learned([_fold(KNOTS, STEP * 0.8), _fold(KNOTS, STEP * 0.4, 0.4)])
    assert held["dsr_min_gap"].threshold == pytest.approx(0.05)
    assert unheld == {}


@pytest.mark.parametrize(
    ("other", "rise"),
    [
        # The other keywords' model rises steadily: a fifth of the rise there.
        (np.r_[np.linspace(0.0, 1.0, 6), 0.5], 0.2),
        # ... or rises at another place (a cliff at -0.15, not at 0.05).
        (np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]), 0.0),
        # ... or has no DSR term at all.
        (None, 0.0),
    ],
)
def test_a_cliff_one_fold_does_not_show_raises_no_blocker(other, rise):
    second = _fold(KNOTS, other) if other is not None else _fold([0.0], [0.0], 1, "x")
    held, unheld = _learned([_fold(KNOTS, STEP), second])
    assert held == {"dsr_min_gap": None}
    cliff, rises = unheld["dsr_min_gap"]
    assert (cliff.low, cliff.high) == pytest.approx((0.0, 0.1))
    assert rises == pytest.approx([1.0, rise])
    # Without fold models there is nothing to hold it against.
    assert _learned([])[0]["dsr_min_gap"] is not None


def _shapes(dsr_terms):
    """A two-feature model: sales rising steadily, the lowest DSR gap as
    given (on :data:`KNOTS`)."""
    return AdditiveShapes(
        ["catalog_sales", "dsr_min_gap"],
        [1, 1],
        [np.linspace(0.0, 4.0, 5), KNOTS],
        [np.r_[np.linspace(0.0, 2.0, 5), 0.0], np.asarray(dsr_terms, dtype="float64")],
    )


def test_training_keeps_only_the_cliffs_its_fold_models_show():
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {
            "catalog_sales": rng.uniform(0, 4, 2000),
            "dsr_min_gap": rng.uniform(-0.2, 0.3, 2000),
        }
    )
    model = _shapes(STEP * 2)
    steady = np.r_[np.linspace(0.0, 2.0, 6), 1.0]
    kept = WeightModel.from_training(
        model, features, "ranks", folds=[_shapes(STEP * 2)] * 2
    )
    assert kept.cliffs["dsr_min_gap"] is not None and kept.unheld == {}
    dropped = WeightModel.from_training(
        model, features, "ranks", folds=[_shapes(STEP * 2), _shapes(steady)]
    )
    assert dropped.cliffs["dsr_min_gap"] is None
    cliff, rises = dropped.unheld["dsr_min_gap"]
    assert (cliff.low, cliff.high) == pytest.approx((0.0, 0.1))
    assert rises[0] == pytest.approx(1.0) and rises[1] < cliffs.FOLD_SHARE
    # The fold models are kept for the fixes' ranges either way.
    assert len(dropped.folds) == 2


def test_a_decreasing_cliff_is_held_against_its_folds_the_better_way_up():
    knots = np.array([-1.0, 0.5, 1.5, 2.5, 3.5])
    terms = np.array([0.0, 0.0, -1.0, -1.0, -1.05, 0.0])
    cliff = cliffs.find_cliff("fit_margin", knots, terms, -1, scale=1.0)
    same_way = (knots, terms * 0.6, 1.0)
    # Rising where the model falls is no support, however far it rises.
    wrong_way = (knots, -terms, 1.0)
    assert cliffs.fold_rises(cliff, 1.0, [same_way, wrong_way]) == pytest.approx(
        [0.6, -1.0]
    )


def test_a_cliff_not_in_every_fold_is_said_so_on_the_card():
    cliff = cliffs.find_cliff("dsr_min_gap", KNOTS, STEP, 1, scale=1.0)
    card = {
        "blockers": {"dsr_min_gap": None, "title_fit": None},
        "blockers_not_in_every_fold": cliffs.unheld_entries(
            {"dsr_min_gap": (cliff, [1.0, 0.2])}, 1.0
        ),
    }
    lines = [str(line) for line in cliff_lines.card_lines(card)]
    assert "missing from a cross-validation fold" in lines[0]
    assert "rises only 20% as much as in the model" in lines[0]
    assert "+0.000 … +0.100" in lines[0] and "no blocker" in lines[0]
    assert "no cliff" in lines[1]


def test_a_decreasing_shape_is_past_its_cliff_above_the_threshold():
    knots = np.array([-1.0, 0.5, 1.5, 2.5, 3.5])
    terms = np.array([0.0, 0.0, -1.0, -1.0, -1.05, 0.0])
    cliff = cliffs.find_cliff("fit_margin", knots, terms, -1, scale=1.0)
    assert cliff.threshold == pytest.approx(1.0)
    assert cliff.cleared == pytest.approx(0.0)
    assert cliff.past(np.array([0.5, 1.5])).tolist() == [False, True]


# ------------------------------------------------------------ on markets

MARGIN = 0.08


def _trained(tmp_path_factory, name: str, assumptions: Assumptions):
    market = simulate(20_000, seed=21, assumptions=assumptions)
    folder = tmp_path_factory.mktemp(name)
    files = market.save(folder)
    model_dir = folder / "model"
    result = train(files["catalog"], files["ranks"], output=model_dir)
    model, _ = load_model(model_dir)
    prepared = pipeline.prepare(ExportSource(files["catalog"]), model)
    scored = prepared.score(pd.concat([c.data for c in prepared.source.chunks()]))
    return market, result, prepared, scored


@pytest.fixture(scope="module")
def other_threshold(tmp_path_factory):
    """A marketplace whose platform demotes a DSR only 0.08 below the average
    (the shipped simulator: any amount below)."""
    return _trained(tmp_path_factory, "margin", Assumptions(dsr_penalty_margin=MARGIN))


def test_the_learned_dsr_threshold_is_the_platforms(other_threshold):
    _, result, prepared, _ = other_threshold
    cliff = prepared.model.cliffs["dsr_min_gap"]
    assert cliff.threshold == pytest.approx(-MARGIN, abs=0.02)
    entry = result.card["blockers"]["dsr_min_gap"]
    assert entry["threshold"] == cliff.threshold and entry["median_cost"] >= 4


def test_dsr_blockers_find_the_demoted_listings(other_threshold):
    market, _, prepared, scored = other_threshold
    catalog = market.catalog
    average = catalog.groupby("category")[list(DSR)].transform("mean")
    demoted = np.any([catalog[c] < average[c] - MARGIN - 1e-9 for c in DSR], axis=0)
    table = blockers.blocker_table(scored, prepared.profile, prepared.model)
    flagged = table["blockers"].str.contains("dsr").to_numpy()
    assert 0.15 < demoted.mean() < 0.5
    assert demoted[flagged].mean() >= 0.9  # precision
    assert flagged[demoted].mean() >= 0.9  # recall
    assert (table["dsr_cost"][flagged] > 0).all()
    assert table["dsr_cost"][~flagged].isna().all()


def test_no_dsr_penalty_means_no_dsr_blocker(tmp_path_factory):
    _, result, prepared, scored = _trained(
        tmp_path_factory, "nopenalty", Assumptions(dsr_below_average_penalty=0.0)
    )
    assert prepared.model.cliffs["dsr_min_gap"] is None
    assert result.card["blockers"]["dsr_min_gap"] is None
    table = blockers.blocker_table(scored, prepared.profile, prepared.model)
    assert not table["blockers"].str.contains("dsr").any()
    lines = cliff_lines.card_lines(result.card)
    assert any("dsr_min_gap" in line and "no cliff" in line for line in lines)


# ------------------------------------------------- the shipped simulator


@pytest.fixture(scope="module")
def prepared(market_files, model_dir):
    model, _ = load_model(model_dir)
    state = pipeline.prepare(ExportSource(market_files["catalog"]), model)
    scored = state.score(pd.concat([c.data for c in state.source.chunks()]))
    return state, scored


def test_wrong_category_is_a_blocker_with_the_right_suggestion(market, prepared):
    state, scored = prepared
    assert state.model.cliffs["title_fit"] is not None
    table = blockers.blocker_table(scored, state.profile, state.model)
    wrong = market.truth["placed_in_wrong_category"].to_numpy()
    flagged = table["blockers"].str.contains("category_fit").to_numpy()
    assert flagged[wrong].mean() >= 0.9
    assert wrong[flagged].mean() >= 0.9
    suggested = table["suggested_category"].to_numpy()[wrong & flagged]
    assert (
        suggested == market.truth["title_category"].to_numpy()[wrong & flagged]
    ).mean() >= 0.95
    assert (table["suggested_category"][~flagged] == "").all()
    misfit = fixes.misfits(scored.data, scored.title_fit, state.profile.sizes)
    assert table["category_fit_cost"].notna().equals(misfit)


def test_a_blockers_cost_is_what_clearing_its_cliff_wins_back(prepared):
    state, scored = prepared
    table = blockers.blocker_table(scored, state.profile, state.model)
    cliff = state.model.cliffs["dsr_min_gap"]
    at = table.index[table["dsr_cost"].notna()][0]
    row = scored.data.loc[[at]].copy()
    # Lift every DSR just clear of the line: the min gap's term is then the
    # cleared one, and the weight gained is the cost (other DSR terms aside).
    average = state.profile.reference
    for name in DSR:
        line = average.center(name, row["category"]).iloc[0] + cliff.high
        row[name] = np.maximum(row[name], line + 1e-6)
    after = state.score(row)
    min_gap_term = state.model.additive.partial_terms(after.features[["dsr_min_gap"]])
    # The shape is continuous: 1e-6 past the cliff's top knot adds its slope
    # there times 1e-6 (tens of raw units a point of DSR: ~1e-5).
    assert min_gap_term[0] == pytest.approx(cliff.cleared, abs=1e-4)
    before = state.model.additive.partial_terms(
        scored.features.loc[[at], ["dsr_min_gap"]]
    )
    expected = state.model.to_weight(
        scored.raw[scored.data.index.get_loc(at)] + cliff.cleared - before[0]
    )
    assert table.at[at, "dsr_cost"] == pytest.approx(
        expected - scored.weight[at], abs=1e-9
    )


def test_every_blocker_in_the_audit_carries_its_cost(
    run_cli, market_files, model_dir, prepared
):
    state, scored = prepared
    table = blockers.blocker_table(scored, state.profile, state.model)
    both = table.index[table["blockers"] == "dsr;category_fit"]
    listing = str(scored.data.at[both[0], "listing_id"])
    result = run_cli(
        "audit",
        market_files["catalog"],
        listing,
        "--model",
        model_dir,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    factors = {b["factor"] for b in report["blockers"]}
    assert factors == {"dsr", "category_fit"}
    for b in report["blockers"]:
        assert b["cost"] == pytest.approx(
            round(table.at[both[0], f"{b['factor']}_cost"], 2)
        )
        assert b["cost"] > 0
    text = run_cli("audit", market_files["catalog"], listing, "--model", model_dir)
    assert f"✗ dsr  −{report['blockers'][0]['cost']:.2f}" in text.output


def test_train_prints_the_thresholds_it_learned(run_cli, market_files, tmp_path):
    out = tmp_path / "m"
    result = run_cli(
        "train", market_files["catalog"], "--ranks", market_files["ranks"], "-o", out
    )
    assert result.exit_code == 0, result.output
    assert "blockers learned" in result.output
    assert "dsr_min_gap  (dsr): at or below" in result.output
    card = (out / "card.txt").read_text(encoding="utf-8")
    assert "dsr_min_gap  (dsr): at or below" in card
    model, _ = load_model(out)
    assert model.cliffs["dsr_min_gap"].threshold == pytest.approx(
        json.loads((out / "model.json").read_text())["cliffs"]["dsr_min_gap"][
            "threshold"
        ]
    )


def test_a_shop_at_its_categorys_dsr_is_not_below_it(prepared):
    # Every DSR given once with --set is its category's average: a gap of 0,
    # which is not below the category whatever side of 0 the cliff's centre
    # fell on between the knots.
    state, scored = prepared
    row = scored.data.iloc[:20].copy()
    for name in DSR:
        row[name] = state.profile.reference.center(name, row["category"])
    costs = blockers.blocker_costs(state.score(row), state.profile, state.model)
    assert costs["dsr"].isna().all()
