"""Is the model stale? An export's distribution against the training data's.

``ranking train`` stores, beside the model, the training data's profile: for
every numeric signal, every feature and every factor's contribution, its
decile edges and how many training rows fell in each bin (the last bin counts
unknown values; see :func:`ranking.engines.training.training_profile`). Scoring an
export counts its rows in the same bins (:class:`DriftCounts`, chunk by
chunk, so it streams), and each signal and factor gets a verdict from two
numbers:

* **how far it moved**: the population stability index,

      PSI = Σ (share_now − share_then) · ln(share_now / share_then)

  each share floored at 0.0001 (as Evidently does); by the usual convention
  0.1 is a notice and 0.25 a warning;
* **whether that could be chance**: a chi-square test of homogeneity (the
  export's counts against the training's, ``scipy.stats.chi2_contingency``),
  its p-values adjusted for the thirty-odd signals and factors tested at once
  (Benjamini–Hochberg, ``scipy.stats.false_discovery_control``): a shift is
  reported only when the adjusted p-value is below 0.05 *and* the PSI reaches
  0.1.

Before both, adjacent bins are merged until each expects at least 5 rows of
the smaller sample (Cochran's rule for the chi-square test): 24 listings
spread over 11 bins expect 2 a bin, and PSI over bins that small is noise
(24 rows drawn from the training data itself score a median PSI of 0.85 on
a decile-binned signal: a "warning"). On a large export nothing merges and
the test is always significant, so the PSI thresholds decide, as before; on
a small one the test decides.
Why chi-square and not Evidently's small-sample default (Kolmogorov–Smirnov
for numbers): KS compares raw values, and the model stores only decile edges
and counts, so a test on those counts is the exact one available (and keeps
the model format as it is).

What is never drift:

* a signal the export does not carry at all (no column in any joined file,
  no ``--set``; ``check``'s unknown signals) is *not in this export*: said
  once, and left out. So is a factor that reads it (its contribution moves
  only because the input is unknown; which signals a factor reads is the
  feature families' own map, :data:`ranking.model.features.FAMILIES`);
* a signal with one value on every listing (a shop's DSR given with
  ``--set``) is one observation of the shop, not one per listing: no test can
  judge one value, so it is left out, and so is a factor all of whose inputs
  are such values (its contribution is one number).

Signals are checked, so a seller sees *what* moved; factor contributions too,
because a signal shifting where the model's shape is flat moves no weight,
and a contribution that shifts means the weights are off.

>>> share = np.array([0.5, 0.5])
>>> round(psi(share * 100, share * 100), 6), round(psi([90, 10], [50, 50]), 3)
(0.0, 0.879)
>>> cells([2.0, 3.0, 4.0, 2.0, 0.5, 0.0]).tolist()  # rows each bin expects
[0, 0, 1, 1, 1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ranking.messages import Said, named
from ranking.model.features import FACTOR_OF, FAMILIES, sum_by_factor
from ranking.reading import schema
from ranking.reading.columns import FACTOR_SIGNALS

#: PSI from which a shift is mentioned, and from which it is a warning.
NOTICE = 0.1
WARNING = 0.25
#: Shares below this count as this, so an empty bin does not make PSI infinite.
FLOOR = 1e-4
#: False discovery rate of the reported shifts (the usual 5%).
ALPHA = 0.05
#: Rows each merged bin expects at least (Cochran's rule for chi-square).
MIN_EXPECTED = 5
KINDS = ("signal", "factor")
#: The level of a signal the export does not carry at all.
NOT_IN_EXPORT = "not_in_export"
#: Columns whose presence is tracked: the signals, and main_image (from which
#: the white background is measured when not given).
TRACKED = (*schema.SIGNALS, "main_image")
#: A signal whose variance is at most this share of its mean squared has one
#: value (sums of squares in float64 leave about 1e-16 of noise).
ONE_VALUE = 1e-9


def psi(now, then) -> float:
    """Population stability index of two histograms over the same bins."""
    now = np.asarray(now, dtype="float64")
    then = np.asarray(then, dtype="float64")
    if now.sum() == 0 or then.sum() == 0:
        return 0.0
    a = np.maximum(now / now.sum(), FLOOR)
    e = np.maximum(then / then.sum(), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def cells(expected, minimum: float = MIN_EXPECTED) -> np.ndarray:
    """Each bin's merged cell: adjacent bins, in order, joined until a cell
    expects ``minimum`` rows; a short tail joins the cell before it. Decided
    from the training shares alone, so the cells do not bend to the export."""
    groups = np.zeros(len(expected), dtype="int64")
    group, total = 0, 0.0
    for i, value in enumerate(expected):
        groups[i] = group
        total += value
        if total >= minimum:
            group, total = group + 1, 0.0
    if len(groups) and groups[-1] == group and group > 0:
        groups[groups == group] = group - 1
    return groups


def compare(now, then) -> tuple[float, float] | None:
    """(PSI, chi-square p-value) of an export's bin counts against the
    training's, over cells that expect :data:`MIN_EXPECTED` rows each; None
    when the export is too small to fill two cells."""
    now = np.asarray(now, dtype="float64")
    then = np.asarray(then, dtype="float64")
    n, m = now.sum(), then.sum()
    if n == 0 or m == 0:
        return None
    merged = cells(then / m * min(n, m))
    if merged.max() == 0:
        return None
    a = np.bincount(merged, weights=now)
    e = np.bincount(merged, weights=then)
    # Imported here: scipy.stats takes ~0.5 s to import (it parses its own
    # docstrings), and an audit served from the cache never tests drift.
    from scipy import stats

    return psi(a, e), float(stats.chi2_contingency(np.vstack([a, e])).pvalue)


def bin_counts(values, edges: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the bins of ``edges`` as the training profile
    cut them (``searchsorted(..., side="right")``), unknown values last."""
    values = _numbers(values)
    bins = np.searchsorted(edges, values, side="right")
    bins[~np.isfinite(values)] = len(edges) + 1
    return np.bincount(bins, minlength=len(edges) + 2)


