"""Do more reviews and more stars go with a higher place on real Amazon pages?

The weight model hard-codes monotonic constraints: more reviews and a better
rating never lower a listing's weight. The Markup's pairwise set (real Amazon
US first pages, 2021; `shared/realdata/amazon_markup/`) says, for 1,415 pairs of
products on the same page, which was placed higher and by how much their
stars and review counts differ. This prints how often the product with more
reviews (more stars) was the one placed higher, with a binomial 95% interval,
beside the Amazon-brand flag the authors found to dominate. A share above 0.5
supports the constraint's direction; it cannot measure its size.

Run: ``.venv/bin/python bench/amazon_directions.py``
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest

DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/realdata/amazon_markup/pairwise_training_set.csv.gz"
)


def agreement(delta: pd.Series, higher: pd.Series) -> tuple[int, float, tuple]:
    """Pairs where ``delta`` is non-zero, and how often its sign picks the
    product placed higher."""
    decided = delta != 0
    if not decided.any():
        return 0, float("nan"), (float("nan"), float("nan"))
    agree = (np.sign(delta[decided]) > 0) == higher[decided]
    test = binomtest(int(agree.sum()), int(decided.sum()))
    interval = test.proportion_ci(confidence_level=0.95)
    return int(decided.sum()), float(agree.mean()), (interval.low, interval.high)


def main() -> None:
    pairs = pd.read_csv(DATA)
    higher = pairs["placed_higher"].astype(bool)
    print(f"# {len(pairs):,} pairs from real Amazon first pages (The Markup, 2021)")
    print(f"{'signal':22} {'pairs':>6} {'agrees':>7} {'95% interval':>16}")
    same_brand = pairs["is_amazon"] == 0
    for label, rows in (
        ("all pairs", slice(None)),
        ("same Amazon-brand flag", same_brand),
    ):
        print(f"-- {label}")
        for name in ("reviews_delta", "stars_delta", "is_amazon", "random_noise"):
            n, share, (low, high) = agreement(pairs.loc[rows, name], higher[rows])
            if n:
                print(f"{name:22} {n:6,} {share:7.3f}   [{low:.3f}, {high:.3f}]")


if __name__ == "__main__":
    main()
