"""bench/billing: generating every invoice of a month, ours beside a naive loop.

    .venv/bin/python -m bench.billing.run [--n 10000] [--small 2000] [--tenants 100]
                                          [--naive-sample 500]

A month of history (last month, UTC) for N droplets in `--tenants` tenants, written
set-based in SQL (`bench.billing.data`: 10 % resized or moved, 5 % destroyed, 5 % created
mid-month). For N = `--small` and N = `--n`, each in a fresh process: a first generation of
every tenant's invoice, an unchanged second one, and a first one again with the Python heap
traced (tracemalloc slows it, so it is never the timed one). Reported: wall time, every
statement (COPY included) and the DML among them, peak RSS above the process's baseline,
the traced heap peak. The naive loop (`bench.billing.naive`: one resource at a time through
the ORM) runs on the first `--naive-sample` droplets of N; its per-resource rate is
extrapolated to N and labelled so.

Targets (issue 7): >= 20x the naive loop; queries not growing with resources; flat memory;
an unchanged second run writes nothing. Its own database, `arcadia_bench_billing`
(BILLING_BENCH_DATABASE_URL overrides; dropped and re-created for each size).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from urllib.parse import urlparse

URL = os.environ.get(
    "BILLING_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/arcadia_bench_billing"
)
if urlparse(URL).hostname not in ("127.0.0.1", "localhost", "::1"):
    sys.exit(f"refusing a non-loopback bench database: {URL}")
# bench.common reads this at import: every phase then runs against our database.
os.environ["BENCH_DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadia.settings")

import django  # noqa: E402

django.setup()  # bench.billing.data reads the metering rules (billing.meters): models

from bench.billing import data  # noqa: E402
from bench.common import fresh_database, run_phase, table  # noqa: E402
from billing.periods import month_of, month_text, previous_month  # noqa: E402

PHASE = "bench.billing.phase"


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--naive-sample", type=int, default=500)
    args = parser.parse_args()

    month = month_text(previous_month(month_of(datetime.now(UTC))))
    rows: list[list[object]] = []
    results: dict[str, dict[str, object]] = {}
    for n in sorted({args.small, args.n}):
        fresh_database()  # migrated, never analyzed: as a new install's first generation
        loaded = data.load(
            URL, n=n, tenants=args.tenants, month=previous_month(month_of(datetime.now(UTC)))
        )
        first = run_phase(PHASE, mode="ours", month=month)
        second = run_phase(PHASE, mode="ours", month=month)
        data.reset_billing(URL)
        traced = run_phase(PHASE, mode="ours", month=month, trace=1)
        results[f"ours-{n}"] = first
        for label, run in (("first run", first), ("unchanged re-run", second)):
            rows.append(
                [
                    f"arcadia, {label}",
                    f"{n:,}",
                    f"{loaded['events']:,}",
                    fmt(run["wall"], 2),
                    fmt(1000 * run["wall"] / n, 3),
                    run["queries"],
                    run["dml"],
                    fmt(run["rss_growth_mb"]),
                    fmt(traced["heap_peak_mb"]) if label == "first run" else "-",
                    f"{run['invoices']}/{run['lines']}",
                ]
            )
        if n == args.n:
            data.reset_billing(URL)
            sample = min(n, args.naive_sample)
            naive = run_phase(PHASE, mode="naive", month=month, sample=sample)
            data.reset_billing(URL)
            scale = n / max(naive["resources"], 1)
            results["naive"] = {**naive, "wall_at_n": naive["wall"] * scale}
            rows.append(
                [
                    f"naive ORM loop ({sample:,} sampled, extrapolated x{scale:,.0f})",
                    f"{n:,}",
                    "-",
                    fmt(naive["wall"] * scale, 2),
                    fmt(1000 * naive["wall"] / naive["resources"], 3),
                    round(naive["queries"] * scale),
                    round(naive["dml"] * scale),
                    f"{fmt(naive['rss_growth_mb'])} (sample)",
                    "-",
                    f"-/{round(naive['lines'] * scale)}",
                ]
            )

    headers = [
        "run",
        "droplets",
        "events",
        "wall s",
        "ms/droplet",
        "queries",
        "DML",
        "RSS growth MB",
        "heap peak MB",
        "invoices/lines",
    ]
    print(f"\nbench/billing: every invoice of {month}, {args.tenants} tenants\n")
    print(table(headers, rows))
    ours = results[f"ours-{args.n}"]
    naive = results["naive"]
    speedup = float(naive["wall_at_n"]) / float(ours["wall"])  # type: ignore[arg-type]
    print(f"\nspeed-up at {args.n:,} droplets: {speedup:,.1f}x the naive loop (target >= 20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
