"""The weight model: a sum of one learned shape function per feature.

Why additive (a GAM) rather than a free-form ensemble — the figures are in
``bench/RESULTS.md``; the design reasons are:

* **exact explanations**: a factor's contribution is the sum of its features'
  terms, with no approximation (SHAP on tree ensembles is approximate, and
  wrong for HistGradientBoosting with categorical splits);
* **cheap what-ifs**: a fix changes a few features, so its gain is the change
  in those terms only;
* **fast scoring**: each shape is piecewise linear between knots placed at
  the feature's quantiles, so scoring is one ``np.interp`` per feature;
* **continuous**: a signal that moves a little moves the weight a little —
  no step edge turns a fold of two reviews into points lost;
* **monotonic where the direction is known**: a shape is a cumulative sum of
  per-interval increments whose sign is bounded (strictly, by
  :data:`MIN_INCREMENT`), so more sales or a better DSR never lower the
  weight, and listings that differ in such a signal never tie on it.

Fitting minimises, with L-BFGS-B under those bounds and an L2 penalty on the
increments (``alpha``: smoothness; ``n_knots``: detail — both chosen by
cross-validation over keyword groups in :mod:`ranking.engines.training`):

* ``pairs`` given (ranks): the pairwise logistic loss over (higher, lower)
  pairs of listings in the same keyword group (RankNet's loss);
* otherwise (``y``, e.g. log search visitors): squared error.

A missing value gets its own learned term per feature: unknown is not zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ranking.model.weight import AdditiveShapes, interval


class AdditiveWeightModel(RegressorMixin, BaseEstimator):
    """Additive monotone model of listing weight.

    Parameters
    ----------
    n_knots : knots per feature (at most), at evenly spaced quantiles.
    alpha : L2 penalty on the increments between knots, per unit of loss.
    directions : per feature, +1 (non-decreasing), -1 (non-increasing) or 0;
        ``None`` means unconstrained everywhere.
    max_iter : L-BFGS-B iterations.
    tol : L-BFGS-B's ``ftol``: stop when the loss improves by less than this
        share (cross-validation's candidates stop earlier than the final fit).
    feature_knots : per feature name, at least this many knots whatever
        ``n_knots`` is (a feature whose shape must be able to show a cliff).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"a": np.arange(100.0), "b": np.r_[np.ones(50), np.zeros(50)]})
    >>> model = AdditiveWeightModel(directions=[1, 0]).fit(X, X["a"] / 10)
    >>> bool(model.predict(X.iloc[[90]])[0] > model.predict(X.iloc[[10]])[0])
    True
    """

    def __init__(
        self,
        n_knots: int = 32,
        alpha: float = 1e-3,
        directions: Sequence[int] | None = None,
        max_iter: int = 500,
        tol: float = 2.2e-9,
        feature_knots: dict[str, int] | None = None,
    ):
        self.n_knots = n_knots
        self.feature_knots = feature_knots
        self.alpha = alpha
        self.directions = directions
        self.max_iter = max_iter
        self.tol = tol

    # ----------------------------------------------------------------- fit
    def fit(
        self,
        X: pd.DataFrame,
        y=None,
        *,
        pairs=None,
        bin_sample=None,
        init=None,
        knots=None,
    ):
        """Fit on features ``X``; with ``pairs`` (an ``(n, 2)`` array of row
        positions, higher-ranked first) fit the pairwise ranking loss, else
        squared error against ``y``. ``bin_sample`` optionally gives the
        feature values knots are placed on (the whole catalog, when only some
        rows are labelled). ``init`` (fitted :class:`AdditiveShapes`) starts
        the search from its shapes where a feature has the same knots: a
        nearby candidate converges in a few iterations. ``knots`` (per
        column, what :meth:`place_knots` gives for its values and count)
        skips placing them again: cross-validation fits the same catalog
        ~100 times."""
        if self.n_knots < 2:
            raise ValueError(f"n_knots is {self.n_knots}, expected at least 2")
        if self.alpha < 0:
            raise ValueError(f"alpha is {self.alpha}, expected ≥ 0")
        X = self._frame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        directions = self._checked_directions()
        self.knots_ = self._feature_knots(X, bin_sample, knots)
        design, pairs = self._design(X, pairs)
        # Per feature: one increment per interval between knots, then the
        # missing value's term.
        sizes = np.array([len(k) for k in self.knots_])
        self._offsets = np.r_[0, np.cumsum(sizes)]
        bounds = _parameter_bounds(directions, self.knots_)
        objective, intercept = self._objective(design, y, pairs)
        start = np.clip(self._start(init), *_bound_arrays(bounds))
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": self.max_iter, "ftol": self.tol},
        )
        self.coef_ = result.x
        self.intercept_ = intercept
        self.n_iter_ = int(result.nit)
        self.shapes_ = self._shapes(self.coef_)
        self._average_unknown_terms(design)
        self.additive_ = AdditiveShapes(
            list(self.feature_names_in_),
            directions,
            self.knots_,
            self.shapes_,
            self.intercept_,
        )
        return self

    def _checked_directions(self) -> np.ndarray:
        """Each feature's direction (+1, -1 or 0; all 0 when ``directions``
        is None), checked to have one entry per feature."""
        directions = (
            np.zeros(self.n_features_in_, dtype=int)
            if self.directions is None
            else np.asarray(self.directions, dtype=int)
        )
        if len(directions) != self.n_features_in_:
            raise ValueError(
                f"directions has {len(directions)} entries for "
                f"{self.n_features_in_} features"
            )
        return directions

    def _feature_knots(self, X: pd.DataFrame, bin_sample, knots) -> list[np.ndarray]:
        """Each column's knots: those given in ``knots``, else placed on the
        column's values in ``bin_sample`` (``X`` when None), with at least
        ``feature_knots``' count where it names the column."""
        source = X if bin_sample is None else self._frame(bin_sample)
        least = self.feature_knots or {}
        given = knots or {}
        return [
            given[c]
            if c in given
            else self.place_knots(
                source[c].to_numpy(), max(self.n_knots, least.get(c, 0))
            )
            for c in X.columns
        ]

    def _design(self, X: pd.DataFrame, pairs):
        """The rows to fit on, placed on the knots, and ``pairs`` checked and
        renumbered onto those rows (None when fitting squared error)."""
        if pairs is None:
            return _Design(self.knots_, X), None
        pairs = np.asarray(pairs, dtype=np.int64)
        if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
            raise ValueError("pairs must be a non-empty (n, 2) array")
        # Only listings in some pair move the loss: fit on those rows (a
        # tracker sees a few hundred listings of a catalog of thousands).
        # np.unique(pairs, return_inverse=True) without its sort (85 ms
        # a fold fit of 150,000 pairs): rows marked, then numbered.
        if pairs.min() < 0 or pairs.max() >= len(X):
            raise ValueError(f"pairs must be row positions in 0..{len(X) - 1}")
        in_pair = np.zeros(len(X), dtype=bool)
        in_pair[pairs] = True
        used = np.flatnonzero(in_pair)
        number = np.cumsum(in_pair, dtype=np.intp) - 1
        pairs = np.asfortranarray(number[pairs])
        return _Design(self.knots_, X.iloc[used]), pairs

    def _objective(self, design, y, pairs):
        """The loss to minimise (with its gradient) and the intercept: the
        pairwise loss with intercept 0 given ``pairs``, else squared error
        around ``y``'s mean."""
        if pairs is not None:
            return self._pairwise_objective(design, pairs), 0.0
        if y is None:
            raise ValueError("fit needs y or pairs")
        target = np.asarray(y, dtype="float64")
        intercept = float(target.mean())
        return self._squared_objective(design, target - intercept), intercept

    def _average_unknown_terms(self, design) -> None:
        """Give each feature never missing in training the average listing's
        term for an unknown value."""
        # It has learned nothing for "unknown": the average term, not the
        # lowest one (where the untouched parameter would leave it).
        terms = design.terms(self.coef_)
        for j, shape in enumerate(self.shapes_):
            if design.never_missing[j]:
                shape[-1] = terms[:, j].mean()

    def _pairwise_objective(self, design, pairs):
        # Contiguous, not strided views: each is gathered from and counted
        # over on every call (the objective 28% faster on 12M pairs); no copy
        # for ranking_pairs' column-major pairs.
        higher = np.ascontiguousarray(pairs[:, 0])
        lower = np.ascontiguousarray(pairs[:, 1])
        n_rows, n_pairs = design.n_rows, len(pairs)
        # Two pair-length buffers for every pass, not five new arrays (85 MB
        # each at 10.6M pairs); the same arithmetic, the same bits.
        margin, work = np.empty(n_pairs), np.empty(n_pairs)

        def objective(coef):
            scores = design.score(coef)
            # mode="clip": rows are in range; "raise" would buffer the output.
            np.take(scores, higher, out=margin, mode="clip")
            np.subtract(
                margin, np.take(scores, lower, out=work, mode="clip"), out=margin
            )
            loss = -log_expit(margin, out=work).sum() / n_pairs
            slope = expit(np.negative(margin, out=work), out=work)
            slope /= -n_pairs  # (−e)/n and e/(−n) are the same float
            grad_rows = np.bincount(higher, slope, n_rows) - np.bincount(
                lower, slope, n_rows
            )
            return self._with_penalty(loss, design.gradient(grad_rows), coef)

        return objective

    def _squared_objective(self, design, target):
        n_rows = design.n_rows

        def objective(coef):
            residual = design.score(coef) - target
            loss = 0.5 * np.mean(residual**2)
            return self._with_penalty(loss, design.gradient(residual / n_rows), coef)

        return objective

    def _with_penalty(self, loss, grad, coef):
        return loss + 0.5 * self.alpha * coef @ coef, grad + self.alpha * coef

    # ------------------------------------------------------------- predict
    # Applying the fit is :class:`ranking.model.weight.AdditiveShapes`' job; these
    # delegate to it, so the estimator and a loaded model score identically.
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Raw scores (higher = more weight), on the scale the model learned."""
        return self._applied().predict(self._frame(X))

    def terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term for each row: ``predict`` is their sum plus the
        intercept, exactly."""
        return self._applied().terms(self._frame(X))

    def shape(self, feature: str) -> pd.DataFrame:
        """The learned shape of one feature: its term at each knot (the last
        row is the term for a missing value)."""
        return self._applied().shape(feature)

    def _applied(self) -> AdditiveShapes:
        check_is_fitted(self, "additive_")
        return self.additive_

    # ------------------------------------------------------------ helpers
    def _frame(self, X) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X, dtype="float64"))
        if hasattr(self, "feature_names_in_"):
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ValueError(f"features missing: {', '.join(map(str, missing))}")
            X = X[list(self.feature_names_in_)]
        return X.astype("float64")

    @staticmethod
    def place_knots(values: np.ndarray, n_knots: int) -> np.ndarray:
        """Knots at evenly spaced quantiles from the smallest value to the
        largest; a few-valued feature (a yes/no, a DSR in steps of 0.01 over
        a few values) gets a knot at each of its values."""
        values = values[np.isfinite(values)]
        if len(values) == 0:
            return np.zeros(1)
        distinct = np.unique(values)
        if len(distinct) <= n_knots:
            return distinct
        return np.unique(np.quantile(values, np.linspace(0, 1, n_knots)))

    def _start(self, init) -> np.ndarray:
        start = np.zeros(self._offsets[-1])
        if init is None:
            return start
        for j, name in enumerate(self.feature_names_in_):
            if name not in init.features:
                continue
            k = init.features.index(name)
            knots, shape = init.knots[k], init.shapes[k]
            if len(knots) == len(self.knots_[j]) and np.allclose(knots, self.knots_[j]):
                at = self._offsets[j]
                start[at : at + len(knots) - 1] = np.diff(shape[:-1])
                start[at + len(knots) - 1] = shape[-1]
        return start

    def _shapes(self, coef: np.ndarray) -> list[np.ndarray]:
        """Per feature: the term at each knot (cumulated increments from 0 at
        the first) and of a missing value."""
        shapes = []
        for j, knots in enumerate(self.knots_):
            start = self._offsets[j]
            n_inc = len(knots) - 1
            steps = coef[start : start + n_inc]
            shapes.append(np.r_[0.0, np.cumsum(steps), coef[start + n_inc]])
        return shapes


