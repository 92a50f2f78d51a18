"""One process's share of bench/sync/limits.py: syncs kinds through `client_for("sync")`
(the shared Redis limiter, DO's real limits) and prints its cost as JSON.

python -m bench.sync.limits_phase --url URL --kinds droplet[,volume]|projects --prefix P
    [--projects]

`--kinds projects`: only the fan-out's project step (projects and every kind's assignments).
"""

from __future__ import annotations

import argparse
import json
import time

import django

django.setup()

from django.conf import settings  # noqa: E402

from do_client import client_for  # noqa: E402
from do_client.rate_limits import counts_of  # noqa: E402
from inventory.models import CloudProjectAssignment  # noqa: E402
from inventory.services.sync import run_full_sync, sync_projects_once  # noqa: E402


def projects_only(client) -> dict[str, object]:
    """The fan-out's first step alone: projects and every kind's assignments, once."""
    before = counts_of(client)
    started = time.perf_counter()
    assert sync_projects_once(client), "the project sync failed"
    wall = time.perf_counter() - started
    spent = counts_of(client) - before
    return {
        "kinds": "projects",
        "wall": wall,
        "seen": CloudProjectAssignment.objects.count(),
        "pages": spent.requests,
        "requests": spent.requests,
        "rate_limited": spent.rate_limited,
        "waited": spent.waited_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--kinds", required=True)
    parser.add_argument(
        "--prefix", required=True, help="Limiter keys: shared by one run's workers."
    )
    parser.add_argument("--projects", action="store_true", help="Read projects too.")
    args = parser.parse_args()
    settings.DO_API_BASE_URL = args.url
    settings.DO_API_TOKEN = "sim-token"
    settings.CACHES["default"]["KEY_PREFIX"] = args.prefix
    client = client_for("sync")
    if args.kinds == "projects":
        print(json.dumps(projects_only(client)))
        return
    started = time.perf_counter()
    runs = [
        run_full_sync(kind, client=client, trigger="bench", with_projects=args.projects)
        for kind in args.kinds.split(",")
    ]
    wall = time.perf_counter() - started
    for run in runs:
        assert run.status == "completed", run.error
    print(
        json.dumps(
            {
                "kinds": args.kinds,
                "wall": wall,
                "seen": sum(run.seen for run in runs),
                "pages": sum(run.pages for run in runs),
                "requests": sum(run.requests for run in runs),
                "rate_limited": sum(run.rate_limited for run in runs),
                "waited": sum(run.waited_seconds for run in runs),
            }
        )
    )


if __name__ == "__main__":
    main()
