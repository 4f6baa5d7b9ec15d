"""Media: main-image video, and a white-background main image.

When an export gives ``main_image`` paths but no ``has_white_bg_image``
column, the white background is measured from the image itself: platforms
want a pure white (near #FFFFFF), uniform background with the product clear
of the frame. :func:`is_white_background` checks exactly that on a
downscaled copy: the outer border band is near-white and uniform, and the
outermost ring is untouched by the product.

An export is not trusted to name only images: a ``main_image`` is read only
when it is a regular file inside the export's folder, or inside the folder the
user names with ``--images-root`` (no FIFO or device that would hang the run,
no ``../../etc/passwd``), of at most
:data:`MAX_IMAGE_BYTES`, whose header declares at most :data:`MAX_PIXELS`
after JPEG's reduced decoding (a decompression bomb is refused before any
pixel is decoded). A refused or unreadable image costs its listing's white
background (unknown), never the run; refusals are told in one log line.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from ranking.model.features.common import column

LOG = logging.getLogger(__name__)

#: A channel value at or above this is "white" (JPEG noise included).
WHITE_LEVEL = 235
#: Largest channel spread of a white pixel (grey-ish, not a pale colour).
MAX_SPREAD = 12
#: Border band width, as a share of the shorter side.
BAND = 0.06
#: Share of the band that must be white, and of the outermost ring.
BAND_WHITE = 0.96
RING_WHITE = 0.985
ANALYSE_SIZE = 256
#: Largest image file read: a product photo is a few MB; more is not one.
MAX_IMAGE_BYTES = 40 * 2**20
#: Largest image decoded, in pixels (after JPEG draft): 25 MP is ~75 MB as
#: RGB; a 12000×12000 PNG (144 MP) cost 1.4 GB. Far above any product photo.
MAX_PIXELS = 25_000_000


class RefusedImage(Exception):
    """An image that is not read, and why (one line)."""


def image_folders(root) -> tuple[Path, tuple[Path, ...]]:
    """``(start, allowed)`` of an image root: the folder relative
    ``main_image`` paths start at, and the folders images may be read from.
    A root is a folder (both at once: the export's), or a tuple
    ``(export's folder, folder the user widened reads to, ...)``."""
    if isinstance(root, tuple):
        return Path(root[0]), tuple(Path(r) for r in root)
    return Path(root), (Path(root),)


def read_image_file(path: str | Path, root=None) -> bytes:
    """The bytes of the image at ``path``, refused (:class:`RefusedImage`)
    unless it is a regular file of at most :data:`MAX_IMAGE_BYTES` inside
    ``root`` (when given: a folder, or a tuple of folders as
    :func:`image_folders` reads it; symlinks are followed before the
    check)."""
    path = Path(path)
    if root is not None:
        _, allowed = image_folders(root)
        try:
            resolved = path.resolve()
            inside = any(resolved.is_relative_to(a.resolve()) for a in allowed)
        except (OSError, ValueError):  # a NUL byte, a symlink loop
            raise RefusedImage("not a usable path") from None
        if not inside:
            raise RefusedImage(
                "outside the export's folder"
                + (" and --images-root" if len(allowed) > 1 else "")
                + " (--images-root DIR allows another)"
            )
        path = resolved
    try:
        # stat first: a FIFO is never opened (opening one blocks until a
        # writer comes); O_NONBLOCK and fstat cover a swap between the two.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise RefusedImage("not a regular file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise RefusedImage("no such file") from None
    except OSError as error:
        raise RefusedImage(error.strerror or "cannot be opened") from None
    except ValueError:  # a NUL byte in the path
        raise RefusedImage("not a usable path") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedImage("not a regular file")
        if info.st_size > MAX_IMAGE_BYTES:
            raise RefusedImage(f"larger than {MAX_IMAGE_BYTES // 2**20} MB")
        parts, left = [], MAX_IMAGE_BYTES + 1  # the file may grow while read
        while left > 0 and (part := os.read(fd, min(left, 2**20))):
            parts.append(part)
            left -= len(part)
    except OSError as error:
        raise RefusedImage(error.strerror or "cannot be read") from None
    finally:
        os.close(fd)
    if left <= 0:
        raise RefusedImage(f"larger than {MAX_IMAGE_BYTES // 2**20} MB")
    return b"".join(parts)


def decode_small(data: bytes) -> np.ndarray:
    """The image in ``data`` as an RGB array at most ANALYSE_SIZE a side,
    decoded with bounded memory: JPEG at a reduced scale (draft), anything
    declaring more than :data:`MAX_PIXELS` refused from its header."""
    with warnings.catch_warnings():
        # Pillow's own bomb warning (above 89 MP) is noise: MAX_PIXELS is
        # lower and refuses first. (catch_warnings is not thread-safe; the
        # worst a race does is leave this ignore filter installed: harmless.)
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise RefusedImage("a decompression bomb (too many pixels)") from None
    with image:
        image.draft("RGB", (ANALYSE_SIZE, ANALYSE_SIZE))  # JPEG: 1/2..1/8 scale
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise RefusedImage(
                f"{width}×{height} pixels, above the {MAX_PIXELS:,} decoded"
            )
        rgb = image.convert("RGB")
        rgb.thumbnail((ANALYSE_SIZE, ANALYSE_SIZE))
        return np.asarray(rgb, dtype=np.int16)


def white_background(path: str | Path, root=None) -> bool:
    """:func:`is_white_background`, raising :class:`RefusedImage` (with why)
    where the image is not read."""
    data = read_image_file(path, root)
    try:
        pixels = decode_small(data)
    except RefusedImage:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder failure is this file's
        # Pillow raises OSError, ValueError, SyntaxError, EOFError, struct.error
        # ... on malformed files; one bad file must not cost the run.
        raise RefusedImage(f"not a readable image ({type(error).__name__})") from None
    return _judge(pixels)


def is_white_background(path: str | Path, root=None) -> bool | None:
    """True if the image at ``path`` has a white background, None if it cannot
    be read or is refused (see :func:`white_background`).

    >>> from PIL import Image
    >>> import tempfile, os
    >>> file = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.new("RGB", (100, 100), "white").save(file)
    >>> is_white_background(file)
    True
    """
    try:
        return white_background(path, root)
    except RefusedImage:
        return None


def _judge(pixels: np.ndarray) -> bool:
    height, width, _ = pixels.shape
    band = max(1, round(min(height, width) * BAND))
    white = (pixels.min(axis=2) >= WHITE_LEVEL) & (
        pixels.max(axis=2) - pixels.min(axis=2) <= MAX_SPREAD
    )
    frame = np.ones((height, width), dtype=bool)
    frame[band:-band, band:-band] = False
    ring = np.ones((height, width), dtype=bool)
    ring[1:-1, 1:-1] = False
    return bool(white[frame].mean() >= BAND_WHITE and white[ring].mean() >= RING_WHITE)


def measure_white_backgrounds(paths: pd.Series, root) -> pd.Series:
    """:func:`is_white_background` for each path (relative to ``root``'s
    start, and inside one of its folders: :func:`image_folders`); NaN where
    the path is empty or the file is not read. Files
    refused for what they are (not a missing file: that is common and says
    nothing of the export) are told in one warning line."""
    result = pd.Series(np.nan, index=paths.index, dtype="float64")
    refused: list[str] = []
    start, _ = image_folders(root)
    for index, path in paths.dropna().items():
        try:
            result[index] = float(white_background(start / str(path), root))
        except RefusedImage as why:
            if str(why) != "no such file":
                refused.append(f"{path}: {why}")
    if refused:
        LOG.warning(
            "main_image: %d image(s) not read, their white background is "
            "unknown (first: %s)",
            len(refused),
            refused[0],
        )
    return result


def extract(data: pd.DataFrame, image_root=None) -> pd.DataFrame:
    """``has_main_video`` and ``has_white_bg_image`` as 1/0 (NaN unknown); the
    white background is measured from ``main_image`` files where the export
    does not say (``image_root``: see :func:`image_folders`)."""
    out = pd.DataFrame(index=data.index)
    out["has_main_video"] = column(data, "has_main_video")
    white = column(data, "has_white_bg_image")
    if white.isna().any() and "main_image" in data.columns and image_root is not None:
        todo = white.isna() & data["main_image"].notna()
        white[todo] = measure_white_backgrounds(data["main_image"][todo], image_root)
    out["has_white_bg_image"] = white
    return out
