"""The operator console, driven for real: Playwright with Debian's chromium, headless.

An operator logs in, opens the drift inbox, sees expected and actual side by side,
accepts a drift with the admin action and sees it leave the inbox (and land in the
history). Chromium comes from apt (`bin/test` runs `ensure_chromium`); Playwright never
downloads a browser here, so the test skips, saying why, when chromium is missing.
"""

from __future__ import annotations

import pytest

from drift.models import Drift, DriftStatus, Provisioned
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from tests.factories import TEST_PASSWORD, CloudResourceFactory, PlatformAdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
