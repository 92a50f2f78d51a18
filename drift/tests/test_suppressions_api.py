"""`/api/v1/drift/suppressions` (drift.api.suppressions): platform admins create, list,
read and lift suppressions; everyone else is refused; bad input is a 400 naming the field.
The drift list shows suppressed drift under `status=suppressed`, with its suppression."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from drift.models import DriftStatus, DriftSuppression
from drift.tests.suppressions import drifted, status_of, suppression
from tenants.services import issue_api_token
from tests.factories import PlatformAdminFactory, TenantUserFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/drift/suppressions"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture
def admin():
    return PlatformAdminFactory(username="alice")


@pytest.fixture
def client(admin) -> APIClient:
    return token_client(admin)


def in_a_week() -> str:
    return (timezone.now() + timedelta(days=7)).isoformat()


def test_an_admin_suppresses_by_resource_urn_and_the_drift_leaves_the_inbox(client):
    drift = drifted()

    response = client.post(
        URL,
        {
            "resource": drift.resource.urn,
            "field": "size_slug",
            "reason": "resized for the sale",
            "expires_at": in_a_week(),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["scope"], body["resource"], body["owner"]) == (
        "resource",
        drift.resource.pk,
        "alice",
    )
    assert (body["state"], body["held_drift"], body["permanent"]) == ("active", 1, False)
    assert status_of(drift) == (DriftStatus.SUPPRESSED, body["id"])
    assert client.get("/api/v1/drift").json()["results"] == []
    [listed] = client.get("/api/v1/drift", {"status": "suppressed"}).json()["results"]
    assert (listed["id"], listed["suppression"]) == (drift.pk, body["id"])
    # Suppressed drift is not history either.
    assert client.get("/api/v1/drift", {"status": "resolved"}).json()["results"] == []


def test_a_permanent_kind_suppression_owned_by_another_admin(client):
    PlatformAdminFactory(username="bob")

    response = client.post(
        URL,
        {
            "kind": "droplet",
            "field": "tags",
            "reason": "tags are ours",
            "permanent": True,
            "owner": "bob",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["scope"], body["kind"], body["owner"], body["expires_at"]) == (
        "kind",
        "droplet",
        "bob",
        None,
    )
    assert body["created_by"] == "alice"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "droplet", "resource": "do:droplet:1"}, "kind"),
        ({"kind": "droplet", "tag": "web"}, "tag"),
        ({}, "resource"),
        ({"resource": "do:droplet:nope"}, "resource"),
        ({"kind": "planet"}, "kind"),
        ({"kind": "droplet", "expires_at": None}, "expires_at"),
        ({"kind": "droplet", "permanent": True}, "expires_at"),  # both
        ({"kind": "droplet", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"kind": "droplet", "expires_at": "soon"}, "expires_at"),
        ({"kind": "droplet", "reason": ""}, "reason"),
        ({"kind": "droplet", "field": ""}, "field"),
        ({"kind": "droplet", "owner": "nobody"}, "owner"),
        ({"kind": "droplet", "permanent": "yes please"}, "permanent"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, body, field):
    drifted()  # do:droplet:1 may or may not exist; the scope error comes first
    payload = {"field": "size_slug", "reason": "why", "expires_at": in_a_week(), **body}
    if payload.get("expires_at") is None:
        payload.pop("expires_at")

    response = client.post(URL, payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not DriftSuppression.objects.exists()


def test_a_duplicate_is_a_409(client, admin):
    suppression(admin, kind="droplet")

    response = client.post(
        URL,
        {"kind": "droplet", "field": "size_slug", "reason": "again", "expires_at": in_a_week()},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "suppression_exists"


def test_list_and_retrieve_with_state_filters(client, admin):
    drift = drifted()
    active = suppression(admin, kind="droplet")
    lifted = suppression(admin, kind="volume")
    client.post(f"{URL}/{lifted.pk}/lift", {"reason": "done"}, format="json")

    assert [r["id"] for r in client.get(URL).json()["results"]] == [lifted.pk, active.pk]
    assert [r["id"] for r in client.get(URL, {"state": "active"}).json()["results"]] == [active.pk]
    assert [r["id"] for r in client.get(URL, {"state": "lifted"}).json()["results"]] == [lifted.pk]
    assert client.get(URL, {"state": "nonsense"}).status_code == 400
    one = client.get(f"{URL}/{active.pk}").json()
    assert (one["held_drift"], one["reason"]) == (1, "resized for the sale")
    assert status_of(drift)[0] == DriftStatus.SUPPRESSED


def test_lift_reopens_the_drift(client, admin):
    drift = drifted()
    held = suppression(admin, kind="droplet")

    response = client.post(f"{URL}/{held.pk}/lift", {"reason": "sale is over"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["lifted_by"], body["lift_reason"]) == (
        "lifted",
        "alice",
        "sale is over",
    )
    assert body["held_drift"] == 0
    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert [d["id"] for d in client.get("/api/v1/drift").json()["results"]] == [drift.pk]


def test_lift_errors(client, admin):
    held = suppression(admin, kind="droplet")

    assert client.post(f"{URL}/{held.pk}/lift", {}, format="json").status_code == 400
    assert "reason" in client.post(f"{URL}/{held.pk}/lift", {"reason": " "}, format="json").json()
    assert client.post(f"{URL}/999999/lift", {"reason": "x"}, format="json").status_code == 404
    client.post(f"{URL}/{held.pk}/lift", {"reason": "x"}, format="json")
    again = client.post(f"{URL}/{held.pk}/lift", {"reason": "x"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "suppression_lifted")


@pytest.mark.parametrize("factory", [TenantUserFactory, UserFactory])
@pytest.mark.parametrize(
    ("method", "path"), [("get", ""), ("post", ""), ("get", "/{id}"), ("post", "/{id}/lift")]
)
def test_anyone_but_a_platform_admin_is_forbidden(admin, factory, method, path):
    held = suppression(admin, kind="droplet")

    response = getattr(token_client(factory()), method)(
        URL + path.format(id=held.pk), {"reason": "x"}, format="json"
    )

    assert response.status_code == 403
    held.refresh_from_db()
    assert held.lifted_at is None


def test_anonymous_callers_are_unauthenticated():
    assert APIClient().get(URL).status_code == 401
