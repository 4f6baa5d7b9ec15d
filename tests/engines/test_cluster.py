"""The Dask engine and exports in several files (issue 12): a folder export
scores as the file it was cut from, and on a cluster as on one machine, row
for row."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ranking.engines import cluster
from ranking.engines.local import score_catalog
from ranking.engines.training import train
from ranking.errors import OutputError
from ranking.explain.audit import audit
from ranking.model import cache
from ranking.model.persist import load_model
from ranking.model.pipeline import catalog_features
from ranking.reading.paths import export_files

distributed = pytest.importorskip("distributed")

PARTS = 4


@pytest.fixture(scope="module")
def dask_cluster():
    """Two single-threaded workers in this process (processes=False: starts
    in a fraction of a second and needs no pickling across processes, while
    every task still goes through the scheduler and the workers' memory)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def shards(market_files, tmp_path_factory):
    """The test market's catalog cut into four files in a folder, in blocks
    (every category spans the files), with a row of a bad count in the first
    file and, in the third, a listing id the first file already has; and the
    same rows as one file."""
    catalog = pd.read_csv(market_files["catalog"], dtype=str, keep_default_na=False)
    catalog.loc[3, "monthly_sales"] = "-5"
    size = -(-len(catalog) // PARTS)
    parts = [catalog.iloc[k : k + size] for k in range(0, len(catalog), size)]
    parts[2] = pd.concat([parts[2].iloc[:50], catalog.iloc[[7]], parts[2].iloc[50:]])
    folder = tmp_path_factory.mktemp("shards")
    (folder / "parts").mkdir()
    for k, part in enumerate(parts):
        part.to_csv(folder / "parts" / f"part-{k}.csv", index=False)
    pd.concat(parts).to_csv(folder / "whole.csv", index=False)
    assert all(part["category"].nunique() > 5 for part in parts)
    return folder


def _read(path):
    if path.is_dir():
        return pd.read_parquet(path).astype("string")
    return pd.read_csv(path, dtype="string", keep_default_na=False).replace("", pd.NA)


@pytest.mark.parametrize("held_rows", [None, 0], ids=["held", "streamed"])
def test_dask_engine_scores_as_the_local_engine_row_for_row(
    shards, model_dir, dask_cluster, tmp_path, monkeypatch, held_rows
):
    # Held: the workers keep each partition's rows between passes (a small
    # export); streamed: every pass reads the files again (a large one).
    if held_rows is not None:
        monkeypatch.setattr(cluster, "HELD_ROWS", held_rows)
    parts = shards / "parts"
    # Chunks of 97 rows: every partition is several chunks, too.
    here = score_catalog(parts, tmp_path / "here.csv", model_dir, chunk_rows=97)
    there = score_catalog(
        parts,
        tmp_path / "there.csv",
        model_dir,
        chunk_rows=97,
        engine="dask",
        scheduler=dask_cluster,
    )
    local, dask = _read(tmp_path / "here.csv"), _read(tmp_path / "there.csv")
    assert len(local) == here["rows"] == there["rows"] == len(dask) > 1000
    # Weights, percentiles, fixes with gains, blockers: every column, every row.
    pd.testing.assert_frame_equal(local, dask)
    assert local["fix_1"].notna().any() and local["blockers"].notna().any()
    assert here["blocked"] == there["blocked"] > 0
    assert (here["rejects"], there["rejects"]) == (2, 2)
    pd.testing.assert_frame_equal(
        _read(tmp_path / "here.rejects.csv"), _read(tmp_path / "there.rejects.csv")
    )
    reasons = _read(tmp_path / "there.rejects.csv")["reject_reason"].tolist()
    assert reasons[0] == "part-0.csv: row 5: monthly_sales is -5, expected a count ≥ 0"
    assert reasons[1].startswith("part-2.csv: row 52: listing_id '")
    # The row it repeats is the first file's, and the reason says so.
    assert reasons[1].endswith("' repeats row 9 of part-0.csv")


def test_dask_engine_writes_a_dataset_folder_equal_to_the_file(
    shards, model_dir, dask_cluster, tmp_path
):
    parts = shards / "parts"
    score_catalog(parts, tmp_path / "one.csv", model_dir)
    summary = score_catalog(
        parts, tmp_path / "out", model_dir, engine="dask", scheduler=dask_cluster
    )
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"part-{k:05d}.parquet" for k in range(PARTS)]
    dataset = pd.read_parquet(tmp_path / "out")
    one = pd.read_csv(tmp_path / "one.csv", dtype={"listing_id": str})
    assert summary["rows"] == len(dataset) == len(one)
    assert dataset["listing_id"].tolist() == one["listing_id"].tolist()
    for name in ("weight", "category_percentile", "fix_1_gain"):
        assert dataset[name].equals(one[name].astype("float64")), name
    for name in ("fix_1", "fix_3", "blockers", "suggested_category"):
        assert dataset[name].tolist() == one[name].fillna("").tolist(), name
    assert summary["rejects_file"] == str(tmp_path / "out.rejects.csv")


def test_a_folder_export_scores_as_the_file_it_was_cut_from(
    shards, model_dir, tmp_path
):
    score_catalog(shards / "whole.csv", tmp_path / "whole.csv", model_dir)
    score_catalog(shards / "parts", tmp_path / "parts.csv", model_dir)
    pd.testing.assert_frame_equal(
        _read(tmp_path / "whole.csv"), _read(tmp_path / "parts.csv")
    )
    # A quoted glob is the same export.
    score_catalog(str(shards / "parts" / "part-*.csv"), tmp_path / "glob", model_dir)
    assert (
        _read(tmp_path / "glob")["weight"]
        .astype("float64")
        .equals(_read(tmp_path / "whole.csv")["weight"].astype("float64"))
    )


def test_train_on_the_dask_engine_learns_the_model_of_the_local_engine(
    shards, market, market_files, dask_cluster, tmp_path
):
    parts, ranks = shards / "parts", market_files["ranks"]
    here = train(parts, ranks, output=tmp_path / "here")
    there = train(
        parts, ranks, output=tmp_path / "there", engine="dask", scheduler=dask_cluster
    )
    assert there.metrics == here.metrics
    assert there.card["data"] == here.card["data"]
    assert sorted(there.card["data"]["files"]) == [
        str(parts / f"part-{k}.csv") for k in range(PARTS)
    ]
    assert there.card["data"]["rejects"] == 2  # the bad count, the repeated id
    # The same model, term for term, and the same drift profile beside it.
    here_model, _ = load_model(tmp_path / "here")
    there_model, _ = load_model(tmp_path / "there")
    features = catalog_features(market.catalog)
    np.testing.assert_array_equal(here_model.raw(features), there_model.raw(features))
    # model.npz holds the terms and the training data's profile (drift).
    assert (tmp_path / "here" / "model.json").read_text() == (
        tmp_path / "there" / "model.json"
    ).read_text()
    with (
        np.load(tmp_path / "here" / "model.npz") as a,
        np.load(tmp_path / "there" / "model.npz") as b,
    ):
        assert a.files == b.files
        assert any(k.startswith("extra/feature:") for k in a.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_train_cli_on_the_dask_engine(
    run_cli, shards, market_files, dask_cluster, tmp_path
):
    result = run_cli(
        "train",
        shards / "parts",
        "--ranks",
        market_files["ranks"],
        "-o",
        tmp_path / "m",
        "--engine",
        "dask",
        "--scheduler",
        dask_cluster,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["metrics"]["model"]["ndcg@10"] > 0.5
    assert load_model(tmp_path / "m")[0].digest is not None


def test_a_folder_export_is_audited_as_its_file_and_cached_by_every_part(
    shards, market_files, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    # With ranks: the listing's rivals come from every file, whose rows are
    # each numbered from the top.
    ranks = market_files["ranks"]
    listing = pd.read_csv(ranks, dtype=str)["listing_id"].iloc[0]
    whole = audit(shards / "whole.csv", listing, model_dir, ranks_path=ranks)
    parts = shutil.copytree(shards / "parts", tmp_path / "parts")
    first = audit(parts, listing, model_dir, ranks_path=ranks)
    assert first["weight"] == whole["weight"]
    assert first["fixes"] == whole["fixes"]
    assert first["keywords"] == whole["keywords"] and first["keywords"]
    calls = []
    real = cache.prepare
    monkeypatch.setattr(
        cache, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    assert audit(parts, listing, model_dir, ranks_path=ranks) == first
    assert calls == []  # the second came from the cache
    # A file renamed (same bytes, same order) is another export: its rejects
    # would name it so.
    (parts / "part-3.csv").rename(parts / "part-4.csv")
    audit(parts, listing, model_dir)
    assert calls == [1]
    # Another part changed (not the listing's): prepared again.
    changed = pd.read_csv(parts / "part-4.csv", dtype=str, keep_default_na=False)
    rivals = changed["category"] == first["category"]
    assert rivals.sum() > 5 and listing not in set(changed["listing_id"])
    changed.loc[rivals, "monthly_sales"] = "100000"
    changed.to_csv(parts / "part-4.csv", index=False)
    again = audit(parts, listing, model_dir)
    assert calls == [1, 1]
    # Its rivals there sell more: the category's yardsticks rise and its own
    # sales weigh less — the new export's weight, not the cached one.
    assert again["weight"] < first["weight"]


def test_files_of_a_folder_export_are_taken_in_their_numbers_order(tmp_path):
    for name in ("part-10.csv", "part-2.csv", "_SUCCESS", ".hidden.csv", "a.txt"):
        (tmp_path / name).write_text("listing_id\nA\n")
    (tmp_path / "sub").mkdir()
    names = [p.name for p in export_files(tmp_path)]
    assert names == ["a.txt", "part-2.csv", "part-10.csv"]


def test_files_with_other_columns_are_one_line_error(run_cli, tmp_path, model_dir):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("listing_id,visitors\nA,1\n")
    (tmp_path / "in" / "b.csv").write_text("listing_id,price\nB,1\n")
    result = run_cli(
        "score", tmp_path / "in", "-o", tmp_path / "o.csv", "--model", model_dir
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'in' / 'b.csv'}: its columns differ from a.csv's; the "
        "files of one export (a folder or a glob) must have the same columns\n"
    )


def test_a_dataset_output_replaces_one_written_before_and_nothing_else(
    shards, model_dir, tmp_path
):
    out = tmp_path / "out"
    score_catalog(shards / "whole.csv", out, model_dir)
    first = _read(out)
    score_catalog(shards / "whole.csv", out, model_dir)
    pd.testing.assert_frame_equal(first, _read(out))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds other files"):
        score_catalog(shards / "whole.csv", out, model_dir)
    assert (out / "notes.txt").read_text() == "mine"


def test_engine_dask_without_dask_says_what_to_install(
    run_cli, shards, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    result = run_cli(
        "score",
        shards / "parts",
        "-o",
        tmp_path / "o.csv",
        "--model",
        model_dir,
        "--engine",
        "dask",
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --engine dask needs Dask, which is not installed: "
        "pip install 'ranking[dask]'\n"
    )
    assert not (tmp_path / "o.csv").exists()


def test_a_scheduler_nobody_answers_at_is_one_line(
    run_cli, shards, model_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 0.5)
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    result = run_cli(
        "score",
        shards / "parts",
        "-o",
        tmp_path / "o.csv",
        "--model",
        model_dir,
        "--engine",
        "dask",
        "--scheduler",
        address,
    )
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"Error: --scheduler {address}: no Dask scheduler")
    assert lines[0].endswith(
        "start one with `dask scheduler`, or leave out --scheduler to use a "
        "cluster on this machine"
    )


def test_scheduler_without_the_dask_engine_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("score", "x.csv", "-o", "o.csv", "--scheduler", "tcp://h:8786")
    assert result.exit_code == 2
    assert "--scheduler needs --engine dask" in result.stderr


def test_the_local_engine_never_imports_dask(shards, model_dir, tmp_path):
    code = (
        "import sys\n"
        "from ranking.engines.local import score_catalog\n"
        f"score_catalog({str(shards / 'parts')!r}, {str(tmp_path / 'o.csv')!r}, "
        f"{str(model_dir)!r})\n"
        "print('dask' in sys.modules, 'distributed' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def _flaky_scatter(monkeypatch, fails: int):
    """``Client.scatter`` that raises CommClosedError (a worker lost during
    the broadcast) on its first ``fails`` calls, then scatters; the calls'
    ``broadcast`` flags are returned as they come."""
    from distributed.comm.core import CommClosedError

    calls, real = [], distributed.Client.scatter

    def scatter(self, data, *args, broadcast=False, **kwargs):
        calls.append(broadcast)
        if len(calls) <= fails:
            raise CommClosedError("in <TCP (closed) ConnectionPool.scatter>")
        return real(self, data, *args, broadcast=broadcast, **kwargs)

    monkeypatch.setattr(distributed.Client, "scatter", scatter)
    return calls


def test_a_worker_lost_during_the_broadcast_is_tried_again(
    shards, model_dir, dask_cluster, tmp_path, monkeypatch
):
    whole = shards / "whole.csv"
    score_catalog(whole, tmp_path / "here.csv", model_dir)
    calls = _flaky_scatter(monkeypatch, fails=1)
    score_catalog(
        whole, tmp_path / "there.csv", model_dir, engine="dask", scheduler=dask_cluster
    )
    # The model's broadcast failed once and was sent again; then the scores.
    assert calls == [True, True, True]
    pd.testing.assert_frame_equal(
        _read(tmp_path / "here.csv"), _read(tmp_path / "there.csv")
    )


def test_the_last_try_sends_to_one_worker(shards, dask_cluster, monkeypatch):
    calls = _flaky_scatter(monkeypatch, fails=cluster.SEND_TRIES - 1)
    with distributed.Client(dask_cluster) as client:
        sent = cluster.send_to_workers(client, np.arange(3), "model")
        assert sent.result().tolist() == [0, 1, 2]
    assert calls == [True] * (cluster.SEND_TRIES - 1) + [False]


def test_a_broadcast_that_keeps_failing_is_one_line(
    run_cli, shards, model_dir, dask_cluster, tmp_path, monkeypatch
):
    calls = _flaky_scatter(monkeypatch, fails=99)
    result = run_cli(
        "score",
        shards / "whole.csv",
        "-o",
        tmp_path / "o.csv",
        "--model",
        model_dir,
        "--engine",
        "dask",
        "--scheduler",
        dask_cluster,
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == (
        "Error: the Dask cluster lost a worker while sending the model to its "
        f"workers, {cluster.SEND_TRIES} times (CommClosedError: in <TCP (closed) "
        "ConnectionPool.scatter>); run again, or check the scheduler and its "
        "workers\n"
    )
    assert len(calls) == cluster.SEND_TRIES
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    "fault",
    [
        lambda: distributed.KilledWorker(
            "_scores_part-1", SimpleNamespace(address="tcp://10.0.0.9:40111"), 3
        ),
        lambda: distributed.comm.core.CommClosedError("connection"),
        lambda: OSError("Timed out trying to connect to tcp://10.0.0.9:40111"),
        lambda: TimeoutError("gather timed out"),
        lambda: distributed.client.FutureCancelledError("x", "lost"),
    ],
    ids=["killed-worker", "comm-closed", "os-error", "timeout", "cancelled"],
)
@pytest.mark.parametrize("command", ["score", "train"])
def test_a_cluster_fault_mid_run_is_one_line(
    run_cli,
    shards,
    model_dir,
    market_files,
    dask_cluster,
    tmp_path,
    monkeypatch,
    fault,
    command,
):
    def gather(self, *args, **kwargs):
        raise fault()

    # gather: where the client waits for every partition in both commands.
    monkeypatch.setattr(distributed.Client, "gather", gather)
    args = [command, str(shards / "whole.csv"), "-o", str(tmp_path / "o")]
    if command == "score":
        args += ["--model", str(model_dir)]
    else:
        args += ["--ranks", str(market_files["ranks"])]
    result = run_cli(*args + ["--engine", "dask", "--scheduler", dask_cluster])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    work = "scoring" if command == "score" else "building the features"
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: the Dask cluster failed while {work} (")
    assert line.endswith("); run again, or check the scheduler and its workers")
    assert type(fault()).__name__ in line
    assert not (tmp_path / "o").exists()


def test_images_root_reaches_the_workers(
    market, model_dir, dask_cluster, tmp_path, monkeypatch
):
    from PIL import Image

    root, photos = tmp_path / "export", tmp_path / "photos"
    root.mkdir()
    photos.mkdir()
    Image.new("RGB", (64, 64), "white").save(photos / "white.png")
    catalog = market.catalog.head(60).drop(columns=["has_white_bg_image"]).copy()
    catalog["main_image"] = ["../photos/white.png"] * 5 + [None] * 55
    catalog.to_csv(root / "catalog.csv", index=False)
    out = {}
    for engine, widened in [("local", None), ("local", photos), ("dask", photos)]:
        name = tmp_path / f"{engine}-{widened is not None}.csv"
        score_catalog(
            root / "catalog.csv",
            name,
            model_dir,
            engine=engine,
            scheduler=dask_cluster if engine == "dask" else None,
            images_root=widened,
        )
        out[engine, widened is not None] = _read(name)
    # The workers read the images the option allows, as the local engine does.
    pd.testing.assert_frame_equal(out["local", True], out["dask", True])
    assert not out["local", True]["weight"].equals(out["local", False]["weight"])


@pytest.mark.parametrize("parted", [False, True])
def test_the_cluster_starts_image_paths_where_the_local_engine_does(tmp_path, parted):
    """Both engines start main_image paths in the same folder: for a
    symlinked export file, beside the link, not beside the file it points to
    (the cluster took the target's folder)."""
    from ranking.reading.catalog import open_catalog

    (tmp_path / "store").mkdir()
    (tmp_path / "shop").mkdir()
    target = tmp_path / "store" / "catalog.csv"
    target.write_text("listing_id,monthly_sales\nA,3\nB,5\n", encoding="utf-8")
    link = tmp_path / "shop" / "catalog.csv"
    link.symlink_to(target)
    export = tmp_path / "shop" if parted else link
    local = open_catalog([export]).image_root
    assert cluster._one_export(export, ()).root == Path(local).resolve()
    if not parted:
        assert Path(local).resolve() == (tmp_path / "shop").resolve()
