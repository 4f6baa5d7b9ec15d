"""The simulated marketplace: its truth can be recomputed, and it ranks by it."""

import numpy as np
import pandas as pd
import pytest

from ranking.reading.export import read_export, read_ranks
from ranking.sim import DSR, load_reference, simulate, true_weight


def test_same_seed_same_market():
    a, b = simulate(150, seed=3), simulate(150, seed=3)
    pd.testing.assert_frame_equal(a.catalog, b.catalog)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    assert not simulate(150, seed=4).catalog.equals(a.catalog)


def test_truth_is_recomputable_from_the_written_files(market, market_files):
    """What issue 4 needs: the true weight of any changed listing, from files."""
    export = read_export(market_files["catalog"])
    reference, assumptions = load_reference(market_files["market"].parent)
    truth = pd.read_csv(market_files["truth"], dtype={"listing_id": str})
    data = export.data.reset_index(drop=True)
    data["has_main_video"] = data["has_main_video"].astype(float)
    data["has_white_bg_image"] = data["has_white_bg_image"].astype(float)
    data["listed_at"] = data["listed_at"].dt.strftime("%Y-%m-%d")
    again = true_weight(data, truth["title_category"], reference, assumptions)
    np.testing.assert_allclose(again["true_weight"], truth["true_weight"], atol=1e-9)


def _with(market, **changes):
    frame = market.catalog.copy()
    for column, value in changes.items():
        frame[column] = value(frame) if callable(value) else value
    truth = market.truth
    return true_weight(
        frame, truth["title_category"], market.reference, market.assumptions
    )["true_weight"]


@pytest.mark.parametrize(
    ("changes", "direction"),
    [
        ({"monthly_sales": lambda f: f["monthly_sales"] * 2}, 1),
        ({"has_main_video": 1}, 1),
        ({"has_white_bg_image": 1}, 1),
        ({c: 5.0 for c in DSR}, 1),
        ({"refund_rate": lambda f: f["refund_rate"] + 0.05}, -1),
        ({"negative_reviews": lambda f: f["negative_reviews"] + 3}, -1),
    ],
    ids=["more-sales", "video", "white-bg", "dsr-5", "more-refunds", "more-negative"],
)
def test_true_weight_moves_the_way_operators_expect(market, changes, direction):
    before = market.truth["true_weight"]
    after = _with(market, **changes)
    assert (direction * (after - before) >= -1e-12).all()
    assert (direction * (after - before) > 0).mean() > 0.3


def test_wrong_category_is_buried_and_moving_back_recovers(market):
    truth = market.truth
    wrong = truth["placed_in_wrong_category"]
    assert 0.02 < wrong.mean() < 0.10
    assert (
        truth.loc[wrong, "term_category"] == -market.assumptions.wrong_category_penalty
    ).all()
    assert (truth.loc[~wrong, "term_category"] == 0).all()
    moved = _with(market, category=truth["title_category"])
    assert (moved[wrong] > truth.loc[wrong, "true_weight"]).all()


def test_dsr_below_category_average_is_penalised(market):
    truth = market.truth
    catalog = market.catalog
    ref = market.reference.reindex(catalog["category"]).set_index(catalog.index)
    below = np.any([catalog[c] < ref[c] for c in DSR], axis=0)
    assert below.any() and (~below).any()
    penalty = market.assumptions.dsr_below_average_penalty
    gap = sum(catalog[c] - ref[c] for c in DSR) * market.assumptions.w_dsr
    np.testing.assert_allclose(truth["term_dsr"], gap - penalty * below, atol=1e-9)


def test_ranks_follow_true_weight_and_include_censored_rows(market, market_files):
    ranks = read_ranks(market_files["ranks"]).data
    assert ranks["censored"].any()
    observed = ranks[~ranks["censored"]]
    assert observed["search_rank"].max() <= market.assumptions.observed_top
    weight = market.truth.set_index("listing_id")["true_weight"]
    ranks = ranks.assign(weight=weight.reindex(ranks["listing_id"]).to_numpy())
    for _, group in observed.assign(
        weight=weight.reindex(observed["listing_id"]).to_numpy()
    ).groupby("keyword"):
        if len(group) >= 10:
            rho = group["search_rank"].corr(group["weight"], method="spearman")
            assert rho < -0.5  # rank 1 = highest weight
    # Censored listings sit below what was observed, on average clearly so.
    for keyword, group in ranks.groupby("keyword"):
        seen = group[~group["censored"]]
        hidden = group[group["censored"]]
        if len(hidden) >= 5 and len(seen) == market.assumptions.observed_top:
            assert hidden["weight"].mean() < seen["weight"].mean(), keyword


