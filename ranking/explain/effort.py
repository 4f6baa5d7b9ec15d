"""The effort table: what each factor's fix costs an operator, in rough
days of work. ``--by gain-per-effort`` ranks fixes by it and
``--target-rank`` looks for the least-effort set; ``--effort FILE`` gives
another (:func:`load_effort`)."""

from __future__ import annotations

import json
from pathlib import Path

from ranking.errors import RankingError
from ranking.messages import Said
from ranking.model.features import FACTORS

#: Default effort units of each factor's fix, for ``--by gain-per-effort``:
#: roughly days of an operator's work. Media and a category move are an
#: afternoon; DSR and reviews take weeks of service; sales and buyers, a
#: campaign.
DEFAULT_EFFORT: dict[str, float] = {
    "monthly_sales": 5.0,
    "payer_count": 5.0,
    "favorites_cart": 3.0,
    "review_quality": 4.0,
    "dsr": 3.0,
    "category_fit": 1.0,
    "main_video": 1.0,
    "white_bg_image": 1.0,
}


class EffortError(RankingError):
    """An effort table that cannot be used."""


def load_effort(path: str | Path) -> dict[str, float]:
    """An effort table from a small file: JSON ``{"dsr": 2, ...}`` or CSV with
    ``factor,effort`` rows. Factors it leaves out keep their default."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise EffortError(
            Said("error.unreadable", path=path, why=error.strerror)
        ) from None
    try:
        if path.suffix.lower() == ".json":
            given = json.loads(text)
        else:
            rows = [line.split(",") for line in text.splitlines() if line.strip()]
            if rows and rows[0][0].strip().lower() == "factor":
                rows = rows[1:]
            given = {row[0].strip(): row[1].strip() for row in rows}
    except (ValueError, IndexError):
        raise EffortError(Said("error.effort_form", path=path)) from None
    table = dict(DEFAULT_EFFORT)
    for factor, value in given.items():
        if factor not in DEFAULT_EFFORT:
            raise EffortError(
                Said(
                    "error.effort_factor",
                    path=path,
                    factor=factor,
                    factors=", ".join(FACTORS),
                )
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not number > 0:
            raise EffortError(
                Said("error.effort_value", path=path, factor=factor, value=value)
            )
        table[factor] = number
    return table
