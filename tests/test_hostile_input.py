"""Hostile bodies and headers (issue 10, part 2): every one is a 400 (or 413) naming what
was refused, never a 500, and a refused request writes nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from billing.models import Invoice, InvoiceStatus
from drift.models import Drift, DriftStatus, Provisioned
from drift.services.provisioned import record_provisioned
from inventory.models import CloudResourceEvent
from provisioning.models import SagaRun
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
)

pytestmark = pytest.mark.django_db

DROPLETS = "/api/v1/provisioning/droplets"


@pytest.fixture
def admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(PlatformAdminFactory())
    return client


@pytest.fixture
def drift() -> Drift:
    return DriftFactory()


@pytest.fixture
def invoice() -> Invoice:
    project = CloudProjectFactory()
    return Invoice.objects.create(
        tenant=project.tenant,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 1),
        status=InvoiceStatus.FINALIZED,
        rule="per_second",
        number="ARC-202603-00001",
        subtotal=Decimal("0"),
        total=Decimal("0"),
    )


def written() -> dict[str, Any]:
    """Everything a refused request could have written."""
    return {
        "provisioned": list(Provisioned.objects.values_list("id", "spec", "spec_version")),
        "events": CloudResourceEvent.objects.count(),
        "drift": list(Drift.objects.values_list("id", "status", "comment")),
        "sagas": SagaRun.objects.count(),
        "invoices": list(Invoice.objects.values_list("id", "status", "void_reason")),
    }


def post_raw(client: APIClient, url: str, raw: str, **headers: str):
    return client.post(url, raw, content_type="application/json", **headers)


def droplet_body(**overrides: Any) -> dict[str, Any]:
    project = CloudProjectFactory()
    return {
        "name": "web-9",
        "region": "nyc3",
        "size": "s-1vcpu-1gb",
        "image": "ubuntu-24-04-x64",
        "tenant": project.tenant_id,
        **overrides,
    }


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


# --- JSON nested too deep -------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("endpoint", ["provisioned", "accept", "void", "droplets"])
def test_json_nested_too_deep_is_a_400_parse_error(admin, drift, invoice, endpoint, depth):
    url = {
        "provisioned": "/api/v1/provisioned",
        "accept": f"/api/v1/drift/{drift.pk}/accept",
        "void": f"/api/v1/billing/invoices/{invoice.pk}/void",
        "droplets": DROPLETS,
    }[endpoint]
    before = written()

    response = post_raw(admin, url, nested(depth))

    assert response.status_code == 400, response.content
    assert "JSON parse error" in response.json()["detail"]
    assert written() == before


def test_a_spec_nested_deeper_than_32_is_a_400_naming_spec(admin):
    resource = CloudResourceFactory()
    before = written()

    too_deep = f'{{"resource": "{resource.urn}", "spec": {nested(33)}}}'
    response = post_raw(admin, "/api/v1/provisioned", too_deep)

    assert response.status_code == 400, response.content
    assert "32" in response.json()["spec"][0]
    assert written() == before


def test_a_spec_nested_32_deep_is_recorded(admin):
    resource = CloudResourceFactory()

    body = f'{{"resource": "{resource.urn}", "spec": {nested(32)}}}'
    response = post_raw(admin, "/api/v1/provisioned", body)

    assert response.status_code == 201, response.content
    assert Provisioned.objects.get(resource=resource).spec == json.loads(nested(32))


# --- NUL and lone surrogates ----------------------------------------------------------


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff", "x\\u0000y"])
@pytest.mark.parametrize(
    "spec_template",
    [
        '{{"size_slug": "{bad}"}}',
        '{{"{bad}": "s-1vcpu-1gb"}}',
        '{{"tags": ["web", "{bad}"]}}',
        '{{"image": {{"{bad}": {{"slug": 1}}}}}}',
    ],
    ids=["value", "key", "in-list", "nested-key"],
)
def test_nul_or_lone_surrogate_in_a_spec_is_a_400_naming_spec(admin, spec_template, bad):
    resource = CloudResourceFactory()
    before = written()

    spec = spec_template.format(bad=bad)
    response = post_raw(
        admin, "/api/v1/provisioned", f'{{"resource": "{resource.urn}", "spec": {spec}}}'
    )

    assert response.status_code == 400, response.content
    assert "spec" in response.json()
    assert written() == before


def test_a_surrogate_pair_in_a_spec_is_one_character_and_is_recorded(admin):
    resource = CloudResourceFactory()

    body = f'{{"resource": "{resource.urn}", "spec": {{"name": "web-\\ud83d\\ude80"}}}}'
    response = post_raw(admin, "/api/v1/provisioned", body)

    assert response.status_code == 201, response.content
    assert Provisioned.objects.get(resource=resource).spec == {"name": "web-\U0001f680"}


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"])
def test_record_provisioned_refuses_nul_and_lone_surrogates_whoever_calls_it(bad):
    # The management command and sagas call the service directly, with no serializer.
    resource = CloudResourceFactory()
    before = written()

    with pytest.raises(Exception) as refused:
        record_provisioned(resource, {"name": bad}, actor="test")

    assert getattr(refused.value, "field", None) == "spec"
    assert written() == before


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"])
@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("accept", "comment"), ("void", "reason"), ("droplets", "name"), ("droplets", "tags")],
)
def test_nul_or_lone_surrogate_in_a_text_field_is_a_400_naming_it(
    admin, drift, invoice, endpoint, field, bad
):
    before = written()
    value: Any = f'"{bad}"' if field != "tags" else f'["{bad}"]'
    if endpoint == "droplets":
        body = droplet_body()
        body.pop(field, None)
        raw = json.dumps(body)[:-1] + f', "{field}": {value}}}'
        before = written()
        response = post_raw(admin, DROPLETS, raw)
    else:
        url = {
            "accept": f"/api/v1/drift/{drift.pk}/accept",
            "void": f"/api/v1/billing/invoices/{invoice.pk}/void",
        }[endpoint]
        response = post_raw(admin, url, f'{{"{field}": {value}}}')

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


# --- values that are not strings ------------------------------------------------------


@pytest.mark.parametrize("value", [123, 1.5, True, ["a"], {"a": 1}])
def test_a_comment_must_be_a_string(admin, drift, value):
    before = written()

    response = admin.post(f"/api/v1/drift/{drift.pk}/accept", {"comment": value}, format="json")

    assert response.status_code == 400, response.content
    assert "comment" in response.json()
    assert Drift.objects.get(pk=drift.pk).status == DriftStatus.OPEN
    assert written() == before


def test_a_void_reason_must_be_a_string(admin, invoice):
    before = written()

    response = admin.post(
        f"/api/v1/billing/invoices/{invoice.pk}/void", {"reason": 123}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "reason" in response.json()
    assert written() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 123),
        ("region", 1),
        ("size", False),
        ("image", 12.5),
        ("tags", [1, 2]),
        ("tenant", "TENANT_AS_STRING"),
        ("tenant", True),
        ("tenant", 10**20),
        ("tenant", 0),
        ("project", 2.5),
        ("project", 2**63),
    ],
)
def test_droplet_fields_take_their_own_json_type_only(admin, field, value):
    body = droplet_body()
    # A real tenant's id as a string: DRF's IntegerField would take it as that tenant.
    body[field] = str(body["tenant"]) if value == "TENANT_AS_STRING" else value
    before = written()

    response = admin.post(DROPLETS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_a_provisioned_resource_is_an_id_or_a_urn_not_another_type(admin):
    resource = CloudResourceFactory()
    before = written()

    for reference in (True, 1.0, [resource.pk], None):
        response = admin.post(
            "/api/v1/provisioned", {"resource": reference, "spec": {"a": 1}}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "resource" in response.json()
    assert written() == before

    by_id = admin.post(
        "/api/v1/provisioned", {"resource": resource.pk, "spec": {"a": 1}}, format="json"
    )
    assert by_id.status_code == 201, by_id.content


# --- headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "café",
        # What a WSGI server hands Django for the UTF-8 bytes of "café" (PEP 3333: latin-1).
        "café".encode().decode("latin-1"),
        "tab\tkey",
        "bell\x07",
        "del\x7f",
    ],
)
def test_a_non_ascii_or_non_printable_idempotency_key_is_a_400_naming_the_header(admin, key):
    body = droplet_body()
    before = written()

    response = admin.post(DROPLETS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()
    assert written() == before


# --- size -----------------------------------------------------------------------------


def test_a_json_body_larger_than_the_upload_limit_is_a_413_in_json(admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    resource = CloudResourceFactory()
    before = written()

    body = {"resource": resource.urn, "spec": {"name": "x" * 2_000}}
    response = admin.post("/api/v1/provisioned", body, format="json")

    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"
    assert written() == before


def test_a_form_body_to_the_api_is_refused_in_json(admin, drift):
    before = written()

    response = admin.post(f"/api/v1/drift/{drift.pk}/accept", {"comment": "x"}, format="multipart")

    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/json"
    assert written() == before


@pytest.mark.django_db
def test_a_fullwidth_reference_is_not_an_id():
    """A fullwidth id (U+FF11...) is not an id: ids are ASCII digits only."""
    from arcadia.errors import NotFound
    from drift.selectors import find_resource
    from tenants.services import find_tenant
    from tests.factories import CloudResourceFactory, TenantFactory

    resource = CloudResourceFactory()
    tenant = TenantFactory()
    fullwidth = lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n))  # noqa: E731
    assert find_resource(str(resource.pk)) == resource
    with pytest.raises(NotFound):
        find_resource(fullwidth(resource.pk))
    with pytest.raises(NotFound):
        find_tenant(fullwidth(tenant.pk))
