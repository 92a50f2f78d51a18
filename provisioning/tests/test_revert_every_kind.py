"""Drift revert for every revertible kind, end to end on the simulator (DESIGN.md,
"Revert"): provision a spec, change the resource behind our back at DO, sync, detect,
revert through the API, run the saga; the drift closes `reverted` and DO has the spec's
value again. A failing DO call compensates, and a volume shrink is refused."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from drift.models import Drift, DriftStatus
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from inventory.models import CloudResource, CloudResourceEvent, EventType
from inventory.services.sync import run_full_sync
from provisioning.models import SagaRun
from provisioning.tests.conftest import drive
from tenants.services import issue_api_token
from tests.factories import PlatformAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    token = issue_api_token(PlatformAdminFactory())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def synced(kind: str, provider_id: str) -> CloudResource:
    run = run_full_sync(kind)
    assert run.status == "completed", run.error
    return CloudResource.objects.get(kind=kind, provider_id=provider_id)


def drifted(
    sim: Any, kind: str, provider_id: str, spec: dict[str, Any], changes: dict[str, Any]
) -> Drift:
    """Record `spec` for the synced resource, apply `changes` at DO out of band, sync,
    detect; the one open drift."""
    resource = synced(kind, provider_id)
    record_provisioned(resource, spec, actor="test")
    assert detect_drift().opened == 0  # the spec held before the change
    sim.state.oob_resource_update(kind, provider_id, changes)
    synced(kind, provider_id)
    detect_drift()
    return Drift.objects.get(resource=resource, status=DriftStatus.OPEN)


def revert(api: APIClient, drift: Drift) -> SagaRun:
    response = api.post(f"/api/v1/drift/{drift.pk}/revert")
    assert response.status_code == 202, response.json()
    return drive(response.json()["id"])


def assert_reverted(drift: Drift, run: SagaRun) -> None:
    assert run.status == "succeeded", run.last_error
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED
    event = CloudResourceEvent.objects.get(resource=drift.resource, event=EventType.DRIFT_REVERTED)
    assert list(event.changes) == [drift.field]


# -- volume ---------------------------------------------------------------------------------


def test_a_shrunk_volume_spec_grows_it_back(sim, api):
    volume_id = sim.state.resource_ids("volume")[0]
    size = sim.state.resource("volume", volume_id)["size_gigabytes"]
    # Provisioned at size + 50; DO then reports it smaller (the simulator's hand, since
    # DO itself never shrinks one): the spec wants more than DO has.
    sim.state.oob_resource_update("volume", volume_id, {"size_gigabytes": size + 50})
    drift = drifted(
        sim, "volume", volume_id, {"size_gigabytes": size + 50}, {"size_gigabytes": size}
    )
    run = revert(api, drift)

    assert run.saga == "resize_volume"
    assert_reverted(drift, run)
    assert sim.state.resource("volume", volume_id)["size_gigabytes"] == size + 50
    live = CloudResource.objects.get(pk=drift.resource_id)
    assert live.attrs["size_gigabytes"] == size + 50  # the chokepoint saw it at once


def test_reverting_a_volume_grown_out_of_band_is_a_400_since_do_refuses_shrinking(sim, api):
    volume_id = sim.state.resource_ids("volume")[0]
    size = sim.state.resource("volume", volume_id)["size_gigabytes"]
    drift = drifted(
        sim, "volume", volume_id, {"size_gigabytes": size}, {"size_gigabytes": size + 100}
    )

    response = api.post(f"/api/v1/drift/{drift.pk}/revert")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "volume_shrink"
    assert "size_gigabytes" in body["detail"] and "shrinking a volume" in body["detail"]
    assert not SagaRun.objects.filter(drift=drift).exists()


def test_a_volume_resize_that_ends_errored_leaves_the_drift_open(sim, api):
    volume_id = sim.state.resource_ids("volume")[0]
    size = sim.state.resource("volume", volume_id)["size_gigabytes"]
    sim.state.oob_resource_update("volume", volume_id, {"size_gigabytes": size + 10})
    drift = drifted(
        sim, "volume", volume_id, {"size_gigabytes": size + 10}, {"size_gigabytes": size}
    )
    sim.state.set_faults(action_errors=True)

    run = revert(api, drift)

    assert run.status == "compensated"
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and "errored" in drift.error
    assert sim.state.resource("volume", volume_id)["size_gigabytes"] == size


# -- database -------------------------------------------------------------------------------


def _online_database(sim: Any) -> str:
    return next(
        d
        for d in sim.state.resource_ids("database")
        if sim.state.resource("database", d)["status"] == "online"
    )


def test_a_resized_database_is_resized_back_in_one_call(sim, api):
    db_id = _online_database(sim)
    live = sim.state.resource("database", db_id)
    spec = {"size_slug": live["size"], "num_nodes": live["num_nodes"]}
    other = "db-s-2vcpu-4gb" if live["size"] != "db-s-2vcpu-4gb" else "db-s-1vcpu-2gb"
    drift = drifted(sim, "database", db_id, spec, {"size": other})

    run = revert(api, drift)

    assert run.saga == "resize_database" and drift.field == "size_slug"
    assert_reverted(drift, run)
    after = sim.state.resource("database", db_id)
    assert (after["size"], after["num_nodes"]) == (live["size"], live["num_nodes"])


def test_a_database_resize_that_fails_is_compensated_and_the_drift_stays_open(sim, api):
    db_id = _online_database(sim)
    live = sim.state.resource("database", db_id)
    nodes = live["num_nodes"]
    other = 2 if nodes != 2 else 1
    drift = drifted(
        sim,
        "database",
        db_id,
        {"num_nodes": nodes, "size_slug": live["size"]},
        {"num_nodes": other},
    )
    sim.state.set_faults(action_errors=True)

    run = revert(api, drift)

    assert run.status == "compensated"
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and drift.error
    assert sim.state.resource("database", db_id)["num_nodes"] == other


# -- kubernetes -----------------------------------------------------------------------------


def _cluster_pool(sim: Any) -> tuple[str, dict[str, Any]]:
    cluster_id = sim.state.resource_ids("kubernetes_cluster")[0]
    pool = sim.state.resource("kubernetes_cluster", cluster_id)["node_pools"][0]
    return cluster_id, pool


def test_a_scaled_node_pool_is_scaled_back(sim, api):
    cluster_id, pool = _cluster_pool(sim)
    name, count = pool["name"], pool["count"]
    field = f"node_pools.{name}.count"
    drift = drifted(sim, "kubernetes_cluster", cluster_id, {field: count}, {field: count + 1})

    run = revert(api, drift)

    assert run.saga == "scale_node_pool"
    assert_reverted(drift, run)
    after = next(
        p
        for p in sim.state.resource("kubernetes_cluster", cluster_id)["node_pools"]
        if p["name"] == name
    )
    assert after["count"] == count and len(after["nodes"]) == count


def test_a_node_pool_of_another_size_is_replaced_by_a_pool_of_the_spec_size(sim, api):
    cluster_id, pool = _cluster_pool(sim)
    name, size, count = pool["name"], pool["size"], pool["count"]
    field = f"node_pools.{name}.size"
    other = "s-4vcpu-8gb" if size != "s-4vcpu-8gb" else "s-2vcpu-4gb"
    drift = drifted(sim, "kubernetes_cluster", cluster_id, {field: size}, {field: other})

    run = revert(api, drift)

    assert run.saga == "replace_node_pool"
    assert_reverted(drift, run)
    pools = sim.state.resource("kubernetes_cluster", cluster_id)["node_pools"]
    named = [p for p in pools if p["name"] == name]
    assert len(named) == 1 and named[0]["id"] != pool["id"]
    assert named[0]["size"] == size and named[0]["count"] == count
    assert all(p["id"] != pool["id"] for p in pools)  # the old pool is gone


def test_a_failed_pool_replacement_deletes_the_new_pool(sim, api, monkeypatch):
    from provisioning.sagas import kubernetes

    cluster_id, pool = _cluster_pool(sim)
    name, size = pool["name"], pool["size"]
    field = f"node_pools.{name}.size"
    other = "s-4vcpu-8gb" if size != "s-4vcpu-8gb" else "s-2vcpu-4gb"
    drift = drifted(sim, "kubernetes_cluster", cluster_id, {field: size}, {field: other})

    def nodes_never_come_up(self, ctx):
        raise kubernetes.StepFailed("the new pool's nodes never came up")

    monkeypatch.setattr(kubernetes.WaitForNewPool, "run", nodes_never_come_up)

    run = revert(api, drift)

    assert run.status == "compensated"
    pools = sim.state.resource("kubernetes_cluster", cluster_id)["node_pools"]
    assert [p["id"] for p in pools if p["name"].startswith(name)] == [pool["id"]]
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and "never came up" in drift.error


# -- firewall -------------------------------------------------------------------------------


def test_firewall_rules_changed_by_hand_are_replaced_by_the_specs(sim, api):
    fw_id = sim.state.resource_ids("firewall")[0]
    rules = sim.state.resource("firewall", fw_id)["inbound_rules"]
    opened = [*rules, {"protocol": "tcp", "ports": "3306", "sources": {"addresses": ["0.0.0.0/0"]}}]
    drift = drifted(sim, "firewall", fw_id, {"inbound_rules": rules}, {"inbound_rules": opened})

    run = revert(api, drift)

    assert run.saga == "update_firewall"
    assert_reverted(drift, run)
    live = sim.state.resource("firewall", fw_id)
    assert sorted(r["ports"] for r in live["inbound_rules"]) == sorted(r["ports"] for r in rules)


def test_a_refused_firewall_update_changes_nothing_and_leaves_the_drift_open(sim, api):
    fw_id = sim.state.resource_ids("firewall")[0]
    live = sim.state.resource("firewall", fw_id)
    # A spec DO refuses (a protocol it does not know): DO answers 422, the saga fails.
    bogus = [{"protocol": "gre", "ports": "1", "destinations": {"addresses": ["0.0.0.0/0"]}}]
    resource = synced("firewall", fw_id)
    record_provisioned(resource, {"outbound_rules": bogus}, actor="test")
    detect_drift()
    drift = Drift.objects.get(resource=resource, status=DriftStatus.OPEN)

    run = revert(api, drift)

    assert run.status == "compensated"
    assert sim.state.resource("firewall", fw_id)["outbound_rules"] == live["outbound_rules"]
    drift.refresh_from_db()
    assert drift.status == DriftStatus.OPEN and "DOUnprocessable" in drift.error


# -- reserved IP ----------------------------------------------------------------------------


def _ip_and_droplet(sim: Any) -> tuple[str, int]:
    """A reserved IP and a droplet in its region (made if the fleet has none there)."""
    ip = sim.state.resource_ids("reserved_ip")[0]
    region = sim.state.resource("reserved_ip", ip)["region"]["slug"]
    for droplet_id in sim.state.droplet_ids():
        if sim.state.droplet(droplet_id)["region"]["slug"] == region:
            return ip, droplet_id
    droplet = sim.state.add_droplet(
        name="ip-target",
        size="s-1vcpu-1gb",
        region=region,
        image="ubuntu-24-04-x64",
        tags=[],
        project_id=sim.state.default_project().id,
        status="active",
    )
    return ip, droplet.id


def test_a_reserved_ip_moved_by_hand_is_assigned_back(sim, api):
    ip, droplet_id = _ip_and_droplet(sim)
    sim.state.oob_resource_update("reserved_ip", ip, {"droplet_id": droplet_id})
    drift = drifted(sim, "reserved_ip", ip, {"droplet_id": droplet_id}, {"droplet_id": None})

    run = revert(api, drift)

    assert run.saga == "reassign_reserved_ip"
    assert_reverted(drift, run)
    assert sim.state.resource("reserved_ip", ip)["droplet"]["id"] == droplet_id


def test_a_reserved_ip_assigned_by_hand_is_unassigned_for_a_null_spec(sim, api):
    ip, droplet_id = _ip_and_droplet(sim)
    sim.state.oob_resource_update("reserved_ip", ip, {"droplet_id": None})
    drift = drifted(sim, "reserved_ip", ip, {"droplet_id": None}, {"droplet_id": droplet_id})

    run = revert(api, drift)

    assert_reverted(drift, run)
    assert sim.state.resource("reserved_ip", ip)["droplet"] is None


# -- load balancer --------------------------------------------------------------------------


def test_load_balancer_forwarding_rules_changed_by_hand_are_put_back(sim, api):
    lb_id = sim.state.resource_ids("load_balancer")[0]
    rules = sim.state.resource("load_balancer", lb_id)["forwarding_rules"]
    extra = {
        "entry_protocol": "tcp",
        "entry_port": 5432,
        "target_protocol": "tcp",
        "target_port": 5432,
        "certificate_id": "",
        "tls_passthrough": False,
    }
    drift = drifted(
        sim,
        "load_balancer",
        lb_id,
        {"forwarding_rules": rules},
        {"forwarding_rules": [*rules, extra]},
    )

    run = revert(api, drift)

    assert run.saga == "update_load_balancer"
    assert_reverted(drift, run)
    live = sim.state.resource("load_balancer", lb_id)["forwarding_rules"]
    assert sorted(r["entry_port"] for r in live) == sorted(r["entry_port"] for r in rules)


def test_a_load_balancer_resized_by_hand_is_resized_back(sim, api):
    lb_id = next(
        i
        for i in sim.state.resource_ids("load_balancer")
        if "size" in sim.state.resource("load_balancer", i)
    )
    size = sim.state.resource("load_balancer", lb_id)["size"]
    other = "lb-medium" if size != "lb-medium" else "lb-small"
    drift = drifted(sim, "load_balancer", lb_id, {"size_slug": size}, {"size": other})

    run = revert(api, drift)

    assert_reverted(drift, run)
    assert sim.state.resource("load_balancer", lb_id)["size"] == size


# -- what stays not revertible --------------------------------------------------------------


def test_a_field_of_a_kind_no_saga_changes_is_a_400_naming_it(sim, api):
    volume_id = sim.state.resource_ids("volume")[0]
    live = sim.state.resource("volume", volume_id)
    drift = drifted(
        sim,
        "volume",
        volume_id,
        {"description": live.get("description") or ""},
        {"description": "changed by hand"},
    )

    response = api.post(f"/api/v1/drift/{drift.pk}/revert")

    assert response.status_code == 400
    assert "'description' cannot be reverted" in response.json()["detail"]
    assert "size_gigabytes" in response.json()["detail"]


# -- resumed after a crash: no DO call twice ------------------------------------------------


class WorkerKilled(BaseException):
    pass


def kill_after(monkeypatch: pytest.MonkeyPatch, step_name: str) -> None:
    """The worker dies right after `step_name` made its DO call, before its outcome is
    recorded (the engine's test hook)."""
    from provisioning import engine

    def hook(run: SagaRun, row: Any) -> None:
        if row.name == step_name:
            monkeypatch.setattr(engine, "after_step_call", None)
            raise WorkerKilled

    monkeypatch.setattr(engine, "after_step_call", hook)


def start_and_kill(api: APIClient, drift: Drift, monkeypatch, step_name: str) -> SagaRun:
    from django.utils import timezone

    from provisioning import engine

    response = api.post(f"/api/v1/drift/{drift.pk}/revert")
    run_id = response.json()["id"]
    kill_after(monkeypatch, step_name)
    with pytest.raises(WorkerKilled):
        engine.advance(run_id, worker="doomed")
    SagaRun.objects.filter(pk=run_id).update(lease_expires_at=timezone.now())
    return drive(run_id)


def test_a_volume_resize_resumed_after_a_crash_is_not_sent_twice(sim, api, monkeypatch):
    volume_id = sim.state.resource_ids("volume")[0]
    size = sim.state.resource("volume", volume_id)["size_gigabytes"]
    sim.state.oob_resource_update("volume", volume_id, {"size_gigabytes": size + 20})
    drift = drifted(
        sim, "volume", volume_id, {"size_gigabytes": size + 20}, {"size_gigabytes": size}
    )

    run = start_and_kill(api, drift, monkeypatch, "resize_volume")

    assert_reverted(drift, run)
    resizes = [
        a
        for a in sim.state.resource_actions.values()
        if a["_target"] == volume_id and a["type"] == "resize"
    ]
    assert len(resizes) == 1
    assert run.steps.get(name="resize_volume").attempts == 2


def test_a_reserved_ip_assign_resumed_after_a_crash_is_not_sent_twice(sim, api, monkeypatch):
    ip, droplet_id = _ip_and_droplet(sim)
    sim.state.oob_resource_update("reserved_ip", ip, {"droplet_id": droplet_id})
    drift = drifted(sim, "reserved_ip", ip, {"droplet_id": droplet_id}, {"droplet_id": None})

    run = start_and_kill(api, drift, monkeypatch, "reassign")

    assert_reverted(drift, run)
    assigns = [a for a in sim.state.resource_actions.values() if a["_target"] == ip]
    assert [a["type"] for a in assigns] == ["assign_ip"]
