"""Money in the billing console: one formatter (`billing.money`), two decimals with the
currency on every page (invoices, lines, credits, reconciliations, DO's invoices), prices
at their stored precision with their currency, totals under an invoice's lines, and long
lists of lines a page at a time under per-product counts and sums."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.admin import LINES_PER_PAGE
from billing.models import Invoice, ProviderInvoice, ProviderInvoiceItem
from billing.money import format_money, format_price
from billing.tests.conftest import NOW, Droplet, at, generate, march_reconciliation
from tests.factories import CloudProjectFactory, CreditFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_format_money_is_two_decimals_grouped_with_the_currency():
    assert format_money(D("42.000000000000"), "USD") == "42.00 USD"
    assert format_money(D("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(D("0.005"), "USD") == "0.01 USD"  # half-up, as amounts are rounded
    assert format_money(None, "USD") == "-"


def test_format_price_keeps_the_stored_digits_with_the_currency():
    assert format_price(D("0.0089300000"), "USD", "hour") == "0.00893 USD/hour"
    assert format_price(D("6.000000"), "USD", "month") == "6 USD/month"


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


@pytest.fixture
def draft(prices) -> Invoice:
    project = CloudProjectFactory()
    for seen_until in ("2026-03-01 05:00", "2026-03-02 07:00"):
        Droplet(
            project=project,
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at(seen_until),
        )
    generate("2026-03")
    return Invoice.objects.get()


def html_of(console: Client, url: str) -> str:
    response = console.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def money_cells(html: str) -> list[str]:
    return re.findall(r'<td class="[^"]*money[^"]*">([^<]*)</td>', html)


def test_the_invoice_list_and_page_show_money_at_two_decimals_with_currency(console, draft):
    listing = html_of(console, reverse("admin:billing_invoice_changelist"))
    page = html_of(console, reverse("admin:billing_invoice_change", args=[draft.pk]))

    assert f"{draft.subtotal:,.2f} USD" in listing
    columns = re.findall(r'<td class="field-\w+_money">([^<]*)</td>', listing)
    assert len(columns) == 3  # subtotal, credits, total
    assert all(re.fullmatch(r"[\d,]+\.\d\d USD", c) for c in columns), columns
    assert money_cells(page) and all(
        re.fullmatch(r"[\d,]+\.\d\d USD.*", c) or "%" in c for c in money_cells(page)
    )
    assert not re.search(r"\d\.\d{12}", page)  # (unit prices keep their digits: 0.00893)


def test_totals_sit_under_the_invoices_lines(console, draft):
    page = html_of(console, reverse("admin:billing_invoice_change", args=[draft.pk]))

    lines = re.search(r'id="invoice-lines">(.*?)</fieldset>', page, re.S)
    assert lines is not None
    body = lines.group(1)
    last_line = body.rindex('<tr class="invoice-line">')
    totals = re.findall(
        r'<tr class="invoice-total"><th scope="row" colspan="5">([^<]+)</th>'
        r'<td class="money">([^<]+)</td>',
        body,
    )
    assert [label for label, _ in totals] == ["Markup", "Subtotal", "Credits applied", "Total"]
    assert body.index('id="invoice-totals"') > last_line
    assert dict(totals)["Subtotal"] == f"{draft.subtotal:,.2f} USD"
    assert dict(totals)["Total"] == f"{draft.total:,.2f} USD"
    assert "applied when finalized" in dict(totals)["Credits applied"]


def test_a_lines_page_shows_its_cost_and_prices_readably(console, draft):
    line = draft.lines.order_by("id").first()
    page = html_of(console, reverse("admin:billing_invoiceline_change", args=[line.pk]))

    assert f"{line.amount:.2f} USD" in page
    assert f"{line.cost:.2f} USD" in page  # before markup, not 12 places
    assert format_price(line.price_hourly, "USD", "hour") in page
    assert not re.search(r"\d\.\d{12}", page)


def test_credits_show_their_money_with_currency(console):
    credit = CreditFactory(amount=D("12.5"), remaining=D("7.25"))

    listing = html_of(console, reverse("admin:billing_credit_changelist"))
    page = html_of(console, reverse("admin:billing_credit_change", args=[credit.pk]))

    for html in (listing, page):
        assert "12.50 USD" in html and "7.25 USD" in html


def test_prices_keep_their_precision_and_show_their_currency(console, prices):
    listing = html_of(console, reverse("admin:billing_price_changelist") + "?q=s-1vcpu-1gb")

    price = prices["s-1vcpu-1gb"]
    assert format_price(price.price_hourly, "USD", "hour") in listing
    assert format_price(price.price_monthly, "USD", "month") in listing


@pytest.fixture
def provider_invoice() -> ProviderInvoice:
    made = ProviderInvoice.objects.create(
        invoice_uuid="u-9",
        invoice_period="2026-03",
        period_start=at("2026-03-01").date(),
        amount=D("1501.5"),
        fetched_at=NOW,
    )
    ProviderInvoiceItem.objects.bulk_create(
        ProviderInvoiceItem(
            provider_invoice=made,
            product="Droplets" if n % 2 else "Volumes",
            resource_id=str(n),
            description=f"item {n}",
            amount=D("6.25"),
        )
        for n in range(LINES_PER_PAGE * 2 + 1)
    )
    return made


def test_dos_invoice_shows_items_by_product_and_a_page_of_them(console, provider_invoice):
    url = reverse("admin:billing_providerinvoice_change", args=[provider_invoice.pk])
    page = html_of(console, url)

    assert "1,501.50 USD" in page
    products = re.findall(r'<tr class="provider-invoice-product">(.*?)</tr>', page, re.S)
    assert len(products) == 2
    assert any("Droplets" in p and ">50<" in p and "312.50 USD" in p for p in products)
    assert page.count('<tr class="provider-invoice-item">') == LINES_PER_PAGE
    assert "?lines_page=2" in page
    last = html_of(console, f"{url}?lines_page=3")
    assert last.count('<tr class="provider-invoice-item">') == 1


def test_a_reconciliation_lines_page_shows_money_and_its_reason(console):
    reconciliation = march_reconciliation(our_total=D("42.000000000000"), provider_total=D("40"))
    line = reconciliation.lines.create(
        product="Droplets",
        provider_resource_id="7",
        our_cost=D("42.000000000000"),
        provider_amount=D("40"),
        difference=D("2"),
        status="amount_mismatch",
        reason="price_differs",
    )

    listing = html_of(console, reverse("admin:billing_reconciliation_changelist"))
    page = html_of(console, reverse("admin:billing_reconciliationline_change", args=[line.pk]))
    whole = html_of(
        console, reverse("admin:billing_reconciliation_change", args=[reconciliation.pk])
    )

    assert "42.00 USD" in listing and "0.01 USD" in listing  # the tolerance too
    assert "42.00 USD" in page and "Price differs from DO" in page
    assert not re.search(r"\d\.\d{12}", page + listing + whole)
    assert re.search(r'class="reconciliation-reason mismatch">Price differs from DO', whole)
