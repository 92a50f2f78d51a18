"""What a drift costs a month, as the API, its schema and the console show it."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from drift.models import Drift
from tenants.models import User
from tests.factories import DriftFactory, PlatformAdminFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:drift_drift_changelist")


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(cast(User, PlatformAdminFactory()))
    return client


@pytest.fixture
def console() -> Client:
    client = Client()
    client.force_login(cast(User, PlatformAdminFactory()))
    return client


def costing(amount: str | None) -> Drift:
    return cast(Drift, DriftFactory(monthly_impact=None if amount is None else Decimal(amount)))


def test_the_api_gives_the_impact_with_its_currency(api):
    drift = costing("42.00")

    body = api.get(f"/api/v1/drift/{drift.pk}").json()

    assert body["monthly_impact"] == {"amount": "42.00", "currency": "USD"}


def test_the_api_gives_null_for_unpriced_drift(api):
    drift = costing(None)

    body = api.get(f"/api/v1/drift/{drift.pk}").json()

    assert body["monthly_impact"] is None


def test_the_inbox_sorts_costliest_first_with_unpriced_last(api):
    saving, unpriced, costly, free = (
        costing("-40.00"),
        costing(None),
        costing("42.00"),
        costing("0"),
    )

    response = api.get("/api/v1/drift", {"ordering": "-monthly_impact"})

    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [costly.pk, free.pk, saving.pk, unpriced.pk]


def test_the_inbox_sorts_cheapest_first_with_unpriced_still_last(api):
    saving, unpriced, costly = costing("-40.00"), costing(None), costing("42.00")

    response = api.get("/api/v1/drift", {"ordering": "monthly_impact"})

    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [saving.pk, costly.pk, unpriced.pk]


def test_the_schema_describes_the_impact_and_its_ordering():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    drift = schema["components"]["schemas"]["Drift"]["properties"]["monthly_impact"]
    impact = schema["components"]["schemas"]["MonthlyImpact"]
    assert drift.get("nullable") is True or {"type": "null"} in drift.get("oneOf", [])
    assert impact["properties"]["amount"]["type"] == "string"
    assert impact["properties"]["amount"]["format"] == "decimal"
    assert set(impact["required"]) == {"amount", "currency"}
    [ordering] = [
        p for p in schema["paths"]["/api/v1/drift"]["get"]["parameters"] if p["name"] == "ordering"
    ]
    assert "-monthly_impact" in ordering["schema"]["items"]["enum"]


def test_the_console_shows_dollars_a_month_and_unpriced(console):
    costing("1234.50")
    costing("-40.00")
    costing(None)

    body = console.get(INBOX).content.decode()

    assert "$/month" in body
    assert "+1,234.50 USD" in body
    assert "-40.00 USD" in body
    assert "unpriced" in body


def test_the_console_sorts_by_dollars_a_month_costliest_first(console):
    cheap, unpriced, costly = costing("6.00"), costing(None), costing("42.00")
    response = console.get(INBOX)
    column = response.context["cl"].list_display.index("monthly_impact_column")

    # The column's first sort (`o=N`) is costliest first, unpriced last.
    response = console.get(INBOX, {"o": str(column)})

    rows = list(response.context["cl"].result_list)
    assert [d.pk for d in rows] == [costly.pk, cheap.pk, unpriced.pk]
