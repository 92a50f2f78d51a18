"""The OpenAPI schema documents every endpoint under its canonical path, without warnings."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from arcadia.api import ApiRouter
from arcadia.viewsets import ScopedViewSet
from tenants.selectors import tenants_visible_to
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    TenantUserFactory,
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    out = tmp_path_factory.mktemp("schema") / "schema.yml"
    # --fail-on-warn: a view whose types spectacular has to guess fails the build.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/tenants",
        "/api/v1/inventory/projects",
        "/api/v1/inventory/resources",
        "/api/v1/inventory/resources/{id}",
        "/api/v1/inventory/resources/{id}/events",
        "/api/v1/inventory/sync-runs",
        "/api/v1/drift",
        "/api/v1/drift/{id}",
        "/api/v1/drift/{id}/accept",
        "/api/v1/provisioned",
    ],
)
def test_schema_documents_the_canonical_path(schema, path):
    assert path in schema["paths"]


def test_no_documented_path_ends_in_a_slash(schema):
    assert [p for p in schema["paths"] if p.endswith("/")] == []


# --- the schema and the API agree (issue 10, part 7) ------------------------------------
#
# tests/test_schemathesis.py checks every operation against the schema; these pin each
# finding it made, one rule per test.


def fullwidth(text: str) -> str:
    """`"12"` in fullwidth digits (U+FF10..U+FF19): `int()` and `\\d` take them."""
    return "".join(chr(0xFF10 + int(c)) if c.isascii() and c.isdigit() else c for c in text)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def query_params(schema, path, method="get"):
    return {
        p["name"]: p
        for p in schema["paths"][path][method].get("parameters", [])
        if p["in"] == "query"
    }


def component(schema, name):
    return schema["components"]["schemas"][name]


@pytest.fixture
def admin():
    client = APIClient()
    client.force_authenticate(PlatformAdminFactory())
    return client


def refused(response, parameter):
    assert response.status_code == 400, response.content
    assert parameter in response.json(), response.json()
    return response.json()[parameter]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/billing/invoices",
        "/api/v1/billing/reconciliations",
        "/api/v1/inventory/sync-runs",
        "/api/v1/provisioned",
        "/api/v1/provisioning/sagas",
        "/api/v1/inventory/resources/{id}/events",
    ],
)
def test_search_is_not_documented_where_there_is_none(schema, path):
    assert "search" not in query_params(schema, path)


@pytest.mark.django_db
def test_every_documented_search_is_accepted(schema, admin):
    searchable = [
        path
        for path, method, _ in operations(schema)
        if method == "get" and "search" in query_params(schema, path, method)
    ]
    assert searchable == [
        "/api/v1/inventory/projects",
        "/api/v1/inventory/resources",
        "/api/v1/tenants",
    ]
    for path in searchable:
        assert admin.get(path, {"search": "web"}).status_code == 200, path


@pytest.mark.parametrize(
    ("component_name", "field"),
    [
        ("Project", "tenant"),
        ("Project", "tenant_name"),
        ("Resource", "tenant"),
        ("Resource", "project_name"),
    ],
)
def test_fields_that_come_back_null_are_nullable(schema, component_name, field):
    assert component(schema, component_name)["properties"][field].get("nullable") is True


@pytest.mark.django_db
def test_an_unassigned_project_and_its_resource_show_a_null_tenant(admin):
    project = CloudProjectFactory(tenant=None)
    resource = CloudResourceFactory(project=project)
    shown = admin.get(f"/api/v1/inventory/projects/{project.pk}").json()
    assert (shown["tenant"], shown["tenant_name"]) == (None, None)
    assert admin.get(f"/api/v1/inventory/resources/{resource.pk}").json()["tenant"] is None


def test_every_operation_documents_its_json_errors(schema):
    assert component(schema, "Error")["type"] == "object"
    for path, method, operation in operations(schema):
        for code in ("400", "401", "403", "404", "429"):
            response = operation["responses"].get(code)
            assert response is not None, (method, path, code)
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, code)


@pytest.mark.django_db
def test_a_tenant_on_an_admin_route_gets_the_documented_json_403(schema):
    client = APIClient()
    client.force_authenticate(TenantUserFactory())
    response = client.get("/api/v1/drift")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "403" in schema["paths"]["/api/v1/drift"]["get"]["responses"]


@pytest.mark.django_db
def test_a_page_past_the_last_is_a_documented_404(schema, admin):
    response = admin.get("/api/v1/tenants", {"page": 2})
    assert response.status_code == 404
    assert (
        "past the last"
        in schema["paths"]["/api/v1/tenants"]["get"]["responses"]["404"]["description"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("/api/v1/inventory/projects", "unassigned", "junk"),
        ("/api/v1/inventory/projects", "is_default", "junk"),
        ("/api/v1/inventory/resources", "include_deleted", "maybe"),
        ("/api/v1/inventory/resources", "ordering", "nope"),
        ("/api/v1/inventory/resources", "ordering", "name,"),
        ("/api/v1/inventory/resources", "page_size", "false"),
        ("/api/v1/inventory/resources", "page_size", "0"),
        ("/api/v1/inventory/resources", "page_size", "501"),
        ("/api/v1/inventory/resources", "page", "0"),
        ("/api/v1/inventory/resources", "page", "last"),
        ("/api/v1/inventory/resources", "project", "2.5"),
        ("/api/v1/inventory/resources", "project", "2.0"),
        ("/api/v1/inventory/resources", "project", fullwidth("2")),
        ("/api/v1/inventory/resources", "tenant", "1e51"),
        ("/api/v1/inventory/resources", "tenant", "0"),
        ("/api/v1/inventory/resources", "tenant", str(2**63)),
        ("/api/v1/inventory/resources", "kind", ""),
        ("/api/v1/inventory/resources", "search", "\x00"),
        ("/api/v1/drift", "tenant", "1.5"),
        ("/api/v1/drift", "ordering", "-nope"),
        ("/api/v1/provisioning/sagas", "resource", "x"),
        ("/api/v1/billing/invoices", "tenant", "2.5"),
        ("/api/v1/billing/invoices", "month", fullwidth("2026-03")),
        ("/api/v1/billing/invoices", "ordering", "tenant"),
    ],
)
def test_a_malformed_query_value_is_a_400_naming_the_parameter(admin, path, parameter, value):
    refused(admin.get(path, {parameter: value}), parameter)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameter", "value"), [("page_size", "-1"), ("page", "x"), ("search", "a")]
)
def test_a_resources_events_take_paging_only(admin, parameter, value):
    resource = CloudResourceFactory()
    path = f"/api/v1/inventory/resources/{resource.pk}/events"
    assert admin.get(path, {"page_size": 10}).status_code == 200
    refused(admin.get(path, {parameter: value}), parameter)


@pytest.mark.django_db
def test_a_malformed_value_is_refused_even_when_the_list_is_empty_otherwise(admin):
    # `?project=2.5` once meant project 2: now nothing is guessed.
    project = CloudProjectFactory()
    CloudResourceFactory(project=project)
    refused(admin.get("/api/v1/inventory/resources", {"project": f"{project.pk}.5"}), "project")
    listed = admin.get("/api/v1/inventory/resources", {"project": project.pk})
    assert listed.json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/inventory/projects", {"unassigned": "true", "is_default": "false"}),
        ("/api/v1/inventory/resources", {"include_deleted": "true", "ordering": "-name,id"}),
        ("/api/v1/inventory/resources", {"page_size": "500", "page": "1"}),
        ("/api/v1/inventory/resources", {"tenant": str(2**63 - 1)}),
        ("/api/v1/drift", {"ordering": "field,-id", "status": "all"}),
        ("/api/v1/billing/invoices", {"month": "2026-03", "ordering": "-total"}),
    ],
)
def test_well_formed_values_are_accepted(admin, path, query):
    assert admin.get(path, query).status_code == 200


def test_integer_query_parameters_state_their_bounds(schema):
    for path, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["schema"].get("type") != "integer":
                continue
            assert parameter["schema"]["minimum"] == 1, (path, parameter["name"])
            if parameter["name"] == "page_size":
                assert parameter["schema"]["maximum"] == 500
            else:
                assert parameter["schema"]["maximum"] == 2**63 - 1, (path, parameter["name"])
    assert query_params(schema, "/api/v1/inventory/resources")["tenant"]["schema"]["type"] == (
        "integer"
    )


def test_ordering_documents_the_fields_it_takes(schema):
    ordering = query_params(schema, "/api/v1/inventory/resources")["ordering"]
    assert (ordering["style"], ordering["explode"]) == ("form", False)
    assert {"name", "-name", "id", "-id"} <= set(ordering["schema"]["items"]["enum"])


@pytest.mark.parametrize(
    ("component_name", "fields"),
    [("Void", ["reason"]), ("CreateDroplet", ["name", "region", "size", "image"])],
)
def test_strings_that_may_not_be_blank_say_so(schema, component_name, fields):
    for field in fields:
        declared = component(schema, component_name)["properties"][field]
        assert declared["minLength"] == 1, field
        # DRF strips whitespace before the blank check: " " is refused too.
        assert re.search(declared["pattern"], " \t\x1f") is None, field
        assert re.search(declared["pattern"], " a ") is not None, field


@pytest.mark.django_db
def test_a_blank_reason_or_name_is_refused(admin):
    # The refusal is right (the schema now says so): only the schema changed.
    droplet = admin.post(
        "/api/v1/provisioning/droplets",
        {"name": " ", "region": "", "size": "s-1vcpu-1gb", "image": "ubuntu", "tenant": 1},
        format="json",
    )
    refused(droplet, "name")
    refused(droplet, "region")


def test_path_ids_are_documented_as_integers(schema):
    for path, _, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"] == {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": 2**63 - 1,
                }, path


@pytest.mark.django_db
def test_fullwidth_digits_are_not_an_id(admin):
    resource = CloudResourceFactory()
    assert admin.get(f"/api/v1/inventory/resources/{resource.pk}").status_code == 200
    digits = fullwidth(str(resource.pk))
    response = admin.get(f"/api/v1/inventory/resources/{digits}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_accept_refuses_a_fullwidth_id_and_leaves_the_drift_open(admin):
    drift = DriftFactory()
    digits = fullwidth(str(drift.pk))
    assert admin.post(f"/api/v1/drift/{digits}/accept", {}, format="json").status_code == 404
    drift.refresh_from_db()
    assert drift.status == "open"


@pytest.mark.django_db
def test_a_fullwidth_resource_filter_matches_no_id(admin):
    drift = DriftFactory()
    digits = fullwidth(str(drift.resource_id))
    assert admin.get("/api/v1/drift", {"resource": digits}).json()["count"] == 0
    assert admin.get("/api/v1/drift", {"resource": drift.resource_id}).json()["count"] == 1


def test_every_router_takes_ascii_ids_only():
    from django.urls import get_resolver

    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            regex = prefix + str(entry.pattern.regex.pattern).lstrip("^")
            if hasattr(entry, "url_patterns"):
                yield from patterns(entry, regex)
            else:
                yield regex

    ids = [p for p in patterns(get_resolver()) if p.startswith("api/v1/") and "(?P<pk>" in p]
    assert ids, "no routes with ids found"
    assert all("(?P<pk>[0-9]+)" in p for p in ids), [p for p in ids if "[0-9]+" not in p]


def test_a_router_refuses_a_non_id_lookup_without_its_own_pattern():
    class ByUrn(ScopedViewSet):
        scoped_by = staticmethod(tenants_visible_to)
        lookup_field = "urn"

        def retrieve(self, request, urn=None):  # pragma: no cover - never routed
            return None

    router = ApiRouter()
    router.register("by-urn", ByUrn, basename="by-urn")
    with pytest.raises(ImproperlyConfigured):
        router.get_urls()


@pytest.mark.django_db
def test_schemathesis_checks_the_schema_the_api_serves(admin):
    # tests/test_schemathesis.py builds its schema with the generator at collection time.
    served = admin.get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert json.loads(served.content) == json.loads(json.dumps(generated))
