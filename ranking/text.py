"""Text width as screens and spreadsheets show it: East-Asian wide and
full-width characters take two columns (the terminal renderer and the
``.xlsx`` writer both size by it)."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide and full-width characters count 2).

    >>> display_width("连衣裙"), display_width("dress")
    (6, 5)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
