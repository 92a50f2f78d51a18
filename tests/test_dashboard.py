"""The console's home (console.dashboard, console.site): every figure equals what a direct
ORM count gives on seeded data, every figure's link opens an admin list holding exactly
those rows, the page's query count does not grow with the data, and the framework's apps
come after Arcadia's. Also `/` (arcadia.landing) and the URLs `bin/up` prints."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from billing.models import (
    Invoice,
    ProviderInvoice,
    Reconciliation,
    ReconciliationLine,
)
from console import dashboard as figures
from console.chart import HEIGHT, drift_chart
from console.site import DOMAIN_ORDER
from drift.models import Drift, DriftSuppression
from inventory.models import SyncRun
from provisioning.models import SagaRun
from tests.factories import (
    CloudProjectFactory,
    CloudResourceFactory,
    DriftFactory,
    PlatformAdminFactory,
    ProvisionedFactory,
    SagaRunFactory,
    TenantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def open_drift(*, kind="droplet", tenant=..., impact=None, detected_at=None) -> Drift:
    project = CloudProjectFactory() if tenant is ... else CloudProjectFactory(tenant=tenant)
    resource = CloudResourceFactory(kind=kind, project=project)
    return DriftFactory(
        provisioned=ProvisionedFactory(resource=resource),
        monthly_impact=impact,
        detected_at=detected_at or timezone.now(),
    )


def closed_drift(*, detected_at, resolved_at, status="accepted") -> Drift:
    return DriftFactory(status=status, detected_at=detected_at, resolved_at=resolved_at)


def seed(scale: int = 1, *, suffix: str = "") -> dict:
    """Open drift over two tenants, an unallocated project and two kinds, some unpriced;
    drift closed over the last days; sagas failed, undone, stuck and merely due; sync
    runs; a reconciliation; invoices in every state. `scale` multiplies the rows."""
    now = timezone.now()
    acme, globex = TenantFactory(name=f"Acme{suffix}"), TenantFactory(name=f"Globex{suffix}")
    for _ in range(scale):
        open_drift(tenant=acme, impact=Decimal("12.00"), detected_at=now - timedelta(days=3))
        open_drift(tenant=acme, impact=Decimal("-4.50"))
        open_drift(tenant=acme, kind="volume", impact=None)
        open_drift(tenant=globex, impact=Decimal("30.25"))
        open_drift(tenant=None, kind="volume", impact=Decimal("1.00"))
        open_drift(tenant=None, impact=None)
        closed_drift(detected_at=now - timedelta(days=40), resolved_at=now - timedelta(days=2))
        closed_drift(
            detected_at=now - timedelta(days=2), resolved_at=now - timedelta(days=1), status="stale"
        )
        closed_drift(detected_at=now - timedelta(days=50), resolved_at=now - timedelta(days=45))
        SagaRunFactory(status="failed", finished_at=now - timedelta(days=1))
        SagaRunFactory(status="failed", finished_at=now - timedelta(days=60))
        SagaRunFactory(status="compensated", finished_at=now - timedelta(days=1))
        SagaRunFactory(status="waiting", next_run_at=now - timedelta(hours=2))
        SagaRunFactory(status="pending", next_run_at=now)  # due, not stuck
        SagaRunFactory(status="succeeded", finished_at=now, next_run_at=now - timedelta(days=1))
    oldest = open_drift(tenant=globex, impact=Decimal("2.00"), detected_at=now - timedelta(days=9))
    for kind, status, requests in (
        ("droplet", "completed", 10),
        ("droplet", "failed", 7),
        ("droplet", "skipped", 0),
        ("volume", "completed", 3),
    ):
        SyncRun.objects.create(
            kind=kind,
            status=status,
            started_at=now - timedelta(minutes=requests),
            requests=requests,
            rate_limited=1 if status == "failed" else 0,
            waited_seconds=2.5,
        )
    invoice = ProviderInvoice.objects.create(
        invoice_uuid=f"uuid-1{suffix}",
        invoice_period="2026-11",
        period_start=date(2026, 11, 1),
        amount=Decimal("100.00"),
        fetched_at=now,
    )
    for created in (now - timedelta(days=30), now):
        recon = Reconciliation.objects.create(
            period_start=date(2026, 11, 1),
            provider_invoice=invoice,
            our_total=Decimal("90.00"),
            provider_total=Decimal("100.00"),
            difference=Decimal("-10.00"),
            tolerance=Decimal("0.01"),
        )
        Reconciliation.objects.filter(pk=recon.pk).update(created_at=created)
    for status, reason, difference in (
        ("matched", "", "0.00"),
        ("amount_mismatch", "rounding", "0.01"),
        ("amount_mismatch", "price_differs", "-3.00"),
        ("only_provider", "missing_from_inventory", "-7.01"),
        ("only_ours", "not_on_do_invoice", "2.50"),
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
    for i, tenant in enumerate([acme, globex, TenantFactory()]):
        Invoice.objects.create(
            tenant=tenant,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 12, 1),
            rule="per_second",
            subtotal=Decimal("5.00"),
            total=Decimal("5.00"),
            fingerprint=f"f{i}",
            **({"status": "finalized", "number": f"ARC-{i}{suffix}"} if i == 2 else {}),
        )
    return {"acme": acme, "globex": globex, "oldest": oldest, "reconciliation": recon}


@pytest.fixture
def operator_client(client):
    client.force_login(PlatformAdminFactory())
    return client


def listed(client, url: str) -> int:
    """How many rows the admin list at `url` holds (failing on a filter it refused)."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert "e=1" not in response.get("Location", ""), url
    return response.context["cl"].result_count


