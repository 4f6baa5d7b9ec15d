"""What to fix first: the eight factors' default fixes and their gains.

For each factor (spec §3) the default fix is applied to the raw signals of
every listing it would change — never making a signal worse. Its expected gain
is the change in the model's terms of the features it moves: the additive
model makes that exact, so only the feature families that read the changed
signals are recomputed (a category move recomputes every category-relative
family), against the catalog's fixed yardsticks. Targets are the catalog
profile's per-category percentiles (catalog-wide for a category with fewer
than ``MIN_CATEGORY_LISTINGS`` known values).

One engine, :func:`apply`, gives the joint effect of any set of these fixes
and of raw-value changes (``audit --what-if``) on any rows: each factor's
fix alone (``score``'s and ``audit``'s gains) is that engine with one fix.

>>> applied = apply_fixes(prepared, scored)       # doctest: +SKIP
>>> gains = gain_table(scored, applied)           # rows × factors  # doctest: +SKIP
>>> both = apply(prepared, scored, rows, fixes=["dsr", "main_video"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ranking.explain.effort import DEFAULT_EFFORT
from ranking.model.features import FACTORS, build_features, families_reading
from ranking.model.features.common import by_category, categories, column
from ranking.model.features.dsr import DSR_COLUMNS

#: Smallest gain (weight points) worth listing; smaller ones are rounding.
MIN_GAIN = 0.01

#: A title misfits its category when another category is at least this many
#: times as likely and the placed one is at most this likely. On PriceRunner's
#: real titles (spellings merged, 5% moved, 2 draws each) 5× and 0.2 gave
#: recall 0.98–0.99 at precision 0.908–0.913 on 12,000 listings; 10× and 0.1
#: give 0.95–0.98 at 0.948, and 0.97 at 0.97 on all 35,000.
MISFIT_ODDS = 10.0
MISFIT_MAX_FIT = 0.1
#: Listings both the placed and the suggested category need before a title's
#: fit is judged. Measured on simulated catalogs of 12 categories (6 seeds
#: each), blocker precision without it: 0.54 at 60 listings, 0.69 at 120,
#: 0.89 at 300, 0.99 at 1,000 — a classifier cross-fitted on a handful of
#: titles per category is confidently wrong too often to call it a blocker.
MIN_CATEGORY_EVIDENCE = 20

#: The raw signals each factor's fix may change.
FIX_COLUMNS: dict[str, frozenset[str]] = {
    "monthly_sales": frozenset({"monthly_sales", "gmv"}),
    "payer_count": frozenset({"payer_count", "monthly_sales", "gmv"}),
    "favorites_cart": frozenset({"favorites", "add_to_cart"}),
    "review_quality": frozenset({"avg_rating", "negative_reviews", "photo_reviews"}),
    "dsr": frozenset(DSR_COLUMNS),
    "category_fit": frozenset({"category"}),
    "main_video": frozenset({"has_main_video"}),
    "white_bg_image": frozenset({"has_white_bg_image"}),
}


# ------------------------------------------------------------------ fixes


@dataclass
class Fix:
    """One factor's fix applied to the listings it changes."""

    factor: str
    changed: pd.DataFrame  # changed copies of the listings it applies to
    title_fit: pd.DataFrame | None = None


def _raise(values: pd.Series, target: pd.Series) -> pd.Series:
    return pd.Series(np.fmax(values, target), index=values.index).where(values.notna())


def _scale_gmv(rows: pd.DataFrame, old_sales: pd.Series) -> None:
    """Keep 坑产 in step with units: scaled when both are known."""
    if "gmv" not in rows.columns:
        return
    gmv = column(rows, "gmv")
    new_sales = column(rows, "monthly_sales")
    ratio = new_sales / old_sales.where(old_sales > 0)
    by_price = gmv + (new_sales - old_sales) * column(rows, "price")
    rows["gmv"] = (gmv * ratio).fillna(by_price).fillna(gmv)


def fix_monthly_sales(data, targets, fit, profile) -> Fix:
    sales = column(data, "monthly_sales")
    rows = data[sales < targets["monthly_sales"]].copy()
    old = column(rows, "monthly_sales")
    rows["monthly_sales"] = _raise(old, targets.loc[rows.index, "monthly_sales"])
    _scale_gmv(rows, old)
    return Fix("monthly_sales", rows)


