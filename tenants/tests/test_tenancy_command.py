"""`manage.py tenancy`: each subcommand, and errors that exit non-zero with a message."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

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
    assert lines == [f"user {user.pk} alice", f"token {Token.objects.get(user=user).key}"]


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
    assert lines[-1] == f"token {Token.objects.get(user=user).key}"


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


def test_token_prints_an_existing_users_token():
    user = UserFactory(username="carol")

    lines = tenancy("token", "carol")

    assert lines == [f"token {Token.objects.get(user=user).key}"]


def test_token_is_stable_across_calls():
    UserFactory(username="carol")

    assert tenancy("token", "carol") == tenancy("token", "carol")


def test_token_for_unknown_user_fails():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        tenancy("token", "nobody")


def test_missing_subcommand_fails():
    with pytest.raises(CommandError):
        tenancy()
