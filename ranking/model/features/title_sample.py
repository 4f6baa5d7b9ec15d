"""The bounded sample the title model is fitted on: the rows with the
smallest keys, overall and per category, so that which rows are taken
depends on the keys alone (never on the row order or the catalog's size
beyond the sample's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample_mask(
    category: np.ndarray, keys: np.ndarray, total: int, floor: int
) -> np.ndarray:
    """Rows of the bounded training sample.

    A row is in the sample if its key is among the ``total`` smallest keys of
    all rows, or among the ``floor`` smallest keys of its category (missing
    categories count as one). Every row whose key equals the last key taken
    is taken too, so the sample depends on the keys alone, never on the row
    order.

    Parameters
    ----------
    category : numpy.ndarray
        Each row's category.
    keys : numpy.ndarray of uint64
        Each row's key (:func:`ranking.model.features.common.listing_keys`).
    total, floor : int
        Sizes of the overall and the per-category part; 0 takes none.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> keys = np.array([5, 1, 9, 7, 3], dtype=np.uint64)
    >>> category = np.array(["a", "a", "b", "b", "b"])
    >>> sample_mask(category, keys, total=1, floor=1).tolist()
    [False, True, False, False, True]
    >>> sample_mask(category, keys, total=3, floor=0).tolist()
    [True, True, False, False, True]
    """
    keys = np.asarray(keys, dtype=np.uint64)
    taken = np.zeros(len(keys), dtype=bool)
    if len(keys) == 0:
        return taken
    if total > 0:
        last = min(total, len(keys)) - 1
        taken |= keys <= np.partition(keys, last)[last]
    if floor > 0:
        codes = pd.factorize(
            pd.Series(np.asarray(category, dtype=object)), use_na_sentinel=False
        )[0]
        order = np.lexsort((keys, codes))
        grouped = codes[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        threshold = np.zeros(codes.max() + 1, dtype=np.uint64)
        threshold[grouped[starts]] = keys[order][starts + np.minimum(sizes, floor) - 1]
        taken |= keys <= threshold[codes]
    return taken
