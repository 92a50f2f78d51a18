"""Reconciliation per (DO product, resource), every non-matched line with a reason
(DESIGN.md, "Every product"). DO is the simulator; our side is metered from real syncs.
Items DO would bill that the simulator does not (other products) are added to its
answer, as DO's invoice_item.yml spells them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Reconciliation, ReconciliationLine
from billing.periods import month_bounds, month_of, previous_month
from billing.services.reconcile import reconcile
from conftest import make_client
from do_simulator.resource_kinds import DEFAULT_COUNTS
from do_simulator.testing import SimulatorHandle, running_simulator
from inventory.models import CloudResource, Kind
from inventory.services.sync import run_full_sync

pytestmark = pytest.mark.django_db

D = Decimal


# A droplets-only account: the simulator bills every product it holds; these tests sync
# droplets alone and add other products' items to DO's answer themselves.
DROPLETS_ONLY = {kind: 0 for kind in DEFAULT_COUNTS}


def last_month():
    return previous_month(month_of(timezone.now()))


def in_last_month(days: float) -> int:
    start, _ = month_bounds(last_month())
    return int((start + timedelta(days=days)).timestamp())


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


def with_items(monkeypatch, client, *extra, change=None):
    """DO's answer plus `extra` items; `change(item)` may edit each of DO's own first."""
    real = client.iter_invoice_items

    def items(invoice_uuid):
        for item in real(invoice_uuid):
            yield change(dict(item)) if change else item
        yield from extra

    monkeypatch.setattr(client, "iter_invoice_items", items)


def line(reconciliation: Reconciliation, product: str, provider_id: str) -> ReconciliationLine:
    return reconciliation.lines.get(product=product, provider_resource_id=provider_id)


def only_line(reconciliation: Reconciliation) -> ReconciliationLine:
    (found,) = reconciliation.lines.exclude(status="matched")
    return found


def test_a_load_balancer_and_a_droplet_with_the_same_id_do_not_collide(
    sim, billing_client, monkeypatch
):
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    balancer = {
        "product": "Load Balancers",
        "resource_id": str(droplet),
        "description": "edge-lb",
        "amount": "12.00",
        "duration": "720",
        "duration_unit": "Hours",
    }
    with_items(monkeypatch, billing_client, balancer)

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    ours = line(reconciliation, "Droplets", str(droplet))
    assert ours.status == "matched" and ours.reason == ""
    assert ours.resource == CloudResource.objects.get(provider_id=str(droplet))
    theirs = line(reconciliation, "Load Balancers", str(droplet))
    assert (theirs.status, theirs.reason) == ("only_provider", "missing_from_inventory")
    assert (theirs.our_cost, theirs.provider_amount, theirs.resource) == (D("0"), D("12.00"), None)


def test_products_arcadia_does_not_meter_are_only_provider_not_metered(
    sim, billing_client, monkeypatch
):
    sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    spaces = {
        "product": "Spaces Subscription",
        "description": "Spaces ($5/mo 250GB storage & 1TB bandwidth)",
        "amount": "5.00",
    }
    bandwidth = {"product": "Bandwidth", "description": "Outbound transfer", "amount": "0.40"}
    with_items(monkeypatch, billing_client, spaces, bandwidth)

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    shown = {
        (row.product, row.status, row.reason, row.provider_amount)
        for row in reconciliation.lines.exclude(status="matched")
    }
    assert shown == {
        ("Spaces Subscription", "only_provider", "not_metered", D("5.00")),
        ("Bandwidth", "only_provider", "not_metered", D("0.40")),
    }


def test_a_droplet_the_inventory_never_saw_is_missing_from_the_inventory(sim, billing_client):
    (gone,) = sim.state.oob_add_droplets(1, created_at=in_last_month(2))
    sim.state.oob_delete(gone, at=in_last_month(5))  # destroyed before any sync saw it
    sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.product, found.provider_resource_id) == ("Droplets", str(gone))
    assert (found.status, found.reason) == ("only_provider", "missing_from_inventory")


def test_what_only_we_bill_says_it_is_absent_from_dos_invoice(sim, billing_client, monkeypatch):
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    with_items(
        monkeypatch,
        billing_client,
        change=lambda item: {**item, "resource_id": "999999", "resource_uuid": ""},
    )

    reconciliation = reconcile(last_month(), client=billing_client, actor="test")

    ours = line(reconciliation, "Droplets", str(droplet))
    assert (ours.status, ours.reason) == ("only_ours", "not_on_do_invoice")


def test_a_resize_within_the_month_before_first_seen_is_explained(sim, billing_client):
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(1))
    sim.state.oob_resize(droplet, "s-2vcpu-4gb", at=in_last_month(14))
    sync(sim)  # first seen now, at the new size: its history before is assumed

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.product, found.provider_resource_id) == ("Droplets", str(droplet))
    assert (found.status, found.reason) == ("amount_mismatch", "changed_before_first_seen")
    assert found.our_cost > found.provider_amount


def test_a_resize_after_the_month_but_before_first_seen_is_explained(sim, billing_client):
    """The demo's case: DO billed last month at the old size, we saw only the new one."""
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(-20))
    this_month = int(month_bounds(month_of(timezone.now()))[0].timestamp())
    sim.state.oob_resize(
        droplet, "s-2vcpu-4gb", at=max(this_month + 1, int(timezone.now().timestamp()) - 60)
    )
    sync(sim)

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.status, found.reason) == ("amount_mismatch", "changed_before_first_seen")
    assert "(s-1vcpu-1gb)" in found.description


