"""What bin/up and bin/_common.sh do with the environment: Redis is the one REDIS_URL
names (a local one started only on loopback), and gunicorn's control socket is the
project's own."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMON = ROOT / "bin" / "_common.sh"

pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None, reason="needs redis-cli")


def ensure_redis(redis_url: str) -> subprocess.CompletedProcess[str]:
    script = f'set -euo pipefail; source "{COMMON}"; ensure_redis'
    env = {**os.environ, "REDIS_URL": redis_url}
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_remote_redis_that_is_down_is_reported_not_replaced_by_a_local_one():
    result = ensure_redis("redis://redis.invalid:6390/0")

    assert result.returncode != 0
    assert "redis.invalid:6390" in result.stderr
    assert "starting Redis" not in result.stdout


def test_the_redis_url_in_use_is_checked(settings):
    # The running Redis, named through REDIS_URL with another db: nothing to start.
    result = ensure_redis(re.sub(r"/\d+$", "", settings.REDIS_URL) + "/7")

    assert result.returncode == 0, result.stderr
    assert "starting Redis" not in result.stdout


@pytest.mark.skipif(
    shutil.which("redis-server") is None or os.geteuid() != 0,
    reason="starts a local redis-server (root: it writes /var/lib/redis)",
)
def test_a_loopback_redis_that_is_down_is_started_on_redis_urls_port():
    port = free_port()
    try:
        result = ensure_redis(f"redis://127.0.0.1:{port}/0")

        assert result.returncode == 0, result.stderr
        assert f"starting Redis on 127.0.0.1:{port}" in result.stdout
        pong = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10
        )
        assert pong.stdout.strip() == "PONG"
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10
        )


def test_bin_up_gives_gunicorn_the_projects_control_socket():
    up = (ROOT / "bin" / "up").read_text()

    assert '--control-socket "$ROOT/var/run/gunicorn.ctl"' in up


def test_the_installed_gunicorn_puts_its_control_socket_where_told(tmp_path):
    control = tmp_path / "run" / "gunicorn.ctl"
    control.parent.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_RUNTIME_DIR", None)
    app = tmp_path / "tinyapp.py"
    app.write_text("def app(environ, start_response):\n    return []\n")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "tinyapp:app",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--control-socket",
            str(control),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not control.exists():
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "gunicorn made no control socket"
            time.sleep(0.1)
        assert control.is_socket()
        assert not (home / ".gunicorn").exists()
    finally:
        server.terminate()
        server.wait(timeout=20)
