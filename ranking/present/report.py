"""``ranking report``: one self-contained HTML file an operator opens offline.

The catalog overview (weight per category, how many listings each blocker
holds back, what every listing's first fix would win, by factor), a card for
each of the weakest listings (or those asked for) with the waterfall of its
factors, its fixes and, with ranks, the rank each fix buys per keyword; the
unusual drops against an older export; and the model card with any drift
warning. No network request, no JavaScript library: charts are inline SVG
(:mod:`ranking.present.svg`), and a dozen lines of script sort the table.

The export is prepared once (:attr:`ranking.model.workspace.Workspace.prepared`); the
cards are :func:`ranking.explain.audit.listing_report` of that one prepared state.

>>> summary = report(["catalog.csv"], "report.html", "models/default")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ranking.engines.outputs import (
    output_columns,
    scored_frame,
)
from ranking.explain import placement
from ranking.explain.audit import listing_report, listing_row
from ranking.explain.diff import diff
from ranking.explain.history import in_time_order
from ranking.explain.whatif import card_data, page_data
from ranking.model import card as model_card
from ranking.model.cliff_lines import card_lines
from ranking.model.drift import absent_note, message, shifts_of
from ranking.model.features import FACTORS
from ranking.model.workspace import Workspace
from ranking.present import report_history, svg, whatif_page
from ranking.present.html import escaped as _e
from ranking.present.html import html_table as _html_table
from ranking.present.lang import factor_word, in_language, say, signal_word
from ranking.present.render import costed, trust_lines
from ranking.present.tables import for_people, header_words
from ranking.reading.export import read_ranks
from ranking.reading.values import id_text
from ranking.writing import atomic

#: Listings given a card when none are named: the weakest by weight.
WEAKEST = 6
#: Categories drawn one histogram each; the rest share one.
CATEGORIES_SHOWN = 12
#: Rows of the sortable table: the weakest listings of the catalog.
TABLE_ROWS = 200
#: Drops of a diff listed.
DROPS_SHOWN = 20

KEPT = ["listing_id", "title", "category", "weight", "category_percentile"]
KEPT += ["fix_1", "fix_1_gain", "blockers"]


def report(
    workspace: Workspace | Sequence[str | Path],
    output: str | Path,
    model_dir: str | Path | None = None,
    ranks_path: str | Path | None = None,
    listings: Sequence[str] = (),
    old: str | Path | None = None,
    sets: Sequence[str] = (),
    lang: str = "en",
    images_root: str | Path | None = None,
    history: Sequence[str | Path] = (),
    effort: dict[str, float] | None = None,
) -> dict:
    """Write the report of ``exports`` to ``output`` (whole or not at all);
    returns what it holds: listings, cards, size in bytes, drift shifts
    (``images_root``: a folder images may be read from besides the
    export's). Exports given as paths are opened as a :class:`Workspace`
    with ``model_dir``, ``sets`` and ``images_root``; ``old`` is weighed by
    the same model, each export prepared once. ``history``: exports over
    time (several in time order, or one folder of them), drawn as the
    catalog's median weight over time and one sparkline per flagged listing
    (``ranking history``). ``effort``: what each factor's fix costs, the
    unit the cards' plans to reach the top 10 are least in (default:
    :data:`ranking.explain.fixes.DEFAULT_EFFORT`)."""
    output = Path(output)
    workspace = Workspace.of(workspace, model_dir, sets=sets, images_root=images_root)
    then = workspace.on(old) if old is not None else None
    series = in_time_order(history) if history else []
    _refuse_inputs(output, workspace, then, ranks_path, series)
    prepared = workspace.prepared
    exports = workspace.paths
    table = _catalog_table(prepared)
    wanted = list(listings) or _weakest(table, WEAKEST)
    cards = _listing_cards(prepared, wanted, ranks_path, exports)
    drops = _unusual_drops(then, workspace) if then is not None else None
    over_time = report_history.watched(workspace, series) if series else None
    shifts = shifts_of(prepared)
    page = render(
        {
            "exports": [str(p) for p in exports],
            "model_dir": str(workspace.model_dir),
            "card": workspace.card,
            "table": table,
            "cards": cards,
            "diff": drops,
            "old": str(old) if old is not None else None,
            "history": over_time,
            **_drift_words(shifts, workspace.model_dir, lang),
            "made": dt.date.today().isoformat(),
            "whatif": page_data(prepared, effort),
        },
        lang,
    )
    atomic.write_text(page, output)
    return {
        "output": str(output),
        "listings": len(table),
        "cards": [c["listing_id"] for c in cards],
        "bytes": len(page.encode("utf-8")),
        "drift": shifts,
    }


def _listing_cards(prepared, wanted: list[str], ranks_path, exports) -> list[dict]:
    """A card for each of ``wanted`` (with ranks: the rank each fix buys)."""
    ranks = read_ranks(ranks_path) if ranks_path is not None else None
    # One pass over the export for every card's row, not one per card.
    rows = prepared.lookup(list(id_text(pd.Series(wanted, dtype="string"))))
    return [listing_card(prepared, i, ranks, exports, rows) for i in wanted]


def _refuse_inputs(output: Path, workspace, then, ranks_path, series) -> None:
    """Refuse, before any work, an ``output`` that would replace an input."""
    inputs = [*workspace.inputs, *(then.files if then is not None else [])]
    inputs += [Path(ranks_path)] if ranks_path is not None else []
    atomic.refuse_overwriting(output, *inputs, *series)


def _unusual_drops(then: Workspace, now: Workspace) -> dict:
    """``diff``'s summary from ``then`` to ``now`` (its table not drawn)."""
    drops = diff(then, now)
    drops.pop("table")
    return drops


