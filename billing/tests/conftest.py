"""Crafted inventory histories for billing tests.

`Droplet` writes a resource and its events the way the chokepoint and the strikes do
(`discovered` with `[null, value]` changes, `updated` with a diff, `deleted` holding
`last_seen_at`, `restored`), at the instants a test chooses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from billing.models import Price, ProviderInvoice, Reconciliation, ReconciliationLine
from billing.services.invoices import Generation, generate_month
from do_simulator.catalog import SIZES
from inventory.models import CloudProject, CloudResource, CloudResourceEvent, EventType
from tests.factories import CloudProjectFactory, CloudResourceFactory, PriceFactory

# "Now" for the services under test: after every month the tests bill.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """`at("2026-03-01 12:00")` -> an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def month(text: str) -> date:
    year, mon = (int(p) for p in text.split("-"))
    return date(year, mon, 1)


class Droplet:
    def __init__(
        self,
        *,
        project: CloudProject | None,
        size: str = "s-1vcpu-1gb",
        created: datetime | None,
        discovered: datetime,
        seen_until: datetime,
        **resource: Any,
    ) -> None:
        attrs = {"created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else None}
        self.resource: CloudResource = CloudResourceFactory(
            project=project,
            size_slug=size,
            attrs=attrs,
            first_seen_at=discovered,
            last_seen_at=seen_until,
            **resource,
        )
        self._event(
            EventType.DISCOVERED,
            discovered,
            {
                "name": [None, self.resource.name],
                "size_slug": [None, size],
                "status": [None, "active"],
                "project": [None, project.pk if project else None],
            },
        )
        self.size, self.project = size, project

    @property
    def pk(self) -> int:
        return self.resource.pk

    def _event(self, event: str, when: datetime, changes: dict[str, Any]) -> None:
        CloudResourceEvent.objects.create(
            resource=self.resource, event=event, changes=changes, actor="test", occurred_at=when
        )

    def seen(self, until: datetime) -> Droplet:
        CloudResource.objects.filter(pk=self.pk).update(last_seen_at=until)
        return self

    def resize(self, size: str, when: datetime) -> Droplet:
        self._event(EventType.UPDATED, when, {"size_slug": [self.size, size]})
        self.size = size
        return self

    def move(self, project: CloudProject | None, when: datetime) -> Droplet:
        old = self.project.pk if self.project else None
        self._event(EventType.UPDATED, when, {"project": [old, project.pk if project else None]})
        self.project = project
        return self

    def power_off(self, when: datetime) -> Droplet:
        self._event(EventType.UPDATED, when, {"status": ["active", "off"]})
        return self

    def tombstone(self, last_seen: datetime, when: datetime) -> Droplet:
        """The third strike, `when`, after the droplet was last seen at `last_seen`."""
        iso = last_seen.isoformat()
        self._event(
            EventType.DELETED,
            when,
            {
                "deleted_at": [None, when.isoformat()],
                "stale_strike_count": [2, 3],
                "last_seen_at": [iso, iso],
            },
        )
        CloudResource.objects.filter(pk=self.pk).update(last_seen_at=last_seen, deleted_at=when)
        return self

    def restore(self, when: datetime, seen_until: datetime) -> Droplet:
        self._event(EventType.RESTORED, when, {"deleted_at": ["x", None]})
        CloudResource.objects.filter(pk=self.pk).update(last_seen_at=seen_until, deleted_at=None)
        return self


@pytest.fixture
def prices() -> dict[str, Price]:
    """DO's catalog prices, in effect since 2020."""
    return {
        slug: PriceFactory(
            size_slug=slug, price_hourly=size.price_hourly, price_monthly=size.price_monthly
        )
        for slug, size in SIZES.items()
    }


@pytest.fixture
def project() -> CloudProject:
    return CloudProjectFactory()


def generate(text: str, **kwargs: Any) -> Generation:
    kwargs.setdefault("actor", "test")
    kwargs.setdefault("now", NOW)
    return generate_month(month(text), **kwargs)


def amounts(generation: Generation) -> dict[int, Decimal]:
    return {i.tenant_id: i.subtotal for i in generation.invoices}


def march_reconciliation(*, our_total: Decimal, provider_total: Decimal) -> Reconciliation:
    """A reconciliation of March 2026 against an (empty) DO invoice, with no lines yet:
    the console and browser tests add the lines they show."""
    provider_invoice = ProviderInvoice.objects.create(
        invoice_uuid="u-1",
        invoice_period="2026-03",
        period_start=at("2026-03-01").date(),
        amount=Decimal("0"),
        fetched_at=NOW,
    )
    return Reconciliation.objects.create(
        period_start=at("2026-03-01").date(),
        provider_invoice=provider_invoice,
        our_total=our_total,
        provider_total=provider_total,
        difference=our_total - provider_total,
        tolerance=Decimal("0.01"),
    )


def add_mixed_lines(
    reconciliation: Reconciliation, count: int, kinds: list[tuple[str, str, str]]
) -> None:
    """`count` lines of 6.50 ours against 6.00 DO's, cycling through `kinds` of (status,
    product, reason)."""
    ReconciliationLine.objects.bulk_create(
        ReconciliationLine(
            reconciliation=reconciliation,
            product=product,
            provider_resource_id=str(n),
            our_cost=Decimal("6.5"),
            provider_amount=Decimal("6"),
            difference=Decimal("0.5"),
            status=status,
            reason=reason,
        )
        for n in range(count)
        for status, product, reason in [kinds[n % len(kinds)]]
    )
