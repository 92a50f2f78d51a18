"""The console's reconciliation and invoice pages: grouped by status and product with
reasons, money at two decimals with its currency, a totals block, lines a page at a time
(not one inline of every line)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.admin import LINES_PER_PAGE
from billing.models import Invoice, Reconciliation
from billing.tests.conftest import Droplet, add_mixed_lines, at, generate, march_reconciliation
from tests.factories import CloudProjectFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db

D = Decimal
MORE_THAN_A_PAGE = LINES_PER_PAGE * 2 + 5


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


@pytest.fixture
def reconciliation() -> Reconciliation:
    made = march_reconciliation(our_total=D("1234.5"), provider_total=D("1200"))
    add_mixed_lines(
        made,
        MORE_THAN_A_PAGE,
        [
            ("matched", "Droplets", ""),
            ("amount_mismatch", "Droplets", "changed_before_first_seen"),
            ("only_provider", "Spaces Subscription", "not_metered"),
        ],
    )
    return made


def page(console: Client, url: str) -> str:
    response = console.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_reconciliation_page_groups_lines_by_status_and_product_with_reasons(
    console, reconciliation
):
    html = page(console, reverse("admin:billing_reconciliation_change", args=[reconciliation.pk]))
    groups = re.findall(r'<tr class="reconciliation-group">(.*?)</tr>', html, re.S)
    assert len(groups) == 3
    mismatch = next(g for g in groups if "Amount mismatch" in g)
    assert "Droplets" in mismatch and "Resized or moved before first seen (35)" in mismatch
    assert any("Spaces Subscription" in g and "Not metered" in g for g in groups)
    assert "1,234.50 USD" in html  # ours, two decimals with its currency


def test_reconciliation_page_shows_one_page_of_lines_and_links_the_next(console, reconciliation):
    url = reverse("admin:billing_reconciliation_change", args=[reconciliation.pk])
    first = page(console, url)
    assert first.count('<tr class="reconciliation-line">') == LINES_PER_PAGE
    assert "?lines_page=2" in first
    last = page(console, f"{url}?lines_page=3")
    assert last.count('<tr class="reconciliation-line">') == MORE_THAN_A_PAGE - 2 * LINES_PER_PAGE


def test_reconciliation_lines_changelist_filters_by_status_product_and_reason(
    console, reconciliation
):
    url = reverse("admin:billing_reconciliationline_changelist")
    every = page(console, f"{url}?reconciliation__id__exact={reconciliation.pk}")
    assert every.count('class="field-status"') == LINES_PER_PAGE  # one row each
    assert "?p=2" in every.replace("&amp;", "&") or "&p=2" in every.replace("&amp;", "&")
    narrowed = page(
        console,
        f"{url}?reconciliation__id__exact={reconciliation.pk}"
        "&status__exact=only_provider&product__exact=Spaces+Subscription&reason__exact=not_metered",
    )
    assert "35 reconciliation lines" in narrowed
    assert "6.50 USD" in narrowed


@pytest.fixture
def big_draft(prices) -> Invoice:
    project = CloudProjectFactory()
    for _ in range(MORE_THAN_A_PAGE):
        Droplet(
            project=project,
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at("2026-03-03 07:00"),
        )
    generate("2026-03")
    return Invoice.objects.get()


def test_invoice_page_has_a_totals_block_and_money_at_two_decimals(console, big_draft):
    html = page(console, reverse("admin:billing_invoice_change", args=[big_draft.pk]))
    totals = re.search(r'id="invoice-totals">(.*?)</fieldset>', html, re.S)
    assert totals is not None
    for label, amount in [("Subtotal", big_draft.subtotal), ("Total", big_draft.total)]:
        assert re.search(rf"{label}</th><td class=\"money\">{amount:,.2f} USD", totals.group(1))
    line = big_draft.lines.order_by("id").first()
    assert f"{line.amount:.2f} USD" in html
    # No amount shown at storage precision (a line's cost keeps 12 places).
    assert not re.search(r"\d\.\d{12}", html)


def test_invoice_page_shows_a_page_of_lines_and_links_the_rest(console, big_draft):
    url = reverse("admin:billing_invoice_change", args=[big_draft.pk])
    html = page(console, url)
    assert html.count('<tr class="invoice-line">') == LINES_PER_PAGE
    assert "?lines_page=2" in html
    assert f"?invoice__id__exact={big_draft.pk}" in html  # every line, paginated
    lines = page(
        console,
        reverse("admin:billing_invoiceline_changelist") + f"?invoice__id__exact={big_draft.pk}",
    )
    assert f"{MORE_THAN_A_PAGE} invoice lines" in lines
    assert lines.count('class="field-product_label"') == LINES_PER_PAGE
    assert "p=2" in lines.replace("&amp;", "&")
