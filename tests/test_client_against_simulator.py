"""The DO client against the simulator over real loopback HTTP (issue: foundation §5)."""

from __future__ import annotations

import pytest

from conftest import make_client
from do_client import DOBadResponse, DONotFound, DOServerError, DOTransportError, DOUnauthorized
from do_simulator.testing import running_simulator


def test_lists_10000_droplets_exactly_once_through_429s_and_500s():
    with running_simulator(droplets=10_000, seed=3, rate_limit=10**9) as sim:
        sim.state.set_faults(every_nth_429=5, every_nth_500=7, retry_after_seconds=1)
        waits: list[float] = []
        client = make_client(sim, sleep=waits.append, max_retries=8)

        ids = [droplet["id"] for droplet in client.list_droplets()]

    assert len(ids) == 10_000
    assert len(set(ids)) == 10_000
    assert set(ids) == set(sim.state.droplet_ids())
    # The faults really happened, and the client waited DO's retry-after for the 429s.
    assert waits.count(1) >= 10


def test_pagination_over_a_page_count_not_a_multiple_of_200():
    with running_simulator(droplets=1_050, seed=3) as sim:
        client = make_client(sim)
        pages = list(client.iter_droplet_pages(per_page=200))

    assert [len(page.items) for page in pages] == [200, 200, 200, 200, 200, 50]
    assert {page.total for page in pages} == {1_050}
    assert len({d["id"] for page in pages for d in page.items}) == 1_050


def test_a_storm_of_429s_is_waited_out(simulator):
    simulator.state.set_faults(fail_next=[429] * 4)
    client = make_client(simulator, max_retries=5)

    assert len(list(client.list_droplets())) == 50
    assert client.rate_limit is not None and client.rate_limit.limit > 0


def test_5xx_then_success(simulator):
    simulator.state.set_faults(fail_next=[500, 502, 503])

    assert len(list(make_client(simulator).list_droplets())) == 50


def test_5xx_past_the_retries_is_a_server_error(simulator):
    simulator.state.set_faults(every_nth_500=1)

    with pytest.raises(DOServerError):
        list(make_client(simulator, max_retries=2).list_droplets())


def test_timeouts_are_retried_then_raised(simulator):
    simulator.state.set_faults(latency_seconds=0.5)

    with pytest.raises(DOTransportError):
        make_client(simulator, timeout=0.1, max_retries=1).get_droplet(
            simulator.state.droplet_ids()[0]
        )


@pytest.mark.parametrize("fault", ["garbage_every_nth", "truncate_every_nth"])
def test_garbage_or_truncated_body_is_a_clear_error(simulator, fault):
    simulator.state.set_faults(**{fault: 1})

    with pytest.raises(DOBadResponse):
        list(make_client(simulator).list_droplets())


def test_wrong_token_is_unauthorized(simulator):
    client = make_client(simulator)
    client = type(client)(token="wrong", base_url=simulator.base_url, sleep=lambda s: None)

    with pytest.raises(DOUnauthorized) as refused:
        client.get_droplet(simulator.state.droplet_ids()[0])
    assert refused.value.request_id
    assert "wrong" not in repr(client) and "wrong" not in str(refused.value)


def test_unknown_droplet_is_not_found(simulator):
    with pytest.raises(DONotFound) as missing:
        make_client(simulator).get_droplet(1)
    assert missing.value.error_id == "not_found"
