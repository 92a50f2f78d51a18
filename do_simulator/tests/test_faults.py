"""Faults on demand: deterministic counters, injected statuses, spoiled bodies, latency."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from do_simulator.testing import SimulatorHandle


def statuses(client: httpx.Client, count: int) -> list[int]:
    return [client.get("/v2/sizes").status_code for _ in range(count)]


def test_one_in_five_is_429_and_one_in_seven_is_500_with_429_winning(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.set_faults(every_nth_429=5, every_nth_500=7)
    got = statuses(client, 35)
    expected = [429 if n % 5 == 0 else 500 if n % 7 == 0 else 200 for n in range(1, 36)]
    assert got == expected
    assert got[34] == 429  # the 35th is both: the 429 wins


def test_injected_429_has_retry_after_and_do_body(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.set_faults(every_nth_429=1, retry_after_seconds=3)
    response = client.get("/v2/droplets")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["id"] == "too_many_requests"
    assert response.json()["request_id"]


def test_fail_next_statuses_come_first_then_normal_service(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    sim.state.set_faults(fail_next=[503, 500, 429])
    assert statuses(client, 4) == [503, 500, 429, 200]


def test_injected_errors_have_no_side_effect(sim: SimulatorHandle, client: httpx.Client) -> None:
    before = len(sim.state.droplet_ids())
    sim.state.set_faults(fail_next=[500])
    body = {"name": "x-1", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "debian-12-x64"}
    assert client.post("/v2/droplets", json=body).status_code == 500
    assert len(sim.state.droplet_ids()) == before


def test_truncated_body_is_invalid_json_with_matching_length(
    sim: SimulatorHandle, client: httpx.Client
) -> None:
    full = client.get("/v2/droplets").content
    sim.state.set_faults(truncate_every_nth=2)
    assert client.get("/v2/droplets").status_code == 200  # the first is intact
    cut = client.get("/v2/droplets")
    assert cut.status_code == 200
    assert int(cut.headers["content-length"]) == len(cut.content) == len(full) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert client.get("/v2/droplets").json()["droplets"]  # the connection still works


def test_garbage_is_a_200_with_a_non_json_body(sim: SimulatorHandle, client: httpx.Client) -> None:
    sim.state.set_faults(garbage_every_nth=1)
    response = client.get("/v2/droplets")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_latency_delays_every_response(sim: SimulatorHandle, client: httpx.Client) -> None:
    sim.state.set_faults(latency_seconds=0.2)
    started = time.monotonic()
    client.get("/v2/sizes")
    assert time.monotonic() - started >= 0.2


def test_reset_faults_restores_normal_service(sim: SimulatorHandle, client: httpx.Client) -> None:
    sim.state.set_faults(every_nth_500=1)
    assert statuses(client, 1) == [500]
    sim.state.reset_faults()
    assert statuses(client, 3) == [200, 200, 200]


def test_unknown_fault_is_refused(sim: SimulatorHandle) -> None:
    with pytest.raises(ValueError, match="unknown faults"):
        sim.state.set_faults(every_nth_418=2)
