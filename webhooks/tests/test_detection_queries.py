"""A sweep that opens many drifts announces them in a fixed number of statements whatever
their number (issue 16: a thousand drifts are never a thousand of anything in the sweep):
with a subscriber listening, 40 drifts cost the sweep exactly the queries 10 do."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drift.services.detection import detect_drift
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import subscribe
from webhooks.tests.test_webhooks import _drifted

pytestmark = pytest.mark.django_db


def _sweep_opening(count: int) -> int:
    """Queries of a sweep that opens `count` drifts, all announced."""
    for _ in range(count):
        _drifted()
    before = WebhookEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        outcome = detect_drift()
    assert outcome.opened == count
    assert WebhookEvent.objects.count() - before == count
    return len(queries)


def test_announcing_a_sweeps_drifts_costs_the_same_queries_for_10_as_for_40():
    subscribe(url="http://127.0.0.1:9/hook", events=["drift.detected"], tenant=None, actor=None)

    ten = _sweep_opening(10)
    forty = _sweep_opening(40)

    assert forty == ten
    assert WebhookDelivery.objects.filter(status="pending").count() == 50
