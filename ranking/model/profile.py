"""The catalog profile: what a catalog's listings are measured against, fitted
once from an export and applied to any rows.

A profile holds each category's yardsticks (medians and means the features
are measured against), the fix targets (75th and 25th percentiles of raw
signals), the category sizes, the export's reference date, and the fitted
title → category model. It is built from chunks: each chunk gives a
:class:`ProfilePart`, parts combine with ``+`` in any order, and
:meth:`ProfilePart.finish` fits the title model and returns the
:class:`CatalogProfile`. A chunked build equals a one-pass build exactly.

Percentiles and medians come from merged frequency tables of (category,
value) → count, so they are exact (pandas' linear interpolation) as long as a
quantity has at most :data:`EXACT_VALUES` distinct values across the
catalog. Beyond that, values are rounded to fewer significant digits
(:data:`SIGNIFICANT_DIGITS` first) and the profile records the largest relative
error this may cause (``CatalogProfile.relative_error``, 0.0 when exact).

>>> from ranking.sim import simulate
>>> data = simulate(300, seed=1).catalog
>>> whole = ProfilePart.of(data).finish()
>>> halves = (ProfilePart.of(data.iloc[:150]) + ProfilePart.of(data.iloc[150:]))
>>> halves.finish().reference.centers.equals(whole.reference.centers)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ranking.model.features import FAMILIES, listing
from ranking.model.features.common import (
    Reference,
    by_category,
    categories,
    column,
    listing_keys,
)
from ranking.model.features.dsr import DSR_COLUMNS
from ranking.model.features.title_model import TitleModel, fit_title_model
from ranking.model.features.title_sample import sample_mask

#: Distinct values a quantity may keep across the catalog before its table is
#: rounded (a million exports stay exact; memory stays bounded beyond).
EXACT_VALUES = 1 << 21
#: Significant digits kept once a table is rounded, tried in this order.
SIGNIFICANT_DIGITS = (9, 7, 6, 5, 4)
#: Known values a category needs before its own percentile target is used;
#: fewer and the catalog-wide one stands in.
MIN_CATEGORY_LISTINGS = 5
#: Bounded sample the title model learns from: the listings with the
#: smallest hashed ids overall, plus the smallest of each category (so small
#: categories are learnt too). Chunk-independent: the smallest of a union are
#: the smallest of its parts' smallest.
TITLE_SAMPLE = 40_000
TITLE_SAMPLE_PER_CATEGORY = 200

#: Families whose yardsticks the profile holds (those that declare centres,
#: in the features' table), and how each quantity is centred.
YARDSTICK_FAMILIES = tuple(f for f in FAMILIES.values() if f.centers)
CENTERS: dict[str, str] = {
    name: how for family in YARDSTICK_FAMILIES for name, how in family.centers.items()
}
#: Percentile targets of the default fixes (spec §3): the 75th, or the 25th
#: for the negative-review share, which a fix lowers.
TARGETS: dict[str, float] = {
    "monthly_sales": 0.75,
    "payer_count": 0.75,
    "favorite_rate": 0.75,
    "cart_rate": 0.75,
    "avg_rating": 0.75,
    "negative_share": 0.25,
    "photo_share": 0.75,
    **dict.fromkeys(DSR_COLUMNS, 0.75),
}
#: Targets that count whole units or buyers: rounded up.
WHOLE_TARGETS = ("monthly_sales", "payer_count")


def signal_rates(data: pd.DataFrame) -> pd.DataFrame:
    """Per-visitor favourite and cart rates, and negative and photo shares of
    reviews: the rates the fixes target (unknown where the base is 0)."""
    visitors = column(data, "visitors").where(lambda v: v > 0)
    reviews_ = column(data, "review_count").where(lambda v: v > 0)
    return pd.DataFrame(
        {
            "favorite_rate": column(data, "favorites") / visitors,
            "cart_rate": column(data, "add_to_cart") / visitors,
            "negative_share": column(data, "negative_reviews") / reviews_,
            "photo_share": column(data, "photo_reviews") / reviews_,
        },
        index=data.index,
    )


def target_signals(data: pd.DataFrame) -> pd.DataFrame:
    """The raw signals and rates the fix targets are percentiles of."""
    rates = signal_rates(data)
    plain = {name: column(data, name) for name in TARGETS if name not in rates}
    return pd.concat([pd.DataFrame(plain, index=data.index), rates], axis=1)[
        list(TARGETS)
    ]


# ------------------------------------------------------------ value tables


def _by_code_then_value(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.lexsort((values, codes))`` up to the order of equal pairs, 5× as
    fast: a quicksort of the values, then a stable sort of the category codes,
    which numpy does as a radix sort when they fit in 16 bits."""
    by_value = np.argsort(values)
    small = np.int16 if len(codes) == 0 or codes.max() < 2**15 else np.int64
    return by_value[np.argsort(codes[by_value].astype(small), kind="stable")]


