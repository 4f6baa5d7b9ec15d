"""Media: main-image video, and a white-background main image.

When an export gives ``main_image`` paths but no ``has_white_bg_image``
column, the white background is measured from the image itself: platforms
want a pure white (near #FFFFFF), uniform background with the product clear
of the frame. :func:`is_white_background` checks exactly that on a
downscaled copy: the outer border band is near-white and uniform, and the
outermost ring is untouched by the product.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from ranking.features._common import column

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


def is_white_background(path: str | Path) -> bool | None:
    """True if the image at ``path`` has a white background, None if it cannot
    be read.

    >>> from PIL import Image
    >>> import tempfile, os
    >>> file = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.new("RGB", (100, 100), "white").save(file)
    >>> is_white_background(file)
    True
    """
    try:
        with Image.open(path) as image:
            image.draft("RGB", (ANALYSE_SIZE, ANALYSE_SIZE))
            rgb = image.convert("RGB")
            rgb.thumbnail((ANALYSE_SIZE, ANALYSE_SIZE))
            pixels = np.asarray(rgb, dtype=np.int16)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
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


def measure_white_backgrounds(paths: pd.Series, root: Path) -> pd.Series:
    """:func:`is_white_background` for each path (relative to ``root``); NaN
    where the path is empty or the file cannot be read."""
    result = pd.Series(np.nan, index=paths.index, dtype="float64")
    for index, path in paths.dropna().items():
        measured = is_white_background(root / str(path))
        if measured is not None:
            result[index] = float(measured)
    return result


def extract(data: pd.DataFrame, image_root: Path | None = None) -> pd.DataFrame:
    """``has_main_video`` and ``has_white_bg_image`` as 1/0 (NaN unknown); the
    white background is measured from ``main_image`` files where the export
    does not say."""
    out = pd.DataFrame(index=data.index)
    out["has_main_video"] = column(data, "has_main_video")
    white = column(data, "has_white_bg_image")
    if white.isna().any() and "main_image" in data.columns and image_root is not None:
        todo = white.isna() & data["main_image"].notna()
        white[todo] = measure_white_backgrounds(data["main_image"][todo], image_root)
    out["has_white_bg_image"] = white
    return out
