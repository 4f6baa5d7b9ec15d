"""The fitted weight model as it is applied: a continuous term per feature.

Each feature's term is piecewise linear between learned knots (flat beyond
the first and last), plus a term of its own for a missing value. Scoring,
audits and fixes only interpolate, so this module needs numpy and pandas and
nothing else; fitting (:mod:`ranking.model.fitting`) is what needs SciPy's optimiser
and scikit-learn, and only ``train`` pays for importing them.

Why continuous rather than steps: one more review never moves a listing by
whole points, a one-signal model orders listings as that signal does (a step
puts many on one step: ties where the signal had order), and a week's drift
of a few percent moves a weight a little instead of jumping at a bin edge.

>>> import numpy as np, pandas as pd
>>> knots, terms = [np.array([0.0, 2.0])], [np.array([0.0, 2.0, 1.0])]
>>> shapes = AdditiveShapes(["a"], [1], knots, terms)
>>> shapes.predict(pd.DataFrame({"a": [-1.0, 0.5, 3.0, np.nan]})).tolist()
[0.0, 0.5, 2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ranking.model.cliffs import Cliff, held_by_folds, learn_cliffs, placed

#: Knot weights are counted in units of 2**-24 of a listing, as integers, so
#: that a category's mean term is the same however the catalog was chunked
#: (float sums would depend on the order of addition).
KNOT_UNIT = 1 << 24


def sigmoid(x) -> np.ndarray:
    """The logistic function, without overflow at large ``|x|``."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype="float64")))


def interval(knots: np.ndarray, values) -> tuple[np.ndarray, np.ndarray]:
    """Where each value lies between ``knots``: the interval's left knot
    (0 .. len(knots) − 2) and the fraction of the way to its right knot
    (0 .. 1), values beyond either end clamped to it; a missing value gets
    position −1. With one knot every known value is at it (position 0,
    fraction 0)."""
    values = np.asarray(values, dtype="float64")
    known = np.isfinite(values)
    n = len(knots)
    if n < 2:
        left = np.where(known, 0, -1)
        return left.astype(np.int64), np.zeros(len(values))
    clamped = np.clip(np.where(known, values, knots[0]), knots[0], knots[-1])
    left = np.searchsorted(knots, clamped, side="right") - 1
    left = np.minimum(left, n - 2)
    fraction = (clamped - knots[left]) / (knots[left + 1] - knots[left])
    left[~known] = -1
    fraction[~known] = 0.0
    return left.astype(np.int64), fraction