def test_keywords_come_from_titles(market):
    titles = market.catalog.set_index("listing_id")["title"].str.lower()
    ranks = market.ranks
    contained = [
        k in titles[i]
        for i, k in zip(ranks["listing_id"], ranks["keyword"], strict=True)
    ]
    assert all(contained)


def test_a_stricter_dsr_line_demotes_only_past_it(market):
    from ranking.sim import DSR, Assumptions, category_reference, true_weight

    catalog = market.catalog
    reference = category_reference(catalog, Assumptions())
    title = market.truth["title_category"]
    strict = Assumptions(dsr_penalty_margin=0.05)
    loose = true_weight(catalog, title, reference)["term_dsr"]
    tight = true_weight(catalog, title, reference, strict)["term_dsr"]
    average = reference.reindex(catalog["category"])[list(DSR)].to_numpy()
    gaps = catalog[list(DSR)].to_numpy() - average
    just_below = (gaps.min(axis=1) < 0) & (gaps.min(axis=1) > -0.05)
    assert just_below.any()
    # Listings a little below the average escape the stricter platform's penalty.
    assert np.allclose(tight[just_below] - loose[just_below], 1.2)
    far_below = gaps.min(axis=1) < -0.05 - 1e-9
    assert np.allclose(tight[far_below], loose[far_below])


def test_confusable_categories_share_words_and_keep_the_default_market():
    from ranking.sim import Assumptions

    plain = simulate(400, seed=3)
    assert plain.catalog.equals(
        simulate(400, seed=3, assumptions=Assumptions()).catalog
    )
    hard = simulate(3000, seed=3, assumptions=Assumptions(confusable_categories=True))
    assert hard.catalog["category"].nunique() == 15
    skirts = hard.catalog["title"][hard.truth["title_category"] == "半身裙"]
    assert skirts.str.contains("碎花|雪纺|法式|收腰|长款|针织").mean() > 0.5


def test_search_visitors_can_follow_overall_traffic():
    from ranking.sim import Assumptions

    plain = simulate(3000, seed=4)
    traffic = simulate(
        3000, seed=4, assumptions=Assumptions(search_traffic_elasticity=1.0)
    )
    others = [c for c in plain.catalog.columns if c != "search_visitors"]
    assert traffic.catalog[others].equals(plain.catalog[others])
    ratio = np.log1p(traffic.catalog["search_visitors"]) - np.log1p(
        plain.catalog["search_visitors"]
    )
    visitors = np.log(plain.catalog["visitors"])
    relative = visitors - visitors.groupby(plain.catalog["category"]).transform(
        "median"
    )
    # Poisson noise swamps small counts (the median listing has 15 search
    # visitors): the slope is read where both counts are 20 or more.
    counted = (plain.catalog["search_visitors"] >= 20) & (
        traffic.catalog["search_visitors"] >= 20
    )
    slope = np.polyfit(relative[counted], ratio[counted], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.2)
    noisy = simulate(
        3000,
        seed=4,
        assumptions=Assumptions(
            search_traffic_elasticity=1.0, search_visitors_noise=0.5
        ),
    )
    spread = np.log1p(noisy.catalog["search_visitors"]) - np.log1p(
        traffic.catalog["search_visitors"]
    )
    assert 0.4 < spread.std() < 0.65


def test_next_week_drifts_everyone_and_gives_each_incident_its_factor():
    from ranking.sim import INCIDENTS, next_week

    market = simulate(1500, seed=3)
    week = next_week(market, incidents=25, drift=0.1, seed=3)
    assert week.incidents["factor"].value_counts().to_dict() == dict.fromkeys(
        INCIDENTS, 5
    )
    ids = market.catalog["listing_id"]
    assert week.new["listing_id"].equals(ids) and week.old["listing_id"].equals(ids)
    moved = (week.new["visitors"] != market.catalog["visitors"]).mean()
    assert moved > 0.8
    # Incidents cost true weight; the drift alone is small and centred.
    truth = week.truth.set_index("listing_id")
    change = truth["true_weight_new"] - truth["true_weight_old"]
    hit = week.incidents["listing_id"]
    assert (change[hit] < 0).mean() > 0.9
    assert abs(change.drop(hit).median()) < 0.05
    # A bulk order is written into the first week; nothing else changes it.
    bulk = week.incidents.loc[week.incidents["factor"] == "monthly_sales", "listing_id"]
    changed = (week.old != market.catalog).any(axis=1) & market.catalog.notna().all(
        axis=1
    )
    assert set(ids[changed]) <= set(bulk)
    without = next_week(market, incidents=8, seed=3, kinds=("dsr", "main_video"))
    assert without.old.equals(market.catalog)
