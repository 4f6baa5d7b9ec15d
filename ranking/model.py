"""The weight model: a sum of one learned shape function per feature.

Why additive (a GAM) rather than a free-form ensemble — the figures are in
``bench/RESULTS.md``; the design reasons are:

* **exact explanations**: a factor's contribution is the sum of its features'
  terms, with no approximation (SHAP on tree ensembles is approximate, and
  wrong for HistGradientBoosting with categorical splits);
* **cheap what-ifs**: a fix changes a few features, so its gain is the change
  in those terms only;
* **fast scoring**: each shape is a step function over quantile bins, so
  scoring is a ``searchsorted`` and a lookup per feature, vectorised;
* **monotonic where the direction is known**: a shape is a cumulative sum of
  per-bin steps, and a step's sign is bounded, so more sales or a better DSR
  can never lower the weight.

Fitting minimises, with L-BFGS-B under those bounds and an L2 penalty on the
steps (smooth shapes):

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

from ranking.weight import AdditiveShapes


class AdditiveWeightModel(RegressorMixin, BaseEstimator):
    """Additive monotone model of listing weight.

    Parameters
    ----------
    n_bins : quantile bins per feature (at most).
    alpha : L2 penalty on the steps between bins, per unit of loss.
    directions : per feature, +1 (non-decreasing), -1 (non-increasing) or 0;
        ``None`` means unconstrained everywhere.
    max_iter : L-BFGS-B iterations.

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
        n_bins: int = 32,
        alpha: float = 1e-3,
        directions: Sequence[int] | None = None,
        max_iter: int = 500,
    ):
        self.n_bins = n_bins
        self.alpha = alpha
        self.directions = directions
        self.max_iter = max_iter

    # ----------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, y=None, *, pairs=None, bin_sample=None):
        """Fit on features ``X``; with ``pairs`` (an ``(n, 2)`` array of row
        positions, higher-ranked first) fit the pairwise ranking loss, else
        squared error against ``y``. ``bin_sample`` optionally gives the
        feature values bins are cut from (the whole catalog, when only some
        rows are labelled)."""
        if self.n_bins < 2:
            raise ValueError(f"n_bins is {self.n_bins}, expected at least 2")
        if self.alpha < 0:
            raise ValueError(f"alpha is {self.alpha}, expected ≥ 0")
        X = self._frame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
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
        source = X if bin_sample is None else self._frame(bin_sample)
        self.edges_ = [self._edges(source[c].to_numpy()) for c in X.columns]
        codes = self._codes(X)
        sizes = np.array([len(e) + 1 for e in self.edges_])  # steps + missing
        self._offsets = np.r_[0, np.cumsum(sizes)]
        bounds = []
        for direction, edges in zip(directions, self.edges_, strict=True):
            step = (
                (0, None)
                if direction > 0
                else (None, 0)
                if direction < 0
                else (None, None)
            )
            bounds += [step] * len(edges) + [(None, None)]

        if pairs is not None:
            pairs = np.asarray(pairs, dtype=np.int64)
            if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
                raise ValueError("pairs must be a non-empty (n, 2) array")
            objective = self._pairwise_objective(codes, pairs)
            intercept = 0.0
        else:
            if y is None:
                raise ValueError("fit needs y or pairs")
            target = np.asarray(y, dtype="float64")
            intercept = float(target.mean())
            objective = self._squared_objective(codes, target - intercept)

        start = np.zeros(self._offsets[-1])
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": self.max_iter},
        )
        self.coef_ = result.x
        self.intercept_ = intercept
        self.n_iter_ = int(result.nit)
        self.shapes_ = self._shapes(self.coef_)
        # A feature never missing in training has learned nothing for "unknown":
        # give an unknown value the average listing's term, not the lowest bin's.
        for j, shape in enumerate(self.shapes_):
            missing_code = len(self.edges_[j]) + 1
            seen = codes[:, j]
            if not (seen == missing_code).any():
                shape[missing_code] = shape[seen].mean()
        self.additive_ = AdditiveShapes(
            list(self.feature_names_in_),
            directions,
            self.edges_,
            self.shapes_,
            self.intercept_,
        )
        return self

    def _pairwise_objective(self, codes, pairs):
        # Contiguous, not strided views: each is gathered from and counted
        # over on every call (the objective 28% faster on 12M pairs); no copy
        # for ranking_pairs' column-major pairs.
        higher = np.ascontiguousarray(pairs[:, 0])
        lower = np.ascontiguousarray(pairs[:, 1])
        n_rows, n_pairs = codes.shape[0], len(pairs)

        def objective(coef):
            scores = self._score_codes(codes, self._shapes(coef))
            margin = scores[higher] - scores[lower]
            loss = -log_expit(margin).sum() / n_pairs
            slope = -expit(-margin) / n_pairs
            grad_rows = np.bincount(higher, slope, n_rows) - np.bincount(
                lower, slope, n_rows
            )
            return self._with_penalty(loss, self._gradient(codes, grad_rows), coef)

        return objective

    def _squared_objective(self, codes, target):
        n_rows = codes.shape[0]

        def objective(coef):
            residual = self._score_codes(codes, self._shapes(coef)) - target
            loss = 0.5 * np.mean(residual**2)
            return self._with_penalty(
                loss, self._gradient(codes, residual / n_rows), coef
            )

        return objective

    def _with_penalty(self, loss, grad, coef):
        return loss + 0.5 * self.alpha * coef @ coef, grad + self.alpha * coef

    def _gradient(self, codes, grad_rows):
        """d(loss)/d(coef) from d(loss)/d(score) per row, without building the
        (rows × steps) design matrix: a step k of a feature adds to every row
        whose bin is above k, so its gradient is a reverse cumulative sum."""
        grad = np.empty(self._offsets[-1])
        for j, edges in enumerate(self.edges_):
            n_steps = len(edges)
            per_bin = np.bincount(codes[:, j], grad_rows, n_steps + 2)
            above = np.cumsum(per_bin[n_steps::-1])[::-1]  # rows with bin ≥ k
            start = self._offsets[j]
            grad[start : start + n_steps] = above[1 : n_steps + 1]
            grad[start + n_steps] = per_bin[n_steps + 1]  # missing
        return grad

    # ------------------------------------------------------------- predict
    # Applying the fit is :class:`ranking.weight.AdditiveShapes`' job; these
    # delegate to it, so the estimator and a loaded model score identically.
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Raw scores (higher = more weight), on the scale the model learned."""
        return self._applied().predict(self._frame(X))

    def terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term for each row: ``predict`` is their sum plus the
        intercept, exactly."""
        return self._applied().terms(self._frame(X))

    def shape(self, feature: str) -> pd.DataFrame:
        """The learned step function of one feature: from each bin's lower edge,
        its term (the last row is the term for a missing value)."""
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

    def _edges(self, values: np.ndarray) -> np.ndarray:
        values = values[np.isfinite(values)]
        if len(values) == 0:
            return np.empty(0)
        quantiles = np.quantile(values, np.linspace(0, 1, self.n_bins + 1)[1:-1])
        edges = np.unique(quantiles)
        # A binary or few-valued feature: cut between its distinct values.
        distinct = np.unique(values)
        if len(distinct) <= self.n_bins:
            edges = (distinct[1:] + distinct[:-1]) / 2
        return edges

    def _codes(self, X: pd.DataFrame) -> np.ndarray:
        """Per row and feature: how many edges lie below the value (0..n), or
        n+1 for a missing value."""
        # Column-major: every pass of the fit reads one feature's codes for
        # all rows, contiguous this way (4x faster than strided at 1M rows).
        codes = np.empty(X.shape, dtype=np.int64, order="F")
        for j, edges in enumerate(self.edges_):
            values = X.iloc[:, j].to_numpy()
            code = np.searchsorted(edges, values, side="left")
            code[~np.isfinite(values)] = len(edges) + 1
            codes[:, j] = code
        return codes

    def _shapes(self, coef: np.ndarray) -> list[np.ndarray]:
        """Per feature: the term of each bin (cumulated steps) and of missing."""
        shapes = []
        for j, edges in enumerate(self.edges_):
            start = self._offsets[j]
            steps = coef[start : start + len(edges)]
            shapes.append(np.r_[0.0, np.cumsum(steps), coef[start + len(edges)]])
        return shapes

    @staticmethod
    def _score_codes(
        codes: np.ndarray, shapes: list[np.ndarray], intercept: float = 0.0
    ) -> np.ndarray:
        scores = np.full(codes.shape[0], intercept)
        for j, shape in enumerate(shapes):
            scores += shape[codes[:, j]]
        return scores
