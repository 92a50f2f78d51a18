"""The simulator's management commands: they follow `settings.DO_API_BASE_URL` (what
`bin/up` started), and the token never reaches their output (it ends up in log files)."""

from __future__ import annotations

import json
import socket
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from do_simulator.server import SimServer
from do_simulator.testing import running_simulator

SECRET = "sim-secret-token-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`do_simulator` starts its server and stops at once (as on Ctrl-C); the base URLs
    it listened on are recorded."""
    urls: list[str] = []

    def interrupted(server: SimServer) -> None:
        urls.append(server.base_url)
        raise KeyboardInterrupt

    monkeypatch.setattr(SimServer, "serve_forever", interrupted)
    return urls


def serve(*args: str) -> str:
    out = StringIO()
    call_command("do_simulator", "--droplets", "0", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_the_simulator_never_prints_its_token(served):
    output = serve("--port", "0", "--token", SECRET)

    assert SECRET not in output
    assert SECRET[4:12] not in output
    assert "DO_API_TOKEN=sim-********" in output


def test_the_simulator_listens_where_do_api_base_url_points(served, settings):
    port = free_port()
    settings.DO_API_BASE_URL = f"http://127.0.0.1:{port}"

    output = serve()

    assert served == [f"http://127.0.0.1:{port}"]
    assert f"DO_API_BASE_URL=http://127.0.0.1:{port}" in output


def test_simulator_ctl_talks_to_do_api_base_url(settings):
    with running_simulator(droplets=3, seed=5) as sim:
        settings.DO_API_BASE_URL = sim.base_url
        out = StringIO()

        call_command("do_simulator_ctl", "state", stdout=out)

    state: dict[str, Any] = json.loads(out.getvalue())
    assert state["droplets"] == 3


def test_simulator_ctl_url_option_still_wins(settings):
    settings.DO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with running_simulator(droplets=2, seed=5) as sim:
        out = StringIO()

        call_command("do_simulator_ctl", "--url", sim.base_url, "state", stdout=out)

    assert json.loads(out.getvalue())["droplets"] == 2
