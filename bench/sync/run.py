"""bench/sync: a full droplet sync of N simulated droplets, ours beside a naive baseline.

    .venv/bin/python -m bench.sync.run [--sizes 10000,100000] [--naive-sample 5000]

For each N: a first sync, an unchanged re-sync and a re-sync with 1% of droplets renamed
out of band, each in a fresh process against a simulator subprocess, on a dedicated
database (BENCH_DATABASE_URL, default `arcadia_bench`). The naive baseline writes the
same data with one `update_or_create` per droplet; it runs on the first `--naive-sample`
droplets only (its per-droplet rate does not depend on N) and says so.
Targets (issue 3): first sync of 100,000 >= 20x the baseline's droplets/s; an unchanged
re-sync writes no events in <= 3 queries per page; peak memory flat in N.
"""

from __future__ import annotations

import argparse
import sys

import httpx
import psycopg

from bench.common import (
    BENCH_DATABASE_URL,
    allow_truncate,
    prepare_database,
    run_phase,
    simulator,
    table,
)

PHASE = "bench.sync.phase"


def reset_inventory() -> None:
    with psycopg.connect(BENCH_DATABASE_URL, autocommit=True) as conn:
        allow_truncate(conn)
        conn.execute(
            "TRUNCATE cloud_resource_events, cloud_resources, cloud_project_assignments, "
            "cloud_sync_runs, cloud_projects RESTART IDENTITY CASCADE"
        )


def change_one_percent(url: str) -> int:
    with psycopg.connect(BENCH_DATABASE_URL) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT provider_id FROM cloud_resources WHERE kind = 'droplet' "
                "AND deleted_at IS NULL ORDER BY id"
            )
        ]
    chosen = ids[::100]
    with httpx.Client(base_url=url, timeout=30) as sim:
        for provider_id in chosen:
            sim.post(
                f"/_sim/droplets/{provider_id}/oob",
                json={"op": "rename", "name": f"renamed-{provider_id}"},
            ).raise_for_status()
    return len(chosen)


def bench_size(n: int, naive_sample: int) -> list[dict[str, object]]:
    results = []
    with simulator(n) as url:
        reset_inventory()
        for label, prepare in (
            ("first sync", None),
            ("unchanged", None),
            ("1% changed", change_one_percent),
        ):
            changed = prepare(url) if prepare else 0
            ours = run_phase(PHASE, mode="ours", url=url)
            results.append({"n": n, "phase": label, "who": "arcadia", "changed": changed, **ours})
        reset_inventory()
        sample = min(n, naive_sample)
        for label in ("first sync", "unchanged"):
            naive = run_phase(PHASE, mode="naive", url=url, sample=sample)
            results.append({"n": n, "phase": label, "who": f"naive ({sample} sampled)", **naive})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--naive-sample", type=int, default=5000)
    args = parser.parse_args()
    prepare_database()

    rows, verdicts = [], []
    peak_by_n = {}
    for n in (int(s) for s in args.sizes.split(",")):
        results = bench_size(n, args.naive_sample)
        by = {(r["phase"], r["who"].split()[0]): r for r in results}
        for r in results:
            rate = r["droplets"] / r["wall"] if r["wall"] else 0
            rows.append(
                [
                    r["n"],
                    r["phase"],
                    r["who"],
                    f"{r['wall']:.2f}s",
                    f"{rate:,.0f}",
                    r["pages"],
                    f"{r['queries_per_page']:.1f}",
                    r["events"],
                    f"{r['peak_rss_mb']:.0f} MB",
                ]
            )
        ours_first, naive_first = by[("first sync", "arcadia")], by[("first sync", "naive")]
        speedup = (ours_first["droplets"] / ours_first["wall"]) / (
            naive_first["droplets"] / naive_first["wall"]
        )
        unchanged = by[("unchanged", "arcadia")]
        peak_by_n[n] = max(r["peak_rss_mb"] for r in results if r["who"] == "arcadia")
        verdicts.append(
            f"N={n}: first sync {speedup:.1f}x the naive baseline's droplets/s (target >= 20x "
            f"at 100,000); unchanged re-sync wrote {unchanged['events']} events at "
            f"{unchanged['queries_per_page']:.1f} queries/page (target 0 and <= 3)"
        )
    print()
    print(
        table(
            [
                "N",
                "phase",
                "who",
                "wall",
                "droplets/s",
                "pages",
                "queries/page",
                "events",
                "peak RSS",
            ],
            rows,
        )
    )
    print()
    for line in verdicts:
        print(line)
    if len(peak_by_n) > 1:
        sizes = sorted(peak_by_n)
        print(
            "peak RSS of Arcadia's sync: "
            + ", ".join(f"N={n}: {peak_by_n[n]:.0f} MB" for n in sizes)
            + " (target: flat in N)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
