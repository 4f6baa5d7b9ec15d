"""Plain-text rendering for the terminal, with Chinese text aligned.

East-Asian wide characters take two terminal columns; :func:`pad` counts them
so that tables of Chinese titles and categories line up.
"""

from __future__ import annotations

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


def render_check(summary: dict) -> str:
    """The text ``ranking check`` prints: mapping, unknowns, rejects, categories."""
    lines = [
        f"{summary['file']}: {summary['rows']:,} rows kept, "
        f"{summary['rejects']:,} rejected"
        + (
            f", {summary['not_listings']:,} set aside (not listings)"
            if summary.get("not_listings")
            else ""
        )
        + (f" (encoding {summary['encoding']}" if summary.get("encoding") else " (")
        + f"{', ' if summary.get('encoding') else ''}header on row "
        f"{summary['header_row']})",
        "",
    ]
    for name, platform in summary.get("platforms", {}).items():
        lines.append(
            f"{name} looks like: {platform or 'no back-office export we know'}"
        )
    if summary.get("platforms"):
        lines.append("")
    if summary.get("coverage"):
        lines.append(
            "files joined on listing_id (share of the catalog's listings in each):"
        )
        lines += [
            f"  {share:6.1%}  {name}" for name, share in summary["coverage"].items()
        ]
        lines.append("")
    lines.append("columns read:")
    width = max(map(len, summary["columns"]), default=0)
    for name, header in summary["columns"].items():
        arrow = "" if header == name else f"  ← {header}"
        lines.append(f"  {pad(name, width) if arrow else name}{arrow}")
    if summary["passthrough"]:
        lines.append("passed through unchanged: " + ", ".join(summary["passthrough"]))
    unknown = summary["unknown_signals"]
    lines.append(
        "unknown signals (not in this export): " + (", ".join(unknown) or "none")
    )
    for note in summary["notes"]:
        lines.append(f"note: {note}")
    if factors := summary.get("factors"):
        judged = [f for f, v in factors.items() if v["judged"]]
        lines += [
            "",
            "factors it lets the tool judge: " + (", ".join(judged) or "none"),
        ]
        for factor, verdict in factors.items():
            if not verdict["judged"]:
                where = verdict["where"] or "a column of " + ", ".join(
                    verdict["missing"]
                )
                lines.append(f"  not judged: {factor} — usually in {where}")
    if summary["reject_reasons"]:
        shown = len(summary["reject_reasons"])
        more = summary["rejects"] - shown
        lines += ["", f"rejected rows{f' (first {shown})' if more else ''}:"]
        lines += [f"  {reason}" for reason in summary["reject_reasons"]]
    if summary.get("not_listing_reasons"):
        lines += ["", "set aside (totals and sub-table rows; not scored):"]
        lines += [f"  {reason}" for reason in summary["not_listing_reasons"]]
    if summary["categories"]:
        keys = [k for k in summary["categories"][0] if k != "category"]
        rows = [
            [clip(c["category"], 30), *[c[k] for k in keys]]
            for c in summary["categories"]
        ]
        header = ["category", *[k.replace("_", " ") for k in keys]]
        lines += ["", table(rows, header, numeric=set(range(1, len(header))))]
    return "\n".join(lines)


def _metric_rows(metrics: dict) -> tuple[list[str], list[list[object]]]:
    keys = [k for k in next(iter(metrics.values())) if k != "groups"]
    rows = [
        [name.replace("_", " "), *[f"{m[k]:.3f}" for k in keys]]
        for name, m in metrics.items()
    ]
    return keys, rows


