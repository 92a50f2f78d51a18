"""The operator console, driven for real: Playwright with Debian's chromium, headless.

An operator logs in, opens the drift inbox, sees expected and actual side by side,
accepts a drift with the admin action and sees it leave the inbox (and land in the
history). Chromium comes from apt (`bin/test` runs `ensure_chromium`); Playwright never
downloads a browser here, so the test skips, saying why, when chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from drift.models import Drift, DriftStatus, Provisioned
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from tests.factories import TEST_PASSWORD, CloudResourceFactory, PlatformAdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 15_000


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh headless chromium page. Started after `live_server` (so after the test
    database exists) and closed before it is flushed: Playwright's sync API runs an event
    loop in this thread, which Django's ORM refuses to share unless told it is safe, as
    it is here (the test's ORM calls are plain synchronous code between browser steps)."""
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
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            yield page
        finally:
            browser.close()
            # ORM calls made while Playwright's loop runs get their own connection;
            # close it here, or it outlives the test and blocks dropping the database.
            connection.close()


def drifted(name: str, live_size: str, wanted_size: str) -> Drift:
    resource = CloudResourceFactory(name=name, size_slug=live_size, region="nyc3")
    record_provisioned(resource, {"size_slug": wanted_size, "region": "nyc3"}, actor="test")
    return resource


def test_operator_accepts_a_drift_and_it_leaves_the_inbox(live_server, page):
    from playwright.sync_api import expect

    PlatformAdminFactory(username="operator")
    resized = drifted("web-resized", live_size="s-2vcpu-4gb", wanted_size="s-1vcpu-1gb")
    other = drifted("db-other", live_size="s-4vcpu-8gb", wanted_size="s-2vcpu-4gb")
    detect_drift()
    drift = Drift.objects.get(resource=resized)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/drift/drift/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/drift/drift/")

    rows = page.locator("#result_list tbody tr")
    row = rows.filter(has_text=resized.urn)
    expect(rows).to_have_count(2)
    expect(row.locator(".drift-expected")).to_have_text('"s-1vcpu-1gb"')
    expect(row.locator(".drift-actual")).to_have_text('"s-2vcpu-4gb"')
    expect(row.get_by_role("link", name=resized.urn, exact=False)).to_be_visible()

    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "accept_selected")
    page.fill("input[name=comment]", "resized on purpose")
    page.get_by_role("button", name="Go").click()

    expect(page.locator("ul.messagelist")).to_contain_text("Accepted 1 drift.")
    expect(page.locator("#result_list tbody tr").filter(has_text=resized.urn)).to_have_count(0)
    expect(page.locator("#result_list tbody tr").filter(has_text=other.urn)).to_have_count(1)

    page.goto(f"{live_server.url}/admin/drift/drift/?status=resolved")
    history = page.locator("#result_list tbody tr").filter(has_text=resized.urn)
    expect(history).to_contain_text("Accepted")

    drift.refresh_from_db()
    assert drift.status == DriftStatus.ACCEPTED
    assert drift.resolved_by is not None and drift.resolved_by.username == "operator"
    assert drift.comment == "resized on purpose"
    assert Provisioned.objects.get(resource=resized).spec["size_slug"] == "s-2vcpu-4gb"
