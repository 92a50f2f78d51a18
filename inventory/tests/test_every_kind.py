"""Every kind end to end against the simulator (DESIGN.md, "Kinds"): discovered, a
re-sync writes nothing, an out-of-band change is an `updated` event and a volatile one
is not, a deleted resource is struck three times and tombstoned, a seen-again one is
restored, and each lands in its DO project through the project's resource URNs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from do_simulator.resource_kinds import ARCADIA_KIND
from inventory.models import CloudResource, CloudResourceEvent, EventType, Kind, SyncRun
from inventory.services.sync import run_full_sync

pytestmark = pytest.mark.django_db

# Arcadia kind -> (simulator store, out-of-band change, the change's key in `changes`).
CHANGES: dict[str, tuple[str, dict[str, Any], str]] = {
    Kind.VOLUME: ("volume", {"description": "logs, grown"}, "description"),
    Kind.SNAPSHOT: ("snapshot", {"name": "renamed-snapshot"}, "name"),
    Kind.NFS_SHARE: ("nfs_share", {"size_gib": 4096}, "size_gib"),
    Kind.LOAD_BALANCER: ("load_balancer", {"size_unit": 4}, "size_unit"),
    Kind.RESERVED_IP: ("reserved_ip", {"droplet_id": None}, "droplet_id"),
    Kind.FIREWALL: ("firewall", {"inbound_rules.0.ports": "2222"}, "inbound_rules"),
    Kind.DOMAIN: ("domain", {"ttl": 60}, "ttl"),
    Kind.VPC: ("vpc", {"description": "now documented"}, "description"),
    Kind.CDN_ENDPOINT: ("cdn_endpoint", {"ttl": 86400}, "ttl"),
    Kind.CERTIFICATE: ("certificate", {"not_after": "2027-02-01T00:00:00Z"}, "not_after"),
    Kind.DATABASE: ("database", {"num_nodes": 3}, "num_nodes"),
    Kind.KUBERNETES_CLUSTER: ("kubernetes_cluster", {"node_pools.0.count": 9}, "node_pools"),
    Kind.APP: ("app", {"spec.services.0.instance_count": 7}, "spec"),
    Kind.CONTAINER_REGISTRY: (
        "container_registry",
        {"subscription.tier.slug": "professional"},
        "subscription_tier",
    ),
    Kind.VECTOR_DATABASE: ("vector_database", {"size": "vdb-s-4vcpu-8gb"}, "size_slug"),
    Kind.DEDICATED_INFERENCE: ("dedicated_inference", {"vpc_uuid": str(uuid.uuid4())}, "vpc_uuid"),
    Kind.GENAI_AGENT: ("genai_agent", {"instruction": "Answer in one line."}, "instruction"),
    Kind.KNOWLEDGE_BASE: ("knowledge_base", {"is_public": True}, "is_public"),
    Kind.AUTOSCALE_POOL: ("autoscale_pool", {"config.max_instances": 9}, "config"),
}

# Fields the normalizers leave out: DO moving them is no event.
VOLATILE: dict[str, dict[str, Any]] = {
    Kind.CONTAINER_REGISTRY: {"storage_usage_bytes": 123456789},
    Kind.DATABASE: {"connection.password": "rotated"},
    Kind.KUBERNETES_CLUSTER: {"status.message": "upgrading control plane"},
    Kind.AUTOSCALE_POOL: {"current_utilization.cpu": 0.97},
    Kind.VECTOR_DATABASE: {"updated_at": "2027-01-01T00:00:00Z"},
    Kind.DOMAIN: {"zone_file": "; rewritten by DO"},
}

NON_DROPLET = sorted(CHANGES)


def sync(client, kind: str) -> SyncRun:
    return run_full_sync(kind, client=client, trigger="test")


def sim_ids(sim, kind: str) -> set[str]:
    stores = [name for name, arcadia in ARCADIA_KIND.items() if arcadia == kind]
    return {rid for name in stores for rid in sim.state.resource_ids(name)}


def first_id(sim, kind: str) -> str:
    return sorted(sim.state.resource_ids(CHANGES[kind][0]))[0]


def test_every_kind_has_a_change_case():
    assert set(NON_DROPLET) | {Kind.DROPLET} == set(Kind.values)


@pytest.mark.parametrize("kind", NON_DROPLET)
def test_kind_is_discovered_and_a_resync_writes_nothing(kind, simulator, do):
    run = sync(do, kind)

    assert run.status == SyncRun.Status.COMPLETED, run.error
    mirrored = set(CloudResource.objects.filter(kind=kind).values_list("provider_id", flat=True))
    assert mirrored == sim_ids(simulator, kind) and mirrored
    assert run.discovered == len(mirrored)
    events = CloudResourceEvent.objects.count()

    again = sync(do, kind)

    assert again.status == SyncRun.Status.COMPLETED
    assert (again.discovered, again.updated, again.restored, again.struck) == (0, 0, 0, 0)
    assert CloudResourceEvent.objects.count() == events


@pytest.mark.parametrize("kind", NON_DROPLET)
def test_out_of_band_change_is_an_updated_event(kind, simulator, do):
    store, change, key = CHANGES[kind]
    rid = first_id(simulator, kind)
    if kind == Kind.RESERVED_IP and simulator.state.resource(store, rid).get("droplet") is None:
        change = {"droplet_id": simulator.state.droplet_ids()[0]}
    if kind == Kind.DATABASE:
        change = {"num_nodes": simulator.state.resource(store, rid)["num_nodes"] % 3 + 1}
    sync(do, kind)

    simulator.state.oob_resource_update(store, rid, change)
    run = sync(do, kind)

    resource = CloudResource.objects.get(kind=kind, provider_id=rid)
    update = resource.events.get(event=EventType.UPDATED)
    assert run.updated == 1
    assert key in update.changes
    assert update.changes[key][0] != update.changes[key][1]


@pytest.mark.parametrize("kind", sorted(VOLATILE))
def test_a_volatile_field_moving_is_no_event(kind, simulator, do):
    store = CHANGES[kind][0]
    sync(do, kind)
    events = CloudResourceEvent.objects.count()

    simulator.state.oob_resource_update(store, first_id(simulator, kind), VOLATILE[kind])
    run = sync(do, kind)

    assert run.updated == 0
    assert CloudResourceEvent.objects.count() == events


@pytest.mark.parametrize("kind", NON_DROPLET)
def test_deleted_resource_is_struck_three_times_and_tombstoned(kind, simulator, do):
    store = CHANGES[kind][0]
    rid = first_id(simulator, kind)
    sync(do, kind)
    simulator.state.oob_resource_delete(store, rid)

    strikes = []
    for _ in range(3):
        assert sync(do, kind).status == SyncRun.Status.COMPLETED
        strikes.append(CloudResource.objects.get(kind=kind, provider_id=rid).stale_strike_count)

    resource = CloudResource.objects.get(kind=kind, provider_id=rid)
    assert strikes == [1, 2, 3]
    assert resource.deleted_at is not None
    assert resource.events.filter(event=EventType.DELETED).count() == 1
    # Nothing else of the kind was struck.
    assert CloudResource.objects.filter(kind=kind, stale_strike_count__gt=0).count() == 1


@pytest.mark.parametrize("kind", NON_DROPLET)
def test_tombstoned_resource_seen_again_is_restored(kind, simulator, do):
    rid = first_id(simulator, kind)
    sync(do, kind)
    row = CloudResource.objects.get(kind=kind, provider_id=rid)
    CloudResource.objects.filter(pk=row.pk).update(
        deleted_at=row.last_seen_at, stale_strike_count=3
    )

    run = sync(do, kind)

    row.refresh_from_db()
    assert run.restored == 1
    assert row.deleted_at is None and row.stale_strike_count == 0
    assert row.events.filter(event=EventType.RESTORED).count() == 1


@pytest.mark.parametrize(
    "kind",
    [
        Kind.VOLUME,
        Kind.DATABASE,
        Kind.LOAD_BALANCER,
        Kind.KUBERNETES_CLUSTER,
        Kind.RESERVED_IP,
        Kind.DOMAIN,
        Kind.VPC,
    ],
)
def test_resources_land_in_their_do_project_through_its_resource_urns(kind, simulator, do):
    sync(do, kind)

    resources = CloudResource.objects.filter(kind=kind).select_related("project")
    assert resources
    for resource in resources:
        store = next(
            name
            for name, arcadia in ARCADIA_KIND.items()
            if arcadia == kind and resource.provider_id in simulator.state.resource_ids(name)
        )
        expected = simulator.state.resources[store][resource.provider_id]["_project_id"]
        assert resource.project is not None and resource.project.provider_id == expected


@pytest.mark.parametrize(
    "kind", [Kind.FIREWALL, Kind.CONTAINER_REGISTRY, Kind.CDN_ENDPOINT, Kind.GENAI_AGENT]
)
def test_a_kind_do_puts_in_no_project_has_none(kind, simulator, do):
    # DO's project resource URNs name droplets, volumes, load balancers, databases,
    # clusters, reserved IPs, domains, VPCs and Spaces only (shared/attributes/urn.yml).
    sync(do, kind)
    resources = CloudResource.objects.filter(kind=kind)
    assert resources and all(r.project_id is None for r in resources)


def test_a_non_droplet_resource_is_its_projects_tenants(simulator, do):
    from rest_framework.test import APIClient

    from inventory.services.projects import assign_tenant
    from tests.factories import TenantFactory, TenantUserFactory

    sync(do, Kind.DATABASE)
    database = CloudResource.objects.filter(kind=Kind.DATABASE).select_related("project")[0]
    tenant = TenantFactory(name="Acme")
    assign_tenant(database.project, tenant, actor="op")
    client = APIClient()
    client.force_authenticate(TenantUserFactory(tenants=[tenant]))

    listed = client.get("/api/v1/inventory/resources?kind=database").json()["results"]

    same_project = CloudResource.objects.filter(kind=Kind.DATABASE, project=database.project)
    assert {row["id"] for row in listed} == set(same_project.values_list("id", flat=True))
    assert all(row["tenant"] == tenant.pk for row in listed)
