import pytest
from django.contrib.auth.models import AnonymousUser

from tenants.models import Membership, Tenant
from tenants.selectors import scope_by_tenant, tenants_visible_to
from tests.factories import PlatformAdminFactory, TenantFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_user_sees_no_tenants():
    TenantFactory()

    assert not tenants_visible_to(AnonymousUser()).exists()


def test_scope_by_tenant_keeps_only_the_users_tenants():
    acme, globex = TenantFactory(), TenantFactory()
    user = TenantUserFactory(tenants=[acme])
    TenantUserFactory(tenants=[globex])

    scoped = scope_by_tenant(Membership.objects.all(), user, tenant_field="tenant")

    assert {m.tenant_id for m in scoped} == {acme.pk}


def test_scope_by_tenant_keeps_everything_for_a_platform_admin():
    TenantUserFactory.create_batch(2)

    scoped = scope_by_tenant(
        Membership.objects.all(), PlatformAdminFactory(), tenant_field="tenant"
    )

    assert scoped.count() == 2


def test_scope_by_tenant_keeps_nothing_for_an_anonymous_user():
    TenantUserFactory()

    scoped = scope_by_tenant(Tenant.objects.all(), AnonymousUser(), tenant_field="pk")

    assert not scoped.exists()
