"""The operator console's sign-in (console/login.py): a signed-in tenant user opening
`/admin/` is sent to the portal, a wrong sign-in says "operator account" and points to the
portal, and nothing else changes: tenant users still cannot sign in to the console, and
django-axes still locks a guesser out of it."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.factories import TEST_PASSWORD, PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_tenant_user_at_admin_is_sent_to_the_portal():
    client = Client()
    client.force_login(TenantUserFactory())
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[:2] == [
        ("/admin/login/?next=/admin/", 302),
        ("/portal/", 302),
    ]
    assert response.request["PATH_INFO"].startswith("/portal/")
    assert "staff" not in response.content.decode().lower()


def test_the_console_sign_in_does_not_speak_of_staff():
    TenantUserFactory(username="bob")
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "bob", "password": TEST_PASSWORD}
    )
    body = response.content.decode()
    assert response.status_code == 200  # refused: a tenant user is not an operator
    assert "staff account" not in body
    assert "operator account" in body and "/portal/login/" in body
    assert "_auth_user_id" not in client.session  # and not signed in


def test_operators_still_sign_in_to_the_console():
    PlatformAdminFactory(username="alice")
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "alice", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=2)
def test_axes_still_locks_a_guesser_out_of_the_console():
    PlatformAdminFactory(username="alice")
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=2)
def test_axes_locks_a_guesser_out_of_the_portal_too():
    TenantUserFactory(username="bob")
    client = Client()
    for _ in range(2):
        client.post("/portal/login/", {"username": "bob", "password": "wrong"})
    response = client.post("/portal/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert response.status_code == 429