@dataclass
class ValueTable:
    """(category code, value) → count for one quantity, sorted and unique;
    ``digits`` is None while exact, else the significant digits kept."""

    codes: np.ndarray
    values: np.ndarray
    counts: np.ndarray
    digits: int | None = None

    @classmethod
    def of(cls, codes: np.ndarray, values: np.ndarray) -> ValueTable:
        known = np.isfinite(values)
        return cls._reduced(
            codes[known].astype(np.int64),
            values[known],
            np.ones(int(known.sum()), np.int64),
            None,
        )

    @classmethod
    def _reduced(cls, codes, values, counts, digits) -> ValueTable:
        if digits is not None:
            values = _round_significant(values, digits)
        order = _by_code_then_value(codes, values)
        codes, values, counts = codes[order], values[order], counts[order]
        if len(codes):
            new = np.r_[True, (codes[1:] != codes[:-1]) | (values[1:] != values[:-1])]
            starts = np.flatnonzero(new)
            codes, values = codes[starts], values[starts]
            counts = np.add.reduceat(counts, starts)
        table = cls(codes, values, counts, digits)
        return table._bounded()

    def _bounded(self) -> ValueTable:
        if len(self.values) <= EXACT_VALUES:
            return self
        tighter = [
            d for d in SIGNIFICANT_DIGITS if self.digits is None or d < self.digits
        ]
        if not tighter:
            return self
        return ValueTable._reduced(self.codes, self.values, self.counts, tighter[0])

    def __add__(self, other: ValueTable) -> ValueTable:
        digits = min(
            (d for d in (self.digits, other.digits) if d is not None), default=None
        )
        return ValueTable._reduced(
            np.r_[self.codes, other.codes],
            np.r_[self.values, other.values],
            np.r_[self.counts, other.counts],
            digits,
        )

    def remapped(self, mapping: np.ndarray) -> ValueTable:
        """The table with category codes renumbered through ``mapping``."""
        return ValueTable._reduced(
            mapping[self.codes], self.values, self.counts, self.digits
        )

    def pooled(self) -> ValueTable:
        """Every category as one (code 0): the catalog-wide table."""
        return ValueTable._reduced(
            np.zeros_like(self.codes), self.values, self.counts, self.digits
        )

    def known(self, n_codes: int) -> np.ndarray:
        """Known values per category code."""
        return np.bincount(self.codes, self.counts, n_codes).astype(np.int64)

    def mean(self, n_codes: int) -> np.ndarray:
        """Mean per category code (NaN where none), summed in value order."""
        total = np.bincount(self.codes, self.values * self.counts, n_codes)
        known = self.known(n_codes)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(known > 0, total / known, np.nan)

    def quantile(self, q: float, n_codes: int) -> np.ndarray:
        """The ``q`` quantile per category code (NaN where none), with the
        linear interpolation of ``numpy.quantile`` / pandas."""
        known = self.known(n_codes)
        out = np.full(n_codes, np.nan)
        have = np.flatnonzero(known > 0)
        if len(have) == 0:
            return out
        cumulative = np.cumsum(self.counts)
        start = np.r_[0, np.cumsum(known)][have]
        h = (known[have] - 1) * q
        low, high = np.floor(h), np.ceil(h)
        at_low = np.searchsorted(cumulative, start + low, side="right")
        at_high = np.searchsorted(cumulative, start + high, side="right")
        a, b, t = self.values[at_low], self.values[at_high], h - low
        # numpy's _lerp: exact at both ends, symmetric around the middle.
        out[have] = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
        return out

    def relative_error(self) -> float:
        return 0.0 if self.digits is None else 0.5 * 10.0 ** (1 - self.digits)


