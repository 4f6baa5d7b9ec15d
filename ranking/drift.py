"""Is the model stale? An export's distribution against the training data's.

``ranking train`` stores, beside the model, the training data's profile: for
every numeric signal, every feature and every factor's contribution, its
decile edges and how many training rows fell in each bin (the last bin counts
unknown values; see :func:`ranking.training.training_profile`). Scoring an
export counts its rows in the same bins (:class:`DriftCounts`, chunk by
chunk, so it streams), and the population stability index compares the two:

    PSI = Σ (share_now − share_then) · ln(share_now / share_then)

over the 10 bins and the unknown one, each share floored at 0.0001 (as
Evidently does). By the usual convention a PSI of 0.1 is a notice and 0.25 a
warning. Signals are checked, so a seller sees *what* moved; factor
contributions too, because a signal shifting where the model's shape is flat
moves no weight, and a contribution that shifts means the weights are off.

>>> share = np.array([0.5, 0.5])
>>> round(psi(share * 100, share * 100), 6), round(psi([90, 10], [50, 50]), 3)
(0.0, 0.879)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: PSI from which a shift is mentioned, and from which it is a warning.
NOTICE = 0.1
WARNING = 0.25
#: Shares below this count as this, so an empty bin does not make PSI infinite.
FLOOR = 1e-4
KINDS = ("signal", "factor")


def psi(now, then) -> float:
    """Population stability index of two histograms over the same bins."""
    now = np.asarray(now, dtype="float64")
    then = np.asarray(then, dtype="float64")
    if now.sum() == 0 or then.sum() == 0:
        return 0.0
    a = np.maximum(now / now.sum(), FLOOR)
    e = np.maximum(then / then.sum(), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def bin_counts(values, edges: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the bins of ``edges`` as the training profile
    cut them (``searchsorted(..., side="right")``), unknown values last."""
    values = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    values = values.to_numpy()
    bins = np.searchsorted(edges, values, side="right")
    bins[~np.isfinite(values)] = len(edges) + 1
    return np.bincount(bins, minlength=len(edges) + 2)


@dataclass(frozen=True)
class Shift:
    """One signal or factor whose distribution moved."""

    kind: str  # "signal" or "factor"
    name: str
    psi: float

    @property
    def level(self) -> str:
        return "warning" if self.psi >= WARNING else "notice"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "psi": round(self.psi, 4),
            "level": self.level,
        }


def shifts_of(prepared) -> list[dict]:
    """What moved in a prepared export since the model's training, as plain
    values (``score``, ``audit`` and ``diff`` report them)."""
    return [s.to_dict() for s in prepared.scores.shifts(prepared.model)]


class DriftCounts:
    """An export's counts in the training profile's bins, added chunk by chunk.

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

    def add(self, data: pd.DataFrame, contributions: pd.DataFrame) -> None:
        """Count some rows: their canonical columns and their factors'
        contributions (raw score, the factor's terms summed)."""
        for key, edges in self.edges.items():
            kind, name = key.split(":", 1)
            frame = data if kind == "signal" else contributions
            if name in frame.columns:
                self.counts[key] += bin_counts(frame[name], edges)
            else:
                # A signal the export does not have is unknown throughout.
                self.counts[key][-1] += len(frame)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return dict(self.counts)

    def load(self, arrays: dict[str, np.ndarray]) -> DriftCounts:
        for key in self.counts:
            if key in arrays:
                self.counts[key] = np.asarray(arrays[key])
        return self

    def shifts(self) -> list[Shift]:
        """Every signal and factor at or past :data:`NOTICE`, largest first."""
        found = []
        for key, counts in self.counts.items():
            kind, name = key.split(":", 1)
            value = psi(counts, self.expected[key])
            if value >= NOTICE:
                found.append(Shift(kind, name, value))
        return sorted(found, key=lambda s: -s.psi)


def factor_contributions(model, features: pd.DataFrame) -> pd.DataFrame:
    """Rows × factors: each factor's terms summed (raw score), what the
    training profile records of contributions."""
    from ranking.features import sum_by_factor

    names = model.feature_names
    terms = model.additive.terms(features[names]).to_numpy()
    return pd.DataFrame(sum_by_factor(names, terms), index=features.index)


def message(
    shifts: list[dict], model_dir: str = "MODEL_DIR", lang: str = "en"
) -> list[str]:
    """Lines for stderr: one warning naming what moved, and a notice for what
    moved less (``shifts`` as :func:`shifts_of` gives them)."""
    from ranking.lang import factor_word, say, signal_word

    shifts = [Shift(s["kind"], s["name"], s["psi"]) for s in shifts]
    word = {"signal": signal_word, "factor": factor_word}
    command = f"ranking train EXPORT --ranks RANKS -o NEW_DIR --baseline {model_dir}"
    lines = []
    for level in ("warning", "notice"):
        picked = [s for s in shifts if s.level == level]
        if not picked:
            continue
        named = {
            kind: ", ".join(
                f"{word[kind](s.name, lang)} (PSI {s.psi:.2f})"
                for s in picked
                if s.kind == kind
            )
            for kind in KINDS
        }
        moved = "; ".join(
            say(f"drift.{kind}s", lang, names=names)
            for kind, names in named.items()
            if names
        )
        if level == "notice":
            key = "drift.notice"
        else:
            key = (
                "drift.warning_factors" if named["factor"] else "drift.warning_signals"
            )
        lines.append(say(key, lang, moved=moved, command=command))
    return lines