def fix_payer_count(data, targets, fit, profile) -> Fix:
    payers = column(data, "payer_count")
    rows = data[payers < targets["payer_count"]].copy()
    rows["payer_count"] = _raise(
        column(rows, "payer_count"), targets.loc[rows.index, "payer_count"]
    )
    if "monthly_sales" in rows.columns:
        old = column(rows, "monthly_sales")
        rows["monthly_sales"] = np.fmax(old, rows["payer_count"]).where(old.notna())
        _scale_gmv(rows, old)
    return Fix("payer_count", rows)


def fix_favorites_cart(data, targets, fit, profile) -> Fix:
    visitors = column(data, "visitors")
    wanted = {
        "favorites": np.ceil(targets["favorite_rate"] * visitors),
        "add_to_cart": np.ceil(targets["cart_rate"] * visitors),
    }
    below = (column(data, "favorites") < wanted["favorites"]) | (
        column(data, "add_to_cart") < wanted["add_to_cart"]
    )
    rows = data[below].copy()
    for name, target in wanted.items():
        rows[name] = _raise(column(rows, name), target[rows.index])
    return Fix("favorites_cart", rows)


def fix_review_quality(data, targets, fit, profile) -> Fix:
    reviews = column(data, "review_count")
    rating = column(data, "avg_rating")
    negative = column(data, "negative_reviews")
    photo = column(data, "photo_reviews")
    new_rating = _raise(rating, targets["avg_rating"])
    new_negative = np.fmin(
        negative, np.floor(targets["negative_share"] * reviews)
    ).where(negative.notna())
    new_photo = np.fmax(
        photo, np.fmin(reviews, np.ceil(targets["photo_share"] * reviews))
    ).where(photo.notna())
    changed = (new_rating > rating) | (new_negative < negative) | (new_photo > photo)
    rows = data[changed].copy()
    for name, values in (
        ("avg_rating", new_rating),
        ("negative_reviews", new_negative),
        ("photo_reviews", new_photo),
    ):
        if name in rows.columns:
            rows[name] = values[rows.index]
    return Fix("review_quality", rows)


def fix_dsr(data, targets, fit, profile) -> Fix:
    below = pd.Series(False, index=data.index)
    for name in DSR_COLUMNS:
        below |= column(data, name) < targets[name]
    rows = data[below].copy()
    for name in DSR_COLUMNS:
        if name in rows.columns:
            rows[name] = _raise(column(rows, name), targets.loc[rows.index, name])
    return Fix("dsr", rows)


def judged(data: pd.DataFrame, fit: pd.DataFrame, sizes: pd.Series) -> pd.Series:
    """True where the title's fit can be judged: a best category other than
    the placed one, and both with at least :data:`MIN_CATEGORY_EVIDENCE`
    listings in the catalog (``sizes``: listings per category, as
    ``CatalogProfile.sizes``)."""
    placed = categories(data)
    best = fit["best_category"].reindex(data.index).astype("string")

    enough = (by_category(sizes, placed, 0) >= MIN_CATEGORY_EVIDENCE) & (
        by_category(sizes, best.fillna(""), 0) >= MIN_CATEGORY_EVIDENCE
    )
    return (best.notna() & best.ne(placed).fillna(False) & enough).astype(bool)


def fix_category_fit(data, targets, fit, profile) -> Fix:
    moves = judged(data, fit, profile.sizes)
    rows = data[moves].copy()
    if "category" in rows.columns:
        rows["category"] = rows["category"].astype("string")
    rows["category"] = fit.loc[rows.index, "best_category"]
    moved_fit = fit.loc[rows.index].copy()
    moved_fit["title_fit"] = moved_fit["best_prob"]
    return Fix("category_fit", rows, moved_fit)


def _add(name: str, factor: str) -> Callable[..., Fix]:
    def fix(data, targets, fit, profile) -> Fix:
        rows = data[column(data, name).ne(1.0)].copy()
        rows[name] = 1.0
        return Fix(factor, rows)

    return fix


FIXES: dict[str, Callable[..., Fix]] = {
    "monthly_sales": fix_monthly_sales,
    "payer_count": fix_payer_count,
    "favorites_cart": fix_favorites_cart,
    "review_quality": fix_review_quality,
    "dsr": fix_dsr,
    "category_fit": fix_category_fit,
    "main_video": _add("has_main_video", "main_video"),
    "white_bg_image": _add("has_white_bg_image", "white_bg_image"),
}


# ----------------------------------------------------------------- engine
#
# Every effect goes through :func:`apply`: one factor's fix for a whole chunk
# (``score``), each fix of one listing and its what-if (``audit``), and sets
# of fixes evaluated together (issue 25's ``--target-rank``).

