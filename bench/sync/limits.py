"""bench/sync/limits: syncs paced under DO's real rate limits, against the simulator.

    .venv/bin/python -m bench.sync.limits [--droplets 100000] [--side-by-side 20000]

The simulator enforces DO's two windows per token (250 requests a minute, 5,000 an hour,
sliding) and answers 429 past them. Each configuration runs on a fresh database
(`bench.common.fresh_database`) with `client_for("sync")`: DO_API_BURST_LIMIT etc. at
their defaults, the limiter in Redis, a sync kept off the 6% reserved for provisioning
and billing (`DO_API_RESERVE`).

1. One process on `--droplets` droplets (default 100,000): the first sync (nothing stored:
   the backup policies' listing is read in full beside the droplets'), the re-sync of the
   steady state (the droplet listings alone: 500 requests, a 120 s floor, issue 13's
   target within 10% of it), and the fan-out's project step (projects and every kind's
   assignments, read once an hour for every kind). Each starts with empty windows.
   The floor is the time DO's burst limit alone allows that many requests, from an
   empty window: (ceil(requests / 250) - 1) minutes.
2. Three processes side by side on one token (droplets, volumes, snapshots;
   `--side-by-side` of each), sharing only the limiter's keys in Redis.

For each: wall time, the floor, requests, 429s received (the target is 0), seconds
waited for a slot, and the simulator's own books: 429s it answered, the most requests it
served in any 60 s.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import uuid

import httpx

from bench.common import ROOT, bench_env, fresh_database, simulator, table

PHASE = "bench.sync.limits_phase"
BURST_LIMIT, BURST_WINDOW = 250, 60.0  # DO's (description.yml, "Rate Limit")
DO_LIMITS = ["--rate-limit", "5000", "--burst-limit", "250", "--burst-window", "60"]


def floor_seconds(requests: int) -> float:
    return max(math.ceil(requests / BURST_LIMIT) - 1, 0) * BURST_WINDOW


def run_side_by_side(url: str, jobs: list[tuple[str, bool]]) -> list[dict]:
    prefix = f"bench-limits-{uuid.uuid4().hex}"  # one token's limiter keys for every worker
    procs = []
    for kinds, projects in jobs:
        argv = [sys.executable, "-m", PHASE, "--url", url, "--kinds", kinds, "--prefix", prefix]
        procs.append(
            subprocess.Popen(
                argv + (["--projects"] if projects else []),
                cwd=ROOT,
                env=bench_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{PHASE} failed:\n{err[-4000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def simulator_books(url: str) -> dict[str, int]:
    books = httpx.get(f"{url}/_sim/rate_limits", params={"window": BURST_WINDOW}).json()
    [token] = books.values()
    return token


def report(name: str, results: list[dict], books: dict[str, int]) -> list[object]:
    # The sync's own time (the slowest worker's), not the processes' start-up.
    wall = max(r["wall"] for r in results)
    requests = sum(r["requests"] for r in results)
    floor = floor_seconds(requests)
    return [
        name,
        sum(r["seen"] for r in results),
        f"{wall:.1f}",
        f"{floor:.0f}",
        f"{wall / floor:.3f}" if floor else "-",
        requests,
        books["served"],
        sum(r["rate_limited"] for r in results),
        books["refused"],
        books["most_in_window"],
        f"{sum(r['waited'] for r in results):.1f}",
    ]


def fresh_windows(url: str) -> None:
    """Each configuration starts with the token's windows empty, as its floor assumes."""
    httpx.post(f"{url}/_sim/reset_rate_limits").raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--droplets", type=int, default=100_000)
    parser.add_argument("--side-by-side", type=int, default=20_000)
    args = parser.parse_args()
    rows = []
    n = args.droplets

    fresh_database()
    with simulator(n, extra=[*DO_LIMITS, "--resources", "none"]) as url:
        for name, job in (
            # Nothing stored yet: the backup policies' listing is read in full too.
            (f"first droplet sync, {n:,}", ("droplet", False)),
            # The steady state: the droplet listings alone, policies carried forward.
            (f"droplet re-sync, {n:,}", ("droplet", False)),
            # The fan-out's first step, once for every kind (beat, hourly).
            (f"projects + assignments, {n:,}", ("projects", False)),
        ):
            fresh_windows(url)
            results = run_side_by_side(url, [job])
            rows.append(report(name, results, simulator_books(url)))
            print(table(HEADERS, rows[-1:]), flush=True)

    m = args.side_by_side
    fresh_database()
    extra = [*DO_LIMITS, "--resources", f"volume={m},snapshot={m}"]
    with simulator(m, seed=2, extra=extra) as url:
        jobs = [("droplet", False), ("volume", False), ("snapshot", False)]
        results = run_side_by_side(url, jobs)
        rows.append(report(f"3 processes, {m:,} each of 3 kinds", results, simulator_books(url)))
        for r in results:
            print(
                f"  {r['kinds']}: {r['seen']} seen, {r['requests']} requests, "
                f"{r['rate_limited']} 429s, waited {r['waited']:.1f}s, {r['wall']:.1f}s"
            )
    print()
    print(table(HEADERS, rows))
    print(
        f"\nFloor: (ceil(requests / {BURST_LIMIT}) - 1) x {BURST_WINDOW:.0f}s, from an empty "
        "window; issue 13's target: wall within 10% of it, 0 429s."
    )


HEADERS = [
    "configuration",
    "resources",
    "wall s",
    "floor s",
    "wall/floor",
    "requests",
    "sim served",  # also the request a completed sync's receivers make (billing's sizes)
    "429s received",
    "sim 429s",
    "sim most/60s",
    "waited s",
]

if __name__ == "__main__":
    main()