def render_metrics(metrics: dict, card: dict) -> str:
    """Held-out metrics of ``ranking train``, model beside the baselines, and
    the blocker thresholds it learned."""
    from ranking.blockers import card_lines

    keys, rows = _metric_rows(metrics)
    if card.get("label") == "ranks":
        held = (
            f"held out: {card.get('held_out_groups')} of "
            f"{card['ranks']['groups']} keyword groups"
        )
    else:
        held = f"held out: {card.get('held_out_listings')} listings"
    return "\n".join(
        [
            f"trained on {card['data']['rows']:,} listings, label {card['label']};"
            f" {held}",
            table(rows, ["ordering", *keys], numeric=set(range(1, len(keys) + 1))),
            "",
            "blockers learned (where a shape falls off a cliff):",
            *card_lines(card.get("blockers", {})),
        ]
    )


def render_comparison(comparison: dict) -> str:
    """Which of the new model and the model in use did better, by how much."""
    verdict = {
        "new": "the new model is better",
        "in use": "the model in use is better",
        "tie": "the two models tie",
    }[comparison["better"]]
    return (
        f"{verdict}: {comparison['metric']} {comparison['new']:.3f} (new) vs "
        f"{comparison['in_use']:.3f} (in use), difference "
        f"{comparison['difference']:+.3f}"
    )


def render_evaluation(report: dict) -> str:
    """``ranking evaluate`` as text."""
    rows = [["model", f"{report['ndcg@10']:.3f}", f"{report['spearman']:.3f}"]]
    then = report.get("at_training")
    if then:
        rows.append(
            [
                "model at training (held out)",
                f"{then['ndcg@10']:.3f}",
                f"{then['spearman']:.3f}",
            ]
        )
    for name, m in report["baseline"].items():
        rows.append(
            [
                f"by {name.replace('_', ' ')}",
                f"{m['ndcg@10']:.3f}",
                f"{m['spearman']:.3f}",
            ]
        )
    return "\n".join(
        [
            f"{report['groups']} keyword groups, {report['observations']:,} "
            f"observations; model {report['model']}",
            table(rows, ["ordering", "ndcg@10", "spearman"], numeric={1, 2}),
            *(
                [
                    "stale: on these ranks the model no longer beats ordering by "
                    "monthly sales — retrain on fresh exports: ranking train EXPORT "
                    f"--ranks RANKS -o NEW_DIR --baseline {report['model']}"
                ]
                if report.get("stale")
                else []
            ),
        ]
    )


def _fmt_value(value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4f}".rstrip("0") if abs(value) < 1 else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def render_audit(report: dict) -> str:
    """The audit card: weight first, blockers, factors, fixes, keywords."""
    title = report.get("title") or ""
    lines = [
        f"{report['listing_id']}  {clip(title, 60)}",
        f"category {report.get('category') or '(none)'}   weight "
        f"{report['weight']:.1f} / 100   category percentile "
        f"{report['category_percentile']:.0f}",
    ]
    if report["unknown_signals"]:
        lines.append("unknown: " + ", ".join(report["unknown_signals"]))
    lines.append("")
    for note in report.get("notes", []):
        lines.append(f"note: {note}")
    if report.get("notes"):
        lines.append("")
    if report["blockers"]:
        lines.append("BLOCKERS (weight each one costs)")
        told: set[str] = set()
        for b in report["blockers"]:
            # Several DSRs past the line share one cliff, and one cost.
            cost = "" if b["factor"] in told else f"  −{b['cost']:.2f}"
            told.add(b["factor"])
            lines.append(f"  ✗ {b['factor']}{cost}: {b['message']}")
        lines.append("")
    rows = [
        [
            f["factor"],
            _fmt_value(f["value"]),
            "" if f["category_p75"] is None else _fmt_value(f["category_p75"]),
            f"{f['contribution']:+.1f}",
        ]
        for f in report["factors"]
    ]
    lines.append(
        table(
            rows, ["factor", "value", "category p75", "contribution"], numeric={1, 2, 3}
        )
    )
    lines.append("")
    if report["fixes"]:
        ordered = (
            "gain per effort"
            if report.get("order") == "gain-per-effort"
            else "expected gain"
        )
        lines.append(f"FIX FIRST (by {ordered})")
        for number, fix in enumerate(report["fixes"], 1):
            lines.append(
                f"  {number}. {pad(fix['factor'], 15)} {fix['expected_gain']:+6.1f}"
                f"  → {fix['expected_weight']:.1f}   {fix['action']}"
            )
    else:
        lines.append("no fix raises this listing's weight")
    if report.get("keywords"):
        lines += ["", "KEYWORDS (observed rank → expected rank after each fix)"]
        for k in report["keywords"]:
            after = ", ".join(f"{f} {r}" for f, r in k["after_fix"].items())
            lines.append(
                f"  {pad(clip(k['keyword'], 24), 24)} now {k['observed_rank']}"
                f" of {k['competitors'] + 1}   {after}"
            )
    if report.get("what_if"):
        w = report["what_if"]
        changes = ", ".join(f"{k}={v}" for k, v in w["changes"].items())
        lines += [
            "",
            f"WHAT IF {changes}: weight {w['weight']:.1f} "
            f"({w['expected_gain']:+.1f}), {w['category_percentile']:.0f}th "
            "percentile",
        ]
        for k in w.get("keywords", []):
            lines.append(
                f"  {pad(clip(k['keyword'], 24), 24)} {k['observed_rank']} → "
                f"{k['expected_rank']}"
            )
    return "\n".join(lines)


