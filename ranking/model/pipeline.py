"""The one path every command takes: read → validate → profile → features →
model → fixes.

:func:`prepare` reads an export once for its profile (fitted once: the
yardsticks, fix targets and title model) and once for its scores (the
per-category distribution behind percentiles, and each category's mean term
per feature behind contributions); :func:`score_rows` applies (profile,
model) to any rows — a chunk of the export, one listing, or what-if copies.
``train``, ``evaluate``, ``audit`` and ``score`` all go through here.

>>> from ranking.reading.export import ExportSource  # doctest: +SKIP
>>> prepared = prepare(ExportSource("catalog.csv"), model)        # doctest: +SKIP
>>> for chunk, scored in prepared.scored_chunks(): ...            # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.errors import ExportError
from ranking.messages import Said
from ranking.model.drift import DriftCounts
from ranking.model.features import (
    FACTORS,
    FEATURES,
    build_features,
    measured_columns,
    sum_by_factor,
)
from ranking.model.features.common import by_category, categories, category_positions
from ranking.model.profile import CatalogProfile, ProfilePart
from ranking.model.weight import KNOT_UNIT, WeightModel
from ranking.reading.export import Chunk, ExportSource

FEATURES_OF = {
    factor: [f.name for f in FEATURES if f.factor == factor] for factor in FACTORS
}
#: Threads that write the output's chunks at once (fixes, blockers, columns).
#: On 2 cores they take a 1M-listing score from 29 to 26 s; the profile and
#: scores passes gained nothing from threads (pandas holds the GIL there) and
#: run in order. Each thread holds about two chunks: memory grows with this.
THREADS = min(2, os.cpu_count() or 1)


def in_threads(work: Callable, items: Iterable[tuple], threads: int = THREADS):
    """``work(*item)`` for each item, on ``threads`` threads, results in
    the items' order; items are drawn from ``items`` as threads free up, so a
    generator of chunks is never read far ahead."""
    if threads == 1:
        return (work(*item) for item in items)
    # joblib brings multiprocessing, asyncio and ssl (~70 ms): loaded when
    # there are threads to run, not by every audit that imports this module.
    from joblib import Parallel, delayed

    return Parallel(n_jobs=threads, prefer="threads", return_as="generator")(
        delayed(work)(*item) for item in items
    )


def profile_part(chunks: Iterable[Chunk]) -> ProfilePart | None:
    """The profile part of some chunks (None for none): an export's, or one
    partition's on a cluster (:mod:`ranking.engines.cluster` adds them up)."""
    whole: ProfilePart | None = None
    for chunk in chunks:
        part = ProfilePart.of(chunk.data)
        whole = part if whole is None else whole + part
    return whole


def finish_profile(whole: ProfilePart | None, path, seed: int = 0) -> CatalogProfile:
    """The profile of an export's parts added up; refused when no row is left."""
    if whole is None or whole.rows == 0:
        raise ExportError(Said("error.all_rejected", path=path))
    return whole.finish(seed=seed)


