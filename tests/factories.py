"""factory_boy factories shared by every app's tests.

One section per app, in dependency order; a factory builds the smallest valid row and
tests state what they care about through keyword arguments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from django.utils.text import slugify

from tenants.models import Membership, Tenant, User

TEST_PASSWORD = "correct horse battery staple"


# --- tenants --------------------------------------------------------------------------


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.LazyAttribute(lambda t: slugify(t.name)[:100])
    purpose = Tenant.Purpose.CUSTOMER


class UserFactory(factory.django.DjangoModelFactory):
    """A user with no role: neither a platform admin nor a member of any tenant."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)


class PlatformAdminFactory(UserFactory):
    """An operator: sees every tenant; staff and superuser, for the operator console."""

    is_platform_admin = True
    is_staff = True
    is_superuser = True


class TenantUserFactory(UserFactory):
    """A member of tenants. `TenantUserFactory(tenants=[a, b])` joins those tenants;
    with no `tenants` the user joins one new tenant of its own."""

    @factory.post_generation
    def tenants(self, create: bool, extracted: list[Tenant] | None, **kwargs: Any) -> None:
        if not create:
            return
        tenants = extracted if extracted is not None else [TenantFactory()]
        Membership.objects.bulk_create(Membership(user=self, tenant=t) for t in tenants)


# --- inventory ------------------------------------------------------------------------


# Long before any history a test writes: a factory project's tenant holds it all along.
ASSIGNED_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


class CloudProjectFactory(factory.django.DjangoModelFactory):
    """A project and, when it has a tenant, that tenant's open assignment from
    `assigned_since` (default `ASSIGNED_SINCE`), as the service would have written it."""

    class Meta:
        model = "inventory.CloudProject"
        skip_postgeneration_save = True

    provider_id = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"project-{n}")
    tenant = factory.SubFactory(TenantFactory)

    @factory.post_generation
    def assigned_since(self, create: bool, extracted: datetime | None, **kwargs: Any) -> None:
        from inventory.models import ProjectTenantAssignment

        if create and self.tenant_id is not None:
            ProjectTenantAssignment.objects.create(
                project=self,
                tenant_id=self.tenant_id,
                effective_from=extracted or ASSIGNED_SINCE,
                actor="factory",
            )


class CloudResourceFactory(factory.django.DjangoModelFactory):
    """A live droplet, seen now. `attrs` holds what the droplet normalizer keeps."""

    class Meta:
        model = "inventory.CloudResource"

    kind = "droplet"
    provider_id = factory.Sequence(lambda n: str(100_000 + n))
    urn = factory.LazyAttribute(lambda r: f"do:{r.kind}:{r.provider_id}")
    project = factory.SubFactory(CloudProjectFactory)
    name = factory.Sequence(lambda n: f"web-{n}")
    region = "nyc3"
    size_slug = "s-1vcpu-1gb"
    status = "active"
    tags = factory.LazyFunction(lambda: ["web"])
    attrs = factory.LazyFunction(
        lambda: {
            "memory": 1024,
            "vcpus": 1,
            "disk": 25,
            "image": {"id": 1, "slug": "ubuntu-24-04-x64", "distribution": "Ubuntu"},
            "features": ["monitoring"],
        }
    )
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


# --- drift ----------------------------------------------------------------------------


class ProvisionedFactory(factory.django.DjangoModelFactory):
    """A recorded spec, written directly (tests of `record_provisioned` call the service)."""

    class Meta:
        model = "drift.Provisioned"

    resource = factory.SubFactory(CloudResourceFactory)
    spec = factory.LazyAttribute(
        lambda p: {"size_slug": p.resource.size_slug, "region": p.resource.region}
    )
    spec_version = 1


class DriftFactory(factory.django.DjangoModelFactory):
    """An open drift on `size_slug`, written directly (detection tests run detection)."""

    class Meta:
        model = "drift.Drift"

    provisioned = factory.SubFactory(ProvisionedFactory)
    resource = factory.SelfAttribute("provisioned.resource")
    field = "size_slug"
    expected = "s-1vcpu-1gb"
    actual = "s-2vcpu-4gb"
    status = "open"
    detected_at = factory.LazyFunction(timezone.now)


# --- billing --------------------------------------------------------------------------


class PriceFactory(factory.django.DjangoModelFactory):
    """A price-book row in effect since long before any billed month (DO's s-1vcpu-1gb)."""

    class Meta:
        model = "billing.Price"

    size_slug = "s-1vcpu-1gb"
    price_hourly = factory.LazyFunction(lambda: Decimal("0.00893"))
    price_monthly = factory.LazyFunction(lambda: Decimal("6.00"))
    currency = "USD"
    valid_from = factory.LazyFunction(lambda: datetime(2020, 1, 1, tzinfo=UTC))
    valid_to = None


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Account"

    tenant = factory.SubFactory(TenantFactory)
    markup_percent = factory.LazyFunction(lambda: Decimal("0"))
    currency = "USD"


class CreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Credit"

    tenant = factory.SubFactory(TenantFactory)
    currency = "USD"
    amount = factory.LazyFunction(lambda: Decimal("10.00"))
    remaining = factory.SelfAttribute("amount")
    reason = "goodwill"
    expires_at = None


# --- provisioning ---------------------------------------------------------------------


class SagaRunFactory(factory.django.DjangoModelFactory):
    """A pending resize saga on a droplet of its own, written directly (engine tests start
    sagas through the services); its steps are not created."""

    class Meta:
        model = "provisioning.SagaRun"

    saga = "resize_droplet"
    status = "pending"
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    params = factory.LazyFunction(lambda: {"size": "s-2vcpu-4gb", "disk": False})
    resource = factory.SubFactory(CloudResourceFactory)
    droplet_id = factory.LazyAttribute(lambda r: int(r.resource.provider_id))
    requested_via = "test"
    next_run_at = factory.LazyFunction(timezone.now)
