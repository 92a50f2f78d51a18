"""One measured every-kind sync, in its own process (see bench/common.py). Prints JSON.

python -m bench.sync.kinds_phase --url URL --kinds droplet,volume,...
"""

from __future__ import annotations

import argparse
import json
import time

import django

django.setup()

from django.db import connection  # noqa: E402

from bench.common import peak_rss_mb  # noqa: E402
from bench.sync.phase import QueryCounter  # noqa: E402
from do_client import DOClient  # noqa: E402
from inventory.models import CloudResourceEvent  # noqa: E402
from inventory.services import sync as sync_service  # noqa: E402
from inventory.services.sync import run_full_sync  # noqa: E402


def sync_kind(client: DOClient, kind: str | None) -> dict[str, object]:
    """One kind's run without its own project read, as the beat fan-out runs it; with
    `kind` None, the fan-out's one read of projects and their resources."""
    requests = 0
    send = client._send

    def counted_send(*args, **kwargs):
        nonlocal requests
        requests += 1
        return send(*args, **kwargs)

    page_counter = QueryCounter()
    chokepoint = sync_service.upsert_resources

    def counted_upsert(*args, **kwargs):
        with connection.execute_wrapper(page_counter):
            return chokepoint(*args, **kwargs)

    client._send = counted_send  # type: ignore[method-assign]
    sync_service.upsert_resources = counted_upsert
    events_before = CloudResourceEvent.objects.count()
    started = time.perf_counter()
    try:
        if kind is None:
            assert sync_service.sync_projects_once(client), "the projects read failed"
        else:
            run = run_full_sync(kind, client=client, trigger="bench", with_projects=False)
            assert run.status == "completed", f"{kind}: {run.error}"
    finally:
        client._send = send  # type: ignore[method-assign]
        sync_service.upsert_resources = chokepoint
    wall = time.perf_counter() - started
    return {
        "kind": kind or "projects",
        "wall": wall,
        "rows": run.seen if kind else 0,
        "pages": run.pages if kind else 0,
        "requests": requests,
        "queries_per_page": page_counter.count / max(run.pages, 1) if kind else 0.0,
        "events": CloudResourceEvent.objects.count() - events_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--kinds", required=True)
    args = parser.parse_args()
    client = DOClient(token="sim-token", base_url=args.url, purpose="sync", timeout=60)
    results = [sync_kind(client, kind) for kind in [None, *args.kinds.split(",")]]
    print(json.dumps({"kinds": results, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
