"""The billing API (DESIGN.md, "Surfaces"): tenants see their own invoices, another
tenant's is a 404 on every endpoint; platform admins see all, finalize, void and read
reconciliations; anyone else gets a 403 there."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from billing.models import Invoice, InvoiceStatus, ProviderInvoice, Reconciliation
from billing.services.invoices import finalize, void
from billing.tests.conftest import NOW, Droplet, at, generate
from tenants.services import issue_api_token
from tests.factories import CloudProjectFactory, PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(user)}")
    return client


@pytest.fixture
def two_tenants(prices):
    """Two tenants, each with a March 2026 draft of one 31-day droplet ($6.00)."""
    mine, theirs = CloudProjectFactory(), CloudProjectFactory()
    for project in (mine, theirs):
        Droplet(
            project=project,
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at("2026-04-01 00:00"),
        )
    generate("2026-03")
    return (
        Invoice.objects.get(tenant=mine.tenant),
        Invoice.objects.get(tenant=theirs.tenant),
    )


@pytest.fixture
def published(two_tenants):
    """Both drafts finalized: what a tenant may see (a draft is hidden from tenants)."""
    for invoice in two_tenants:
        finalize(invoice.pk, actor="test", now=NOW)
    return tuple(Invoice.objects.get(pk=invoice.pk) for invoice in two_tenants)


@pytest.fixture
def member(two_tenants):
    mine, _ = two_tenants
    return token_client(TenantUserFactory(tenants=[mine.tenant]))


@pytest.fixture
def admin() -> APIClient:
    return token_client(PlatformAdminFactory())


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_anonymous_callers_are_refused():
    assert APIClient().get("/api/v1/billing/invoices").status_code == 401


def test_a_tenant_lists_only_its_own_invoices(published, member):
    mine, _ = published
    assert ids(member.get("/api/v1/billing/invoices")) == [mine.pk]


@pytest.mark.parametrize("suffix", ["", "/csv"])
def test_another_tenants_invoice_is_a_404(published, member, suffix):
    _, theirs = published
    assert member.get(f"/api/v1/billing/invoices/{theirs.pk}{suffix}").status_code == 404


@pytest.mark.parametrize("action", ["finalize", "void"])
def test_a_tenant_may_not_finalize_or_void_even_its_own(two_tenants, member, action):
    mine, _ = two_tenants
    response = member.post(f"/api/v1/billing/invoices/{mine.pk}/{action}", {"reason": "x"})
    assert response.status_code == 403
    assert Invoice.objects.get(pk=mine.pk).status == InvoiceStatus.DRAFT


@pytest.mark.parametrize(
    "url", ["/api/v1/billing/reconciliations", "/api/v1/billing/reconciliations/1"]
)
def test_reconciliations_are_for_platform_admins(member, url):
    assert member.get(url).status_code == 403


def test_invoice_detail_has_model_fields_lines_and_money_as_strings(published, member):
    mine, _ = published
    body = member.get(f"/api/v1/billing/invoices/{mine.pk}").json()
    assert body["status"] == "finalized" and body["rule"] == "per_second"
    assert (body["subtotal"], body["total"], body["currency"]) == ("6.00", "6.00", "USD")
    assert body["period_start"] == "2026-03-01" and body["period_end"] == "2026-04-01"
    (line,) = body["lines"]
    assert line["amount"] == "6.00" and line["price_hourly"] == "0.0089300000"
    assert line["seconds"] == 31 * 86400 and line["capped"] is True


def test_invoice_csv_has_a_row_per_line_then_the_totals(published, member):
    mine, _ = published
    response = member.get(f"/api/v1/billing/invoices/{mine.pk}/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    for column in ("product", "description", "quantity", "unit", "unit_price", "amount"):
        assert column in header
    line = dict(zip(header, rows[1], strict=True))
    assert line["urn"] == mine.lines.get().urn and rows[1][-2:] == ["6.00", "USD"]
    assert (line["product"], line["unit"]) == ("droplet", "hours")
    assert [r[0] for r in rows[2:]] == ["subtotal", "credits", "total"]
    assert rows[-1][-2:] == ["6.00", "USD"]


@pytest.mark.parametrize("suffix", ["", "/csv"])
def test_a_tenant_does_not_see_its_own_draft_until_finalized(two_tenants, member, suffix):
    mine, _ = two_tenants
    assert ids(member.get("/api/v1/billing/invoices")) == []
    assert member.get(f"/api/v1/billing/invoices/{mine.pk}{suffix}").status_code == 404
    finalize(mine.pk, actor="test", now=NOW)
    assert ids(member.get("/api/v1/billing/invoices")) == [mine.pk]
    assert member.get(f"/api/v1/billing/invoices/{mine.pk}{suffix}").status_code == 200


def test_a_tenant_still_sees_its_void_invoice(published, member):
    mine, _ = published
    void(mine.pk, reason="wrong tenant", actor="test")
    body = member.get(f"/api/v1/billing/invoices/{mine.pk}").json()
    assert (body["status"], body["void_reason"]) == ("void", "wrong tenant")


def test_admin_sees_drafts(two_tenants, admin):
    mine, _ = two_tenants
    assert admin.get(f"/api/v1/billing/invoices/{mine.pk}").json()["status"] == "draft"


def test_filters_month_and_status(two_tenants, admin):
    mine, theirs = two_tenants
    finalize(mine.pk, actor="test", now=NOW)
    assert ids(admin.get("/api/v1/billing/invoices?month=2026-03&status=finalized")) == [mine.pk]
    assert ids(admin.get("/api/v1/billing/invoices?month=2026-04")) == []
    assert ids(admin.get(f"/api/v1/billing/invoices?tenant={theirs.tenant_id}")) == [theirs.pk]


def test_a_malformed_month_filter_is_a_400_naming_it(admin):
    response = admin.get("/api/v1/billing/invoices?month=2026-13")
    assert response.status_code == 400
    assert "month" in response.json()


def test_an_unknown_query_parameter_is_a_400(admin):
    assert admin.get("/api/v1/billing/invoices?mnth=2026-03").status_code == 400


def test_admin_sees_every_tenants_invoices(two_tenants, admin):
    assert sorted(ids(admin.get("/api/v1/billing/invoices"))) == sorted(i.pk for i in two_tenants)


def test_a_finalize_keeps_its_reason_and_the_api_shows_it(two_tenants, admin):
    mine, _ = two_tenants
    finalized = admin.post(
        f"/api/v1/billing/invoices/{mine.pk}/finalize",
        {"reason": "approved by finance"},
        format="json",
    )
    assert finalized.status_code == 200, finalized.content
    assert finalized.json()["finalize_reason"] == "approved by finance"
    assert Invoice.objects.get(pk=mine.pk).finalize_reason == "approved by finance"


def test_admin_finalizes_then_voids_with_a_reason(two_tenants, admin):
    mine, _ = two_tenants
    finalized = admin.post(f"/api/v1/billing/invoices/{mine.pk}/finalize")
    assert finalized.status_code == 200, finalized.content
    assert finalized.json()["number"] == "ARC-202603-00001"

    again = admin.post(f"/api/v1/billing/invoices/{mine.pk}/finalize")
    assert again.status_code == 409

    no_reason = admin.post(f"/api/v1/billing/invoices/{mine.pk}/void", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()

    voided = admin.post(
        f"/api/v1/billing/invoices/{mine.pk}/void", {"reason": "duplicate"}, format="json"
    )
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["void_reason"]) == ("void", "duplicate")


def test_admin_reads_reconciliations_with_lines(admin):
    provider_invoice = ProviderInvoice.objects.create(
        invoice_uuid="u-1",
        invoice_period="2026-03",
        period_start=at("2026-03-01").date(),
        amount=D("1.00"),
        fetched_at=NOW,
    )
    reconciliation = Reconciliation.objects.create(
        period_start=at("2026-03-01").date(),
        provider_invoice=provider_invoice,
        our_total=D("1.00"),
        provider_total=D("1.00"),
        difference=D("0"),
        tolerance=D("0.01"),
    )
    reconciliation.lines.create(
        product="Droplets",
        provider_resource_id="42",
        our_cost=D("1.00"),
        provider_amount=D("1.00"),
        difference=D("0"),
        status="matched",
    )
    reconciliation.lines.create(
        product="Spaces Subscription",
        provider_resource_id="Spaces ($5/mo)",
        our_cost=D("0"),
        provider_amount=D("5.00"),
        difference=D("-5.00"),
        status="only_provider",
        reason="not_metered",
    )
    assert ids(admin.get("/api/v1/billing/reconciliations?month=2026-03")) == [reconciliation.pk]
    body = admin.get(f"/api/v1/billing/reconciliations/{reconciliation.pk}").json()
    assert body["counts"] == {"matched": 1, "only_provider": 1}
    assert body["reasons"] == {"not_metered": 1}
    matched, spaces = body["lines"]
    assert (matched["product"], matched["reason"], matched["our_cost"]) == ("Droplets", "", "1.00")
    assert (spaces["product"], spaces["reason"]) == ("Spaces Subscription", "not_metered")


def test_list_query_count_does_not_grow_with_invoices(prices, admin, django_assert_max_num_queries):
    for _ in range(5):
        Droplet(
            project=CloudProjectFactory(),
            created=at("2026-03-01 00:00"),
            discovered=at("2026-03-01 00:00"),
            seen_until=at("2026-03-02 00:00"),
        )
    generate("2026-03")
    with django_assert_max_num_queries(4):
        assert len(ids(admin.get("/api/v1/billing/invoices"))) == 5


def test_schema_documents_the_billing_endpoints_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = set(yaml.safe_load(out.read_text())["paths"])
    assert {
        "/api/v1/billing/invoices",
        "/api/v1/billing/invoices/{id}",
        "/api/v1/billing/invoices/{id}/csv",
        "/api/v1/billing/invoices/{id}/finalize",
        "/api/v1/billing/invoices/{id}/void",
        "/api/v1/billing/reconciliations",
        "/api/v1/billing/reconciliations/{id}",
    } <= paths


def test_a_finalized_invoice_is_announced_to_its_tenant_and_the_platform(two_tenants, admin):
    from webhooks.models import WebhookDelivery, WebhookEvent
    from webhooks.services import subscribe

    mine, theirs = two_tenants
    platform = subscribe(
        url="https://hooks.example.com/p", events=["invoice.finalized"], tenant=None, actor=None
    )
    own = subscribe(
        url="https://hooks.example.com/m",
        events=["invoice.finalized"],
        tenant=mine.tenant,
        actor=None,
    )
    subscribe(
        url="https://hooks.example.com/t",
        events=["invoice.finalized"],
        tenant=theirs.tenant,
        actor=None,
    )

    response = admin.post(f"/api/v1/billing/invoices/{mine.pk}/finalize")

    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert (event.type, event.tenant_id) == ("invoice.finalized", mine.tenant_id)
    assert event.payload["number"] == response.json()["number"]
    assert len(event.payload["lines"]) == 1
    told = set(WebhookDelivery.objects.values_list("subscription_id", flat=True))
    assert told == {platform.pk, own.pk}  # never the other tenant's subscriber
