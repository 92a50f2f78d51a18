"""The drift API (DESIGN.md, "Surfaces"): platform admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from drift.models import Drift, DriftStatus, Provisioned
from inventory.models import CloudResourceEvent, EventType
from tenants.services import issue_api_token
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    TenantUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MAX_LIST_QUERIES = 6


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture
def admin_client() -> APIClient:
    return token_client(PlatformAdminFactory())


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def resolved(**kwargs) -> Drift:
    return DriftFactory(resolved_at=timezone.now(), **kwargs)


# --- who may call it --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/drift"),
        ("get", "/api/v1/drift/1"),
        ("post", "/api/v1/drift/1/accept"),
        ("get", "/api/v1/provisioned"),
        ("post", "/api/v1/provisioned"),
    ],
)
@pytest.mark.parametrize("factory", [TenantUserFactory, UserFactory])
def test_anyone_but_a_platform_admin_is_forbidden(method, url, factory):
    response = getattr(token_client(factory()), method)(url, {}, format="json")

    assert response.status_code == 403


def test_anonymous_callers_are_unauthenticated():
    assert APIClient().get("/api/v1/drift").status_code == 401


# --- the inbox --------------------------------------------------------------------------


def test_the_inbox_lists_open_drift_newest_first(admin_client):
    now = timezone.now()
    older = DriftFactory(detected_at=now - timedelta(hours=2))
    newer = DriftFactory(detected_at=now - timedelta(hours=1))
    resolved(status=DriftStatus.ACCEPTED)

    assert ids(admin_client.get("/api/v1/drift")) == [newer.pk, older.pk]


def test_an_inbox_item_shows_the_resource_field_values_and_detection_time(admin_client):
    project = CloudProjectFactory(tenant__name="Acme")
    resource = CloudResourceFactory(project=project, name="web-9", provider_id="9")
    drift = DriftFactory(provisioned__resource=resource, expected="s-1vcpu-1gb", actual=4)

    [item] = admin_client.get("/api/v1/drift").json()["results"]

    assert item["id"] == drift.pk
    assert item["field"] == "size_slug"
    assert (item["expected"], item["actual"]) == ("s-1vcpu-1gb", 4)
    assert item["status"] == "open"
    assert item["detected_at"]
    assert item["resource"]["kind"] == "droplet"
    assert item["resource"]["name"] == "web-9"
    assert item["resource"]["urn"] == "do:droplet:9"
    assert item["resource"]["tenant"]["name"] == "Acme"


def test_an_unallocated_resource_shows_no_tenant(admin_client):
    DriftFactory(provisioned__resource__project__tenant=None)

    [item] = admin_client.get("/api/v1/drift").json()["results"]

    assert item["resource"]["tenant"] is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", ["accepted"]),
        ("resolved", ["accepted", "stale"]),
        ("all", ["accepted", "open", "stale"]),
    ],
)
def test_the_status_filter_reaches_the_history(admin_client, status, expected):
    DriftFactory()
    resolved(status=DriftStatus.ACCEPTED)
    resolved(status=DriftStatus.STALE)

    response = admin_client.get("/api/v1/drift", {"status": status})

    assert sorted(r["status"] for r in response.json()["results"]) == expected


def test_filters_by_field_kind_tenant_and_resource(admin_client):
    project = CloudProjectFactory()
    resource = CloudResourceFactory(project=project)
    on_region = DriftFactory(provisioned__resource=resource, field="region")
    on_size = DriftFactory()

    assert ids(admin_client.get("/api/v1/drift", {"field": "region"})) == [on_region.pk]
    assert ids(admin_client.get("/api/v1/drift", {"tenant": project.tenant_id})) == [on_region.pk]
    assert ids(admin_client.get("/api/v1/drift", {"resource": resource.pk})) == [on_region.pk]
    assert ids(admin_client.get("/api/v1/drift", {"resource": resource.urn})) == [on_region.pk]
    assert set(ids(admin_client.get("/api/v1/drift", {"kind": "droplet"}))) == {
        on_region.pk,
        on_size.pk,
    }
    assert ids(admin_client.get("/api/v1/drift", {"kind": "volume"})) == []


def test_an_unknown_filter_is_refused(admin_client):
    response = admin_client.get("/api/v1/drift", {"feild": "region"})

    assert response.status_code == 400
    assert "feild" in response.json()


def test_ordering_is_stable_on_equal_timestamps(admin_client):
    at = timezone.now()
    drifts = [DriftFactory(detected_at=at) for _ in range(3)]

    assert ids(admin_client.get("/api/v1/drift", {"ordering": "detected_at"})) == [
        d.pk for d in drifts
    ]
    assert ids(admin_client.get("/api/v1/drift", {"ordering": "-detected_at"})) == [
        d.pk for d in reversed(drifts)
    ]


def test_the_inbox_is_paginated(admin_client):
    for _ in range(3):
        DriftFactory()

    body = admin_client.get("/api/v1/drift", {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


@pytest.mark.parametrize("rows", [3, 40])
def test_the_first_page_costs_at_most_six_queries_whatever_the_size(admin_client, rows):
    for _ in range(rows):
        DriftFactory(provisioned__resource__project=CloudProjectFactory())
        resolved(status=DriftStatus.STALE)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/api/v1/drift")

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert len(captured) <= MAX_LIST_QUERIES


# --- one drift and accept ---------------------------------------------------------------


def test_one_drift_is_found_by_id_whatever_its_status(admin_client):
    drift = resolved(status=DriftStatus.STALE)

    response = admin_client.get(f"/api/v1/drift/{drift.pk}")

    assert response.status_code == 200
    assert response.json()["status"] == "stale"


def test_an_unknown_drift_is_not_found(admin_client):
    assert admin_client.get("/api/v1/drift/987654").status_code == 404


def test_accept_returns_the_resolved_drift(admin_client):
    drift = DriftFactory(expected="s-1vcpu-1gb", actual="s-2vcpu-4gb")

    response = admin_client.post(
        f"/api/v1/drift/{drift.pk}/accept", {"comment": "on purpose"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert body["comment"] == "on purpose"
    assert body["resolved_by"]
    assert body["resolved_at"]
    assert Provisioned.objects.get(pk=drift.provisioned_id).spec["size_slug"] == "s-2vcpu-4gb"


def test_accept_without_a_body_works(admin_client):
    drift = DriftFactory()

    assert admin_client.post(f"/api/v1/drift/{drift.pk}/accept").status_code == 200


def test_a_second_accept_is_a_conflict(admin_client):
    drift = DriftFactory()
    admin_client.post(f"/api/v1/drift/{drift.pk}/accept")

    response = admin_client.post(f"/api/v1/drift/{drift.pk}/accept")

    assert response.status_code == 409
    assert response.json()["code"] == "drift_not_open"
    assert CloudResourceEvent.objects.filter(event=EventType.DRIFT_ACCEPTED).count() == 1


def test_accepting_an_unknown_drift_is_not_found(admin_client):
    assert admin_client.post("/api/v1/drift/987654/accept").status_code == 404


def test_trailing_slashes_are_optional(admin_client):
    drift = DriftFactory()

    assert admin_client.get("/api/v1/drift/").status_code == 200
    assert admin_client.post(f"/api/v1/drift/{drift.pk}/accept/").status_code == 200


# --- recording desired state ------------------------------------------------------------


def test_recording_a_spec_by_urn_creates_it(admin_client):
    resource = CloudResourceFactory(provider_id="77")

    response = admin_client.post(
        "/api/v1/provisioned",
        {"resource": "do:droplet:77", "spec": {"size_slug": "s-1vcpu-1gb"}},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["spec"] == {"size_slug": "s-1vcpu-1gb"}
    assert response.json()["spec_version"] == 1
    assert response.json()["resource"]["id"] == resource.pk


def test_recording_a_changed_spec_by_id_updates_it(admin_client):
    provisioned = ProvisionedFactory(spec={"size_slug": "s-1vcpu-1gb"})

    response = admin_client.post(
        "/api/v1/provisioned",
        {"resource": provisioned.resource_id, "spec": {"size_slug": "s-2vcpu-4gb"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["spec_version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resource": "do:droplet:404", "spec": {"region": "nyc3"}}, "resource"),
        ({"resource": "RESOURCE", "spec": ["region", "nyc3"]}, "spec"),
        ({"resource": "RESOURCE", "spec": "region=nyc3"}, "spec"),
        ({"resource": "RESOURCE", "spec": {"": 1}}, "spec"),
        ({"resource": "RESOURCE"}, "spec"),
    ],
)
def test_an_invalid_spec_is_refused_and_changes_nothing(admin_client, body, field):
    resource = CloudResourceFactory()
    body = {k: (resource.urn if v == "RESOURCE" else v) for k, v in body.items()}

    response = admin_client.post("/api/v1/provisioned", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Provisioned.objects.exists()


def test_specs_can_be_listed_and_read(admin_client):
    provisioned = ProvisionedFactory()

    assert ids(admin_client.get("/api/v1/provisioned")) == [provisioned.pk]
    response = admin_client.get(f"/api/v1/provisioned/{provisioned.pk}")
    assert response.json()["spec"] == provisioned.spec


def test_the_schema_describes_the_drift_endpoints(admin_client):
    response = admin_client.get("/api/v1/schema/", {"format": "json"})

    # The router's optional slash ("/?") is rendered as "/".
    paths = {path.rstrip("/") for path in response.json()["paths"]}
    assert "/api/v1/drift" in paths
    assert "/api/v1/drift/{id}" in paths
    assert "/api/v1/drift/{id}/accept" in paths
    assert "/api/v1/provisioned" in paths


def test_the_count_stops_at_the_cap_and_says_so(admin_client, monkeypatch):
    from drift.api.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for _ in range(5):
        DriftFactory()

    body = admin_client.get("/api/v1/drift", {"page_size": 2}).json()

    assert (body["count"], body["count_capped"]) == (3, True)
    assert len(body["results"]) == 2


def test_an_exact_count_is_not_capped(admin_client):
    DriftFactory()

    body = admin_client.get("/api/v1/drift").json()

    assert (body["count"], body["count_capped"]) == (1, False)
