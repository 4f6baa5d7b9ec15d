"""The model card as text: ``card.txt`` beside the model, what `ranking
train` wrote and a person reads."""

from __future__ import annotations

from ranking.defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)
from ranking.model.cliff_lines import card_lines

#: Bumped whenever a saved model could not be read by this code. Format 1 was
#: a joblib pickle (refused: retrain); format 3 added the learned blocker
#: thresholds and the lowest DSR gap in place of the count below average;
#: format 4 replaced step shapes over bins with continuous ones over knots.


def card_text(card: dict) -> str:
    """The readable model card."""
    lines = _data_lines(card) + _metric_lines(card)
    cv = card.get("cross_validation")
    if cv:
        lines += _cross_validation_lines(cv)
    trust = card.get("trust")
    if trust:
        lines += _trust_lines(trust)
    if card.get("leaned_on"):
        lines += ["", "leaned on (sd of each term over the training listings)"]
        lines += [
            f"  {entry['feature']:22} {entry['term_sd']:.3f}"
            for entry in card["leaned_on"][:10]
        ]
    if "blockers" in card:
        lines += ["", "blockers learned (where a shape falls off a cliff)"]
        lines += card_lines(card["blockers"])
    lines += ["", "features (factor, constraint)"]
    for feature in card.get("features", []):
        sign = {1: "increasing", -1: "decreasing", 0: "free"}[feature["direction"]]
        lines.append(f"  {feature['name']:22} {feature['factor']:16} {sign}")
    lines += ["", "versions"]
    lines += [f"  {k:14} {v}" for k, v in card.get("versions", {}).items()]
    return "\n".join(lines) + "\n"


def _data_lines(card: dict) -> list[str]:
    """The card's head: when, what it was trained on (and the ranks), the label."""
    lines = [
        "ranking weight model",
        "====================",
        f"created      {card.get('created')}",
        f"trained on   {card.get('data', {}).get('file')}",
        f"  sha256     {card.get('data', {}).get('sha256')}",
        f"  rows       {card.get('data', {}).get('rows')}",
        f"label        {card.get('label')}",
    ]
    if card.get("ranks"):
        ranks = card["ranks"]
        lines += [
            f"ranks        {ranks.get('file')}",
            f"  sha256     {ranks.get('sha256')}",
            f"  groups     {ranks.get('groups')} keyword groups, "
            f"{ranks.get('observations')} observations "
            f"({ranks.get('censored')} censored)",
        ]
    return lines


def _metric_lines(card: dict) -> list[str]:
    """The held-out metrics, a line per system (the model and its baselines)."""
    held = (
        "whole keyword groups never seen in training"
        if card.get("label") == "ranks"
        else "listings never seen in training"
    )
    lines = ["", f"held-out metrics ({held})"]
    for system, metrics in card.get("metrics", {}).items():
        shown = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in metrics.items()
        )
        lines.append(f"  {system:14} {shown}")
    return lines


def _cross_validation_lines(cv: dict) -> list[str]:
    """The complexity chosen, the features left out, and the curve it was
    chosen from."""
    chosen = cv["chosen"]
    lines = [
        "",
        f"complexity   {cv['folds']}-fold cross-validation over keyword groups: "
        f"{chosen['n_knots']} knots, alpha {chosen['alpha']}",
        f"  left out   {', '.join(chosen['dropped']) or '(none)'} (did not help); "
        f"{', '.join(cv.get('not_in_export', [])) or '(none)'} (not in export)",
    ]
    for point in cv.get("curve", []):
        lines.append(
            f"  {point['n_knots']:>3} knots  alpha {point['alpha']:<6} "
            f"without {','.join(point['dropped']) or '-':28} "
            f"ndcg@10 {point['ndcg@10']:.3f}  spearman {point['spearman']:.3f}"
        )
    return lines


def _trust_lines(trust: dict) -> list[str]:
    """How far the model is trusted against the best single signal, and its
    gain over each, with a confidence interval."""
    best = trust.get("best_signal")
    lines = ["", f"trust        {trust['level']} (against ordering by {best})"]
    for name, gains in trust.get("gain", {}).items():
        for metric, g in gains.items():
            lines.append(
                f"  vs {name:14} {metric:8} {g['mean']:+.3f} "
                f"[{g['low']:+.3f}, {g['high']:+.3f}]"
            )
    return lines


# ------------------------------------------------------------ checked on load
# A model directory is a user's file: checksums catch damage, not an edit
# whose checksums were recomputed. Everything load_model returns is checked
# here against what the code that reads it needs, so a hand-edited model is
# one ModelFileError, never a traceback later nor NaN weights for every
# listing.
