"""The report card's what-if, in Debian's Chromium: the page recomputes a
card as ``audit --what-if`` and ``audit --target-rank`` do, with no request."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from browser import chromium_or_skip, open_page

from ranking.explain import blockers, fixes
from ranking.explain.audit import parse_what_if
from ranking.explain.effort import DEFAULT_EFFORT
from ranking.explain.whatif import EDITABLE
from ranking.model.workspace import Workspace
from ranking.present.lang import factor_word


def _ranked_listings(ranks_path, count):
    """Listings the ranks file saw at ranks 11 to 40."""
    ranks = pd.read_csv(ranks_path, dtype=str)
    rank = pd.to_numeric(ranks["search_rank"], errors="coerce")
    seen = ranks[rank.between(11, 40)]  # room to climb to the top 10
    return seen["listing_id"].drop_duplicates().head(count).tolist()


def _set(card, signal, value):
    card.query_selector(f'[data-signal="{signal}"]').evaluate(
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }", value
    )


def _read(card) -> dict:
    return {
        "weight": float(card.query_selector("[data-weight]").inner_text()),
        "exact": float(card.get_attribute("data-weight-exact")),
        "ranks": {
            cell.get_attribute("data-rank"): int(cell.inner_text())
            for cell in card.query_selector_all("[data-rank]")
        },
        "error": card.query_selector("[data-error]").inner_text(),
        "plan": card.query_selector("[data-plan]").inner_text(),
        "result": json.loads(card.get_attribute("data-result")),
    }


def _by_python(prepared, listing, changes) -> dict:
    """The card's waterfall and blockers after ``changes`` (``COLUMN=VALUE``),
    from the library: the changed row scored whole, as a card is drawn."""
    row = prepared.lookup([listing])
    scored = prepared.score(row)
    at = row.index[0]
    what_if = parse_what_if([f"{k}={v}" for k, v in changes.items()])
    changed = fixes.apply(prepared, scored, pd.Index([at]), changes=what_if).changed
    after = prepared.score(changed)
    deltas = prepared.factor_deltas(after).iloc[0]
    raw = float(after.raw[0])
    to_weight = prepared.model.to_weight
    moves, level = {}, raw - float(deltas.sum())
    start = float(to_weight(np.array([level]))[0])
    for factor in deltas.abs().sort_values(ascending=False).index:
        before = float(to_weight(np.array([level]))[0])
        level += float(deltas[factor])
        moves[factor] = float(to_weight(np.array([level]))[0]) - before
    costs = blockers.blocker_costs(after, prepared.profile, prepared.model).iloc[0]
    return {
        "weight": float(after.weight.iloc[0]),
        "start": start,
        "moves": moves,
        "blockers": {f: float(c) for f, c in costs.items() if pd.notna(c)},
    }


def _other(categories, today):
    return next(c for c in categories if c != today)


@pytest.fixture(scope="module")
def page_report(market_files, model_dir, tmp_path_factory):
    """The report of three ranked listings, in Chinese."""
    from click.testing import CliRunner

    from ranking.cli import cli

    listings = _ranked_listings(market_files["ranks"], 3)
    out = tmp_path_factory.mktemp("whatif") / "report.html"
    args = ["report", str(market_files["catalog"]), "-o", str(out)]
    args += ["--model", str(model_dir), "--ranks", str(market_files["ranks"])]
    args += ["--lang", "zh"]
    for listing in listings:
        args += ["--listing", listing]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, listings


def test_page_recomputes_cards_as_audit_what_if(
    page_report, market_files, model_dir, run_cli, tmp_path
):
    chromium = chromium_or_skip()
    out, listings = page_report
    page_text = out.read_text(encoding="utf-8")
    shared = json.loads(
        page_text.split('<script type="application/json" id="whatif-page">')[1].split(
            "</script>"
        )[0]
    )["page"]
    plans = []

    def act(page):
        seen = {}
        for listing in listings:
            card = page.query_selector(f'[data-listing="{listing}"]')
            signals = {
                e.get_attribute("data-signal")
                for e in card.query_selector_all("[data-signal]")
            }
            assert {"monthly_sales", "dsr_service", "has_main_video"} <= signals
            assert signals <= set(EDITABLE)
            today = card.query_selector('[data-signal="category"]').input_value()
            video = card.query_selector('[data-signal="has_main_video"]').input_value()
            changes = {
                "monthly_sales": "777",
                "dsr_service": "4.91",
                "has_main_video": "no" if video == "是" else "yes",
                "category": _other(shared["categories"], today),
            }
            steps = []
            for signal, value in changes.items():
                _set(card, signal, value)
                steps.append(
                    dict(changes=dict(list(changes.items())[: len(steps) + 1]))
                )
                steps[-1].update(_read(card))
            _set(card, "monthly_sales", "-5")
            bad = _read(card)["error"]
            card.query_selector("[data-reset]").click()
            seen[listing] = {"steps": steps, "bad": bad, "reset": _read(card)}
        return seen

    visit = open_page(out, tmp_path / "shot.png", chromium=chromium, act=act)
    prepared = Workspace.open(market_files["catalog"], model_dir, cached=True).prepared
    blocked = set()
    assert visit.console_errors == []
    assert visit.requests == []
    for listing, seen in visit.acted.items():
        for step in seen["steps"]:
            what_if = [f"--what-if={k}={v}" for k, v in step["changes"].items()]
            result = run_cli(
                "audit", market_files["catalog"], listing, "--model", model_dir,
                "--ranks", market_files["ranks"], *what_if, "--format", "json",
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            audit = json.loads(result.output)["what_if"]
            assert step["error"] == ""
            assert step["exact"] == pytest.approx(audit["weight"], abs=0.05)
            # The page shows one decimal (±0.05) of what the JSON gives to
            # two (±0.005): 59.1523 is shown 59.2 and written 59.15.
            assert abs(step["weight"] - step["exact"]) <= 0.05 + 1e-9
            assert step["weight"] == pytest.approx(audit["weight"], abs=0.055)
            assert step["ranks"] == {
                k["keyword"]: k["expected_rank"] for k in audit["keywords"]
            }
            assert step["ranks"]
            # The waterfall and blockers drawn are the library's for that row.
            expected = _by_python(prepared, listing, step["changes"])
            result = step["result"]
            assert result["weight"] == pytest.approx(expected["weight"], abs=1e-4)
            assert result["waterfall"]["start"] == pytest.approx(
                expected["start"], abs=1e-4
            )
            drawn = dict(result["waterfall"]["steps"])
            assert list(drawn) == list(expected["moves"])  # largest first
            assert drawn == pytest.approx(expected["moves"], abs=1e-4)
            assert {f: c for f, c in result["blockers"]} == pytest.approx(
                expected["blockers"], abs=1e-4
            )
            blocked |= set(expected["blockers"])
        # The card's plan after the four changes is audit's, from them.
        last = seen["steps"][-1]
        what_if = [f"--what-if={k}={v}" for k, v in last["changes"].items()]
        result = run_cli(
            "audit", market_files["catalog"], listing, "--model", model_dir,
            "--ranks", market_files["ranks"], *what_if, "--target-rank", 10,
            "--format", "json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        for plan in json.loads(result.output)["plans"]:
            assert f"第 {plan['expected_rank']} 名" in last["plan"]
            assert f"投入 {plan['effort']:g}" in last["plan"]
            for factor in plan["fixes"]:
                assert factor_word(factor, "zh") in last["plan"]
        # The CLI's message, in the report's language (Chinese here).
        assert (
            seen["bad"]
            == "--what-if monthly_sales=-5: monthly_sales 是 -5，应为 ≥ 0 的数量"
        )
        # The changes moved the card; reset brings today's values back.
        assert {step["exact"] for step in seen["steps"]} != {seen["reset"]["exact"]}
        plans.append((listing, seen["reset"]))
    assert blocked  # some step had a blocker to compare
    # Reset: today's weight again, and the plan as audit --target-rank 10 says.
    checked = planned = 0
    for listing, now in plans:
        result = run_cli(
            "audit", market_files["catalog"], listing, "--model", model_dir,
            "--ranks", market_files["ranks"], "--format", "json",
            "--target-rank", 10,
        )  # fmt: skip
        promised = json.loads(result.output)
        checked += 1
        assert now["exact"] == pytest.approx(promised["weight"], abs=0.01)
        for plan in promised["plans"]:
            if plan["reached"] and plan["fixes"]:
                assert f"第 {plan['expected_rank']} 名" in now["plan"]
                assert f"投入 {plan['effort']:g}" in now["plan"]
                planned += 1
            elif not plan["reached"]:
                assert "够不到" in now["plan"]
                assert f"第 {plan['expected_rank']} 名" in now["plan"]
    assert checked == len(plans) and planned >= 1


def test_report_carries_yardsticks_once_per_page(page_report):
    out, listings = page_report
    page = out.read_text(encoding="utf-8")
    assert page.count('id="whatif-page"') == 1
    assert page.count('class="whatif-card"') == len(listings)
    for listing in listings:
        assert f'data-listing="{listing}"' in page
    assert page.count("data-weight>") == len(listings)


def test_the_cards_plans_are_least_in_the_effort_given(
    market_files, model_dir, run_cli, tmp_path
):
    effort = tmp_path / "effort.csv"
    effort.write_text("factor,effort\ncategory_fit,9\ndsr,0.5\n", encoding="utf-8")
    out = tmp_path / "report.html"
    args = ["report", market_files["catalog"], "-o", out, "--model", model_dir]
    assert run_cli(*args, "--effort", effort).exit_code == 0
    page = out.read_text(encoding="utf-8")
    shared = json.loads(
        page.split('<script type="application/json" id="whatif-page">')[1].split(
            "</script>"
        )[0]
    )
    effort_used = shared["page"]["effort"]
    assert effort_used["category_fit"] == 9 and effort_used["dsr"] == 0.5
    assert effort_used["main_video"] == DEFAULT_EFFORT["main_video"]