#: The order fixes are applied in: a category move first, so that the other
#: fixes aim at the new category's targets; then the factors' order.
FIX_ORDER: tuple[str, ...] = (
    "category_fit",
    *(f for f in FACTORS if f != "category_fit"),
)


@dataclass
class Effect:
    """The joint effect of a set of fixes and raw-value changes on some rows,
    as :func:`apply` returns it. Rows nothing changed are left out: ``changed``
    and every field below are for the rows something changed, in the rows'
    order."""

    #: The fixes that changed at least one row, in the order applied.
    fixes: tuple[str, ...]
    #: The raw values set on every row (canonical column → value).
    changes: dict[str, object]
    #: Changed copies of the rows: their raw signals after everything applied.
    changed: pd.DataFrame
    #: Their title → category fit after (a moved category's, a changed title's).
    title_fit: pd.DataFrame
    #: The features the changes move, after and before (rows × those features;
    #: every other feature keeps its value).
    after: pd.DataFrame
    before: pd.DataFrame
    #: Raw scores and 0-100 weights after, and the weight gained.
    raw: np.ndarray
    weight: pd.Series
    gain: pd.Series
    #: The rows each applied fix changed (labels).
    changed_by: dict[str, pd.Index] = field(default_factory=dict)

    @property
    def rows(self) -> pd.Index:
        """The labels of the rows something changed."""
        return self.changed.index

    def term_changes(self, additive) -> pd.DataFrame:
        """Rows × moved features: how much each feature's term moved the raw
        score (``additive``: the model's ``additive`` shapes); they add up to
        the raw score's change."""
        return pd.DataFrame(
            {
                name: additive.partial_terms(self.after[[name]])
                - additive.partial_terms(self.before[[name]])
                for name in self.after.columns
            },
            index=self.rows,
        )


class _Rows:
    """The rows effects are computed for, with what every fix reads of them
    (their category targets, their title fit) taken once: the eight single
    fixes of a chunk share it."""

    def __init__(self, prepared, scored, rows: pd.Index | None):
        self.prepared = prepared
        self.scored = scored
        self.data = scored.data if rows is None else scored.data.loc[rows]
        self.fit = scored.title_fit.loc[self.data.index]
        self._targets: pd.DataFrame | None = None

    @property
    def targets(self) -> pd.DataFrame:
        if self._targets is None:
            self._targets = self.prepared.profile.targets_for(self.data)
        return self._targets

    def effect(
        self,
        fixes: Sequence[str],
        changes: dict[str, object],
        per_row: Sequence[frozenset[str]] | None = None,
    ) -> Effect:
        """``fixes`` on every row, or with ``per_row``, each row's own set
        (its fixes in one pass: each factor's fix runs once, on the rows
        whose set holds it)."""
        if per_row is not None:
            fixes = sorted(set().union(*per_row), key=FIX_ORDER.index)
        unknown = [f for f in fixes if f not in FIXES]
        if unknown:
            raise ValueError(f"unknown fixes {unknown}; fixes are {list(FIXES)}")
        profile = self.prepared.profile
        data, fit = self.data, self.fit
        columns: set[str] = set(changes)
        touched = np.zeros(len(data), dtype=bool)  # the rows something changed
        if changes:
            data = _with_values(data, changes)
            touched[:] = True
            if {"title", "category"} & columns:
                # A changed title or category is read by the catalog's title model.
                fit = profile.title_fit(data)
        # Targets are the category's: the rows' own until a category moves.
        moved = "category" in columns
        targets = None
        applied: list[str] = []
        changed_by: dict[str, pd.Index] = {}
        pending: pd.DataFrame | None = None  # the last fix's rows, not yet merged
        for factor in sorted(set(fixes), key=FIX_ORDER.index):
            if pending is not None:
                data, pending = _overlay(data, pending), None
            if targets is None:
                targets = profile.targets_for(data) if moved else self.targets
            fix = _fix_rows(factor, data, targets, fit, profile, per_row)
            if fix.changed.empty:
                continue
            applied.append(factor)
            changed_by[factor] = fix.changed.index
            columns |= FIX_COLUMNS[factor]
            touched |= data.index.isin(fix.changed.index)
            pending = fix.changed
            if fix.title_fit is not None:
                fit = _overlay(fit, fix.title_fit)
                moved, targets = True, None
        if pending is not None and not changes and len(applied) == 1:
            # One fix changed every changed row: its copies are the result
            # (no merge: ``score`` takes eight single fixes of every chunk).
            changed = pending
        else:
            if pending is not None:
                data = _overlay(data, pending)
            changed = data[touched]
        effect = self._scored(tuple(applied), changes, changed, fit, columns)
        effect.changed_by = changed_by
        return effect

    def _scored(self, applied, changes, changed, fit, columns) -> Effect:
        """Re-extract the families the changed columns feed, score once."""
        prepared, scored = self.prepared, self.scored
        families = families_reading(columns) if len(changed) else []
        if families:
            # Image files are read again only for a changed image.
            root = prepared.image_root if "main_image" in columns else None
            after = build_features(
                changed, prepared.profile.reference, fit, root, families=families
            )
        else:  # nothing changed, or only what no feature reads (page views)
            after = pd.DataFrame(index=changed.index)
        before = scored.features.loc[changed.index, after.columns]
        additive = prepared.model.additive
        # Exact for an additive model: the other features' terms do not move.
        delta = additive.partial_terms(after) - additive.partial_terms(before)
        raw = pd.Series(scored.raw, index=scored.data.index)[changed.index]
        raw = raw.to_numpy() + delta
        weight = pd.Series(prepared.model.to_weight(raw), index=changed.index)
        gain = weight - scored.weight[changed.index]
        return Effect(
            applied,
            dict(changes),
            changed,
            fit.loc[changed.index],
            after,
            before,
            raw,
            weight,
            gain,
        )


