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
        return self

    def _pairwise_objective(self, codes, pairs):
        higher, lower = pairs[:, 0], pairs[:, 1]
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
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Raw scores (higher = more weight), on the scale the model learned."""
        check_is_fitted(self, "coef_")
        codes = self._codes(self._frame(X))
        return self._score_codes(codes, self.shapes_, self.intercept_)

    def terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term for each row: ``predict`` is their sum plus the
        intercept, exactly."""
        check_is_fitted(self, "coef_")
        codes = self._codes(self._frame(X))
        values = (
            np.column_stack(
                [shape[codes[:, j]] for j, shape in enumerate(self.shapes_)]
            )
            if len(self.shapes_)
            else np.zeros((len(X), 0))
        )
        return pd.DataFrame(values, index=X.index, columns=self.feature_names_in_)

    def shape(self, feature: str) -> pd.DataFrame:
        """The learned step function of one feature: from each bin's lower edge,
        its term (the last row is the term for a missing value)."""
        check_is_fitted(self, "coef_")
        j = list(self.feature_names_in_).index(feature)
        edges = self.edges_[j]
        lower = np.r_[-np.inf, edges, np.nan]
        return pd.DataFrame({"from": lower, "term": self.shapes_[j]})

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Each row's bin of each feature (the last bin is "missing"): what a
        term looks up."""
        check_is_fitted(self, "coef_")
        return self._codes(self._frame(X))

    def partial_terms(self, X: pd.DataFrame) -> np.ndarray:
        """Terms of the features ``X`` holds (any subset of the model's), summed
        per row: what a change to those features adds to the score."""
        check_is_fitted(self, "coef_")
        names = list(self.feature_names_in_)
        total = np.zeros(len(X))
        for name in X.columns:
            j = names.index(name)
            values = X[name].to_numpy(dtype="float64")
            code = np.searchsorted(self.edges_[j], values, side="left")
            code[~np.isfinite(values)] = len(self.edges_[j]) + 1
            total += self.shapes_[j][code]
        return total

    # ------------------------------------------------------- stored as data
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as plain arrays (bin edges and terms per feature)."""
        check_is_fitted(self, "coef_")
        arrays = {"intercept": np.array([self.intercept_])}
        for j in range(self.n_features_in_):
            arrays[f"edges_{j}"] = np.asarray(self.edges_[j], dtype=np.float64)
            arrays[f"shape_{j}"] = np.asarray(self.shapes_[j], dtype=np.float64)
        return arrays

    @classmethod
    def from_arrays(
        cls, features: list[str], directions: list[int], arrays: dict, **params
    ) -> AdditiveWeightModel:
        """A fitted model from :meth:`to_arrays`; runs no fitting."""
        model = cls(directions=list(directions), **params)
        model.feature_names_in_ = np.asarray(features, dtype=object)
        model.n_features_in_ = len(features)
        model.edges_ = [arrays[f"edges_{j}"] for j in range(len(features))]
        model.shapes_ = [arrays[f"shape_{j}"] for j in range(len(features))]
        model.intercept_ = float(arrays["intercept"][0])
        sizes = np.array([len(e) + 1 for e in model.edges_])
        model._offsets = np.r_[0, np.cumsum(sizes)]
        # The steps the shapes were cumulated from (and the missing terms).
        model.coef_ = (
            np.concatenate(
                [np.r_[np.diff(shape[:-1]), shape[-1]] for shape in model.shapes_]
            )
            if model.shapes_
            else np.empty(0)
        )
        model.n_iter_ = 0
        return model

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
        codes = np.empty(X.shape, dtype=np.int64)
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


class WeightModel:
    """What ``ranking train`` writes and every scoring command loads: the
    fitted :class:`AdditiveWeightModel` and the 0-100 scale.

    ``weight = 100 · sigmoid((raw − center) / scale)``, with ``center`` the
    median raw score of the training catalog (weight 50) and ``scale`` its
    interquartile range / (2 ln 3), so that a symmetric spread of scores puts
    its quartiles on 25 and 75. The scale is fixed at training, so weights are
    comparable across every catalog the same model scores, and never reach 0
    or 100: a fix always has room to show its gain.
    """

    def __init__(
        self, estimator: AdditiveWeightModel, center: float, scale: float, label: str
    ):
        self.estimator = estimator
        self.center = center
        self.scale = scale
        self.label = label
        #: Set when loaded from a model directory: its checksum file's SHA-256,
        #: and the training data's profile (arrays) stored beside the model.
        self.digest: str | None = None
        self.training_profile: dict[str, np.ndarray] = {}

    @classmethod
    def from_training(
        cls, estimator: AdditiveWeightModel, features: pd.DataFrame, label: str
    ) -> WeightModel:
        raw = estimator.predict(features)
        q25, q50, q75 = np.quantile(raw, [0.25, 0.5, 0.75])
        spread = (q75 - q25) / (2 * np.log(3)) if q75 > q25 else 1.0
        return cls(estimator, float(q50), float(spread), label)

    @property
    def feature_names(self) -> list[str]:
        return list(self.estimator.feature_names_in_)

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-ready description and plain arrays: what the model file
        stores (see :mod:`ranking.persist`)."""
        est = self.estimator
        meta = {
            "label": self.label,
            "center": self.center,
            "scale": self.scale,
            "features": self.feature_names,
            "directions": [int(d) for d in est.directions],
            "n_bins": est.n_bins,
            "alpha": est.alpha,
        }
        return meta, est.to_arrays()

    @classmethod
    def from_data(cls, meta: dict, arrays: dict[str, np.ndarray]) -> WeightModel:
        estimator = AdditiveWeightModel.from_arrays(
            meta["features"],
            meta["directions"],
            arrays,
            n_bins=meta["n_bins"],
            alpha=meta["alpha"],
        )
        return cls(
            estimator, float(meta["center"]), float(meta["scale"]), meta["label"]
        )

    def raw(self, features: pd.DataFrame) -> np.ndarray:
        """Raw additive scores of feature rows."""
        return self.estimator.predict(features)

    def to_weight(self, raw: np.ndarray) -> np.ndarray:
        """Raw scores → the 0-100 weight scale."""
        return 100 * expit((np.asarray(raw) - self.center) / self.scale)

    def weights(self, features: pd.DataFrame) -> np.ndarray:
        """0-100 weight of feature rows."""
        return self.to_weight(self.raw(features))


def category_percentile(weight: pd.Series, category: pd.Series) -> pd.Series:
    """Each listing's weight percentile (0-100) among its category's listings;
    ties share the average percentile."""
    pct = weight.groupby(category.fillna("(none)").to_numpy()).rank(pct=True)
    return 100 * pct