def fit_profile(
    source: ExportSource,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> CatalogProfile:
    """The catalog profile of an export, built chunk by chunk."""
    whole = profile_part(source.chunks())
    if progress and whole is not None and whole.rows:
        progress("profile")
    return finish_profile(whole, source.path, seed)


@dataclass
class Scored:
    """Rows scored against (profile, model): their data (white backgrounds
    measured from image files filled in), title fit, features, raw scores and
    0-100 weights."""

    data: pd.DataFrame
    title_fit: pd.DataFrame
    features: pd.DataFrame
    raw: np.ndarray
    weight: pd.Series

    def take(self, rows: slice) -> Scored:
        """Some consecutive rows (by position)."""
        return Scored(
            self.data.iloc[rows],
            self.title_fit.iloc[rows],
            self.features.iloc[rows],
            self.raw[rows],
            self.weight.iloc[rows],
        )


def feature_rows(
    data: pd.DataFrame,
    profile: CatalogProfile,
    image_root: Path | None = None,
    title_fit: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(data, title_fit, features)`` of some rows against a profile; the
    data come back with measured white backgrounds filled in."""
    if title_fit is None:
        title_fit = profile.title_fit(data)
    features = build_features(data, profile.reference, title_fit, image_root)
    filled = measured_columns(data.columns)
    if filled:
        data = data.copy()
        # Measured once: what-if copies and later passes must not re-open files.
        for column, feature in filled.items():
            data[column] = features[feature]
    return data, title_fit, features


def feature_table(
    chunks: Iterable[Chunk], profile: CatalogProfile, image_root: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(data, features, rejects)`` of every row of some chunks (an
    export's, or one partition's on a cluster) against a profile: the data
    and features in file order, positionally indexed, and how many rows were
    rejected. What fitting and evaluating a model take."""
    datas, frames, rejects = [], [], 0
    for chunk in chunks:
        data, _, features = feature_rows(chunk.data, profile, image_root)
        datas.append(data)
        frames.append(features)
        rejects += len(chunk.rejects)
    if not datas:
        return pd.DataFrame(), pd.DataFrame(columns=[f.name for f in FEATURES]), 0
    data = pd.concat(datas).reset_index(drop=True)
    features = pd.concat(frames).reset_index(drop=True)
    return data, features, rejects


def catalog_features(
    data: pd.DataFrame, image_root: Path | None = None, seed: int = 0
) -> pd.DataFrame:
    """Features of a whole catalog held in memory, measured against its own
    profile (fitted here): for benchmarks and tests that simulate catalogs.

    >>> from ranking.sim import simulate
    >>> catalog = simulate(300, seed=2).catalog
    >>> catalog_features(catalog).shape
    (300, 25)
    """
    profile = ProfilePart.of(data).finish(seed=seed)
    return feature_rows(data, profile, image_root)[2]


def score_rows(
    data: pd.DataFrame,
    profile: CatalogProfile,
    model: WeightModel,
    image_root: Path | None = None,
    title_fit: pd.DataFrame | None = None,
) -> Scored:
    """Score some rows (canonical columns) against a profile and a model."""
    data, title_fit, features = feature_rows(data, profile, image_root, title_fit)
    raw = model.raw(features)
    weight = pd.Series(model.to_weight(raw), index=data.index)
    return Scored(data, title_fit, features, raw, weight)


@dataclass
class ScoresPart:
    """What some scored rows give :class:`CatalogScores`: their category codes
    and raw scores (in file order), their weights on the model's knots per
    category, and their drift counts. Parts add up in file order: a chunk's,
    or a cluster partition's."""

    codes: list[np.ndarray]
    raw: list[np.ndarray]
    knot_weights: list[np.ndarray]  # per feature: category × (knots + missing)
    drift: dict[str, np.ndarray]

    @classmethod
    def of(cls, scored: Scored, names: pd.Index, model: WeightModel) -> ScoresPart:
        additive = model.additive
        codes = category_positions(names, categories(scored.data))
        weights, terms = [], np.empty((len(codes), len(additive.features)))
        for j, name in enumerate(additive.features):
            column = scored.features[name]
            size = len(additive.knots[j]) + 1
            slots, units = additive.knot_weights(j, column)
            cells = np.tile(codes, 2) * size + slots
            # Integer units summed as floats stay exact (< 2**53 per cell).
            flat = np.bincount(cells, units, len(names) * size)
            weights.append(flat.astype(np.int64).reshape(len(names), size))
            terms[:, j] = additive.term(j, column)
        contributions = sum_by_factor(model.feature_names, terms)
        drift = DriftCounts(model.training_profile)
        drift.add(scored.data, pd.DataFrame(contributions, index=scored.data.index))
        return cls([codes], [scored.raw], weights, drift.to_arrays())

    def __add__(self, other: ScoresPart) -> ScoresPart:
        return ScoresPart(
            self.codes + other.codes,
            self.raw + other.raw,
            [a + b for a, b in zip(self.knot_weights, other.knot_weights, strict=True)],
            {key: self.drift[key] + other.drift[key] for key in self.drift},
        )

    def finish(self, names: pd.Index, model: WeightModel) -> CatalogScores:
        return CatalogScores.build(
            names,
            np.concatenate(self.codes),
            np.concatenate(self.raw),
            self.knot_weights,
            model,
            self.drift,
        )


def scores_part(
    chunks: Iterable[Chunk],
    profile: CatalogProfile,
    model: WeightModel,
    image_root: Path | None,
    kept: list[Scored] | None = None,
) -> ScoresPart | None:
    """Score some chunks and add up their :class:`ScoresPart` (None for no
    chunk); the scored rows are appended to ``kept`` when given."""
    names = pd.Index(profile.sizes.index)
    whole: ScoresPart | None = None
    for chunk in chunks:
        scored = score_rows(chunk.data, profile, model, image_root)
        if kept is not None:
            kept.append(scored)
        for column in measured_columns(chunk.data.columns):
            chunk.data[column] = scored.data[column]
        part = ScoresPart.of(scored, names, model)
        whole = part if whole is None else whole + part
    return whole


@dataclass
class CatalogScores:
    """What percentiles and contributions need from the whole catalog: each
    category's raw scores, sorted, and its mean term of every feature."""

    categories: pd.Index
    sorted_raw: np.ndarray  # grouped by category code, ascending inside
    starts: np.ndarray  # where each category's scores start (one past: end)
    mean_terms: pd.DataFrame  # category × feature
    #: The export's counts in the training profile's bins (:mod:`ranking.model.drift`).
    drift: dict[str, np.ndarray] | None = None
    #: :func:`ranking.model.drift.shifts_of` as a cache entry keeps it: judged
    #: once, not again (with SciPy's tests) by every later audit.
    judged: list[dict] | None = None

    def shifts(self, model: WeightModel) -> list:
        """Signals and factor contributions that moved since training."""
        if not self.drift or not model.training_profile:
            return []
        return DriftCounts(model.training_profile).load(self.drift).shifts()

    @classmethod
    def build(
        cls,
        names: pd.Index,
        codes: np.ndarray,
        raw: np.ndarray,
        knot_weights: list[np.ndarray],
        model: WeightModel,
        drift: dict[str, np.ndarray] | None = None,
    ) -> CatalogScores:
        order = np.lexsort((raw, codes))
        counts = np.bincount(codes, minlength=len(names))
        starts = np.r_[0, np.cumsum(counts)]
        additive = model.additive
        means = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, name in enumerate(model.feature_names):
                # Knot weights are integers: the mean term is the same
                # however the catalog was chunked.
                total = knot_weights[j] @ additive.shapes[j] / KNOT_UNIT
                means[name] = np.where(counts > 0, total / counts, np.nan)
        return cls(names, raw[order], starts, pd.DataFrame(means, index=names), drift)

    def _codes(self, category: pd.Series) -> np.ndarray:
        return category_positions(self.categories, category)

    def percentile(self, category: pd.Series, raw: np.ndarray) -> np.ndarray:
        """Percentile (0-100) of listings of the catalog among their category;
        ties share the average rank (pandas' ``rank(pct=True)``)."""
        codes = self._codes(category)
        out = np.full(len(raw), np.nan)
        for code in np.unique(codes[codes >= 0]):
            at = codes == code
            group = self.sorted_raw[self.starts[code] : self.starts[code + 1]]
            below = np.searchsorted(group, raw[at], side="left")
            upto = np.searchsorted(group, raw[at], side="right")
            out[at] = 100 * (below + (upto - below + 1) / 2) / len(group)
        return out

    def percentile_among_others(
        self, category: str, raw: float, own_raw: float | None
    ) -> float:
        """Percentile of a what-if score among the category's other listings
        (the listing itself, at ``own_raw``, left out)."""
        code = self.categories.get_indexer([category])[0]
        group = (
            self.sorted_raw[self.starts[code] : self.starts[code + 1]]
            if code >= 0
            else np.empty(0)
        )
        if own_raw is not None and len(group):
            at = np.searchsorted(group, own_raw)
            if at < len(group) and group[at] == own_raw:
                group = np.delete(group, at)
        below = np.searchsorted(group, raw, side="left")
        equal = np.searchsorted(group, raw, side="right") - below
        return float(100 * (below + 0.5 * equal + 0.5) / (len(group) + 1))

    def typical_terms(self, category: pd.Series, features: list[str]) -> np.ndarray:
        """Each row's category mean term of each of ``features`` (the catalog's
        mean for a category it does not have)."""
        terms = self.mean_terms[features]
        looked_up = by_category(terms.astype("float64"), category, np.nan)
        overall = terms.mean().to_numpy()
        return np.where(np.isnan(looked_up), overall, looked_up)


class PreparedCatalog:
    """A catalog's fitted state — profile, model and catalog scores — and
    what any of its rows are worth against it: what an audit, a card or a
    fix needs. Where the rows come from is the subclass's:
    :class:`Prepared` streams them from the export (and scores it whole),
    :class:`ranking.model.cache.CachedPrepared` looks them up in the cache."""

    def __init__(
        self, profile: CatalogProfile, model: WeightModel, scores: CatalogScores
    ):
        self.profile = profile
        self.model = model
        self.scores = scores

    @property
    def image_root(self) -> Path:
        raise NotImplementedError

    def lookup(self, listing_ids: list[str]) -> pd.DataFrame:
        """The canonical rows of the given listings (those the catalog has),
        labelled by position: the files of a folder export each number their
        rows from the top, so their labels repeat."""
        raise NotImplementedError

    def score(
        self, data: pd.DataFrame, title_fit=None, image_root: Path | None = None
    ) -> Scored:
        """Score rows of (or changed copies of rows of) this catalog. Rows of
        another export (``diff``'s new week) give that export's
        ``image_root``: their ``main_image`` paths start in its folder, and
        a picture of the same name in this one is last week's."""
        if image_root is None:
            image_root = self.image_root
        return score_rows(data, self.profile, self.model, image_root, title_fit)

    def percentile(self, scored: Scored) -> pd.Series:
        values = self.scores.percentile(categories(scored.data), scored.raw)
        return pd.Series(values, index=scored.data.index)

    def factor_deltas(self, scored: Scored) -> pd.DataFrame:
        """Rows × factors: each factor's terms minus the category's mean terms,
        in raw-score units (they add up: raw − their sum is the raw score of
        the category's average listing)."""
        names = self.model.feature_names
        own = self.model.additive.terms(scored.features[names]).to_numpy()
        typical = self.scores.typical_terms(categories(scored.data), names)
        out = pd.DataFrame(index=scored.data.index)
        for factor in FACTORS:
            where = [names.index(f) for f in FEATURES_OF[factor]]
            out[factor] = (own[:, where] - typical[:, where]).sum(axis=1)
        return out

    def contributions(self, scored: Scored) -> pd.DataFrame:
        """Rows × factors: weight points each factor adds or takes away against
        the category's average listing (each of its terms at the category's
        mean term) — exact, because the model is additive."""
        deltas = self.factor_deltas(scored)
        weight = scored.weight.to_numpy()
        return deltas.apply(
            lambda delta: weight - self.model.to_weight(scored.raw - delta)
        )


class Prepared(PreparedCatalog):
    """An export prepared for scoring: its source, profile, model and catalog
    scores. Iterate :meth:`scored_chunks` to score it chunk by chunk."""

    def __init__(
        self,
        source: ExportSource,
        profile: CatalogProfile,
        model: WeightModel,
        scores: CatalogScores,
        scored: list[Scored] | None = None,
    ):
        super().__init__(profile, model, scores)
        self.source = source
        # The scores pass's rows, kept when the export is held in memory anyway:
        # the output pass then scores nothing twice.
        self._scored = scored

    @property
    def image_root(self) -> Path:
        return self.source.image_root

    def scored_chunks(self) -> Iterator[tuple[Chunk, Scored]]:
        if self._scored is not None:
            yield from zip(self.source.chunks(), self._scored, strict=True)
            return
        for chunk in self.source.chunks():
            yield chunk, self.score(chunk.data)

    def lookup(self, listing_ids: list[str]) -> pd.DataFrame:
        wanted = set(listing_ids)
        found = [
            chunk.data[chunk.data["listing_id"].isin(wanted)]
            for chunk in self.source.chunks()
        ]
        return pd.concat(found, ignore_index=True)


def prepare(
    source: ExportSource,
    model: WeightModel,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    profile: CatalogProfile | None = None,
) -> Prepared:
    """Fit an export's profile (unless given: one profile serves two models)
    and take its catalog scores: two passes over its chunks (from memory for
    an export that fits, see ``MEMORY_ROWS``)."""
    if profile is None:
        profile = fit_profile(source, seed=seed, progress=progress)
    # Known before the pass: with a profile given (no profile pass first)
    # the scores pass is the first, and its rows are still kept.
    kept: list[Scored] | None = [] if source.holds_rows else None
    part = scores_part(source.chunks(), profile, model, source.image_root, kept)
    scores = part.finish(pd.Index(profile.sizes.index), model)
    if progress:
        progress("scores")
    return Prepared(source, profile, model, scores, kept)
