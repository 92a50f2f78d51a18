"""The OpenAPI schema documents every endpoint under its canonical path, without warnings."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


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
