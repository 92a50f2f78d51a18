"""One source for the platform-admin role (tenants.roles): the API and the console agree
on who operates the platform, for a `createsuperuser` user and for a staff user."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient

from billing.admin import _may_resolve
from drift.models import Drift
from provisioning.models import SagaRun
from tenants.models import User
from tenants.roles import is_platform_admin
from tenants.services import issue_api_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _createsuperuser(monkeypatch) -> User:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough password")
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com")
    return User.objects.get(username="root")


def _api(user: User) -> dict[str, int | bool]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return {
        "drift": client.get("/api/v1/drift").status_code,
        "sagas": client.get("/api/v1/provisioning/sagas").status_code,
        "reconciliations": client.get("/api/v1/billing/reconciliations").status_code,
        "me": client.get("/api/v1/me").json()["is_platform_admin"],
    }


def _console(user: User) -> dict[str, bool]:
    request = RequestFactory().get("/admin/")
    request.user = user
    drift_admin = admin.site._registry[Drift]
    return {
        "accept": drift_admin.has_accept_permission(request),
        "revert": drift_admin.has_revert_permission(request),
        "resume": admin.site._registry[SagaRun].has_resume_permission(request),
        "billing": _may_resolve(mock.Mock(), request),
        "index": admin.site.has_permission(request),
    }


def test_a_createsuperuser_user_is_a_platform_admin_in_the_api_and_the_console(monkeypatch):
    user = _createsuperuser(monkeypatch)
    assert not user.is_platform_admin  # createsuperuser sets only Django's flags

    assert is_platform_admin(user)
    assert _api(user) == {"drift": 200, "sagas": 200, "reconciliations": 200, "me": True}
    assert _console(user) == dict.fromkeys(("accept", "revert", "resume", "billing", "index"), True)


def test_a_staff_user_without_the_role_is_refused_by_both_surfaces():
    user = UserFactory(is_staff=True)

    assert not is_platform_admin(user)
    assert _api(user) == {"drift": 403, "sagas": 403, "reconciliations": 403, "me": False}
    # The console's door opens (is_staff), but none of the operator actions.
    assert _console(user) == {
        "accept": False,
        "revert": False,
        "resume": False,
        "billing": False,
        "index": True,
    }


def test_the_role_needs_an_active_authenticated_user():
    assert not is_platform_admin(None)
    assert not is_platform_admin(AnonymousUser())
    assert not is_platform_admin(UserFactory(is_superuser=True, is_active=False))
    assert is_platform_admin(UserFactory(is_platform_admin=True))
