"""``ranking report``: a self-contained HTML file, opened in a real browser."""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser import chromium_or_skip, open_page
from PIL import Image

from ranking.model.workspace import Workspace
from ranking.present.report import TABLE_ROWS, WEAKEST, listing_card
from ranking.sim import next_week, simulate
from ranking.writing import writers


@pytest.fixture(scope="module")
def big_weeks(tmp_path_factory):
    """A 20,000-listing catalog's two weekly exports and its ranks."""
    folder = tmp_path_factory.mktemp("big")
    market = simulate(20_000, seed=5)
    files = market.save(folder)
    weeks = next_week(market, incidents=20, seed=5)
    writers.write_table(weeks.old, folder / "old.csv")
    writers.write_table(weeks.new, folder / "new.csv")
    return {"old": folder / "old.csv", "new": folder / "new.csv", **files}


def test_report_of_20000_listings_opens_offline_in_a_browser(
    run_cli, big_weeks, model_dir, tmp_path
):
    chromium = chromium_or_skip()
    out = tmp_path / "report.html"
    args = ["report", str(big_weeks["new"]), "-o", str(out)]
    args += ["--model", str(model_dir), "--ranks", str(big_weeks["ranks"])]
    args += ["--old", str(big_weeks["old"]), "--lang", "zh"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "20,000 个商品的报告" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 2_000_000
    for section in ("全店概览", "优先处理的商品", "异常下降", "模型", "权重最低的"):
        assert section in page, section
    assert page.count('class="card"') == WEAKEST
    # The what-if's rank tables: a header and a row per keyword on each card.
    what_if_rows = page.count("data-rank=") + page.count('class="wi-ranks"')
    assert page.count("data-listing=") == WEAKEST
    # table, drops, model
    assert page.count("<tr>") - what_if_rows <= TABLE_ROWS + 20 + 10 + 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    visit = open_page(out, tmp_path / "shot.png", chromium=chromium)
    assert visit.console_errors == []
    assert visit.requests == []
    assert visit.title == "商品权重报告"
    shot = Image.open(visit.screenshot).convert("RGB")
    assert shot.width == 1280 and shot.height > 3000  # the whole page, drawn
    colours = np.asarray(shot.resize((64, 256))).reshape(-1, 3)
    assert len(np.unique(colours, axis=0)) > 50


def test_the_weakest_listings_get_cards_whose_waterfall_adds_up(
    market_files, model_dir
):
    prepared = Workspace.open([market_files["catalog"]], model_dir).prepared
    weights = {}
    for chunk, scored in prepared.scored_chunks():
        weights.update(zip(chunk.data["listing_id"], scored.weight, strict=True))
    weakest = min(weights, key=weights.get)
    card = listing_card(prepared, weakest)
    fall = card["waterfall"]
    steps = dict(fall["steps"])
    assert fall["start"] + sum(steps.values()) == pytest.approx(weights[weakest])
    assert len(steps) == 8
    # Largest move first, as the chart reads.
    moves = [abs(m) for _, m in fall["steps"]]
    assert moves == sorted(moves, reverse=True)
    assert card["weight"] == pytest.approx(weights[weakest], abs=0.01)


def test_report_names_listings_and_refuses_an_unknown_one(
    run_cli, market, market_files, model_dir, tmp_path
):
    out = tmp_path / "r.html"
    base = ["report", str(market_files["catalog"]), "-o", str(out)]
    base += ["--model", str(model_dir)]
    listing = str(market.catalog["listing_id"].iloc[5])
    result = run_cli(*base, "--listing", listing)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count('class="card"') == 1 and listing in page
    assert "Listing weight report" in page
    missing = run_cli(*base, "--listing", "NO-SUCH-ID")
    assert missing.exit_code == 2
    assert "no listing with id 'NO-SUCH-ID'" in missing.stderr
    assert "Traceback" not in missing.output
    assert out.read_text(encoding="utf-8") == page  # the report before, untouched


def test_report_history_draws_the_median_and_a_sparkline_per_flag(tmp_path):
    from ranking.sim import weeks

    chain = weeks(simulate(600, seed=4), count=4, incidents=3, leaks=0, seed=4)
    days = tmp_path / "days"
    days.mkdir()
    for i, export in enumerate(chain.exports):
        writers.write_table(export, days / f"day-{i}.csv")
    out = tmp_path / "report.html"
    from ranking.present.report import report

    report(days / "day-3.csv", out, history=[days], lang="en")
    page = out.read_text(encoding="utf-8")
    assert 'data-history="median"' in page
    cards = re.findall(r'data-listing-history="([^"]+)"', page)
    assert set(chain.incidents["listing_id"]) <= set(cards)
    # Each flagged step ringed on its listing's line.
    assert page.count("data-step=") == len(cards)
    assert not re.search(r'(src|href)="https?:', page)
