"""The API matches its OpenAPI schema: schemathesis drives every operation of the schema
`/api/v1/schema/` serves, as a platform admin and as a tenant, and every check must pass.

Bounded for CI (two cores, a few minutes): a fixed seed, derandomized generation, a few
examples per operation, no deadline. What runs, per operation and role:
- the examples and coverage phases (boundary and malformed values of every parameter:
  empty, too long, wrong type, out of range...), then fuzzing;
- positive and negative data;
- every check schemathesis has, all enabled: not_a_server_error,
  status_code_conformance, content_type_conformance, response_headers_conformance,
  response_schema_conformance, positive_data_acceptance, negative_data_rejection,
  missing_required_header, unsupported_method, allow_header_conformance, ignored_auth.
  One exception: positive_data_acceptance takes a 400 from the two writes whose body
  names other rows (below).
Not run: the stateful phase (the schema declares no links between operations, and the
writes it would chain are covered by each app's tests), so the stateful checks
(use_after_free, ensure_resource_availability, object_level_authorization) have
nothing to look at; tenant isolation has its own tests in each app.
Generated strings hold no NUL (Postgres cannot store one; refusing it is tested
elsewhere).

Path ids are sometimes pointed at objects that exist (see `World.aim`), so detail
operations answer 200 as well as 404. Every request runs inside the test's transaction:
POSTs that write (accept, void, record a spec, start a saga) are rolled back afterwards,
and no Celery task is ever enqueued (`on_commit` never fires), so nothing reaches DO.

Run it alone: `.venv/bin/pytest tests/test_schemathesis.py` (`-k tenant`, `-k admin`);
`SCHEMATHESIS_MAX_EXAMPLES=50` looks harder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.views import APIView

from billing.models import Invoice, ProviderInvoice, Reconciliation
from billing.tests.conftest import Droplet, at, generate
from drift.models import Drift, DriftSuppression, Provisioned
from drift.services.suppressions import suppress
from inventory.models import CloudResource, SyncRun
from provisioning.models import SagaRun
from tenants.models import Tenant
from tenants.services import issue_api_token
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    PriceFactory,
    ProvisionedFactory,
    SagaRunFactory,
    TenantUserFactory,
)

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
SEED = 20260110

# The statuses positive_data_acceptance takes by default, and a 400 for the two writes
# whose body names other rows: a well-formed body can name a resource or a tenant that
# does not exist, which is invalid input (DESIGN.md: a reference in a body is a 400, not
# a missing URL) that no schema can tell apart from a real one.
NAMES_OTHER_ROWS = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

CONFIG = {
    "seed": SEED,
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        # Postgres text and jsonb cannot hold NUL: every string refuses it with a 400
        # (tests/test_hostile_input.py); generated strings leave it out.
        "allow-x00": False,
    },
    "phases": {"stateful": {"enabled": False}},
    "operations": [
        {
            "include-operation-id": [
                "provisioned_create",
                "provisioning_droplets_create",
                # Names a resource and an owner, and has rules across fields (one scope,
                # an expiry ahead, or permanent) that a schema cannot state.
                "drift_suppressions_create",
                # Names a tenant (another row, and the caller's own for a tenant user);
                # its URL must be an http(s) address a receiver can be reached at.
                "webhooks_create",
            ],
            "checks": {"positive_data_acceptance": {"expected-statuses": NAMES_OTHER_ROWS}},
        }
    ],
}


@dataclass
class World:
    """A small account the generated requests run against: two tenants with projects,
    resources and invoices, drift, specs, sagas and sync runs."""

    headers: dict[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)

    # The collection each `{id}` path addresses, by its first segments.
    COLLECTIONS = {
        "/api/v1/tenants/": "tenant",
        "/api/v1/inventory/projects/": "project",
        "/api/v1/inventory/resources/": "resource",
        "/api/v1/inventory/sync-runs/": "sync_run",
        "/api/v1/drift/suppressions/": "suppression",
        "/api/v1/drift/": "drift",
        "/api/v1/provisioned/": "provisioned",
        "/api/v1/provisioning/sagas/": "saga",
        "/api/v1/billing/invoices/": "invoice",
        "/api/v1/billing/reconciliations/": "reconciliation",
    }

    def aim(self, case: Any) -> None:
        """Points an id that happens to be even at an object that exists, so detail
        operations reach real rows as well as missing ones (deterministic in the id,
        so hypothesis replays and shrinks the same request)."""
        value = (case.path_parameters or {}).get("id")
        if not isinstance(value, int) or value % 2:
            return
        for prefix, name in self.COLLECTIONS.items():
            if case.path.startswith(prefix) and self.ids.get(name):
                known = self.ids[name]
                case.path_parameters["id"] = known[(value // 2) % len(known)]
                return


def build_world(role: str) -> World:
    PriceFactory()
    mine, theirs = CloudProjectFactory(), CloudProjectFactory()
    unassigned = CloudProjectFactory(tenant=None)
    for project in (mine, theirs, unassigned):
        Droplet(
            project=project,
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at("2026-04-01 00:00"),
        )
    generate("2026-03")
    CloudResourceFactory(project=unassigned)
    gone = CloudResourceFactory(project=mine)
    CloudResource.objects.filter(pk=gone.pk).update(deleted_at=at("2026-04-02 00:00"))
    for resource in CloudResource.objects.all()[:3]:
        DriftFactory(provisioned=ProvisionedFactory(resource=resource))
    SagaRunFactory(resource=CloudResourceFactory(project=mine), tenant=mine.tenant)
    suppress(
        kind="droplet", field="name", reason="schemathesis", permanent=True,
        actor=PlatformAdminFactory(),
    )  # fmt: skip
    SyncRun.objects.create(kind="droplet", status="completed", started_at=at("2026-04-01"))

    provider_invoice = ProviderInvoice.objects.create(
        invoice_uuid="u-1",
        invoice_period="2026-03",
        period_start=at("2026-03-01").date(),
        amount=Decimal("6.00"),
        fetched_at=at("2026-04-02"),
    )
    Reconciliation.objects.create(
        period_start=at("2026-03-01").date(),
        provider_invoice=provider_invoice,
        our_total=Decimal("18.00"),
        provider_total=Decimal("6.00"),
        difference=Decimal("12.00"),
        tolerance=Decimal("0.01"),
    )

    user = PlatformAdminFactory() if role == "admin" else TenantUserFactory(tenants=[mine.tenant])
    ids = {
        "tenant": list(Tenant.objects.values_list("pk", flat=True)),
        "project": [mine.pk, theirs.pk, unassigned.pk],
        "resource": list(CloudResource.objects.values_list("pk", flat=True)),
        "sync_run": list(SyncRun.objects.values_list("pk", flat=True)),
        "drift": list(Drift.objects.values_list("pk", flat=True)),
        "suppression": list(DriftSuppression.objects.values_list("pk", flat=True)),
        "provisioned": list(Provisioned.objects.values_list("pk", flat=True)),
        "saga": list(SagaRun.objects.values_list("pk", flat=True)),
        "invoice": list(Invoice.objects.values_list("pk", flat=True)),
        "reconciliation": list(Reconciliation.objects.values_list("pk", flat=True)),
    }
    return World(headers={"Authorization": f"Token {issue_api_token(user)}"}, ids=ids)


def load_schema() -> Any:
    """The schema `/api/v1/schema/` serves (the same generator and hooks), loaded at
    collection so each operation is its own test; requests go to the WSGI app."""
    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict(CONFIG))
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@pytest.fixture(params=["admin", "tenant"])
def world(
    request: pytest.FixtureRequest, db: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """The account, seen as a platform admin or as a tenant. Django's end-of-request
    signal would close the test's connection (the test client unhooks it too).

    Generated traffic is not a guesser: DRF's throttles are off here (however they are
    configured), so no request is a 429; throttling has tests of its own."""
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield build_world(request.param)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_matches_its_schema(case: Any, world: World) -> None:
    world.aim(case)
    case.call_and_validate(headers=world.headers)