#: Drops the text view of ``diff`` lists; the rest are in its output file.
DIFF_SHOWN = 20


def render_diff(result: dict) -> str:
    """The text ``ranking diff`` prints: what moved catalog-wide, then the
    unusual drops, largest first, each with its main factor, the signals
    behind it and what reverting them wins back."""
    listings = result["listings"]
    lines = [
        f"{listings['both']:,} listings in both exports "
        f"({listings['new']:,} new, {listings['gone']:,} gone); "
        f"median change {result['median_change']:+.1f} weight points "
        "(what the whole catalog shared: a season, a platform-wide shift)"
    ]
    if result.get("model_change") is not None:
        lines.append(
            f"the model refit moved a typical listing {result['model_change']:+.1f} "
            "points (column part_model); the rest is the listings' own data"
        )
    drops = result["drops"]
    if not drops:
        lines.append("no unusual drops")
    else:
        lines.append(f"{len(drops):,} unusual drop(s), largest first:")
        rows = [
            [
                d["listing_id"],
                clip(d["category"], 12),
                f"{d['weight_old']:.1f} → {d['weight_new']:.1f}",
                d["lost_unusually"],
                d["main_factor"],
                d["revert_gain"],
                clip(d["reason"], 70),
            ]
            for d in drops[:DIFF_SHOWN]
        ]
        header = ["listing", "category", "weight", "lost", "main factor"]
        header += ["revert wins", "why"]
        lines.append(table(rows, header, numeric={3, 5}))
        if len(drops) > DIFF_SHOWN:
            more = len(drops) - DIFF_SHOWN
            where = result["output"] or "-o OUT"
            lines.append(f"… and {more:,} more in {where}")
    lost = [k for k in result.get("keywords", []) if _visible_loss(k)]
    if lost:
        lines.append("")
        lines.append("positions lost per keyword (rank now, rank at the old weight):")
        rows = [
            [k["listing_id"], k["keyword"], k["rank_now"], k["rank_at_old_weight"]]
            + [k["positions_lost"]]
            for k in lost[:DIFF_SHOWN]
        ]
        header = ["listing", "keyword", "rank now", "at old weight", "lost"]
        lines.append(table(rows, header, numeric={2, 3, 4}))
    if result["output"]:
        lines.append(f"every listing's change, split by factor → {result['output']}")
    return "\n".join(lines)


def _visible_loss(keyword: dict) -> bool:
    """A loss the seller could have seen: positions lost, and at the old
    weight the listing would have been inside the tracked top."""
    now = keyword["rank_now"]
    if isinstance(now, str):  # ">48": below the tracked top now
        return keyword["rank_at_old_weight"] <= int(now.lstrip(">"))
    return keyword["positions_lost"] > 0
