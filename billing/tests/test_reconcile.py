"""Reconciliation against DO's bill, as the project's simulator computes it from its own
history (DESIGN.md, "Reconciliation"). The inventory is synced from the simulator, so our
side is metered from real sync events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import (
    Invoice,
    ProviderInvoice,
    Reconciliation,
    ReconciliationLine,
)
from billing.periods import month_bounds, month_of, previous_month
from billing.services.invoices import generate_month
from billing.services.reconcile import NoProviderInvoice, reconcile, status_counts
from billing.tests.conftest import Droplet
from conftest import make_client
from do_simulator.resource_kinds import DEFAULT_COUNTS
from do_simulator.testing import SimulatorHandle, running_simulator
from inventory.models import CloudProject, CloudResource, Kind
from inventory.services.sync import run_full_sync
from inventory.services.tenancy import assign_project_tenant
from tests.factories import ASSIGNED_SINCE

pytestmark = pytest.mark.django_db

D = Decimal


def last_month() -> date:
    return previous_month(month_of(timezone.now()))


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def in_last_month(days: float) -> datetime:
    """An instant `days` into last month."""
    start, _ = month_bounds(last_month())
    return start + timedelta(days=days)


# A droplets-only account: the simulator bills every product it holds, and these tests
# sync and meter droplets alone.
DROPLETS_ONLY = {kind: 0 for kind in DEFAULT_COUNTS}


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(droplets=0, seed=11, resources=DROPLETS_ONLY) as handle:
        yield handle


@pytest.fixture
def billing_client(sim):
    client = make_client(sim, purpose="billing")
    yield client
    client.close()


def sync(sim: SimulatorHandle) -> None:
    with make_client(sim) as client:
        run = run_full_sync(Kind.DROPLET, client=client, trigger="test")
    assert run.status == "completed", run.error


def lines_by_status(reconciliation: Reconciliation) -> dict[str, list[ReconciliationLine]]:
    grouped: dict[str, list[ReconciliationLine]] = {}
    for line in reconciliation.lines.order_by("id"):
        grouped.setdefault(line.status, []).append(line)
    return grouped


def test_our_costs_match_dos_invoice_line_by_line(sim, billing_client):
    acme = sim.state.project_named("acme-prod")["id"]
    sim.state.oob_add_droplets(3, created_at=epoch(in_last_month(9.3)), project_id=acme)
    sim.state.oob_add_droplets(2, size="s-2vcpu-4gb", created_at=epoch(in_last_month(-20)))
    sync(sim)
    assign_project_tenant(
        CloudProject.objects.get(name="acme-prod"),
        _tenant("Acme"),
        actor="test",
        effective_from=ASSIGNED_SINCE,
    )

    generate_month(last_month(), actor="test", client=billing_client)
    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    counts = status_counts(reconciliation)
    assert counts == {"matched": 5, "amount_mismatch": 0, "only_ours": 0, "only_provider": 0}
    assert reconciliation.our_total == reconciliation.provider_total
    assert reconciliation.difference == D("0.00")
    assert reconciliation.our_total == D(sim.state.invoice_summaries()[f"{last_month():%Y-%m}"])
    # Our cost is before markup and across tenants and unallocated time alike.
    assert Invoice.objects.get().subtotal < reconciliation.our_total


def test_resize_dos_bill_knew_of_before_we_did_is_an_amount_mismatch(sim, billing_client):
    (late,) = sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(1)))
    sync(sim)
    # Out of band, backdated: DO bills the new size from the 15th; we saw it only now.
    sim.state.oob_resize(late, "s-2vcpu-4gb", at=epoch(in_last_month(14)))
    sync(sim)

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    (line,) = lines_by_status(reconciliation)["amount_mismatch"]
    assert line.provider_resource_id == str(late)
    assert line.resource == CloudResource.objects.get(provider_id=str(late))
    assert line.difference == line.our_cost - line.provider_amount < 0


def test_what_only_one_side_bills_is_only_ours_or_only_provider(sim, billing_client):
    (gone,) = sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(2)))
    sim.state.oob_delete(gone, at=epoch(in_last_month(5)))  # destroyed before any sync saw it
    sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(3)))
    sync(sim)
    ours = Droplet(
        project=None,
        created=in_last_month(4),
        discovered=in_last_month(4),
        seen_until=in_last_month(6),
    )

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    grouped = lines_by_status(reconciliation)
    assert [line.provider_resource_id for line in grouped["only_provider"]] == [str(gone)]
    assert grouped["only_provider"][0].our_cost == D("0.00")
    assert [line.resource_id for line in grouped["only_ours"]] == [ours.pk]
    assert grouped["only_ours"][0].provider_amount == D("0.00")
    assert len(grouped["matched"]) == 1


def test_a_do_item_without_a_resource_id_is_only_provider_by_uuid(sim, billing_client, monkeypatch):
    sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(3)))
    sync(sim)
    real = billing_client.iter_invoice_items

    def with_a_volume(invoice_uuid):
        yield from real(invoice_uuid)
        yield {"product": "Volumes", "resource_uuid": "vol-uuid-1", "amount": "1.50"}
        yield {"product": "Support", "description": "Business support", "amount": "2.00"}

    monkeypatch.setattr(billing_client, "iter_invoice_items", with_a_volume)
    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    only = {
        line.provider_resource_id: line.provider_amount
        for line in reconciliation.lines.filter(status="only_provider")
    }
    assert only == {"vol-uuid-1": D("1.50"), "Business support": D("2.00")}
    assert reconciliation.provider_total - reconciliation.our_total == D("3.50")


def test_tolerance_decides_matched_or_mismatch(sim, billing_client):
    (late,) = sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(1)))
    sync(sim)
    sim.state.oob_resize(late, "s-1vcpu-2gb", at=epoch(in_last_month(20)))
    sync(sim)
    strict = reconcile(last_month(), client=billing_client, actor="test")
    loose = reconcile(last_month(), client=billing_client, tolerance=D("1000"), actor="test")
    assert status_counts(strict)["amount_mismatch"] == 1
    assert status_counts(loose)["matched"] == 1


def test_each_run_is_a_new_row_and_dos_invoice_is_stored_once(sim, billing_client):
    sim.state.oob_add_droplets(2, created_at=epoch(in_last_month(3)))
    sync(sim)
    first = reconcile(last_month(), client=billing_client, actor="test")
    second = reconcile(last_month(), client=billing_client, actor="test")
    assert first.pk != second.pk
    assert Reconciliation.objects.count() == 2
    stored = ProviderInvoice.objects.get()
    assert stored.invoice_period == f"{last_month():%Y-%m}"
    assert stored.items.count() == 2
    assert {i.resource_id for i in stored.items.all()} == {
        r.provider_id for r in CloudResource.objects.all()
    }


def test_no_do_invoice_for_the_month_yet_is_an_error_and_writes_nothing(sim, billing_client):
    sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(3)))
    sync(sim)
    with pytest.raises(NoProviderInvoice, match="DO has no invoice for"):
        reconcile(month_of(timezone.now()), client=billing_client, actor="test")
    assert Reconciliation.objects.count() == 0
    assert ProviderInvoice.objects.count() == 0


def _tenant(name: str):
    from tests.factories import TenantFactory

    return TenantFactory(name=name)


def test_utc_month_bounds_are_what_do_bills():
    start, end = month_bounds(date(2026, 2, 1))
    assert (start, end) == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_a_reconciliation_with_mismatches_is_announced_once(sim, billing_client):
    from webhooks.models import WebhookEvent
    from webhooks.services import subscribe

    subscribe(
        url="https://hooks.example.com/a",
        events=["reconciliation.mismatch"],
        tenant=None,
        actor=None,
    )
    (late,) = sim.state.oob_add_droplets(1, created_at=epoch(in_last_month(1)))
    sync(sim)
    sim.state.oob_resize(late, "s-2vcpu-4gb", at=epoch(in_last_month(14)))
    sync(sim)

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    event = WebhookEvent.objects.get()
    assert (event.type, event.tenant_id) == ("reconciliation.mismatch", None)
    assert event.payload["id"] == reconciliation.pk
    assert event.payload["mismatched_lines"] == sum(
        1 for line in reconciliation.lines.all() if line.status != "matched"
    )
