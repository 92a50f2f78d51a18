"""The price book (DESIGN.md, "Prices"): versioned, a new row only when DO's price changes,
exact from the JSON number's text."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.db import transaction

from arcadia.celery import app as celery_app
from billing.models import Price
from billing.services.prices import SEED_FROM, refresh_prices, seed_published_prices, set_price
from billing.tests.conftest import at
from do_client import DOAPIError, DOClient
from drift import tasks as drift_tasks
from tests.factories import CloudResourceFactory, DriftFactory

pytestmark = pytest.mark.django_db


NOT_FOUND = '{"id": "not_found", "message": "The resource you requested could not be found."}'


def do_answering(bodies: dict[str, str]) -> DOClient:
    """A DO client whose listed paths answer these JSON texts and any other path 404s."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = bodies.get(request.url.path)
        return httpx.Response(
            200 if body is not None else 404,
            text=body if body is not None else NOT_FOUND,
            headers={"content-type": "application/json"},
        )

    return DOClient(
        token="t",
        base_url="https://do.test",
        purpose="billing",
        transport=httpx.MockTransport(handler),
    )


def sizes_body(*sizes: tuple[str, str, str]) -> str:
    rows = ",".join(
        f'{{"slug": {json.dumps(slug)}, "price_hourly": {hourly}, "price_monthly": {monthly}}}'
        for slug, hourly, monthly in sizes
    )
    # Written by hand, not json.dumps: the numbers' text is what DO sends.
    return f'{{"sizes": [{rows}], "links": {{}}, "meta": {{"total": {len(sizes)}}}}}'


def do_with_sizes(*sizes: tuple[str, str, str]) -> DOClient:
    """A DO client whose `/v2/sizes` answers these (slug, hourly, monthly) JSON numbers;
    every other path (the registry's options included) answers 404."""
    return do_answering({"/v2/sizes": sizes_body(*sizes)})


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


# DO's own example (its OpenAPI spec, droplets/responses/examples.yml): a float's
# artefacts, longer than the 10 places the price book keeps.
DO_LONG_FLOAT = ("s-1vcpu-512mb-10gb", "0.00743999984115362", "5.0")


def test_refreshes_with_dos_long_float_prices_write_nothing_when_nothing_changed():
    client = do_with_sizes(DO_LONG_FLOAT, ("g-2vcpu-8gb", "0.09375000000000001", "63"))
    first = refresh_prices(client, now=at("2026-03-10 00:00"))
    outcomes = [refresh_prices(client, now=at(f"2026-03-1{d} 00:00")) for d in range(1, 5)]
    assert first.added == 2
    assert [(o.added, o.changed, o.unchanged) for o in outcomes] == [(0, 0, 2)] * 4
    assert Price.objects.count() == 2
    row = Price.objects.get(size_slug="s-1vcpu-512mb-10gb")
    assert (row.price_hourly, row.valid_to) == (Decimal("0.0074399998"), None)


def test_a_real_change_of_a_long_float_price_writes_one_row():
    refresh_prices(do_with_sizes(DO_LONG_FLOAT), now=at("2026-03-10 00:00"))
    outcome = refresh_prices(
        do_with_sizes(("s-1vcpu-512mb-10gb", "0.00892999954521656", "6.0")),
        now=at("2026-04-01 00:00"),
    )
    assert (outcome.added, outcome.changed) == (0, 1)
    old, new = Price.objects.order_by("valid_from")
    assert old.valid_to == at("2026-04-01 00:00")
    assert (new.price_hourly, new.price_monthly) == (Decimal("0.0089299995"), Decimal("6.0"))
    assert Price.objects.count() == 2


# DO's example tiers (specification/resources/registry/responses/registry_options_response.yml).
DO_TIERS = {"starter": 0, "basic": 500, "professional": 2000}


def do_with_tiers(tiers: dict[str, int], *sizes: tuple[str, str, str]) -> DOClient:
    options = {
        "options": {
            "available_regions": ["nyc3", "sfo3"],
            "subscription_tiers": [
                {"name": slug.title(), "slug": slug, "monthly_price_in_cents": cents}
                for slug, cents in tiers.items()
            ],
        }
    }
    return do_answering(
        {"/v2/sizes": sizes_body(*sizes), "/v2/registries/options": json.dumps(options)}
    )


def registry_book() -> dict[str, tuple[Decimal, Decimal, object]]:
    return {
        p.size_slug: (p.price_hourly, p.price_monthly, p.valid_from)
        for p in Price.objects.filter(kind="container_registry", valid_to__isnull=True)
    }


def test_registry_tiers_are_captured_monthly_from_cents_hourly_over_672():
    outcome = refresh_prices(
        do_with_tiers(DO_TIERS, ("s-1vcpu-1gb", "0.00893", "6.00")), now=at("2026-03-10 00:00")
    )
    assert (outcome.seen, outcome.added) == (4, 4)
    when = at("2026-03-10 00:00")
    assert registry_book() == {
        "registry-starter": (Decimal("0"), Decimal("0"), when),
        "registry-basic": (Decimal("0.00744"), Decimal("5.00"), when),
        "registry-professional": (Decimal("0.02976"), Decimal("20.00"), when),
    }