def _drift_words(shifts, model_dir, lang: str) -> dict:
    """The drift warnings and the note on absent signals, in ``lang``."""
    return {
        "drift": [in_language(line, lang) for line in message(shifts, str(model_dir))],
        "drift_note": in_language(absent_note(shifts) or "", lang) or None,
    }


def _catalog_table(prepared) -> pd.DataFrame:
    """Every listing's canonical id, title and category beside the columns
    ``score`` adds (weight, percentile, fixes, blockers), chunk by chunk."""
    added = output_columns()
    parts = []
    for chunk, scored in prepared.scored_chunks():
        frame = scored_frame(prepared, chunk, scored)
        part = frame.iloc[:, -len(added) :].set_axis(added, axis=1)
        names = [c for c in ("listing_id", "title", "category") if c in chunk.data]
        part = pd.concat([chunk.data[names].set_axis(part.index), part], axis=1)
        parts.append(part[[c for c in KEPT if c in part.columns]])
    table = pd.concat(parts, ignore_index=True)
    if "category" not in table.columns:
        table["category"] = pd.NA
    table["category"] = table["category"].astype("string").fillna("")
    return table


def _weakest(table: pd.DataFrame, count: int) -> list[str]:
    return table.nsmallest(count, "weight")["listing_id"].astype(str).tolist()


def listing_card(prepared, listing_id, ranks=None, exports="export", rows=None) -> dict:
    """:func:`listing_report` of one listing, with the waterfall's steps:
    from the category's average listing, each factor's move in weight
    points (largest first), to the listing's weight — exact, because each
    step is taken on the model's raw scale and only then made 0–100.
    ``rows``: as :func:`listing_report` takes them."""
    wanted, row = listing_row(prepared, listing_id, exports, rows)
    # Found once for the card's ranks and its what-if (a streamed export is
    # read again to look the rivals up).
    rivals = (
        placement.keyword_rivals(prepared, ranks, wanted) if ranks is not None else []
    )
    card = listing_report(
        prepared, listing_id, ranks, export_path=exports, rows=row, rivals=rivals
    )
    scored = prepared.score(row)
    deltas = prepared.factor_deltas(scored).iloc[0]
    raw = float(scored.raw[0])
    level = raw - float(deltas.sum())
    start = float(prepared.model.to_weight(np.array([level]))[0])
    steps = []
    for factor in deltas.abs().sort_values(ascending=False).index:
        before = prepared.model.to_weight(np.array([level]))[0]
        level += float(deltas[factor])
        after = prepared.model.to_weight(np.array([level]))[0]
        steps.append((factor, float(after - before)))
    card["waterfall"] = {"start": start, "steps": steps}
    card["whatif"] = card_data(prepared, scored, scored.data.index[0], rivals)
    return card


# ------------------------------------------------------------------- HTML


