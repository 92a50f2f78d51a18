"""Specs and detection for every kind (DESIGN.md, "Detection"): a spec names a column or
a dotted path into `attrs` (`node_pools.worker.count`), and lists of objects (firewall
and forwarding rules) compare loosely: order never counts, objects key by key."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from arcadia.errors import InvalidInput
from drift.models import Drift, DriftStatus
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from drift.tests.conftest import open_drift, set_live
from inventory.models import CloudResource
from tenants.services import issue_api_token
from tests.factories import CloudResourceFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db

SSH = {"protocol": "tcp", "ports": "22", "sources": {"addresses": ["10.0.0.0/8"]}}
WEB = {"protocol": "tcp", "ports": "443", "sources": {"addresses": ["0.0.0.0/0", "::/0"]}}
POOL = {"id": "p-1", "size": "s-2vcpu-4gb", "count": 3, "auto_scale": False}


def resource(kind: str, **attrs: Any) -> CloudResource:
    return CloudResourceFactory(
        kind=kind, size_slug="", status="", tags=[], attrs=attrs, provider_id=f"{kind}-1"
    )


@pytest.fixture
def cluster() -> CloudResource:
    return resource("kubernetes_cluster", version="1.31", node_pools={"worker": dict(POOL)})


@pytest.fixture
def firewall() -> CloudResource:
    return resource("firewall", inbound_rules=[SSH, WEB], outbound_rules=[])


def test_a_node_pool_field_is_a_dotted_path_into_attrs(cluster):
    record_provisioned(cluster, {"node_pools.worker.count": 3}, actor="test")
    assert detect_drift().opened == 0

    set_live(cluster, attrs={"node_pools": {"worker": {**POOL, "count": 5}}})
    detect_drift()

    [drift] = open_drift(cluster)
    assert (drift.field, drift.expected, drift.actual) == ("node_pools.worker.count", 3, 5)


def test_a_pool_missing_at_do_is_drift_with_no_actual_value(cluster):
    record_provisioned(cluster, {"node_pools.gpu.count": 1}, actor="test")

    detect_drift()

    [drift] = open_drift(cluster)
    assert drift.actual is None


def test_rules_in_another_order_or_with_sources_reordered_are_not_drift(firewall):
    reordered = {**WEB, "sources": {"addresses": ["::/0", "0.0.0.0/0"]}}
    record_provisioned(firewall, {"inbound_rules": [reordered, SSH]}, actor="test")

    assert detect_drift().opened == 0


def test_a_changed_rule_is_drift_on_the_whole_rule_list(firewall):
    record_provisioned(firewall, {"inbound_rules": [SSH, WEB]}, actor="test")
    opened = {**SSH, "sources": {"addresses": ["0.0.0.0/0"]}}
    set_live(firewall, attrs={"inbound_rules": [opened, WEB], "outbound_rules": []})

    detect_drift()

    [drift] = open_drift(firewall)
    assert drift.field == "inbound_rules" and drift.actual == [opened, WEB]


def test_a_rule_back_as_the_spec_wants_closes_the_drift_stale(firewall):
    record_provisioned(firewall, {"inbound_rules": [SSH, WEB]}, actor="test")
    set_live(firewall, attrs={"inbound_rules": [SSH], "outbound_rules": []})
    detect_drift()
    set_live(firewall, attrs={"inbound_rules": [WEB, SSH], "outbound_rules": []})

    detect_drift()

    assert Drift.objects.get(resource=firewall).status == DriftStatus.STALE


@pytest.mark.parametrize(
    "field", ["node_pools..count", ".node_pools", "node_pools.worker.", "name.first"]
)
def test_a_spec_field_that_cannot_name_a_live_value_is_refused(cluster, field):
    with pytest.raises(InvalidInput, match="Spec field"):
        record_provisioned(cluster, {field: 1}, actor="test")


def test_the_api_records_a_spec_for_any_kind_by_urn(cluster):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(PlatformAdminFactory())}")

    response = client.post(
        "/api/v1/provisioned",
        {"resource": cluster.urn, "spec": {"node_pools.worker.size": "s-2vcpu-4gb"}},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["spec"] == {"node_pools.worker.size": "s-2vcpu-4gb"}
    assert response.json()["resource"]["kind"] == "kubernetes_cluster"


def test_the_api_names_a_bad_spec_path(cluster):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(PlatformAdminFactory())}")

    response = client.post(
        "/api/v1/provisioned",
        {"resource": cluster.pk, "spec": {"node_pools..count": 2}},
        format="json",
    )

    assert response.status_code == 400
    assert "node_pools..count" in str(response.json())