def _round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
    magnitude = np.where(np.isfinite(magnitude), magnitude, 0)
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.round(values * scale) / scale


# ------------------------------------------------------------------ parts


def profile_quantities(data: pd.DataFrame) -> pd.DataFrame:
    """Every quantity a yardstick or a fix target is taken of, per listing."""
    parts = [family.quantities(data) for family in YARDSTICK_FAMILIES]
    parts.append(target_signals(data).add_prefix("target:"))
    return pd.concat(parts, axis=1)


@dataclass
class ProfilePart:
    """What one chunk contributes to a profile; parts combine with ``+``."""

    categories: list[str]
    sizes: np.ndarray
    tables: dict[str, ValueTable]
    end: pd.Timestamp | None  # the export's window, where it says
    newest: tuple  # the two newest listed_at (listing.newest_listed)
    sample: pd.DataFrame  # key, title, category of the title-sample candidates
    rows: int = 0

    @property
    def as_of(self) -> pd.Timestamp | None:
        """The reference date (:func:`listing.reference_date`)."""
        return listing.reference_date(end=self.end, newest=self.newest)

    @classmethod
    def of(cls, data: pd.DataFrame) -> ProfilePart:
        """The part of one chunk of validated canonical rows."""
        category = categories(data)
        codes, names = pd.factorize(category, sort=True)
        quantities = profile_quantities(data)
        tables = {
            name: ValueTable.of(codes, values.to_numpy(dtype="float64"))
            for name, values in quantities.items()
        }
        return cls(
            categories=[str(n) for n in names],
            sizes=np.bincount(codes, minlength=len(names)).astype(np.int64),
            tables=tables,
            end=listing.period_end(data),
            newest=listing.newest_listed(data),
            sample=_sample_candidates(data, category),
            rows=len(data),
        )

    def __add__(self, other: ProfilePart) -> ProfilePart:
        names = sorted(set(self.categories) | set(other.categories))
        lookup = {name: i for i, name in enumerate(names)}
        mine = np.array([lookup[c] for c in self.categories], dtype=np.int64)
        theirs = np.array([lookup[c] for c in other.categories], dtype=np.int64)
        sizes = np.zeros(len(names), np.int64)
        np.add.at(sizes, mine, self.sizes)
        np.add.at(sizes, theirs, other.sizes)
        tables = {
            name: self.tables[name].remapped(mine) + other.tables[name].remapped(theirs)
            for name in self.tables
        }
        ends = [d for d in (self.end, other.end) if d is not None]
        sample = pd.concat([self.sample, other.sample], ignore_index=True)
        return ProfilePart(
            categories=names,
            sizes=sizes,
            tables=tables,
            end=max(ends) if ends else None,
            newest=listing.newest_of(self.newest, other.newest),
            sample=_bounded_sample(sample),
            rows=self.rows + other.rows,
        )

    def reference(self) -> Reference:
        """The yardsticks: each category's centre of every quantity, shrunk
        toward the catalog's by how many values the category has."""
        n = len(self.categories)
        index = pd.Index(self.categories, name="category")
        centers, overall, known = {}, {}, {}
        for name, how in CENTERS.items():
            table = self.tables[name]
            whole = table.pooled()
            if how == "mean":
                own, all_ = table.mean(n), whole.mean(1)[0]
            else:
                own, all_ = table.quantile(0.5, n), whole.quantile(0.5, 1)[0]
            centers[name], overall[name], known[name] = own, all_, table.known(n)
        return Reference.from_centers(
            pd.DataFrame(centers, index=index),
            pd.DataFrame(known, index=index),
            pd.Series(overall, dtype="float64"),
            self.as_of,
        )

    def finish(self, seed: int = 0) -> CatalogProfile:
        """The profile: yardsticks, targets and the fitted title model."""
        n = len(self.categories)
        index = pd.Index(self.categories, name="category")
        reference = self.reference()
        targets, fallback = {}, {}
        for name, q in TARGETS.items():
            table = self.tables[f"target:{name}"]
            own = table.quantile(q, n)
            whole = table.pooled().quantile(q, 1)[0]
            own = np.where(table.known(n) >= MIN_CATEGORY_LISTINGS, own, whole)
            targets[name], fallback[name] = own, whole
        targets = pd.DataFrame(targets, index=index)
        fallback = pd.Series(fallback, dtype="float64")
        for name in WHOLE_TARGETS:
            targets[name] = np.ceil(targets[name])
            fallback[name] = np.ceil(fallback[name])

        sample = self.sample.sort_values("key", kind="stable").reset_index(drop=True)
        model, crossfit = fit_title_model(
            sample["title"], sample["category"], sample["key"].to_numpy(), seed=seed
        )
        crossfit.index = pd.Index(sample["key"].to_numpy(), name="key")
        crossfit["category"] = sample["category"].to_numpy()
        error = max((t.relative_error() for t in self.tables.values()), default=0.0)
        return CatalogProfile(
            sizes=pd.Series(self.sizes, index=index),
            reference=reference,
            targets=targets,
            fallback_targets=fallback,
            title_model=model,
            title_sample=crossfit,
            rows=self.rows,
            relative_error=error,
            seed=seed,
        )


