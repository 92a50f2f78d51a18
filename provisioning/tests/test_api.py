"""The provisioning API and drift revert endpoint (DESIGN.md, "Surfaces"): platform
admins only."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from drift.models import DriftStatus, Provisioned
from inventory.models import CloudResourceEvent
from provisioning.models import SagaRun
from provisioning.tests.conftest import drive
from tenants.services import issue_api_token
from tests.factories import (
    CloudProjectFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    SagaRunFactory,
    TenantFactory,
    TenantUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DROPLETS = "/api/v1/provisioning/droplets"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture
def admin_client() -> APIClient:
    return token_client(PlatformAdminFactory())


@pytest.fixture
def project():
    return CloudProjectFactory()


def body(for_project, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "web-9",
        "region": "nyc3",
        "size": "s-1vcpu-1gb",
        "image": "ubuntu-24-04-x64",
        "tags": ["env:prod"],
        "tenant": for_project.tenant_id,
        **overrides,
    }


def post(client: APIClient, data: dict[str, Any], key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(DROPLETS, data, format="json", **headers)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", DROPLETS),
        ("get", "/api/v1/provisioning/sagas"),
        ("get", "/api/v1/provisioning/sagas/1"),
        ("post", "/api/v1/drift/1/revert"),
    ],
)
@pytest.mark.parametrize("factory", [TenantUserFactory, UserFactory])
def test_anyone_but_a_platform_admin_is_forbidden(method, url, factory):
    response = getattr(token_client(factory()), method)(url, {}, format="json")

    assert response.status_code == 403


def test_creating_a_droplet_answers_202_with_the_saga_and_its_planned_steps(admin_client, project):
    response = post(admin_client, body(project), key="req-1")

    assert response.status_code == 202, response.content
    saga = response.json()
    assert response["Location"] == f"/api/v1/provisioning/sagas/{saga['id']}"
    assert saga["saga"] == "create_droplet" and saga["status"] == "pending"
    assert saga["tenant"] == project.tenant_id
    assert saga["params"]["target_project"] == project.pk
    assert saga["progress"] == {"done": 0, "total": 6}
    assert [s["name"] for s in saga["steps"]] == [
        "create",
        "wait_for_create",
        "tag",
        "assign_project",
        "untag_saga",
        "record",
    ]


def test_the_same_idempotency_key_and_body_return_the_same_saga(admin_client, project):
    first = post(admin_client, body(project), key="req-1")
    again = post(admin_client, body(project, tags=["env:prod", "env:prod"]), key="req-1")

    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert SagaRun.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(admin_client, project):
    post(admin_client, body(project), key="req-1")

    response = post(admin_client, body(project, size="s-2vcpu-4gb"), key="req-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert SagaRun.objects.count() == 1


def test_without_an_idempotency_key_each_request_is_a_new_saga(admin_client, project):
    post(admin_client, body(project))
    post(admin_client, body(project))

    assert SagaRun.objects.count() == 2


def test_a_tenant_without_a_project_is_a_400(admin_client):
    response = post(admin_client, body(CloudProjectFactory(), tenant=TenantFactory().pk))

    assert response.status_code == 400
    assert "no DO project" in response.json()["tenant"][0]


def test_a_tenant_with_several_projects_must_name_one(admin_client, project):
    other = CloudProjectFactory(tenant=project.tenant)

    assert post(admin_client, body(project)).status_code == 400
    response = post(admin_client, body(project, project=other.pk))
    assert response.status_code == 202
    assert response.json()["params"]["target_project"] == other.pk


def test_another_tenants_project_is_a_400(admin_client, project):
    response = post(admin_client, body(project, project=CloudProjectFactory().pk))

    assert response.status_code == 400


def test_the_sagas_list_filters_by_status_and_saga(admin_client):
    pending = SagaRunFactory()
    SagaRunFactory(status="failed", finished_at=pending.created_at)

    response = admin_client.get("/api/v1/provisioning/sagas", {"status": "pending"})

    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [pending.pk]
    bad = admin_client.get("/api/v1/provisioning/sagas", {"state": "pending"})
    assert bad.status_code == 400  # an unknown filter is refused, not ignored


def test_one_saga_shows_its_steps_as_they_run(admin_client, sim, tenant_project):
    started = post(admin_client, body(tenant_project, tags=[]), key="k")
    drive(started.json()["id"])

    saga = admin_client.get(f"/api/v1/provisioning/sagas/{started.json()['id']}").json()

    assert saga["status"] == "succeeded" and saga["progress"] == {"done": 6, "total": 6}
    assert saga["steps"][0]["action_id"] is not None
    assert {s["status"] for s in saga["steps"]} == {"succeeded", "skipped"}  # no tags to add


def test_reverting_a_drift_answers_202_and_the_drift_shows_its_saga(admin_client):
    drift = DriftFactory(
        field="name",
        expected="web-1",
        actual="web-one",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )

    response = admin_client.post(f"/api/v1/drift/{drift.pk}/revert")

    assert response.status_code == 202, response.content
    saga = response.json()
    assert saga["saga"] == "rename_droplet" and saga["drift"] == drift.pk
    assert saga["params"] == {"name": "web-1"}
    shown = admin_client.get(f"/api/v1/drift/{drift.pk}").json()
    assert shown["revert_saga"] == {
        "id": saga["id"],
        "status": "pending",
        "current_step": "",
        "last_error": "",
    }
    again = admin_client.post(f"/api/v1/drift/{drift.pk}/revert")
    assert again.status_code == 202 and again.json()["id"] == saga["id"]


def test_reverting_a_resolved_drift_is_a_409(admin_client):
    drift = DriftFactory(status=DriftStatus.STALE, resolved_at=SagaRunFactory().created_at)

    response = admin_client.post(f"/api/v1/drift/{drift.pk}/revert")

    assert response.status_code == 409
    assert response.json()["code"] == "drift_not_open"


def test_reverting_a_field_no_saga_can_change_is_a_400(admin_client):
    drift = DriftFactory(field="region", expected="nyc3", actual="sfo3")

    response = admin_client.post(f"/api/v1/drift/{drift.pk}/revert")

    assert response.status_code == 400
    assert "cannot be reverted" in response.json()["detail"]


def test_the_drift_inbox_shows_no_saga_for_a_drift_never_reverted(admin_client):
    DriftFactory()

    [row] = admin_client.get("/api/v1/drift").json()["results"]

    assert row["revert_saga"] is None


def test_accepting_a_drift_whose_revert_is_running_is_a_409_and_writes_nothing(admin_client):
    drift = DriftFactory(
        field="name",
        expected="web-1",
        actual="web-one",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )
    assert admin_client.post(f"/api/v1/drift/{drift.pk}/revert").status_code == 202
    events = CloudResourceEvent.objects.filter(resource=drift.resource).count()

    response = admin_client.post(
        f"/api/v1/drift/{drift.pk}/accept", {"comment": "keep it"}, format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "revert_in_progress"
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and drift.comment == ""
    assert Provisioned.objects.get(pk=drift.provisioned_id).spec == {"name": "web-1"}
    assert Provisioned.objects.get(pk=drift.provisioned_id).spec_version == 1
    assert CloudResourceEvent.objects.filter(resource=drift.resource).count() == events


def test_a_revert_keeps_the_comment_given_with_it(admin_client):
    drift = DriftFactory(
        field="name",
        expected="web-1",
        actual="web-one",
        provisioned=ProvisionedFactory(spec={"name": "web-1"}),
    )

    response = admin_client.post(
        f"/api/v1/drift/{drift.pk}/revert",
        {"comment": "renamed by hand during the outage"},
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    drift.refresh_from_db()
    assert drift.comment == "renamed by hand during the outage"


def test_a_revert_comment_that_is_not_text_is_a_400_naming_it(admin_client):
    drift = DriftFactory(field="name", provisioned=ProvisionedFactory(spec={"name": "web-1"}))
    response = admin_client.post(
        f"/api/v1/drift/{drift.pk}/revert", {"comment": 7}, content_type="application/json"
    )
    assert response.status_code == 400 and "comment" in response.json()
