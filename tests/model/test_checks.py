"""Files an export or a user hands over are not trusted (spec §5, issue 22):
images an export names, the audit cache, a model directory. Each is read
only when it is what it should be; a bad one costs its own part, never the
run, and never a traceback."""

from __future__ import annotations

import json
import os
import threading
import time
from io import BytesIO

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from PIL import Image

from ranking.model.features import media
from ranking.reading import excel, io
from ranking.writing import writers


def _measure(root, paths, timeout=10.0):
    """media.extract on ``paths`` in a thread: None if it did not finish in
    ``timeout`` (a FIFO opened for reading blocks until a writer comes)."""
    frame = pd.DataFrame({"main_image": paths})
    out = {}
    worker = threading.Thread(
        target=lambda: out.setdefault("r", media.extract(frame, image_root=root)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout)
    return out.get("r")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_as_main_image_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    Image.new("RGB", (40, 40), "white").save(tmp_path / "w.png")
    out = _measure(tmp_path, ["pipe.png", "/dev/stdin", "/dev/zero", "w.png"])
    assert out is not None, "a FIFO hung the run"
    assert out["has_white_bg_image"].isna().tolist() == [True, True, True, False]
    assert out["has_white_bg_image"].iloc[3] == 1.0


def test_main_image_paths_stay_inside_the_exports_folder(tmp_path):
    root = tmp_path / "export"
    (root / "img").mkdir(parents=True)
    Image.new("RGB", (40, 40), "white").save(tmp_path / "outside.png")
    Image.new("RGB", (40, 40), "white").save(root / "img" / "inside.png")
    (root / "link.png").symlink_to(tmp_path / "outside.png")
    paths = [
        "../outside.png",
        str(tmp_path / "outside.png"),
        "link.png",  # a symlink out of the folder is outside too
        "img/../img/inside.png",
        "img/inside.png",
        "../../../../../../etc/passwd",
        "bad\x00name.png",
    ]
    out = _measure(root, paths)["has_white_bg_image"]
    assert out.isna().tolist() == [True, True, True, False, False, True, True]


def test_a_large_image_file_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(media, "MAX_IMAGE_BYTES", 1000)
    Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    ).save(tmp_path / "noise.png")
    with pytest.raises(media.RefusedImage, match="larger than"):
        media.white_background(tmp_path / "noise.png", tmp_path)
    assert media.is_white_background(tmp_path / "noise.png", tmp_path) is None


def _bomb(path, side):
    # Mode "1" keeps the writer's memory at side²/8 bytes; the PNG is tiny.
    Image.new("1", (side, side), 1).save(path)


@pytest.mark.parametrize("side", [20000, 12000])
def test_a_decompression_bomb_costs_only_its_listing(tmp_path, side, caplog):
    """20000² raised DecompressionBombError through the run; 12000² (below
    Pillow's error, above its warning) was decoded whole, 1.4 GB. Both are
    refused from their header, before any pixel is decoded."""
    _bomb(tmp_path / "bomb.png", side)
    Image.new("RGB", (40, 40), "white").save(tmp_path / "w.png")
    start = time.perf_counter()
    out = _measure(tmp_path, ["bomb.png", "w.png"])["has_white_bg_image"]
    assert time.perf_counter() - start < 2.0  # nothing decoded
    assert np.isnan(out.iloc[0]) and out.iloc[1] == 1.0
    assert "bomb.png" in caplog.text and "white background is unknown" in caplog.text


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    """A JPEG above the pixel cap is still measured: draft decodes it at 1/8."""
    Image.new("L", (8000, 4000), 255).save(tmp_path / "big.jpg", quality=80)
    assert media.is_white_background(tmp_path / "big.jpg", tmp_path) is True


def test_score_goes_on_past_a_bomb_and_a_fifo(market, model_dir, tmp_path):
    from ranking.engines.outputs import score_table

    catalog = market.catalog.head(40).drop(columns=["has_white_bg_image"]).copy()
    Image.new("RGB", (64, 64), "white").save(tmp_path / "white.png")
    _bomb(tmp_path / "bomb.png", 20000)
    names = ["white.png"] * len(catalog)
    names[0] = "bomb.png"
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.png")
        names[1] = "pipe.png"
    names[2] = "../../../../etc/passwd"
    catalog["main_image"] = names
    source = tmp_path / "catalog.csv"
    writers.write_table(catalog, source)
    done = {}
    worker = threading.Thread(
        target=lambda: done.setdefault("t", score_table(source, model_dir)[0]),
        daemon=True,
    )
    worker.start()
    worker.join(120)
    assert "t" in done, "the run hung or failed"
    assert len(done["t"]) == len(catalog)
    assert done["t"]["weight"].notna().all()


