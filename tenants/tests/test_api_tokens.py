"""API tokens are revoked through the API and the console, and the console never shows
one (README, "API tokens")."""

import os
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tenants.services import create_user, issue_api_token
from tests.factories import PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_revoke_makes_the_token_it_carries_useless():
    user = TenantUserFactory()
    token, other = issue_api_token(user), issue_api_token(user)
    client = token_client(token)

    response = client.post("/api/v1/auth/tokens/revoke")

    assert response.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert token_client(other).get("/api/v1/me").status_code == 200


def test_revoke_without_a_token_is_refused():
    client = APIClient()
    client.force_login(TenantUserFactory())

    response = client.post("/api/v1/auth/tokens/revoke")

    assert response.status_code == 400
    assert response.json()["code"] == "no_token"


def test_revoke_all_revokes_every_token_of_the_caller_and_no_one_elses():
    user, neighbour = TenantUserFactory(), TenantUserFactory()
    tokens = [issue_api_token(user) for _ in range(3)]
    theirs = issue_api_token(neighbour)

    response = token_client(tokens[0]).post("/api/v1/auth/tokens/revoke-all")

    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    assert {token_client(t).get("/api/v1/me").status_code for t in tokens} == {401}
    assert token_client(theirs).get("/api/v1/me").status_code == 200


def test_revoke_needs_authentication():
    assert APIClient().post("/api/v1/auth/tokens/revoke-all").status_code == 401


def console(admin=None) -> Client:
    client = Client()
    client.force_login(admin or PlatformAdminFactory())
    return client


def test_the_console_cannot_issue_or_edit_tokens():
    admin = PlatformAdminFactory()
    issue_api_token(admin)
    stored = AuthToken.objects.get()
    client = console(admin)

    add = client.get("/admin/tenants/apitoken/add/")
    edit = client.post(f"/admin/tenants/apitoken/{stored.pk}/change/", {"expiry": ""})

    assert add.status_code == 403
    assert edit.status_code == 403
    assert AuthToken.objects.get().expiry == stored.expiry


def test_the_console_lists_tokens_by_prefix_and_links_no_digest():
    admin = PlatformAdminFactory()
    token = issue_api_token(admin)
    stored = AuthToken.objects.get()

    page = console(admin).get("/admin/tenants/apitoken/").content.decode()

    assert f"{stored.token_key}…" in page
    assert token not in page
    assert f"/{stored.digest}/" not in page  # knox's pk: no change page is linked
    assert token_client(stored.digest).get("/api/v1/me").status_code == 401


def test_the_console_revokes_selected_tokens():
    admin = PlatformAdminFactory()
    token = issue_api_token(TenantUserFactory())
    stored = AuthToken.objects.get()

    response = console(admin).post(
        "/admin/tenants/apitoken/",
        {"action": "revoke", "_selected_action": [stored.pk]},
        follow=True,
    )

    assert "Revoked 1 token(s)." in response.content.decode()
    assert token_client(token).get("/api/v1/me").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_no_usable_token():
    """What the issue asks of a dump of a demo database, on a real `pg_dump`."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    _, token = create_user(username="dumped", platform_admin=True)
    stored = AuthToken.objects.get()
    db = connection.settings_dict
    dump = subprocess.run(
        [
            pg_dump,
            "--data-only",
            "--host",
            db["HOST"] or "127.0.0.1",
            "--port",
            str(db["PORT"] or 5432),
            "--username",
            db["USER"],
            db["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert stored.digest in dump and stored.token_key in dump  # the rows are in it
    assert token not in dump
    assert token_client(stored.digest).get("/api/v1/me").status_code == 401
    assert token_client(stored.token_key).get("/api/v1/me").status_code == 401
