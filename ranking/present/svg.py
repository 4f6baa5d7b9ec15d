"""Small charts as inline SVG text, for a report that opens offline.

A chart library would do more, but costs the report its size: Plotly with
plotly.js inlined writes 5.4 MB for one 20,000-point chart; a histogram here
is about 2 KB, because only what is drawn (bins, bars) is written — never
one element per listing.

>>> "<rect" in histogram([10, 20, 20, 90])
True
"""

from __future__ import annotations

from html import escape

import numpy as np

from ranking.text import display_width

POSITIVE = "#2e7d32"
NEGATIVE = "#c62828"
NEUTRAL = "#1565c0"
MUTED = "#9e9e9e"
#: Average width of a 12 px character in the report's fonts, for label room.
CHAR = 6.6


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _text(x, y, text, anchor="start", size=12, fill="#212121") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}">{escape(str(text))}</text>'
    )


def histogram(
    values,
    lo: float = 0.0,
    hi: float = 100.0,
    bins: int = 20,
    width: float = 240,
    height: float = 64,
    label: str = "distribution",
) -> str:
    """Counts of ``values`` in ``bins`` equal bins over [lo, hi], with the
    median marked."""
    values = np.asarray(values, dtype="float64")
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    top = max(int(counts.max()), 1) if len(counts) else 1
    plot = height - 14
    step = width / bins
    body = [f'<line x1="0" y1="{plot}" x2="{width}" y2="{plot}" stroke="{MUTED}"/>']
    for k, count in enumerate(counts):
        if count:
            h = plot * count / top
            body.append(
                f'<rect x="{k * step + 0.5:.1f}" y="{plot - h:.1f}" '
                f'width="{step - 1:.1f}" height="{h:.1f}" fill="{NEUTRAL}"/>'
            )
    if len(values):
        median = float(np.median(values))
        x = (median - lo) / (hi - lo) * width
        body.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{plot}" '
            f'stroke="{NEGATIVE}" stroke-dasharray="3,2"/>'
        )
    body.append(_text(0, height - 2, f"{lo:g}", size=10, fill=MUTED))
    body.append(_text(width, height - 2, f"{hi:g}", "end", size=10, fill=MUTED))
    return _svg(width, height, body, label)


def bars(
    rows: list[tuple[str, float, str]],
    width: float = 560,
    row_height: float = 22,
    label: str = "bars",
) -> str:
    """Horizontal bars, one per ``(label, value, text)``: the label on the
    left, the bar scaled to the largest value, ``text`` after it."""
    room = max([display_width(r[0]) for r in rows] + [4]) * CHAR + 10
    text_room = max([display_width(r[2]) for r in rows] + [4]) * CHAR + 10
    span = max(width - room - text_room, 40)
    top = max([abs(r[1]) for r in rows] + [1e-9])
    body = []
    for k, (name, value, text) in enumerate(rows):
        y = k * row_height
        w = span * abs(value) / top
        fill = NEGATIVE if value < 0 else NEUTRAL
        body.append(_text(room - 8, y + 15, name, "end"))
        body.append(
            f'<rect x="{room:.1f}" y="{y + 4:.1f}" width="{max(w, 1):.1f}" '
            f'height="{row_height - 8:.1f}" fill="{fill}"/>'
        )
        body.append(_text(room + w + 6, y + 15, text))
    return _svg(width, max(len(rows), 1) * row_height, body, label)


def waterfall(
    start: tuple[str, float],
    steps: list[tuple[str, float]],
    end: str,
    width: float = 560,
    row_height: float = 22,
    label: str = "waterfall",
) -> str:
    """A horizontal waterfall on the 0–100 weight scale: ``start`` (its label
    and weight), each step's move from where the previous one ended, and
    ``end`` labelling the sum."""
    names = [start[0], *[s[0] for s in steps], end]
    room = max(display_width(n) for n in names) * CHAR + 10
    span = width - room - 52
    x = lambda weight: room + span * min(max(weight, 0.0), 100.0) / 100  # noqa: E731
    body = []
    level = start[1]
    rows = [(start[0], 0.0, level, MUTED)]
    for name, move in steps:
        color = POSITIVE if move >= 0 else NEGATIVE
        rows.append((name, level, level + move, color))
        level += move
    rows.append((end, 0.0, level, NEUTRAL))
    for k, (name, a, b, color) in enumerate(rows):
        y = k * row_height
        left, right = sorted((x(a), x(b)))
        body.append(_text(room - 8, y + 15, name, "end"))
        body.append(
            f'<rect x="{left:.1f}" y="{y + 4:.1f}" width="{max(right - left, 1):.1f}"'
            f' height="{row_height - 8:.1f}" fill="{color}"/>'
        )
        edge = b - a if 0 < k < len(rows) - 1 else b
        shown = f"{edge:+.1f}" if 0 < k < len(rows) - 1 else f"{edge:.1f}"
        body.append(_text(right + 6, y + 15, shown))
    return _svg(width, len(rows) * row_height, body, label)


#: One colour per part a weight change is split into (colour-blind-safe
#: Tableau 10, grey for the signals no factor covers).
FACTOR_COLOURS = {
    "monthly_sales": "#4e79a7",
    "payer_count": "#f28e2b",
    "favorites_cart": "#e15759",
    "review_quality": "#76b7b2",
    "dsr": "#59a14f",
    "category_fit": "#edc948",
    "main_video": "#b07aa1",
    "white_bg_image": "#ff9da7",
    "other": "#9c755f",
}


def sparkline(
    values,
    mark: int | None = None,
    since: int | None = None,
    colour: str = NEUTRAL,
    lo: float | None = None,
    hi: float | None = None,
    width: float = 150,
    height: float = 40,
    label: str = "sparkline",
) -> str:
    """A line of ``values`` (one per period; NaN leaves a gap) over
    [``lo``, ``hi``] (default: the values' own range), the point at index
    ``mark`` ringed and the periods from ``since`` to ``mark`` shaded (a
    leak's window). One ``<path>``, whatever the number of periods."""
    values = np.asarray(values, dtype="float64")
    finite = values[np.isfinite(values)]
    if lo is None:
        lo = float(finite.min()) - 1 if len(finite) else 0.0
    if hi is None:
        hi = float(finite.max()) + 1 if len(finite) else 100.0
    hi = max(hi, lo + 1e-9)
    pad = 4
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    x = lambda k: pad + k * step  # noqa: E731
    y = lambda v: pad + (hi - v) / (hi - lo) * (height - 2 * pad)  # noqa: E731
    body = []
    if since is not None and mark is not None and since < mark:
        body.append(
            f'<rect x="{x(since):.1f}" y="0" width="{x(mark) - x(since):.1f}" '
            f'height="{height}" fill="{colour}" fill-opacity="0.12"/>'
        )
    path, pen = [], "M"
    for k, v in enumerate(values):
        if not np.isfinite(v):
            pen = "M"
            continue
        path.append(f"{pen}{x(k):.1f},{y(v):.1f}")
        pen = "L"
    if path:
        body.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
            'stroke-width="1.5"/>'
        )
    if mark is not None and 0 <= mark < len(values) and np.isfinite(values[mark]):
        body.append(
            f'<circle cx="{x(mark):.1f}" cy="{y(values[mark]):.1f}" r="3" '
            f'fill="#fff" stroke="{colour}" stroke-width="2" data-step="{mark}"/>'
        )
    return _svg(width, height, body, label)


__all__ = ["FACTOR_COLOURS", "bars", "histogram", "sparkline", "waterfall"]
