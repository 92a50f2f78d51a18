"""The tenant portal, driven for real (Playwright with Debian's chromium, headless; the
`page` fixture is tests/browser/conftest.py's).

A tenant's user signs in at /portal/login/, sees its own resources and invoices and none
of another tenant's (seeded alongside), opens a resource's timeline and downloads an
invoice's CSV; no page breaks the CSP."""

from __future__ import annotations

import pytest

from billing.exports import invoice_csv
from portal.tests.conftest import build_world
from tests.browser.conftest import RECORD_VIOLATIONS
from tests.factories import TEST_PASSWORD, TenantUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tenant_user_reads_its_own_resources_and_invoices(live_server, page, tmp_path):
    from playwright.sync_api import expect

    mine, theirs = build_world()
    TenantUserFactory(username="bob", tenants=[mine.tenant])
    page.add_init_script(RECORD_VIOLATIONS)

    page.goto(f"{live_server.url}/portal/login/")
    expect(page.locator("h1")).to_have_text("Sign in to your organisation's Arcadia account")
    page.fill("#id_username", "bob")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/acme/")
    expect(page.locator(".portal-tenant")).to_have_text("Acme")

    page.get_by_role("link", name="Resources").first.click()
    rows = page.locator("#resources tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("acme-web")
    expect(page.locator("#resources")).not_to_contain_text("globex-web")

    page.get_by_role("link", name="acme-web").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Discovered")
    resize = timeline.locator("li").filter(has_text="Updated")
    expect(resize).to_contain_text("size_slug")
    expect(resize.locator(".diff-old")).to_contain_text("s-1vcpu-1gb")
    expect(resize.locator(".diff-new")).to_contain_text("s-2vcpu-4gb")

    page.get_by_role("link", name="Invoices").first.click()
    invoices = page.locator("#invoices tbody tr")
    expect(invoices).to_have_count(1)  # March finalized; April's draft is not shown
    expect(invoices.first).to_contain_text(mine.finalized.number)
    expect(page.locator("#invoices")).not_to_contain_text(theirs.finalized.number)

    page.get_by_role("link", name=mine.finalized.number).click()
    expect(page.locator("#totals")).to_contain_text("USD")
    with page.expect_download() as info:
        page.locator("#invoice-csv").click()
    download = info.value
    assert download.suggested_filename.startswith(mine.finalized.number)
    saved = tmp_path / "invoice.csv"
    download.save_as(saved)
    assert saved.read_text() == invoice_csv(mine.finalized)

    assert page.evaluate("window.__csp") == []
