"""Suppressing drift in the console, driven for real (Playwright, Debian's chromium): an
operator suppresses a drift, sees it leave the open inbox and appear under Suppressed,
lifts the suppression with a reason, and finds the drift back in the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drift.models import Drift, DriftStatus, DriftSuppression
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from tests.factories import TEST_PASSWORD, CloudResourceFactory, PlatformAdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_suppresses_a_drift_then_lifts_it(live_server, page):
    from playwright.sync_api import expect

    PlatformAdminFactory(username="operator")
    resized = CloudResourceFactory(name="web-sale", size_slug="s-4vcpu-8gb")
    other = CloudResourceFactory(name="web-other", size_slug="s-2vcpu-4gb")
    for resource in (resized, other):
        record_provisioned(resource, {"size_slug": "s-1vcpu-1gb"}, actor="test")
    detect_drift()
    drift = Drift.objects.get(resource=resized)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/drift/driftsuppression/add/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/drift/driftsuppression/add/")

    # The owner is the operator unless changed.
    expect(page.locator("#id_owner option:checked")).to_have_text("operator")
    page.fill("#id_resource", resized.urn)
    page.fill("#id_field", "size_slug")
    page.fill("#id_reason", "sized up for the sale")
    expires = timezone.localtime(timezone.now() + timedelta(days=3))
    page.fill("#id_expires_at", expires.strftime("%Y-%m-%d %H:%M"))
    page.click("input[name=_save]")

    page.wait_for_url("**/admin/drift/driftsuppression/")
    listed = page.locator("#result_list tbody tr").filter(has_text=resized.urn)
    expect(listed).to_contain_text("sized up for the sale")
    expect(listed).to_contain_text("active")

    # Out of the open inbox, listed under Suppressed.
    page.goto(f"{live_server.url}/admin/drift/drift/")
    inbox = page.locator("#result_list tbody tr")
    expect(inbox.filter(has_text=other.urn)).to_have_count(1)
    expect(inbox.filter(has_text=resized.urn)).to_have_count(0)
    page.get_by_role("link", name="Suppressed", exact=True).click()
    expect(page.locator("#result_list tbody tr").filter(has_text=resized.urn)).to_have_count(1)
    expect(page.locator("#result_list tbody tr").filter(has_text=other.urn)).to_have_count(0)

    # Lift it, with a reason: the drift is back in the inbox.
    page.goto(f"{live_server.url}/admin/drift/driftsuppression/")
    row = page.locator("#result_list tbody tr").filter(has_text=resized.urn)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "lift_selected")
    page.fill("input[name=reason]", "sale is over")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Lifted 1 suppression")

    page.goto(f"{live_server.url}/admin/drift/drift/")
    expect(page.locator("#result_list tbody tr").filter(has_text=resized.urn)).to_have_count(1)

    suppression = DriftSuppression.objects.get()
    assert suppression.lift_reason == "sale is over"
    assert suppression.lifted_by is not None and suppression.lifted_by.username == "operator"
    drift.refresh_from_db()
    assert (drift.status, drift.suppression_id) == (DriftStatus.OPEN, None)
