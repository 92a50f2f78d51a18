"""A segment belongs to the tenant in effect at each instant; usage before a project's first
assignment is unallocated; a back-dated assignment (a correction) says so on the next
draft (DESIGN.md, "Tenant")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from billing.models import DraftChange, Invoice, UsageSegment
from billing.tests.conftest import Droplet, at, generate
from inventory.services.tenancy import assign_project_tenant
from tests.factories import CloudProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db


def october_droplet(project) -> Droplet:
    return Droplet(
        project=project,
        created=at("2026-09-01 00:00"),
        discovered=at("2026-09-01 00:00"),
        seen_until=at("2026-11-20 00:00"),
    )


def test_segments_split_at_a_mid_month_assignment(prices):
    project = CloudProjectFactory(tenant=None)
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    assign_project_tenant(project, acme, actor="op", effective_from=at("2026-10-01 00:00"))
    assign_project_tenant(project, globex, actor="op", effective_from=at("2026-10-16 00:00"))
    droplet = october_droplet(project)

    result = generate("2026-10")

    segments = UsageSegment.objects.filter(resource_id=droplet.pk).order_by("started_at")
    assert [(s.tenant_id, s.started_at, s.ended_at) for s in segments] == [
        (acme.pk, at("2026-10-01 00:00"), at("2026-10-16 00:00")),
        (globex.pk, at("2026-10-16 00:00"), at("2026-11-01 00:00")),
    ]
    owed = {i.tenant_id: i.subtotal for i in result.invoices}
    assert set(owed) == {acme.pk, globex.pk}
    # One month's capped cost, shared by seconds: 15 days to Acme, 16 to Globex.
    assert owed[acme.pk] < owed[globex.pk]
    assert abs(owed[acme.pk] + owed[globex.pk] - prices["s-1vcpu-1gb"].price_monthly) <= Decimal(
        "0.01"
    )
    assert result.unallocated_cost == Decimal("0.00")


def test_usage_before_the_first_assignment_is_unallocated(prices):
    # The umbrella-data finding: mapping a project today must not bill its last month.
    project = CloudProjectFactory(tenant=None, name="umbrella-data")
    october_droplet(project)
    umbrella = TenantFactory(name="Umbrella")
    assign_project_tenant(project, umbrella, actor="op")  # from now

    result = generate("2026-10")

    assert not Invoice.objects.filter(tenant=umbrella).exists()
    assert result.unallocated_cost == prices["s-1vcpu-1gb"].price_monthly
    assert set(UsageSegment.objects.values_list("tenant_id", flat=True)) == {None}


def test_an_assignment_part_way_through_leaves_the_time_before_it_unallocated(prices):
    project = CloudProjectFactory(tenant=None)
    october_droplet(project)
    umbrella = TenantFactory(name="Umbrella")
    assign_project_tenant(project, umbrella, actor="op", effective_from=at("2026-10-31 00:00"))

    result = generate("2026-10")

    [invoice] = result.invoices
    assert invoice.tenant_id == umbrella.pk and invoice.subtotal > 0
    assert result.unallocated_cost > invoice.subtotal


def test_a_correction_says_so_on_the_next_draft_of_each_tenant_it_touches(prices):
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    project = CloudProjectFactory(tenant=acme, name="umbrella-data")
    october_droplet(project)
    generate("2026-10")
    assert not DraftChange.objects.exclude(note="").exists()  # nothing to say yet

    assign_project_tenant(
        project,
        globex,
        actor="op",
        effective_from=at("2026-10-16 00:00"),
        reason="sold to Globex mid-month",
    )
    generate("2026-10")

    said = (
        "Correction: umbrella-data assigned to Globex from 2026-10-16 00:00Z by op "
        "(sold to Globex mid-month)"
    )
    latest = {c.tenant_id: c for c in DraftChange.objects.order_by("occurred_at", "id")}
    assert (latest[acme.pk].what, latest[acme.pk].note) == ("rewritten", said)
    assert (latest[globex.pk].what, latest[globex.pk].note) == ("created", said)

    # Said once: a later change of the draft does not repeat it.
    assign_project_tenant(project, acme, actor="op")
    generate("2026-10", now=at("2026-11-23 12:00") + timedelta(seconds=1))
    assert DraftChange.objects.exclude(note="").count() == 2


def test_an_assignment_from_now_is_no_correction_and_no_draft_mentions_it(prices):
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    project = CloudProjectFactory(tenant=acme)
    october_droplet(project)
    generate("2026-10")
    assign_project_tenant(project, globex, actor="op")
    result = generate("2026-10")
    assert [i.outcome for i in result.invoices] == ["unchanged"]
    assert not DraftChange.objects.exclude(note="").exists()
