"""Shared by the benchmarks: a dedicated database, a simulator subprocess, child phases.

Each measured phase runs in a fresh child process so its peak RSS is its own, and the
simulator runs in another so its memory never counts against Arcadia's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arcadia_bench"
)


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": BENCH_DATABASE_URL,
            "DJANGO_SETTINGS_MODULE": "arcadia.settings",
            # Production settings: with DEBUG on, Django formats and keeps every query's
            # SQL (a page's write is hundreds of KB), which is neither fast nor flat.
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key",
            # What a sync queues after it (billing's drift repricing after the price
            # refresh) runs in the bench's own process, never left on the broker for
            # whichever worker consumes the queue next.
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    env.pop("DO_API_TOKEN", None)
    env.update(extra)
    return env


def prepare_database() -> None:
    """Creates (if missing) and migrates the benchmark database."""
    subprocess.run(
        [
            "bash",
            "-c",
            f'source bin/_common.sh && DATABASE_URL="{BENCH_DATABASE_URL}" ensure_database',
        ],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )


def fresh_database() -> None:
    """Drops and re-creates the benchmark database, then migrates it: a new install's
    first sync, with no table statistics yet (no ANALYZE), as the figures must be taken."""
    from psycopg import sql

    conninfo = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1].split("?")[0]
    with psycopg_connect(conninfo) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )


def psycopg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def allow_truncate(conn: Any) -> None:
    """Lets this psycopg session (a superuser's) empty the audit log and invoice tables
    between runs, which Postgres otherwise refuses: the escape hatch `manage.py flush` uses
    (arcadia/triggers.py), for the whole session."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")
    django.setup()
    from arcadia.triggers import truncate_guard_pgids

    guards = "{" + ",".join(truncate_guard_pgids()) + "}"
    conn.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [guards])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def simulator(droplets: int, *, seed: int = 1, extra: list[str] | None = None) -> Iterator[str]:
    """A simulator subprocess on loopback with no practical rate limit; yields its URL.
    `extra`: more `manage.py do_simulator` arguments (the other kinds' counts)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "do_simulator",
            "--port",
            str(port),
            "--droplets",
            str(droplets),
            "--seed",
            str(seed),
            "--token",
            "sim-token",
            "--rate-limit",
            "100000000",
            "--burst-limit",
            "100000000",
            *(extra or []),
        ],
        cwd=ROOT,
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/_sim/state", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_phase(module: str, **args: object) -> dict[str, object]:
    """Runs `python -m <module> --k v ...` and returns the JSON it prints last."""
    argv = [sys.executable, "-m", module]
    for key, value in args.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(argv, cwd=ROOT, env=bench_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
