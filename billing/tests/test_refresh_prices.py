"""The price book (DESIGN.md, "Prices"): versioned, a new row only when DO's price changes,
exact from the JSON number's text."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from billing.models import Price
from billing.services.prices import refresh_prices
from billing.tests.conftest import at
from do_client import DOClient

pytestmark = pytest.mark.django_db


def do_with_sizes(*sizes: tuple[str, str, str]) -> DOClient:
    """A DO client whose `/v2/sizes` answers these (slug, hourly, monthly) JSON numbers."""
    rows = ",".join(
        f'{{"slug": {json.dumps(slug)}, "price_hourly": {hourly}, "price_monthly": {monthly}}}'
        for slug, hourly, monthly in sizes
    )
    # Written by hand, not json.dumps: the numbers' text is what DO sends.
    body = f'{{"sizes": [{rows}], "links": {{}}, "meta": {{"total": {len(sizes)}}}}}'

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v2/sizes"
        return httpx.Response(200, text=body, headers={"content-type": "application/json"})

    return DOClient(
        token="t",
        base_url="https://do.test",
        purpose="billing",
        transport=httpx.MockTransport(handler),
    )


def test_first_refresh_captures_every_size_exactly_from_the_json_text():
    outcome = refresh_prices(
        do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00"), ("c-2", "0.0625", "42")),
        now=at("2026-03-10 00:00"),
    )
    assert (outcome.added, outcome.changed) == (2, 0)
    row = Price.objects.get(size_slug="s-1vcpu-1gb")
    assert (row.price_hourly, row.price_monthly) == (Decimal("0.00893"), Decimal("6.00"))
    assert (row.valid_from, row.valid_to, row.currency) == (at("2026-03-10 00:00"), None, "USD")


def test_an_unchanged_price_writes_nothing():
    client = do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00"))
    refresh_prices(client, now=at("2026-03-10 00:00"))
    outcome = refresh_prices(client, now=at("2026-03-11 00:00"))
    assert (outcome.added, outcome.changed, outcome.unchanged) == (0, 0, 1)
    assert Price.objects.count() == 1


def test_a_changed_price_closes_the_old_row_and_opens_a_new_one():
    refresh_prices(do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00")), now=at("2026-03-10 00:00"))
    outcome = refresh_prices(
        do_with_sizes(("s-1vcpu-1gb", "0.00952", "6.40")), now=at("2026-04-15 00:00")
    )
    assert outcome.changed == 1
    old, new = Price.objects.order_by("valid_from")
    assert (old.price_hourly, old.valid_to) == (Decimal("0.00893"), at("2026-04-15 00:00"))
    assert (new.price_hourly, new.valid_from, new.valid_to) == (
        Decimal("0.00952"),
        at("2026-04-15 00:00"),
        None,
    )


def test_a_size_without_a_price_is_skipped():
    outcome = refresh_prices(do_with_sizes(("s-1vcpu-1gb", "null", "6.00")))
    assert outcome.seen == 0 and Price.objects.count() == 0
