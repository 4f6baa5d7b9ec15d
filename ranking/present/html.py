"""The HTML pieces every section of the report writes: text escaped, and a
table (numbers right-aligned, sortable by a click where asked)."""

from __future__ import annotations

from html import escape

import numpy as np


def escaped(value) -> str:
    """``value`` as HTML text (``None`` as nothing)."""
    return escape("" if value is None else str(value))


_e = escaped


def html_table(header: list[str], rows: list[list], sortable: bool) -> str:
    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            if np.isnan(value):
                return "<td></td>"
            return f'<td class="n" data-v="{value:.4f}">{value:.1f}</td>'
        if isinstance(value, int | np.integer):
            return f'<td class="n">{value}</td>'
        return f"<td>{_e(value)}</td>"

    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(map(cell, r)) + "</tr>" for r in rows)
    kind = ' class="sortable"' if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


__all__ = ["escaped", "html_table"]
