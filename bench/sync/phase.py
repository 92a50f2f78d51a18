"""One measured sync phase, in its own process (see bench/common.py). Prints JSON.

python -m bench.sync.phase --mode ours|naive --url URL [--sample N]
"""

from __future__ import annotations

import argparse
import json
import time

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import peak_rss_mb  # noqa: E402
from do_client import DOClient  # noqa: E402
from inventory.kinds import KINDS  # noqa: E402
from inventory.models import CloudResource, CloudResourceEvent, EventType, Kind  # noqa: E402
from inventory.services import sync as sync_service  # noqa: E402
from inventory.services.sync import run_full_sync  # noqa: E402


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def ours(client: DOClient) -> dict[str, object]:
    counter, page_counter = QueryCounter(), QueryCounter()
    chokepoint = sync_service.upsert_resources

    def counted_upsert(*args, **kwargs):
        # What one droplet page costs: the queries inside the chokepoint call.
        with connection.execute_wrapper(page_counter):
            return chokepoint(*args, **kwargs)

    sync_service.upsert_resources = counted_upsert
    events_before = CloudResourceEvent.objects.count()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = run_full_sync(Kind.DROPLET, client=client, trigger="bench")
    wall = time.perf_counter() - started
    assert run.status == "completed", run.error
    return {
        "wall": wall,
        "droplets": run.seen,
        "pages": run.pages,
        "queries": counter.count,
        "queries_per_page": page_counter.count / max(run.pages, 1),
        "events": CloudResourceEvent.objects.count() - events_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def naive(client: DOClient, sample: int) -> dict[str, object]:
    """The baseline: one `update_or_create` (and event) per droplet, no set-based work."""
    spec = KINDS[Kind.DROPLET]
    counter = QueryCounter()
    seen = pages = events = 0
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for page in client.iter_pages(spec.list_path, spec.list_key, per_page=200):
            pages += 1
            for raw in page.items:
                row = spec.normalize(raw)
                now = timezone.now()
                resource, created = CloudResource.objects.update_or_create(
                    provider="digitalocean",
                    kind=row.kind,
                    provider_id=row.provider_id,
                    defaults={
                        "urn": row.urn,
                        "name": row.name,
                        "region": row.region,
                        "size_slug": row.size_slug,
                        "status": row.status,
                        "tags": row.tags,
                        "attrs": row.attrs,
                        "last_seen_at": now,
                        "stale_strike_count": 0,
                    },
                    create_defaults={
                        "urn": row.urn,
                        "name": row.name,
                        "region": row.region,
                        "size_slug": row.size_slug,
                        "status": row.status,
                        "tags": row.tags,
                        "attrs": row.attrs,
                        "first_seen_at": now,
                        "last_seen_at": now,
                    },
                )
                if created:
                    CloudResourceEvent.objects.create(
                        resource=resource,
                        event=EventType.DISCOVERED,
                        actor="naive",
                        occurred_at=now,
                    )
                    events += 1
                seen += 1
            if seen >= sample:
                break
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "droplets": seen,
        "pages": pages,
        "queries": counter.count,
        "queries_per_page": counter.count / max(pages, 1),
        "events": events,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["ours", "naive"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--sample", type=int, default=10**9)
    args = parser.parse_args()
    client = DOClient(token="sim-token", base_url=args.url, purpose="sync", timeout=60)
    result = ours(client) if args.mode == "ours" else naive(client, args.sample)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