# --- the figures equal the database ---------------------------------------------------


def test_open_drift_by_kind_sums_priced_impact_and_counts_unpriced_apart():
    seed()
    result = figures.open_drift()

    open_rows = Drift.objects.filter(status="open")
    assert result.count == open_rows.count() == 7
    assert result.monthly == open_rows.aggregate(s=Sum("monthly_impact"))["s"] == Decimal("40.75")
    assert result.unpriced == open_rows.filter(monthly_impact__isnull=True).count() == 2
    by_kind = {g.label: (g.count, g.monthly, g.unpriced) for g in result.by_kind}
    assert by_kind == {
        "Droplet": (5, Decimal("39.75"), 1),
        "Volume": (2, Decimal("1.00"), 1),
    }


def test_open_drift_by_tenant_counts_unallocated_resources_apart(django_assert_num_queries):
    seeded = seed()
    result = figures.open_drift()

    by_tenant = {g.label: (g.count, g.monthly, g.unpriced) for g in result.by_tenant}
    assert by_tenant == {
        "Acme": (3, Decimal("7.50"), 1),
        "Globex": (2, Decimal("32.25"), 0),
        "(unallocated)": (2, Decimal("1.00"), 1),
    }
    for tenant in (seeded["acme"], seeded["globex"]):
        assert (
            by_tenant[tenant.name][0]
            == Drift.objects.filter(status="open", resource__project__tenant=tenant).count()
        )


def test_a_kind_with_only_unpriced_drift_sums_to_zero_not_none():
    open_drift(kind="volume", impact=None)

    (volume,) = figures.open_drift().by_kind
    assert volume.monthly == Decimal("0.00") and volume.unpriced == 1


def test_oldest_open_drift_is_the_earliest_detected_and_links_to_it():
    seeded = seed()
    result = figures.open_drift()

    assert result.oldest_detected_at == seeded["oldest"].detected_at
    assert result.oldest_url == f"/admin/drift/drift/{seeded['oldest'].pk}/change/"
    assert timedelta(days=9) <= result.oldest_age < timedelta(days=9, minutes=1)


def test_no_open_drift_means_no_oldest():
    closed_drift(detected_at=timezone.now(), resolved_at=timezone.now())
    result = figures.open_drift()

    assert (result.count, result.oldest_detected_at, result.oldest_url) == (0, None, None)


