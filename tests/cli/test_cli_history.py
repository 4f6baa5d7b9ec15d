"""`ranking history` on the command line: text in --lang, JSON the same in
both, one line for a bad call."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ranking.model.features import FACTORS
from ranking.sim import simulate, weeks
from ranking.writing import writers


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Four weekly exports of 600 listings, 8 incidents, in one folder, and
    the market's ranks beside it."""
    market = simulate(600, seed=4)
    chain = weeks(market, count=4, incidents=8, leaks=0, seed=4)
    out = tmp_path_factory.mktemp("days")
    for i, export in enumerate(chain.exports):
        writers.write_table(export, out / f"2026-11-{i + 10:02d}.csv")
    writers.write_table(market.ranks, out.parent / f"{out.name}-ranks.csv")
    return out, chain


def test_history_json_is_the_same_in_both_languages(run_cli, folder, tmp_path):
    days, chain = folder
    out = tmp_path / "history.csv"
    english = run_cli("history", days, "-o", out, "--format", "json", "--lang", "en")
    assert english.exit_code == 0, english.output
    chinese = run_cli("history", days, "--format", "json", "--lang", "zh")
    found, again = json.loads(english.output), json.loads(chinese.output)
    assert found["periods"][0] == "2026-11-10.csv" and len(found["periods"]) == 4
    again["output"] = found["output"]
    assert again == found
    flagged = {f["listing_id"] for f in found["flags"]}
    assert len(set(chain.incidents["listing_id"]) & flagged) >= 6
    table = pd.read_csv(out, dtype={"listing_id": str})
    assert len(table) == sum(len(e) for e in chain.exports[1:])


def test_history_text_speaks_chinese(run_cli, folder, tmp_path, monkeypatch):
    days, _ = folder
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    result = run_cli("history", days, "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "全店权重中位数" in result.output and "突降" in result.output
    assert "sudden drop" not in result.output
    reasons = [line for line in result.output.splitlines() if "突然下降" in line]
    assert reasons
    # The factor in each reason is the operators' word, not its identifier;
    # so too when the run is resumed from its kept state.
    assert not any(factor in line for line in reasons for factor in FACTORS)
    again = run_cli("history", days, "--lang", "zh")
    assert again.output == result.output


def test_history_of_one_export_is_one_line(run_cli, folder):
    days, _ = folder
    result = run_cli("history", days / "2026-11-10.csv")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "at least two exports" in result.output


def test_history_with_ranks_counts_positions_lost_by_flagged_listings(run_cli, folder):
    days, _ = folder
    ranks = days.parent / f"{days.name}-ranks.csv"
    result = run_cli("history", days, "--ranks", ranks, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    flagged = {f["listing_id"] for f in found["flags"]}
    keywords = found["keywords"]
    assert keywords and {k["listing_id"] for k in keywords} <= flagged
    assert all(k["positions_lost"] >= 0 for k in keywords)
    assert any(k["positions_lost"] > 0 for k in keywords)