def test_the_demo_fleets_mismatches_are_all_resized_before_first_seen():
    """The demo's fleet (bin/up: 240 droplets, seed 1): every droplet mismatch of last
    month is one resized before Arcadia first saw it, and says so."""
    with running_simulator(droplets=240, seed=1) as handle:
        sync(handle)
        with make_client(handle, purpose="billing") as client:
            reconciliation = reconcile(last_month(), client=client, actor="test")
    mismatches = reconciliation.lines.filter(product="Droplets", status="amount_mismatch")
    assert mismatches.exists()
    assert set(mismatches.values_list("reason", flat=True)) == {"changed_before_first_seen"}
    assert not reconciliation.lines.exclude(status="matched").filter(reason="")


def test_a_resource_first_seen_after_dos_billing_started_is_explained(sim, billing_client):
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    # Without DO's created_at, metering bills from the first sighting (this month).
    resource = CloudResource.objects.get(provider_id=str(droplet))
    resource.attrs = {**resource.attrs, "created_at": None}
    resource.save(update_fields=["attrs"])

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.status, found.reason) == ("amount_mismatch", "first_seen_late")
    assert found.resource == resource and found.our_cost == D("0.00")


def test_the_same_hours_at_another_price_is_price_differs(sim, billing_client, monkeypatch):
    sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    doubled = lambda item: {**item, "amount": str(D(item["amount"]) * 2)}  # noqa: E731
    with_items(monkeypatch, billing_client, change=doubled)

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.status, found.reason) == ("amount_mismatch", "price_differs")


def test_a_cent_per_line_is_rounding(sim, billing_client, monkeypatch):
    sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    cent_more = lambda item: {**item, "amount": str(D(item["amount"]) + D("0.01"))}  # noqa: E731
    with_items(monkeypatch, billing_client, change=cent_more)

    found = only_line(reconcile(last_month(), client=billing_client, tolerance=D(0), actor="t"))

    assert (found.status, found.reason) == ("amount_mismatch", "rounding")


def test_a_resize_between_syncs_is_usage_differs(sim, billing_client):
    (droplet,) = sim.state.oob_add_droplets(1, created_at=in_last_month(1))
    sync(sim)
    # As if first seen on day 1 and resized (out of band) on day 14, seen only now.
    CloudResource.objects.filter(provider_id=str(droplet)).update(
        first_seen_at=month_bounds(last_month())[0] + timedelta(days=1)
    )
    sim.state.oob_resize(droplet, "s-2vcpu-4gb", at=in_last_month(14))
    sync(sim)

    found = only_line(reconcile(last_month(), client=billing_client, actor="test"))

    assert (found.status, found.reason) == ("amount_mismatch", "usage_differs")


def test_a_non_matched_line_without_a_reason_is_refused_by_postgres(sim, billing_client):
    sim.state.oob_add_droplets(1, created_at=in_last_month(3))
    sync(sim)
    reconciliation = reconcile(last_month(), client=billing_client, actor="test")
    matched = reconciliation.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationLine.objects.filter(pk=matched.pk).update(status="amount_mismatch")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationLine.objects.filter(pk=matched.pk).update(reason="rounding")
