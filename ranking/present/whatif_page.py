"""The report card's what-if: inputs per raw signal and the script that
recomputes the card in the page (no server, no network, no library).

The numbers come from :mod:`ranking.explain.whatif` (the model's shapes,
the feature table, the catalog's yardsticks once per page; each listing's
values once per card); :data:`SCRIPT` (``whatif.js``) evaluates them as
``audit --what-if`` does — each feature by its declared ``transform``, each
term by interpolating its shape, the 0–100 scale, the waterfall against the
category's average listing, the learned cliffs, the rank per keyword — and
plans the least-effort fixes to reach the top 10 as
``audit --target-rank 10`` does. Sentences are the report's language's, from
:data:`ranking.messages.TEXT`.

Markup other tools rely on (spec, "The report's what-if"): the card has
``data-listing``, each input ``data-signal`` (its canonical column), the
weight ``data-weight``; setting a value and firing ``input`` recomputes.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files

from ranking.present.lang import factor_word, say, signal_word, template

#: The rank the card's plan aims at ("to reach top 10 for K").
TOP = 10

#: Sentences the script says, in the page's language.
SCRIPT_TEXT = (
    "blocker.dsr",
    "blocker.position_below",
    "blocker.position_above",
    "blocker.position_level",
    "blocker.cliff_below",
    "blocker.cliff_above",
    "blocker.cliff_level",
    "blocker.category_fit",
    "report.typical",
    "report.this_listing",
    "report.waterfall",
    "list.join",
    "value.yes",
    "value.no",
    "whatif.no_fix",
    "whatif.card_reached",
    "whatif.card_unreached",
    "whatif.card_already",
    "whatif.bad_number",
    "whatif.bad_count",
    "whatif.bad_amount",
    "whatif.bad_rating",
    "whatif.bad_share",
    "whatif.bad_yes_no",
    "whatif.bad_big",
    "whatif.empty",
    "whatif.hint_10",
    "whatif.hint_100",
    "whatif.today",
    "whatif.allowed.count",
    "whatif.allowed.money",
    "whatif.allowed.score",
    "whatif.allowed.dsr",
    "whatif.allowed.share",
    "whatif.allowed.bool",
)


def _json(data) -> str:
    """JSON safe inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def page_block(shared: dict, lang: str) -> str:
    """The data every card shares and the sentences, once per page."""
    words = {key: template(key, lang) for key in SCRIPT_TEXT}
    words["factors"] = {
        f["name"]: factor_word(f["name"], lang) for f in shared["table"]["factors"]
    }
    return (
        '<script type="application/json" id="whatif-page">'
        + _json({"page": shared, "words": words, "top": TOP})
        + "</script>"
    )


def _field(name: str, value, kind: str, categories: list[str], lang: str) -> str:
    label = escape(signal_word(name, lang))
    if name == "category":
        options = "".join(
            f"<option{' selected' if c == value else ''}>{escape(c)}</option>"
            for c in categories
        )
        if value not in categories:
            options = f"<option selected>{escape(str(value))}</option>" + options
        control = (
            f'<select data-signal="category" data-today="{escape(str(value))}">'
            f"{options}</select>"
        )
    else:
        if kind == "bool":
            shown = say("value.yes" if value == 1.0 else "value.no", lang)
        elif float(value).is_integer() and kind != "share":
            shown = f"{value:.0f}"
        else:
            shown = f"{value:g}"
        control = (
            f'<input data-signal="{name}" value="{escape(shown)}" '
            f'data-today="{escape(shown)}" size="7">'
        )
    return f'<label class="wi"><span>{label}</span>{control}</label>'


def card_block(card: dict, shared: dict, lang: str) -> str:
    """A card's what-if: its inputs (today's values), a reset button, the
    error line, the reach-a-rank plan, the rank per keyword, and the card's
    data for the script."""
    fields = "".join(
        _field(name, value, shared["kinds"][name], shared["categories"], lang)
        for name, value in card["values"].items()
    )
    ranks = ""
    if card["keywords"]:
        rows = "".join(
            f'<tr><td>{escape(k["keyword"])}</td><td class="n">'
            f"{k['observed'] if k['observed'] is not None else '>' + str(k['below'])}"
            f'</td><td class="n" data-rank="{escape(k["keyword"])}"></td></tr>'
            for k in card["keywords"]
        )
        ranks = (
            '<table class="wi-ranks"><thead><tr>'
            f"<th>{escape(say('diff.keyword', lang))}</th>"
            f"<th>{escape(say('report.rank_now', lang))}</th>"
            f"<th>{escape(say('whatif.expected', lang))}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    return (
        f'<div class="whatif"><h3>{escape(say("whatif.title", lang))}</h3>'
        f'<p class="small">{escape(say("whatif.help", lang))}</p>'
        f'<div class="wi-fields">{fields}</div>'
        f'<button type="button" data-reset>{escape(say("whatif.reset", lang))}</button>'
        '<p class="blocker" data-error role="alert"></p>'
        f'<div data-plan class="small"></div>{ranks}'
        '<script type="application/json" class="whatif-card">'
        + _json(card)
        + "</script></div>"
    )


STYLE = """
.whatif{border-top:1px solid #e0e0e0;margin-top:12px;padding-top:8px}
.wi-fields{display:flex;flex-wrap:wrap;gap:6px 14px;margin:6px 0}
label.wi{font-size:12px;display:flex;flex-direction:column}
label.wi input[aria-invalid=true]{border-color:#c62828;background:#ffebee}
"""

#: Evaluates the page's data as ``audit --what-if`` and ``--target-rank``:
#: ``whatif.js`` beside this module (package data, so a wheel ships it), kept
#: as a file of its own so that it reads, diffs and lints as JavaScript. The
#: newline puts it on a line of its own after the report's script, as the
#: pages written so far have it.
SCRIPT = "\n" + (files("ranking.present") / "whatif.js").read_text(encoding="utf-8")
