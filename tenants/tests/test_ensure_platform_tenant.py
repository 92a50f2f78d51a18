import pytest

from arcadia.errors import Conflict
from tenants.models import PLATFORM_TENANT_SLUG, Tenant
from tenants.services import ensure_platform_tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_ensure_platform_tenant_creates_the_internal_tenant():
    tenant = ensure_platform_tenant()

    assert tenant.purpose == Tenant.Purpose.INTERNAL
    assert tenant.slug == PLATFORM_TENANT_SLUG


def test_ensure_platform_tenant_is_idempotent():
    first = ensure_platform_tenant()
    second = ensure_platform_tenant()

    assert first.pk == second.pk
    assert Tenant.objects.count() == 1


def test_ensure_platform_tenant_reuses_an_existing_internal_tenant():
    existing = TenantFactory(name="Platform", purpose=Tenant.Purpose.INTERNAL)

    assert ensure_platform_tenant() == existing


def test_platform_slug_held_by_a_customer_is_a_conflict():
    TenantFactory(name="Sky AI", slug=PLATFORM_TENANT_SLUG)

    with pytest.raises(Conflict):
        ensure_platform_tenant()
