"""The fitted weight model as it is applied: bin edges and a term per bin.

Scoring, audits and fixes only look terms up, so this module needs numpy and
pandas and nothing else; fitting (:mod:`ranking.model`) is what needs SciPy's
optimiser and scikit-learn, and only ``train`` pays for importing them.

>>> import numpy as np, pandas as pd
>>> shapes = AdditiveShapes(["a"], [1], [np.array([0.5])], [np.array([0.0, 2.0, 1.0])])
>>> shapes.predict(pd.DataFrame({"a": [0.0, 1.0, np.nan]})).tolist()
[0.0, 2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def sigmoid(x) -> np.ndarray:
    """The logistic function, without overflow at large ``|x|``."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype="float64")))


class AdditiveShapes:
    """A fitted additive model: per feature, sorted bin edges and the term of
    each bin (``len(edges) + 1`` bins), then the term of a missing value.

    A value's bin is the number of edges strictly below it, so a value equal to
    an edge falls in the lower bin (``searchsorted(..., side="left")``).
    """

    def __init__(
        self,
        features: Sequence[str],
        directions: Sequence[int],
        edges: Sequence[np.ndarray],
        shapes: Sequence[np.ndarray],
        intercept: float = 0.0,
    ):
        if not len(features) == len(directions) == len(edges) == len(shapes):
            raise ValueError("features, directions, edges and shapes differ in length")
        self.features = list(features)
        self.directions = [int(d) for d in directions]
        self.edges = [np.asarray(e, dtype="float64") for e in edges]
        self.shapes = [np.asarray(s, dtype="float64") for s in shapes]
        self.intercept = float(intercept)
        self._index = {name: j for j, name in enumerate(self.features)}

    def codes(self, X: pd.DataFrame) -> np.ndarray:
        """Each row's bin of each feature (the last bin is "missing"): what a
        term looks up."""
        codes = np.empty((len(X), len(self.features)), dtype=np.int64)
        for j, name in enumerate(self._ordered(X)):
            codes[:, j] = self._code(j, X[name])
        return codes

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Raw scores: the intercept plus every feature's term."""
        return self.intercept + self.partial_terms(X[self._ordered(X)])

    def terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term for each row: ``predict`` is their sum plus the
        intercept, exactly."""
        names = self._ordered(X)
        values = np.zeros((len(X), len(names)))
        for j, name in enumerate(names):
            values[:, j] = self.shapes[j][self._code(j, X[name])]
        return pd.DataFrame(values, index=X.index, columns=names)

    def partial_terms(self, X: pd.DataFrame) -> np.ndarray:
        """Terms of the features ``X`` holds (any subset of the model's), summed
        per row: what a change to those features adds to the score."""
        total = np.zeros(len(X))
        for name in X.columns:
            j = self._index[name]
            total += self.shapes[j][self._code(j, X[name])]
        return total

    def shape(self, feature: str) -> pd.DataFrame:
        """The step function of one feature: from each bin's lower edge, its
        term (the last row is the term for a missing value)."""
        j = self._index[feature]
        lower = np.r_[-np.inf, self.edges[j], np.nan]
        return pd.DataFrame({"from": lower, "term": self.shapes[j]})

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as plain arrays (what the model file's NPZ holds)."""
        arrays = {"intercept": np.array([self.intercept])}
        for j in range(len(self.features)):
            arrays[f"edges_{j}"] = self.edges[j]
            arrays[f"shape_{j}"] = self.shapes[j]
        return arrays

    @classmethod
    def from_arrays(
        cls, features: Sequence[str], directions: Sequence[int], arrays: dict
    ) -> AdditiveShapes:
        """The inverse of :meth:`to_arrays`."""
        n = len(features)
        return cls(
            features,
            directions,
            [arrays[f"edges_{j}"] for j in range(n)],
            [arrays[f"shape_{j}"] for j in range(n)],
            float(arrays["intercept"][0]),
        )

    def _ordered(self, X: pd.DataFrame) -> list[str]:
        missing = [name for name in self.features if name not in X.columns]
        if missing:
            raise ValueError(f"features missing: {', '.join(missing)}")
        return self.features

    def _code(self, j: int, column) -> np.ndarray:
        values = np.asarray(column, dtype="float64")
        code = np.searchsorted(self.edges[j], values, side="left")
        code[~np.isfinite(values)] = len(self.edges[j]) + 1
        return code


class WeightModel:
    """What ``ranking train`` writes and every scoring command loads: the
    fitted :class:`AdditiveShapes` and the 0-100 scale.

    ``weight = 100 · sigmoid((raw − center) / scale)``, with ``center`` the
    median raw score of the training catalog (weight 50) and ``scale`` its
    interquartile range / (2 ln 3), so that a symmetric spread of scores puts
    its quartiles on 25 and 75. The scale is fixed at training, so weights are
    comparable across every catalog the same model scores, and never reach 0
    or 100: a fix always has room to show its gain.
    """

    def __init__(
        self,
        additive: AdditiveShapes,
        center: float,
        scale: float,
        label: str,
        fit_params: dict | None = None,
        cliffs: dict | None = None,
    ):
        self.additive = additive
        self.center = center
        self.scale = scale
        self.label = label
        #: The estimator's settings it was fitted with (bins, penalty), kept
        #: on the model card.
        self.fit_params = dict(fit_params or {})
        #: Where a shape falls off a cliff (:mod:`ranking.blockers`): learned
        #: once, at training, and stored with the shapes.
        self.cliffs = dict(cliffs or {})
        #: Set when loaded from a model directory: its checksum file's SHA-256,
        #: and the training data's profile (arrays) stored beside the model.
        self.digest: str | None = None
        self.training_profile: dict[str, np.ndarray] = {}

    @classmethod
    def from_training(
        cls, additive: AdditiveShapes, features: pd.DataFrame, label: str, **params
    ) -> WeightModel:
        """The scale set from the training catalog's raw scores, and the
        shapes' cliffs found."""
        from ranking.blockers import learn_cliffs

        raw = additive.predict(features)
        q25, q50, q75 = np.quantile(raw, [0.25, 0.5, 0.75])
        spread = (q75 - q25) / (2 * np.log(3)) if q75 > q25 else 1.0
        cliffs = learn_cliffs(additive, spread)
        return cls(additive, float(q50), float(spread), label, params, cliffs)

    @property
    def feature_names(self) -> list[str]:
        return list(self.additive.features)

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-ready description and plain arrays: what the model file
        stores (see :mod:`ranking.persist`)."""
        meta = {
            "label": self.label,
            "center": self.center,
            "scale": self.scale,
            "features": self.feature_names,
            "directions": self.additive.directions,
            "cliffs": {
                name: None if cliff is None else cliff.to_dict()
                for name, cliff in self.cliffs.items()
            },
            **self.fit_params,
        }
        return meta, self.additive.to_arrays()

    @classmethod
    def from_data(cls, meta: dict, arrays: dict[str, np.ndarray]) -> WeightModel:
        additive = AdditiveShapes.from_arrays(
            meta["features"], meta["directions"], arrays
        )
        from ranking.blockers import Cliff

        params = {k: meta[k] for k in ("n_bins", "alpha") if k in meta}
        cliffs = {
            name: None if found is None else Cliff(**found)
            for name, found in meta["cliffs"].items()
        }
        return cls(
            additive,
            float(meta["center"]),
            float(meta["scale"]),
            meta["label"],
            params,
            cliffs,
        )

    def raw(self, features: pd.DataFrame) -> np.ndarray:
        """Raw additive scores of feature rows."""
        return self.additive.predict(features)

    def to_weight(self, raw: np.ndarray) -> np.ndarray:
        """Raw scores → the 0-100 weight scale."""
        return 100 * sigmoid((np.asarray(raw) - self.center) / self.scale)

    def weights(self, features: pd.DataFrame) -> np.ndarray:
        """0-100 weight of feature rows."""
        return self.to_weight(self.raw(features))


def category_percentile(weight: pd.Series, category: pd.Series) -> pd.Series:
    """Each listing's weight percentile (0-100) among its category's listings;
    ties share the average percentile."""
    pct = weight.groupby(category.fillna("(none)").to_numpy()).rank(pct=True)
    return 100 * pct
