"""One measured billing phase, in its own process (see bench/common.py). Prints JSON.

python -m bench.billing.phase --mode ours|naive --month YYYY-MM [--sample N] [--trace]

`ours`: `generate_month` for every tenant. `naive`: `bench.billing.naive` on the first
`--sample` droplets. Counts every statement (COPY included), the DML among them, wall
time, and peak memory: RSS above the process's baseline after Django started, and with
`--trace` the Python heap's peak (tracemalloc; slower, so never in a timed run).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
import tracemalloc

os.environ["DEBUG"] = "0"  # no per-query log kept in memory
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")

import django

django.setup()

from django.db import connection  # noqa: E402

from bench.billing.naive import naive_generate  # noqa: E402
from bench.common import peak_rss_mb  # noqa: E402
from billing.periods import parse_month  # noqa: E402
from billing.services import bulk  # noqa: E402
from billing.services.invoices import generate_month  # noqa: E402

DML = ("INSERT", "UPDATE", "DELETE")


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Counter:
    def __init__(self) -> None:
        self.queries = 0
        self.dml = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        if sql.lstrip().upper().startswith(DML):
            self.dml += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["ours", "naive"], required=True)
    parser.add_argument("--month", required=True)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--trace", type=int, default=0, help="1: trace the Python heap")
    args = parser.parse_args()
    month = parse_month(args.month)

    counter = Counter()
    # COPY goes to psycopg directly, past Django's execute wrappers: count it here.
    copy_from = bulk.copy_from

    def counted_copy(*args, **kwargs) -> None:
        counter.queries += 1
        counter.dml += 1
        copy_from(*args, **kwargs)

    bulk.copy_from = counted_copy

    connection.ensure_connection()
    gc.collect()
    base_rss = current_rss_mb()
    if args.trace:
        tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        if args.mode == "ours":
            result = generate_month(month, actor="bench")
            summary = {
                "resources": None,
                "invoices": len(result.invoices),
                "lines": sum(i.lines for i in result.invoices),
                "wrote": result.wrote,
                "segments_inserted": result.segments_inserted,
            }
        else:
            summary = naive_generate(month, limit=args.sample)
    wall = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace else None
    print(
        json.dumps(
            {
                **summary,
                "wall": wall,
                "queries": counter.queries,
                "dml": counter.dml,
                "rss_base_mb": base_rss,
                "rss_peak_mb": peak_rss_mb(),
                "rss_growth_mb": peak_rss_mb() - base_rss,
                "heap_peak_mb": traced,
            }
        )
    )


if __name__ == "__main__":
    main()
