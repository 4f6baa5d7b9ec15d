"""The text ``ranking history`` prints: the span, the catalog's median
weight over it, who lost most, and the drops and leaks flagged."""

from __future__ import annotations

from ranking.present.lang import factor_word, in_language, say
from ranking.present.render import clip, positions_lines, table

#: Rows the text lists of who lost most, and of the flags.
HISTORY_SHOWN = 15
#: What a flag's kind is called.
KIND_WORDS = {"drop": "history.kind_drop", "leak": "history.kind_leak"}


def render_history(result: dict, lang: str = "en") -> str:
    """The text ``ranking history`` prints: the span and the catalog's
    median weight over it, the listings that lost most first → last (main
    factor, when), then the drops and leaks flagged, largest first."""
    span = span_line(result["periods"], result["listings"], lang)
    medians = median_weights(result["median_weight"])
    lines = [span, say("history.median", lang, weights=medians)]
    lines += _lost_most_lines(result, lang)
    lines += _flag_lines(result, lang)
    lines += positions_lines(result.get("keywords", []), lang)
    if result["output"]:
        lines.append(say("history.output", lang, path=result["output"]))
    return "\n".join(lines)


def span_line(periods: list[str], listings: int, lang: str) -> str:
    """How many exports, from which to which, and the first one's size."""
    return say(
        "history.span",
        lang,
        exports=len(periods),
        first=periods[0],
        last=periods[-1],
        listings=listings,
    )


def median_weights(medians) -> str:
    """The catalog's median weight export by export: ``61.7 → 62.7``."""
    return " → ".join(f"{m:.1f}" for m in medians)


def _lost_most_lines(result: dict, lang: str) -> list[str]:
    """The listings that lost weight over the span, most first."""
    losers = [r for r in result["lost_most"] if r["change"] < 0]
    if not losers:
        return []
    rows = [
        [
            r["listing_id"],
            clip(r["category"], 12),
            f"{r['weight_first']:.1f} → {r['weight_last']:.1f}",
            r["change"],
            factor_word(r["main_factor"], lang) if r["main_factor"] else "",
            r["when"],
        ]
        for r in losers[:HISTORY_SHOWN]
    ]
    keys = ("diff.listing", "diff.category", "diff.weight", "history.change")
    keys += ("diff.main_factor", "history.when")
    header = [say(k, lang) for k in keys]
    return [say("history.lost_most", lang), table(rows, header, numeric={3})]


def _flag_lines(result: dict, lang: str) -> list[str]:
    """The drops and leaks flagged, largest first (or that there are none)."""
    flags = result["flags"]
    if not flags:
        return [say("history.no_flags", lang)]
    lines = [say("history.flags", lang, drops=result["drops"], leaks=result["leaks"])]
    rows = [
        [
            f["listing_id"],
            f["period"],
            say(KIND_WORDS[f["kind"]], lang),
            factor_word(f["main_factor"], lang),
            f["lost"],
            f["since"],
            clip(in_language(f["reason"], lang), 60),
        ]
        for f in flags[:HISTORY_SHOWN]
    ]
    keys = ("diff.listing", "history.period", "history.kind", "diff.main_factor")
    keys += ("diff.lost", "history.since", "diff.why")
    lines.append(table(rows, [say(k, lang) for k in keys], numeric={4}))
    if len(flags) > HISTORY_SHOWN:
        where = result["output"] or "-o OUT"
        more = len(flags) - HISTORY_SHOWN
        lines.append(say("diff.more", lang, count=more, where=where))
    return lines
