"""Properties of generated invoices over random crafted histories (DESIGN.md, "Money"):
the lines add up to the subtotal; no line exceeds round(price_monthly x (1 + markup));
a tenant's shares of one droplet never add up to more than its one cap."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Invoice, Price, UsageSegment
from billing.pricing import round_cents
from billing.tests.conftest import Droplet, at, generate
from tests.factories import BillingAccountFactory, CloudProjectFactory

pytestmark = pytest.mark.django_db

SIZES = ["s-1vcpu-1gb", "s-2vcpu-4gb", "c-2"]
MONTH_START = at("2026-02-01 00:00")  # 28 days: the cap only bites on whole months
HOUR = 3600

droplet_plans = st.lists(
    st.tuples(
        st.integers(min_value=-40 * 24, max_value=27 * 24),  # created, hours from the 1st
        st.integers(min_value=1, max_value=40 * 24),  # lifetime in hours
        st.sampled_from(SIZES),
        st.one_of(st.none(), st.sampled_from(SIZES)),  # a resize, halfway
        st.booleans(),  # moved to the other tenant, a third of the way in
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=droplet_plans,
    markups=st.tuples(*[st.decimals(min_value=0, max_value=50, places=3)] * 2),
)
def test_lines_add_up_and_never_exceed_the_monthly_cap(prices, plans, markups):
    with transaction.atomic():
        projects = [CloudProjectFactory(), CloudProjectFactory()]
        for project, markup in zip(projects, markups, strict=True):
            BillingAccountFactory(tenant=project.tenant, markup_percent=markup)
        for created_h, life_h, size, resize, moved in plans:
            created = MONTH_START + timedelta(hours=created_h)
            end = created + timedelta(hours=life_h)
            droplet = Droplet(
                project=projects[0], size=size, created=created, discovered=created, seen_until=end
            )
            if moved:
                droplet.move(projects[1], created + timedelta(hours=life_h / 3))
            if resize and resize != size:
                droplet.resize(resize, created + timedelta(hours=life_h / 2))

        generate("2026-02")

        monthly = {p.size_slug: p.price_monthly for p in Price.objects.all()}
        for invoice in Invoice.objects.prefetch_related("lines"):
            lines = list(invoice.lines.all())
            assert invoice.subtotal == sum(line.amount for line in lines)
            factor = 1 + invoice.markup_percent / 100
            for line in lines:
                assert line.amount <= round_cents(monthly[line.size_slug] * factor)
        # One droplet at one size: every owner's cost together is at most one cap.
        per_droplet: dict[tuple[int, str], Decimal] = {}
        for invoice in Invoice.objects.prefetch_related("lines"):
            for line in invoice.lines.all():
                key = (line.resource_id, line.size_slug)
                per_droplet[key] = per_droplet.get(key, Decimal(0)) + line.cost
        for (_, size), cost in per_droplet.items():
            assert cost <= monthly[size] + Decimal("1e-11")
        assert UsageSegment.objects.exists() or not Invoice.objects.exists()
        transaction.set_rollback(True)
