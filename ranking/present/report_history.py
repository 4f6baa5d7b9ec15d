"""The report's history section (``ranking report --history``): the
catalog's median weight over time, then one sparkline per flagged listing,
and the run of ``ranking history`` it draws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ranking.explain.history import History
from ranking.explain.history import history as watch
from ranking.model.workspace import Workspace
from ranking.present import svg
from ranking.present.html import escaped as _e
from ranking.present.lang import factor_word, in_language, say
from ranking.present.render_history import KIND_WORDS, median_weights, span_line

#: Flagged listings drawn one sparkline each (largest loss first).
SPARKLINES = 48


def watched(workspace: Workspace, series: Sequence[Path]) -> History:
    """The history of ``series`` (in time order) under ``workspace``'s
    model, kept in the cache, holding only the summary the page draws."""
    first = replace(workspace.on(series[0]), cached=True)
    return watch(first, series[1:], keep_table=False)


def over_time(found: History, lang: str) -> str:
    """The history's section: the catalog's median weight over time (a
    season shows here), then small multiples — one sparkline per flagged
    listing, largest loss first, coloured by its main factor, the flagged
    step ringed and a leak's window shaded."""
    out = _median_over_time(found, lang)
    flags = found.flags
    if not len(flags):
        out.append(f'<p class="ok">{_e(say("history.no_flags", lang))}</p>')
        return "\n".join(out)
    out.append(
        '<p class="meta">'
        + _e(
            say(
                "history.flags",
                lang,
                drops=int((flags["kind"] == "drop").sum()),
                leaks=int((flags["kind"] == "leak").sum()),
            )
        )
        + " "
        + _e(say("report.history_how", lang))
        + "</p>"
    )
    legend = [
        f'<span style="color:{svg.FACTOR_COLOURS[factor]}">■</span> '
        + _e(factor_word(factor, lang))
        for factor in dict.fromkeys(flags["main_factor"])
    ]
    out.append('<p class="meta">' + " · ".join(legend) + "</p>")
    at = {name: k for k, name in enumerate(found.periods)}
    panels = [
        _flag_panel(flag, found.series, at, lang)
        for flag in flags.head(SPARKLINES).itertuples(index=False)
    ]
    out.append('<div class="grid">' + "".join(panels) + "</div>")
    if len(flags) > SPARKLINES:
        more = len(flags) - SPARKLINES
        out.append(
            f"<p>{_e(say('diff.more', lang, count=more, where='ranking history'))}</p>"
        )
    return "\n".join(out)


def _median_over_time(found: History, lang: str) -> list[str]:
    """The section's heading, its span and the catalog's median weight."""
    return [
        f"<h2>{_e(say('report.history', lang))}</h2>",
        f'<p class="meta">{_e(span_line(found.periods, found.listings, lang))}</p>',
        '<div class="panel" data-history="median">'
        + f"<h3>{_e(say('report.history_median', lang))}</h3>"
        + svg.sparkline(found.median_weight, width=520, height=80, label="median")
        + '<p class="meta">'
        + _e(median_weights(found.median_weight))
        + "</p></div>",
    ]


def _flag_panel(flag, series: dict, at: dict[str, int], lang: str) -> str:
    """One flagged listing's sparkline, its step ringed and a leak's
    window shaded (``at``: each period's position)."""
    colour = svg.FACTOR_COLOURS.get(flag.main_factor, svg.NEUTRAL)
    line = svg.sparkline(
        series.get(str(flag.listing_id), []),
        mark=at.get(flag.period),
        since=at.get(flag.since) if flag.kind == "leak" else None,
        colour=colour,
        lo=0,
        hi=100,
        label=str(flag.listing_id),
    )
    kind = say(KIND_WORDS[flag.kind], lang)
    return (
        f'<div class="panel" data-listing-history="{_e(flag.listing_id)}" '
        f'title="{_e(in_language(flag.reason, lang))}">'
        f"<b>{_e(flag.listing_id)}</b><br>"
        f'<span class="meta">{_e(kind)} · {_e(factor_word(flag.main_factor, lang))}'
        f" · {flag.lost:.1f} · {_e(flag.period)}</span><br>{line}</div>"
    )
