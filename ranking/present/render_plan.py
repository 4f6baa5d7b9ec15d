"""The text of ``ranking audit --target-rank``: per keyword, the
least-effort fixes that reach the rank, or what is missing."""

from __future__ import annotations

from ranking.present.lang import factor_word, in_language, say


def plan_fixes(names, lang: str) -> str:
    """A plan's fixes as a person reads them (``no fix`` for none)."""
    if not names:
        return say("whatif.no_fix", lang)
    return say("list.join", lang).join(factor_word(f, lang) for f in names)


def render_plan(result: dict, lang: str = "en") -> str:
    """``audit --target-rank``: per keyword, the least-effort fixes reaching
    the rank, their joint weight and rank, or what is missing."""
    lines = [
        say(
            "whatif.plan_head",
            lang,
            listing=result["listing_id"],
            weight=result["weight"],
            target=result["target_rank"],
        )
    ]
    if result.get("what_if"):
        changes = ", ".join(f"{k}={v}" for k, v in result["what_if"]["changes"].items())
        lines.append(
            say(
                "whatif.plan_from",
                lang,
                changes=changes,
                weight=result["what_if"]["weight"],
            )
        )
    for plan in result["plans"]:
        lines.append(
            say(
                "whatif.plan_keyword",
                lang,
                keyword=plan["keyword"],
                now=plan["expected_rank_now"],
                observed=plan["observed_rank"],
            )
        )
        words = {
            "fixes": plan_fixes(plan["fixes"], lang),
            "effort": plan["effort"],
            "weight": plan["expected_weight"],
            "rank": plan["expected_rank"],
        }
        if plan["reached"] and not plan["fixes"]:
            lines.append(say("whatif.plan_already", lang))
        elif plan["reached"]:
            lines.append(say("whatif.plan_reached", lang, **words))
        else:
            missing = in_language(plan["missing"], lang)
            lines.append(say("whatif.plan_unreached", lang, missing=missing, **words))
    return "\n".join(lines)
