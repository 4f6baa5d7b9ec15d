"""The real Tmall beauty panel (shared/realdata/tmall_daily) as one export per
day, the way an operator scraping the pages daily would keep it.

The panel stacks 10 daily snapshots in one file; ``ranking diff`` compares two
exports, so each day is written on its own, in the panel's encoding (GB18030).
Headers stay the page's own where the reader knows them (``title``,
``price``, ``comment_count`` → review_count); ``id`` and ``sale_count`` are
renamed to the canonical ``listing_id`` and ``monthly_sales`` here rather
than made aliases: a bare ``id`` names a row number as often as a listing in
real files, and no back office writes either. ``店名`` and ``update_time``
pass through. Not part of the product: the reader has no notion of a panel.

Run: ``.venv/bin/python tests/tmall_daily.py OUT_DIR`` writes
``OUT_DIR/2016-11-05.csv`` … ``2016-11-14.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

PANEL = Path("tmall_daily") / "tmall_double11_beauty_2016.csv"
RENAMED = {"id": "listing_id", "sale_count": "monthly_sales"}


def split_days(panel: Path, folder: Path) -> dict[str, Path]:
    """One CSV per ``update_time`` (ISO date → path), rows as in the panel;
    ``update_time`` is kept so a day's file says which day it is."""
    # As text: the files must carry the page's cells, not pandas' reading.
    frame = pd.read_csv(panel, encoding="gb18030", dtype=str, keep_default_na=False)
    frame = frame.rename(columns=RENAMED)
    day = pd.to_datetime(frame["update_time"], format="%Y/%m/%d").dt.strftime(
        "%Y-%m-%d"
    )
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, rows in frame.groupby(day, sort=True):
        path = folder / f"{name}.csv"
        rows.to_csv(path, index=False, encoding="gb18030")
        out[name] = path
    return out


if __name__ == "__main__":
    realdata = Path(__file__).resolve().parents[2] / "shared" / "realdata"
    for name, path in split_days(realdata / PANEL, Path(sys.argv[1])).items():
        print(name, path)
