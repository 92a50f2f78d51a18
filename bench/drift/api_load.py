"""A real server on loopback and a bounded load of concurrent requests against it.

The server is gunicorn serving `arcadia.wsgi` (as `bin/up` runs it) on a free port of
127.0.0.1, pointed at the bench database; it is stopped when the block ends, whatever
happens. The load is a fixed number of requests from a fixed number of threads."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(database_url: str, *, workers: int = 2, threads: int = 4) -> Iterator[str]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": LOOPBACK,
        "LOG_LEVEL": "WARNING",
        # Throttled, as in production, at a rate the one benchmark user never reaches.
        "ARCADIA_THROTTLE_USER": os.environ.get("ARCADIA_THROTTLE_USER", "1000000/min"),
    }
    process = subprocess.Popen(
        [
            str(gunicorn),
            "arcadia.wsgi",
            "--bind",
            f"{LOOPBACK}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        _wait_ready(base_url, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_ready(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {base_url} within {READY_TIMEOUT}s")


@dataclass
class LoadResult:
    requests: int
    threads: int
    errors: int
    wall: float
    latencies: list[float]

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def throughput(self) -> float:
        return self.requests / self.wall if self.wall else float("nan")


def load(url: str, *, token: str, requests: int, threads: int, warmup: int = 16) -> LoadResult:
    """`requests` GETs of `url` from `threads` threads, after `warmup` unmeasured ones."""
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(warmup):
            client.get(url).raise_for_status()

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = iter(range(requests))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                start = time.perf_counter()
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=300)
    return LoadResult(requests, threads, errors, time.perf_counter() - started, latencies)
