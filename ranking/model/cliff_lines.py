"""The learned blockers as the model card and ``ranking train`` say them.

Apart from :mod:`ranking.model.cliffs` (which finds them, with numpy) so that
``ranking --help``, which loads the terminal views, does not load numpy.
"""

from __future__ import annotations

from ranking.messages import Said, named

#: The features whose shapes are searched for a cliff: the factor each one
#: blocks, and which way is better.
CLIFF_FEATURES: dict[str, tuple[str, int]] = {
    "dsr_min_gap": ("dsr", 1),
    "title_fit": ("category_fit", 1),
    "fit_margin": ("category_fit", -1),
}
BLOCKING_FACTORS = ("dsr", "category_fit")


def card_lines(card: dict) -> list[Said]:
    """The learned blocker thresholds of a model ``card``, as ``train`` prints
    them and the card shows them (each a :class:`~ranking.messages.Said`),
    with the cliffs not every cross-validation fold showed said as such."""
    lines = []
    entries = card.get("blockers", {})
    unheld = card.get("blockers_not_in_every_fold", {})
    for feature, (factor, direction) in CLIFF_FEATURES.items():
        if feature not in entries:
            continue
        entry = entries[feature]
        words = {"feature": feature, "factor": named("factor", factor)}
        if entry is None and feature in unheld:
            dropped = unheld[feature]
            lines.append(
                Said(
                    "cliff.unheld",
                    **words,
                    low=dropped["low"],
                    high=dropped["high"],
                    cost=dropped["median_cost"],
                    least=max(0.0, min(dropped["fold_rises"])),
                )
            )
            continue
        if entry is None:
            lines.append(Said("cliff.none", **words))
            continue
        costs = {
            "low": entry["low"],
            "high": entry["high"],
            "cost": entry["median_cost"],
        }
        if factor == "category_fit":
            # Which titles misfit is the title model's call (fixes.misfits);
            # the cliff says that the platform punishes it, and how hard.
            lines.append(Said("cliff.over", **words, **costs))
            continue
        side = Said("cliff.at_or_below" if direction > 0 else "cliff.above")
        lines.append(
            Said(
                "cliff.at",
                side=side,
                threshold=entry["threshold"],
                **words,
                **costs,
            )
        )
    return lines
