"""Finalize and void from an invoice's own page (arcadia.page_actions): buttons, a
confirmation page saying what will happen, a reason that is kept on the invoice, and
refusals that say why on a console page (never a bare 403). The list's actions still work
(test_admin_and_schedule.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from billing.models import Credit, Invoice, InvoiceStatus
from billing.services.invoices import finalize
from billing.tests.conftest import NOW, Droplet, at, generate
from tests.factories import CloudProjectFactory, CreditFactory, PlatformAdminFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory(username="operator"))
    return client


@pytest.fixture
def draft(prices) -> Invoice:
    Droplet(
        project=CloudProjectFactory(),
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-31 00:00"),
    )
    generate("2026-03")
    return Invoice.objects.get()


def page_of(invoice: Invoice) -> str:
    return reverse("admin:billing_invoice_change", args=[invoice.pk])


def action_url(invoice: Invoice, action: str) -> str:
    return reverse(f"admin:billing_invoice_{action}", args=[invoice.pk])


def messages_of(html: str) -> str:
    found = re.search(r'<ul class="messagelist">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_an_invoices_page_offers_the_step_its_status_allows_and_no_save(console, draft):
    as_draft = console.get(page_of(draft)).content.decode()
    finalize(draft.pk, actor="test", now=NOW)
    as_finalized = console.get(page_of(draft)).content.decode()

    assert f'href="{action_url(draft, "finalize")}"' in as_draft
    assert f'href="{action_url(draft, "void")}"' not in as_draft
    assert f'href="{action_url(draft, "void")}"' in as_finalized
    assert f'href="{action_url(draft, "finalize")}"' not in as_finalized
    for html in (as_draft, as_finalized):
        assert 'name="_save"' not in html and 'name="_continue"' not in html


def test_the_finalize_page_says_the_number_the_total_and_that_it_freezes(console, draft):
    CreditFactory(tenant=draft.tenant, amount=Decimal("2.00"), remaining=Decimal("2.00"))

    response = console.get(action_url(draft, "finalize"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "ARC-202603-00001" in html
    assert f"{draft.subtotal - 2:,.2f} USD" in html  # the total after the credit
    assert "2.00 USD" in html
    assert "can no longer" in html and "regenerate" in html
    # The fields as they change, with the console's diff renderer (arcadia.diffs).
    assert '<span class="diff-field">number</span>' in html
    assert '<span class="diff-field">status</span>' in html
    assert 'id="page-action-confirm"' in html
    assert Invoice.objects.get().status == InvoiceStatus.DRAFT  # a GET changes nothing


def test_finalizing_from_the_page_keeps_the_reason_on_the_invoice(console, draft):
    response = console.post(
        action_url(draft, "finalize"), {"comment": "  month checked with DO  "}, follow=True
    )

    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.FINALIZED
    assert invoice.number == "ARC-202603-00001"
    assert invoice.finalize_reason == "month checked with DO"
    assert invoice.finalized_by == "console:operator"
    assert response.redirect_chain[-1][0] == page_of(invoice)
    assert "Finalized invoice ARC-202603-00001" in messages_of(response.content.decode())
    assert "month checked with DO" in response.content.decode()  # shown on its page
    logged = LogEntry.objects.get(object_id=str(invoice.pk))
    assert "month checked with DO" in logged.change_message


def test_the_finalize_reason_is_frozen_with_the_invoice(draft):
    finalize(draft.pk, actor="test", now=NOW, reason="checked")

    with pytest.raises(DatabaseError, match="may only be voided"), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(finalize_reason="rewritten later")


def test_finalizing_a_finalized_invoice_is_refused_with_a_message(console, draft):
    finalize(draft.pk, actor="test", now=NOW)

    shown = console.get(action_url(draft, "finalize"))
    posted = console.post(action_url(draft, "finalize"), {"comment": "again"})

    assert shown.status_code == 200
    assert "only a draft is finalized" in shown.content.decode()
    assert 'id="page-action-confirm"' not in shown.content.decode()
    assert posted.status_code == 409
    assert "Refused:" in messages_of(posted.content.decode())
    assert Invoice.objects.get().finalize_reason == ""


def test_someone_without_the_role_is_told_why_not_shown_a_bare_403(draft):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client = Client()
    client.force_login(clerk)

    response = client.post(action_url(draft, "finalize"), {"comment": "mine"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "it needs the platform-admin role" in messages_of(html)
    assert "Back to invoice" in html  # a console page, with the way back
    assert Invoice.objects.get().status == InvoiceStatus.DRAFT


def test_the_void_page_says_what_voiding_does_here(console, draft):
    CreditFactory(tenant=draft.tenant, amount=Decimal("1.50"), remaining=Decimal("1.50"))
    finalize(draft.pk, actor="test", now=NOW)

    html = console.get(action_url(draft, "void")).content.decode()

    assert "ARC-202603-00001" in html
    assert "1.50 USD" in html  # the credits that go back
    assert "new draft" in html and "replaces" in html
    assert "never given to another invoice" in html


def test_voiding_from_the_page_needs_a_reason_and_keeps_it(console, draft):
    credit = CreditFactory(tenant=draft.tenant, amount=Decimal("1.50"), remaining=Decimal("1.50"))
    finalize(draft.pk, actor="test", now=NOW)

    refused = console.post(action_url(draft, "void"), {"comment": " "})
    assert refused.status_code == 400
    assert "needs a reason" in messages_of(refused.content.decode())
    assert Invoice.objects.get().status == InvoiceStatus.FINALIZED

    console.post(action_url(draft, "void"), {"comment": "billed the wrong tenant"})
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.void_reason == "billed the wrong tenant"
    assert Credit.objects.get(pk=credit.pk).remaining == Decimal("1.50")  # given back


def test_voiding_a_draft_is_refused_with_a_message(console, draft):
    response = console.post(action_url(draft, "void"), {"comment": "oops"})

    assert response.status_code == 409
    assert "only a finalized one is voided" in messages_of(response.content.decode())
    assert Invoice.objects.get().status == InvoiceStatus.DRAFT
