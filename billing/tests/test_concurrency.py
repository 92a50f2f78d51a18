"""Generation and finalization under real concurrency: threads, each on its own
connection, against committed data (DESIGN.md: at most one non-void invoice per
(tenant, month, currency); generating twice gives one invoice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from billing.models import Invoice, InvoiceStatus, Price, UsageSegment
from billing.services.invoices import finalize, generate
from billing.tests.conftest import NOW, Droplet, at, month
from billing.tests.conftest import generate as generate_text
from tests.concurrency import Worker
from tests.concurrency import run_all as run_concurrently
from tests.factories import CloudProjectFactory, PriceFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20.0


def run_all(*targets: Callable[[], Any]) -> list[Worker]:
    """Every target at once; none may fail."""
    workers = run_concurrently(*targets, wait=WAIT)
    for w in workers:
        assert w.error is None, repr(w.error)
    return workers


@pytest.fixture
def priced() -> Price:
    return PriceFactory()  # s-1vcpu-1gb


def fleet(project, count: int) -> None:
    for n in range(count):
        start = at(f"2026-03-{n + 1:02d} 00:00")
        Droplet(project=project, created=start, discovered=start, seen_until=at("2026-04-02"))


def test_two_generations_at_once_give_one_invoice(priced):
    project = CloudProjectFactory()
    fleet(project, 5)

    workers = run_all(*(lambda: generate_text("2026-03") for _ in range(2)))

    outcomes = sorted(w.result.invoices[0].outcome for w in workers)
    assert outcomes == ["created", "unchanged"]
    assert Invoice.objects.count() == 1
    assert UsageSegment.objects.count() == 5


def test_generations_of_two_tenants_at_once_share_the_months_segments(priced):
    first, second = CloudProjectFactory(), CloudProjectFactory()
    fleet(first, 3)
    fleet(second, 2)

    run_all(
        lambda: generate(first.tenant, month("2026-03"), actor="a", now=NOW),
        lambda: generate(second.tenant, month("2026-03"), actor="b", now=NOW),
    )

    assert sorted(Invoice.objects.values_list("tenant_id", flat=True)) == sorted(
        [first.tenant_id, second.tenant_id]
    )
    assert UsageSegment.objects.count() == 5


def test_finalize_racing_a_regeneration_never_loses_the_finalized_invoice(priced):
    project = CloudProjectFactory()
    fleet(project, 3)
    generate_text("2026-03")
    draft = Invoice.objects.get()

    run_all(
        lambda: finalize(draft.pk, actor="test", now=NOW),
        lambda: generate_text("2026-03"),
    )

    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.number) == (InvoiceStatus.FINALIZED, "ARC-202603-00001")
    assert invoice.lines.count() == 3
