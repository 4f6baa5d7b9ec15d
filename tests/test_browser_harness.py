"""The browser harness (tests/browser.py) sees what a bad page does."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import PageVisit, chromium_or_skip, open_page
from PIL import Image

CLEAN = """<!doctype html>
<html><head><meta charset="utf-8"><title>Clean report</title>
<style>body { font-family: sans-serif; margin: 2em; }</style></head>
<body><h1>Clean report</h1>
<svg width="300" height="120" viewBox="0 0 300 120">
  <rect x="10" y="10" width="80" height="100" fill="#1f77b4"/>
  <rect x="110" y="50" width="80" height="60" fill="#ff7f0e"/>
  <circle cx="250" cy="60" r="40" fill="#2ca02c"/>
</svg>
<script>document.querySelector("h1").textContent += " (scripted)";</script>
</body></html>
"""


def page(body: str, title: str = "t") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title></head>"
        f"<body><p>page</p>{body}</body></html>"
    )


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
def visit(chromium, tmp_path):
    def run(html: str) -> PageVisit:
        source = tmp_path / "page.html"
        source.write_text(html, encoding="utf-8")
        return open_page(source, tmp_path / "shot.png", chromium=chromium)

    return run


def test_console_error_is_reported(visit):
    result = visit(page("<script>console.error('boom')</script>"))
    assert any("boom" in message for message in result.console_errors)
    assert result.requests == []


def test_uncaught_errors_are_reported(visit):
    result = visit(
        page(
            "<script>Promise.reject(new Error('rejected'));</script>"
            "<script>undefinedFunction()</script>"
        )
    )
    errors = " | ".join(result.console_errors)
    assert "undefinedFunction" in errors
    assert "rejected" in errors


def test_network_requests_are_reported_and_refused(visit, tmp_path):
    (tmp_path / "other.css").write_text("body { color: red }", encoding="utf-8")
    result = visit(
        page(
            '<link rel="stylesheet" href="other.css">'
            '<img src="http://example.invalid/x.png">'
            "<script>fetch('https://example.invalid/api').catch(() => {});"
            "new WebSocket('ws://example.invalid/sock');"
            "setTimeout(() => fetch('https://example.invalid/late')"
            ".catch(() => {}), 100);</script>"
        )
    )
    assert set(result.requests) == {
        (tmp_path / "other.css").as_uri(),
        "http://example.invalid/x.png",
        "https://example.invalid/api",
        "ws://example.invalid/sock",
        "https://example.invalid/late",
    }


def test_clean_page_has_no_errors_no_requests_and_a_real_screenshot(visit):
    result = visit(CLEAN)
    assert result.console_errors == []
    assert result.requests == []
    assert result.title == "Clean report"
    shot = Path(result.screenshot)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(shot) as image:
        assert image.width == 1280
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 3  # not one colour: text and shapes
    assert colours is None or any(c[1] == (0x1F, 0x77, 0xB4) for c in colours)
