"""Title → category classifier, fitted on a bounded sample and kept as arrays.

The classifier is learned from a bounded sample of the catalog
(:func:`ranking.model.features.title_sample.sample_mask`), cross-fitted
inside the sample so that no listing vouches for itself
(:func:`fit_title_model`), and then scores every other listing in one
vectorised pass (:meth:`TitleModel.title_categories`). The
fitted :class:`TitleModel` is a handful of numpy arrays
(:meth:`TitleModel.to_arrays`), so it is stored without pickle, and applying
it needs numpy, scipy and pyarrow only: not scikit-learn, and no Python loop
over titles.

Features are hashed character 1-, 2- and 3-grams of the normalised title
(NFKC, lower case, white space collapsed, a space at each end), counted, with
sublinear tf, an idf learned on the sample and unit length, as scikit-learn's
``TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2,
sublinear_tf=True)`` computes them, except that an n-gram may span two words
("b c" in "usb cable"), which measured no worse on PriceRunner's real titles
and is cheaper. The classifier is scikit-learn's ``SGDClassifier`` with the
logistic loss, one-vs-rest, whose probabilities are reproduced here with
numpy. ``bench/title_model.py`` measures speed and accuracy against the
whole-catalog TF-IDF classifier it replaces.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ranking.model.features.title_grams import (
    HASH_BITS,
    MAX_CHARS,
    GramChunk,
    as_arrow,
    counts_and_lengths,
    csr,
    over_chunks,
    tfidf_weights,
)
from ranking.model.weight import sigmoid

if TYPE_CHECKING:
    import scipy.sparse as sp

FOLDS = 5
#: A category with fewer listings cannot be learned; its listings get no score.
MIN_LISTINGS = 5
#: Below this the title is not trusted to say anything (a few characters).
MIN_TITLE_CHARS = 2

#: An n-gram found in fewer sample titles is ignored (``min_df``).
MIN_DF = 2
#: Bound on classes × kept n-grams (128 MiB of float32 weights): a catalog with
#: a thousand categories keeps its most common n-grams rather than gigabytes.
MAX_WEIGHTS = 2**25
#: The classifier, scikit-learn's ``SGDClassifier``. Three passes over the
#: sample measured as accurate as up to thirty (PriceRunner: 0.983 either
#: way, the same misfit recall and precision) in under half the time.
SGD = {"loss": "log_loss", "alpha": 1e-5, "max_iter": 3, "tol": None}
#: Stored with the arrays; arrays written with another layout are refused.
FORMAT = 1

# Rows × classes of probabilities held at once.
CELLS = 2**22

# --------------------------------------------------------------- the model


class TitleModel:
    """Fitted title → category classifier stored as arrays.

    Made by :func:`fit_title_model`, saved with :meth:`to_arrays`, read back
    with :meth:`from_arrays`; applying it needs numpy, scipy and pyarrow only.

    Parameters
    ----------
    classes : array of str
        Category names, sorted.
    columns : array of int
        The hashed n-grams the model knows, sorted; others are ignored.
    idf : array of float
        Inverse document frequency of each of ``columns``.
    coef : array of float, (len(columns), len(classes)) or (len(columns), 1)
        One-vs-rest weights; a single column for two classes (the second
        against the first), as scikit-learn keeps them.
    intercept : array of float, (coef.shape[1],)

    Attributes
    ----------
    classes_ : numpy.ndarray of str
        Category names, sorted: the columns of :meth:`predict_proba`.
    """

    def __init__(self, classes, columns, idf, coef, intercept):
        self.classes_ = np.asarray(classes, dtype=str)
        self.columns = np.asarray(columns, dtype=np.int64)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        kept = len(self.columns)
        outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        if (
            len(self.classes_) < 2
            or np.any(self.classes_[1:] <= self.classes_[:-1])
            or self.coef.shape != (kept, outputs)
            or self.idf.shape != (kept,)
            or self.intercept.shape != (outputs,)
            or np.any(np.diff(self.columns) <= 0)
            or (kept and not 0 <= self.columns[0] <= self.columns[-1] < 2**HASH_BITS)
        ):
            raise ValueError(
                f"title model arrays do not fit together: {len(self.classes_)} "
                f"classes, coef {self.coef.shape}, idf {self.idf.shape}, "
                f"{kept} columns, intercept {self.intercept.shape}"
            )
        # Every n-gram the model does not know (and _NONE) maps to one more
        # column, whose idf and weights are zero: no row needs filtering.
        self._lookup = np.full(2**HASH_BITS + 1, kept, dtype=np.int32)
        self._lookup[self.columns] = np.arange(kept, dtype=np.int32)
        self._idf = np.append(self.idf, np.float32(0))
        self._coef = np.vstack([self.coef, np.zeros((1, outputs), np.float32)])
        self.idf, self.coef = self._idf[:-1], self._coef[:-1]

    # ---- storage

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The model as plain arrays, for ``np.savez`` and
        ``np.load(allow_pickle=False)``.

        Returns
        -------
        dict of str to numpy.ndarray
            ``layout`` (format, hash bits, characters kept), ``classes``
            (unicode), ``columns``, ``idf``, ``coef``, ``intercept``.
        """
        return {
            "layout": np.array([FORMAT, HASH_BITS, MAX_CHARS], dtype=np.int64),
            "classes": self.classes_.copy(),
            "columns": self.columns.copy(),
            "idf": self.idf.copy(),
            "coef": self.coef.copy(),
            "intercept": self.intercept.copy(),
        }

    @classmethod
    def from_arrays(cls, arrays) -> TitleModel:
        """Rebuild a model from :meth:`to_arrays` (or ``np.load`` of them).

        Raises
        ------
        ValueError
            The arrays were written with another layout (hashing, format), or
            are missing or inconsistent.
        """
        names = ("layout", "classes", "columns", "idf", "coef", "intercept")
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ValueError(f"title model arrays lack {', '.join(missing)}")
        layout = [int(value) for value in np.asarray(arrays["layout"]).ravel()]
        if layout != [FORMAT, HASH_BITS, MAX_CHARS]:
            raise ValueError(
                f"title model written with layout {layout}, this version reads "
                f"{[FORMAT, HASH_BITS, MAX_CHARS]}: fit it again"
            )
        return cls(*(np.asarray(arrays[name]) for name in names[1:]))

    # ---- applying

    def _known(self, chunk: GramChunk) -> tuple[sp.csr_matrix, np.ndarray]:
        """Unnormalised tf-idf of a chunk's titles over the model's n-grams
        (and the zero column), and the norm of each row."""
        column = np.take(self._lookup, chunk.hashes)
        weights = tfidf_weights(chunk.counts, column, self._idf)
        # int32 like the column indices, or scipy would copy them to int64.
        indptr = np.zeros(len(chunk.entries) + 1, dtype=np.int32)
        np.cumsum(chunk.entries, out=indptr[1:])
        # No row is empty (each ends in _NONE), as reduceat needs.
        squares = np.add.reduceat(weights * weights, indptr[:-1])
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        shape = (len(chunk.entries), len(self._idf))
        return csr((weights, column, indptr), shape=shape), norms

    def _batches(
        self, features: sp.csr_matrix
    ) -> Iterator[tuple[slice, sp.csr_matrix]]:
        """Row ranges, and their rows, few enough for their probabilities to
        fit CELLS (all rows at once, uncopied, when they do)."""
        n = features.shape[0]
        step = max(1, CELLS // len(self.classes_))
        if n <= step:
            yield slice(0, n), features
            return
        for start in range(0, n, step):
            yield slice(start, start + step), features[start : start + step]

    def _decision(
        self, features: sp.csr_matrix, norms: np.ndarray | None = None
    ) -> np.ndarray:
        """``features @ coef + intercept``; dividing the product by the row
        norms is the same as normalising the rows first, and cheaper."""
        weights = self._coef if features.shape[1] == len(self._coef) else self.coef
        product = np.asarray(features @ weights, dtype=np.float64)
        if norms is not None:
            product /= norms[:, None]
        product += self.intercept
        return product

    def _sigmoids(self, decision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """scikit-learn's one-vs-rest ``predict_proba`` of the logistic loss,
        before the division: each class's sigmoid, and their row sum."""
        if decision.shape[1] == 1:
            positive = sigmoid(decision[:, 0])
            return np.column_stack([1.0 - positive, positive]), np.ones(len(decision))
        sigmoids = sigmoid(decision)
        total = sigmoids.sum(axis=1)
        vanished = total < np.finfo(np.float64).tiny
        if vanished.any():
            # Every sigmoid underflowed (scikit-learn would divide 0 by 0):
            # the same ratios, from log-sigmoids less their row maximum.
            logs = -np.logaddexp(0.0, -decision[vanished])
            sigmoids[vanished] = np.exp(logs - logs.max(axis=1, keepdims=True))
            total[vanished] = sigmoids[vanished].sum(axis=1)
        return sigmoids, total

    def _summary(
        self, decision: np.ndarray, placed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probability of the placed class (``placed`` indexes ``classes_``;
        NaN where -1), index of the best class and its probability."""
        sigmoids, total = self._sigmoids(decision)
        at = np.arange(len(decision))
        best = sigmoids.argmax(axis=1)
        best_prob = sigmoids[at, best] / total
        own = sigmoids[at, np.maximum(placed, 0)] / total
        return np.where(placed >= 0, own, np.nan), best, best_prob

    def predict_proba(self, titles) -> np.ndarray:
        """Probability of each class for each title.

        Parameters
        ----------
        titles : pandas.Series, array-like of str, or pyarrow array

        Returns
        -------
        numpy.ndarray
            ``(len(titles), len(classes_))``, rows summing to one. A missing
            title, or one without a known n-gram, gets the probabilities of
            an all-zero row (the intercepts'), as in scikit-learn.
        """

        def work(chunk: GramChunk) -> tuple[np.ndarray, list[np.ndarray]]:
            features, norms = self._known(chunk)
            parts = []
            for rows, some in self._batches(features):
                sigmoids, total = self._sigmoids(self._decision(some, norms[rows]))
                parts.append(sigmoids / total[:, None])
            return chunk.positions, parts

        out = np.empty((len(as_arrow(titles)), len(self.classes_)))
        for positions, parts in over_chunks(titles, work):
            out[positions] = np.concatenate(parts)
        return out

    def class_codes(self, names) -> np.ndarray:
        """Index of each name in ``classes_``; -1 where it is not a class."""
        return _codes_in(self.classes_, names)

    def one_vs_rest(self) -> tuple[np.ndarray, np.ndarray]:
        """``(coef, intercept)`` with one column per class, also for two
        classes, where scikit-learn keeps one: the first class's sigmoid is
        ``1 - sigmoid(d) = sigmoid(-d)``, so its column is the negated one."""
        if len(self.classes_) == 2:
            return (
                np.hstack([-self.coef, self.coef]).astype(np.float64),
                np.array([-self.intercept[0], self.intercept[0]]),
            )
        return self.coef.astype(np.float64), self.intercept.copy()

    def title_categories(self, titles: pd.Series, placed: pd.Series) -> pd.DataFrame:
        """How well each title fits its placed category, and its best one.

        Parameters
        ----------
        titles : pandas.Series
        placed : pandas.Series
            The category each listing is placed in, row by row with
            ``titles``.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``titles``: ``title_fit`` (the probability of the
            placed category; NaN where it is not one of ``classes_``),
            ``best_category`` (string) and ``best_prob``; all missing where
            the title is missing or shorter than :data:`MIN_TITLE_CHARS`
            characters once normalised.
        """
        if len(placed) != len(titles):
            raise ValueError(f"{len(titles)} titles but {len(placed)} categories")
        codes = self.class_codes(placed)

        def work(chunk: GramChunk) -> tuple[np.ndarray, ...]:
            features, norms = self._known(chunk)
            parts = [
                self._summary(
                    self._decision(some, norms[rows]), codes[chunk.positions[rows]]
                )
                for rows, some in self._batches(features)
            ]
            fit, best, best_prob = (
                np.concatenate(part) for part in zip(*parts, strict=True)
            )
            unusable = chunk.chars < MIN_TITLE_CHARS
            best[unusable] = -1
            return chunk.positions, fit, best, best_prob

        fit = np.full(len(titles), np.nan)
        best = np.full(len(titles), -1, dtype=np.int64)
        best_prob = np.full(len(titles), np.nan)
        for positions, *part in over_chunks(titles, work):
            fit[positions], best[positions], best_prob[positions] = part
        return _frame(titles.index, fit, best, best_prob, self.classes_)


def _codes_in(classes: np.ndarray, names) -> np.ndarray:
    """Index of each name in the sorted ``classes``; -1 where it is not one."""
    codes, uniques = pd.factorize(pd.Series(names).astype("string"))
    uniques = np.asarray(uniques, dtype=str)
    at = np.minimum(np.searchsorted(classes, uniques), len(classes) - 1)
    known = np.where(classes[at] == uniques, at, -1)
    return np.where(codes >= 0, known[np.maximum(codes, 0)], -1)


def _frame(index, fit, best, best_prob, classes) -> pd.DataFrame:
    """The output columns; ``best`` indexes ``classes``, -1 where unscored
    (then all three are missing)."""
    scored = best >= 0
    names = pd.array(np.asarray(classes, dtype=object), dtype="string")
    return pd.DataFrame(
        {
            "title_fit": np.where(scored, fit, np.nan),
            "best_category": pd.Series(
                names.take(best, allow_fill=True), index=index, dtype="string"
            ),
            "best_prob": np.where(scored, best_prob, np.nan),
        },
        index=index,
    )


# ----------------------------------------------------------------- fitting


def fit_title_model(
    titles: pd.Series, categories: pd.Series, keys: np.ndarray, seed: int = 0
) -> tuple[TitleModel | None, pd.DataFrame]:
    """Fit the classifier on the given rows (the sample), cross-fitted.

    Parameters
    ----------
    titles, categories : pandas.Series
        Row by row; a missing category is never learned from.
    keys : numpy.ndarray of uint64
        Each row's key: its fold is ``keys % FOLDS``, and rows are fitted in
        key order, so the result does not depend on the row order.
    seed : int
        The random state of the SGD passes.

    Returns
    -------
    model : TitleModel or None
        Fitted on every learnable row (a usable title, in a category with at
        least :data:`MIN_LISTINGS` of the given rows); None with fewer than
        two learnable categories.
    fit : pandas.DataFrame
        Indexed like ``titles``, the columns of
        :meth:`TitleModel.title_categories`, each row scored by a model
        fitted on the other folds only: a listing's own (possibly wrong)
        category never vouches for it. A category a fold's model never saw
        gets probability 0.
    """
    n = len(titles)
    keys = np.asarray(keys, dtype=np.uint64)
    if len(categories) != n or len(keys) != n:
        raise ValueError(f"{n} titles, {len(categories)} categories, {len(keys)} keys")
    text = titles.astype("string")
    label = categories.astype("string")
    order = _key_order(text, label, keys)
    counts, chars = counts_and_lengths(text.iloc[order])
    label = label.iloc[order].to_numpy(dtype=object, na_value=None)
    fold_of = keys[order] % FOLDS
    usable = chars >= MIN_TITLE_CHARS
    learnable = usable & _in_large_category(label)
    classes = np.sort(np.unique(label[learnable].astype(str)))
    unscored = np.full(n, -1, dtype=np.int64)
    if len(classes) < 2:
        return None, _frame(titles.index, np.full(n, np.nan), unscored, unscored, [])

    columns, idf = vocabulary(counts[usable], len(classes))
    features = tfidf_rows(counts, columns, idf)
    cross = _CrossFit(features, label, classes, columns, idf, seed)
    for fold in range(FOLDS):
        score = np.flatnonzero(usable & (fold_of == fold))
        train = np.flatnonzero(learnable & (fold_of != fold))
        cross.fold(score, train)
    model = cross.mean()
    if model is None:
        # Too few listings for every class to be in some fold's model.
        model = _fit_sgd(features, label, np.flatnonzero(learnable), columns, idf, seed)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    fit, best, best_prob = cross.fit[back], cross.best[back], cross.best_prob[back]
    return model, _frame(titles.index, fit, best, best_prob, classes)


def _key_order(text: pd.Series, label: pd.Series, keys: np.ndarray) -> np.ndarray:
    """The rows in key order, ties by title then category: neither the folds
    nor SGD's pass over the rows depend on the order of the export."""
    return np.lexsort(
        (
            pd.factorize(label, sort=True)[0],
            pd.factorize(text, sort=True)[0],
            keys,
        )
    )


def _in_large_category(label: np.ndarray) -> np.ndarray:
    """Rows with a category that at least :data:`MIN_LISTINGS` rows have
    (a category is learned from enough examples, or not at all)."""
    named = pd.notna(label)
    sizes = pd.Series(label[named]).value_counts()
    enough = pd.Series(label).map(sizes).fillna(0).to_numpy() >= MIN_LISTINGS
    return named & enough


class _CrossFit:
    """The fold models of a cross-fit, each fitted on the other folds and
    scoring its own (:meth:`fold`): every scored row's ``fit``, ``best`` and
    ``best_prob`` come from a model that never saw it.

    The model applied to the other listings is the mean of the fold models
    (each fitted on 4/5 of the sample): one SGD fit fewer than refitting on
    the whole sample, with the same accuracy (bench/title_model.py). Their
    one-vs-rest coefficients are summed here per class of the whole model."""

    def __init__(self, features, label, classes, columns, idf, seed: int):
        self.features, self.label, self.seed = features, label, seed
        self.classes, self.columns, self.idf = classes, columns, idf
        self.placed = _codes_in(classes, label)
        n = len(label)
        self.fit = np.full(n, np.nan)
        self.best = np.full(n, -1, dtype=np.int64)
        self.best_prob = np.full(n, np.nan)
        self.coef_sum = np.zeros((len(columns), len(classes)))
        self.intercept_sum = np.zeros(len(classes))
        self.folds_with = np.zeros(len(classes))

    def fold(self, score: np.ndarray, train: np.ndarray) -> None:
        """Fit a fold's model on rows ``train`` and score rows ``score`` with
        it; nothing when there is nothing to score or to tell apart."""
        if len(score) == 0 or len(np.unique(self.label[train].astype(str))) < 2:
            return
        part = _fit_sgd(
            self.features, self.label, train, self.columns, self.idf, self.seed
        )
        # The fold's classes are some of the model's: map between the two.
        where = np.searchsorted(self.classes, part.classes_)
        coef, intercept = part.one_vs_rest()
        self.coef_sum[:, where] += coef
        self.intercept_sum[where] += intercept
        self.folds_with[where] += 1
        held_out = _held_out_scores(
            part, where, self.classes, self.features[score], self.placed[score]
        )
        self.fit[score], self.best[score], self.best_prob[score] = held_out

    def mean(self) -> TitleModel | None:
        """The mean of the fold models; None when some class is in none."""
        if not self.folds_with.min() > 0:
            return None
        coef = self.coef_sum / self.folds_with
        intercept = self.intercept_sum / self.folds_with
        if len(self.classes) == 2:
            # scikit-learn's layout for two classes: the second against the first.
            coef, intercept = coef[:, 1:], intercept[1:]
        return TitleModel(self.classes, self.columns, self.idf, coef, intercept)


def _held_out_scores(
    part: TitleModel,
    where: np.ndarray,
    classes: np.ndarray,
    features: sp.csr_matrix,
    own: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A fold's held-out rows scored by the model fitted without them
    (``part``, whose classes are ``classes`` at ``where``): the probability
    of each row's own category (``own``, a code in ``classes``, -1 for none),
    its best category (a code in ``classes``) and that one's probability. A
    category the fold's model never saw fits with probability 0."""
    to_part = np.full(len(classes), -1)
    to_part[where] = np.arange(len(where))
    own_part = np.where(own >= 0, to_part[np.maximum(own, 0)], -1)
    fit = np.full(len(own), np.nan)
    best = np.full(len(own), -1, dtype=np.int64)
    best_prob = np.full(len(own), np.nan)
    for rows, some in part._batches(features):
        p_fit, p_best, p_prob = part._summary(part._decision(some), own_part[rows])
        fit[rows] = np.where((own[rows] >= 0) & (own_part[rows] < 0), 0.0, p_fit)
        best[rows] = where[p_best]
        best_prob[rows] = p_prob
    return fit, best, best_prob


def vocabulary(counts: sp.csr_matrix, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-grams kept: in at least :data:`MIN_DF` titles, and the most
    common ones if classes × n-grams would pass :data:`MAX_WEIGHTS`; and
    their smoothed idf, ``ln((1 + n) / (1 + df)) + 1`` as scikit-learn's."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    columns = np.flatnonzero(df >= MIN_DF)
    room = MAX_WEIGHTS // classes
    if len(columns) > room:
        # Most common first, ties by hash: the same sample keeps the same.
        columns = np.sort(columns[np.lexsort((columns, -df[columns]))[:room]])
    idf = np.log((1 + counts.shape[0]) / (1 + df[columns])) + 1
    return columns, idf.astype(np.float32)


def tfidf_rows(
    counts: sp.csr_matrix, columns: np.ndarray, idf: np.ndarray
) -> sp.csr_matrix:
    """tf-idf rows of unit length over the kept n-grams, as the model's
    application computes them."""
    lookup = np.full(counts.shape[1], -1, dtype=np.int32)
    lookup[columns] = np.arange(len(columns), dtype=np.int32)
    column = lookup[counts.indices]
    known = column >= 0
    column = column[known]
    n = counts.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(counts.indptr))[known]
    # float64, as scikit-learn's SGD would otherwise copy it at every fit.
    weights = tfidf_weights(counts.data[known].astype(np.int32), column, idf)
    weights = weights.astype(np.float64)
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=n))
    norms[norms == 0] = 1.0
    weights /= norms[rows]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return csr((weights, column, indptr), shape=(n, len(columns)))


def _fit_sgd(
    features: sp.csr_matrix,
    label: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    idf: np.ndarray,
    seed: int,
) -> TitleModel:
    """scikit-learn's SGD classifier on some rows, as a :class:`TitleModel`."""
    # Only fitting needs scikit-learn; applying a stored model does not.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    from threadpoolctl import threadpool_limits

    sgd = SGDClassifier(**SGD, random_state=seed, n_jobs=-1)
    # SGD calls BLAS, whose OpenBLAS threads then spin beside SGD's own
    # one-vs-rest threads: one BLAS thread took a fold's fit from 0.47 s to
    # 0.28 s on 2 cores (40,000 titles, 12 categories).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        # A fixed number of passes is the point; convergence is not awaited.
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd.fit(features[rows], label[rows].astype(str))
    return TitleModel(sgd.classes_, columns, idf, sgd.coef_.T, sgd.intercept_)
