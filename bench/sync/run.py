"""bench/sync: a full droplet sync of N simulated droplets, beside a raw set-based upsert.

    .venv/bin/python -m bench.sync.run [--sizes 10000,100000] [--naive-sample 0]

For each N, on a freshly created database (`bench.common.fresh_database()`: migrated, no
ANALYZE, as a new install's first sync runs), against a simulator subprocess, each phase
in a fresh process: Arcadia's sync (`run_full_sync`) for a first sync, an unchanged
re-sync and a re-sync with 1% of droplets renamed out of band; then the raw set-based
baseline over the same pages, from the same run: one plain `INSERT ... ON CONFLICT
(provider, kind, provider_id) DO UPDATE ... RETURNING id` per page into a copy of
cloud_resources with the same indexes (an unchanged re-sync bumps every row).

Rates are droplets/s: `e2e` over the whole sync (the listing from the simulator
included), `db` over the page writes alone (the chokepoint call, or the raw statement).
Targets (issue 13), on `db`: Arcadia/raw >= 0.7 for a first sync, >= 1.0 unchanged,
>= 0.9 with 1% changed; the cost of a page flat from 10,000 to 100,000 (ratio ~1).
`--naive-sample K` also runs the old one-`update_or_create`-per-droplet baseline on the
first K droplets, on a database of its own (off by default: it measures nothing here).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import httpx
import psycopg

from bench.common import BENCH_DATABASE_URL, fresh_database, run_phase, simulator, table

PHASE = "bench.sync.phase"
RAW_TABLE = "bench_raw_resources"
PHASES = ("first sync", "unchanged", "1% changed")
TARGETS = {"first sync": 0.7, "unchanged": 1.0, "1% changed": 0.9}


def create_raw_table() -> None:
    """The raw baseline's table: cloud_resources' columns, defaults, indexes and storage
    parameters, empty and never analyzed, so both writers start from the same state."""
    with psycopg.connect(BENCH_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE cloud_resources INCLUDING ALL)")
        # LIKE copies no storage parameters: the same fillfactor (migration 0004) too.
        (options,) = conn.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'cloud_resources'"
        ).fetchone()
        if options:
            conn.execute(f"ALTER TABLE {RAW_TABLE} SET ({', '.join(options)})")


def change_one_percent(url: str, table_name: str, mark: str) -> int:
    with psycopg.connect(BENCH_DATABASE_URL) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                f"SELECT provider_id FROM {table_name} WHERE kind = 'droplet' "
                "AND deleted_at IS NULL ORDER BY id"
            )
        ]
    chosen = ids[::100]
    with httpx.Client(base_url=url, timeout=30) as sim:
        for provider_id in chosen:
            sim.post(
                f"/_sim/droplets/{provider_id}/oob",
                json={"op": "rename", "name": f"{mark}-{provider_id}"},
            ).raise_for_status()
    return len(chosen)


def bench_size(n: int, naive_sample: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with simulator(n) as url:
        fresh_database()
        create_raw_table()
        for who, mode, table_name in (
            ("arcadia", "ours", "cloud_resources"),
            ("raw", "raw", RAW_TABLE),
        ):
            for label in PHASES:
                changed = (
                    change_one_percent(url, table_name, f"renamed-{who}")
                    if label == "1% changed"
                    else 0
                )
                result = run_phase(PHASE, mode=mode, url=url)
                results.append({"n": n, "phase": label, "who": who, "changed": changed, **result})
                # As each phase ends: a long run shows its progress (and what it had).
                print(f"N={n} {label} {who}: {json.dumps(result)}", flush=True)
        if naive_sample:
            fresh_database()
            sample = min(n, naive_sample)
            for label in PHASES[:2]:
                naive = run_phase(PHASE, mode="naive", url=url, sample=sample)
                results.append(
                    {"n": n, "phase": label, "who": f"naive ({sample} sampled)", **naive}
                )
    return results


def rate(result: dict[str, Any], key: str) -> float:
    seconds = float(result[key])
    return float(result["droplets"]) / seconds if seconds else 0.0


def per_page_ms(result: dict[str, Any]) -> float:
    return 1000 * float(result["db"]) / max(int(result["pages"]), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--naive-sample", type=int, default=0)
    args = parser.parse_args()

    rows, verdicts = [], []
    by: dict[tuple[int, str, str], dict[str, Any]] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        for r in bench_size(n, args.naive_sample):
            by[(n, str(r["phase"]), str(r["who"]))] = r
            rows.append(
                [
                    r["n"],
                    r["phase"],
                    r["who"],
                    f"{r['wall']:.2f}s",
                    f"{rate(r, 'wall'):,.0f}",
                    f"{r.get('db', 0):.2f}s",
                    f"{rate(r, 'db'):,.0f}" if "db" in r else "-",
                    f"{per_page_ms(r):.1f}" if "db" in r else "-",
                    r["pages"],
                    f"{r['queries_per_page']:.1f}",
                    r["events"],
                    f"{r['peak_rss_mb']:.0f} MB",
                ]
            )
        for label in PHASES:
            ours, raw = by[(n, label, "arcadia")], by[(n, label, "raw")]
            ratio = rate(ours, "db") / rate(raw, "db")
            e2e = rate(ours, "wall") / rate(raw, "wall")
            verdict = "ok" if ratio >= TARGETS[label] else "MISSED"
            verdicts.append(
                f"N={n} {label}: Arcadia/raw {ratio:.2f} on page writes (target >= "
                f"{TARGETS[label]}: {verdict}), {e2e:.2f} end to end"
            )
    sizes = sorted({n for n, _, _ in by})
    flat = []
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for label in PHASES:
            ratio = per_page_ms(by[(large, label, "arcadia")]) / per_page_ms(
                by[(small, label, "arcadia")]
            )
            flat.append(
                f"{label}: Arcadia's page write at N={large:,} costs {ratio:.2f}x its cost "
                f"at N={small:,} (target: flat, ~1)"
            )
    print()
    print(
        table(
            [
                "N",
                "phase",
                "who",
                "e2e wall",
                "e2e droplets/s",
                "db",
                "db droplets/s",
                "ms/page",
                "pages",
                "queries/page",
                "events",
                "peak RSS",
            ],
            rows,
        )
    )
    print()
    for line in [*verdicts, *flat]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
