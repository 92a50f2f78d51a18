"""`/metrics`: Prometheus' text format, parsed with prometheus-client's own parser, whose
figures match the database (and, for the DO client's counters, the requests sent)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from knox.models import AuthToken
from prometheus_client.parser import text_string_to_metric_families

from arcadia import metrics_collectors
from billing.models import Invoice, ProviderInvoice, Reconciliation, ReconciliationLine
from conftest import make_client
from console import dashboard
from drift.models import Drift
from inventory.models import CloudResourceEvent, SyncRun
from tests.factories import (
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    SagaRunFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

METRICS_TOKEN = "metrics-test-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.ARCADIA_METRICS_TOKEN = METRICS_TOKEN


def scrape(client) -> dict[str, dict]:
    """{family name: {(sample name, sorted labels): value}}."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {}
    for family in text_string_to_metric_families(response.content.decode()):
        families[family.name] = {
            (s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples
        }
    return families


def labels(**values: str) -> tuple:
    return tuple(sorted(values.items()))


# --- who may read it --------------------------------------------------------------------


def test_metrics_refuses_anonymous_callers_with_401(client):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_refuses_a_wrong_metrics_token(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")

    assert response.status_code == 401


def test_metrics_refuses_every_bearer_token_when_none_is_configured(client, settings):
    settings.ARCADIA_METRICS_TOKEN = ""

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401


def test_metrics_refuses_an_api_token_without_the_platform_role(client):
    _, token = AuthToken.objects.create(UserFactory())

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 403


def test_metrics_accepts_a_platform_admins_api_token(client):
    _, token = AuthToken.objects.create(PlatformAdminFactory())

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert b"arcadia_drift_open" in response.content


# --- figures ----------------------------------------------------------------------------


def test_drift_open_counts_open_drift_by_kind_and_field(client):
    DriftFactory.create_batch(2)
    DriftFactory(field="region")
    DriftFactory(provisioned__resource=CloudResourceFactory(kind="volume"))
    accepted = DriftFactory(field="name")
    Drift.objects.filter(pk=accepted.pk).update(status="accepted", resolved_at=timezone.now())

    open_ = scrape(client)["arcadia_drift_open"]

    expected = {}
    for d in Drift.objects.filter(status="open").select_related("resource"):
        key = ("arcadia_drift_open", labels(kind=d.resource.kind, field=d.field))
        expected[key] = expected.get(key, 0) + 1
    assert open_ == expected
    assert open_[("arcadia_drift_open", labels(kind="droplet", field="size_slug"))] == 2


def test_time_to_resolve_buckets_resolved_drift_by_resolution(client):
    now = timezone.now()
    for hours, status in ((2, "accepted"), (30, "accepted"), (5, "stale")):
        drift = DriftFactory(field=f"f{hours}")
        Drift.objects.filter(pk=drift.pk).update(
            status=status, detected_at=now - timedelta(hours=hours), resolved_at=now
        )
    # Resolved before the window: not counted.
    old = DriftFactory(field="old")
    Drift.objects.filter(pk=old.pk).update(
        status="accepted",
        detected_at=now - timedelta(days=40),
        resolved_at=now - timedelta(days=35),
    )

    family = scrape(client)["arcadia_drift_time_to_resolve_seconds"]

    name = "arcadia_drift_time_to_resolve_seconds"
    assert family[(f"{name}_count", labels(resolution="accepted"))] == 2
    assert family[(f"{name}_bucket", labels(resolution="accepted", le="14400.0"))] == 1
    assert family[(f"{name}_bucket", labels(resolution="accepted", le="86400.0"))] == 1
    assert family[(f"{name}_bucket", labels(resolution="accepted", le="259200.0"))] == 2
    assert family[(f"{name}_sum", labels(resolution="accepted"))] == pytest.approx(32 * 3600)
    assert family[(f"{name}_count", labels(resolution="stale"))] == 1
    # A resolution with nothing in the window answers with zeros.
    assert family[(f"{name}_count", labels(resolution="reverted"))] == 0


def test_time_to_detect_runs_from_the_last_live_change_the_inventory_recorded(client):
    now = timezone.now()
    drift = DriftFactory(detected_at=now)
    for minutes, event in ((90, "updated"), (20, "tagged"), (-5, "updated")):  # -5: after
        CloudResourceEvent.objects.create(
            resource=drift.resource,
            event=event,
            actor="sync",
            occurred_at=now - timedelta(minutes=minutes),
        )
    DriftFactory()  # no live change recorded: not counted

    family = scrape(client)["arcadia_drift_time_to_detect_seconds"]

    name = "arcadia_drift_time_to_detect_seconds"
    assert family[(f"{name}_count", ())] == 1
    assert family[(f"{name}_sum", ())] == pytest.approx(20 * 60, abs=1)
    assert family[(f"{name}_bucket", labels(le="900.0"))] == 0
    assert family[(f"{name}_bucket", labels(le="1800.0"))] == 1


def test_sync_figures_come_from_the_sync_runs(client):
    now = timezone.now()
    for kind, minutes, seen in (("droplet", 3, 10), ("droplet", 1, 12), ("volume", 30, 4)):
        SyncRun.objects.create(
            kind=kind,
            status="completed",
            started_at=now - timedelta(minutes=minutes + 1),
            finished_at=now - timedelta(minutes=1),
            seen=seen,
            discovered=1,
        )
    SyncRun.objects.create(kind="droplet", status="failed", started_at=now, finished_at=now)

    figures = scrape(client)

    duration = figures["arcadia_sync_duration_seconds"]
    assert duration[("arcadia_sync_duration_seconds_count", labels(kind="droplet"))] == 2
    assert duration[("arcadia_sync_duration_seconds_sum", labels(kind="droplet"))] == (
        pytest.approx(4 * 60)
    )
    assert (
        duration[("arcadia_sync_duration_seconds_bucket", labels(kind="volume", le="1200.0"))] == 0
    )
    assert (
        duration[("arcadia_sync_duration_seconds_bucket", labels(kind="volume", le="1800.0"))] == 1
    )
    resources = figures["arcadia_sync_resources"]
    # The last completed run of each kind: droplet's started 2 minutes ago.
    latest = SyncRun.objects.filter(kind="droplet", status="completed").order_by("-started_at")[0]
    assert resources[("arcadia_sync_resources", labels(kind="droplet", outcome="seen"))] == (
        latest.seen
    )
    assert resources[("arcadia_sync_resources", labels(kind="volume", outcome="discovered"))] == 1


def test_sagas_and_invoices_are_counted_by_status(client):
    SagaRunFactory.create_batch(2)
    SagaRunFactory(saga="rename_droplet", status="running")
    for i, status in enumerate(("draft", "draft", "finalized")):
        Invoice.objects.create(
            tenant=TenantFactory(),
            period_start=date(2026, 11, 1),
            period_end=date(2026, 12, 1),
            rule="per_second",
            subtotal=Decimal("5.00"),
            total=Decimal("5.00"),
            fingerprint=f"f{i}",
            status=status,
            number=f"ARC-{i}" if status != "draft" else None,
        )

    figures = scrape(client)

    assert figures["arcadia_sagas"] == {
        ("arcadia_sagas", labels(saga="resize_droplet", status="pending")): 2,
        ("arcadia_sagas", labels(saga="rename_droplet", status="running")): 1,
    }
    assert figures["arcadia_invoices"] == {
        ("arcadia_invoices", labels(status=s)): Invoice.objects.filter(status=s).count()
        for s in ("draft", "finalized")
    }


def test_unexplained_amount_is_the_newest_reconciliations_lines_but_rounding(client):
    invoice = ProviderInvoice.objects.create(
        invoice_uuid="uuid-1",
        invoice_period="2026-11",
        period_start=date(2026, 11, 1),
        amount=Decimal("100.00"),
        fetched_at=timezone.now(),
    )
    recons = []
    for _ in range(2):
        recons.append(
            Reconciliation.objects.create(
                period_start=date(2026, 11, 1),
                provider_invoice=invoice,
                our_total=Decimal("90.00"),
                provider_total=Decimal("100.00"),
                difference=Decimal("-10.00"),
                tolerance=Decimal("0.01"),
            )
        )
    older, newest = recons
    Reconciliation.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    for recon, status, reason, difference in (
        (older, "amount_mismatch", "price_differs", "-50.00"),
        (newest, "matched", "", "0.00"),
        (newest, "amount_mismatch", "rounding", "0.01"),
        (newest, "amount_mismatch", "price_differs", "-3.00"),
        (newest, "only_provider", "missing_from_inventory", "-7.01"),
    ):
        ReconciliationLine.objects.create(
            reconciliation=recon,
            provider_resource_id=f"r-{status}-{reason}",
            our_cost=Decimal("1"),
            provider_amount=Decimal("1"),
            difference=Decimal(difference),
            status=status,
            reason=reason,
        )

    family = scrape(client)["arcadia_reconciliation_unexplained_amount"]

    expected = dashboard.last_reconciliation()
    assert expected is not None
    assert family == {
        ("arcadia_reconciliation_unexplained_amount", labels(currency="USD")): float(
            expected.unexplained
        )
    }
    assert float(expected.unexplained) == pytest.approx(-10.01)


def test_explained_reasons_are_the_dashboards():
    assert tuple(metrics_collectors.EXPLAINED_REASONS) == tuple(dashboard.EXPLAINED_REASONS)


def test_do_requests_are_counted_across_clients_by_purpose_and_status(client, simulator):
    sync = make_client(simulator, purpose="sync")
    billing = make_client(simulator, purpose="billing")
    try:
        sync.get_key("/v2/account", "account")
        sync.get_key("/v2/account", "account")
        billing.get_key("/v2/account", "account")
        with pytest.raises(Exception):  # noqa: B017 - any DO error: a 404 is what we count
            sync.get_droplet(999_999_999)
    finally:
        sync.close()
        billing.close()

    figures = scrape(client)

    requests = figures["arcadia_do_requests"]
    assert requests[("arcadia_do_requests_total", labels(purpose="sync", status="200"))] == 2
    assert requests[("arcadia_do_requests_total", labels(purpose="billing", status="200"))] == 1
    assert requests[("arcadia_do_requests_total", labels(purpose="sync", status="404"))] == 1
    remaining = figures["arcadia_do_ratelimit_remaining"]
    assert remaining[("arcadia_do_ratelimit_remaining", labels(purpose="sync"))] == (
        sync.rate_limit.remaining
    )
    assert figures["arcadia_metrics_source_up"] == {
        ("arcadia_metrics_source_up", labels(source="redis")): 1
    }


def test_metrics_still_answer_when_redis_is_down(client, settings):
    settings.DO_API_RATE_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"

    figures = scrape(client)

    assert figures["arcadia_metrics_source_up"] == {
        ("arcadia_metrics_source_up", labels(source="redis")): 0
    }
    assert "arcadia_drift_open" in figures
