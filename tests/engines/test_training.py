"""Training, evaluating and the model directory, through the library and the CLI."""

import json
import pickle
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import write_csv

from ranking.engines.training import train
from ranking.errors import ModelFileError, TrainingError
from ranking.model import evaluate as ev
from ranking.model import persist
from ranking.model.pipeline import catalog_features
from ranking.reading.export import read_export
from ranking.sim import simulate


@pytest.fixture(scope="session")
def trained(market_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models") / "m"
    result = train(market_files["catalog"], market_files["ranks"], output=folder)
    return folder, result


def test_train_beats_ordering_by_sales_on_held_out_groups(tmp_path):
    # 3,000 listings: 15 keyword groups, 3 held out. The session's 1,200-listing
    # market holds out a single group, too few to judge a ranking by.
    files = simulate(3000, seed=11).save(tmp_path)
    result = train(files["catalog"], files["ranks"], output=tmp_path / "m")
    model, sales = result.metrics["model"], result.metrics["monthly_sales"]
    assert model["groups"] >= 3
    assert model["ndcg@10"] > sales["ndcg@10"]
    assert model["spearman"] > sales["spearman"]


def test_model_directory_and_card(trained, market_files):
    folder, result = trained
    assert sorted(p.name for p in folder.iterdir()) == [
        "SHA256SUMS",
        "card.json",
        "card.txt",
        "features.json",
        "model.json",
        "model.npz",
    ]
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert card["data"]["sha256"] == persist.sha256(market_files["catalog"])
    assert card["data"]["rows"] == 1200
    assert card["ranks"]["groups"] >= 5 and card["ranks"]["censored"] > 0
    assert card["versions"]["scikit-learn"] == __import__("sklearn").__version__
    assert {"model", "monthly_sales"} <= set(card["metrics"])
    constraints = {f["name"]: f["direction"] for f in card["features"]}
    assert constraints["rel_sales"] == 1 and constraints["negative_share"] == -1
    text = (folder / "card.txt").read_text(encoding="utf-8")
    assert "held out:" in text and "scikit-learn" in text


def test_save_then_load_scores_the_same_without_unpickling(
    trained, market, monkeypatch
):
    folder, result = trained
    _refuse_unpickling(monkeypatch)
    loaded, _ = persist.load_model(folder)
    features = catalog_features(market.catalog)
    np.testing.assert_array_equal(
        loaded.weights(features), result.model.weights(features)
    )


def test_scores_do_not_depend_on_row_order(trained, market):
    folder, _ = trained
    model, _ = persist.load_model(folder)
    catalog = market.catalog
    before = pd.Series(model.weights(catalog_features(catalog)), index=catalog.index)
    order = np.random.default_rng(3).permutation(len(catalog))
    shuffled = catalog.iloc[order]
    after = pd.Series(model.weights(catalog_features(shuffled)), index=shuffled.index)
    pd.testing.assert_series_equal(before, after.loc[catalog.index])


def _copy(folder, tmp_path):
    target = tmp_path / "copy"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, target)
    return target


def _on_ranks(command, market_files, *options, ranks=None):
    """``command CATALOG --ranks RANKS *options`` as CliRunner arguments."""
    ranks = market_files["ranks"] if ranks is None else ranks
    return [command, str(market_files["catalog"]), "--ranks", str(ranks), *options]


def _refuse_unpickling(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("unpickled something")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)


def test_tampered_model_is_refused(trained, tmp_path):
    for name in ("model.npz", "model.json", "card.json"):
        folder = _copy(trained[0], tmp_path / name)
        with open(folder / name, "ab") as handle:
            handle.write(b" ")
        with pytest.raises(ModelFileError, match="does not match the checksum"):
            persist.load_model(folder)
        assert not persist.is_usable(folder)


def test_a_model_survives_a_library_upgrade(trained, tmp_path, market, monkeypatch):
    """The model is data: another scikit-learn or numpy version reads it."""
    folder = trained[0]
    monkeypatch.setattr("sklearn.__version__", "99.0.0")
    monkeypatch.setattr("numpy.__version__", "9.0.0")
    loaded, _ = persist.load_model(folder)
    features = catalog_features(market.catalog.head(100))
    np.testing.assert_array_equal(
        loaded.weights(features), trained[1].model.weights(features)
    )


