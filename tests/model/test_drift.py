"""The stale-model warning: PSI and a chi-square test against the training
data's profile; what the export does not carry is said apart, never drift."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from ranking.model import drift

SHOP = FIXTURES / "shop"
SYCM = "【生意参谋平台】商品_全部_{}.xlsx"
#: The shop's two months of 商品 export, the item list and the review sheet.
FEBRUARY = SHOP / SYCM.format("2026-02-01_2026-02-28")
MARCH = SHOP / SYCM.format("2026-03-01_2026-03-31")
JOINED = [MARCH, SHOP / "taobao_assistant_items.csv", SHOP / "reviews.csv"]
#: The shop's DSR, given once for every listing.
DSR = ["dsr_description=4.8", "dsr_service=4.8", "dsr_logistics=4.7"]
SETS = [arg for value in DSR for arg in ("--set", value)]
#: What neither the joined files nor --set give (``check``'s unknown signals).
LACKS = {
    "avg_rating",
    "negative_reviews",
    "qa_count",
    "has_main_video",
    "has_white_bg_image",
    "listed_at",
}
#: The 商品 export alone (diff's two periods) also lacks the item list's
#: category and the review sheet's counts.
LACKS_ALONE = LACKS | {"category", "review_count", "photo_reviews"}
NOTE = "note: not in this export, so not checked for drift: "


def test_psi_is_zero_for_the_same_shares_and_grows_with_the_shift():
    then = np.array([10, 20, 30, 40, 0])
    assert drift.psi(then * 3, then) == pytest.approx(0.0)
    small = drift.psi([12, 20, 30, 38, 0], then)
    big = drift.psi([40, 30, 20, 10, 0], then)
    assert 0 < small < drift.NOTICE < drift.WARNING < big


def test_bins_match_the_training_profiles_and_unknown_is_counted_last():
    edges = np.array([1.0, 2.0])
    counts = drift.bin_counts([0.5, 1.0, 1.5, 2.0, 9.0, np.nan, None], edges)
    # side="right", as training_profile cut them: a value on an edge goes up.
    assert counts.tolist() == [1, 2, 2, 2]


@given(
    st.lists(st.floats(0, 50, allow_nan=False), min_size=1, max_size=30),
    st.floats(1, 10),
)
def test_bins_merge_in_order_into_cells_that_each_expect_enough(expected, least):
    groups = drift.cells(expected, least)
    # Adjacent bins only, numbered from 0 without a gap.
    assert groups[0] == 0 and set(np.diff(groups)) <= {0, 1}
    sums = np.bincount(groups, weights=expected)
    if len(sums) > 1:
        assert sums.min() >= least
    else:  # one cell: no cut leaves enough on both sides
        for cut in range(1, len(expected)):
            assert min(sum(expected[:cut]), sum(expected[cut:])) < least


@given(st.lists(st.integers(1, 500), min_size=2, max_size=12), st.integers(1, 9))
def test_an_export_in_the_training_shares_moved_nothing(then, times):
    then = np.array(then)
    verdict = drift.compare(then * times, then)
    if verdict is None:  # too few rows to fill two cells
        assert then.min() < drift.MIN_EXPECTED
        return
    assert verdict[0] == pytest.approx(0.0, abs=1e-12)
    assert verdict[1] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def training_rows(market_files, model_dir):
    """The training catalog's canonical rows and factor contributions, and
    the model's profile."""
    from ranking.model.persist import load_model
    from ranking.model.pipeline import prepare
    from ranking.reading.catalog import open_catalog

    model, _ = load_model(model_dir)
    prepared = prepare(open_catalog(market_files["catalog"]), model)
    scored = list(prepared.scored_chunks())
    data = pd.concat([s.data for _, s in scored])
    features = pd.concat([s.features for _, s in scored])
    return data, drift.factor_contributions(model, features), model.training_profile


