"""The default model ships inside the package: a wheel installed with no other
step scores and audits, a broken install says how to mend it, and the shipped
model is what ``make model`` builds from ``data/`` with this code."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

import ranking
from ranking.defaults import DEFAULT_MODEL
from ranking.model import persist

CATALOG = REPO / "data" / "catalog.csv"
SHIPPED_FILES = {
    "model.json",
    "model.npz",
    "card.json",
    "card.txt",
    "features.json",
    "SHA256SUMS",
}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """This source tree built into a wheel, offline (no index, the venv's own
    setuptools)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info into the tree
    # it builds, and a stale build/lib there would put deleted modules into
    # the wheel; the copy also keeps parallel runs apart.
    source = tmp / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "ranking",
        source / "ranking",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", tmp / "dist", source)
    (built,) = (tmp / "dist").glob("ranking-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a folder of its own, as ``pip install`` would
    into a fresh environment (its dependencies are the venv's)."""
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--target", target, wheel)
    return target


def _pip(*args) -> None:
    command = [sys.executable, "-m", "pip", *map(str, args)]
    command += ["--no-index", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _run(site: Path, cwd: Path, *args) -> subprocess.CompletedProcess:
    """``python -m ranking ARGS`` importing ranking from ``site`` only: from a
    folder that holds no ranking/, and with ``site`` first on the path, ahead
    of the venv's editable install of this tree."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "ranking", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_wheel_ships_the_default_model(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"ranking/models/default/{name}" for name in SHIPPED_FILES} <= names


def test_the_wheel_ships_the_report_cards_script(wheel):
    """Package data too: the report module reads it at import."""
    with zipfile.ZipFile(wheel) as archive:
        assert "ranking/present/whatif.js" in archive.namelist()


def test_a_fresh_install_scores_and_audits_with_no_other_step(installed, tmp_path):
    where = subprocess.run(
        [sys.executable, "-c", "import ranking; print(ranking.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout

    scored = _run(installed, tmp_path, "score", CATALOG, "-o", "scored.csv")
    assert scored.returncode == 0, scored.stderr
    with open(CATALOG, encoding="utf-8-sig") as handle:
        listings = [row["listing_id"] for row in csv.DictReader(handle)]
    with open(tmp_path / "scored.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["listing_id"] for row in rows] == listings
    weights = [float(row["weight"]) for row in rows]
    assert all(0 <= w <= 100 for w in weights) and len(set(weights)) > 100

    listing = listings[0]
    audited = _run(installed, tmp_path, "audit", CATALOG, listing, "--format", "json")
    assert audited.returncode == 0, audited.stderr
    card = json.loads(audited.stdout)
    assert card["listing_id"] == listing
    assert 0 <= card["weight"] <= 100


@pytest.mark.parametrize("damage", ["removed", "altered"])
def test_a_broken_install_says_in_one_line_how_to_get_the_model(
    installed, tmp_path, damage
):
    site = tmp_path / "site"
    shutil.copytree(installed / "ranking", site / "ranking")
    model = site / "ranking" / "models" / "default"
    if damage == "removed":
        shutil.rmtree(model)
    else:
        with open(model / "model.npz", "ab") as handle:
            handle.write(b"\0")
    done = _run(site, tmp_path, "score", CATALOG, "-o", "scored.csv")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"Error: {model}")
    for remedy in ("reinstall ranking", "make model", "--model DIR"):
        assert remedy in line


def test_the_default_model_lives_inside_the_package():
    assert DEFAULT_MODEL.parent.parent == Path(ranking.__file__).resolve().parent
    assert {p.name for p in DEFAULT_MODEL.iterdir()} == SHIPPED_FILES


def test_the_shipped_model_is_what_make_model_builds(tmp_path, monkeypatch):
    """Trained again as ``make model`` trains it (relative paths from the
    repository, as the card records them), the model is the shipped one,
    array for array; only the card's date and library versions may differ."""
    from ranking.engines.training import train

    monkeypatch.chdir(REPO)
    train("data/catalog.csv", "data/ranks.csv", output=tmp_path / "fresh")
    differences = persist.model_differences(DEFAULT_MODEL, tmp_path / "fresh")
    assert not differences, (
        "the shipped model is not what this code trains from data/: run "
        f"`make model` and commit {DEFAULT_MODEL.relative_to(REPO)} "
        f"({'; '.join(differences[:5])})"
    )


def test_model_differences_ignore_the_date_but_not_a_term(tmp_path):
    copy = shutil.copytree(DEFAULT_MODEL, tmp_path / "copy")
    card = json.loads((copy / "card.json").read_text(encoding="utf-8"))
    card["created"] = "1999-01-01T00:00:00+00:00"
    card["versions"] = {"numpy": "0.0"}
    (copy / "card.json").write_text(json.dumps(card), encoding="utf-8")
    assert persist.model_differences(DEFAULT_MODEL, copy) == []

    with np.load(copy / "model.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    key = next(k for k, v in arrays.items() if v.dtype.kind == "f" and v.size)
    arrays[key] = arrays[key] + 1e-3
    np.savez_compressed(copy / "model.npz", **arrays)
    assert persist.model_differences(DEFAULT_MODEL, copy) == [
        f"model.npz: {key} differs by up to 0.001"
    ]

    # Whatever the format holds: its first number, moved by 1%.
    meta = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    name = next(k for k, v in meta.items() if type(v) is float)
    meta[name] *= 1.01
    (copy / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    found = persist.model_differences(DEFAULT_MODEL, copy)
    assert found[0].startswith(f"model.json.{name}: ")


def test_the_shipped_feature_table_is_the_declared_one():
    """``features.json`` beside the shipped model is the code's table, which
    a browser can read without ranking: each feature's raw inputs and
    transform."""
    from ranking.model.features import FEATURE_NAMES, feature_table

    shipped = json.loads((DEFAULT_MODEL / "features.json").read_text("utf-8"))
    assert shipped == feature_table()
    assert [f["name"] for f in shipped["features"]] == list(FEATURE_NAMES)
    white = next(f for f in shipped["features"] if f["name"] == "has_white_bg_image")
    assert white["inputs"] == ["has_white_bg_image", "main_image"]
    assert white["factor"] == "white_bg_image" and white["direction"] == 1


def test_a_model_without_its_feature_table_still_loads(tmp_path):
    """features.json is a view, not part of the checksummed format: a model
    directory written before it existed loads as before."""
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, copy)
    (copy / "features.json").unlink()
    assert persist.is_usable(copy)
