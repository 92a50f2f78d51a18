"""Two tenants with resources, a timeline, drift and invoices: the portal's world.

`mine` is the signed-in tenant user's; `theirs` belongs to another tenant. Each has one
droplet billed for March and April 2026: March finalized, April left a draft (which a
tenant must never see)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pytest
from django.test import Client

from billing.models import Invoice
from billing.services.invoices import finalize
from billing.tests.conftest import NOW, Droplet, at, generate
from do_simulator.catalog import SIZES
from drift.models import Drift
from inventory.models import CloudProject, CloudResource
from tenants.models import Tenant, User
from tests.factories import (
    CloudProjectFactory,
    DriftFactory,
    PriceFactory,
    ProvisionedFactory,
    TenantUserFactory,
)


@dataclass
class Side:
    tenant: Tenant
    droplet: CloudResource
    finalized: Invoice
    draft: Invoice
    drift: Drift


def _side(name: str) -> Side:
    project = cast(CloudProject, CloudProjectFactory(tenant__name=name, tenant__slug=name.lower()))
    droplet = Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-05-01 00:00"),
        name=f"{name.lower()}-web",
    ).resize("s-2vcpu-4gb", at("2026-04-10 00:00"))
    drift = DriftFactory(
        provisioned=ProvisionedFactory(resource=droplet.resource),
        expected="s-1vcpu-1gb",
        actual="s-2vcpu-4gb",
    )
    return Side(project.tenant, droplet.resource, None, None, drift)  # type: ignore[arg-type]


def build_world() -> tuple[Side, Side]:
    """Prices, two tenants and their invoices (also the browser test's world)."""
    for slug, size in SIZES.items():
        PriceFactory(
            size_slug=slug, price_hourly=size.price_hourly, price_monthly=size.price_monthly
        )
    mine, theirs = _side("Acme"), _side("Globex")
    generate("2026-03")
    generate("2026-04")
    for side in (mine, theirs):
        march = Invoice.objects.get(tenant=side.tenant, period_start__month=3)
        side.finalized = finalize(march.pk, actor="test", now=NOW)
        side.draft = Invoice.objects.get(tenant=side.tenant, period_start__month=4)
    return mine, theirs


@pytest.fixture
def world(db) -> tuple[Side, Side]:
    return build_world()


@pytest.fixture
def mine(world) -> Side:
    return world[0]


@pytest.fixture
def theirs(world) -> Side:
    return world[1]


@pytest.fixture
def member(mine) -> User:
    return cast(User, TenantUserFactory(username="bob", tenants=[mine.tenant]))


@pytest.fixture
def client_of(member) -> Client:
    client = Client()
    client.force_login(member)
    return client
