"""Drift at scale: detection against a naive loop, and the inbox API under load.

    .venv/bin/python -m bench.drift.run [--n 100000] [--naive-sample 2000]
                                        [--requests 200] [--threads 8] [--skip-api]

1. Detection. N provisioned droplets with 5 spec fields each, 1% drifted. Our set-based
   sweep (`drift.services.detection.detect_drift`) is timed, its queries counted and its
   Python memory peak traced (tracemalloc, in a second run so tracing never slows the
   timed one), at N/10 and at N, to show time linear and memory flat in N. The naive
   loop (`bench.drift.naive`) is timed on a sample of `--naive-sample` resources and
   its per-resource rate extrapolated to N: a full naive run at 100,000 takes minutes.
2. The inbox API. N open drifts and 10 * N resolved ones; queries per request measured
   in-process, then p50/p95 latency of the first page from concurrent requests against a
   real gunicorn on 127.0.0.1.

Everything runs in its own database, `arcadia_bench_drift` (created and migrated when
missing; `DRIFT_BENCH_DATABASE_URL` overrides it, loopback only), never `arcadia_bench`:
bench/sync truncates that one, drift tables included. It stops by itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/arcadia_bench_drift"
DATABASE_URL = os.environ.get("DRIFT_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
if urlparse(DATABASE_URL).hostname not in ("127.0.0.1", "localhost", "::1"):
    sys.exit(f"refusing a non-loopback bench database: {DATABASE_URL}")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")
# As in production: no per-query logging in this process (it would slow the naive loop
# most, and cap the query log that CaptureQueriesContext reads).
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
# Throttles stay on (their Redis round trip is part of a request's cost), at a rate one
# benchmark user never reaches; the server the load runs against inherits it.
os.environ.setdefault("ARCADIA_THROTTLE_USER", "1000000/min")

import django  # noqa: E402

django.setup()

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.drift import api_load, data  # noqa: E402
from bench.drift.naive import naive_detect  # noqa: E402
from drift.services.detection import BATCH_SIZE, QUERIES_PER_BATCH, detect_drift  # noqa: E402
from tenants.models import Tenant, User  # noqa: E402
from tenants.services import issue_api_token  # noqa: E402

MAX_LIST_QUERIES = 6
SERIAL_RUNS = 20
SPEEDUP_TARGET = 20.0


# -- measuring -----------------------------------------------------------------------


class QueryCounter:
    """Counts statements without keeping their text (CaptureQueriesContext would hold
    every 1,000-id array in memory and spoil the memory figure)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Measured:
    seconds: float
    queries: int
    peak_bytes: int | None
    result: Any


def measure(fn: Callable[[], Any], *, trace_memory: bool = False) -> Measured:
    counter = QueryCounter()
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = fn()
    seconds = time.perf_counter() - started
    peak = None
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return Measured(seconds, counter.count, peak, result)


# -- setup ---------------------------------------------------------------------------


def ensure_database() -> None:
    cfg = dj_database_url.parse(DATABASE_URL)
    conninfo = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if not exists.fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print(f"created database {cfg['NAME']}")
    call_command("migrate", verbosity=0)


def bench_admin() -> User:
    user, _ = User.objects.get_or_create(
        username="bench-operator",
        defaults={"is_platform_admin": True, "is_staff": True, "is_superuser": True},
    )
    return user


# -- the two parts -------------------------------------------------------------------


def detection_at(n: int) -> dict[str, Any]:
    print(f"  generating {n:,} provisioned droplets (5 spec fields, 1% drifted) ...", flush=True)
    started = time.perf_counter()
    data.generate_fleet(n)
    print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)

    first = measure(detect_drift)  # opens the 1%
    steady = measure(detect_drift)  # nothing changed: reads only
    data.reset_drift()
    traced = measure(detect_drift, trace_memory=True)
    assert first.result.opened == traced.result.opened == n // data.DRIFTED_EVERY, first.result
    assert steady.result.opened == steady.result.refreshed == steady.result.closed == 0
    return {"n": n, "first": first, "steady": steady, "traced": traced}


def naive_at(sample: int) -> Measured:
    data.reset_drift()
    naive = measure(lambda: naive_detect(sample))
    data.reset_drift()
    return naive


