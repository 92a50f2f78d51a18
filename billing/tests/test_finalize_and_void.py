"""Finalize and void (DESIGN.md, "Invoices", "Money"): numbering, credits, frozen lines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import InternalError, ProgrammingError, transaction

from arcadia.errors import Conflict, InvalidInput, NotFound
from billing.models import Credit, CreditApplication, Invoice, InvoiceLine, InvoiceStatus
from billing.services.credits import grant_credit
from billing.services.invoices import finalize, finalize_month, void
from billing.tests.conftest import NOW, Droplet, at, generate, month
from tests.factories import CloudProjectFactory, CreditFactory

pytestmark = pytest.mark.django_db

D = Decimal
FROZEN = (InternalError, ProgrammingError)  # the trigger's insufficient_privilege


def draft_for(project, text: str = "2026-03", days: int = 31) -> Invoice:
    """A draft of `days` whole days of s-1vcpu-1gb (31 days: $6.00)."""
    start = at(f"{text}-01 00:00")
    Droplet(
        project=project,
        created=start,
        discovered=start,
        seen_until=start + timedelta(days=days),
    )
    generate(text)
    return Invoice.objects.get(tenant=project.tenant, period_start=month(text))


def fin(invoice: Invoice) -> Invoice:
    return finalize(invoice.pk, actor="test", now=NOW)


def test_finalize_numbers_the_invoice_from_its_month(prices, project):
    invoice = fin(draft_for(project))
    assert invoice.status == InvoiceStatus.FINALIZED
    assert invoice.number == "ARC-202603-00001"
    assert invoice.finalized_at == NOW


def test_numbers_are_gapless_per_month(prices, monkeypatch):
    projects = [CloudProjectFactory() for _ in range(3)]
    drafts = [draft_for(p) for p in projects]
    fin(drafts[0])

    # A finalize that fails after taking its number gives the number back (rollback).
    def broken(*args, **kwargs):
        raise RuntimeError("credits unavailable")

    with monkeypatch.context() as patch:
        patch.setattr("billing.services.invoices.lifecycle.apply_credits", broken)
        with pytest.raises(RuntimeError):
            fin(drafts[1])
    assert Invoice.objects.get(pk=drafts[1].pk).status == InvoiceStatus.DRAFT
    assert [fin(d).number for d in drafts[1:]] == ["ARC-202603-00002", "ARC-202603-00003"]
    april = fin(draft_for(CloudProjectFactory(), "2026-04"))
    assert april.number == "ARC-202604-00001"


def test_finalize_only_a_draft(prices, project):
    invoice = fin(draft_for(project))
    with pytest.raises(Conflict, match="only a draft"):
        fin(invoice)


def test_a_month_to_date_draft_cannot_be_finalized(prices, project):
    invoice = draft_for(project, "2026-11", days=2)
    with pytest.raises(Conflict, match="has not ended"):
        fin(invoice)
    assert Invoice.objects.get().number is None


def test_finalize_unknown_invoice_is_not_found():
    with pytest.raises(NotFound):
        finalize(999_999, actor="test", now=NOW)


def test_credits_apply_oldest_expiry_first_with_an_application_each(prices, project):
    tenant = project.tenant
    never = CreditFactory(tenant=tenant, amount=D("5.00"), expires_at=None)
    late = CreditFactory(tenant=tenant, amount=D("2.00"), expires_at=NOW + timedelta(days=60))
    soon = CreditFactory(tenant=tenant, amount=D("3.00"), expires_at=NOW + timedelta(days=1))
    CreditFactory(tenant=tenant, amount=D("9.00"), expires_at=NOW - timedelta(days=1))  # expired

    invoice = fin(draft_for(project))  # subtotal 6.00

    assert (invoice.subtotal, invoice.credits_total, invoice.total) == (
        D("6.00"),
        D("6.00"),
        D("0.00"),
    )
    applied = {a.credit_id: a.amount for a in CreditApplication.objects.filter(invoice=invoice)}
    assert applied == {soon.pk: D("3.00"), late.pk: D("2.00"), never.pk: D("1.00")}
    remaining = dict(Credit.objects.values_list("pk", "remaining"))
    assert (remaining[soon.pk], remaining[late.pk], remaining[never.pk]) == (
        D("0.00"),
        D("0.00"),
        D("4.00"),
    )


def test_a_credit_larger_than_the_invoice_never_takes_the_total_below_zero(prices, project):
    credit = CreditFactory(tenant=project.tenant, amount=D("100.00"))
    invoice = fin(draft_for(project))
    assert (invoice.credits_total, invoice.total) == (D("6.00"), D("0.00"))
    credit.refresh_from_db()
    assert credit.remaining == D("94.00")


def test_credits_in_another_currency_do_not_apply(prices, project):
    CreditFactory(tenant=project.tenant, amount=D("5.00"), currency="EUR")
    assert fin(draft_for(project)).credits_total == D("0.00")


def test_grant_credit_refuses_a_non_positive_amount(project):
    with pytest.raises(InvalidInput):
        grant_credit(project.tenant, D("0"), reason="oops", actor="test")
    credit = grant_credit(project.tenant, D("2.50"), reason="outage", actor="ops")
    assert (credit.amount, credit.remaining) == (D("2.50"), D("2.50"))


def test_finalized_lines_are_frozen_by_the_database(prices, project):
    invoice = fin(draft_for(project))
    line = invoice.lines.get()
    with pytest.raises(FROZEN), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(amount=D("0.01"))
    with pytest.raises(FROZEN), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(FROZEN), transaction.atomic():
        line.pk = None
        line.size_slug = "other"
        line.save()


def test_a_finalized_invoice_only_moves_to_void_in_the_database(prices, project):
    invoice = fin(draft_for(project))
    with pytest.raises(FROZEN), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(subtotal=D("1.00"), total=D("1.00"))
    with pytest.raises(FROZEN), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(status="draft", number=None)
    with pytest.raises(FROZEN), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()


def test_void_needs_a_reason(prices, project):
    invoice = fin(draft_for(project))
    with pytest.raises(InvalidInput, match="reason"):
        void(invoice.pk, reason="  ", actor="test")
    assert Invoice.objects.get().status == InvoiceStatus.FINALIZED


def test_only_a_finalized_invoice_is_voided(prices, project):
    invoice = draft_for(project)
    with pytest.raises(Conflict):
        void(invoice.pk, reason="wrong", actor="test")
    fin(invoice)
    void(invoice.pk, reason="wrong", actor="test")
    with pytest.raises(Conflict):
        void(invoice.pk, reason="again", actor="test")


def test_void_returns_its_credit_applications(prices, project):
    credit = CreditFactory(tenant=project.tenant, amount=D("4.00"))
    invoice = fin(draft_for(project))
    voided = void(invoice.pk, reason="billed the wrong project", actor="ops")

    assert (voided.status, voided.void_reason, voided.voided_by) == (
        InvoiceStatus.VOID,
        "billed the wrong project",
        "ops",
    )
    credit.refresh_from_db()
    assert credit.remaining == D("4.00")
    assert CreditApplication.objects.get().returned_at is not None


def test_void_then_regenerate_gives_a_new_draft_that_replaces_it(prices, project):
    first = fin(draft_for(project))
    void(first.pk, reason="re-issue", actor="test")

    result = generate("2026-03")

    assert [i.outcome for i in result.invoices] == ["created"]
    replacement = Invoice.objects.exclude(pk=first.pk).get()
    assert (replacement.status, replacement.replaces_id) == (InvoiceStatus.DRAFT, first.pk)
    assert fin(replacement).number == "ARC-202603-00002"
    assert generate("2026-03").invoices[0].outcome == "finalized (untouched)"


def test_finalize_month_finalizes_every_draft_of_the_month(prices):
    drafts = [draft_for(CloudProjectFactory()) for _ in range(2)]
    result = finalize_month(month("2026-03"), actor="test", now=NOW)
    assert sorted(i.pk for i in result.finalized) == sorted(d.pk for d in drafts)
    assert result.failed == []