def suppressed(kind: str = "droplet") -> Drift:
    operator = UserFactory()
    suppression = DriftSuppression.objects.create(
        kind=kind,
        field="size_slug",
        owner=operator,
        reason="resized on purpose",
        permanent=True,
        created_at=timezone.now(),
        created_by=operator,
    )
    return DriftFactory(status="suppressed", suppression=suppression)


def test_suppressed_drift_is_shown_apart_from_open():
    seed()
    suppressed()
    suppressed("volume")
    result = figures.suppressed_drift()

    assert result.counts.drift == Drift.objects.filter(status="suppressed").count() == 2
    assert result.counts.suppressions == 2
    assert figures.open_drift().count == Drift.objects.filter(status="open").count()


def test_drift_per_day_counts_detected_and_resolved_per_day_for_thirty_days():
    seed()
    today = timezone.now().date()
    days = figures.drift_per_day()

    assert len(days) == 30 and days[-1].day == today and days[0].day == today - timedelta(29)
    for day in days:
        assert day.opened == Drift.objects.filter(detected_at__date=day.day).count()
        assert day.closed == Drift.objects.filter(resolved_at__date=day.day).count()
    assert sum(d.closed for d in days) == 2  # the one resolved 45 days ago is outside
    assert (
        sum(d.opened for d in days)
        == Drift.objects.filter(detected_at__date__gte=days[0].day).count()
    )


def test_sagas_failed_in_the_window_and_stuck_past_their_next_run():
    seed()
    now = timezone.now()
    result = figures.sagas_needing_attention(now=now)

    assert (
        result.failed
        == SagaRun.objects.filter(
            status="failed", finished_at__gte=now - timedelta(days=30)
        ).count()
        == 1
    )
    assert (
        result.stuck
        == SagaRun.objects.filter(
            status__in=["pending", "running", "waiting", "compensating"],
            next_run_at__lt=now - figures.STUCK_AFTER,
        ).count()
        == 1
    )


def test_each_kind_shows_its_latest_run_that_was_not_skipped():
    seed()
    syncs = {s.kind: s.run for s in figures.last_syncs()}

    assert set(syncs) == {"droplet", "volume"}
    latest_droplet = (
        SyncRun.objects.filter(kind="droplet").exclude(status="skipped").order_by("-started_at")[0]
    )
    assert syncs["droplet"] == latest_droplet
    assert (syncs["droplet"].status, syncs["droplet"].requests) == ("failed", 7)


def test_last_reconciliation_unexplained_is_every_non_matched_line_but_rounding():
    seeded = seed()
    result = figures.last_reconciliation()

    assert result.reconciliation == seeded["reconciliation"]
    lines = seeded["reconciliation"].lines.filter(~Q(status="matched") & ~Q(reason="rounding"))
    assert result.unexplained == lines.aggregate(s=Sum("difference"))["s"] == Decimal("-7.51")
    assert result.unexplained_lines == lines.count() == 3


def test_no_reconciliation_yet():
    assert figures.last_reconciliation() is None


def test_draft_invoices_are_the_ones_waiting_to_be_finalized():
    seed()
    assert figures.draft_invoices().count == Invoice.objects.filter(status="draft").count() == 2


# --- the links open lists filtered the same way ---------------------------------------


def test_every_drift_figure_links_to_a_list_of_exactly_its_drift(operator_client):
    seed()
    result = figures.open_drift()

    assert listed(operator_client, result.url) == result.count
    assert listed(operator_client, result.unpriced_url) == result.unpriced
    suppressed()
    held = figures.suppressed_drift()
    assert listed(operator_client, held.url) == held.counts.drift == 1
    for group in [*result.by_kind, *result.by_tenant]:
        assert listed(operator_client, group.url) == group.count, group.label
        assert listed(operator_client, group.unpriced_url) == group.unpriced, group.label


