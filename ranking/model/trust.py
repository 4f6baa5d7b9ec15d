"""How sure a model is: its held-out gain over the best single signal the
export carries, group by group, with a bootstrap interval over keyword
groups, and the trust level that follows.

The interval is over the groups cross-validation held out; the choice of
complexity used the same folds, so it is slightly optimistic for the model
(``bench/realdata.py`` measures the whole procedure on outer folds it never
saw).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ranking.model import evaluate
from ranking.model.crossval import best_signal

#: Bootstrap resamples of keyword groups for the intervals.
RESAMPLES = 2000
#: Trust levels, by the interval of the model's NDCG@10 and Spearman gain
#: over the best single signal.
TRUST_LEVELS = ("better", "not_better", "worse", "too_few")
#: Fewest held-out keyword groups a verdict rests on: a bootstrap over two
#: search pages has three possible means, no interval at all.
MIN_TRUST_GROUPS = 10


def measure_trust(
    per_group: pd.DataFrame,
    groups: pd.DataFrame,
    data: pd.DataFrame,
    seed: int = 0,
    resamples: int = RESAMPLES,
    judged: dict[str, pd.DataFrame] | None = None,
) -> dict:
    """A model's per-group metrics (``per_group``: held-out folds at
    training, or the ranks ``evaluate`` is given) against every single signal
    on the same ``groups``: each signal's NDCG@10 and Spearman, the best one,
    the model's gain over it and over monthly sales with 95% bootstrap
    intervals over groups, and a trust level. ``judged``: the signals'
    metrics on ``groups`` when already worked out
    (:func:`ranking.model.evaluate.signal_metrics`)."""
    model = per_group.set_index("keyword")
    if judged is None:
        judged = evaluate.signal_metrics(groups, data)
    for name, per in judged.items():
        if not model.index.isin(per["keyword"]).all():
            raise ValueError(f"{name} was judged on other keyword groups")
    signals = {
        name: per.set_index("keyword").reindex(model.index)
        for name, per in judged.items()
    }
    out: dict = {
        "groups": int(len(model)),
        "model": _means(model),
        "signals": {name: _means(per) for name, per in signals.items()},
    }
    best = best_signal(signals)
    few = len(model) < MIN_TRUST_GROUPS
    if not best:
        out["level"] = "too_few" if few else "not_better"
        out["best_signal"] = None
        return out
    out["best_signal"] = best
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(model), size=(resamples, len(model)))
    gains = {}
    for name in dict.fromkeys([best, "monthly_sales"]):
        if name in signals:
            gains[name] = {
                metric: _gain(model[metric], signals[name][metric], picks)
                for metric in ("ndcg@10", "spearman")
            }
    out["gain"] = gains
    lows = [g["low"] for g in gains[best].values()]
    highs = [g["high"] for g in gains[best].values()]
    if few:
        out["level"] = "too_few"
    elif min(lows) > 0:
        out["level"] = "better"
    elif min(highs) < 0:
        out["level"] = "worse"
    else:
        out["level"] = "not_better"
    return out


def trust_summary(found: dict) -> dict:
    """What the model keeps of :func:`measure_trust` to show beside every weight:
    the level, the best single signal, and the gain over it with its
    interval."""
    best = found.get("best_signal")
    return {
        "level": found["level"],
        "best_signal": best,
        "groups": found["groups"],
        **({} if best is None else found["gain"][best]),
    }


def _means(per: pd.DataFrame) -> dict:
    return {
        "ndcg@10": float(per["ndcg@10"].mean()),
        "spearman": float(per["spearman"].mean()),
    }


def _gain(model: pd.Series, signal: pd.Series, picks: np.ndarray) -> dict:
    """Mean per-group difference and its 95% percentile-bootstrap interval."""
    difference = (model - signal).to_numpy(dtype="float64")
    known = np.isfinite(difference)
    if not known.any():
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan")}
    filled = np.where(known, difference, 0.0)
    sums = filled[picks].sum(axis=1)
    counts = known[picks].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    means = means[np.isfinite(means)]
    low, high = np.quantile(means, [0.025, 0.975])
    return {
        "mean": float(difference[known].mean()),
        "low": float(low),
        "high": float(high),
    }
