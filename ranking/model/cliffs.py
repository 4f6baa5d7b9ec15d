"""Blockers learned from the weight model: where a shape falls off a cliff.

A platform demotes a listing whose shop DSR is clearly below its peers, or
whose title is in the wrong category, at a threshold it does not publish. The
weight model learns one shape per feature (piecewise linear between knots);
a hidden threshold shows in it as a cliff — much of the shape's whole rise
taken between a few neighbouring knots, worth several weight points.
:func:`find_cliff` finds it, and its threshold is the rises' centre (each
interval's middle weighted by its rise), because the model's smoothness
penalty spreads one jump over the intervals around it; where the ranking
pairs are at hand, :func:`placed` then puts the line where a sharp step
between the cliff's ends explains them best. A threshold the platform
applies to every search shows in every cross-validation fold; a cliff that a
fold's model rises over less than half as much rests on part of the data
only, and raises no blocker (:func:`held_by_folds`).

* **dsr**: the shape of the lowest of a shop's three DSR gaps; a listing is
  blocked when that gap is at or below the learned threshold.
* **category_fit**: the shapes of title fit and fit margin say whether the
  platform punishes a misplaced title and how hard; which titles are
  misplaced is the title model's call (:func:`ranking.explain.fixes.misfits`).

A blocker's cost is the weight the listing would win back were it clear of
the cliff (each cliff feature's term raised to the term just past it). Where
a shape has no cliff, that signal raises no blocker, and the model card says
so.

>>> import numpy as np
>>> knots = np.array([-0.3, -0.2, -0.1, 0.0, 0.1])
>>> shape = np.array([0.0, 0.05, 0.1, 1.05, 1.1, 0.5])  # 5 knots, then missing
>>> cliff = find_cliff("dsr_min_gap", knots, shape, direction=1, scale=0.5)
>>> round(cliff.threshold, 3), round(cliff.height, 2), cliff.high
(-0.05, 0.95, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from ranking.model.cliff_lines import BLOCKING_FACTORS, CLIFF_FEATURES

#: A cliff takes at least this share of the shape's whole rise ...
MIN_SHARE = 0.4
#: ... and costs a listing at the training median at least this many weight
#: points. Measured on simulated catalogs (6 seeds each, ranks-trained): with
#: no DSR penalty the largest window cost 0.6–1.9 points at 20,000 listings
#: (up to 3.7 at 10,000); a penalty of half the shipped one (0.6 units, 0.1
#: below the average) cost 4.6–9.6 points at 20,000 (4.4 and up at 10,000).
MIN_COST = 4.0
#: Each cross-validation fold model rises over a cliff's window by at least
#: this share of the model's rise (both in units of their own scale), or the
#: cliff is not kept. Measured (bench/RESULTS.md, session 14): on simulated
#: markets with a DSR penalty every fold rose at least 0.73 of the model's
#: rise (10,000 and 20,000 listings, 5 folds); on 68 real Taobao search
#: results over two keywords, one fold did not rise at all over the window
#: the model put 26 weight points in.
FOLD_SHARE = 0.5
#: Candidate thresholds :func:`placed` weighs between a cliff's ends.
PLACES = 200
#: Steps next to the largest one belong to the cliff while they are at least
#: this share of it (the smoothness penalty spreads one jump over a few
#: bins) ...
NEIGHBOUR_SHARE = 0.1
#: ... and at least this many times the shape's mean step: a steady rise,
#: however tall, is a slope and not a cliff.
SPIKE = 3.0


@dataclass(frozen=True)
class Cliff:
    """A learned threshold. For an increasing shape, values at or below
    ``threshold`` are past the cliff; for a decreasing one, values above it.
    ``height`` is the raw score the whole cliff takes, ``share`` its part of
    the shape's rise, ``low``/``high`` the knots it spans, and ``cleared``
    the term of a value just clear of it."""

    feature: str
    factor: str
    direction: int
    threshold: float
    height: float
    share: float
    low: float
    high: float
    cleared: float

    def to_dict(self) -> dict:
        return asdict(self)

    def past(self, values: np.ndarray) -> np.ndarray:
        """True where a value is past the cliff (unknown values never are)."""
        values = np.asarray(values, dtype="float64")
        with np.errstate(invalid="ignore"):
            if self.direction >= 0:
                return values <= self.threshold
            return values > self.threshold


def find_cliff(
    feature: str,
    knots: np.ndarray,
    shape: np.ndarray,
    direction: int = 1,
    scale: float = 1.0,
) -> Cliff | None:
    """The cliff of one learned shape, or None where it has none.

    ``knots`` and ``shape`` are as :class:`~ranking.model.weight.AdditiveShapes`
    keeps them (the term at each knot, then the missing value's); step ``i``
    is the rise from knot ``i`` to knot ``i + 1``. ``scale`` is the model's
    (raw score per unit of the weight's logistic curve), which turns a
    cliff's height into weight points.
    """
    knots = np.asarray(knots, dtype="float64")
    terms = np.asarray(shape, dtype="float64")[: len(knots)]
    if len(knots) < 2:
        return None
    sign = 1 if direction >= 0 else -1
    steps = sign * np.diff(terms)
    # The shape's rise over the bulk of the listings: the first and last
    # intervals reach the few most extreme values, where a continuous shape
    # extrapolates a slope no threshold explains.
    first, last = (1, len(steps) - 2) if len(steps) >= 5 else (0, len(steps) - 1)
    inner = steps[first : last + 1]
    rise = inner[inner > 0].sum()
    top = first + int(np.argmax(inner))
    floor = max(NEIGHBOUR_SHARE * steps[top], SPIKE * rise / len(inner))
    if rise <= 0 or steps[top] < floor:
        return None
    low = high = top
    while low > first and steps[low - 1] >= floor:
        low -= 1
    while high < last and steps[high + 1] >= floor:
        high += 1
    window = slice(low, high + 1)
    height = float(steps[window].sum())
    share = height / rise
    if share < MIN_SHARE or median_cost(height, scale) < MIN_COST:
        return None
    # Each step's middle weighted by its rise: where one jump, spread by
    # smoothing over the intervals around it, was centred.
    middles = (knots[1:] + knots[:-1]) / 2
    threshold = float(np.average(middles[window], weights=steps[window]))
    cleared = terms[high + 1] if sign > 0 else terms[low]
    return Cliff(
        feature,
        CLIFF_FEATURES.get(feature, ("", 0))[0],
        sign,
        threshold,
        height,
        float(share),
        float(knots[low]),
        float(knots[high + 1]),
        float(cleared),
    )


def placed(
    cliff: Cliff,
    knots: np.ndarray,
    shape: np.ndarray,
    values: np.ndarray,
    raw: np.ndarray,
    pairs: np.ndarray,
    candidates: int = PLACES,
) -> Cliff:
    """``cliff`` with its threshold where a sharp step between its ends best
    explains the observed pairs.

    The learned shape spreads one hidden threshold over the knots around it,
    and its centre is only as sharp as they are: in a thin tail (a DSR 0.12
    below its category's, one listing in nine past it) quantile knots are
    wide there, and the centre landed up to 0.01 off, missing a fifth of the
    listings the platform demoted. So each candidate threshold between the
    cliff's ends (midpoints between the training values there, at most
    ``candidates`` of them) replaces the shape over the window with a step
    from its term at one end to its term at the other, everything else as
    fitted; the one with the least pairwise logistic loss (``pairs``: rows,
    higher-ranked first; ``raw``: the model's score of every row) is kept.

    >>> knots = np.array([0.0, 1.0, 2.0, 3.0])
    >>> shape = np.array([0.0, 0.0, 2.0, 2.0, 0.0])  # a cliff over 1 … 2
    >>> cliff = find_cliff("dsr_min_gap", knots, shape, 1, scale=0.5)
    >>> values = np.array([0.5, 1.2, 1.4, 1.6, 1.8, 2.5])
    >>> raw = np.interp(values, knots, shape[:-1])
    >>> # Pairs say 1.4 and up belong above 1.2 and below: a step at 1.3.
    >>> pairs = np.array([[2, 1], [3, 1], [4, 1], [2, 0], [5, 1]] * 3)
    >>> step = placed(cliff, knots, shape, values, raw, pairs)
    >>> round(cliff.threshold, 2), round(step.threshold, 2)
    (1.5, 1.3)
    """
    knots = np.asarray(knots, dtype="float64")
    terms = np.asarray(shape, dtype="float64")[: len(knots)]
    values = np.asarray(values, dtype="float64")
    inside = np.isfinite(values) & (values >= cliff.low) & (values <= cliff.high)
    distinct = np.unique(values[inside])
    if len(distinct) < 2 or len(pairs) == 0:
        return cliff
    middles = (distinct[1:] + distinct[:-1]) / 2
    if len(middles) > candidates:
        middles = np.unique(np.quantile(middles, np.linspace(0, 1, candidates)))
    touching = inside[pairs[:, 0]] | inside[pairs[:, 1]]
    higher, lower = pairs[touching, 0], pairs[touching, 1]
    if len(higher) == 0:
        return cliff
    rows = np.flatnonzero(inside)
    ends = np.interp([cliff.low, cliff.high], knots, terms)
    fitted = np.interp(values[rows], knots, terms)
    losses = _step_losses(middles, values, rows, fitted, ends, raw, higher, lower)
    return replace(cliff, threshold=float(middles[np.argmin(losses)]))


def _step_losses(thresholds, values, rows, fitted, ends, raw, higher, lower):
    """The pairwise logistic loss of the pairs (``higher``, ``lower``: rows)
    with the window's ``rows`` (their ``fitted`` terms) moved onto a step
    from ``ends[0]`` to ``ends[1]`` at each of ``thresholds``."""
    # Only the window's rows move: each pair's margin as fitted, and where
    # its two rows sit among the window's (the last slot: outside, no move).
    slot = np.full(len(values), len(rows))
    slot[rows] = np.arange(len(rows))
    high_slot, low_slot = slot[higher], slot[lower]
    margin = raw[higher] - raw[lower]
    window = values[rows]
    losses = np.empty(len(thresholds))
    for i, threshold in enumerate(thresholds):
        moved = np.r_[np.where(window <= threshold, *ends) - fitted, 0.0]
        losses[i] = np.logaddexp(0.0, moved[low_slot] - moved[high_slot] - margin).sum()
    return losses


def rise_over(cliff: Cliff, knots: np.ndarray, shape: np.ndarray) -> float:
    """How much ``shape`` (knots' terms, then the missing value's) rises over
    ``cliff``'s window, the better way up."""
    knots = np.asarray(knots, dtype="float64")
    terms = np.asarray(shape, dtype="float64")[: len(knots)]
    low, high = np.interp([cliff.low, cliff.high], knots, terms)
    return float(cliff.direction * (high - low))


def fold_rises(
    cliff: Cliff, scale: float, folds: Sequence[tuple | None]
) -> list[float]:
    """Each fold model's rise over ``cliff``'s window as a share of the
    model's, both in units of their own scale. ``folds``: per fold, its
    ``(knots, shape, scale)`` for the cliff's feature, or None where the
    fold does not have that feature (a rise of 0).

    >>> knots = np.array([0.0, 1.0, 2.0, 3.0])
    >>> cliff = find_cliff("dsr_min_gap", knots, [0, 0, 2, 2, 0], 1, scale=0.5)
    >>> steep = (knots, np.array([0, 0, 1.5, 1.5, 0]), 0.5)
    >>> flat = (knots, np.array([0, 0.6, 1.2, 1.8, 0]), 0.5)  # a slope
    >>> [round(r, 2) for r in fold_rises(cliff, 0.5, [steep, flat, None])]
    [0.75, 0.3, 0.0]
    """
    own = cliff.height / scale
    rises = []
    for fold in folds:
        if fold is None:
            rises.append(0.0)
            continue
        knots, shape, fold_scale = fold
        rises.append(rise_over(cliff, knots, shape) / fold_scale / own)
    return rises


def held_by_folds(
    cliffs: dict[str, Cliff | None],
    scale: float,
    folds: Sequence[tuple[list[str], list[np.ndarray], list[np.ndarray], float]],
) -> tuple[dict[str, Cliff | None], dict[str, tuple[Cliff, list[float]]]]:
    """``cliffs`` with those not every fold model rises over by at least
    :data:`FOLD_SHARE` of the model's rise set to None (no blocker), and
    those, each with its folds' rises (:func:`fold_rises`). ``folds``: the
    cross-validation's fold models (features, knots, shapes and scale each);
    with none, every cliff is kept."""
    held, unheld = dict(cliffs), {}
    if not folds:
        return held, unheld
    for name, cliff in cliffs.items():
        if cliff is None:
            continue
        rises = fold_rises(cliff, scale, [_feature_of(fold, name) for fold in folds])
        if min(rises) < FOLD_SHARE:
            held[name] = None
            unheld[name] = (cliff, rises)
    return held, unheld


def median_cost(height: float, scale: float) -> float:
    """Weight points a fall of ``height`` raw score takes from a listing at the
    training median (weight 50)."""
    return float(100 / (1 + np.exp(-height / scale)) - 50)


def learn_cliffs(
    features: list[str], knots: list[np.ndarray], shapes: list[np.ndarray], scale: float
) -> dict[str, Cliff | None]:
    """The cliff of each of :data:`CLIFF_FEATURES` among the model's
    ``features`` (None: the shape has none, so that signal raises no
    blocker); ``knots`` and ``shapes`` as the model keeps them. Whether the
    cross-validation's folds show it too is :func:`held_by_folds`' call."""
    found = {}
    for feature, (_, direction) in CLIFF_FEATURES.items():
        if feature in features:
            j = features.index(feature)
            found[feature] = find_cliff(feature, knots[j], shapes[j], direction, scale)
    return found


def _feature_of(fold, feature):
    names, knots, shapes, scale = fold
    if feature not in names:
        return None
    j = names.index(feature)
    return knots[j], shapes[j], scale


def cliffs_by_factor(cliffs: dict[str, Cliff | None]) -> dict[str, list[Cliff]]:
    """A model's cliffs, grouped by the factor they block."""
    grouped: dict[str, list[Cliff]] = {factor: [] for factor in BLOCKING_FACTORS}
    for cliff in cliffs.values():
        if cliff is not None:
            grouped[cliff.factor].append(cliff)
    return grouped


def card_entries(
    cliffs: dict[str, Cliff | None], scale: float
) -> dict[str, dict | None]:
    """What the model card records of each cliff (None: no cliff, no
    blocker), with what it costs a listing at the training median
    (``scale``: the model's)."""
    entries: dict[str, dict | None] = {}
    for feature, cliff in cliffs.items():
        if cliff is None:
            entries[feature] = None
            continue
        cost = median_cost(cliff.height, scale)
        entries[feature] = {**cliff.to_dict(), "median_cost": cost}
    return entries


def unheld_entries(
    unheld: dict[str, tuple[Cliff, list[float]]], scale: float
) -> dict[str, dict]:
    """What the model card records of the cliffs not every fold showed
    (:func:`held_by_folds`): each as :func:`card_entries` records a cliff,
    with its folds' rises."""
    entries = card_entries({name: cliff for name, (cliff, _) in unheld.items()}, scale)
    return {
        name: {**entries[name], "fold_rises": rises}
        for name, (_, rises) in unheld.items()
    }
