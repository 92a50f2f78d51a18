"""bench/sync, every-kind mode: an AI platform's whole DO account, synced kind by kind.

    .venv/bin/python -m bench.sync.kinds [--runs 3] [--scale 1.0]

The account (issue 12): 10,000 droplets and 500 GPU Droplets, 5,000 volumes, 2,000
snapshots, 200 load balancers, 100 databases, 50 Kubernetes clusters, 1,000 reserved IPs,
100 firewalls and 500 domains (`--scale` multiplies every count). Beside it, the
droplet-only account of the same 10,000 droplets. For each: a first sync, an unchanged
re-sync, and a re-sync after 1% of every kind changed out of band, each in a fresh child
process against a simulator subprocess, on a freshly created database with no ANALYZE.
Every run is repeated `--runs` times (a fresh database each time); the tables print the
median and the range (min-max) of the wall time, per kind and in all.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import httpx
import psycopg

from bench.common import BENCH_DATABASE_URL, fresh_database, run_phase, simulator, table

PHASE = "bench.sync.kinds_phase"

ACCOUNT = {
    "volume": 5000,
    "snapshot": 2000,
    "load_balancer": 200,
    "database": 100,
    "kubernetes_cluster": 50,
    "reserved_ip": 1000,
    "firewall": 100,
    "domain": 500,
}
DROPLETS, GPU_DROPLETS = 10_000, 500
KIND_ORDER = ["droplet", *ACCOUNT]

# What "changed out of band" means per kind: one meaningful field, through `/_sim/`.
CHANGES = {
    "droplet": None,  # renamed through the droplet route
    "volume": lambda rid: {"description": f"bench {rid}"},
    "snapshot": lambda rid: {"name": f"bench-{rid}"},
    "load_balancer": lambda rid: {"name": f"bench-{rid}"},
    "database": lambda rid: {"name": f"bench-{rid}"},
    "kubernetes_cluster": lambda rid: {"name": f"bench-{rid}"},
    "reserved_ip": lambda rid: {"droplet": None},
    "firewall": lambda rid: {"name": f"bench-{rid}"},
    "domain": lambda rid: {"ttl": 600},
}


def simulator_args(every_kind: bool, scale: float) -> tuple[int, list[str]]:
    if not every_kind:
        return int(DROPLETS * scale), ["--gpu-droplets", "0", "--resources", "none"]
    counts = ",".join(f"{kind}={max(1, int(n * scale))}" for kind, n in ACCOUNT.items())
    return int(DROPLETS * scale), [
        "--gpu-droplets",
        str(max(1, int(GPU_DROPLETS * scale))),
        "--resources",
        counts,
    ]


def change_one_percent(url: str, kinds: list[str]) -> int:
    with psycopg.connect(BENCH_DATABASE_URL) as conn:
        rows = conn.execute(
            "SELECT kind, provider_id FROM cloud_resources WHERE deleted_at IS NULL "
            "AND kind = ANY(%s) ORDER BY kind, id",
            [kinds],
        ).fetchall()
    by_kind: dict[str, list[str]] = {}
    for kind, provider_id in rows:
        by_kind.setdefault(kind, []).append(provider_id)
    changed = 0
    with httpx.Client(base_url=url, timeout=30) as sim:
        for kind, ids in by_kind.items():
            for provider_id in ids[::100] if len(ids) >= 100 else ids[:1]:
                change = CHANGES[kind]
                if change is None:
                    sim.post(
                        f"/_sim/droplets/{provider_id}/oob",
                        json={"op": "rename", "name": f"renamed-{provider_id}"},
                    ).raise_for_status()
                else:
                    sim.post(
                        f"/_sim/resources/{kind}/{provider_id}/oob",
                        json={"op": "update", "changes": change(provider_id)},
                    ).raise_for_status()
                changed += 1
    return changed


def one_run(every_kind: bool, scale: float) -> list[dict[str, object]]:
    kinds = KIND_ORDER if every_kind else ["droplet"]
    droplets, extra = simulator_args(every_kind, scale)
    fresh_database()
    results = []
    with simulator(droplets, extra=extra) as url:
        for phase in ("first sync", "unchanged", "1% changed"):
            changed = change_one_percent(url, kinds) if phase == "1% changed" else 0
            out = run_phase(PHASE, url=url, kinds=",".join(kinds))
            for r in out["kinds"]:
                results.append({"phase": phase, "changed": changed, **r})
            total = {
                "phase": phase,
                "kind": "all",
                "wall": sum(r["wall"] for r in out["kinds"]),
                "rows": sum(r["rows"] for r in out["kinds"]),
                "pages": sum(r["pages"] for r in out["kinds"]),
                "requests": sum(r["requests"] for r in out["kinds"]),
                "queries_per_page": 0.0,
                "events": sum(r["events"] for r in out["kinds"]),
                "peak_rss_mb": out["peak_rss_mb"],
            }
            results.append(total)
    return results


def summarize(label: str, runs: list[list[dict[str, object]]]) -> list[list[object]]:
    rows = []
    for i, first in enumerate(runs[0]):
        walls = [run[i]["wall"] for run in runs]
        median = statistics.median(walls)
        rate = first["rows"] / median if median else 0
        rows.append(
            [
                label,
                first["phase"],
                first["kind"],
                first["rows"],
                f"{median:.2f}s",
                f"{min(walls):.2f}-{max(walls):.2f}s",
                f"{rate:,.0f}",
                first["pages"],
                first["requests"],
                f"{first['queries_per_page']:.1f}" if first["kind"] != "all" else "",
                first["events"],
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    rows: list[list[object]] = []
    for label, every_kind in (("droplet-only", False), ("every kind", True)):
        runs = [one_run(every_kind, args.scale) for _ in range(args.runs)]
        rows += summarize(label, runs)
    print()
    print(
        table(
            [
                "account",
                "phase",
                "kind",
                "rows",
                "wall (median)",
                "range",
                "rows/s",
                "pages",
                "requests",
                "queries/page",
                "events",
            ],
            rows,
        )
    )
    print(f"\n{args.runs} runs each, a freshly created database per run, no ANALYZE.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
