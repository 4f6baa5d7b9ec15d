"""Reach a rank (``audit --target-rank``): least effort, joint effect, honesty."""

import json
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from ranking.explain import fixes, placement, plan
from ranking.model.workspace import Workspace
from ranking.reading.export import read_ranks


@pytest.fixture(scope="module")
def setting(market_files, model_dir):
    workspace = Workspace.open(market_files["catalog"], model_dir, cached=True)
    ranks = read_ranks(market_files["ranks"])
    return workspace, ranks


def _seen_below(ranks, count):
    """Listings seen at an observed rank of 8 or worse (room to climb)."""
    data = ranks.data
    ranked = pd.to_numeric(data["search_rank"], errors="coerce")
    picked = data[ranked.between(8, 40)].drop_duplicates("listing_id")
    return picked["listing_id"].astype(str).head(count).tolist()


def test_plan_is_least_effort_among_all_sets_by_brute_force(setting):
    workspace, ranks = setting
    prepared = workspace.prepared
    checked = 0
    for listing in _seen_below(ranks, 6):
        row = prepared.lookup([listing])
        scored = prepared.score(row)
        at = row.index[0]
        rivals = placement.keyword_rivals(prepared, ranks, listing)
        now = float(scored.weight[at])
        # Every subset of all eight fixes, each applied jointly (its own
        # fixes, not the planner's pick of fixable ones).
        subsets = [
            chosen
            for size in range(len(fixes.FIXES) + 1)
            for chosen in combinations(fixes.FIXES, size)
        ]
        done = fixes.apply_sets(prepared, scored, at, subsets)
        every = {
            chosen: weight for chosen, (_, weight) in zip(subsets, done, strict=True)
        }
        assert every[()] == pytest.approx(now)
        for seen in rivals:
            for target in (1, max(1, placement.expected_rank(seen, now, now) - 2)):
                found = plan.reach(prepared, scored, at, [seen], target)[0]
                costs = [
                    sum(fixes.DEFAULT_EFFORT[f] for f in s)
                    for s, w in every.items()
                    if placement.expected_rank(seen, now, w) <= target
                ]
                if costs:
                    assert found.reached
                    assert found.effort == pytest.approx(min(costs))
                    assert found.rank <= target
                    checked += 1
                else:
                    assert not found.reached and found.missing
                    best = min(
                        placement.expected_rank(seen, now, w) for w in every.values()
                    )
                    assert found.rank == best
    assert checked >= 4


def test_plan_is_the_joint_effect_not_a_sum(setting):
    workspace, ranks = setting
    prepared = workspace.prepared
    listing = _seen_below(ranks, 1)[0]
    row = prepared.lookup([listing])
    scored = prepared.score(row)
    at = row.index[0]
    rivals = placement.keyword_rivals(prepared, ranks, listing)
    found = plan.reach(prepared, scored, at, rivals, 1)[0]
    effect = fixes.apply(prepared, scored, pd.Index([at]), list(found.fixes))
    assert found.weight == pytest.approx(float(effect.weight[at]))


def test_applying_the_plan_with_what_if_gives_the_rank_it_promised(
    setting, market_files, model_dir, run_cli
):
    workspace, ranks = setting
    prepared = workspace.prepared
    checked = 0
    for listing in _seen_below(ranks, 3):
        result = run_cli(
            "audit",
            market_files["catalog"],
            listing,
            "--model",
            model_dir,
            "--ranks",
            market_files["ranks"],
            "--target-rank",
            5,
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        for promised in json.loads(result.output)["plans"]:
            if not promised["fixes"]:
                continue
            row = prepared.lookup([listing])
            scored = prepared.score(row)
            effect = fixes.apply(
                prepared, scored, pd.Index([row.index[0]]), promised["fixes"]
            )
            changed = effect.changed.iloc[0]
            columns = set().union(*(fixes.FIX_COLUMNS[f] for f in effect.fixes))
            what_if = [
                f"--what-if={name}={changed[name]}"
                for name in sorted(columns)
                if name in changed.index and pd.notna(changed[name])
            ]
            again = run_cli(
                "audit",
                market_files["catalog"],
                listing,
                "--model",
                model_dir,
                "--ranks",
                market_files["ranks"],
                *what_if,
                "--format",
                "json",
            )
            assert again.exit_code == 0, again.output
            after = json.loads(again.output)["what_if"]
            assert after["weight"] == pytest.approx(
                promised["expected_weight"], abs=0.01
            )
            ranked = {k["keyword"]: k["expected_rank"] for k in after["keywords"]}
            assert ranked[promised["keyword"]] == promised["expected_rank"]
            checked += 1
    assert checked >= 1


def test_unreachable_target_says_so_in_both_languages(
    setting, market_files, model_dir, run_cli
):
    _, ranks = setting
    listing = _seen_below(ranks, 1)[0]
    args = (
        "audit",
        market_files["catalog"],
        listing,
        "--model",
        model_dir,
        "--ranks",
        market_files["ranks"],
        "--target-rank",
        1,
    )
    data = json.loads(run_cli(*args, "--format", "json").output)
    unreached = [p for p in data["plans"] if not p["reached"]]
    assert unreached, "rank 1 from rank ≥ 8 should be out of reach somewhere"
    assert all(p["missing"] for p in unreached)
    english = run_cli(*args, "--lang", "en").output
    chinese = run_cli(*args, "--lang", "zh").output
    assert "not reachable" in english
    assert "达不到" in chinese and "not reachable" not in chinese
    assert json.loads(run_cli(*args, "--format", "json", "--lang", "zh").output) == data


def test_target_rank_refusals(setting, market_files, model_dir, run_cli):
    _, ranks = setting
    listing = _seen_below(ranks, 1)[0]
    base = ("audit", market_files["catalog"], listing, "--model", model_dir)
    no_ranks = run_cli(*base, "--target-rank", 3)
    assert no_ranks.exit_code == 2 and "--target-rank needs --ranks" in no_ranks.output
    bad = run_cli(
        *base,
        "--ranks",
        market_files["ranks"],
        "--target-rank",
        3,
        "--keyword",
        "no such keyword",
    )
    assert bad.exit_code == 2
    assert bad.output.startswith("Error: --keyword no such keyword: listing ")


def test_weight_needed_is_the_least_weight_reaching_the_target():
    seen = {"rivals": np.array([90.0, 70.0, 50.0, 30.0]), "observed": 6}
    now = 40.0  # predicted 4th
    for target in range(1, 7):
        needed = plan.weight_needed(seen, now, target)
        if needed is None:
            assert placement.expected_rank(seen, now, 1e9) > target
        else:
            assert placement.expected_rank(seen, now, needed) <= target
            assert (
                placement.expected_rank(seen, now, needed - 1e-6) > target
                or needed == 0
            )