class AdditiveShapes:
    """A fitted additive model: per feature, sorted knots and the term at each
    knot (``len(knots)`` values), then the term of a missing value.

    A value's term is interpolated linearly between the knots around it
    (``np.interp``); below the first knot or above the last it is the end
    knot's term.
    """

    def __init__(
        self,
        features: Sequence[str],
        directions: Sequence[int],
        knots: Sequence[np.ndarray],
        shapes: Sequence[np.ndarray],
        intercept: float = 0.0,
    ):
        if not len(features) == len(directions) == len(knots) == len(shapes):
            raise ValueError("features, directions, knots and shapes differ in length")
        self.features = list(features)
        self.directions = [int(d) for d in directions]
        self.knots = [np.asarray(k, dtype="float64") for k in knots]
        self.shapes = [np.asarray(s, dtype="float64") for s in shapes]
        for name, k, s in zip(self.features, self.knots, self.shapes, strict=True):
            if len(s) != len(k) + 1:
                raise ValueError(
                    f"{name}: {len(k)} knots need {len(k) + 1} terms, not {len(s)}"
                )
        self.intercept = float(intercept)
        self._index = {name: j for j, name in enumerate(self.features)}

    def term(self, j: int, column) -> np.ndarray:
        """Feature ``j``'s term for each value of ``column``."""
        values = np.asarray(column, dtype="float64")
        knots, shape = self.knots[j], self.shapes[j]
        known = np.isfinite(values)
        if len(knots) == 0:
            out = np.zeros(len(values))
        else:
            out = np.interp(np.where(known, values, knots[0]), knots, shape[:-1])
        out[~known] = shape[-1]
        return out

    def knot_weights(self, j: int, column) -> tuple[np.ndarray, np.ndarray]:
        """How each value of ``column`` spreads over feature ``j``'s knots (the
        last slot being "missing"): two (slot, weight) pairs per value, as
        integer weights in :data:`KNOT_UNIT` that sum to one unit. A row's
        term is the weighted sum of the slots' terms, so summed weights give a
        mean term with no second lookup."""
        left, fraction = interval(self.knots[j], column)
        missing = len(self.knots[j])
        right_weight = np.rint(fraction * KNOT_UNIT).astype(np.int64)
        slots = np.concatenate(
            [np.where(left < 0, missing, left), np.where(left < 0, missing, left + 1)]
        )
        weights = np.concatenate([KNOT_UNIT - right_weight, right_weight])
        return np.minimum(slots, missing), weights

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Raw scores: the intercept plus every feature's term."""
        return self.intercept + self.partial_terms(X[self._ordered(X)])

    def terms(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term for each row: ``predict`` is their sum plus the
        intercept, exactly."""
        names = self._ordered(X)
        values = np.zeros((len(X), len(names)))
        for j, name in enumerate(names):
            values[:, j] = self.term(j, X[name])
        return pd.DataFrame(values, index=X.index, columns=names)

    def emphasised(self, feature: str, factor: float) -> AdditiveShapes:
        """These shapes with ``feature``'s term emphasised by ``factor`` (≥ 1)
        and rising with every step of the feature: the fitted term times
        ``factor``, plus ``factor − 1`` times its range as a straight line
        over its knots (0 at the worse end). A missing value's term keeps its
        place on the term: it moves as a known value with the same fitted
        term does.

        A monotone fit can leave a term flat over a stretch of values (the
        listings there tie on it); scaled alone it stays flat, so however
        large the factor, the model never orders listings as that feature
        does. With the line, a large factor orders them by the feature first
        and by everything else within its ties. Still monotone, still one
        term per knot (exact between them: a line is linear there). A term
        flat throughout stays flat: the fit gave that feature no say.

        >>> flat = AdditiveShapes(["x"], [1], [np.array([0.0, 1.0, 2.0])],
        ...                       [np.array([0.0, 1.0, 1.0, 0.0])])
        >>> flat.emphasised("x", 2.0).shapes[0].tolist()
        [0.0, 2.5, 3.0, 0.0]
        """
        j = self._index[feature]
        knots, terms = self.knots[j], self.shapes[j]
        known, missing = terms[: len(knots)], terms[len(knots) :]
        span = knots[-1] - knots[0] if len(knots) else 0.0
        line = (knots - knots[0]) / span if span > 0 else np.zeros(len(knots))
        if self.directions[j] < 0 and span > 0:
            line = 1.0 - line
        rise = (factor - 1) * (np.ptp(known) if len(known) else 0.0)
        # Where the missing value's term sits on the fitted term, read as
        # the line's value there (the terms rise with the line, so one
        # interpolation over them, in rising order, finds it).
        order = np.argsort(line, kind="stable")
        place = (
            np.interp(missing, known[order], line[order])
            if len(known)
            else np.zeros(len(missing))
        )
        shapes = list(self.shapes)
        shapes[j] = np.r_[factor * known + rise * line, factor * missing + rise * place]
        return AdditiveShapes(
            self.features, self.directions, self.knots, shapes, self.intercept
        )

    def partial_terms(self, X: pd.DataFrame) -> np.ndarray:
        """Terms of the features ``X`` holds (any subset of the model's), summed
        per row: what a change to those features adds to the score."""
        total = np.zeros(len(X))
        for name in X.columns:
            total += self.term(self._index[name], X[name])
        return total

    def shape(self, feature: str) -> pd.DataFrame:
        """The learned shape of one feature: its term at each knot (the last
        row, knot NaN, is the term for a missing value)."""
        j = self._index[feature]
        return pd.DataFrame(
            {"knot": np.r_[self.knots[j], np.nan], "term": self.shapes[j]}
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as plain arrays (what the model file's NPZ holds)."""
        arrays = {"intercept": np.array([self.intercept])}
        for j in range(len(self.features)):
            arrays[f"knots_{j}"] = self.knots[j]
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
            [arrays[f"knots_{j}"] for j in range(n)],
            [arrays[f"shape_{j}"] for j in range(n)],
            float(arrays["intercept"][0]),
        )

    def _ordered(self, X: pd.DataFrame) -> list[str]:
        missing = [name for name in self.features if name not in X.columns]
        if missing:
            raise ValueError(f"features missing: {', '.join(missing)}")
        return self.features


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
        #: Where a shape falls off a cliff (:mod:`ranking.explain.blockers`): learned
        #: once, at training, and stored with the shapes.
        self.cliffs = dict(cliffs or {})
        #: Set when loaded from a model directory: its checksum file's SHA-256,
        #: and the training data's profile (arrays) stored beside the model.
        self.digest: str | None = None
        self.training_profile: dict[str, np.ndarray] = {}
        #: The cross-validation's fold models (each with its own scale): how
        #: far a fix's gain moves when the data it was learned from does.
        self.folds: list[WeightModel] = []
        #: Cliffs found in the shapes that not every fold showed, so no
        #: blocker (:func:`ranking.model.cliffs.held_by_folds`): known at
        #: training only, for the model card.
        self.unheld: dict[str, tuple[Cliff, list[float]]] = {}
        #: How much better than the best single signal it ranked held-out
        #: keyword groups (:func:`ranking.model.trust.trust_summary`), or None.
        self.trust: dict | None = None

    @classmethod
    def from_training(
        cls,
        additive: AdditiveShapes,
        features: pd.DataFrame,
        label: str,
        folds: Sequence[AdditiveShapes] = (),
        pairs: np.ndarray | None = None,
        **params,
    ) -> WeightModel:
        """The scale set from the training catalog's raw scores, and the
        shapes' cliffs found (each placed where a step best explains the
        ranking ``pairs`` of ``features``' rows, when given: see
        :func:`ranking.model.cliffs.placed`). ``folds`` are the
        cross-validation's fold models, kept (each on its own scale) for the
        range of a fix's gain: a cliff they do not all show is dropped
        (:func:`ranking.model.cliffs.held_by_folds`; kept in ``unheld`` for
        the card)."""
        raw = additive.predict(features)
        center, spread = _scale_of(raw)
        fold_models = [
            cls(fold, *_scale_of(fold.predict(features)), label) for fold in folds
        ]
        cliffs, unheld = held_by_folds(
            learn_cliffs(additive.features, additive.knots, additive.shapes, spread),
            spread,
            [
                (f.additive.features, f.additive.knots, f.additive.shapes, f.scale)
                for f in fold_models
            ],
        )
        if pairs is not None:
            for name, cliff in cliffs.items():
                if cliff is not None:
                    j = additive.features.index(name)
                    cliffs[name] = placed(
                        cliff,
                        additive.knots[j],
                        additive.shapes[j],
                        features[name].to_numpy(dtype="float64"),
                        raw,
                        pairs,
                    )
        model = cls(additive, center, spread, label, params, cliffs)
        model.unheld = unheld
        model.folds = fold_models
        return model

    @property
    def feature_names(self) -> list[str]:
        return list(self.additive.features)

    def to_data(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-ready description and plain arrays: what the model file
        stores (see :mod:`ranking.model.persist`)."""
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
            "folds": [{"center": f.center, "scale": f.scale} for f in self.folds],
            "trust": self.trust,
            **self.fit_params,
        }
        arrays = self.additive.to_arrays()
        for i, fold in enumerate(self.folds):
            for key, value in fold.additive.to_arrays().items():
                arrays[f"fold{i}_{key}"] = value
        return meta, arrays

    @classmethod
    def from_data(cls, meta: dict, arrays: dict[str, np.ndarray]) -> WeightModel:
        def shapes(prefix: str = "") -> AdditiveShapes:
            own = {
                key[len(prefix) :]: value
                for key, value in arrays.items()
                if key.startswith(prefix)
            }
            return AdditiveShapes.from_arrays(meta["features"], meta["directions"], own)

        params = {k: meta[k] for k in ("n_knots", "alpha") if k in meta}
        cliffs = {
            name: None if found is None else Cliff(**found)
            for name, found in meta["cliffs"].items()
        }
        model = cls(
            shapes(),
            float(meta["center"]),
            float(meta["scale"]),
            meta["label"],
            params,
            cliffs,
        )
        model.folds = [
            cls(
                shapes(f"fold{i}_"),
                float(f["center"]),
                float(f["scale"]),
                meta["label"],
            )
            for i, f in enumerate(meta.get("folds", []))
        ]
        model.trust = meta.get("trust")
        return model

    def raw(self, features: pd.DataFrame) -> np.ndarray:
        """Raw additive scores of feature rows."""
        return self.additive.predict(features)

    def to_weight(self, raw: np.ndarray) -> np.ndarray:
        """Raw scores → the 0-100 weight scale."""
        return 100 * sigmoid((np.asarray(raw) - self.center) / self.scale)

    def weights(self, features: pd.DataFrame) -> np.ndarray:
        """0-100 weight of feature rows."""
        return self.to_weight(self.raw(features))


def _scale_of(raw: np.ndarray) -> tuple[float, float]:
    """The 0-100 scale's centre (median raw score) and spread (interquartile
    range / 2 ln 3) over a training catalog's ``raw`` scores."""
    q25, q50, q75 = np.quantile(raw, [0.25, 0.5, 0.75])
    spread = (q75 - q25) / (2 * np.log(3)) if q75 > q25 else 1.0
    return float(q50), float(spread)
