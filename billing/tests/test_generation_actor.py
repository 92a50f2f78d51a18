"""`generate(..., actor)` records who created, rewrote or removed each draft."""

from __future__ import annotations

import pytest
from django.test import Client

from billing.models import DraftChange, Invoice
from billing.tests.conftest import Droplet, at, generate
from inventory.services.tenancy import assign_project_tenant
from tests.factories import ASSIGNED_SINCE, CloudProjectFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db


def test_generate_records_the_actor_of_each_draft_change(prices):
    project = CloudProjectFactory()
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-03 00:00"),
    )
    generate("2026-03", actor="alice")
    invoice = Invoice.objects.get()
    generate("2026-03", actor="alice")  # unchanged usage: no audit row
    assign_project_tenant(project, None, actor="test", effective_from=ASSIGNED_SINCE)
    generate("2026-03", actor="bob")  # the usage moved away: the draft goes
    assert list(
        DraftChange.objects.filter(invoice_id=invoice.pk)
        .order_by("id")
        .values_list("what", "actor")
    ) == [("created", "alice"), ("removed", "bob")]


def test_invoice_admin_shows_who_generated_the_draft(prices):
    Droplet(
        project=CloudProjectFactory(),
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-03 00:00"),
    )
    generate("2026-03", actor="alice")
    console = Client()
    console.force_login(PlatformAdminFactory())
    page = console.get(f"/admin/billing/invoice/{Invoice.objects.get().pk}/change/")
    assert b"created by alice" in page.content
