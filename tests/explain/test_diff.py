"""Two exports of one catalog: each listing's change split across the factors."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REALDATA
from tmall_daily import PANEL, split_days

from ranking.explain.diff import COLUMNS, PARTS, diff, unusual_signals
from ranking.sim import next_week, simulate
from ranking.writing import writers


@pytest.fixture(scope="module")
def weeks(market_files, tmp_path_factory):
    old = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    new = old.copy()
    # One listing's shop DSR pushed well below its category, one listing's
    # main video removed; everything else as it was.
    dsr_row = int(np.flatnonzero(old["dsr_service"] >= 4.8)[0])
    video_row = int(np.flatnonzero(old["has_main_video"] == 1)[0])
    new.loc[dsr_row, "dsr_service"] = 4.3
    new.loc[video_row, "has_main_video"] = 0
    path = tmp_path_factory.mktemp("diff") / "new.csv"
    new.to_csv(path, index=False)
    ids = old["listing_id"]
    return path, ids[dsr_row], ids[video_row]


def test_parts_add_up_to_the_change_and_name_what_moved(weeks, market_files, model_dir):
    path, dsr_id, video_id = weeks
    result = diff(market_files["catalog"], path, model_dir)
    table = result["table"].set_index("listing_id")
    parts = table[[f"part_{p}" for p in PARTS]]
    both = table["status"] == "both"
    assert (parts[both].sum(axis=1) - table.loc[both, "change"]).abs().max() < 1e-9
    assert result["listings"] == {"both": len(table), "new": 0, "gone": 0}
    # Listings nobody touched did not move at all.
    untouched = table.index.difference([dsr_id, video_id])
    assert table.loc[untouched, "change"].abs().max() < 1e-9
    assert table.loc[dsr_id, "change"] < 0 and table.loc[video_id, "change"] < 0
    assert parts.loc[dsr_id].idxmin() == "part_dsr"
    assert parts.loc[video_id].idxmin() == "part_main_video"
    assert table.loc[video_id, "part_dsr"] == 0
    for listing, factor in ((dsr_id, "dsr"), (video_id, "main_video")):
        assert table.loc[listing, "flagged"]
        assert table.loc[listing, "main_factor"] == factor
        assert table.loc[listing, "revert_gain"] == pytest.approx(
            -table.loc[listing, "change"]
        )
    assert "dsr_service 4.8" in table.loc[dsr_id, "reason"]
    assert "now below the category's" in table.loc[dsr_id, "reason"]
    assert table.loc[video_id, "reason"] == "has_main_video yes → no"


def test_what_every_listing_does_that_week_is_not_unusual():
    n = 400
    rng = np.random.default_rng(0)
    old = pd.DataFrame(
        {
            "monthly_sales": rng.integers(20, 400, n),
            "dsr_service": np.round(rng.uniform(4.6, 4.9, n), 2),
            "has_main_video": 1,
            "review_count": 200,
            "negative_reviews": 4,
        }
    )
    new = old.copy()
    # A season: every listing sells 30% less, ±10%; DSRs move a step or not.
    new["monthly_sales"] = np.round(
        old["monthly_sales"] * 0.7 * rng.uniform(0.9, 1.1, n)
    )
    new["dsr_service"] = (old["dsr_service"] + rng.choice([-0.01, 0, 0.01], n)).round(2)
    new["review_count"] = 210
    new["negative_reviews"] = old["negative_reviews"] + rng.binomial(10, 0.02, n)
    # Incidents: sales collapsed; DSR fell 0.2; video taken down; 12 差评.
    new.loc[0, "monthly_sales"] = round(old.loc[0, "monthly_sales"] * 0.7 * 0.2)
    new.loc[1, "dsr_service"] = old.loc[1, "dsr_service"] - 0.2
    new.loc[2, "has_main_video"] = 0
    new.loc[3, "negative_reviews"] = 16
    # Counting noise: 3 orders → 1 is not news, whatever the spread.
    old.loc[4, "monthly_sales"], new.loc[4, "monthly_sales"] = 3, 1
    moved = unusual_signals(old, new, pd.Series(["a"] * n))
    assert moved.loc[0, "monthly_sales"] and moved.loc[1, "dsr_service"]
    assert moved.loc[2, "has_main_video"] and moved.loc[3, "negative_reviews"]
    assert not moved.loc[4, "monthly_sales"]
    assert moved.iloc[5:].to_numpy().sum() == 0


def test_reviews_folded_a_little_are_not_news_a_purge_is():
    """Taobao folds reviews every day: on a real Tmall panel 40% of totals fell
    overnight, by up to ~2% of the total whatever its size. A fold within that
    is not unusual, nor is a loss of 2 reviews; a fifth of them gone is."""
    n = 300
    rng = np.random.default_rng(3)
    before = np.round(np.exp(rng.uniform(np.log(20), np.log(5000), n)))
    folds = rng.random(n) < 0.4
    after = np.where(
        folds,
        np.round(before * (1 - rng.uniform(0, 0.02, n))),
        before + rng.poisson(0.002 * before),
    )
    before[:3], after[:3] = (3000, 2000, 1000), (2940, 1970, 800)
    before[3], after[3] = 20, 18  # two reviews: counting noise
    old = pd.DataFrame({"review_count": before, "qa_count": before // 10})
    new = pd.DataFrame({"review_count": after, "qa_count": after // 10})
    moved = unusual_signals(old, new, pd.Series(["a"] * n))
    # 2% and 1.5% folded: the top of the ordinary range, not news.
    assert not moved.loc[0, "review_count"] and not moved.loc[1, "review_count"]
    assert moved.loc[2, "review_count"] and moved.loc[2, "qa_count"]  # −20%
    assert not moved.loc[3, "review_count"]
    assert moved.drop(index=2).to_numpy().sum() == 0
    # A week the platform folds harder everywhere moves the category, not one.
    harder = np.round(before * (1 - rng.uniform(0.02, 0.04, n)))
    moved = unusual_signals(old, pd.DataFrame({"review_count": harder}), ["a"] * n)
    assert not moved["review_count"].any()


@pytest.mark.skipif(not REALDATA.exists(), reason="shared/realdata not beside checkout")
@pytest.mark.parametrize("days", [("11-05", "11-06"), ("11-06", "11-07")])
def test_two_ordinary_tmall_days_flag_no_folded_reviews(days, model_dir, tmp_path):
    """Issue 21: two ordinary days of the real Tmall panel, before Double 11.
    The old rule flagged every fall crossing a step of the model (11 and 26
    listings, 1–3 points each); a total that moved ≤ 2% must flag none."""
    exports = split_days(REALDATA / PANEL, tmp_path)
    old, new = (exports[f"2016-{day}"] for day in days)
    table = diff(old, new, model_dir)["table"]
    both = table[table["status"] == "both"].set_index("listing_id")
    then, now = (_comment_counts(path).reindex(both.index) for path in (old, new))
    moved = (now - then).abs() / then.clip(lower=1)
    # The file does exercise the rule: hundreds of totals fell.
    assert (now < then).sum() > 500
    small = (
        both["flagged"] & (both["main_factor"] == "review_quality") & (moved <= 0.02)
    )
    assert not small.any(), both.loc[small, "reason"].tolist()


def _comment_counts(path) -> pd.Series:
    """A day's 累计评价 by listing, as the page wrote it (the first of a repeat,
    as the reader keeps it)."""
    rows = pd.read_csv(path, encoding="gb18030", dtype={"listing_id": str})
    return rows.drop_duplicates("listing_id").set_index("listing_id")["comment_count"]


@pytest.fixture(scope="module")
def weekly(tmp_path_factory):
    """Two generated weekly exports of a 5,000-listing market (issue 10's
    acceptance): every listing drifts ±10%, 50 had an incident; the model
    trained on the first week."""
    from ranking.engines.training import train

    folder = tmp_path_factory.mktemp("weekly")
    market = simulate(5000, seed=5)
    week = next_week(market, incidents=50, drift=0.1, seed=5)
    writers.write_table(week.old, folder / "old.csv")
    writers.write_table(week.new, folder / "new.csv")
    writers.write_table(market.ranks, folder / "ranks.csv")
    train(folder / "old.csv", folder / "ranks.csv", output=folder / "model")
    return folder, week


def test_the_changed_listings_are_flagged_with_their_factor_and_few_others(weekly):
    folder, week = weekly
    result = diff(folder / "old.csv", folder / "new.csv", folder / "model")
    table = result["table"].set_index("listing_id")
    parts = table[[f"part_{p}" for p in PARTS]].sum(axis=1)
    assert (parts - table["change"]).abs().max() < 1e-9
    truth = week.incidents.set_index("listing_id")["factor"]
    flagged = table[table["flagged"]]
    named = (flagged["main_factor"] == truth.reindex(flagged.index)).sum()
    others = len(flagged) - flagged.index.isin(truth.index).sum()
    assert named >= 45, named
    assert others <= 10, others


def test_diff_command_writes_the_spec_columns_and_lists_the_drops(
    weekly, run_cli, tmp_path
):
    folder, week = weekly
    out = tmp_path / "changes.csv"
    args = ["diff", str(folder / "old.csv"), str(folder / "new.csv")]
    args += ["--model", str(folder / "model")]
    text = run_cli(*args, "-o", out, "--ranks", folder / "ranks.csv")
    assert text.exit_code == 0, text.output
    assert "unusual drop(s), largest first" in text.stdout
    assert "positions lost per keyword" in text.stdout
    table = pd.read_csv(out, dtype={"listing_id": str})
    assert list(table.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert len(table) == len(week.new)
    report = json.loads(run_cli(*args, "--format", "json").stdout)
    assert report["flagged"] == int(table["flagged"].sum())
    first = report["drops"][0]
    assert first["lost_unusually"] == min(d["lost_unusually"] for d in report["drops"])
    assert first["reason"] and first["main_factor"] in PARTS


def test_new_and_gone_listings_and_a_model_refit_are_told_apart(
    market_files, model_dir, weekly, tmp_path
):
    folder, _ = weekly
    old = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    new = old.iloc[5:].copy()
    new = pd.concat([new, old.iloc[:2].assign(listing_id=["N1", "N2"])])
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False)
    # The old export weighed by one model, the new one by another.
    result = diff(
        market_files["catalog"], path, folder / "model", old_model_dir=model_dir
    )
    table = result["table"]
    assert result["listings"] == {"both": len(old) - 5, "new": 2, "gone": 5}
    assert set(table.loc[table["status"] == "new", "listing_id"]) == {"N1", "N2"}
    both = table[table["status"] == "both"]
    parts = both[[f"part_{p}" for p in PARTS]].sum(axis=1) + both["part_model"]
    assert (parts - both["change"]).abs().max() < 1e-9
    # The data did not change for listings in both: all of it is the refit.
    assert both[[f"part_{p}" for p in PARTS]].abs().to_numpy().max() < 1e-9
    assert (both["part_model"] - both["change"]).abs().max() < 1e-9
    assert both["part_model"].abs().max() > 1


def test_diff_warns_when_the_new_export_drifted(
    run_cli, market_files, model_dir, shifted
):
    args = ["diff", str(market_files["catalog"]), str(shifted)]
    args += ["--model", str(model_dir)]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "visitors" in result.stderr
    assert "price" in result.stderr


def test_each_export_reads_its_images_from_its_own_folder(
    market_files, model_dir, tmp_path, monkeypatch
):
    """Weekly exports in their own folders, each with its own img/main.png:
    the new week's picture is the new export's, not the old one's of the
    same name (``diff`` read it from the old week's folder). Five listings
    changed a white background for a coloured one."""
    from PIL import Image

    from ranking.explain.history import history_of

    catalog = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    catalog = catalog.drop(columns=["has_white_bg_image"]).head(200)
    catalog["main_image"] = np.where(np.arange(len(catalog)) < 5, "img/main.png", "")
    exports = {}
    for week, colour in (("old", "white"), ("new", (30, 60, 200))):
        (tmp_path / week / "img").mkdir(parents=True)
        Image.new("RGB", (64, 64), colour).save(tmp_path / week / "img" / "main.png")
        exports[week] = tmp_path / week / "catalog.csv"
        writers.write_table(catalog, exports[week])
    table = diff(exports["old"], exports["new"], model_dir)["table"]
    changed = table["listing_id"].isin(catalog["listing_id"].head(5))
    assert (table.loc[changed, "part_white_bg_image"] < 0).all()
    assert table.loc[~changed, "change"].abs().max() < 1e-9
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    steps = history_of([exports["old"], exports["new"]], model_dir).table
    changed = steps["listing_id"].isin(catalog["listing_id"].head(5))
    assert (steps.loc[changed, "part_white_bg_image"] < 0).all()
    assert steps.loc[~changed, "change"].abs().max() < 1e-9


def _weeks_with_pictures(market_files, folder, pictures, dsr_falls=True):
    """The same 200 listings in one folder per week (``pictures``: week →
    the colour of its img/main.png, or None where the week has no picture);
    the first five listings show img/main.png; with ``dsr_falls`` the
    first's shop DSR falls after the first week."""
    from PIL import Image

    catalog = pd.read_csv(market_files["catalog"], dtype={"listing_id": str})
    catalog = catalog.drop(columns=["has_white_bg_image"]).head(200)
    catalog["main_image"] = np.where(np.arange(len(catalog)) < 5, "img/main.png", "")
    exports = {}
    for k, (week, colour) in enumerate(pictures.items()):
        (folder / week / "img").mkdir(parents=True)
        if colour is not None:
            Image.new("RGB", (64, 64), colour).save(folder / week / "img" / "main.png")
        exports[week] = folder / week / f"catalog_2026-11-{k + 1:02d}.csv"
        if k == 1 and dsr_falls:
            catalog.loc[0, "dsr_service"] = 4.3
        writers.write_table(catalog, exports[week])
    return catalog["listing_id"].head(5), exports


def test_the_new_weeks_rows_read_its_pictures_each_time_they_are_scored(
    market_files, model_dir, tmp_path
):
    """Last week's white picture is gone from this week's folder: the refit's
    part and the weight won back by reverting the DSR read this week's
    folder too, not last week's picture of the same name."""
    shown, exports = _weeks_with_pictures(
        market_files, tmp_path, {"old": "white", "new": None}
    )
    result = diff(exports["old"], exports["new"], model_dir, old_model_dir=model_dir)
    table = result["table"].set_index("listing_id")
    # The same model then and now: the refit moved nothing.
    assert table["part_model"].abs().max() < 1e-9
    lost_picture = table.loc[shown, "part_white_bg_image"]
    assert (lost_picture < 0).all()
    first = table.loc[shown.iloc[0]]
    assert first["flagged"] and first["main_factor"] == "dsr"
    # Reverting the DSR wins back the DSR's part, not the picture's too.
    assert first["revert_gain"] < -first["change"] + lost_picture.iloc[0] / 2


def test_one_table_in_two_folders_beside_other_pictures_is_two_catalogs(
    market_files, model_dir, tmp_path, monkeypatch
):
    from ranking.explain.audit import audit

    shown, exports = _weeks_with_pictures(
        market_files, tmp_path, {"a": "white", "b": (30, 60, 200)}, dsr_falls=False
    )
    # Byte for byte the same table: only the pictures beside it differ.
    assert exports["a"].read_bytes() == exports["b"].read_bytes()
    fresh = {
        w: audit(p, shown.iloc[1], model_dir)["weight"] for w, p in exports.items()
    }
    assert fresh["a"] > fresh["b"]
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    cached = {
        w: audit(p, shown.iloc[1], model_dir)["weight"] for w, p in exports.items()
    }
    assert cached == fresh


def test_a_resumed_history_reads_each_exports_pictures(
    market_files, model_dir, tmp_path, monkeypatch
):
    from ranking.explain.history import history_of

    _, exports = _weeks_with_pictures(
        market_files, tmp_path, {"w1": "white", "w2": None, "w3": None}
    )
    weeks = list(exports.values())
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "fresh"))
    fresh = history_of(weeks, model_dir).table
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "kept"))
    history_of(weeks[:2], model_dir)
    resumed = history_of(weeks, model_dir).table
    last = resumed["period"] == resumed["period"].iloc[-1]
    assert last.sum() == 200
    pd.testing.assert_frame_equal(
        resumed[last].reset_index(drop=True),
        fresh[fresh["period"] == resumed["period"].iloc[-1]].reset_index(drop=True),
    )
