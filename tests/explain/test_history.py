"""ranking.explain.history: drops in their step, slow leaks, a season or a
fold of reviews not flagged, one prepare per new export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from ranking.errors import ExportError
from ranking.explain import history as history_module
from ranking.explain.diff import PARTS
from ranking.explain.history import (
    ALPHA,
    MIN_STEPS,
    WINDOW,
    history,
    in_time_order,
    leak_threshold,
)
from ranking.model import cache
from ranking.model.workspace import Workspace
from ranking.sim import simulate, weeks
from ranking.writing import writers

SALES = {"monthly_sales", "payer_count"}


def _write(exports, folder) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, export in enumerate(exports):
        path = folder / f"week-{i}.csv"
        writers.write_table(export, path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Six weekly exports of 2,000 listings: 10 incidents, 4 slow leaks."""
    found = weeks(simulate(2000, seed=5), count=6, incidents=10, leaks=4, seed=5)
    folder = tmp_path_factory.mktemp("weeks")
    return found, _write(found.exports, folder)


@pytest.fixture(scope="module")
def watched(chain, tmp_path_factory):
    found, paths = chain
    out = tmp_path_factory.mktemp("history") / "history.parquet"
    return history(Workspace.open(paths[0], cached=True), paths[1:], output=out)


def test_incidents_flagged_in_their_week_with_their_factor(chain, watched):
    found, _ = chain
    planted = found.incidents.assign(
        period=lambda t: "week-" + t["week"].astype(str) + ".csv"
    )
    hit = planted.merge(watched.flags, on=["listing_id", "period"], how="left")
    assert (hit["kind"] == "drop").sum() >= 9
    assert (hit["main_factor"] == hit["factor"]).sum() >= 9


def test_a_drop_is_flagged_once_while_its_signal_stays_low(chain, watched):
    found, _ = chain
    flags = watched.flags
    per_listing = flags[flags["listing_id"].isin(found.incidents["listing_id"])]
    assert len(per_listing) > 0
    # Neither again as a drop nor later as a leak built on the same fall.
    assert per_listing["listing_id"].value_counts().max() == 1


def test_slow_leaks_flagged_with_a_sales_factor_and_weight_lost(chain, watched):
    found, _ = chain
    leaks = watched.flags[watched.flags["kind"] == "leak"]
    mine = leaks[leaks["listing_id"].isin(found.leaks["listing_id"])]
    assert mine["listing_id"].nunique() >= 3
    assert set(mine["main_factor"]) <= SALES
    # Lost since the window began: weight then minus weight now, so negative.
    assert (mine["lost"] < -1).all()
    assert (mine["since"] < mine["period"]).all()


def test_untouched_listings_are_rarely_flagged(chain, watched):
    found, _ = chain
    touched = set(found.incidents["listing_id"]) | set(found.leaks["listing_id"])
    assert (~watched.flags["listing_id"].isin(touched)).sum() <= 2


def test_rows_per_listing_per_later_export_and_parts_add_up(chain, watched):
    found, paths = chain
    table = pd.read_parquet(watched.output)
    assert list(table.columns[:4]) == ["listing_id", "period", "weight", "change"]
    assert len(table) == sum(len(e) for e in found.exports[1:])
    assert set(table["period"]) == {p.name for p in paths[1:]}
    parts = table[[f"part_{p}" for p in PARTS]].sum(axis=1)
    assert np.allclose(parts, table["change"], atol=1e-9)
    flagged = table[table["flagged"]]
    assert set(flagged["kind"]) <= {"drop", "leak"} and (flagged["reason"] != "").all()
    assert (table.loc[~table["flagged"], "kind"] == "").all()


def test_a_listing_missing_for_a_day_is_judged_from_its_last_row(tmp_path):
    """Absent from one export, back in the next with its orders halved: the
    step it returns in carries the fall, as a drop."""
    chain = weeks(simulate(800, seed=6), count=3, incidents=0, leaks=0, seed=6)
    gone = chain.exports[0]["payer_count"].idxmax()
    listing = chain.exports[0].at[gone, "listing_id"]
    middle = chain.exports[1].drop(index=gone)
    last = chain.exports[2].copy()
    for column in ("monthly_sales", "payer_count", "gmv"):
        last.loc[gone, column] = (last.loc[gone, column] * 0.2).round()
    paths = _write([chain.exports[0], middle, last], tmp_path / "gap")
    found = history(Workspace.open(paths[0], cached=True), paths[1:])
    mine = found.flags[found.flags["listing_id"] == listing]
    assert list(mine["period"]) == ["week-2.csv"] and list(mine["kind"]) == ["drop"]
    loser = found.losers.set_index("listing_id").loc[listing]
    assert loser["when"] == "week-2.csv" and loser["change"] < 0


