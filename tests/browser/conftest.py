"""The browser tests' shared fixture: a headless page of Debian's chromium, driven by
Playwright (`bin/test` installs chromium with apt; Playwright never downloads a browser,
so a test skips, saying why, when chromium is missing). A module that needs a wider page
or the CSP recorder defines its own `page` fixture with `chromium_page(...)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 15_000
WIDE = {"width": 1440, "height": 900}  # the screen the console must fit
# Runs in every page before its own scripts: collects what the CSP refused.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def violations(page: Any) -> list[str]:
    """What the CSP refused on `page` (a page opened with `record_csp=True`)."""
    return page.evaluate("window.__csp")


@contextmanager
def chromium_page(
    monkeypatch: pytest.MonkeyPatch,
    *,
    viewport: dict[str, int] | None = None,
    record_csp: bool = False,
) -> Iterator[Any]:
    """A fresh headless chromium page. Open it after `live_server` (so after the test
    database exists); it is closed before the database is flushed. Playwright's sync API
    runs an event loop in this thread, which Django's ORM refuses to share unless told it
    is safe, as it is here (the test's ORM calls are plain synchronous code between
    browser steps)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed at {CHROMIUM}: run `apt-get install chromium` "
            "(bin/test does it); Playwright must not download a browser"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        if record_csp:
            page.add_init_script(RECORD_VIOLATIONS)
        try:
            yield page
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs get their own connection;
            # close it here, or it outlives the test and blocks dropping the database.
            connection.close()


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch) as opened:
        yield opened
