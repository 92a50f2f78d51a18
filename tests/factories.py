"""factory_boy factories shared by every app's tests.

One section per app, in dependency order; a factory builds the smallest valid row and
tests state what they care about through keyword arguments.
"""

from __future__ import annotations

from typing import Any

import factory
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
