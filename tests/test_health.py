"""`/healthz`: 200 when Postgres and Redis answer, 503 naming the one that does not."""

import socket

import pytest

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    # Bind then release: nothing listens on the port for the test's few milliseconds.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_is_ok_when_postgres_and_redis_answer(client):
    # Anonymous on purpose: load balancers and compose probe it without credentials.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


def test_healthz_is_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"].startswith("error")