def test_a_refresh_of_the_seeded_tiers_at_dos_prices_writes_nothing():
    seed_published_prices()
    before = Price.objects.count()
    outcome = refresh_prices(
        do_with_tiers({"basic": 500, "professional": 2000}), now=at("2026-03-10 00:00")
    )
    assert (outcome.added, outcome.changed, outcome.unchanged) == (0, 0, 2)
    assert Price.objects.count() == before
    assert registry_book()["registry-basic"][2] == SEED_FROM


def test_an_unchanged_tier_refresh_writes_nothing():
    client = do_with_tiers(DO_TIERS)
    refresh_prices(client, now=at("2026-03-10 00:00"))
    outcome = refresh_prices(client, now=at("2026-03-11 00:00"))
    assert (outcome.added, outcome.changed, outcome.unchanged) == (0, 0, 3)
    assert Price.objects.count() == 3


def test_a_tier_price_change_writes_one_new_version():
    refresh_prices(do_with_tiers(DO_TIERS), now=at("2026-03-10 00:00"))
    outcome = refresh_prices(do_with_tiers({**DO_TIERS, "basic": 600}), now=at("2026-04-01 00:00"))
    assert (outcome.added, outcome.changed, outcome.unchanged) == (0, 1, 2)
    old, new = Price.objects.filter(size_slug="registry-basic").order_by("valid_from")
    assert (old.price_monthly, old.valid_to) == (Decimal("5.00"), at("2026-04-01 00:00"))
    assert (new.price_hourly, new.price_monthly, new.valid_from, new.valid_to) == (
        Decimal("0.00893"),
        Decimal("6.00"),
        at("2026-04-01 00:00"),
        None,
    )
    assert Price.objects.count() == 4


def test_a_404_from_the_registry_options_keeps_the_seeded_book():
    seed_published_prices()
    seeded = registry_book()
    outcome = refresh_prices(
        do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00")), now=at("2026-03-10 00:00")
    )
    assert (outcome.seen, outcome.added) == (1, 1)
    assert registry_book() == seeded
    assert set(seeded) == {"registry-basic", "registry-professional"}


def test_another_failure_of_the_registry_options_propagates_and_writes_nothing():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/sizes":
            return httpx.Response(200, text=sizes_body(("s-1vcpu-1gb", "0.00893", "6.00")))
        return httpx.Response(
            401, json={"id": "unauthorized", "message": "Unable to authenticate you."}
        )

    client = DOClient(
        token="t",
        base_url="https://do.test",
        purpose="billing",
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(DOAPIError):
        refresh_prices(client)
    assert not Price.objects.exists()


def test_the_simulators_tiers_match_the_seeded_book_it_bills_by(do):
    seed_published_prices()
    seeded = registry_book()
    outcome = refresh_prices(do, now=at("2026-03-10 00:00"))
    book = registry_book()
    assert {k: book[k] for k in seeded} == seeded  # basic, professional: unchanged
    assert book["registry-starter"][:2] == (Decimal("0"), Decimal("0"))
    assert outcome.unchanged >= 2


def test_a_change_of_the_book_queues_drift_repricing_once_it_commits_and_no_change_none(
    django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[str] = []
    monkeypatch.setattr(drift_tasks.reprice, "delay", lambda: queued.append("drift.reprice"))
    resource = CloudResourceFactory(size_slug="s-2vcpu-4gb")
    drift = DriftFactory(
        resource=resource,
        provisioned__resource=resource,
        expected="s-1vcpu-1gb",
        actual="s-2vcpu-4gb",
        monthly_impact=None,
    )
    client = do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00"), ("s-2vcpu-4gb", "0.03571", "24.00"))

    with django_capture_on_commit_callbacks(execute=False) as first_commit:
        first = refresh_prices(client)
    assert queued == []  # nothing before the commit
    for callback in first_commit:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        again = refresh_prices(client)
    drift_tasks.reprice()  # what the worker runs
    drift.refresh_from_db()

    assert (first.added, first.drift_repricing_queued) == (2, True)
    assert (again.unchanged, again.drift_repricing_queued) == (2, False)
    assert queued == ["drift.reprice"]
    assert drift.monthly_impact == Decimal("18.00")
    route = celery_app.amqp.router.route({}, "drift.reprice")
    assert route["queue"].name == "drift"


def test_an_operators_price_queues_repricing_after_its_transaction_only(
    django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[str] = []
    monkeypatch.setattr(drift_tasks.reprice, "delay", lambda: queued.append("drift.reprice"))

    # The admin's request holds a transaction around set_price.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        set_price(
            kind="droplet",
            size_slug="s-1vcpu-1gb",
            price_hourly=Decimal("0.01"),
            price_monthly=Decimal("7.00"),
            valid_from=at("2026-03-01 00:00"),
            actor="alice",
        )
        assert queued == []

    assert len(callbacks) == 1 and queued == ["drift.reprice"]


def test_a_broker_that_cannot_take_the_repricing_leaves_the_new_prices_standing(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down() -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(drift_tasks.reprice, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = refresh_prices(do_with_sizes(("s-1vcpu-1gb", "0.00893", "6.00")))

    assert outcome.added == 1
    assert Price.objects.filter(size_slug="s-1vcpu-1gb").exists()
    assert "redis is down" in caplog.text