class _Design:
    """Where every training row lies on every feature's knots, so that a pass
    of the fit is two lookups, a multiply and two bincounts per feature over
    contiguous columns.

    The parameters are, per feature, one increment per interval between its
    knots and the missing value's term. ``values`` (every feature's term at
    each knot, then its missing term, end to end) are their segmented
    cumulative sums. A row's term is ``values[low] + fraction · step[low]``,
    ``step`` being the rise to the next knot; a missing value sits on the
    missing term with fraction 0.
    """

    def __init__(self, knots: list[np.ndarray], X: pd.DataFrame):
        sizes = np.array([len(k) + 1 for k in knots])  # knots + missing
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        self.n_rows, self.n_values = len(X), int(sizes.sum())
        missing = starts + sizes - 1
        self.sizes, self.starts = sizes, starts
        # Column-major, local to each feature's segment: every pass reads a
        # feature's column whole, and bincounts stay the segment's size.
        self.low = np.empty(X.shape, dtype=np.intp, order="F")
        self.fraction = np.empty(X.shape, dtype="float64", order="F")
        self.never_missing = np.empty(X.shape[1], dtype=bool)
        for j, k in enumerate(knots):
            left, fraction = interval(k, X.iloc[:, j].to_numpy())
            known = left >= 0
            self.never_missing[j] = known.all()
            self.low[:, j] = np.where(known, left, len(k))
            self.fraction[:, j] = fraction
        # coef → values: increments land on every knot but each feature's
        # first; the missing terms on their own slots.
        is_increment = np.ones(self.n_values, dtype=bool)
        is_increment[starts] = False
        is_increment[missing] = False
        self.increment_at = np.flatnonzero(is_increment)
        self.missing_at = missing
        coef_starts = np.r_[0, np.cumsum(sizes - 1)[:-1]]
        # Within coef a feature holds its increments, then its missing term.
        self.coef_increment = np.concatenate(
            [coef_starts[j] + np.arange(len(k) - 1) for j, k in enumerate(knots)]
        ).astype(np.int64)
        self.coef_missing = (coef_starts + sizes - 2).astype(np.int64)
        self.segment_start = np.repeat(starts, sizes)
        self.segment_end = np.repeat(starts + sizes - 1, sizes)  # the missing slot

    def values(self, coef: np.ndarray) -> np.ndarray:
        spread = np.zeros(self.n_values)
        spread[self.increment_at] = coef[self.coef_increment]
        total = np.cumsum(spread)
        values = total - total[self.segment_start]
        values[self.missing_at] = coef[self.coef_missing]
        return values

    def _segments(self, coef: np.ndarray):
        values = self.values(coef)
        # The rise to the next knot; 0 at the last knot and the missing slot
        # (their fraction is 0 or the row sits at the last knot exactly).
        step = np.r_[np.diff(values), 0.0]
        for j, (start, size) in enumerate(zip(self.starts, self.sizes, strict=True)):
            own_step = step[start : start + size].copy()
            own_step[size - 2 :] = 0.0
            yield j, values[start : start + size], own_step

    def terms(self, coef: np.ndarray) -> np.ndarray:
        out = np.empty(self.low.shape, order="F")
        for j, values, step in self._segments(coef):
            low = self.low[:, j]
            out[:, j] = values[low] + self.fraction[:, j] * step[low]
        return out

    def score(self, coef: np.ndarray) -> np.ndarray:
        total = np.zeros(self.n_rows)
        work = np.empty(self.n_rows)
        for j, values, step in self._segments(coef):
            low = self.low[:, j]
            total += np.take(values, low, out=work, mode="clip")
            np.take(step, low, out=work, mode="clip")
            total += np.multiply(self.fraction[:, j], work, out=work)
        return total

    def gradient(self, grad_rows: np.ndarray) -> np.ndarray:
        """d(loss)/d(coef) from d(loss)/d(score) per row: first per value
        (each row's weight on the knots either side), then per increment,
        which raises every knot value after it in its feature (a reverse
        cumulative sum within the feature)."""
        per_value = np.empty(self.n_values)
        work = np.empty(self.n_rows)
        for j, (start, size) in enumerate(zip(self.starts, self.sizes, strict=True)):
            low = self.low[:, j]
            whole = np.bincount(low, grad_rows, size)
            shared = np.multiply(grad_rows, self.fraction[:, j], out=work)
            upper = np.bincount(low, shared, size)
            # A row's share t goes to the knot above, 1 − t stays.
            own = whole - upper
            own[1:] += upper[:-1]
            per_value[start : start + size] = own
        knots_only = per_value.copy()
        knots_only[self.missing_at] = 0.0
        after = np.r_[np.cumsum(knots_only[::-1])[::-1], 0.0]
        within = after[:-1] - after[self.segment_end + 1]
        grad = np.empty(len(self.coef_increment) + len(self.coef_missing))
        grad[self.coef_increment] = within[self.increment_at]
        grad[self.coef_missing] = per_value[self.missing_at]
        return grad


#: The least a constrained increment may be, in raw score per interval: a
#: monotone shape then rises (or falls) strictly, so listings that differ in a
#: signal never tie on its term (a one-signal model keeps the signal's order).
MIN_INCREMENT = 1e-6


def _parameter_bounds(directions, knots) -> list[tuple[float | None, float | None]]:
    """L-BFGS-B's bounds, feature by feature: each increment's by the
    feature's direction, then none on its missing value's term."""
    bounds = []
    for direction, feature_knots in zip(directions, knots, strict=True):
        bounds += [_increment_bound(direction)] * (len(feature_knots) - 1)
        bounds += [(None, None)]
    return bounds


def _bound_arrays(bounds) -> tuple[np.ndarray, np.ndarray]:
    low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return low, high


def _increment_bound(direction: int) -> tuple[float | None, float | None]:
    if direction > 0:
        return (MIN_INCREMENT, None)
    if direction < 0:
        return (None, -MIN_INCREMENT)
    return (None, None)