STYLE = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",
"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#212121;
background:#fafafa}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;
border-bottom:2px solid #1565c0;padding-bottom:4px}h3{font-size:16px;margin:0}
.meta{color:#616161;font-size:13px}.grid{display:flex;flex-wrap:wrap;gap:12px}
.panel{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px}
.small{font-size:12px;color:#616161}.warn{background:#fff3e0;
border-left:4px solid #ef6c00;padding:8px 12px;margin:8px 0}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left}
th{background:#f5f5f5;cursor:pointer;white-space:nowrap}td.n{text-align:right}
.card{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:16px;
margin:12px 0}.big{font-size:28px;font-weight:600;color:#1565c0}
.blocker{color:#c62828}ol{margin:4px 0;padding-left:20px}
"""

#: Sorts a table by the clicked column: numbers as numbers, else as text.
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, i) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var down = th.dataset.order !== "asc";
    th.dataset.order = down ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[i].dataset.v || a.cells[i].textContent;
      var y = b.cells[i].dataset.v || b.cells[i].textContent;
      var d = (isNaN(x) || isNaN(y)) ? x.localeCompare(y) : x - y;
      return down ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def render(content: dict, lang: str) -> str:
    """The report's HTML from what :func:`report` gathered."""
    table = content["table"]
    parts = [
        f"<h1>{_e(say('report.title', lang))}</h1>",
        '<p class="meta">'
        + _e(
            say(
                "report.about",
                lang,
                exports=", ".join(content["exports"]),
                listings=len(table),
                model=content["model_dir"],
                made=content["made"],
            )
        )
        + "</p>",
        *[f'<p class="warn">{_e(line)}</p>' for line in content["drift"]],
        _overview(table, lang),
        _cards(content["cards"], lang, content.get("whatif")),
    ]
    if content["diff"] is not None:
        parts.append(_drops(content["diff"], content["old"], lang))
    if content.get("history") is not None:
        parts.append(report_history.over_time(content["history"], lang))
    parts.append(_listing_table(table, lang))
    parts.append(
        _model_card(content["card"], content["drift"], lang, content.get("drift_note"))
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(say('report.title', lang))}</title>"
        f"<style>{STYLE}{whatif_page.STYLE}</style>"
        "</head><body><main>" + "\n".join(parts) + f"</main><script>{SCRIPT}"
        f"{whatif_page.SCRIPT}</script></body></html>\n"
    )


def _overview(table: pd.DataFrame, lang: str) -> str:
    counts = table["category"].value_counts()
    shown = list(counts.index[:CATEGORIES_SHOWN])
    panels = []
    for category in shown:
        weights = table.loc[table["category"] == category, "weight"]
        panels.append(_histogram_panel(category, weights, lang))
    rest = table.loc[~table["category"].isin(shown), "weight"]
    if len(rest):
        name = say("report.other_categories", lang, count=len(counts) - len(shown))
        panels.append(_histogram_panel(name, rest, lang))
    blocked = table["blockers"].fillna("").str.split(";").explode()
    blocked = blocked[blocked.ne("")].value_counts()
    blocker_rows = [
        (
            factor_word(f, lang),
            float(n),
            say("report.listings_share", lang, count=int(n), share=n / len(table)),
        )
        for f, n in blocked.items()
    ]
    firsts = table[table["fix_1"].fillna("").ne("")]
    gains = firsts.groupby("fix_1")["fix_1_gain"].agg(["sum", "count", "mean"])
    gains = gains.sort_values("sum", ascending=False)
    gain_rows = [
        (
            factor_word(f, lang),
            float(row["sum"]),
            say(
                "report.gain_text",
                lang,
                total=row["sum"],
                count=int(row["count"]),
                mean=row["mean"],
            ),
        )
        for f, row in gains.iterrows()
    ]
    blockers_html = (
        svg.bars(blocker_rows, label=say("report.blockers", lang))
        if blocker_rows
        else f'<p class="ok">{_e(say("report.no_blockers", lang))}</p>'
    )
    return "\n".join(
        [
            f"<h2>{_e(say('report.overview', lang))}</h2>",
            f"<h3>{_e(say('report.distribution', lang))}</h3>",
            f'<p class="small">{_e(say("report.distribution_help", lang))}</p>',
            '<div class="grid">' + "".join(panels) + "</div>",
            f"<h3>{_e(say('report.blockers', lang))}</h3>",
            f'<div class="panel">{blockers_html}</div>',
            f"<h3>{_e(say('report.first_fixes', lang))}</h3>",
            f'<p class="small">{_e(say("report.first_fixes_help", lang))}</p>',
            f'<div class="panel">{svg.bars(gain_rows, label="gains")}</div>'
            if gain_rows
            else "",
        ]
    )


def _histogram_panel(name: str, weights: pd.Series, lang: str) -> str:
    chart = svg.histogram(weights.to_numpy(), label=str(name))
    text = say(
        "report.category_line",
        lang,
        count=len(weights),
        median=float(weights.median()) if len(weights) else float("nan"),
    )
    return (
        f'<div class="panel"><h3>{_e(name or say("value.none", lang))}</h3>'
        f'{chart}<div class="small">{_e(text)}</div></div>'
    )


def _cards(cards: list[dict], lang: str, shared: dict | None = None) -> str:
    out = [f"<h2>{_e(say('report.cards', lang))}</h2>"]
    for card in cards:
        out.append(_card_html(card, lang, shared))
    if shared is not None and cards:
        out.append(whatif_page.page_block(shared, lang))
    return "\n".join(out)


def _card_html(card: dict, lang: str, shared: dict | None = None) -> str:
    """One listing's card: its weight and waterfall, blockers, fixes, notes
    and keyword ranks; with the page's what-if data (``shared``), its
    what-if inputs, recomputed in the page."""
    fall = card["waterfall"]
    chart = svg.waterfall(
        (say("report.typical", lang), fall["start"]),
        [(factor_word(f, lang), move) for f, move in fall["steps"]],
        say("report.this_listing", lang),
        label=say("report.waterfall", lang),
    )
    blockers, fixes = _card_items(card, lang)
    keywords = _card_keywords(card["keywords"], lang) if card.get("keywords") else ""
    unknown = ", ".join(signal_word(n, lang) for n in card["unknown_signals"])
    asked = shared is not None and "whatif" in card
    return (
        f'<div class="card" data-listing="{_e(card["listing_id"])}">'
        f"<h3>{_e(card['listing_id'])} · {_e(card.get('title') or '')}</h3>"
        f'<p><span class="big" data-weight>{card["weight"]:.1f}</span> / 100 '
        '<span class="small" data-today-note></span> · '
        + _e(
            say(
                "report.card_line",
                lang,
                category=card.get("category") or say("value.none", lang),
                percentile=card["category_percentile"],
            )
        )
        + "</p>"
        + "".join(
            f'<p class="small trust">{_e(line)}</p>'
            for line in trust_lines(card.get("trust"), lang, detail=False)
        )
        + (
            f'<p class="small">{_e(say("audit.unknown", lang, signals=unknown))}</p>'
            if unknown
            else ""
        )
        + f'<div class="grid"><div data-waterfall>{chart}</div>'
        + '<div style="flex:1;min-width:320px">'
        + (
            f"<h3>{_e(say('audit.blockers', lang))}</h3>"
            f"<ul data-blockers>{blockers}</ul>"
            if blockers or asked
            else ""
        )
        + f"<h3>{_e(say('report.fixes', lang))}</h3>"
        + (f"<ol>{fixes}</ol>" if fixes else f"<p>{_e(say('audit.no_fix', lang))}</p>")
        + "".join(
            f'<p class="small">{_e(in_language(n, lang))}</p>'
            for n in card.get("notes", [])
        )
        + "</div></div>"
        + keywords
        + (whatif_page.card_block(card["whatif"], shared, lang) if asked else "")
        + "</div>"
    )


def _card_items(card: dict, lang: str) -> tuple[str, str]:
    """The card's blockers and fixes as list items (a shared cost shown
    once)."""
    blockers = "".join(
        f'<li class="blocker">{_e(factor_word(b["factor"], lang))}'
        f"{'' if cost is None else f' −{cost:.1f}'}: "
        f"{_e(in_language(b['message'], lang))}</li>"
        for b, cost in costed(card["blockers"])
    )
    fixes = "".join(
        f"<li><b>{_e(factor_word(f['factor'], lang))}</b> "
        f"{f['expected_gain']:+.1f} → {f['expected_weight']:.1f} — "
        f"{_e(in_language(f['action'], lang))}</li>"
        for f in card["fixes"]
    )
    return blockers, fixes


def _card_keywords(keywords: list[dict], lang: str) -> str:
    """The card's keywords: the rank now and after each factor's fix, as a
    table under its heading."""
    header = [say("diff.keyword", lang), say("report.rank_now", lang)]
    header += [factor_word(f, lang) for f in FACTORS]
    rows = []
    for k in keywords:
        after = [k["after_fix"].get(f, "") for f in FACTORS]
        rows.append([k["keyword"], k["observed_rank"], *after])
    return f"<h3>{_e(say('report.keywords', lang))}</h3>" + _html_table(
        header, rows, sortable=False
    )


def _drops(result: dict, old: str | None, lang: str) -> str:
    drops = result["drops"]
    out = [
        f"<h2>{_e(say('report.drops', lang))}</h2>",
        '<p class="meta">'
        + _e(
            say(
                "diff.listings",
                lang,
                both=result["listings"]["both"],
                new=result["listings"]["new"],
                gone=result["listings"]["gone"],
                median=result["median_change"],
            )
        )
        + f" ({_e(say('report.against', lang, old=old))})</p>",
    ]
    if not drops:
        out.append(f'<p class="ok">{_e(say("diff.no_drops", lang))}</p>')
        return "\n".join(out)
    by_factor = pd.Series([d["main_factor"] for d in drops]).value_counts()
    rows = [(factor_word(f, lang), float(n), str(int(n))) for f, n in by_factor.items()]
    out.append(f'<div class="panel">{svg.bars(rows, label="drops")}</div>')
    header = [say(k, lang) for k in ("diff.listing", "diff.category", "diff.weight")]
    header += [say(k, lang) for k in ("diff.lost", "diff.main_factor", "diff.revert")]
    header.append(say("diff.why", lang))
    body = [
        [
            d["listing_id"],
            d["category"],
            f"{d['weight_old']:.1f} → {d['weight_new']:.1f}",
            d["lost_unusually"],
            factor_word(d["main_factor"], lang),
            d["revert_gain"],
            in_language(d["reason"], lang),
        ]
        for d in drops[:DROPS_SHOWN]
    ]
    out.append(_html_table(header, body, sortable=True))
    if len(drops) > DROPS_SHOWN:
        more = len(drops) - DROPS_SHOWN
        out.append(f"<p>{_e(say('diff.more', lang, count=more, where='ranking diff'))}")
    return "\n".join(out)


def _listing_table(table: pd.DataFrame, lang: str) -> str:
    weakest = table.nsmallest(TABLE_ROWS, "weight")
    columns = [c for c in KEPT if c in weakest.columns]
    added = header_words(lang)
    header = [added.get(c) or signal_word(c, lang) for c in columns]
    # Fixes and blockers in plain words, as the xlsx says them.
    rows = for_people(weakest[columns], lang).itertuples(index=False)
    rows = [list(row) for row in rows]
    return "\n".join(
        [
            f"<h2>{_e(say('report.table', lang, count=len(weakest)))}</h2>",
            f'<p class="small">{_e(say("report.table_help", lang))}</p>',
            _html_table(header, rows, sortable=True),
        ]
    )


def _model_card(
    card: dict, drift: list[str], lang: str, note: str | None = None
) -> str:
    data = card.get("data", {})
    rows = [
        [
            in_language(model_card.ordering(name), lang),
            m.get("ndcg@10"),
            m.get("spearman"),
        ]
        for name, m in card.get("metrics", {}).items()
    ]
    ranks = card.get("ranks") or {}
    trained = say(
        "report.trained_on",
        lang,
        file=data.get("file"),
        rows=data.get("rows", 0),
        label=card.get("label"),
        groups=ranks.get("groups", "—"),
        created=card.get("created", "—"),
    )
    lines = [in_language(x, lang) for x in card_lines(card)]
    drift_html = (
        "".join(f'<p class="warn">{_e(line)}</p>' for line in drift)
        if drift
        else f'<p class="ok">{_e(say("report.no_drift", lang))}</p>'
    )
    # Not drift: said once, here, rather than among the warnings atop the page.
    if note:
        drift_html += f'<p class="small">{_e(note)}</p>'
    return "\n".join(
        [
            f"<h2>{_e(say('report.model', lang))}</h2>",
            f"<p>{_e(trained)}</p>",
            f"<h3>{_e(say('report.held_out', lang))}</h3>",
            _html_table(
                [say("metrics.ordering", lang), "NDCG@10", "Spearman"],
                [[r[0], *[_metric(v) for v in r[1:]]] for r in rows],
                sortable=False,
            ),
            f"<h3>{_e(say('train.blockers', lang))}</h3>",
            "<pre>" + _e("\n".join(line.strip() for line in lines)) + "</pre>",
            f"<h3>{_e(say('report.drift', lang))}</h3>",
            drift_html,
        ]
    )


def _metric(value) -> str:
    return "—" if value is None else f"{value:.3f}"


__all__ = ["listing_card", "render", "report"]
