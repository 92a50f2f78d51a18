"""The console and the API docs work under the Content-Security-Policy (arcadia.settings):
chromium reports every violation as a `securitypolicyviolation` event, and there is none.
Skips, saying why, when Debian's chromium is missing (see test_drift_inbox.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import chromium_page, violations
from tests.factories import TEST_PASSWORD, DriftFactory, PlatformAdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch, record_csp=True) as opened:
        yield opened


def log_in(page: Any, base_url: str) -> None:
    PlatformAdminFactory(username="operator")
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    assert violations(page) == []
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_the_console_runs_under_the_csp(live_server, page):
    from playwright.sync_api import expect

    drift = DriftFactory()
    log_in(page, live_server.url)
    assert violations(page) == []

    for path in (
        "/admin/inventory/cloudresource/",
        f"/admin/inventory/cloudresource/{drift.resource_id}/change/",
        "/admin/drift/drift/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        assert violations(page) == [], path

    # The change list's JavaScript ran: the select-all checkbox selects every row.
    page.goto(f"{live_server.url}/admin/drift/drift/")
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    assert violations(page) == []


def test_swagger_ui_runs_under_the_csp(live_server, page):
    from playwright.sync_api import expect

    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/api/v1/schema/ui/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Arcadia API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page) == []
