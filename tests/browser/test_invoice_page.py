"""An invoice's page in the console, driven for real (Playwright with Debian's chromium,
headless, 1440 px wide): finalize from its button through the confirmation page with a
reason that is kept; money at two decimals with its currency and a totals row under the
lines; a 240-line invoice and a 242-line reconciliation stay a screen or three tall; the
CSP refuses nothing on these pages. Skips, saying why, when chromium is missing (see
test_drift_inbox.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from billing.models import (
    Invoice,
    InvoiceStatus,
)
from billing.tests.conftest import Droplet, add_mixed_lines, at, generate, march_reconciliation
from do_simulator.catalog import SIZES
from tests.browser.conftest import WIDE, chromium_page
from tests.factories import TEST_PASSWORD, CloudProjectFactory, PlatformAdminFactory, PriceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The findings: 8,404 px for an invoice, 20,087 px for a reconciliation of 242 lines.
TALLEST_PX = 3000


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch, viewport=WIDE, record_csp=True) as opened:
        yield opened


def log_in(page: Any, live_server: Any, next_url: str) -> None:
    PlatformAdminFactory(username="operator")
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def invoice_of(droplets: int) -> Invoice:
    """A draft of 2026-03 with one line per droplet (each up for 30 hours)."""
    size = SIZES["s-1vcpu-1gb"]
    PriceFactory(
        size_slug="s-1vcpu-1gb", price_hourly=size.price_hourly, price_monthly=size.price_monthly
    )
    project = CloudProjectFactory()
    for _ in range(droplets):
        Droplet(
            project=project,
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at("2026-03-02 06:00"),
        )
    generate("2026-03")
    return Invoice.objects.get()


def height(page: Any) -> int:
    return int(page.evaluate("document.body.scrollHeight"))


def test_operator_finalizes_an_invoice_from_its_page_with_a_reason(live_server, page):
    from playwright.sync_api import expect

    invoice = invoice_of(3)
    url = f"/admin/billing/invoice/{invoice.pk}/change/"
    log_in(page, live_server, url)

    # No Save on a read-only page; the page's own buttons instead.
    expect(page.locator("input[name=_save]")).to_have_count(0)
    page.locator("#page-action-finalize").click()
    page.wait_for_url("**/finalize/")
    expect(page.locator(".page-action-summary")).to_contain_text("ARC-202603-00001")
    expect(page.locator(".page-action-summary")).to_contain_text(f"{invoice.total:,.2f} USD")
    expect(page.locator(".page-action-summary")).to_contain_text("can no longer regenerate")
    page.fill("textarea[name=comment]", "checked against DO's invoice")
    page.locator("#page-action-confirm").click()

    page.wait_for_url(f"**{url}")
    expect(page.locator("ul.messagelist")).to_contain_text("Finalized invoice ARC-202603-00001")
    expect(page.locator(".field-finalize_reason")).to_contain_text("checked against DO's invoice")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.FINALIZED
    assert invoice.finalize_reason == "checked against DO's invoice"
    assert invoice.finalized_by == "console:operator"
    assert page.evaluate("window.__csp") == []


def test_money_has_two_decimals_with_its_currency_and_a_totals_row(live_server, page):
    from playwright.sync_api import expect

    invoice = invoice_of(3)
    log_in(page, live_server, f"/admin/billing/invoice/{invoice.pk}/change/")

    amounts = page.locator("#invoice-lines td.money").all_inner_texts()
    assert amounts and all(re.fullmatch(r"[\d,]+\.\d\d USD.*|.*%.*", a) for a in amounts)
    totals = page.locator("#invoice-totals tr")
    expect(totals.filter(has_text="Subtotal")).to_contain_text(f"{invoice.subtotal:,.2f} USD")
    expect(totals.filter(has_text="Total").last).to_contain_text(f"{invoice.total:,.2f} USD")
    # The totals sit under the lines, right-aligned with the amounts.
    last_line = page.locator("tr.invoice-line").last.bounding_box()
    total_row = totals.last.bounding_box()
    assert total_row["y"] > last_line["y"]
    assert page.locator("#invoice-totals td").last.evaluate(
        "td => getComputedStyle(td).textAlign"
    ) in ("right", "end")

    page.goto(f"{live_server.url}/admin/billing/invoice/")
    expect(page.locator("#result_list td.field-subtotal_money")).to_have_text(
        f"{invoice.subtotal:,.2f} USD"
    )


def test_a_240_line_invoice_fits_in_a_reasonable_height(live_server, page):
    from playwright.sync_api import expect

    invoice = invoice_of(240)
    assert invoice.lines.count() == 240
    log_in(page, live_server, f"/admin/billing/invoice/{invoice.pk}/change/")

    expect(page.locator(".billing-pager")).to_contain_text("of 240")
    assert height(page) < TALLEST_PX, height(page)


def test_a_242_line_reconciliation_fits_and_says_each_mismatchs_reason(live_server, page):
    from playwright.sync_api import expect

    reconciliation = march_reconciliation(
        our_total=Decimal("1234.5"), provider_total=Decimal("1200")
    )
    add_mixed_lines(
        reconciliation,
        242,
        [
            ("matched", "Droplets", ""),
            ("amount_mismatch", "Droplets", "price_differs"),
            ("only_provider", "Spaces Subscription", "not_metered"),
        ],
    )
    log_in(page, live_server, f"/admin/billing/reconciliation/{reconciliation.pk}/change/")

    groups = page.locator("tr.reconciliation-group")
    expect(groups).to_have_count(3)
    expect(groups.filter(has_text="Amount mismatch")).to_contain_text("Price differs from DO's")
    mismatch = page.locator("tr.reconciliation-line").filter(has_text="Amount mismatch").first
    expect(mismatch.locator("td.reconciliation-reason")).to_have_text("Price differs from DO's")
    expect(mismatch).to_contain_text("6.50 USD")
    assert height(page) < TALLEST_PX, height(page)
    assert page.evaluate("window.__csp") == []
