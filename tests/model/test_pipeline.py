"""One fitted state, applied in chunks: the catalog profile, chunked scoring,
train/serve parity and the audit cache (issue 7)."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ranking.engines import outputs, training
from ranking.engines.outputs import score_table
from ranking.engines.training import train
from ranking.explain.audit import audit
from ranking.model import cache, pipeline
from ranking.model.persist import load_model
from ranking.model.profile import ProfilePart, ValueTable
from ranking.reading.export import ExportSource
from ranking.writing import writers


@pytest.fixture(scope="module")
def model_dir(market_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline_model") / "m"
    train(market_files["catalog"], market_files["ranks"], output=folder)
    return folder


def test_chunked_scoring_equals_one_pass_row_for_row(market_files, model_dir):
    whole, _ = score_table(market_files["backoffice"], model_dir)
    chunked, _ = score_table(market_files["backoffice"], model_dir, chunk_rows=97)
    source = ExportSource(market_files["backoffice"], chunk_rows=97)
    assert len(list(source.chunks())) > 5  # really in several chunks
    pd.testing.assert_frame_equal(whole, chunked)
    assert whole["weight"].notna().all() and whole["fix_1"].ne("").any()


def _counting_scores(prepared, monkeypatch) -> list:
    """One entry for each chunk ``prepared`` scores from here on."""
    seen = []
    real = prepared.score
    monkeypatch.setattr(prepared, "score", lambda rows: seen.append(1) or real(rows))
    return seen


def test_streamed_export_in_pieces_scores_as_one_held_in_memory(
    market_files, model_dir, monkeypatch
):
    # Held in memory, the output pass reuses the scores pass's rows; streamed
    # (memory_rows=0), it reads and scores every chunk again. Either way the
    # threads write pieces of chunks (41 rows here, 50,000 by default).
    whole, _ = score_table(market_files["backoffice"], model_dir)
    model, _ = load_model(model_dir)
    monkeypatch.setattr(outputs, "PIECE_ROWS", 41)
    for memory_rows in (10**6, 0):
        source = ExportSource(
            market_files["backoffice"], chunk_rows=97, memory_rows=memory_rows
        )
        prepared = pipeline.prepare(source, model)
        rescored = _counting_scores(prepared, monkeypatch)
        frames, rejects = zip(
            *outputs.scored_pieces(prepared, "gain", None), strict=True
        )
        chunks = len(list(source.chunks()))
        assert len(rescored) == (0 if memory_rows else chunks)
        assert len(frames) > chunks  # really cut in pieces
        table = pd.concat(frames).reset_index(drop=True)
        pd.testing.assert_frame_equal(table, whole)
        assert sum(map(len, rejects)) == len(source.read().rejects)


def test_profile_parts_combine_in_any_order_to_the_whole(market):
    data = market.catalog
    whole = ProfilePart.of(data).finish()
    pieces = [data.iloc[i : i + 250] for i in range(0, len(data), 250)]
    parts = [ProfilePart.of(piece) for piece in reversed(pieces)]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined + part
    combined = combined.finish()
    pd.testing.assert_frame_equal(whole.reference.centers, combined.reference.centers)
    pd.testing.assert_frame_equal(whole.targets, combined.targets)
    pd.testing.assert_frame_equal(whole.title_fit(data), combined.title_fit(data))
    # exact: the same medians and percentiles pandas computes on all rows
    sales = data.groupby("category")["monthly_sales"].quantile(0.75)
    np.testing.assert_array_equal(
        whole.targets["monthly_sales"], np.ceil(sales.loc[whole.targets.index])
    )


def test_value_table_rounds_only_past_its_limit_and_says_so(monkeypatch):
    values = np.random.default_rng(0).random(5000)
    codes = np.zeros(5000, np.int64)
    exact = ValueTable.of(codes, values)
    assert exact.relative_error() == 0.0
    assert exact.quantile(0.5, 1)[0] == np.median(values)
    monkeypatch.setattr("ranking.model.profile.EXACT_VALUES", 4500)
    rounded = ValueTable.of(codes, values)
    assert len(rounded.values) <= 4500 and rounded.digits == 4
    assert rounded.relative_error() == pytest.approx(5e-4)
    median = rounded.quantile(0.5, 1)[0]
    assert abs(median - np.median(values)) <= 1e-3


def test_train_measures_white_backgrounds_exactly_as_score_does(market, tmp_path):
    truth = market.catalog["has_white_bg_image"].head(600).to_numpy() == 1
    catalog = market.catalog.drop(columns=["has_white_bg_image"]).head(600).copy()
    (tmp_path / "img").mkdir()
    Image.new("RGB", (64, 64), "white").save(tmp_path / "img" / "white.png")
    Image.new("RGB", (64, 64), (30, 60, 200)).save(tmp_path / "img" / "blue.png")
    white = truth  # the image shows what the simulated weight rewards
    catalog["主图"] = np.where(white, "img/white.png", "img/blue.png")
    export = tmp_path / "catalog.csv"
    writers.write_table(catalog, export)
    _, trained, _, _ = training.prepared_features(ExportSource(export))
    np.testing.assert_array_equal(trained["has_white_bg_image"], white.astype(float))
    model_dir = tmp_path / "m"
    train(export, output=model_dir)  # learns from search_visitors
    model, _ = load_model(model_dir)
    prepared = pipeline.prepare(ExportSource(export), model)
    scored = prepared.score(pd.concat([c.data for c in prepared.source.chunks()]))
    np.testing.assert_array_equal(
        scored.features["has_white_bg_image"], trained["has_white_bg_image"]
    )
    # the model learnt something for it: a white background is worth weight
    shape = model.additive.shape("has_white_bg_image")["term"].to_numpy()
    assert shape[1] > shape[0]  # from 0.5 up (a white background) vs below


def test_a_second_audit_comes_from_the_cache(
    market_files, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export = market_files["catalog"]
    ids = pd.read_csv(export, dtype=str)["listing_id"]
    first = audit(export, ids[3], model_dir)
    calls = []
    real = pipeline.prepare
    monkeypatch.setattr(
        cache, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    second = audit(export, ids[3], model_dir)
    other = audit(export, ids[40], model_dir)
    assert calls == []  # neither prepared the export again
    assert second == first
    assert other["listing_id"] == ids[40]
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_a_cached_audit_keeps_the_drift_verdict_instead_of_judging_it_again(
    shifted, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    listing = pd.read_csv(shifted, dtype=str)["listing_id"].iloc[5]
    judging = pipeline.CatalogScores.shifts
    counted = []
    monkeypatch.setattr(
        pipeline.CatalogScores,
        "shifts",
        lambda self, model: counted.append(1) or judging(self, model),
    )
    first = audit(shifted, listing, model_dir)
    assert first["drift"], "the shifted export drifted"
    # The first audit judges once, for the entry it stores and itself.
    assert len(counted) == 1

    def judged_again(self, model):
        raise AssertionError("drift judged again for a cached export")

    monkeypatch.setattr(pipeline.CatalogScores, "shifts", judged_again)
    assert audit(shifted, listing, model_dir)["drift"] == first["drift"]


def test_a_cached_audit_of_a_listing_no_keyword_saw(
    market_files, model_dir, tmp_path, monkeypatch
):
    """The stored rows are looked up for the listing's rivals: none at all
    must be an empty lookup, not Arrow refusing an untyped empty id set."""
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export, ranks = market_files["catalog"], market_files["ranks"]
    ids = pd.read_csv(export, dtype=str)["listing_id"]
    seen = set(pd.read_csv(ranks, dtype=str)["listing_id"])
    unseen = next(i for i in ids if i not in seen)
    first = audit(export, unseen, model_dir, ranks_path=ranks)
    second = audit(export, unseen, model_dir, ranks_path=ranks)  # from the cache
    assert first["keywords"] == second["keywords"] == []
    assert second["weight"] == first["weight"]


def test_cached_rows_keep_their_title_fit_until_the_title_changes(
    market_files, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export = market_files["catalog"]
    model, _ = load_model(model_dir)
    fresh = cache.prepared(export, model)  # prepares and stores
    stored = cache.prepared(export, model)
    assert isinstance(stored, cache.CachedPrepared)
    ids = pd.read_csv(export, dtype=str)["listing_id"].iloc[:30].tolist()
    rows = stored.lookup(ids)
    assert not any(c.startswith("_") for c in rows.columns)
    applied = []
    real = stored.profile.title_fit
    monkeypatch.setattr(
        stored.profile, "title_fit", lambda d: applied.append(len(d)) or real(d)
    )
    pd.testing.assert_series_equal(
        stored.score(rows).weight, fresh.score(fresh.lookup(ids)).weight
    )
    assert applied == []  # the stored fits served
    retitled = rows.head(1).assign(title="完全不同的标题 蓝牙耳机 降噪")
    stored.score(retitled)
    assert applied == [1]  # a changed title is fitted again


def test_a_changed_export_or_model_is_never_served_from_the_cache(
    market, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export = tmp_path / "catalog.csv"
    catalog = market.catalog.head(400).copy()
    writers.write_table(catalog, export)
    listing = catalog["listing_id"].iloc[0]
    before = audit(export, listing, model_dir)
    catalog.loc[catalog.index[0], "monthly_sales"] *= 20
    writers.write_table(catalog, export)
    after = audit(export, listing, model_dir)
    assert after["weight"] > before["weight"]  # the new export, not the cached one
    other_model = tmp_path / "m2"
    train(market.catalog.head(600).pipe(_saved, tmp_path / "t.csv"), output=other_model)
    again = audit(export, listing, other_model)
    assert again["weight"] != after["weight"]
    assert len(list((tmp_path / "cache").iterdir())) == 3


def _saved(frame, path):
    writers.write_table(frame, path)
    return path


def test_a_what_if_adding_a_column_the_export_lacks_works_from_the_cache(
    market, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export = tmp_path / "no_category.csv"
    writers.write_table(market.catalog.head(300).drop(columns="category"), export)
    listing = market.catalog["listing_id"].iloc[0]
    first, second = (
        audit(export, listing, model_dir, what_if=["category=手机壳"]) for _ in range(2)
    )
    assert second == first  # the second from the cache, the column still a change
