"""One process's share of bench/sync/limits.py: syncs kinds through `client_for("sync")`
(the shared Redis limiter, DO's real limits) and prints its cost as JSON.

python -m bench.sync.limits_phase --url URL --kinds droplet[,volume] --prefix P [--projects]
"""

from __future__ import annotations

import argparse
import json
import time

import django

django.setup()

from django.conf import settings  # noqa: E402

from do_client import client_for  # noqa: E402
from inventory.services.sync import run_full_sync  # noqa: E402


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
