"""`generate_month` / `generate` against crafted inventory histories on real Postgres
(DESIGN.md, "Billing"): every metering and pricing rule at its edge."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from arcadia.errors import InvalidInput
from billing.models import Invoice, InvoiceLine, InvoiceStatus, Price, Rule, UsageSegment
from billing.services.invoices import InvoiceOutcome, TenantInvoice, finalize, generate
from billing.tests.conftest import NOW, Droplet, at, month
from billing.tests.conftest import generate as generate_text
from inventory.services.tenancy import assign_project_tenant
from tests.factories import (
    ASSIGNED_SINCE,
    BillingAccountFactory,
    CloudProjectFactory,
    TenantFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def lines_of(tenant) -> list[InvoiceLine]:
    invoice = Invoice.objects.exclude(status="void").get(tenant=tenant)
    return list(invoice.lines.order_by("id"))


def only_line(tenant) -> InvoiceLine:
    (line,) = lines_of(tenant)
    return line


def whole_month(project, text: str, size: str = "s-1vcpu-1gb") -> Droplet:
    """A droplet alive from well before the month until well after it."""
    return Droplet(
        project=project,
        size=size,
        created=at("2024-06-01 00:00"),
        discovered=at("2024-06-01 00:00"),
        seen_until=at("2026-11-20 00:00"),
    )


# --- the month -----------------------------------------------------------------------------


def test_usage_across_a_month_boundary_is_billed_in_each_month_never_twice(prices, project):
    Droplet(
        project=project,
        created=at("2026-02-27 12:00"),
        discovered=at("2026-02-27 12:05"),
        seen_until=at("2026-03-02 12:00"),
    )
    generate_text("2026-02")
    generate_text("2026-03")

    feb, mar = (
        Invoice.objects.get(period_start=month(m)).lines.get() for m in ("2026-02", "2026-03")
    )
    assert (feb.usage_start, feb.usage_end) == (at("2026-02-27 12:00"), at("2026-03-01 00:00"))
    assert (mar.usage_start, mar.usage_end) == (at("2026-03-01 00:00"), at("2026-03-02 12:00"))
    assert feb.seconds == 36 * 3600 and mar.seconds == 36 * 3600
    assert feb.cost == mar.cost == D("0.32148")
    assert feb.amount == mar.amount == D("0.32")


@pytest.fixture
def no_cap_in_28_days() -> Price:
    """672 h x 0.0089 = 5.9808 < 6.00 < 744 h x 0.0089 = 6.6216."""
    return Price.objects.create(
        size_slug="x-test",
        price_hourly=D("0.0089"),
        price_monthly=D("6.00"),
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("text", ["2025-02", "2026-02"])
def test_a_whole_28_day_month_is_below_the_cap(no_cap_in_28_days, project, text):
    whole_month(project, text, size="x-test")
    generate_text(text)
    line = only_line(project.tenant)
    assert (line.seconds, line.quantity) == (28 * 86400, D("672"))
    assert (line.cost, line.amount, line.capped) == (D("5.9808"), D("5.98"), False)


@pytest.mark.parametrize("text", ["2025-03", "2026-03"])
def test_a_whole_31_day_month_is_capped_at_price_monthly(no_cap_in_28_days, project, text):
    whole_month(project, text, size="x-test")
    generate_text(text)
    line = only_line(project.tenant)
    assert (line.seconds, line.quantity) == (31 * 86400, D("744"))
    assert (line.cost, line.amount, line.capped) == (D("6"), D("6.00"), True)


# --- segments ------------------------------------------------------------------------------


def test_resize_bills_each_size_on_its_own_line(prices, project):
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:10"),
        seen_until=at("2026-03-03 00:00"),
    ).resize("s-2vcpu-4gb", at("2026-03-02 00:00"))
    generate_text("2026-03")

    small, large = lines_of(project.tenant)
    assert (small.size_slug, small.seconds, small.amount) == ("s-1vcpu-1gb", 86400, D("0.21"))
    assert (large.size_slug, large.seconds, large.amount) == ("s-2vcpu-4gb", 86400, D("0.86"))
    assert large.price_hourly == D("0.03571")


def test_move_between_projects_of_one_tenant_is_one_line(prices, project):
    other = CloudProjectFactory(tenant=project.tenant, name="second")
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-03 00:00"),
    ).move(other, at("2026-03-02 00:00"))
    generate_text("2026-03")

    line = only_line(project.tenant)
    assert (line.seconds, line.project_name) == (2 * 86400, "second")


def test_move_between_tenants_shares_one_cap_by_seconds(prices, project):
    other = CloudProjectFactory()  # another tenant
    whole_month(project, "2026-03").move(other, at("2026-03-11 00:00"))
    generate_text("2026-03")

    first, second = only_line(project.tenant), only_line(other.tenant)
    assert (first.seconds, second.seconds) == (10 * 86400, 21 * 86400)
    assert first.capped and second.capped
    assert first.cost == (D("6") * 10 / 31).quantize(D("1e-12"))
    assert (first.amount, second.amount) == (D("1.94"), D("4.06"))
    assert first.amount + second.amount == D("6.00")


def test_unallocated_usage_is_priced_but_never_invoiced(prices):
    orphan = CloudProjectFactory(tenant=None)
    whole_month(orphan, "2026-03")
    Droplet(
        project=None,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-02 00:00"),
    )
    result = generate_text("2026-03")

    assert Invoice.objects.count() == 0
    assert result.unallocated_cost == D("6.00") + D("0.21")
    assert UsageSegment.objects.filter(tenant__isnull=True).count() == 2


def test_powered_off_droplet_bills_until_destroyed(prices, project):
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-03 00:00"),
    ).power_off(at("2026-03-01 12:00"))
    generate_text("2026-03")
    assert only_line(project.tenant).seconds == 2 * 86400


def test_tombstoned_droplet_bills_until_last_seen_not_the_third_strike(prices, project):
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-02 00:00"),
    ).tombstone(last_seen=at("2026-03-02 00:00"), when=at("2026-03-02 03:00"))
    generate_text("2026-03")
    line = only_line(project.tenant)
    assert (line.usage_end, line.seconds) == (at("2026-03-02 00:00"), 86400)


def test_restored_droplet_gap_is_free(prices, project):
    Droplet(
        project=project,
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-02 00:00"),
    ).tombstone(last_seen=at("2026-03-02 00:00"), when=at("2026-03-02 03:00")).restore(
        at("2026-03-10 00:00"), seen_until=at("2026-03-11 00:00")
    )
    generate_text("2026-03")
    line = only_line(project.tenant)
    assert line.seconds == 2 * 86400
    assert (line.usage_start, line.usage_end) == (at("2026-03-01 00:00"), at("2026-03-11 00:00"))


# --- rule versions and minimums -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "quantity", "cost", "amount"),
    [
        ("2025-12", Rule.HOURLY, D("2"), D("0.01786"), D("0.02")),
        ("2026-01", Rule.PER_SECOND, D("1.5"), D("0.013395"), D("0.01")),
    ],
)
def test_rule_version_follows_the_month(prices, project, text, rule, quantity, cost, amount):
    start = at(f"{text}-10 00:00")
    Droplet(
        project=project,
        created=start,
        discovered=start,
        seen_until=at(f"{text}-10 01:30"),
    )
    generate_text(text)
    invoice = Invoice.objects.get()
    line = invoice.lines.get()
    assert invoice.rule == rule
    assert (line.quantity, line.cost, line.amount) == (quantity, cost, amount)


def test_per_second_minimum_is_60_seconds_and_one_cent(prices, project):
    Droplet(
        project=project,
        created=at("2026-03-10 00:00:00"),
        discovered=at("2026-03-10 00:00:00"),
        seen_until=at("2026-03-10 00:00:30"),
    )
    generate_text("2026-03")
    line = only_line(project.tenant)
    assert line.seconds == 30
    assert line.quantity == (D(60) / 3600).quantize(D("1e-6"))
    assert (line.cost, line.amount) == (D("0.01"), D("0.01"))


def test_exactly_half_a_cent_rounds_up(prices, project):
    BillingAccountFactory(tenant=project.tenant, markup_percent=D("50"))
    Droplet(
        project=project,
        created=at("2026-03-10 00:00:00"),
        discovered=at("2026-03-10 00:00:00"),
        seen_until=at("2026-03-10 00:00:30"),
    )
    generate_text("2026-03")
    line = only_line(project.tenant)
    assert (line.cost, line.amount) == (D("0.01"), D("0.02"))  # 0.015 exactly


def test_markup_applies_once_per_line_and_subtotal_is_their_sum(prices, project):
    BillingAccountFactory(tenant=project.tenant, markup_percent=D("12.5"))
    whole_month(project, "2026-03")
    whole_month(project, "2026-03", size="s-2vcpu-4gb")
    generate_text("2026-03")
    invoice = Invoice.objects.get()
    assert [line.amount for line in invoice.lines.order_by("id")] == [D("6.75"), D("27.00")]
    assert (invoice.subtotal, invoice.total, invoice.markup_percent) == (
        D("33.75"),
        D("33.75"),
        D("12.5"),
    )


# --- prices --------------------------------------------------------------------------------


def test_a_size_with_no_price_fails_naming_it_and_writes_nothing(prices, project):
    whole_month(project, "2026-03")
    whole_month(project, "2026-03", size="x-unpriced-1")  # in no price list
    with pytest.raises(InvalidInput, match=r"x-unpriced-1 \(USD\)"):
        generate_text("2026-03")
    assert UsageSegment.objects.count() == 0
    assert Invoice.objects.count() == 0


def test_a_month_is_priced_with_the_row_in_effect_at_its_start(project):
    old = dict(price_hourly=D("0.01"), price_monthly=D("100"), size_slug="x-test")
    Price.objects.create(
        **old, valid_from=datetime(2026, 2, 15, tzinfo=UTC), valid_to=at("2026-03-15 00:00")
    )
    Price.objects.create(
        size_slug="x-test",
        price_hourly=D("0.02"),
        price_monthly=D("200"),
        valid_from=at("2026-03-15 00:00"),
    )
    for text in ("2026-01", "2026-03", "2026-04"):
        start = at(f"{text}-20 00:00")
        Droplet(
            project=project,
            size="x-test",
            created=start,
            discovered=start,
            seen_until=at(f"{text}-20 01:00"),
        )
    by_month = {}
    for text in ("2026-01", "2026-03", "2026-04"):
        generate_text(text)
        by_month[text] = Invoice.objects.get(period_start=month(text)).lines.get().price_hourly
    # January: before the first capture, which covers it. March: the row in effect on the
    # 1st, though a new price began mid-month. April: the new price.
    assert by_month == {"2026-01": D("0.01"), "2026-03": D("0.01"), "2026-04": D("0.02")}


# --- idempotence and lifecycle ---------------------------------------------------------------


def _writes(queries) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE", "COPY")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


def test_second_run_from_the_same_inputs_writes_nothing(prices, project):
    whole_month(project, "2026-03").resize("s-2vcpu-4gb", at("2026-03-20 00:00"))
    Droplet(
        project=CloudProjectFactory(tenant=None),
        created=at("2026-03-01 00:00"),
        discovered=at("2026-03-01 00:00"),
        seen_until=at("2026-03-05 00:00"),
    )
    first = generate_text("2026-03")
    invoice = Invoice.objects.get()
    segments = list(UsageSegment.objects.values_list("id", flat=True).order_by("id"))

    with CaptureQueriesContext(connection) as queries:
        second = generate_text("2026-03")

    assert first.wrote and not second.wrote
    assert _writes(queries.captured_queries) == []
    assert [i.outcome for i in second.invoices] == ["unchanged"]
    assert list(UsageSegment.objects.values_list("id", flat=True).order_by("id")) == segments
    assert Invoice.objects.get().updated_at == invoice.updated_at


def test_changed_history_rewrites_the_draft_in_place(prices, project):
    droplet = whole_month(project, "2026-03")
    generate_text("2026-03")
    draft = Invoice.objects.get()

    droplet.resize("s-2vcpu-4gb", at("2026-03-20 00:00"))
    result = generate_text("2026-03")

    assert [i.outcome for i in result.invoices] == ["rewritten"]
    rewritten = Invoice.objects.get()
    assert rewritten.pk == draft.pk and rewritten.fingerprint != draft.fingerprint
    assert [line.size_slug for line in rewritten.lines.all()] == ["s-1vcpu-1gb", "s-2vcpu-4gb"]


def test_changed_markup_rewrites_the_draft(prices, project):
    whole_month(project, "2026-03")
    generate_text("2026-03")
    BillingAccountFactory(tenant=project.tenant, markup_percent=D("10"))
    result = generate_text("2026-03")
    assert [i.outcome for i in result.invoices] == ["rewritten"]
    assert Invoice.objects.get().subtotal == D("6.60")


def test_finalized_invoice_is_never_touched(prices, project):
    droplet = whole_month(project, "2026-03")
    generate_text("2026-03")
    finalized = finalize(Invoice.objects.get().pk, actor="test", now=NOW)

    droplet.resize("s-2vcpu-4gb", at("2026-03-20 00:00"))
    result = generate_text("2026-03")

    assert [i.outcome for i in result.invoices] == ["finalized (untouched)"]
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.fingerprint) == (InvoiceStatus.FINALIZED, finalized.fingerprint)
    assert invoice.lines.count() == 1


def test_no_usage_no_invoice(prices, project):
    Droplet(
        project=project,
        created=at("2026-04-02 00:00"),
        discovered=at("2026-04-02 00:00"),
        seen_until=at("2026-04-03 00:00"),
    )
    assert generate_text("2026-03").invoices == []
    assert Invoice.objects.count() == 0


def test_a_draft_whose_usage_moved_to_another_tenant_is_removed(prices, project):
    whole_month(project, "2026-03")
    generate_text("2026-03")
    old_tenant = project.tenant
    # A correction back to before any usage: the whole month is the new tenant's.
    assign_project_tenant(project, TenantFactory(), actor="test", effective_from=ASSIGNED_SINCE)

    result = generate_text("2026-03")

    assert {(i.tenant_id, i.outcome) for i in result.invoices} == {
        (old_tenant.pk, "removed"),
        (project.tenant_id, "created"),
    }
    assert list(Invoice.objects.values_list("tenant_id", flat=True)) == [project.tenant_id]


def test_current_month_gives_a_month_to_date_draft(prices, project):
    Droplet(
        project=project,
        created=at("2026-11-01 00:00"),
        discovered=at("2026-11-01 00:00"),
        seen_until=at("2026-11-23 11:00"),
    )
    generate_text("2026-11")
    line = only_line(project.tenant)
    assert line.usage_end == at("2026-11-23 11:00")
    assert Invoice.objects.get().status == InvoiceStatus.DRAFT


def test_a_future_month_is_refused(prices, project):
    with pytest.raises(InvalidInput, match="2026-12 is in the future"):
        generate_text("2026-12")


def test_one_tenant_generation_leaves_other_tenants_alone(prices, project):
    other = CloudProjectFactory()
    whole_month(project, "2026-03")
    whole_month(other, "2026-03")
    result = generate(project.tenant, month("2026-03"), actor="test", now=NOW)
    assert [i.tenant_id for i in result.invoices] == [project.tenant_id]
    assert list(Invoice.objects.values_list("tenant_id", flat=True)) == [project.tenant_id]


def test_lines_come_in_a_deterministic_order(prices, project):
    droplets = [whole_month(project, "2026-03") for _ in range(3)]
    droplets[0].resize("s-2vcpu-4gb", at("2026-03-05 00:00"))
    generate_text("2026-03")
    keys = [(line.resource_id, line.usage_start) for line in lines_of(project.tenant)]
    assert keys == sorted(keys)


def test_segments_of_one_resource_never_overlap_in_postgres(project):
    droplet = whole_month(project, "2026-03")
    row = dict(
        period_start=month("2026-03"),
        resource=droplet.resource,
        size_slug="s-1vcpu-1gb",
    )
    UsageSegment.objects.create(**row, started_at=at("2026-03-01"), ended_at=at("2026-03-05"))
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageSegment.objects.create(**row, started_at=at("2026-03-04"), ended_at=at("2026-03-06"))
    UsageSegment.objects.create(**row, started_at=at("2026-03-05"), ended_at=at("2026-03-06"))


def test_generation_outcomes_are_an_enum_and_results_are_built_by_name(prices, project):
    whole_month(project, "2026-03")
    first, second = generate_text("2026-03"), generate_text("2026-03")

    assert first.invoices[0].outcome is InvoiceOutcome.CREATED
    assert second.invoices[0].outcome is InvoiceOutcome.UNCHANGED
    with pytest.raises(TypeError):
        TenantInvoice(*astuple(first.invoices[0]))  # type: ignore[misc]
