"""The model card for people, built once as messages: ``card.txt`` beside the
model, what ``ranking train`` prints and the report's model section are
views of these lines and rows (each a :class:`~ranking.messages.Said`,
worded in a language by whoever shows it).

>>> card = {"label": "ranks", "metrics": {"model": {"ndcg@10": 0.9},
...         "monthly_sales": {"ndcg@10": 0.8}}}
>>> [str(row[0]) for row in metric_rows(card)[1]]
['model', 'by monthly_sales']
"""

from __future__ import annotations

from collections.abc import Callable

from ranking.defaults import DEFAULT_MODEL  # noqa: F401  (re-exported)
from ranking.messages import Said, named
from ranking.model.cliff_lines import card_lines as blocker_lines

#: Bumped whenever a saved model could not be read by this code. Format 1 was
#: a joblib pickle (refused: retrain); format 3 added the learned blocker
#: thresholds and the lowest DSR gap in place of the count below average;
#: format 4 replaced step shapes over bins with continuous ones over knots.

SIGNS = {1: "card.increasing", -1: "card.decreasing", 0: "card.free"}


def ordering(name: str) -> Said:
    """``model`` or a baseline (``monthly_sales``) as an ordering's name."""
    if name == "model":
        return Said("metrics.model")
    return Said("metrics.by", name=named("signal", name))


def metric_rows(card: dict) -> tuple[list[str], list[list[object]]]:
    """The held-out metrics: their names, and a row per ordering (the model,
    then each baseline) of its name and values."""
    metrics = card.get("metrics") or {}
    if not metrics:
        return [], []
    keys = [k for k in next(iter(metrics.values())) if k != "groups"]
    rows = [[ordering(name), *[m.get(k) for k in keys]] for name, m in metrics.items()]
    return keys, rows


def held_out(card: dict) -> Said:
    """What the metrics were measured on."""
    if card.get("label") == "ranks":
        return Said(
            "train.held_groups",
            held=card.get("held_out_groups"),
            groups=(card.get("ranks") or {}).get("groups"),
        )
    return Said("train.held_listings", held=card.get("held_out_listings"))


def cv_lines(cv: dict | None) -> list[Said]:
    """The complexity cross-validation chose, and what it left out."""
    if not cv:
        return []
    chosen = cv["chosen"]
    dropped = [named("factor", f) for f in chosen["dropped"]]
    lines = [
        Said(
            "train.cv",
            folds=cv["folds"],
            knots=chosen["n_knots"],
            alpha=chosen["alpha"],
            dropped=dropped or Said("value.none"),
        )
    ]
    if chosen.get("emphasis", 1) != 1:
        lines.append(
            Said(
                "train.cv_emphasis",
                signal=named("signal", chosen["leading"]),
                factor=chosen["emphasis"],
            )
        )
    return lines


def trust_lines(found: dict | None, detail: bool = True) -> list[Said]:
    """The model against the best single signal: the verdict, then (with
    ``detail``) the gains with their intervals."""
    if not found:
        return []
    signal = found.get("best_signal")
    word = named("signal", signal) if signal else Said("value.none")
    lines = [Said(f"trust.{found['level']}", signal=word)]
    gain = found.get("gain", {}).get(signal) if "gain" in found else found
    if detail and signal and gain and "ndcg@10" in gain:
        ndcg, rho = gain["ndcg@10"], gain["spearman"]
        lines.append(
            Said(
                "trust.gain",
                signal=word,
                groups=found["groups"],
                ndcg=ndcg["mean"],
                ndcg_low=ndcg["low"],
                ndcg_high=ndcg["high"],
                rho=rho["mean"],
                rho_low=rho["low"],
                rho_high=rho["high"],
            )
        )
    return lines


def card_lines(card: dict) -> list[str]:
    """The whole card, line by line: what it was trained on, the held-out
    metrics, the complexity chosen, the trust, the terms it leans on, the
    blockers learned, the features and the versions."""
    lines = _data_lines(card) + ["", held_out(card)]
    keys, rows = metric_rows(card)
    lines += [
        Said("card.metric", ordering=row[0], values=_values(keys, row[1:]))
        for row in rows
    ]
    lines += _cross_validation_lines(card.get("cross_validation"))
    if card.get("trust"):
        lines += ["", *trust_lines(card["trust"])]
    if card.get("leaned_on"):
        lines += ["", Said("card.leaned_on")]
        lines += [
            Said("card.term", feature=entry["feature"], sd=entry["term_sd"])
            for entry in card["leaned_on"][:10]
        ]
    if "blockers" in card:
        lines += ["", Said("train.blockers"), *blocker_lines(card)]
    lines += ["", Said("card.features")]
    lines += [
        Said(
            "card.feature",
            name=f["name"],
            factor=named("factor", f["factor"]),
            sign=Said(SIGNS[f["direction"]]),
        )
        for f in card.get("features", [])
    ]
    lines += ["", Said("card.versions")]
    lines += [f"  {k:14} {v}" for k, v in card.get("versions", {}).items()]
    return lines


def card_text(card: dict, words: Callable[[str], str] = str) -> str:
    """The card as ``card.txt`` holds it, each line through ``words`` (the
    CLI's: the line in ``--lang``; English by default)."""
    return "\n".join(words(line) for line in card_lines(card)) + "\n"


def _values(keys: list[str], values: list) -> str:
    return ", ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
        for k, v in zip(keys, values, strict=True)
    )


def _data_lines(card: dict) -> list[str]:
    """The card's head: when, what it was trained on (and the ranks), the label."""
    data = card.get("data", {})
    lines = [
        Said("card.title"),
        Said("card.created", created=card.get("created")),
        Said("card.trained_on", file=data.get("file"), rows=data.get("rows")),
        f"  sha256     {data.get('sha256')}",
        Said("card.label", label=card.get("label")),
    ]
    if card.get("ranks"):
        ranks = card["ranks"]
        lines += [
            Said("card.ranks", file=ranks.get("file")),
            f"  sha256     {ranks.get('sha256')}",
            Said(
                "card.groups",
                groups=ranks.get("groups"),
                observations=ranks.get("observations"),
                censored=ranks.get("censored"),
            ),
        ]
    return lines


def _cross_validation_lines(cv: dict | None) -> list[str]:
    """The complexity chosen, the features left out, and the curve it was
    chosen from."""
    if not cv:
        return []
    lines = ["", *cv_lines(cv)]
    absent = cv.get("not_in_export", [])
    if absent:
        lines.append(Said("card.not_in_export", names=list(absent)))
    for point in cv.get("curve", []):
        emphasised = point.get("emphasis", 1) != 1
        extra = (
            {"signal": named("signal", point["leading"]), "factor": point["emphasis"]}
            if emphasised
            else {}
        )
        lines.append(
            Said(
                "card.curve_emphasis" if emphasised else "card.curve",
                knots=point["n_knots"],
                alpha=point["alpha"],
                dropped=",".join(point["dropped"]) or "-",
                ndcg=point["ndcg@10"],
                rho=point["spearman"],
                **extra,
            )
        )
    return lines


__all__ = [
    "card_lines",
    "card_text",
    "cv_lines",
    "held_out",
    "metric_rows",
    "ordering",
    "trust_lines",
]
