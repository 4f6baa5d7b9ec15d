"""Plain-text rendering for the terminal, with Chinese text aligned.

East-Asian wide characters take two terminal columns; :func:`pad` counts them
so that tables of Chinese titles and categories line up.
"""

from __future__ import annotations

from ranking.model import card as model_card
from ranking.model.cliff_lines import card_lines
from ranking.present.lang import factor_word, in_language, say, signal_word
from ranking.reading.reasons import reason_said
from ranking.text import display_width


def pad(text: object, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    text = str(text)
    gap = max(0, width - display_width(text))
    return " " * gap + text if right else text + " " * gap


def clip(text: object, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns, with ``…`` if cut."""
    text = str(text)
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(
    rows: list[list[object]], header: list[str], numeric: set[int] = frozenset()
) -> str:
    """A fixed-width table; columns whose index is in ``numeric`` align right."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max([display_width(h)] + [display_width(r[i]) for r in cells])
        for i, h in enumerate(header)
    ]
    lines = [
        "  ".join(
            pad(h, w, i in numeric)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        ).rstrip()
    ]
    for row in cells:
        lines.append(
            "  ".join(
                pad(v, w, i in numeric)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_check(summary: dict, lang: str = "en") -> str:
    """The text ``ranking check`` prints: mapping, unknowns, rejects, categories."""
    lines = [*_check_headline(summary, lang), *_check_sources(summary, lang)]
    lines += _check_columns(summary, lang)
    if factors := summary.get("factors"):
        lines += _check_factors(factors, lang)
    lines += _check_rejects(summary, lang)
    if summary["categories"]:
        lines += ["", _category_table(summary["categories"], lang)]
    return "\n".join(lines)


def _check_headline(summary: dict, lang: str) -> list[str]:
    """What was kept, rejected and set aside, and where the header was found."""
    aside = summary.get("not_listings")
    where = (
        say(
            "check.encoding",
            lang,
            encoding=summary["encoding"],
            row=summary["header_row"],
        )
        if summary.get("encoding")
        else say("check.header", lang, row=summary["header_row"])
    )
    return [
        say(
            "check.kept",
            lang,
            file=summary["file"],
            rows=summary["rows"],
            rejects=summary["rejects"],
        )
        + (say("check.aside", lang, count=aside) if aside else "")
        + where,
        "",
    ]


def _check_sources(summary: dict, lang: str) -> list[str]:
    """Which back office each file looks written by, and how much of the
    catalog each file covers."""
    lines = []
    for name, platform in summary.get("platforms", {}).items():
        lines.append(
            say(
                "check.looks_like",
                lang,
                file=name,
                platform=platform or say("check.no_platform", lang),
            )
        )
    if summary.get("platforms"):
        lines.append("")
    if summary.get("coverage"):
        lines.append(say("check.coverage", lang))
        lines += [
            f"  {share:6.1%}  {name}" for name, share in summary["coverage"].items()
        ]
        lines.append("")
    return lines


def _check_columns(summary: dict, lang: str) -> list[str]:
    """Each canonical column and the header it was read from, the columns
    passed through, the signals unknown, and the notes on them."""
    lines = [say("check.columns", lang)]
    width = max(map(len, summary["columns"]), default=0)
    for name, header in summary["columns"].items():
        arrow = "" if header == name else f"  ← {header}"
        lines.append(f"  {pad(name, width) if arrow else name}{arrow}")
    if summary["passthrough"]:
        lines.append(
            say("check.passthrough", lang, columns=", ".join(summary["passthrough"]))
        )
    unknown = summary["unknown_signals"]
    lines.append(
        say(
            "check.unknown", lang, signals=", ".join(unknown) or say("check.none", lang)
        )
    )
    for note in summary["notes"]:
        lines.append(say("audit.note", lang, note=in_language(note, lang)))
    return lines


def _check_factors(factors: dict, lang: str) -> list[str]:
    """The factors the export lets the model judge, then each one it does
    not, with the column that is missing."""
    judged = [factor_word(f, lang) for f, v in factors.items() if v["judged"]]
    lines = [
        "",
        say(
            "check.judged",
            lang,
            factors=", ".join(judged) or say("check.none", lang),
        ),
    ]
    for factor, verdict in factors.items():
        if not verdict["judged"]:
            where = verdict["where"] or say(
                "check.a_column_of", lang, columns=", ".join(verdict["missing"])
            )
            lines.append(
                say(
                    "check.not_judged",
                    lang,
                    factor=factor_word(factor, lang),
                    where=where,
                )
            )
    return lines


def _check_rejects(summary: dict, lang: str) -> list[str]:
    """The reasons rows were rejected (the first ones when there are more),
    and why rows were set aside as not listings."""
    lines = []
    if summary["reject_reasons"]:
        shown = len(summary["reject_reasons"])
        more = summary["rejects"] - shown
        first = say("check.first", lang, count=shown) if more else ""
        lines += ["", say("check.rejected", lang, first=first)]
        lines += [f"  {_reason(r, lang)}" for r in summary["reject_reasons"]]
    if summary.get("not_listing_reasons"):
        lines += ["", say("check.set_aside", lang)]
        lines += [f"  {_reason(r, lang)}" for r in summary["not_listing_reasons"]]
    return lines


def _reason(reason: str, lang: str) -> str:
    """A reject reason of the (English) summary, worded in ``lang``."""
    return in_language(reason_said(reason), lang)


def _category_table(categories: list[dict], lang: str) -> str:
    """The per-category summary as a table, numbers aligned right."""
    keys = [k for k in categories[0] if k != "category"]
    rows = [[clip(c["category"], 30), *[c[k] for k in keys]] for c in categories]
    header = [say("check.category", lang), *[_column_word(k, lang) for k in keys]]
    return table(rows, header, numeric=set(range(1, len(header))))


def _column_word(key: str, lang: str) -> str:
    """A category-summary column (``listings``, ``median_price``, ...)."""
    if key.startswith("median_"):
        name = signal_word(key.removeprefix("median_"), lang).replace("_", " ")
        return say("check.median", lang, name=name)
    return say("check.listings", lang)


def _words(lines, lang: str) -> list[str]:
    return [in_language(line, lang) for line in lines]


def render_metrics(metrics: dict, card: dict, lang: str = "en") -> str:
    """Held-out metrics of ``ranking train``, model beside the baselines, and
    the blocker thresholds it learned: the model card's own lines
    (:mod:`ranking.model.card`), in ``lang``."""
    keys, rows = model_card.metric_rows({"metrics": metrics})
    trained = say(
        "train.trained",
        lang,
        rows=card["data"]["rows"],
        label=card["label"],
        held=in_language(model_card.held_out(card), lang),
    )
    return "\n".join(
        [
            trained,
            table(
                [[in_language(r[0], lang), *[f"{v:.3f}" for v in r[1:]]] for r in rows],
                [say("metrics.ordering", lang), *keys],
                numeric=set(range(1, len(keys) + 1)),
            ),
            *_words(model_card.cv_lines(card.get("cross_validation")), lang),
            *_words(model_card.trust_lines(card.get("trust")), lang),
            "",
            say("train.blockers", lang),
            *_words(card_lines(card), lang),
        ]
    )


def trust_lines(found: dict | None, lang: str = "en", detail: bool = True) -> list[str]:
    """The model against the best single signal, in ``lang``
    (:func:`ranking.model.card.trust_lines`)."""
    return _words(model_card.trust_lines(found, detail), lang)


def render_comparison(comparison: dict, lang: str = "en") -> str:
    """Which of the new model and the model in use did better, by how much."""
    verdict = {
        "new": "train.new_better",
        "in use": "train.in_use_better",
        "tie": "train.tie",
    }
    return say(
        "train.comparison",
        lang,
        verdict=say(verdict[comparison["better"]], lang),
        metric=comparison["metric"],
        new=comparison["new"],
        in_use=comparison["in_use"],
        difference=comparison["difference"],
    )


def render_evaluation(report: dict, lang: str = "en") -> str:
    """``ranking evaluate`` as text."""
    rows = [
        [
            say("metrics.model", lang),
            f"{report['ndcg@10']:.3f}",
            f"{report['spearman']:.3f}",
        ]
    ]
    then = report.get("at_training")
    if then:
        rows.append(
            [
                say("metrics.at_training", lang),
                f"{then['ndcg@10']:.3f}",
                f"{then['spearman']:.3f}",
            ]
        )
    for name, m in report["baseline"].items():
        rows.append(
            [
                in_language(model_card.ordering(name), lang),
                f"{m['ndcg@10']:.3f}",
                f"{m['spearman']:.3f}",
            ]
        )
    retrain = (
        f"ranking train EXPORT --ranks RANKS -o NEW_DIR --baseline {report['model']}"
    )
    return "\n".join(
        [
            say(
                "evaluate.groups",
                lang,
                groups=report["groups"],
                observations=report["observations"],
                model=report["model"],
            ),
            table(
                rows,
                [say("metrics.ordering", lang), "ndcg@10", "spearman"],
                numeric={1, 2},
            ),
            *trust_lines(report.get("trust"), lang),
            *(
                [say("evaluate.stale", lang, command=retrain)]
                if report.get("stale")
                else []
            ),
        ]
    )


def _fmt_value(value, lang: str = "en") -> str:
    if value is None:
        return say("value.unknown", lang)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}".rstrip("0") if abs(value) < 1 else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def costed(blockers: list[dict]) -> list[tuple[dict, float | None]]:
    """Each blocker with the cost to show beside it: several DSRs past the
    line share one cliff, and one cost, shown once (None after the first)."""
    told: set[str] = set()
    out = []
    for blocker in blockers:
        out.append((blocker, None if blocker["factor"] in told else blocker["cost"]))
        told.add(blocker["factor"])
    return out


def render_audit(report: dict, lang: str = "en") -> str:
    """The audit card: weight first, blockers, factors, fixes, keywords."""
    title = report.get("title") or ""
    lines = [
        f"{report['listing_id']}  {clip(title, 60)}",
        say(
            "audit.headline",
            lang,
            category=report.get("category") or say("value.none", lang),
            weight=report["weight"],
            percentile=report["category_percentile"],
        ),
        *trust_lines(report.get("trust"), lang, detail=False),
    ]
    if report["unknown_signals"]:
        unknown = ", ".join(signal_word(n, lang) for n in report["unknown_signals"])
        lines.append(say("audit.unknown", lang, signals=unknown))
    lines.append("")
    for note in report.get("notes", []):
        lines.append(say("audit.note", lang, note=in_language(note, lang)))
    if report.get("notes"):
        lines.append("")
    if report["blockers"]:
        lines.append(say("audit.blockers", lang))
        for b, cost in costed(report["blockers"]):
            shown = "" if cost is None else f"  −{cost:.2f}"
            lines.append(
                f"  ✗ {factor_word(b['factor'], lang)}{shown}: "
                + in_language(b["message"], lang)
            )
        lines.append("")
    rows = [
        [
            factor_word(f["factor"], lang),
            _fmt_value(f["value"], lang),
            "" if f["category_p75"] is None else _fmt_value(f["category_p75"], lang),
            f"{f['contribution']:+.1f}",
        ]
        for f in report["factors"]
    ]
    header = [
        say(f"audit.{k}", lang) for k in ("factor", "value", "p75", "contribution")
    ]
    lines.append(table(rows, header, numeric={1, 2, 3}))
    lines.append("")
    lines += _fix_lines(report, lang)
    if report.get("keywords"):
        lines += ["", say("audit.keywords", lang)]
        lines += _keyword_lines(report["keywords"], lang)
    if report.get("what_if"):
        lines += _what_if_lines(report["what_if"], lang)
    return "\n".join(lines)


def _fix_lines(report: dict, lang: str) -> list[str]:
    """The fixes in the order asked for, each with its gain, the gain's range
    over the fold models, the weight after it and what to do."""
    if not report["fixes"]:
        return [say("audit.no_fix", lang)]
    by_effort = report.get("order") == "gain-per-effort"
    order = say("audit.by_effort" if by_effort else "audit.by_gain", lang)
    lines = [say("audit.fix_first", lang, order=order)]
    for number, fix in enumerate(report["fixes"], 1):
        spread = fix.get("expected_gain_range")
        shown = "" if spread is None else f" ({spread[0]:.1f}–{spread[1]:.1f})"
        lines.append(
            f"  {number}. {pad(factor_word(fix['factor'], lang), 15)} "
            f"{fix['expected_gain']:+6.1f}{shown}  → {fix['expected_weight']:.1f}"
            f"   {in_language(fix['action'], lang)}"
        )
    return lines


def _keyword_lines(keywords: list[dict], lang: str) -> list[str]:
    """Per keyword: the rank seen among its competitors, and the rank after
    each fix."""
    lines = []
    for k in keywords:
        after = ", ".join(
            f"{factor_word(f, lang)} {r}" for f, r in k["after_fix"].items()
        )
        now = say(
            "audit.keyword_line",
            lang,
            rank=k["observed_rank"],
            of=k["competitors"] + 1,
        )
        lines.append(f"  {pad(clip(k['keyword'], 24), 24)} {now}   {after}")
    return lines


def _what_if_lines(w: dict, lang: str) -> list[str]:
    """The what-if: the values changed, the weight and percentile they give,
    and each keyword's rank before and after."""
    changes = ", ".join(f"{k}={v}" for k, v in w["changes"].items())
    lines = [
        "",
        say(
            "audit.what_if",
            lang,
            changes=changes,
            weight=w["weight"],
            gain=w["expected_gain"],
            percentile=w["category_percentile"],
        ),
    ]
    for k in w.get("keywords", []):
        lines.append(
            f"  {pad(clip(k['keyword'], 24), 24)} {k['observed_rank']} → "
            f"{k['expected_rank']}"
        )
    lines += [
        say("audit.note", lang, note=in_language(n, lang)) for n in w.get("notes", [])
    ]
    return lines


#: Drops the text view of ``diff`` lists; the rest are in its output file.
DIFF_SHOWN = 20


def render_diff(result: dict, lang: str = "en") -> str:
    """The text ``ranking diff`` prints: what moved catalog-wide, then the
    unusual drops, largest first, each with its main factor, the signals
    behind it and what reverting them wins back."""
    listings = result["listings"]
    lines = [
        say(
            "diff.listings",
            lang,
            both=listings["both"],
            new=listings["new"],
            gone=listings["gone"],
            median=result["median_change"],
        )
    ]
    if result.get("model_change") is not None:
        lines.append(say("diff.model_change", lang, change=result["model_change"]))
    drops = result["drops"]
    if not drops:
        lines.append(say("diff.no_drops", lang))
    else:
        lines.append(say("diff.drops", lang, count=len(drops)))
        rows = [
            [
                d["listing_id"],
                clip(d["category"], 12),
                f"{d['weight_old']:.1f} → {d['weight_new']:.1f}",
                d["lost_unusually"],
                factor_word(d["main_factor"], lang),
                d["revert_gain"],
                clip(in_language(d["reason"], lang), 70),
            ]
            for d in drops[:DIFF_SHOWN]
        ]
        keys = ("listing", "category", "weight", "lost", "main_factor", "revert", "why")
        header = [say(f"diff.{k}", lang) for k in keys]
        lines.append(table(rows, header, numeric={3, 5}))
        if len(drops) > DIFF_SHOWN:
            more = len(drops) - DIFF_SHOWN
            where = result["output"] or "-o OUT"
            lines.append(say("diff.more", lang, count=more, where=where))
    lines += positions_lines(result.get("keywords", []), lang)
    if result["output"]:
        lines.append(say("diff.output", lang, path=result["output"]))
    return "\n".join(lines)


def _visible_loss(keyword: dict) -> bool:
    """A loss the seller could have seen: positions lost, and at the old
    weight the listing would have been inside the tracked top."""
    now = keyword["rank_now"]
    if isinstance(now, str):  # ">48": below the tracked top now
        return keyword["rank_at_old_weight"] <= int(now.lstrip(">"))
    return keyword["positions_lost"] > 0


def positions_lines(keywords: list[dict], lang: str) -> list[str]:
    """Positions lost per keyword, as ``diff`` shows them."""
    lost = [k for k in keywords if _visible_loss(k)]
    if not lost:
        return []
    rows = [
        [k["listing_id"], k["keyword"], k["rank_now"], k["rank_at_old_weight"]]
        + [k["positions_lost"]]
        for k in lost[:DIFF_SHOWN]
    ]
    keys = ("listing", "keyword", "rank_now", "at_old", "lost_positions")
    header = [say(f"diff.{k}", lang) for k in keys]
    return ["", say("diff.positions", lang), table(rows, header, numeric={2, 3, 4})]
