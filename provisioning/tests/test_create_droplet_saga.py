"""The create-droplet saga (DESIGN.md, "Provisioning"): create -> wait for the action ->
tag -> assign to the tenant's project -> `record_provisioned`."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from drift.models import Drift, Provisioned
from drift.services.detection import detect_drift
from inventory.models import CloudResource, CloudResourceEvent, EventType
from provisioning import engine, resume
from provisioning.models import SagaRun
from provisioning.sagas.create_droplet import saga_tag
from provisioning.services import start_create_droplet
from provisioning.tests.conftest import drive, step

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no `except
    Exception` catches it, the lease stays held."""


def start(tenant_project, **overrides: Any) -> SagaRun:
    request: dict[str, Any] = {
        "name": "gpu-worker-1",
        "region": "nyc3",
        "size": "s-2vcpu-4gb",
        "image": "ubuntu-24-04-x64",
        "tags": ["tenant:acme", "role:gpu"],
        "tenant_id": tenant_project.tenant_id,
        "idempotency_key": None,
        "actor": "test",
        "requested_via": "test",
        **overrides,
    }
    return start_create_droplet(**request).run


def droplets_named(sim, name: str) -> list[dict[str, Any]]:
    return [d for d in map(sim.state.droplet, sim.state.droplet_ids()) if d["name"] == name]


def test_create_runs_every_step_and_records_the_droplet_and_its_spec(sim, tenant_project):
    run = drive(start(tenant_project))

    assert run.status == "succeeded"
    assert [s.status for s in run.steps.order_by("index")] == ["succeeded"] * 6
    [live] = droplets_named(sim, "gpu-worker-1")
    assert live["status"] == "active"
    assert sorted(live["tags"]) == ["role:gpu", "tenant:acme"]
    resource = CloudResource.objects.get(provider_id=str(live["id"]))
    assert run.resource_id == resource.pk and run.droplet_id == live["id"]
    assert resource.project_id == tenant_project.pk  # in the tenant's project from the start
    assert Provisioned.objects.get(resource=resource).spec == {
        "name": "gpu-worker-1",
        "region": "nyc3",
        "size_slug": "s-2vcpu-4gb",
        "image.slug": "ubuntu-24-04-x64",
        "tags": ["role:gpu", "tenant:acme"],
    }


def test_the_droplet_lands_in_the_tenants_do_project(sim, tenant_project):
    run = drive(start(tenant_project))

    project = sim.state.projects[tenant_project.provider_id]
    assert sim.state.droplets[run.droplet_id].project_id == project.id


def test_the_saga_tag_is_gone_at_the_end_so_detection_finds_no_drift(sim, tenant_project):
    run = drive(start(tenant_project))

    assert saga_tag(run.pk) not in sim.state.droplet(run.droplet_id)["tags"]
    detect_drift()
    assert not Drift.objects.filter(resource_id=run.resource_id).exists()


def test_a_worker_killed_between_steps_resumes_without_a_second_droplet(
    sim, tenant_project, monkeypatch
):
    def kill_after_create(run: SagaRun, row) -> None:
        if row.name == "create":
            raise WorkerKilled

    monkeypatch.setattr(engine, "after_step_call", kill_after_create)
    run = start(tenant_project)
    with pytest.raises(WorkerKilled):
        engine.advance(run.pk, worker="doomed")
    monkeypatch.setattr(engine, "after_step_call", None)

    # DO made the droplet; our rows never heard of it, and the dead worker's lease holds.
    run.refresh_from_db()
    assert run.droplet_id is None and run.lease_owner.startswith("doomed/")
    assert step(run, "create").status == "running"
    assert len(droplets_named(sim, "gpu-worker-1")) == 1
    assert resume.due_run_ids() == []
    # The lease expires; the every-minute resume picks the run up.
    SagaRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now())
    assert resume.resume_due() == [run.pk]

    run = drive(run)

    assert run.status == "succeeded"
    [live] = droplets_named(sim, "gpu-worker-1")
    assert run.droplet_id == live["id"]
    create = step(run, "create")
    assert create.attempts == 2 and create.result["adopted"] is True


def test_a_create_action_that_errors_deletes_the_droplet(sim, tenant_project):
    sim.state.set_faults(action_errors=True)

    run = drive(start(tenant_project))

    assert run.status == "compensated"
    assert "errored" in run.last_error and run.current_step == "create"
    assert step(run, "wait_for_create").status == "failed"
    assert step(run, "create").status == "compensated"
    assert droplets_named(sim, "gpu-worker-1") == []


def test_a_create_refused_by_do_fails_and_leaves_nothing(sim, tenant_project):
    run = drive(start(tenant_project, size="no-such-size"))

    assert run.status == "compensated"
    assert step(run, "create").attempts == 1  # a 422 is never retried
    assert "DOUnprocessable" in run.last_error
    assert droplets_named(sim, "gpu-worker-1") == []


def test_a_create_saga_writes_its_events_once_it_has_a_droplet(sim, tenant_project):
    run = drive(start(tenant_project))

    events = CloudResourceEvent.objects.filter(resource_id=run.resource_id).order_by("id")
    assert [e.event for e in events] == [
        EventType.DISCOVERED,
        EventType.SPEC_RECORDED,
        EventType.SAGA_SUCCEEDED,
    ]
    assert {e.actor for e in events} == {f"saga:{run.pk}"}
