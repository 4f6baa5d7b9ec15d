"""Category fit: does the title belong in the category the listing is placed in?

The probabilities come from the catalog profile's title model
(:mod:`ranking.model.features.title_model`, fitted once per catalog on a bounded
sample and cross-fitted inside it, so no listing vouches for itself); this
module turns them into the model's two features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def extract(data: pd.DataFrame, fit: pd.DataFrame) -> pd.DataFrame:
    """Model features of the rows of ``data`` from their
    ``CatalogProfile.title_fit`` (``fit``, the same rows): the placed
    category's probability, and how much better the best category fits (log
    odds, 0 when the placed one is best)."""
    out = pd.DataFrame(index=fit.index)
    out["title_fit"] = fit["title_fit"]
    eps = 1e-4
    margin = np.log(fit["best_prob"] + eps) - np.log(fit["title_fit"] + eps)
    out["fit_margin"] = margin.clip(lower=0)
    return out