def test_unknown_format_is_refused(trained, tmp_path):
    folder = _copy(trained[0], tmp_path)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    card["format"] = 99
    (folder / "card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="model format 99 was made by another"):
        persist.load_model(folder)


def test_cli_refuses_a_bad_model_with_one_line(
    run_cli, trained, tmp_path, market_files
):
    folder = _copy(trained[0], tmp_path)
    (folder / "model.npz").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    result = run_cli(*_on_ranks("evaluate", market_files, "--model", str(folder)))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "does not match the checksum" in result.stderr


def test_train_from_search_visitors_when_no_ranks(market_files, tmp_path):
    result = train(market_files["catalog"], output=tmp_path / "v")
    assert result.card["label"] == "search_visitors"
    model, sales = result.metrics["model"], result.metrics["monthly_sales"]
    assert model["spearman"] > sales["spearman"]


def test_retraining_compares_with_the_model_in_use(
    run_cli, trained, market_files, tmp_path
):
    result = run_cli(
        *_on_ranks(
            "train",
            market_files,
            "-o",
            str(tmp_path / "new"),
            "--baseline",
            str(trained[0]),
            "--seed",
            "1",
            "--format",
            "json",
        )
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    comparison = report["comparison"]
    assert comparison["better"] in {"new", "in use", "tie"}
    assert comparison["difference"] == pytest.approx(
        comparison["new"] - comparison["in_use"]
    )
    assert "model_in_use" in report["metrics"]


def test_train_text_output(run_cli, market_files, tmp_path):
    result = run_cli(*_on_ranks("train", market_files, "-o", str(tmp_path / "m")))
    assert result.exit_code == 0, result.output
    assert "held out:" in result.output and "by monthly_sales" in result.output
    assert f"model written to {tmp_path / 'm'}" in result.output


def test_evaluate_json_shape(run_cli, trained, market_files):
    result = run_cli(
        *_on_ranks(
            "evaluate", market_files, "--model", str(trained[0]), "--format", "json"
        )
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["groups"] >= 5
    assert 0 < report["ndcg@10"] <= 1 and -1 <= report["spearman"] <= 1
    assert set(report["baseline"]["monthly_sales"]) == {"ndcg@10", "spearman"}


def test_too_few_groups_is_a_clear_error(run_cli, market_files, tmp_path):
    ranks = write_csv(tmp_path / "r.csv", "listing_id,keyword,search_rank\nX,k,1\n")
    result = run_cli(
        *_on_ranks("train", market_files, "-o", str(tmp_path / "m"), ranks=ranks)
    )
    assert result.exit_code == 2
    assert "the ranks match 0 keyword group(s) of this export" in result.stderr
    assert not (tmp_path / "m").exists()


def test_no_label_at_all_is_a_clear_error(tmp_path):
    export = write_csv(tmp_path / "x.csv", "listing_id,monthly_sales\nA,1\nB,2\n")
    with pytest.raises(TrainingError, match="pass --ranks RANKS"):
        train(export)


def test_censored_rows_become_training_pairs(market_files):
    export = read_export(market_files["catalog"])
    from ranking.reading.export import read_ranks

    ranks = read_ranks(market_files["ranks"])
    groups = ev.labelled_groups(
        ranks.data, export.data["listing_id"].reset_index(drop=True)
    )
    below_censored = 0
    for _, group in groups.groupby("keyword"):
        pairs = ev.ranking_pairs(group)
        censored = set(group.loc[group["censored"], "row"])
        observed = set(group.loc[~group["censored"], "row"])
        # within a group: every observed listing above every censored one, and
        # a censored listing never above anything
        assert not censored & set(pairs[:, 0])
        below = {tuple(p) for p in pairs if p[1] in censored}
        assert below == {(o, c) for o in observed for c in censored}
        below_censored += len(below)
    assert below_censored > 0


def test_train_never_replaces_a_folder_of_other_files(run_cli, market_files, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "plan.xlsx").write_text("precious")
    result = run_cli(*_on_ranks("train", market_files, "-o", str(documents)))
    assert result.exit_code == 2
    assert "holds other files than a model's" in result.stderr
    assert (documents / "plan.xlsx").read_text() == "precious"


def test_train_replaces_an_earlier_model_whole(trained, tmp_path, market_files):
    folder = _copy(trained[0], tmp_path)
    old = persist.sha256(folder / "card.json")
    train(market_files["catalog"], market_files["ranks"], output=folder, seed=3)
    assert persist.sha256(folder / "card.json") != old
    assert sorted(p.name for p in folder.iterdir()) == sorted(persist.MODEL_FILES)
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]  # no staging left
    persist.load_model(folder)