def test_saga_sync_billing_links_open_their_filtered_lists(operator_client):
    seed()
    sagas = figures.sagas_needing_attention()
    assert listed(operator_client, sagas.failed_url) == sagas.failed
    assert listed(operator_client, sagas.stuck_url) == sagas.stuck
    for sync in figures.last_syncs():
        assert listed(operator_client, sync.url) == SyncRun.objects.filter(kind=sync.kind).count()
    reconciliation = figures.last_reconciliation()
    assert listed(operator_client, reconciliation.lines_url) == reconciliation.unexplained_lines
    assert operator_client.get(reconciliation.url).status_code == 200
    drafts = figures.draft_invoices()
    assert listed(operator_client, drafts.url) == drafts.count


# --- the page -------------------------------------------------------------------------


def test_the_console_home_shows_the_figures_with_their_links(operator_client):
    seed()
    response = operator_client.get("/admin/")
    html = response.content.decode()
    home = response.context["dashboard"]

    assert response.status_code == 200
    assert re.search(rf'data-figure="open-drift">{home.drift.count}<', html)
    assert re.search(rf'data-figure="draft-invoices">{home.drafts.count}<', html)
    assert re.search(rf'data-figure="sagas-stuck">{home.sagas.stuck} stuck<', html)
    assert 'data-figure="reconciliation-unexplained">-7.51 USD<' in html
    assert home.drift.url.replace("&", "&amp;") in html
    assert '<svg class="drift-chart"' in html
    assert html.count('<rect class="chart-opened"') == 30


def test_the_home_query_count_does_not_grow_with_the_data(
    operator_client, django_assert_max_num_queries
):
    seed(scale=1)
    with django_assert_max_num_queries(20) as small:
        operator_client.get("/admin/")
    seed(scale=4, suffix="-more")
    with django_assert_max_num_queries(len(small.captured_queries)):
        operator_client.get("/admin/")


def test_staff_without_the_platform_admin_role_get_no_figures(client):
    seed()
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/admin/")

    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert b'data-figure="open-drift"' not in response.content


def test_arcadia_apps_come_first_in_domain_order_and_the_framework_last(operator_client):
    labels = [app["app_label"] for app in operator_client.get("/admin/").context["app_list"]]

    domain = [label for label in labels if label in DOMAIN_ORDER]
    assert domain == [label for label in DOMAIN_ORDER if label in labels]
    assert labels[: len(domain)] == domain
    framework = {"auth", "knox", "django_celery_beat", "axes"} & set(labels)
    assert framework and set(labels[-len(framework) :]) == framework


# --- `/` and the URLs bin/up prints ---------------------------------------------------


def test_the_landing_page_links_every_surface(client):
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    for href in (
        'href="/admin/"',
        'href="/api/v1/"',
        'href="/api/v1/schema/ui/"',
        'href="/portal/"',
    ):
        assert href in html


def banner_paths() -> list[str]:
    """The local URLs in the banner `bin/up` prints once everything is up, as paths."""
    script = (ROOT / "bin" / "up").read_text()
    banner = re.search(r"cat <<MSG\n(.*?)\nMSG\n", script, re.S)
    assert banner, "bin/up prints no banner"
    urls = re.findall(r"http://127\.0\.0\.1:\$ARCADIA_PORT(/\S*)", banner.group(1))
    assert urls
    return urls


def test_every_url_bin_up_prints_answers(operator_client):
    paths = banner_paths()

    assert "/" in paths and "/admin/" in paths
    for path in paths:
        assert operator_client.get(path).status_code == 200, path


def test_the_chart_scales_bars_to_the_busiest_day():
    today = timezone.now().date()
    days = [
        figures.DriftDay(day=today - timedelta(days=2), opened=4, closed=0),
        figures.DriftDay(day=today - timedelta(days=1), opened=2, closed=1),
        figures.DriftDay(day=today, opened=0, closed=0),
    ]
    svg = str(drift_chart(days))

    heights = [int(h) for h in re.findall(r'<rect class="chart-\w+" [^>]*height="(\d+)"', svg)]
    assert heights == [HEIGHT, 0, HEIGHT // 2, HEIGHT // 4, 0, 0]
    assert f"{today:%Y-%m-%d}: 0 opened" in svg and "<script" not in svg