# ---------------------------------------------------------------- audit cache


@pytest.fixture(scope="module")
def small_export(market, tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "catalog.csv"
    market.catalog.head(300).to_csv(path, index=False)
    return path


def _edit(path):
    """A change that still loads: the kind that was served as if true."""
    if path.name == "rows.parquet":
        rows = pd.read_parquet(path)
        rows["visitors"] = rows["visitors"] * 10 + 1000
        rows.to_parquet(path, index=False)
    elif path.name == "scores.npz":
        with np.load(path) as stored:
            arrays = {k: stored[k] for k in stored.files}
        arrays["sorted_raw"] = arrays["sorted_raw"] + 1.0
        np.savez(path, **arrays)
    elif path.name == "scores.json":
        path.write_text('{"features": null}')
    elif path.suffix == ".json" or path.name == "done":
        path.write_text("null")
    else:  # a byte flipped in the middle
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))


DAMAGES = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "missing": lambda p: p.unlink(),
    "edited": _edit,
}
ENTRY_FILES = [
    "rows.parquet",
    "scores.json",
    "scores.npz",
    "profile.json",
    "profile.npz",
    "done",
]


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("name", ENTRY_FILES)
def test_a_damaged_cache_entry_is_rebuilt_not_served(
    small_export, model_dir, tmp_path, monkeypatch, name, damage
):
    from ranking.explain.audit import audit
    from ranking.model import cache, pipeline

    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    listing = pd.read_csv(small_export, dtype=str)["listing_id"][5]
    fresh = audit(small_export, listing, model_dir)  # prepares and stores
    (entry,) = (tmp_path / "cache").iterdir()
    DAMAGES[damage](entry / name)
    again = audit(small_export, listing, model_dir)
    assert again == fresh
    # Rebuilt whole: the next audit is served from it, and the same again.
    calls = []
    real = pipeline.prepare
    monkeypatch.setattr(
        cache, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    assert audit(small_export, listing, model_dir) == fresh
    assert calls == []


# ------------------------------------------------------------------ model file


def _edited_model(source, folder, meta=None, arrays=None, card=None):
    """A copy of the model at ``source`` edited by hand, its checksums then
    recomputed as an editor would: only validation can refuse it."""
    import json
    import shutil

    from ranking.model import persist

    shutil.copytree(source, folder)
    if meta:
        data = json.loads((folder / "model.json").read_text())
        meta(data)
        (folder / "model.json").write_text(json.dumps(data))
    if arrays:
        with np.load(folder / "model.npz") as stored:
            data = {k: stored[k] for k in stored.files}
        arrays(data)
        np.savez_compressed(folder / "model.npz", **data)
    if card:
        data = json.loads((folder / "card.json").read_text())
        card(data)
        (folder / "card.json").write_text(json.dumps(data))
    sums = "".join(f"{persist.sha256(folder / n)}  {n}\n" for n in persist.CHECKED)
    (folder / "SHA256SUMS").write_text(sums)
    return folder


def _set(key, value):
    return lambda data: data.__setitem__(key, value)


EDITS = {
    "renamed feature": dict(meta=lambda m: m["features"].__setitem__(0, "sales")),
    "feature order": dict(meta=lambda m: m["features"].reverse()),
    "format 99": dict(meta=_set("format", 99)),
    "scale 0": dict(meta=_set("scale", 0)),
    "scale NaN": dict(meta=_set("scale", float("nan"))),
    "center text": dict(meta=_set("center", "x")),
    "fold scale -1": dict(meta=lambda m: m["folds"][0].__setitem__("scale", -1)),
    "directions short": dict(meta=lambda m: m["directions"].pop()),
    "cliff field text": dict(
        meta=lambda m: next(c for c in m["cliffs"].values() if c).__setitem__(
            "threshold", "low"
        )
    ),
    "short shape": dict(arrays=lambda a: a.__setitem__("shape_0", a["shape_0"][:-1])),
    "short knots": dict(arrays=lambda a: a.__setitem__("knots_3", a["knots_3"][:-1])),
    "knots unsorted": dict(
        arrays=lambda a: a.__setitem__("knots_0", a["knots_0"][::-1].copy())
    ),
    "NaN term": dict(arrays=lambda a: a["shape_2"].__setitem__(0, np.nan)),
    "NaN fold term": dict(arrays=lambda a: a["fold0_shape_2"].__setitem__(0, np.nan)),
    "text knots": dict(arrays=lambda a: a.__setitem__("knots_1", np.array(["a"]))),
    "2-D shape": dict(arrays=lambda a: a.__setitem__("shape_1", a["shape_1"][None])),
    "no intercept": dict(arrays=lambda a: a.pop("intercept")),
    "ndcg text": dict(
        card=lambda c: c["metrics"]["model"].__setitem__("ndcg@10", "abc")
    ),
    "card trust level": dict(card=lambda c: c["trust"].__setitem__("level", "great")),
    "card curve NaN": dict(
        card=lambda c: c["cross_validation"]["curve"][0].__setitem__(
            "spearman", float("nan")
        )
    ),
    "card unheld cliff without its folds": dict(
        card=lambda c: c.__setitem__(
            "blockers_not_in_every_fold",
            {"dsr_min_gap": {"low": 0.0, "high": 0.1, "median_cost": 5.0}},
        )
    ),
    "card unheld cliff text rises": dict(
        card=lambda c: c.__setitem__(
            "blockers_not_in_every_fold",
            {
                "dsr_min_gap": {
                    "low": 0.0,
                    "high": 0.1,
                    "median_cost": 5.0,
                    "fold_rises": ["a"],
                }
            },
        )
    ),
    "card unheld cliff null": dict(
        card=lambda c: c.__setitem__("blockers_not_in_every_fold", {"x": None})
    ),
    "card blocker null cost": dict(
        card=lambda c: next(b for b in c["blockers"].values() if b).__setitem__(
            "median_cost", None
        )
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hand_edited_model_is_refused_in_one_line(model_dir, tmp_path, edit, run_cli):
    from ranking.errors import ModelFileError
    from ranking.model.persist import load_model

    folder = _edited_model(model_dir, tmp_path / "m", **EDITS[edit])
    with pytest.raises(ModelFileError) as refused:
        load_model(folder)
    assert "\n" not in str(refused.value) and str(folder) in str(refused.value)
    export = tmp_path / "x.csv"
    export.write_text("listing_id,monthly_sales\nA,3\nB,5\n")
    out = str(tmp_path / "out.csv")
    result = run_cli("score", export, "--model", folder, "-o", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_the_models_used_in_tests_and_shipped_load(model_dir):
    from ranking.defaults import DEFAULT_MODEL
    from ranking.model.persist import load_model

    for folder in (model_dir, DEFAULT_MODEL):
        model, _ = load_model(folder)
        assert np.isfinite(model.scale) and model.scale > 0


def test_a_small_npz_declaring_a_huge_array_is_refused_from_its_header(
    model_dir, tmp_path
):
    """A 2 GB array is refused before any of it is unpacked or allocated."""
    import zipfile

    from numpy.lib import format as npy

    from ranking.errors import ModelFileError
    from ranking.model.persist import load_model

    folder = _edited_model(model_dir, tmp_path / "m")
    header = io_bytes = BytesIO()
    npy.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**28,)}
    )
    with zipfile.ZipFile(folder / "model.npz", "a") as archive:
        archive.writestr("extra/big.npy", io_bytes.getvalue() + b"\0" * 64)
    _edited_model(folder, tmp_path / "m2")
    with pytest.raises(ModelFileError, match="unpack to more than"):
        load_model(tmp_path / "m2")


@pytest.mark.parametrize("name", ["model.npz", "card.json", "SHA256SUMS"])
def test_a_model_file_that_is_a_device_or_fifo_is_refused_not_read(
    model_dir, tmp_path, name
):
    import shutil

    from ranking.errors import ModelFileError
    from ranking.model.persist import load_model

    folder = tmp_path / "m"
    shutil.copytree(model_dir, folder)
    (folder / name).unlink()
    (folder / name).symlink_to("/dev/zero")
    outcome = {}

    def load():
        try:
            load_model(folder)
        except ModelFileError as error:
            outcome["error"] = str(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(10)
    assert "not a regular file" in outcome.get("error", ""), outcome


# ------------------------------------------------------- Excel sheets


_XML = b'<?xml version="1.0" encoding="UTF-8"?>'
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = b"http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml."


def _workbook(path, sheets: dict[str, bytes], first: str):
    """An .xlsx written member by member (deflate): ``sheets`` maps a file
    under xl/worksheets/ to its <sheetData> rows; ``first`` is the one the
    workbook lists first (the one read), whatever its file name."""
    import zipfile

    order = [first] + [n for n in sheets if n != first]
    rid = {name: f"rId{k}".encode() for k, name in enumerate(sheets, 1)}
    types = b"".join(
        b'<Override PartName="/xl/worksheets/%s" ContentType="%sworksheet+xml"/>'
        % (n.encode(), _TYPE)
        for n in sheets
    )
    listed = b"".join(
        b'<sheet name="S%d" sheetId="%d" r:id="%s"/>' % (k, k, rid[n])
        for k, n in enumerate(order, 1)
    )
    rels = b"".join(
        b'<Relationship Id="%s" Type="%s/worksheet" Target="worksheets/%s"/>'
        % (rid[n], _DOC, n.encode())
        for n in sheets
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            _XML + b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/'
            b'vnd.openxmlformats-package.relationships+xml"/><Default Extension='
            b'"xml" ContentType="application/xml"/><Override PartName="/xl/'
            b'workbook.xml" ContentType="%ssheet.main+xml"/>%s</Types>'
            % (_TYPE, types),
        )
        z.writestr(
            "_rels/.rels",
            _XML + b'<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/'
            b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
            % (_PKG, _DOC),
        )
        z.writestr(
            "xl/workbook.xml",
            _XML
            + b'<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>'
            % (_MAIN, _DOC, listed),
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _XML + b'<Relationships xmlns="%s">%s</Relationships>' % (_PKG, rels),
        )
        for name, rows in sheets.items():
            with z.open(f"xl/worksheets/{name}", "w", force_zip64=True) as sheet:
                sheet.write(_XML + b'<worksheet xmlns="%s"><sheetData>' % _MAIN)
                sheet.write(rows)
                sheet.write(b"</sheetData></worksheet>")
    return path


def _rows(*rows: list[str]) -> bytes:
    return b"".join(
        b"<row>"
        + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % c.encode() for c in r)
        + b"</row>"
        for r in rows
    )


_EXPORT_ROWS = _rows(["listing_id", "title"], ["A1", "red dress"], ["A2", "shoe"])
#: 24 MB of XML (above the 16 MB read whatever the ratio) in ~90 KB: a row
#: of 30 identical cells repeated, as decompression bombs are made.
_BOMB_ROWS = _rows(["listing_id", "title"]) + _rows(["x"] * 30) * 20_000


def _no_read_excel(monkeypatch):
    """A refusal must come from the zip directory: reading the sheet (what
    costs 13.7 s and ~0.9 GB for a 288 MB one) fails the test."""

    def read_excel(*args, **kwargs):
        raise AssertionError("the sheet was decompressed")

    monkeypatch.setattr(pd, "read_excel", read_excel)


def test_an_xlsx_whose_sheet_is_a_bomb_is_refused_before_reading(
    tmp_path, monkeypatch, run_cli
):

    bomb = _workbook(tmp_path / "bomb.xlsx", {"sheet1.xml": _BOMB_ROWS}, "sheet1.xml")
    assert bomb.stat().st_size < 120_000
    _no_read_excel(monkeypatch)
    start = time.perf_counter()
    result = run_cli("check", bomb)
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: {bomb}: its sheet expands ")
    assert "as only a decompression bomb does (real sheets: under 50×)" in line


def test_a_bomb_in_a_sheet_not_read_does_not_stop_the_first(tmp_path):
    # The first sheet listed is sheet2.xml: the check follows the workbook's
    # relationships to it, not the file names (a bomb in sheet1.xml is not
    # decompressed: pandas reads the first sheet only).
    book = _workbook(
        tmp_path / "two.xlsx",
        {"sheet1.xml": _BOMB_ROWS, "sheet2.xml": _EXPORT_ROWS},
        "sheet2.xml",
    )
    table = io.read_table(book)
    assert table.frame["listing_id"].tolist() == ["A1", "A2"]


def test_a_sheet_above_the_size_cap_is_refused(tmp_path, monkeypatch):
    book = _workbook(tmp_path / "e.xlsx", {"sheet1.xml": _EXPORT_ROWS}, "sheet1.xml")
    assert io.read_table(book).frame["title"].tolist() == ["red dress", "shoe"]
    monkeypatch.setattr(excel, "MAX_SHEET_BYTES", 200)
    _no_read_excel(monkeypatch)
    with pytest.raises(io.ExportError, match=r"its sheet expands to 0\.00 GB, above"):
        io.read_table(book)


def test_the_real_exports_are_under_the_caps():

    fixtures = sorted(FIXTURES.glob("**/*.xlsx"))
    assert len(fixtures) >= 3
    for path in fixtures:
        excel.check_sheet_size(path)  # nothing raised


def test_an_xls_above_the_size_cap_is_refused(tmp_path, monkeypatch):
    # .xls is not compressed (an OLE2 file): its size is what would be read.
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    monkeypatch.setattr(excel, "MAX_SHEET_BYTES", 1000)
    _no_read_excel(monkeypatch)
    with pytest.raises(io.ExportError, match=r"old\.xls: 0\.00 GB, above the"):
        io.read_table(xls)


# ------------------------------------------------------- --images-root


def test_images_root_widens_reads_to_one_more_folder(tmp_path):
    root, photos = tmp_path / "export", tmp_path / "photos"
    root.mkdir()
    photos.mkdir()
    Image.new("RGB", (40, 40), "white").save(photos / "w.png")
    Image.new("RGB", (40, 40), "white").save(tmp_path / "secret.png")
    paths = [
        "../photos/w.png",  # relative paths still start at the export's folder
        str(photos / "w.png"),
        "../photos/../secret.png",  # outside both
        "../../../../../../etc/passwd",
        str(photos / ".." / "secret.png"),
    ]
    default = _measure(root, paths)["has_white_bg_image"]
    assert default.isna().all()
    widened = _measure((root, photos), paths)["has_white_bg_image"]
    assert widened.tolist()[:2] == [1.0, 1.0]
    assert widened.isna().tolist() == [False, False, True, True, True]


def _catalog_with_images(market, tmp_path):
    """An export in export/ whose first listings' images are in photos/
    beside it (outside the export's folder) and one names /etc/passwd."""
    root, photos = tmp_path / "export", tmp_path / "photos"
    root.mkdir()
    photos.mkdir()
    Image.new("RGB", (64, 64), "white").save(photos / "white.png")
    catalog = market.catalog.head(60).drop(columns=["has_white_bg_image"]).copy()
    names = [None] * len(catalog)
    names[:5] = ["../photos/white.png"] * 5
    names[5] = "../../../../../../../etc/passwd"
    catalog["main_image"] = names
    writers.write_table(catalog, root / "catalog.csv")
    return root / "catalog.csv", photos, catalog["listing_id"].iloc[0]


def test_images_root_on_the_command_line(market, model_dir, tmp_path, run_cli, caplog):

    export, photos, first = _catalog_with_images(market, tmp_path)
    common = ["score", str(export), "--model", str(model_dir), "--lang", "en"]
    default = run_cli(*common, "-o", tmp_path / "a.csv")
    assert default.exit_code == 0, default.output
    # The five in photos/ and /etc/passwd: refused, told in one note line
    # (a log warning: on stderr from the command, in caplog here).
    notes = [r.getMessage() for r in caplog.records if r.name.endswith("media")]
    assert len(notes) == 1
    assert notes[0].startswith("main_image: 6 image(s) not read")
    assert notes[0].endswith(
        "(first: ../photos/white.png: outside the export's folder "
        "(--images-root DIR allows another))"
    )
    caplog.clear()
    widened = run_cli(*common, "-o", tmp_path / "b.csv", "--images-root", photos)
    assert widened.exit_code == 0, widened.output
    # Only /etc/passwd is still refused: outside both folders.
    (note,) = [r.getMessage() for r in caplog.records if r.name.endswith("media")]
    assert note.startswith("main_image: 1 image(s) not read")
    assert "etc/passwd: outside the export's folder and --images-root" in note
    assert "Traceback" not in default.output + widened.output
    a = pd.read_csv(tmp_path / "a.csv", dtype={"listing_id": str})
    b = pd.read_csv(tmp_path / "b.csv", dtype={"listing_id": str})
    # A white background measured where it was unknown moves those weights
    # (and only those: the catalog's yardsticks barely shift).
    moved = (a["weight"] - b["weight"]).abs() > 1e-9
    assert moved.iloc[:5].all()
    assert a.loc[a["listing_id"] == first, "weight"].item() != (
        b.loc[b["listing_id"] == first, "weight"].item()
    )


def test_an_audit_with_images_root_is_not_served_from_the_cache_without(
    market, model_dir, tmp_path, run_cli, monkeypatch
):

    monkeypatch.setenv("RANKING_CACHE_DIR", str(tmp_path / "cache"))
    export, photos, first = _catalog_with_images(market, tmp_path)
    args = ["audit", str(export), str(first), "--model", str(model_dir)]
    args += ["--format", "json"]
    before = run_cli(*args)
    widened = run_cli(*args, "--images-root", photos)
    again = run_cli(*args)
    assert before.exit_code == widened.exit_code == again.exit_code == 0
    weights = [json.loads(r.stdout)["weight"] for r in (before, widened, again)]
    assert weights[0] == weights[2] != weights[1]
