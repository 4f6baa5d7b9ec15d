"""Open a local, self-contained HTML file in headless Chromium, for tests.

`open_page` loads the file in Debian's Chromium (driven by Playwright, never a
browser that Playwright downloads), waits until the page is loaded and the
network idle, takes a full-page PNG screenshot and returns what a test of a
self-contained page asserts on: the console errors and uncaught errors, and
every request the page made other than loading the file itself.

Every such request is recorded, then refused: the page never reaches the
network, nor other local files, so a page that renders here renders the same
when mailed alone.

    from browser import chromium_or_skip, open_page

    def test_report(tmp_path):
        chromium = chromium_or_skip()
        visit = open_page(report, tmp_path / "shot.png", chromium=chromium)
        assert visit.console_errors == [] and visit.requests == []

`make browser` (run by `make test`) installs Chromium when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# As the machine's browser probe starts it: without the background-networking
# flags Chromium keeps trying Google's hosts, and a closed network refuses them.
# Playwright adds --headless and a new, empty profile of its own.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Schemes whose "requests" never leave the page (inline data, blobs it made).
_LOCAL_SCHEMES = ("data:", "blob:", "about:")


@dataclass
class PageVisit:
    """What one visit of a page showed."""

    screenshot: Path
    title: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    #: What ``act`` returned, when given.
    acted: object = None


def find_chromium() -> str | None:
    """Chromium's path: $CHROMIUM, else `chromium` on PATH, else None."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def chromium_or_skip() -> str:
    """Chromium's path; a skip only where it cannot be installed.

    Where apt-get runs as root, Chromium missing is a broken setup (`make test`
    installs it), so the test fails rather than skipping unseen.
    """
    path = find_chromium()
    if path:
        return path
    if shutil.which("apt-get") and os.geteuid() == 0:
        pytest.fail("chromium is not installed: `make browser` installs it")
    where = "apt-get not available" if not shutil.which("apt-get") else "not root"
    pytest.skip(f"chromium not installed and cannot be here ({where})")


def open_page(
    html_path: str | Path,
    screenshot_path: str | Path,
    width: int = 1280,
    height: int = 800,
    *,
    chromium: str | None = None,
    timeout_ms: int = 15_000,
    act: Callable[[object], object] | None = None,
) -> PageVisit:
    """Load `html_path` in headless Chromium and screenshot the whole page.

    `width` x `height` is the viewport; the screenshot is as tall as the page.
    Console messages at level error (and failed console.assert calls) and
    uncaught errors, unhandled rejections included, go in `console_errors`;
    every request other than the page's own load, http(s), ws(s) or file:, in
    page, frame or worker, goes in `requests` (and is refused).
    `act`, when given, is called with the loaded Playwright page before the
    screenshot (to type into inputs, click, read what changed); what it
    returns is the visit's `acted`. Requests and errors it causes are
    recorded like the load's.
    """
    from playwright.sync_api import sync_playwright

    page_url = Path(html_path).resolve().as_uri()
    screenshot = Path(screenshot_path)
    executable = chromium or find_chromium()
    if executable is None:
        raise FileNotFoundError("chromium not found (`make browser` installs it)")
    errors: list[str] = []
    requests: list[str] = []
    seen_page = False

    def route(route) -> None:
        nonlocal seen_page
        url = route.request.url
        if url == page_url and not seen_page:
            seen_page = True
            route.continue_()
            return
        if not url.startswith(_LOCAL_SCHEMES):
            requests.append(url)
        route.abort()

    def console(message) -> None:
        if message.type in ("error", "assert"):
            errors.append(message.text)

    def websocket(ws) -> None:
        requests.append(ws.url)  # not connected: never calls connect_to_server

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), timeout=timeout_ms
        )
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                service_workers="block",
            )
            context.set_default_timeout(timeout_ms)
            context.route("**/*", route)
            context.route_web_socket("**/*", websocket)
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
            page.goto(page_url, wait_until="load")
            page.wait_for_load_state("networkidle")
            acted = act(page) if act is not None else None
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            title = page.title()
        finally:
            browser.close()
    return PageVisit(
        screenshot=screenshot,
        title=title,
        console_errors=errors,
        requests=requests,
        acted=acted,
    )
