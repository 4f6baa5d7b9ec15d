"""The slow-leak test of a history (why this test:
:mod:`ranking.explain.history`): each step's standardised,
category-relative log moves of the counts that leak, and the Bonferroni
cut-off their windowed sums must pass."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Most steps a leak's window spans (the test looks back this far).
WINDOW = 8
#: Fewest steps a leak's window spans: one or two falls are the drop test's.
MIN_STEPS = 3
#: A step's residual counts at most this much: one sudden fall is no trend.
CLIP = 3.5
#: Chance, at most, of any false leak in one step (Bonferroni).
ALPHA = 0.05
#: Counts that leak, each with the factor it belongs to; judged per visitor
#: when the export has visitors.
LEAK_SIGNALS: dict[str, str] = {
    "monthly_sales": "monthly_sales",
    "payer_count": "payer_count",
    "favorites": "favorites_cart",
    "add_to_cart": "favorites_cart",
    "visitors": "payer_count",
}
#: Bands of the count a listing had (0–4, 5–19, 20–99, 100–499, 500+):
#: listings in one band share one noise scale.
BANDS = (0, 5, 20, 100, 500)


def leak_residuals(old: pd.DataFrame, new: pd.DataFrame, category) -> pd.DataFrame:
    """Per listing (rows aligned) and leak signal (:data:`LEAK_SIGNALS` the
    exports carry): the step's standardised, category-relative log move —
    per visitor where the exports carry visitors (the listing's own traffic
    taken out), else of the count — clipped to ±:data:`CLIP`; NaN where a
    side is unknown."""
    key = pd.factorize(np.asarray(category, dtype=object))[0]
    per_visitor = "visitors" in old.columns and "visitors" in new.columns
    out = {}
    for name in LEAK_SIGNALS:
        if name not in old.columns or name not in new.columns:
            continue
        before = old[name].reset_index(drop=True).astype("float64")
        after = new[name].reset_index(drop=True).astype("float64")
        move = np.log((after + 0.5) / (before + 0.5))
        if per_visitor and name != "visitors":
            v_old = old["visitors"].reset_index(drop=True).astype("float64")
            v_new = new["visitors"].reset_index(drop=True).astype("float64")
            move = move - np.log((v_new + 0.5) / (v_old + 0.5))
        move = move.where(before.notna() & after.notna())
        centred = move - move.groupby(key).transform("median")
        # By the count it had: a listing that fell stays among its peers.
        band = np.searchsorted(BANDS, before.fillna(0), side="right")
        spread = 1.4826 * centred.abs().groupby(band).transform("median")
        z = centred / spread.clip(lower=0.01)
        out[name] = z.clip(-CLIP, CLIP).to_numpy()
    return pd.DataFrame(out)


def leak_threshold(listings: int, signals: int) -> float:
    """The windowed sum's cut-off: Bonferroni over every listing, signal and
    window length tested in one step, at :data:`ALPHA`."""
    from scipy.stats import norm

    tests = max(listings, 1) * max(signals, 1) * (WINDOW - MIN_STEPS + 1)
    return float(norm.ppf(ALPHA / tests))


__all__ = [
    "ALPHA",
    "BANDS",
    "CLIP",
    "LEAK_SIGNALS",
    "MIN_STEPS",
    "WINDOW",
    "leak_residuals",
    "leak_threshold",
]