def api_part(n: int, *, requests: int, threads: int) -> None:
    admin = bench_admin()
    print(f"  generating {n:,} open and {data.RESOLVED_PER_OPEN * n:,} resolved drifts ...")
    started = time.perf_counter()
    opened, resolved = data.generate_drift_history(n, resolved_by=admin.pk)
    print(f"  generated in {time.perf_counter() - started:.1f}s", flush=True)

    token = issue_api_token(admin)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    tenant = Tenant.objects.get(slug="bench-1")
    urls = {
        "inbox, first page": "/api/v1/drift",
        "history (status=resolved)": "/api/v1/drift?status=resolved",
        "inbox, one tenant": f"/api/v1/drift?tenant={tenant.pk}",
    }
    queries: dict[str, int] = {}
    serial: dict[str, float] = {}
    for label, url in urls.items():
        client.get(url)  # warm: the first request also loads the token's user
        measured = measure(lambda url=url: client.get(url))
        assert measured.result.status_code == 200, measured.result.content[:500]
        queries[label] = measured.queries
        # One request at a time, in this process: the cost without any queueing.
        timings = [measure(lambda url=url: client.get(url)).seconds for _ in range(SERIAL_RUNS)]
        serial[label] = statistics.median(timings)
    count = client.get("/api/v1/drift").json()["count"]

    print(f"\n  GET /api/v1/drift with {opened:,} open and {resolved:,} resolved drifts")
    print(f"  (inbox count reported by the API: {count:,})")
    print(
        f"  {'request':<28}{'queries':>8}{'alone ms':>10}{'p50 ms':>10}{'p95 ms':>10}"
        f"{'max ms':>10}{'req/s':>9}"
    )
    with api_load.running_server(DATABASE_URL) as base_url:
        for label, url in urls.items():
            result = api_load.load(base_url + url, token=token, requests=requests, threads=threads)
            print(
                f"  {label:<28}{queries[label]:>8}{serial[label] * 1000:>10.1f}"
                f"{result.p50 * 1000:>10.1f}"
                f"{result.percentile(95) * 1000:>10.1f}{max(result.latencies) * 1000:>10.1f}"
                f"{result.throughput:>9.0f}"
                + (f"  ({result.errors} errors)" if result.errors else "")
            )
    worst = max(queries.values())
    verdict = "ok" if worst <= MAX_LIST_QUERIES else "OVER TARGET"
    print(
        f"  {requests} requests per row from {threads} threads over loopback (gunicorn, "
        f"2 workers x 4 threads); queries: at most {worst} (target <= {MAX_LIST_QUERIES}: "
        f"{verdict})\n  'alone': median of {SERIAL_RUNS} sequential requests in-process (Django "
        f"test client, no HTTP); the load shares {os.cpu_count()} CPUs between the client "
        "threads, gunicorn and Postgres."
    )


def print_detection(runs: list[dict[str, Any]], naive: Measured, sample: int) -> None:
    per_resource = naive.seconds / sample
    print(f"\n  Detection (batch size {BATCH_SIZE:,}, at most {QUERIES_PER_BATCH} queries a batch)")
    header = (
        f"  {'N':>9}  {'ours first s':>12} {'ours steady s':>13} {'queries':>8} "
        f"{'q/batch':>8} {'peak MiB':>9} {'naive s*':>9} {'naive q*':>10} {'speedup':>8}"
    )
    print(header)
    for run in runs:
        n, first, steady, traced = run["n"], run["first"], run["steady"], run["traced"]
        batches = first.result.batches
        naive_seconds = per_resource * n
        naive_queries = naive.queries / sample * n
        print(
            f"  {n:>9,}  {first.seconds:>12.2f} {steady.seconds:>13.2f} {first.queries:>8,} "
            f"{first.queries / batches:>8.1f} {traced.peak_bytes / 2**20:>9.1f} "
            f"{naive_seconds:>9.1f} {naive_queries:>10,.0f} {naive_seconds / first.seconds:>7.0f}x"
        )
    print(
        f"  * naive: timed on {sample:,} resources ({naive.seconds:.2f}s, {naive.queries:,} "
        f"queries, {naive.result.opened} drifts opened) and extrapolated at "
        f"{per_resource * 1000:.2f} ms and {naive.queries / sample:.1f} queries per resource."
    )
    speedup = per_resource * runs[-1]["n"] / runs[-1]["first"].seconds
    peaks = [r["traced"].peak_bytes / 2**20 for r in runs]
    print(
        f"  speedup at N={runs[-1]['n']:,}: {speedup:.0f}x (target >= {SPEEDUP_TARGET:.0f}x: "
        f"{'ok' if speedup >= SPEEDUP_TARGET else 'MISSED'}); peak Python memory "
        + " vs ".join(f"{p:.1f} MiB" for p in peaks)
        + " at N="
        + " vs ".join(f"{r['n']:,}" for r in runs)
        + " (flat: bounded by the batch)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="Provisioned resources.")
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200, help="Requests per API row.")
    parser.add_argument("--threads", type=int, default=8, help="Concurrent API clients.")
    parser.add_argument("--skip-api", action="store_true")
    args = parser.parse_args(argv)
    if args.n < 100:
        parser.error("--n must be at least 100 (1% of it drifts)")

    started = time.perf_counter()
    print(f"bench/drift on {DATABASE_URL} (N={args.n:,})")
    ensure_database()
    print("\n[1/2] detection")
    sizes = sorted({max(100, args.n // 10), args.n})
    runs = []
    for n in sizes:
        runs.append(detection_at(n))
    sample = min(args.naive_sample, args.n)
    print(f"  naive loop on {sample:,} of {args.n:,} resources ...", flush=True)
    naive = naive_at(sample)
    print_detection(runs, naive, sample)

    if not args.skip_api:
        print("\n[2/2] the inbox API")
        api_part(args.n, requests=args.requests, threads=args.threads)
    print(f"\ndone in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