def _sample_candidates(data: pd.DataFrame, category: pd.Series) -> pd.DataFrame:
    if "title" not in data.columns or "category" not in data.columns:
        return pd.DataFrame(
            {"key": pd.Series(dtype=np.uint64), "title": [], "category": []}
        )
    usable = data["title"].notna() & data["category"].notna()
    frame = pd.DataFrame(
        {
            "key": listing_keys(data)[usable.to_numpy()],
            "title": data["title"][usable].astype("string").to_numpy(),
            "category": category[usable].astype("string").to_numpy(),
        }
    )
    return _bounded_sample(frame)


def _bounded_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows among the :data:`TITLE_SAMPLE` smallest keys overall or the
    :data:`TITLE_SAMPLE_PER_CATEGORY` smallest of their category."""
    keep = sample_mask(
        frame["category"].to_numpy(dtype=str),
        frame["key"].to_numpy(dtype=np.uint64),
        TITLE_SAMPLE,
        TITLE_SAMPLE_PER_CATEGORY,
    )
    return frame[keep].sort_values("key", kind="stable").reset_index(drop=True)


def category_reference(data: pd.DataFrame) -> Reference:
    """The yardsticks of a catalog given whole (see :meth:`ProfilePart.reference`).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"category": ["a", "a", "b"], "price": [1.0, 3.0, 9.0]})
    >>> round(float(category_reference(frame).overall["log_price"]), 3)
    1.099
    """
    return ProfilePart.of(data).reference()


# ---------------------------------------------------------------- profile


@dataclass
class CatalogProfile:
    """A catalog's fitted state: apply it to any rows (the catalog itself, one
    chunk of it, or what-if copies of a few listings)."""

    sizes: pd.Series  # listings per category
    reference: Reference
    targets: pd.DataFrame  # category × TARGETS
    fallback_targets: pd.Series  # catalog-wide, for unseen categories
    title_model: object | None
    title_sample: pd.DataFrame  # key → cross-fitted title_fit, best_category, ...
    rows: int
    relative_error: float = 0.0
    seed: int = 0

    def targets_for(self, data: pd.DataFrame) -> pd.DataFrame:
        """Each listing's category targets (catalog-wide for an unseen one)."""
        values = by_category(self.targets.astype("float64"), categories(data), np.nan)
        looked_up = pd.DataFrame(values, index=data.index, columns=self.targets.columns)
        return looked_up.fillna(self.fallback_targets)

    def title_fit(self, data: pd.DataFrame) -> pd.DataFrame:
        """Title → category probabilities of each row: cross-fitted for the
        listings the model learnt from (so none vouches for itself), the
        fitted model's for every other row (one vectorised pass)."""
        out = pd.DataFrame(
            {
                "title_fit": np.nan,
                "best_category": pd.Series(pd.NA, index=data.index, dtype="string"),
                "best_prob": np.nan,
            },
            index=data.index,
        )
        if (
            self.title_model is None
            or "title" not in data.columns
            or "category" not in data.columns
        ):
            return out
        keys = listing_keys(data)
        placed = categories(data).to_numpy()
        sample = self.title_sample
        hit = pd.Index(sample.index).get_indexer(keys)
        same = hit >= 0
        same[same] = sample["category"].to_numpy()[hit[same]] == placed[same]
        both = data["title"].notna().to_numpy() & data["category"].notna().to_numpy()
        same &= both
        rest = ~same & both
        if rest.any():
            fitted = self.title_model.title_categories(
                data["title"][rest], data["category"][rest]
            )
            out.loc[fitted.index] = fitted[out.columns]
        if same.any():
            rows = sample.iloc[hit[same]]
            out.loc[data.index[same], "title_fit"] = rows["title_fit"].to_numpy()
            out.loc[data.index[same], "best_category"] = rows["best_category"].array
            out.loc[data.index[same], "best_prob"] = rows["best_prob"].to_numpy()
        return out

    # -------------------------------------------------------- stored as data

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-ready description and plain arrays (``np.savez``; loaded
        with ``allow_pickle=False``)."""
        ref = self.reference
        arrays = {
            "categories": np.asarray(self.sizes.index, dtype=str),
            "sizes": self.sizes.to_numpy(np.int64),
            "centers": ref.centers.to_numpy(np.float64),
            "overall": ref.overall.to_numpy(np.float64),
            "targets": self.targets.to_numpy(np.float64),
            "fallback_targets": self.fallback_targets.to_numpy(np.float64),
            "sample_key": self.title_sample.index.to_numpy(np.uint64),
            "sample_fit": self.title_sample[["title_fit", "best_prob"]].to_numpy(
                np.float64
            ),
            "sample_best": self.title_sample["best_category"].fillna("").to_numpy(str),
            "sample_category": self.title_sample["category"].to_numpy(str),
        }
        if self.title_model is not None:
            arrays.update(
                {f"title:{k}": v for k, v in self.title_model.to_arrays().items()}
            )
        meta = {
            "centers": list(ref.centers.columns),
            "overall": list(ref.overall.index),
            "targets": list(self.targets.columns),
            "fallback_targets": list(self.fallback_targets.index),
            "as_of": None if ref.as_of is None else str(ref.as_of.date()),
            "rows": self.rows,
            "relative_error": self.relative_error,
            "seed": self.seed,
            "title_model": self.title_model is not None,
        }
        return meta, arrays

    @classmethod
    def from_arrays(cls, meta: dict, arrays: dict[str, np.ndarray]) -> CatalogProfile:
        index = pd.Index(arrays["categories"].astype(str), name="category")
        reference = Reference(
            pd.DataFrame(arrays["centers"], index=index, columns=meta["centers"]),
            pd.Series(arrays["overall"], index=meta["overall"], dtype="float64"),
            None if meta["as_of"] is None else pd.Timestamp(meta["as_of"]),
        )
        sample = pd.DataFrame(
            {
                "title_fit": arrays["sample_fit"][:, 0],
                "best_category": pd.array(arrays["sample_best"].astype(str)),
                "best_prob": arrays["sample_fit"][:, 1],
                "category": arrays["sample_category"].astype(str),
            },
            index=pd.Index(arrays["sample_key"], name="key"),
        )
        sample["best_category"] = (
            sample["best_category"].astype("string").mask(lambda s: s.eq(""))
        )
        title = {k[6:]: v for k, v in arrays.items() if k.startswith("title:")}
        return cls(
            sizes=pd.Series(arrays["sizes"], index=index),
            reference=reference,
            targets=pd.DataFrame(
                arrays["targets"], index=index, columns=meta["targets"]
            ),
            fallback_targets=pd.Series(
                arrays["fallback_targets"], index=meta["fallback_targets"]
            ),
            title_model=TitleModel.from_arrays(title) if meta["title_model"] else None,
            title_sample=sample,
            rows=int(meta["rows"]),
            relative_error=float(meta["relative_error"]),
            seed=int(meta["seed"]),
        )
