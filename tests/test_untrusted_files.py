"""Files an export or a user hands over are not trusted (spec §5, issue 22):
images an export names, the audit cache, a model directory. Each is read
only when it is what it should be; a bad one costs its own part, never the
run, and never a traceback."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ranking import io
from ranking.features import media


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
    from ranking.scoring import score_table

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
    io.write_table(catalog, source)
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
    from ranking import cache, pipeline
    from ranking.audit import audit

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