def test_losers_run_first_to_last(watched):
    losers = watched.losers
    assert losers["change"].is_monotonic_increasing
    top = losers.iloc[0]
    series = watched.series.get(str(top["listing_id"]))
    assert top["change"] == pytest.approx(top["weight_last"] - top["weight_first"])
    if series is not None:
        assert series[0] == pytest.approx(top["weight_first"], abs=1e-3)


def test_a_season_and_folded_reviews_are_not_flags(tmp_path):
    """Double 11: every listing's traffic and orders × 1.6 in one step; then
    Taobao folds 1.5% of every review total: the catalog's median moves,
    nothing is flagged."""
    plain = weeks(simulate(1000, seed=2), count=3, incidents=0, leaks=0, seed=2)
    sale = plain.exports[2].copy()
    for column in ("visitors", "page_views", "monthly_sales", "payer_count"):
        sale[column] = (sale[column] * 1.6).round().astype(int)
    sale["gmv"] = (sale["gmv"] * 1.6).round(2)
    folded = sale.copy()
    folded["review_count"] = np.floor(folded["review_count"] * 0.985)
    paths = _write([*plain.exports, sale, folded], tmp_path / "d11")
    found = history(Workspace.open(paths[0], cached=True), paths[1:])
    assert len(found.flags) == 0
    assert found.median_weight[3] > found.median_weight[2] + 0.5


def test_one_more_export_prepares_only_that_one(chain, tmp_path, monkeypatch):
    _, paths = chain
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real = cache.prepare
    monkeypatch.setattr(
        cache, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    history(Workspace.open(paths[0], cached=True), paths[1:3])
    assert len(calls) == 3
    again = history(Workspace.open(paths[0], cached=True), paths[1:4])
    assert len(calls) == 4
    assert again.periods == [p.name for p in paths[:4]]
    # Resumed from the kept state, it finds what a run from scratch finds.
    scratch = history(Workspace.open(paths[0]), paths[1:4])
    pd.testing.assert_frame_equal(again.flags, scratch.flags)
    pd.testing.assert_frame_equal(again.losers, scratch.losers)
    pd.testing.assert_frame_equal(again.table, scratch.table, check_dtype=False)
    assert again.series == scratch.series
    assert list(map(str, again.flags["reason"])) == list(scratch.flags["reason"])


def test_time_order_from_the_names(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    names = [
        "商品_全部_2024-05-02_2024-06-01.csv",
        "商品_全部_2024-04-25_2024-05-24.csv",
        "商品_全部_2024-05-10_2024-06-09.csv",
    ]
    for name in names:
        (folder / name).write_text("listing_id\n1\n", encoding="utf-8")
    ordered = [p.name for p in in_time_order([folder])]
    assert ordered == [names[1], names[0], names[2]]
    for name in ("day-10.csv", "day-9.csv"):
        (tmp_path / name).write_text("listing_id\n1\n", encoding="utf-8")
    given = [tmp_path / "day-10.csv", tmp_path / "day-9.csv"]
    assert in_time_order(given) == given  # several: as given
    with pytest.raises(ExportError, match="at least two exports"):
        in_time_order([tmp_path / "day-9.csv"])


def test_leak_threshold_is_bonferroni_over_listings_signals_windows():
    windows = WINDOW - MIN_STEPS + 1
    assert leak_threshold(10_000, 5) == pytest.approx(
        norm.ppf(ALPHA / (10_000 * 5 * windows))
    )
    assert leak_threshold(10_000, 5) < leak_threshold(100, 5) < -3


def test_a_single_sudden_fall_is_not_a_leak():
    """One step's residual is clipped at CLIP, so one fall, however deep,
    cannot pass the leak test alone, even in a catalog of one listing."""
    old = pd.DataFrame({"monthly_sales": [100.0] * 50, "visitors": [1000.0] * 50})
    new = old.copy()
    new["monthly_sales"] += np.arange(50) % 7 - 3  # ordinary noise
    new.loc[0, "monthly_sales"] = 1.0
    z = history_module.leak_residuals(old, new, ["c"] * 50)
    assert z.loc[0, "monthly_sales"] == -history_module.CLIP
    assert z["monthly_sales"].iloc[1:].abs().max() < history_module.CLIP
    best_single = history_module.CLIP / np.sqrt(MIN_STEPS)
    assert best_single < -leak_threshold(1, 1)


def test_a_damaged_kept_state_is_rebuilt_not_served(chain, tmp_path, monkeypatch):
    _, paths = chain
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    before = history(Workspace.open(paths[0], cached=True), paths[1:3])
    (kept,) = (cache.cache_root() / "history").iterdir()
    (kept / "state.json").write_text('{"periods": ["edited"]}', encoding="utf-8")
    again = history(Workspace.open(paths[0], cached=True), paths[1:3])
    assert again.periods == before.periods
    pd.testing.assert_frame_equal(again.flags, before.flags)
