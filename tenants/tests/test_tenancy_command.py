"""`manage.py tenancy`: each subcommand, and errors that exit non-zero with a message."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenants.models import Tenant, User
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def tenancy(*args: str) -> list[str]:
    out = StringIO()
    call_command("tenancy", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_tenant_prints_id_and_slug():
    lines = tenancy("create-tenant", "Acme AI")

    tenant = Tenant.objects.get(name="Acme AI")
    assert lines == [f"tenant {tenant.pk} acme-ai"]
    assert tenant.purpose == Tenant.Purpose.CUSTOMER


def test_create_tenant_with_internal_purpose():
    tenancy("create-tenant", "SkyAI", "--purpose", "internal")

    assert Tenant.objects.get(name="SkyAI").purpose == Tenant.Purpose.INTERNAL


def test_create_tenant_twice_fails_with_a_message():
    tenancy("create-tenant", "Acme AI")

    with pytest.raises(CommandError, match="already exists"):
        tenancy("create-tenant", "Acme AI")


def test_create_tenant_with_unknown_purpose_fails():
    with pytest.raises(CommandError, match="invalid choice"):
        tenancy("create-tenant", "Acme AI", "--purpose", "reseller")


def test_create_admin_prints_the_users_token_last():
    lines = tenancy("create-admin", "alice", "--password", "s3cret-enough")

    user = User.objects.get(username="alice")
    assert user.is_platform_admin and user.check_password("s3cret-enough")
    assert lines[0] == f"user {user.pk} alice"
    assert token_user(lines[1]) == user


def test_create_user_joins_tenants_by_id_slug_or_name():
    acme = TenantFactory(name="Acme AI", slug="acme")
    globex = TenantFactory(name="Globex", slug="globex")
    initech = TenantFactory(name="Initech", slug="initech")

    lines = tenancy(
        "create-user", "bob", "--tenant", str(acme.pk), "--tenant", "globex", "--tenant", "Initech"
    )

    user = User.objects.get(username="bob")
    assert not user.is_platform_admin
    assert sorted(user.tenant_ids()) == sorted([acme.pk, globex.pk, initech.pk])
    assert token_user(lines[-1]) == user


def test_create_user_without_tenant_fails():
    with pytest.raises(CommandError, match="--tenant"):
        tenancy("create-user", "bob")


def test_create_user_with_unknown_tenant_fails_and_creates_nobody():
    with pytest.raises(CommandError, match="No tenant matches 'nowhere'"):
        tenancy("create-user", "bob", "--tenant", "nowhere")

    assert not User.objects.filter(username="bob").exists()


def test_create_user_with_taken_username_fails():
    UserFactory(username="bob")

    with pytest.raises(CommandError, match="already exists"):
        tenancy("create-admin", "bob")


def test_token_issues_a_new_token_for_an_existing_user():
    user = UserFactory(username="carol")

    [line] = tenancy("token", "carol")

    assert token_user(line) == user


def test_each_token_call_issues_another_token_and_both_work():
    user = UserFactory(username="carol")

    first, second = tenancy("token", "carol"), tenancy("token", "carol")

    assert first != second
    assert token_user(first[0]) == token_user(second[0]) == user


def test_revoke_tokens_makes_every_token_of_the_user_useless():
    UserFactory(username="carol")
    [line] = tenancy("token", "carol")

    assert tenancy("revoke-tokens", "carol") == ["revoked 1 token"]

    assert token_user(line) is None


def test_revoke_tokens_of_an_unknown_user_fails():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        tenancy("revoke-tokens", "nobody")


def token_user(line: str):
    """The user the printed `token <key>` line authenticates as, or None."""
    assert line.startswith("token ")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {line.removeprefix('token ')}")
    response = client.get("/api/v1/me")
    if response.status_code != 200:
        return None
    return User.objects.get(username=response.json()["username"])


def test_token_for_unknown_user_fails():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        tenancy("token", "nobody")


def test_missing_subcommand_fails():
    with pytest.raises(CommandError):
        tenancy()
