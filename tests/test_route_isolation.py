"""Every route under /api/v1/, walked from the URLconf, as another tenant's user and as an
anonymous caller: tenant A's objects are never served to them.

A new endpoint is covered the day it is added: each route's viewset (its router basename)
needs an entry in OWNED_BY_A, a factory for the object behind it, or the route must be in
EXEMPT (routes about the caller itself, the schema, the login pages). The walk fails on a
route that has neither."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from arcadia.api import IsPlatformAdmin
from arcadia.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from billing.models import Invoice, ProviderInvoice, Reconciliation
from inventory.models import SyncRun
from tenants.models import Tenant
from tenants.selectors import tenants_visible_to
from tenants.services import issue_api_token
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    ProvisionedFactory,
    SagaRunFactory,
    TenantFactory,
    TenantUserFactory,
)
from webhooks.tests.fixtures import tenant_delivery, tenant_subscription

pytestmark = pytest.mark.django_db

PREFIX = "api/v1/"
UNSAFE = ("post", "put", "patch", "delete")

# Routes that hold no other tenant's object, by URL name: the caller's own account and
# tokens, the schema and its page, DRF's login pages.
# Collections a tenant's user may POST to, for their own tenant only (webhooks).
TENANT_CREATABLE = {"webhook-list"}
EXEMPT = {
    "api-root",  # links only
    "me",
    "token-revoke",
    "token-revoke-all",
    "schema",
    "schema-ui",
    "login",
    "logout",
}


def _invoice(a: Tenant) -> Invoice:
    return Invoice.objects.create(
        tenant=a,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 1),
        rule=Invoice.Rule.PER_SECOND if hasattr(Invoice, "Rule") else "per_second",
        subtotal=Decimal("6.00"),
        total=Decimal("6.00"),
        fingerprint="route-isolation",
    )


def _reconciliation(a: Tenant) -> Reconciliation:
    provider_invoice = ProviderInvoice.objects.create(
        invoice_uuid="route-isolation",
        invoice_period="2026-03",
        period_start=date(2026, 3, 1),
        amount=Decimal("1.00"),
        fetched_at=timezone.now(),
    )
    return Reconciliation.objects.create(
        period_start=date(2026, 3, 1),
        provider_invoice=provider_invoice,
        our_total=Decimal("1.00"),
        provider_total=Decimal("1.00"),
        difference=Decimal("0"),
        tolerance=Decimal("0.01"),
    )


def _resource(a: Tenant) -> Any:
    return CloudResourceFactory(project=CloudProjectFactory(tenant=a))


def _suppression(a: Tenant) -> Any:
    from drift.services.suppressions import suppress
    from tests.factories import PlatformAdminFactory

    return suppress(
        resource=_resource(a), field="size_slug", reason="route isolation", permanent=True,
        actor=PlatformAdminFactory(),
    )  # fmt: skip


# Router basename -> the object of tenant A (or of the platform, for operator data) whose
# id fills the route's path parameters.
OWNED_BY_A: dict[str, Callable[[Tenant], Any]] = {
    "tenant": lambda a: a,
    "project": lambda a: CloudProjectFactory(tenant=a),
    "resource": _resource,
    "sync-run": lambda a: SyncRun.objects.create(kind="droplet", started_at=timezone.now()),
    "drift": lambda a: DriftFactory(provisioned=ProvisionedFactory(resource=_resource(a))),
    "drift-revert": lambda a: DriftFactory(provisioned=ProvisionedFactory(resource=_resource(a))),
    "provisioned": lambda a: ProvisionedFactory(resource=_resource(a)),
    "drift-suppression": lambda a: _suppression(a),
    "provisioning-droplet": lambda a: SagaRunFactory(resource=_resource(a)),
    "saga": lambda a: SagaRunFactory(resource=_resource(a)),
    "invoice": _invoice,
    "reconciliation": _reconciliation,
    "webhook": tenant_subscription,
    "webhook-delivery": tenant_delivery,
}


@dataclass(frozen=True)
class Route:
    regex: str  # the whole path's regex, from the URLconf
    name: str | None
    callback: Any

    @property
    def view_class(self) -> Any:
        return getattr(self.callback, "cls", None)

    @property
    def basename(self) -> str | None:
        return getattr(self.callback, "initkwargs", {}).get("basename")

    @property
    def methods(self) -> list[str]:
        actions = getattr(self.callback, "actions", None)
        if actions is not None:  # a viewset's route: the methods it maps
            # (HEAD, which DRF may add once a schema has been generated, answers as GET.)
            return sorted(m for m in actions if m in ("get", *UNSAFE))
        cls = self.view_class
        return sorted(m for m in ("get", *UNSAFE) if cls is not None and hasattr(cls, m))

    @property
    def admin_only(self) -> bool:
        initkwargs = getattr(self.callback, "initkwargs", {})
        permissions = initkwargs.get("permission_classes", self.view_class.permission_classes)
        return IsPlatformAdmin in permissions

    @property
    def is_object_route(self) -> bool:
        return "(?P<" in self.regex

    def url(self, pk: int) -> str:
        path = re.sub(r"\(\?P<\w+>[^)]*\)", str(pk), self.regex)
        path = path.replace("/?", "").lstrip("^").rstrip("$").replace("\\Z", "")
        return "/" + re.sub(r"\\(.)", r"\1", path)  # `revoke\-all` -> `revoke-all`


def walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        regex = prefix + str(entry.pattern.regex.pattern).lstrip("^").removesuffix("\\Z")
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, regex)
        elif isinstance(entry, URLPattern):
            yield Route(regex=regex.rstrip("$"), name=entry.name, callback=entry.callback)


def api_routes() -> list[Route]:
    routes = [r for r in walk(get_resolver().url_patterns) if r.regex.startswith(PREFIX)]
    assert routes, "no routes under /api/v1/"
    return routes


def covered_routes() -> list[Route]:
    return [r for r in api_routes() if r.name not in EXEMPT]


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture(autouse=True)
def _room_for_the_walk(settings) -> None:
    # The walk makes more anonymous requests than the production rate (60/min) allows
    # from one address; the throttles themselves are tested in tenants/tests/test_guessing.py.
    framework = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **framework,
        "DEFAULT_THROTTLE_RATES": {
            **framework["DEFAULT_THROTTLE_RATES"],
            "anon": "10000/min",
            "user": "10000/min",
        },
    }


def test_every_api_route_has_an_object_fixture_or_is_exempt():
    missing = sorted(
        f"{r.regex} ({r.name}, basename {r.basename})"
        for r in covered_routes()
        if r.basename not in OWNED_BY_A
    )
    assert not missing, f"routes with no entry in OWNED_BY_A (or EXEMPT): {missing}"


def test_every_api_viewset_is_scoped():
    unscoped = sorted(
        {
            r.view_class.__name__
            for r in api_routes()
            if hasattr(r.callback, "actions") and not issubclass(r.view_class, ScopedViewSet)
        }
    )
    assert not unscoped, unscoped


def _objects_of_a(a: Tenant) -> dict[str, Any]:
    return {basename: make(a) for basename, make in OWNED_BY_A.items()}


def _ids_in(body: Any) -> set[Any]:
    rows = body.get("results", body) if isinstance(body, dict) else body
    return (
        {row.get("id") for row in rows if isinstance(row, dict)}
        if isinstance(rows, list)
        else set()
    )


def test_another_tenants_user_never_gets_tenant_as_objects():
    a = TenantFactory()
    objects = _objects_of_a(a)
    outsider = token_client(TenantUserFactory())  # a member of a tenant of its own
    failures = []
    for route in covered_routes():
        obj = objects[route.basename]
        url = route.url(obj.pk)
        for method in route.methods:
            response = (
                getattr(outsider, method)(url, {}, format="json")
                if method != "get"
                else outsider.get(url)
            )
            code = response.status_code
            if route.admin_only:
                expected = {403}
            elif route.is_object_route:
                expected = {404}
            elif method == "get":  # a list: served, without A's object
                expected = {200}
                if code == 200 and obj.pk in _ids_in(response.json()):
                    failures.append(f"{method.upper()} {url}: lists tenant A's object")
            elif route.name in TENANT_CREATABLE:  # their own tenant's: an empty body is a 400
                expected = {400}
            else:
                expected = {403, 404}
            if code not in expected:
                failures.append(f"{method.upper()} {url}: {code}, expected {sorted(expected)}")
    assert not failures, failures


def test_an_anonymous_caller_gets_401_or_403_on_every_route():
    objects = _objects_of_a(TenantFactory())
    anonymous = APIClient()
    failures = []
    for route in covered_routes():
        url = route.url(objects[route.basename].pk)
        for method in route.methods:
            response = (
                getattr(anonymous, method)(url, {}, format="json")
                if method != "get"
                else anonymous.get(url)
            )
            if response.status_code not in (401, 403):
                failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert not failures, failures


def test_the_walk_reaches_every_app_and_unsafe_method():
    # Guards the walker itself: were it to find fewer routes, the tests above would pass
    # by checking nothing.
    routes = covered_routes()
    prefixes = {r.regex.removeprefix(PREFIX).split("/")[0] for r in routes}
    assert {"tenants", "inventory", "drift", "provisioned", "provisioning", "billing"} <= prefixes
    methods = {m for r in routes for m in r.methods}
    assert "post" in methods
    assert any(r.is_object_route and "post" in r.methods for r in routes)


def test_a_viewset_without_a_scope_is_refused_when_its_class_is_created():
    with pytest.raises(ImproperlyConfigured, match="scoped_by"):

        class Unscoped(ScopedReadOnlyViewSet):  # pragma: no cover - never created
            pass


def test_a_viewset_that_sets_its_own_queryset_is_refused():
    with pytest.raises(ImproperlyConfigured, match="queryset"):

        class OwnQueryset(ScopedReadOnlyViewSet):  # pragma: no cover - never created
            scoped_by = staticmethod(tenants_visible_to)
            queryset = Tenant.objects.all()

    with pytest.raises(ImproperlyConfigured, match="get_queryset"):

        class OwnGetQueryset(ScopedReadOnlyViewSet):  # pragma: no cover - never created
            scoped_by = staticmethod(tenants_visible_to)

            def get_queryset(self):
                return Tenant.objects.all()


def test_a_router_refuses_an_unscoped_viewset():
    from rest_framework import viewsets

    from arcadia.api import ApiRouter

    class Plain(viewsets.ReadOnlyModelViewSet):
        queryset = Tenant.objects.all()

    with pytest.raises(ImproperlyConfigured, match="ScopedViewSet"):
        ApiRouter().register("plain", Plain, basename="plain")
