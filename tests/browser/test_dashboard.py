"""The console's home, in a browser: an operator logs in, lands on the dashboard, reads
figures that match the database, and a figure's link opens the filtered list behind it.
Also: the page loads with no CSP violation (the chart is server-drawn SVG, no script)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drift.models import Drift
from tests.factories import (
    TEST_PASSWORD,
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    SagaRunFactory,
    TenantFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_drift(tenant, kind: str, impact: Decimal | None) -> Drift:
    resource = CloudResourceFactory(kind=kind, project=CloudProjectFactory(tenant=tenant))
    return DriftFactory(provisioned=ProvisionedFactory(resource=resource), monthly_impact=impact)


def test_operator_lands_on_the_dashboard_and_follows_a_figure(live_server, page):
    from playwright.sync_api import expect

    PlatformAdminFactory(username="operator")
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    open_drift(acme, "droplet", Decimal("12.00"))
    open_drift(acme, "volume", None)
    open_drift(globex, "droplet", Decimal("3.50"))
    SagaRunFactory(status="failed", finished_at=Drift.objects.first().detected_at)
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    open_count = Drift.objects.filter(status="open").count()
    expect(page.locator("[data-figure=open-drift]")).to_have_text(str(open_count))
    expect(page.locator("[data-figure=open-drift-monthly]")).to_have_text("15.50")
    expect(page.locator("[data-figure=open-drift-unpriced]")).to_have_text("1 unpriced")
    expect(page.locator("[data-figure=sagas-failed]")).to_have_text("1 failed")
    expect(page.locator("svg.drift-chart rect.chart-opened")).to_have_count(30)
    acme_row = page.locator("#drift-by-tenant tbody tr").filter(has_text="Acme")
    expect(acme_row.locator("td").first).to_have_text("2")

    acme_row.get_by_role("link", name="Acme").click()
    page.wait_for_url("**/admin/drift/drift/?**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Globex")).to_have_count(0)

    page.goto(f"{live_server.url}/admin/")
    page.locator("[data-figure=open-drift-unpriced]").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert violations == []
