"""client_for: one shared client per purpose, base URL and token, per process."""

from __future__ import annotations

import threading

import pytest
import respx

from do_client import DOClient, client_for, reset_clients

from .fakes import TOKEN


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch, settings):
    monkeypatch.delenv("DO_API_TOKEN", raising=False)
    monkeypatch.delenv("DO_API_TOKEN_SYNC", raising=False)
    monkeypatch.delenv("DO_API_TOKEN_BILLING", raising=False)
    settings.DO_API_BASE_URL = "http://127.0.0.1:8765"
    settings.DO_API_TIMEOUT_SECONDS = 7.5
    settings.DO_API_TOKEN = ""
    reset_clients()
    yield
    reset_clients()


def test_builds_client_from_settings():
    client = client_for("sync")

    assert isinstance(client, DOClient)
    assert client.base_url == "http://127.0.0.1:8765"
    assert client.purpose == "sync"
    assert client._http.timeout.read == 7.5


def test_same_purpose_shares_one_client():
    assert client_for("sync") is client_for("sync")


def test_each_purpose_has_its_own_client():
    assert client_for("sync") is not client_for("billing")


def test_rotated_token_gets_a_new_client(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN_SYNC", "old")
    old = client_for("sync")
    monkeypatch.setenv("DO_API_TOKEN_SYNC", "new")

    assert client_for("sync") is not old


def test_changed_base_url_gets_a_new_client(settings):
    first = client_for("sync")
    settings.DO_API_BASE_URL = "https://api.digitalocean.com"

    assert client_for("sync") is not first
    assert client_for("sync").base_url == "https://api.digitalocean.com"


def test_uses_the_purpose_token(monkeypatch):
    monkeypatch.setenv("DO_API_TOKEN_SYNC", TOKEN)

    client = client_for("sync")

    assert client._http.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(client)


def test_reset_closes_and_forgets_clients():
    client = client_for("sync")

    reset_clients()

    assert client.is_closed
    assert client_for("sync") is not client


def test_a_closed_client_is_replaced():
    client = client_for("sync")
    client.close()

    assert client_for("sync") is not client


def test_threads_share_one_client():
    found: list[DOClient] = []
    start = threading.Barrier(16)

    def worker() -> None:
        start.wait()
        found.append(client_for("sync"))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(client) for client in found}) == 1


def test_shared_client_can_be_mocked_with_respx():
    # Other apps' tests can mock DO around client_for without injecting a transport.
    with respx.mock(base_url="http://127.0.0.1:8765", assert_all_called=True) as do:
        do.get("/v2/droplets/1").respond(json={"droplet": {"id": 1}})

        assert client_for("sync").get_droplet(1) == {"id": 1}


def test_a_client_that_does_not_wait_never_retries_paces_or_sleeps_on_429():
    waiting, eager = client_for("provisioning"), client_for("provisioning", waits=False)

    assert eager is not waiting and eager is client_for("provisioning", waits=False)
    assert (eager.max_retries, eager.max_rate_limit_wait, eager.pace) == (0, 0.0, False)
    assert (waiting.max_retries, waiting.pace) == (5, True)
