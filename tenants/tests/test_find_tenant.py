import pytest

from arcadia.errors import NotFound
from tenants.services import find_tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return TenantFactory(name="Acme AI", slug="acme")


def test_find_tenant_by_id(acme):
    assert find_tenant(str(acme.pk)) == acme


def test_find_tenant_by_slug(acme):
    assert find_tenant("acme") == acme


def test_find_tenant_by_name(acme):
    assert find_tenant(" Acme AI ") == acme


@pytest.mark.parametrize("reference", ["nobody", "999999", "²", ""])
def test_unknown_tenant_is_not_found(acme, reference):
    with pytest.raises(NotFound):
        find_tenant(reference)
