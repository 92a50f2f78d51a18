import pytest

from arcadia.errors import Conflict, InvalidInput
from tenants.models import Tenant
from tenants.services import create_tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_create_tenant_makes_a_customer_with_a_slug():
    tenant = create_tenant(name="  Acme AI  ")

    assert (tenant.name, tenant.slug, tenant.purpose) == ("Acme AI", "acme-ai", "customer")


def test_blank_name_is_refused():
    with pytest.raises(InvalidInput) as exc:
        create_tenant(name="   ")

    assert exc.value.field == "name"


def test_name_without_letters_or_digits_is_refused():
    with pytest.raises(InvalidInput) as exc:
        create_tenant(name="!!!")

    assert exc.value.field == "name"


def test_unknown_purpose_is_refused():
    with pytest.raises(InvalidInput) as exc:
        create_tenant(name="Acme AI", purpose="reseller")

    assert exc.value.field == "purpose"


def test_duplicate_name_is_a_conflict():
    create_tenant(name="Acme AI")

    with pytest.raises(Conflict):
        create_tenant(name="Acme AI")


def test_name_with_a_taken_slug_is_a_conflict():
    create_tenant(name="Acme AI")

    with pytest.raises(Conflict):
        create_tenant(name="Acme-AI")


def test_only_one_internal_tenant_may_exist():
    TenantFactory(purpose=Tenant.Purpose.INTERNAL)

    with pytest.raises(Conflict):
        create_tenant(name="Second platform", purpose=Tenant.Purpose.INTERNAL)

    assert Tenant.objects.filter(purpose=Tenant.Purpose.INTERNAL).count() == 1