def _fix_rows(factor, data, targets, fit, profile, per_row) -> Fix:
    """``factor``'s fix on every row of ``data``, or with ``per_row`` (each
    row's own set of fixes) on the rows whose set holds it."""
    if per_row is None:
        return FIXES[factor](data, targets, fit, profile)
    part = data[np.array([factor in chosen for chosen in per_row])]
    return FIXES[factor](part, targets.loc[part.index], fit.loc[part.index], profile)


def _with_values(data: pd.DataFrame, changes: dict[str, object]) -> pd.DataFrame:
    """A copy of ``data`` with each changed column set to its value on every
    row (a yes/no as the model reads it, 1.0 or 0.0)."""
    out = data.copy()
    for name, value in changes.items():
        value = float(value) if isinstance(value, bool) else value
        # A list, not a scalar: the column's type is inferred from the value
        # (a date stays a date in a column the export gave as text).
        out[name] = [value] * len(out)
    return out


def _overlay(data: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the rows of ``rows`` (changed copies of some of its rows,
    in its order; perhaps with a column it lacks) in their place."""
    mine = data.index.isin(rows.index)
    merged = pd.concat([data[~mine], rows])
    # Back in ``data``'s order by position: a folder export's labels repeat.
    order = np.r_[np.flatnonzero(~mine), np.flatnonzero(mine)]
    return merged.iloc[np.argsort(order, kind="stable")]


def apply(
    prepared,
    scored,
    rows: pd.Index | None = None,
    fixes: Sequence[str] = (),
    changes: dict[str, object] | None = None,
) -> Effect:
    """The joint effect of some of the eight default fixes and some raw-value
    changes (what-ifs) on ``rows`` of ``scored`` (labels; default: all).

    Changes are set first, on every row; then the fixes, a category move
    first (the other fixes then aim at the new category's targets), each
    fix seeing the others' changes: a payer-count fix raises sales (and
    坑产 with them) on top of a monthly-sales fix, never twice. The features
    of every family the changed columns feed are extracted again (a category
    move: every category-relative family) against the catalog's fixed
    yardsticks, and the rows scored once. ``fixes``: factor names
    (:data:`FIXES`); ``changes``: canonical column → value, as
    :func:`ranking.explain.audit.parse_what_if` reads them.

    >>> effect = apply(prepared, scored, rows,
    ...                fixes=["payer_count", "monthly_sales"],
    ...                changes={"has_main_video": 1.0})      # doctest: +SKIP
    >>> effect.weight, effect.gain                            # doctest: +SKIP
    >>> effect.term_changes(prepared.model.additive)          # doctest: +SKIP
    """
    return _Rows(prepared, scored, rows).effect(list(fixes), dict(changes or {}))


def apply_sets(
    prepared,
    scored,
    at,
    sets: Sequence[Sequence[str]],
    changes: dict[str, object] | None = None,
) -> list[tuple[tuple[str, ...], float]]:
    """The joint effect of each of several sets of fixes on one listing
    (label ``at`` of ``scored``), after the same what-if ``changes``, in one
    pass of :func:`apply`'s engine: the listing copied once per set, each
    copy given its own set. Per set: the fixes that changed the listing (in
    the order applied) and its weight after them all.

    >>> apply_sets(prepared, scored, at, [(), ("dsr",), ("dsr", "main_video")])
    ... # doctest: +SKIP
    [((), 41.2), (('dsr',), 47.9), (('dsr', 'main_video'), 52.3)]
    """
    if not sets:
        return []
    count = len(sets)
    copies = pd.concat([scored.data.loc[[at]]] * count, ignore_index=True)
    fit = pd.concat([scored.title_fit.loc[[at]]] * count, ignore_index=True)
    many = prepared.score(copies, fit)
    wanted = [frozenset(chosen) for chosen in sets]
    effect = _Rows(prepared, many, None).effect([], dict(changes or {}), wanted)
    weight = many.weight.copy()
    weight[effect.rows] = effect.weight
    return [
        (
            tuple(
                f
                for f in FIX_ORDER
                if f in wanted[k] and k in effect.changed_by.get(f, ())
            ),
            float(weight[k]),
        )
        for k in range(count)
    ]


def fold_gains(prepared, scored, effect: Effect) -> np.ndarray:
    """The effect's gain for each changed row under each of the model's
    cross-validation fold models (folds × rows; empty without fold models):
    how much the expected gain depends on the data it was learned from."""
    folds = prepared.model.folds
    if effect.changed.empty or not folds:
        return np.empty((len(folds), len(effect.changed)))
    whole = scored.features.loc[effect.rows]
    gains = []
    for fold in folds:
        raw = fold.raw(whole)
        delta = fold.additive.partial_terms(effect.after) - fold.additive.partial_terms(
            effect.before
        )
        gains.append(fold.to_weight(raw + delta) - fold.to_weight(raw))
    return np.vstack(gains)


def apply_fixes(prepared, scored, rows: pd.Index | None = None) -> dict[str, Effect]:
    """Each factor's fix alone for ``rows`` (default: all rows of ``scored``):
    ``{factor: effect}`` (:func:`apply` of that one fix)."""
    each = _Rows(prepared, scored, rows)
    return {factor: each.effect([factor], {}) for factor in FIXES}


def gain_table(
    scored, applied: dict[str, Effect], rows: pd.Index | None = None
) -> pd.DataFrame:
    """Rows × factors: expected gain of each factor's fix (NaN where the fix
    does not apply)."""
    index = scored.data.index if rows is None else rows
    table = pd.DataFrame(np.nan, index=index, columns=list(FACTORS))
    for factor, effect in applied.items():
        table.loc[effect.rows, factor] = effect.gain
    return table


def ranked_fixes(
    gains: pd.DataFrame,
    by: str = "gain",
    effort: dict[str, float] | None = None,
    top: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``top`` factors to fix first and their gains, as arrays of
    shape (rows, top); factor ``""`` and gain NaN where fewer apply. Fixes with
    a gain below :data:`MIN_GAIN` are left out."""
    values = gains.to_numpy(dtype="float64")
    useful = np.where(values >= MIN_GAIN, values, np.nan)
    key = useful.copy()
    if by == "gain-per-effort":
        cost = np.array([(effort or DEFAULT_EFFORT)[f] for f in gains.columns])
        key = useful / cost
    elif by != "gain":
        raise ValueError(f"by is {by!r}, expected 'gain' or 'gain-per-effort'")
    order = np.argsort(np.where(np.isnan(key), np.inf, -key), axis=1, kind="stable")
    order = order[:, :top]
    picked = np.take_along_axis(useful, order, axis=1)
    names = np.asarray(gains.columns, dtype=object)[order]
    names = np.where(np.isnan(picked), "", names)
    if picked.shape[1] < top:
        pad = top - picked.shape[1]
        picked = np.pad(picked, ((0, 0), (0, pad)), constant_values=np.nan)
        names = np.pad(names, ((0, 0), (0, pad)), constant_values="")
    return names, picked


# --------------------------------------------------------------- blockers


def misfits(data: pd.DataFrame, fit: pd.DataFrame, sizes: pd.Series) -> pd.Series:
    """True where the title does not fit the placed category: another category
    is at least :data:`MISFIT_ODDS` times as likely, the placed one at most
    :data:`MISFIT_MAX_FIT`, and both hold enough listings to judge
    (:func:`judged`; ``fit`` from ``CatalogProfile.title_fit``)."""
    odds = fit["best_prob"] >= MISFIT_ODDS * fit["title_fit"]
    low = fit["title_fit"] <= MISFIT_MAX_FIT
    return (judged(data, fit, sizes) & odds & low).fillna(False).astype(bool)