def _numbers(values) -> np.ndarray:
    values = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    return values.to_numpy()


def moments(values) -> np.ndarray:
    """[known values, their sum, their sum of squares]: what tells, added up
    chunk by chunk, whether a signal is given and whether it has one value."""
    known = _numbers(values)
    known = known[np.isfinite(known)]
    return np.array([len(known), known.sum(), np.square(known).sum()])


def _reads() -> dict[str, frozenset[str]]:
    """Factor → the signals its features read: the feature families' map of
    what they read (what recomputing a fix relies on), and the spec's table."""
    reads = {factor: set(signals) for factor, signals in FACTOR_SIGNALS.items()}
    for family in FAMILIES.values():
        for feature in family.features:
            reads.setdefault(FACTOR_OF.get(feature, "other"), set()).update(
                family.reads
            )
    return {f: frozenset(c & set(schema.SIGNALS)) for f, c in reads.items()}


@dataclass(frozen=True)
class Shift:
    """One signal or factor whose distribution moved."""

    kind: str  # "signal" or "factor"
    name: str
    psi: float
    p: float = 0.0  # adjusted for the number of signals and factors tested

    @property
    def level(self) -> str:
        return "warning" if self.psi >= WARNING else "notice"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "psi": round(self.psi, 4),
            "p": float(f"{self.p:.3g}"),
            "level": self.level,
        }


@dataclass(frozen=True)
class Absent:
    """A signal the export does not carry at all: not in this export, not
    drift."""

    name: str
    kind: str = "signal"
    level: str = NOT_IN_EXPORT

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "level": self.level}


def shifts_of(prepared) -> list[dict]:
    """What moved in a prepared export since the model's training, and what it
    does not carry, as plain values (``score``, ``audit`` and ``diff`` report
    them)."""
    scores = prepared.scores
    if scores.judged is not None:
        return [dict(shift) for shift in scores.judged]
    return [s.to_dict() for s in scores.shifts(prepared.model)]