def test_small_samples_of_the_training_data_raise_no_walls(training_rows):
    data, contributions, profile = training_rows
    rng = np.random.default_rng(0)
    raised, walls = 0, 0
    for _ in range(40):
        rows = rng.choice(len(data), 24, replace=False)
        counts = drift.DriftCounts(profile)
        counts.add(data.iloc[rows], contributions.iloc[rows])
        raised += bool(counts.shifts())
        # What PSI over the ten deciles alone said of the same rows.
        walls += any(
            drift.psi(c, counts.expected[k]) >= drift.WARNING
            for k, c in counts.counts.items()
        )
    assert walls == 40  # every sample of 24 is a "warning" by PSI alone
    assert raised <= 4, raised  # the false discovery rate is 5%


def test_a_small_export_that_really_moved_is_still_caught(training_rows):
    data, contributions, profile = training_rows
    rows = np.random.default_rng(1).choice(len(data), 24, replace=False)
    moved = data.iloc[rows].assign(price=lambda d: d["price"] * 3)
    counts = drift.DriftCounts(profile)
    counts.add(moved, contributions.iloc[rows])
    assert [(s.kind, s.name, s.level) for s in counts.shifts()] == [
        ("signal", "price", "warning")
    ]


def test_an_export_like_the_training_data_raises_no_warning(
    run_cli, market_files, model_dir, tmp_path
):
    result = run_cli(
        "score", market_files["catalog"], "-o", tmp_path / "s.csv", "--model", model_dir
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "notice" not in result.output


def test_a_shifted_export_warns_naming_the_signals(
    run_cli, shifted, model_dir, tmp_path
):
    result = run_cli("score", shifted, "-o", tmp_path / "s.csv", "--model", model_dir)
    assert result.exit_code == 0, result.output
    warning = [
        line for line in result.output.splitlines() if line.startswith("warning")
    ]
    assert len(warning) == 1
    for name in (
        "price",
        "visitors",
        "dsr_description",
        "dsr_service",
        "dsr_logistics",
    ):
        assert f"{name} (PSI" in warning[0]
    assert "--baseline" in warning[0]
    # The rest of the signals did not move.
    assert "monthly_sales (PSI" not in result.output


def test_audit_reports_drift_in_json(run_cli, shifted, market, model_dir):
    listing = str(market.catalog["listing_id"].iloc[0])
    result = run_cli(
        "audit", shifted, listing, "--model", model_dir, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert result.stderr.startswith("warning: this export has drifted")
    named = {s["name"] for s in report["drift"] if s["level"] == "warning"}
    assert {"price", "visitors", "dsr_service"} <= named
    # The second audit is served from the cache, which keeps the counts.
    again = run_cli("audit", shifted, listing, "--model", model_dir, "--format", "json")
    assert json.loads(again.stdout)["drift"] == report["drift"]


def test_a_moved_contribution_is_caught_where_signals_alone_would_not_say(
    market_files, model_dir
):
    from ranking.model.persist import load_model
    from ranking.reading.export import ExportSource

    model, _ = load_model(model_dir)
    counts = drift.DriftCounts(model.training_profile)
    source = ExportSource(market_files["catalog"])
    data = pd.concat([chunk.data for chunk in source.chunks()])
    features = pd.DataFrame(
        {name: np.zeros(len(data)) for name in model.feature_names}, index=data.index
    )
    # Every listing with the lowest term of every feature: all contributions
    # sit in one bin, far from training.
    counts.add(data, drift.factor_contributions(model, features - 1e9))
    moved = {s.name for s in counts.shifts() if s.kind == "factor"}
    assert {"monthly_sales", "dsr", "category_fit"} <= moved
    assert not [s for s in counts.shifts() if s.kind == "signal"]


def test_evaluate_sets_the_model_now_beside_its_training_figures(
    run_cli, market, market_files, model_dir, tmp_path
):
    args = ["evaluate", str(market_files["catalog"]), "--model", str(model_dir)]
    fresh = run_cli(*args, "--ranks", market_files["ranks"])
    assert fresh.exit_code == 0, fresh.output
    assert "model at training (held out)" in fresh.stdout
    assert "stale" not in fresh.stdout
    card = json.loads((model_dir / "card.json").read_text())
    report = json.loads(
        run_cli(*args, "--ranks", market_files["ranks"], "--format", "json").stdout
    )
    assert report["at_training"]["ndcg@10"] == card["metrics"]["model"]["ndcg@10"]
    # The platform now ranks by monthly sales alone: the model is stale.
    ranks = pd.read_csv(market_files["ranks"], dtype={"listing_id": str})
    sales = market.catalog.set_index("listing_id")["monthly_sales"]
    ranks["search_rank"] = (
        ranks.assign(s=ranks["listing_id"].map(sales))
        .groupby("keyword")["s"]
        .rank(ascending=False, method="first")
        .astype(int)
    )
    path = tmp_path / "by_sales.csv"
    ranks.to_csv(path, index=False)
    stale = run_cli(*args, "--ranks", path)
    assert stale.exit_code == 0, stale.output
    assert "stale: on these ranks the model no longer beats" in stale.stdout


#: Factors that read a signal the shop lacks, or only its one-valued DSR:
#: their contributions move for want of inputs, not by drift.
FACTORS_LEFT_OUT = {"main_video", "white_bg_image", "review_quality", "dsr"}


def _says_nothing_of(output: str, names: set[str]) -> None:
    """No drift line names a signal the export lacks or gives once (the
    DSR), nor a factor reading them; the note naming what it lacks is there
    once."""
    drift_lines = [
        line for line in output.splitlines() if line.startswith(("warning", "notice"))
    ]
    named = {n for line in drift_lines for n in re.findall(r"(\w+) \(PSI", line)}
    assert not named & (names | {d.split("=")[0] for d in DSR} | FACTORS_LEFT_OUT)
    notes = [line for line in output.splitlines() if line.startswith(NOTE)]
    assert len(notes) == 1
    assert set(notes[0].removeprefix(NOTE).split(", ")) == names


def test_the_shop_is_not_told_its_missing_signals_drifted(run_cli, model_dir, tmp_path):
    model = ["--model", str(model_dir)]
    files = [str(f) for f in JOINED]
    score = run_cli("score", *files, *SETS, "-o", tmp_path / "s.csv", *model)
    assert score.exit_code == 0, score.output
    _says_nothing_of(score.stderr, LACKS)

    audit = run_cli("audit", *files, "712345678901", *SETS, *model)
    assert audit.exit_code == 0, audit.output
    _says_nothing_of(audit.stderr, LACKS)

    args = ["diff", str(FEBRUARY), str(MARCH), *SETS, *model]
    diff = run_cli(*args, "-o", tmp_path / "d.csv")
    assert diff.exit_code == 0, diff.output
    _says_nothing_of(diff.stderr, LACKS_ALONE)


def test_the_shops_json_drift_lists_each_missing_signal_once(run_cli, model_dir):
    args = ["audit", *map(str, JOINED), "712345678901", *SETS]
    args += ["--model", str(model_dir), "--format", "json"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    absent = [s["name"] for s in report["drift"] if s["level"] == "not_in_export"]
    assert sorted(absent) == sorted(LACKS)
    assert {s["kind"] for s in report["drift"]} <= {"signal", "factor"}
    moved = {s["name"] for s in report["drift"] if s["level"] != "not_in_export"}
    assert not moved & (LACKS | {d.split("=")[0] for d in DSR} | FACTORS_LEFT_OUT)
    # Served from the cache the second time: the one-valued DSR still is.
    again = run_cli(*args)
    assert json.loads(again.stdout)["drift"] == report["drift"]


def test_the_note_is_written_in_chinese_with_the_exports_own_words(
    run_cli, model_dir, tmp_path
):
    args = ["score", *map(str, JOINED), *SETS, "-o", str(tmp_path / "s.csv")]
    result = run_cli(*args, "--model", model_dir, "--lang", "zh")
    assert result.exit_code == 0, result.output
    notes = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("说明: 这份导出没有这些信号")
    ]
    assert len(notes) == 1
    assert "主图视频" in notes[0] and "问大家" in notes[0]
