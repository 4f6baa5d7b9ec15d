"""What a page needs to redo ``audit --what-if`` without this package: data.

The report's cards recompute a listing's weight, waterfall, blockers, ranks
and reach-a-rank plan in the browser when an operator changes a raw signal.
Nothing of that is computed twice in spirit: the page gets the model's
fitted state as numbers — the feature table (:func:`feature_table`, each
feature's inputs, transform and yardstick), the shapes' knots and terms, the
0–100 scale, the learned cliffs, the catalog's yardsticks, mean terms and fix
targets per category — and each card its listing's raw values, features and
title → category fit for every category it may be moved to. A small script
(:mod:`ranking.present.whatif_page`) evaluates them; a browser test holds it to
``audit --what-if`` and ``audit --target-rank``.

Page data is written once per page (every card shares the catalog's
yardsticks), card data once per card.

>>> shared = page_data(prepared)                       # doctest: +SKIP
>>> card = card_data(prepared, scored, at, rivals)     # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ranking.explain import fixes
from ranking.model.cliffs import cliffs_by_factor
from ranking.model.features import FEATURES, feature_table, reviews
from ranking.model.features.common import categories, column
from ranking.model.features.engagement import RATE_FLOOR
from ranking.reading import schema

#: The raw signals a card offers to change: every signal a feature reads but
#: the title, the listing date and a Best Sellers Rank (what an operator
#: does not change by working on the listing), and the category.
EDITABLE: tuple[str, ...] = tuple(
    name
    for name in schema.SIGNALS
    if name == "category"
    or (
        any(name in f.inputs for f in FEATURES)
        and name not in {"title", "listed_at", "sales_rank"}
    )
)
#: How each editable signal is entered and checked in the page, by its
#: column kind (:mod:`ranking.reading.kinds`).
KIND_OF = {
    name: schema.KINDS[schema.COLUMNS_BY_NAME[name].kind].name for name in EDITABLE
}


def _number(value) -> float | None:
    """A float for JSON, None for unknown (NaN, inf, missing)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _numbers(values) -> list[float | None]:
    return [_number(v) for v in np.asarray(values, dtype="float64")]


def page_data(prepared, effort: dict[str, float] | None = None) -> dict:
    """The catalog's and the model's state every card of a page shares."""
    model, profile = prepared.model, prepared.profile
    additive = model.additive
    reference = profile.reference
    names = list(reference.centers.index.astype(str))
    scores = prepared.scores
    typical = scores.mean_terms.reindex(names)
    targets = profile.targets.astype("float64").reindex(names)
    sizes = profile.sizes.reindex(names).fillna(0)
    return {
        "table": feature_table(),
        "model": {
            "features": list(additive.features),
            "knots": [_numbers(k) for k in additive.knots],
            "shapes": [_numbers(s) for s in additive.shapes],
            "intercept": additive.intercept,
            "center": model.center,
            "scale": model.scale,
        },
        "cliffs": {
            factor: [
                {
                    "feature": c.feature,
                    "direction": c.direction,
                    "threshold": c.threshold,
                    "cleared": c.cleared,
                }
                for c in found
            ]
            for factor, found in cliffs_by_factor(model.cliffs).items()
        },
        "categories": names,
        "sizes": [int(n) for n in sizes],
        "centers": {q: _numbers(reference.centers[q]) for q in reference.centers},
        "overall": {q: _number(v) for q, v in reference.overall.items()},
        "typical": {f: _numbers(typical[f]) for f in typical.columns},
        "typical_overall": {f: _number(v) for f, v in scores.mean_terms.mean().items()},
        "targets": {t: _numbers(targets[t]) for t in targets.columns},
        "fallback_targets": {
            t: _number(v) for t, v in profile.fallback_targets.items()
        },
        "constants": {
            "prior_reviews": reviews.PRIOR_REVIEWS,
            "stars_spread": reviews.STARS_SPREAD,
            "rate_floor": RATE_FLOOR,
            "misfit_odds": fixes.MISFIT_ODDS,
            "misfit_max_fit": fixes.MISFIT_MAX_FIT,
            "min_category_evidence": fixes.MIN_CATEGORY_EVIDENCE,
            "min_gain": fixes.MIN_GAIN,
            "fit_eps": 1e-4,
        },
        "effort": dict(effort or fixes.DEFAULT_EFFORT),
        "fix_order": list(fixes.FIX_ORDER),
        "kinds": dict(KIND_OF),
    }


def category_fits(prepared, row: pd.DataFrame) -> dict[str, list]:
    """The listing's title → category fit were it placed in each category
    of the catalog: ``[title_fit, best_prob, best_category]`` per category,
    as :meth:`CatalogProfile.title_fit` gives them (cross-fitted for its own
    placement, the fitted model's for any other)."""
    names = list(prepared.profile.reference.centers.index.astype(str))
    if not names:
        return {}
    copies = pd.concat([row] * len(names), ignore_index=True)
    copies["category"] = pd.array(names, dtype="string")
    fit = prepared.profile.title_fit(copies)
    return {
        name: [
            _number(fit.at[k, "title_fit"]),
            _number(fit.at[k, "best_prob"]),
            None
            if pd.isna(fit.at[k, "best_category"])
            else str(fit.at[k, "best_category"]),
        ]
        for k, name in enumerate(names)
    }


def card_data(prepared, scored, at, rivals: list[dict] | None = None) -> dict:
    """One card's listing: its raw values of :data:`EDITABLE` (as the model
    reads them; unknown ones left out), its features and scores now, its fit
    for every category, and per keyword its observed rank and rivals'
    weights (``rivals``: :func:`ranking.explain.placement.keyword_rivals`)."""
    data = scored.data.loc[[at]]
    values: dict[str, object] = {}
    for name in EDITABLE:
        if name == "category":
            values[name] = str(categories(data).iloc[0])
        elif name in data.columns:
            number = _number(column(data, name).iloc[0])
            if number is not None:
                values[name] = number
    row = data.copy()
    return {
        "listing_id": str(data["listing_id"].iloc[0]),
        "values": values,
        "features": {name: _number(v) for name, v in scored.features.loc[at].items()},
        "raw": float(pd.Series(scored.raw, index=scored.data.index)[at]),
        "weight": float(scored.weight[at]),
        "fits": category_fits(prepared, row),
        "keywords": [
            {
                "keyword": str(seen["keyword"]),
                "observed": seen["observed"],
                "below": seen["below"],
                "rivals": [round(float(w), 6) for w in seen["rivals"]],
            }
            for seen in (rivals or [])
        ],
    }