class DriftCounts:
    """An export's counts in the training profile's bins, added chunk by chunk,
    and the :func:`moments` of every tracked column.

    ``profile`` is the model's ``training_profile`` (arrays named
    ``"{kind}:{name}:edges"`` and ``"...:counts"``)."""

    def __init__(self, profile: dict[str, np.ndarray]):
        self.edges = {
            key[: -len(":edges")]: value
            for key, value in profile.items()
            if key.endswith(":edges") and key.split(":", 1)[0] in KINDS
        }
        self.expected = {key: profile[f"{key}:counts"] for key in self.edges}
        self.counts = {key: np.zeros_like(c) for key, c in self.expected.items()}
        self.moments = {name: np.zeros(3) for name in TRACKED}
        # False when loaded from counts kept before moments were (a cache
        # entry): then nothing is judged absent or one-valued from them.
        self.has_moments = True

    def add(self, data: pd.DataFrame, contributions: pd.DataFrame) -> None:
        """Count some rows: their canonical columns and their factors'
        contributions (raw score, the factor's terms summed)."""
        for name in TRACKED:
            if name not in data.columns:
                continue
            if schema.COLUMNS_BY_NAME[name].kind == "text":
                self.moments[name][0] += int(data[name].notna().sum())
            else:
                self.moments[name] += moments(data[name])
        for key, edges in self.edges.items():
            kind, name = key.split(":", 1)
            frame = data if kind == "signal" else contributions
            if name in frame.columns:
                self.counts[key] += bin_counts(frame[name], edges)
            else:
                # A signal the export does not have is unknown throughout.
                self.counts[key][-1] += len(frame)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            **self.counts,
            **{f"moments:{name}": value for name, value in self.moments.items()},
        }

    def load(self, arrays: dict[str, np.ndarray]) -> DriftCounts:
        for key in self.counts:
            if key in arrays:
                self.counts[key] = np.asarray(arrays[key])
        self.has_moments = all(f"moments:{name}" in arrays for name in TRACKED)
        if self.has_moments:
            for name in TRACKED:
                self.moments[name] = np.asarray(arrays[f"moments:{name}"])
        return self

    def _known(self, name: str) -> bool:
        counts = self.counts.get(f"signal:{name}")
        if counts is not None:  # a numeric signal the training data had
            return bool(counts[:-1].sum() > 0)
        return not self.has_moments or bool(self.moments[name][0] > 0)

    def _trained_with(self, name: str) -> bool:
        """Whether the training data gave ``name`` for some listing (its
        profile keeps every numeric signal it had; text it cannot tell)."""
        expected = self.expected.get(f"signal:{name}")
        if expected is None:
            return schema.COLUMNS_BY_NAME[name].kind == "text" or not self.expected
        return bool(expected[:-1].sum() > 0)

    def not_in_export(self) -> list[str]:
        """Signals the export gives for no listing, as ``check`` names them
        (``gmv`` is derived from monthly_sales and price, ``has_white_bg_image``
        measured from ``main_image``)."""
        absent = [name for name in schema.SIGNALS if not self._known(name)]
        return schema.without_covered(absent, self._known)

    def one_valued(self) -> set[str]:
        """Numeric signals with the same value on every listing that has one."""
        if not self.has_moments:
            return set()
        found = set()
        for name, (n, total, squares) in self.moments.items():
            if n == 0 or schema.COLUMNS_BY_NAME[name].kind == "text":
                continue
            mean = total / n
            if squares / n - mean**2 <= ONE_VALUE * mean**2:
                found.add(name)
        return found

    def shifts(self) -> list[Shift | Absent]:
        """Every signal and factor that moved (a significant shift with a PSI
        at or past :data:`NOTICE`), largest first; then every signal not in
        this export that the training data had."""
        absent = self.not_in_export()
        one = self.one_valued()
        left_out = set(absent) | one
        # A factor reading a signal this export lacks moves for want of it —
        # unless the training data lacked it too (a Best Sellers Rank, on a
        # Taobao catalog): then nothing moved.
        lost = {name for name in absent if self._trained_with(name)}
        factors_out = {
            factor
            for factor, reads in _reads().items()
            if reads & lost or reads <= left_out
        }
        tested = []
        for key, counts in self.counts.items():
            kind, name = key.split(":", 1)
            if kind == "signal" and (name in left_out or counts[:-1].sum() == 0):
                # Not given, or given once for the shop: nothing to test.
                continue
            if kind == "factor" and name in factors_out:
                continue
            verdict = compare(counts, self.expected[key])
            if verdict is not None:
                tested.append((kind, name, *verdict))
        # Only what the model learned from and this export lacks is worth a
        # note; a signal neither had is nothing to the model.
        noted = [Absent(name) for name in absent if name in lost]
        if not tested:
            return noted
        from scipy import stats

        adjusted = stats.false_discovery_control([t[3] for t in tested])
        found = [
            Shift(kind, name, value, float(q))
            for (kind, name, value, _), q in zip(tested, adjusted, strict=True)
            if q < ALPHA and value >= NOTICE
        ]
        return sorted(found, key=lambda s: -s.psi) + noted


def factor_contributions(model, features: pd.DataFrame) -> pd.DataFrame:
    """Rows × factors: each factor's terms summed (raw score), what the
    training profile records of contributions."""
    names = model.feature_names
    terms = model.additive.terms(features[names]).to_numpy()
    return pd.DataFrame(sum_by_factor(names, terms), index=features.index)


def message(shifts: list[dict], model_dir: str = "MODEL_DIR") -> list[Said]:
    """Lines for stderr: one warning naming what moved, and a notice for what
    moved less (``shifts`` as :func:`shifts_of` gives them)."""
    shifts = [
        Shift(s["kind"], s["name"], s["psi"])
        for s in shifts
        if s["level"] != NOT_IN_EXPORT
    ]
    command = f"ranking train EXPORT --ranks RANKS -o NEW_DIR --baseline {model_dir}"
    lines = []
    for level in ("warning", "notice"):
        picked = [s for s in shifts if s.level == level]
        if not picked:
            continue
        listed = {
            kind: list(
                Said("drift.psi", name=named(kind, s.name), psi=s.psi)
                for s in picked
                if s.kind == kind
            )
            for kind in KINDS
        }
        moved = tuple(
            Said(f"drift.{kind}s", names=names)
            for kind, names in listed.items()
            if names
        )
        if level == "notice":
            key = "drift.notice"
        else:
            key = (
                "drift.warning_factors" if listed["factor"] else "drift.warning_signals"
            )
        lines.append(Said(key, moved=moved, command=command))
    return lines


def absent_note(shifts: list[dict]) -> Said | None:
    """The one line naming the signals not in this export (so not checked
    for drift), or None when the export carries them all."""
    names = [s["name"] for s in shifts if s["level"] == NOT_IN_EXPORT]
    if not names:
        return None
    return Said("drift.not_in_export", names=[named("signal", n) for n in names])
