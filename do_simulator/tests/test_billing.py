"""DO's invoices follow the billing rules: hourly before 2026-01, per second from then."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from do_simulator import billing
from do_simulator.models import droplet_uuid
from do_simulator.resource_kinds import DEFAULT_COUNTS
from do_simulator.testing import SimulatorHandle, running_simulator

from .conftest import walk


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.fixture
def empty() -> Iterator[SimulatorHandle]:
    """A simulator with projects but no droplets nor other billed resources, so every
    invoice item is the test's own."""
    with running_simulator(droplets=0, resources={kind: 0 for kind in DEFAULT_COUNTS}) as handle:
        yield handle


def invoice(client: httpx.Client, period: str) -> tuple[dict, list[dict]]:
    invoices, _ = walk(client, "/v2/customers/my/invoices?per_page=200", "invoices")
    (summary,) = [i for i in invoices if i["invoice_period"] == period]
    items, _ = walk(
        client, f"/v2/customers/my/invoices/{summary['invoice_uuid']}?per_page=200", "invoice_items"
    )
    return summary, items


@pytest.mark.parametrize(
    ("size", "seconds", "period", "hours", "amount"),
    [
        ("s-1vcpu-1gb", 3601, (2025, 11), "2", "0.02"),  # rounded up to whole hours
        ("s-1vcpu-1gb", 720 * 3600, (2025, 11), "720", "6.00"),  # capped at price_monthly
        ("s-2vcpu-4gb", 373 * 3600 + 1800, (2025, 11), "374", "13.36"),
        ("c-2", 30, (2026, 3), None, "0.01"),  # 60 s minimum, then $0.01 minimum
        ("g-2vcpu-8gb", 1800, (2026, 3), "0.5000", "0.05"),  # 0.046875 rounds half up
        ("s-1vcpu-2gb", 37230, (2026, 4), "10.3417", "0.18"),  # exact seconds / 3600
        ("s-2vcpu-2gb", 744 * 3600, (2026, 3), "744", "18.00"),  # cap under per-second too
    ],
)
def test_cost_rules(
    size: str, seconds: int, period: tuple[int, int], hours: str | None, amount: str
) -> None:
    billed_hours, billed = billing.cost(size, seconds, period)
    assert billed == Decimal(amount)
    if hours is not None:
        assert billing.duration_text(billed_hours) == hours


def test_resized_mid_month_bills_two_items(empty: SimulatorHandle) -> None:
    state = empty.state
    (droplet_id,) = state.oob_add_droplets(
        1, size="s-1vcpu-1gb", name_prefix="billed", created_at=ts("2025-11-03T00:00:00")
    )
    state.oob_resize(droplet_id, "s-2vcpu-4gb", at=ts("2025-11-15T10:30:00"))
    state.oob_delete(droplet_id, at=ts("2025-12-02T06:00:00"))
    with httpx.Client(base_url=empty.base_url, headers=empty.auth_headers) as client:
        november, items = invoice(client, "2025-11")
        december, december_items = invoice(client, "2025-12")

    # 298.5 h at $0.00893 -> 299 h = 2.67007; 373.5 h at $0.03571 -> 374 h = 13.35554
    assert [(i["description"].split(" ")[-1], i["amount"], i["duration"]) for i in items] == [
        ("(s-1vcpu-1gb)", "2.67", "299"),
        ("(s-2vcpu-4gb)", "13.36", "374"),
    ]
    assert november["amount"] == "16.03"
    assert items[0]["start_time"] == "2025-11-03T00:00:00Z"
    assert items[0]["end_time"] == items[1]["start_time"] == "2025-11-15T10:30:00Z"
    assert items[1]["end_time"] == "2025-12-01T00:00:00Z"
    assert {i["resource_id"] for i in items} == {str(droplet_id)}
    assert {i["resource_uuid"] for i in items} == {droplet_uuid(droplet_id)}
    # Destroyed on Dec 2 at 06:00: 30 h at $0.03571 = 1.0713
    assert [(i["amount"], i["duration"]) for i in december_items] == [("1.07", "30")]
    assert december["amount"] == "1.07"


def test_per_second_months_bill_exact_seconds_with_minimums(empty: SimulatorHandle) -> None:
    state = empty.state
    (brief,) = state.oob_add_droplets(1, size="c-2", created_at=ts("2026-03-10T00:00:00"))
    state.oob_delete(brief, at=ts("2026-03-10T00:00:30"))
    (steady,) = state.oob_add_droplets(1, size="s-2vcpu-2gb", created_at=ts("2026-03-01T00:00:00"))
    state.oob_delete(steady, at=ts("2026-04-01T10:20:30"))
    with httpx.Client(base_url=empty.base_url, headers=empty.auth_headers) as client:
        march, march_items = invoice(client, "2026-03")
        april, april_items = invoice(client, "2026-04")
    amounts = {int(i["resource_id"]): i["amount"] for i in march_items}
    assert amounts == {brief: "0.01", steady: "18.00"}
    assert march["amount"] == "18.01"
    # 37,230 s at $0.02679/h = 0.27705...
    assert [(i["amount"], i["duration"]) for i in april_items] == [("0.28", "10.3417")]
    assert april["amount"] == "0.28"


def test_running_droplet_bills_whole_ended_months(empty: SimulatorHandle) -> None:
    (droplet_id,) = empty.state.oob_add_droplets(
        1, size="s-1vcpu-1gb", created_at=ts("2026-05-20T12:00:00")
    )
    items = empty.state.invoice_items("2026-06")
    assert [(i["resource_id"], i["amount"], i["duration"]) for i in items] == [
        (str(droplet_id), "6.00", "720")
    ]


def test_invoice_amount_is_the_sum_of_its_items_for_a_generated_fleet(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    for period, amount in sim.state.invoice_summaries().items():
        summary, items = invoice(client, period)
        assert summary["amount"] == amount
        assert Decimal(amount) == sum((Decimal(i["amount"]) for i in items), Decimal(0))


def test_preview_is_the_running_month_to_date() -> None:
    frozen = float(ts("2026-11-20T08:00:00"))  # a still clock: the running month stops growing
    with (
        running_simulator(droplets=40, clock=lambda: frozen) as sim,
        httpx.Client(base_url=sim.base_url, headers=sim.auth_headers) as client,
    ):
        preview = client.get("/v2/customers/my/invoices").json()["invoice_preview"]
        url = f"/v2/customers/my/invoices/{preview['invoice_uuid']}?per_page=200"
        items, _ = walk(client, url, "invoice_items")
    assert preview["invoice_period"] == "2026-11"
    assert preview["updated_at"] == "2026-11-20T08:00:00Z"
    assert max(i["end_time"] for i in items) == "2026-11-20T08:00:00Z"
    assert Decimal(preview["amount"]) == sum((Decimal(i["amount"]) for i in items), Decimal(0))


def test_unknown_invoice_is_404(client: httpx.Client) -> None:
    assert client.get("/v2/customers/my/invoices/not-an-invoice").status_code == 404
