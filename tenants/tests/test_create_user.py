import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from arcadia.errors import Conflict, InvalidInput
from tenants.services import create_user, issue_api_token
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_platform_admin_is_staff_and_superuser():
    user, _ = create_user(username="alice", platform_admin=True)

    assert user.is_platform_admin and user.is_staff and user.is_superuser


def test_platform_admin_needs_no_tenant():
    user, _ = create_user(username="alice", platform_admin=True)

    assert user.tenant_ids() == []


def test_tenant_user_is_not_staff():
    user, _ = create_user(username="bob", tenants=[TenantFactory()])

    assert not (user.is_platform_admin or user.is_staff or user.is_superuser)


def test_tenant_user_joins_the_given_tenants():
    acme, globex = TenantFactory(), TenantFactory()

    user, _ = create_user(username="bob", tenants=[acme, globex])

    assert sorted(user.tenant_ids()) == sorted([acme.pk, globex.pk])


@pytest.mark.parametrize("tenants", [None, []])
def test_tenant_user_requires_a_tenant(tenants):
    with pytest.raises(InvalidInput) as exc:
        create_user(username="bob", tenants=tenants)

    assert exc.value.field == "tenants"


@pytest.mark.parametrize("username", ["", "   ", "bob smith", "b" * 151])
def test_invalid_username_is_refused(username):
    with pytest.raises(InvalidInput) as exc:
        create_user(username=username, platform_admin=True)

    assert exc.value.field == "username"


def test_duplicate_username_is_a_conflict():
    UserFactory(username="bob")

    with pytest.raises(Conflict):
        create_user(username="bob", platform_admin=True)


def test_password_is_set_when_given():
    user, _ = create_user(username="alice", password="s3cret-enough", platform_admin=True)

    assert user.check_password("s3cret-enough")


def test_no_password_means_an_unusable_one():
    user, _ = create_user(username="alice", platform_admin=True)

    assert not user.has_usable_password()


def test_create_user_returns_a_token_that_is_stored_only_as_a_digest():
    user, key = create_user(username="alice", platform_admin=True)

    stored = AuthToken.objects.get(user=user)
    assert key.startswith(stored.token_key)
    assert key not in (stored.digest, stored.token_key)
    assert issue_api_token(user) != key  # a new token each time: the old one can't be shown


def test_returned_token_authenticates_the_api():
    user, key = create_user(username="bob", tenants=[TenantFactory()])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == user.username
