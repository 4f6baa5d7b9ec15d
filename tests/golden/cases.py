"""What the commands write today, kept to prove a redesign changes none of it
(issue 23: "golden outputs recorded before you start").

Each case is one command line, run from the repository root with relative
paths (so no absolute path reaches an output), and the files it writes. A
case's recorded files live in ``tests/golden/<case>/``; ``stdout`` is the
command's standard output. ``python tests/golden/record.py`` records them
again — only when a change is meant to alter an output, and the commit says
which and why.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent

#: A weak listing of the shipped sample (Makefile's DEMO_LISTING).
LISTING = "678162712529"
SHOP = "tests/fixtures/shop"
MARCH = f"{SHOP}/【生意参谋平台】商品_全部_2026-03-01_2026-03-31.xlsx"
FEBRUARY = f"{SHOP}/【生意参谋平台】商品_全部_2026-02-01_2026-02-28.xlsx"
JOINED = [MARCH, f"{SHOP}/taobao_assistant_items.csv", f"{SHOP}/reviews.csv"]
SHOP_LISTING = "712345678901"  # the first row of the fixture's reviews.csv
SHOP_DSR = [
    "--set",
    "dsr_description=4.8",
    "--set",
    "dsr_service=4.8",
    "--set",
    "dsr_logistics=4.7",
]

#: name → (arguments with ``{out}`` for the output folder, files written there)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "score_csv": (
        ["score", "data/catalog_backoffice.csv", "-o", "{out}/scored.csv"],
        ["scored.csv", "scored.rejects.csv"],
    ),
    "score_parquet": (
        ["score", "data/catalog.csv", "-o", "{out}/scored.parquet"],
        ["scored.parquet"],
    ),
    "audit_json": (
        ["audit", "data/catalog_backoffice.csv", LISTING, "--ranks", "data/ranks.csv"]
        + ["--format", "json"],
        [],
    ),
    "audit_what_if_json": (
        ["audit", "data/catalog_backoffice.csv", LISTING, "--ranks", "data/ranks.csv"]
        + ["--what-if", "has_main_video=1", "--what-if", "dsr_service=4.9"]
        + ["--format", "json"],
        [],
    ),
    "audit_text_zh": (
        ["audit", "data/catalog_backoffice.csv", LISTING, "--ranks", "data/ranks.csv"]
        + ["--lang", "zh"],
        [],
    ),
    "audit_text_en": (
        ["audit", "data/catalog_backoffice.csv", LISTING, "--ranks", "data/ranks.csv"]
        + ["--by", "gain-per-effort", "--lang", "en"],
        [],
    ),
    "diff_csv": (
        ["diff", "data/catalog.csv", "data/catalog_next_week.csv"]
        + ["-o", "{out}/diff.csv", "--lang", "en"],
        ["diff.csv"],
    ),
    "diff_json": (
        ["diff", "data/catalog.csv", "data/catalog_next_week.csv"]
        + ["--format", "json"],
        [],
    ),
    "check_json": (
        ["check", "data/catalog_backoffice.csv", "--format", "json"]
        + ["--rejects", "{out}/rejects.csv"],
        ["rejects.csv"],
    ),
    "check_text_zh": (["check", "data/catalog_backoffice.csv", "--lang", "zh"], []),
    "report_en": (
        ["report", "data/catalog_next_week.csv", "-o", "{out}/report.html"]
        + ["--ranks", "data/ranks.csv", "--old", "data/catalog.csv"]
        + ["--listing", LISTING, "--lang", "en"],
        ["report.html"],
    ),
    "shop_score_csv": (
        ["score", *JOINED, *SHOP_DSR, "-o", "{out}/scored.csv"],
        ["scored.csv"],
    ),
    "shop_check_json": (["check", *JOINED, *SHOP_DSR, "--format", "json"], []),
    "shop_audit_json": (
        ["audit", *JOINED, *SHOP_DSR, SHOP_LISTING, "--format", "json"],
        [],
    ),
    "shop_diff_csv": (
        ["diff", FEBRUARY, MARCH, "-o", "{out}/diff.csv", "--lang", "en"],
        ["diff.csv"],
    ),
    "shop_report_zh": (
        ["report", *JOINED, *SHOP_DSR, "-o", "{out}/report.html", "--lang", "zh"],
        ["report.html"],
    ),
}


def arguments(name: str, out: Path) -> list[str]:
    args, _ = CASES[name]
    return [a.format(out=out) for a in args]


def comparable(file_name: str, data: bytes) -> bytes:
    """The bytes compared: the one part of an output that differs between two
    runs, a report's date of making (today's date), masked; the rest as
    written."""
    if file_name.endswith(".html"):
        return data.replace(dt.date.today().isoformat().encode(), b"<today>")
    return data
