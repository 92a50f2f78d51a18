"""The operator console for billing, the beat entry and the Celery task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from billing import tasks
from billing.models import Credit, Invoice, InvoiceStatus
from billing.services.invoices import finalize
from billing.services.reconcile import NoProviderInvoice
from billing.tests.conftest import NOW, Droplet, at, generate
from tests.factories import CloudProjectFactory, PlatformAdminFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


@pytest.fixture
def draft(prices) -> Invoice:
    project = CloudProjectFactory()
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-03 00:00"),
    )
    generate("2026-03")
    return Invoice.objects.get()


@pytest.mark.parametrize(
    "name",
    [
        "invoice",
        "reconciliation",
        "reconciliationline",
        "price",
        "account",
        "credit",
        "providerinvoice",
    ],
)
def test_every_billing_page_of_the_console_renders(console, draft, name):
    response = console.get(reverse(f"admin:billing_{name}_changelist"))
    assert response.status_code == 200


def test_invoice_page_shows_its_lines_read_only(console, draft):
    response = console.get(reverse("admin:billing_invoice_change", args=[draft.pk]))
    assert response.status_code == 200
    assert draft.lines.get().description in response.content.decode()


def test_console_finalizes_selected_drafts(console, draft):
    response = console.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "finalize_selected", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Finalized 1 invoice(s)." in response.content.decode()
    assert Invoice.objects.get().status == InvoiceStatus.FINALIZED


def test_console_void_needs_a_reason(console, draft):
    finalize(draft.pk, actor="test", now=NOW)
    url = reverse("admin:billing_invoice_changelist")
    refused = console.post(
        url, {"action": "void_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert "Type a void reason" in refused.content.decode()
    assert Invoice.objects.get().status == InvoiceStatus.FINALIZED

    console.post(
        url,
        {"action": "void_selected", "_selected_action": [draft.pk], "reason": "wrong tenant"},
    )
    assert Invoice.objects.get().void_reason == "wrong tenant"


def test_console_downloads_an_invoice_as_csv(console, draft):
    response = console.get(reverse("admin:billing_invoice_csv", args=[draft.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[-1].startswith("total,")


def test_a_credit_added_in_the_console_starts_fully_remaining(console):
    tenant = TenantFactory()
    console.post(
        reverse("admin:billing_credit_add"),
        {"tenant": tenant.pk, "currency": "USD", "amount": "12.50", "reason": "outage"},
    )
    credit = Credit.objects.get()
    assert (credit.amount, credit.remaining) == (Decimal("12.50"), Decimal("12.50"))


def test_beat_runs_close_month_on_the_2nd_at_0600_utc_on_the_billing_queue():
    task = PeriodicTask.objects.get(task="billing.close_month")
    assert task.queue == "billing"
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, str(cron.timezone)) == (
        "0",
        "6",
        "2",
        "UTC",
    )


def test_close_month_generates_then_reconciles_last_month(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "client_for", lambda purpose: f"client:{purpose}")

    class Generated:
        invoices = []
        wrote = False
        unallocated_cost = Decimal("0.00")

    def fake_generate(month, **kwargs):
        calls.append(("generate", f"{month:%Y-%m}", kwargs["client"]))
        return Generated()

    def fake_reconcile(month, **kwargs):
        calls.append(("reconcile", f"{month:%Y-%m}", kwargs["client"]))
        raise NoProviderInvoice("DO has no invoice for it yet")

    monkeypatch.setattr(tasks, "generate_month", fake_generate)
    monkeypatch.setattr(tasks, "reconcile", fake_reconcile)
    monkeypatch.setattr(tasks.close_month, "retry", lambda **kw: RuntimeError("retry"))

    with pytest.raises(RuntimeError, match="retry"):
        tasks.close_month.run(month="2026-10")

    assert calls == [
        ("generate", "2026-10", "client:billing"),
        ("reconcile", "2026-10", "client:billing"),
    ]
