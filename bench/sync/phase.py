"""One measured sync phase, in its own process (see bench/common.py). Prints JSON.

python -m bench.sync.phase --mode ours|raw|naive --url URL [--sample N]

`db` is the seconds spent in the page writes alone (the chokepoint call, or the raw
statement), `wall` the whole sync's, listing from the simulator included.
"""

from __future__ import annotations

import argparse
import json
import time

import django
import orjson

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import peak_rss_mb  # noqa: E402
from do_client import DOClient  # noqa: E402
from do_client.prefetch import prefetched  # noqa: E402
from inventory.kinds import KINDS, PageSupplement  # noqa: E402
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

    db = 0.0

    def counted_upsert(*args, **kwargs):
        # What one droplet page costs: the queries and the time inside the chokepoint call.
        nonlocal db
        started = time.perf_counter()
        with connection.execute_wrapper(page_counter):
            try:
                return chokepoint(*args, **kwargs)
            finally:
                db += time.perf_counter() - started

    sync_service.upsert_resources = counted_upsert
    events_before = CloudResourceEvent.objects.count()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = run_full_sync(Kind.DROPLET, client=client, trigger="bench")
    wall = time.perf_counter() - started
    assert run.status == "completed", run.error
    return {
        "wall": wall,
        "db": db,
        "droplets": run.seen,
        "pages": run.pages,
        "queries": counter.count,
        "queries_per_page": page_counter.count / max(run.pages, 1),
        "events": CloudResourceEvent.objects.count() - events_before,
        "peak_rss_mb": peak_rss_mb(),
    }


# The raw set-based baseline: one plain upsert per page into a copy of cloud_resources
# (`bench.sync.run` creates it with LIKE ... INCLUDING ALL: the same indexes), writing
# every row each time (an unchanged re-sync bumps every row), with no events, no
# comparison and no project join: what the chokepoint's statement is measured against.
RAW_TABLE = "bench_raw_resources"
RAW_SQL = f"""
INSERT INTO {RAW_TABLE} (provider, kind, provider_id, urn, name, region, size_slug,
                         status, tags, attrs, first_seen_at, last_seen_at,
                         stale_strike_count, created_at, updated_at)
SELECT 'digitalocean', p.kind, p.provider_id, p.urn, p.name, p.region, p.size_slug,
       p.status, ARRAY(SELECT jsonb_array_elements_text(p.tags))::varchar[], p.attrs,
       %(now)s, %(now)s, 0, %(now)s, %(now)s
  FROM jsonb_to_recordset(%(rows)s::jsonb) AS p(kind text, provider_id text, urn text,
       name text, region text, size_slug text, status text, tags jsonb, attrs jsonb)
ON CONFLICT (provider, kind, provider_id) DO UPDATE SET
    urn = EXCLUDED.urn, name = EXCLUDED.name, region = EXCLUDED.region,
    size_slug = EXCLUDED.size_slug, status = EXCLUDED.status, tags = EXCLUDED.tags,
    attrs = EXCLUDED.attrs, last_seen_at = EXCLUDED.last_seen_at,
    stale_strike_count = 0, updated_at = EXCLUDED.updated_at
RETURNING id
"""


def raw(client: DOClient) -> dict[str, object]:
    spec = KINDS[Kind.DROPLET]
    seen = pages = 0
    db = 0.0
    started = time.perf_counter()
    # The same rows as the sync writes: its supplement (backup policies) included.
    supplement = spec.supplement(client) if spec.supplement else PageSupplement()
    for listing in spec.listings:
        # Read as the sync reads (`prefetched`): both writers share the GIL with the
        # same reader thread, so `db` compares the page writes alone.
        for page in prefetched(
            client.iter_pages(listing.path, listing.key, params=listing.params, per_page=200)
        ):
            pages += 1
            rows = [spec.normalize(item) for item in supplement(page.items)]
            # Timed from the normalized rows, as the chokepoint call is: the page's
            # JSON parameter is part of the write.
            t0 = time.perf_counter()
            payload = orjson.dumps(
                [
                    {
                        "kind": r.kind,
                        "provider_id": r.provider_id,
                        "urn": r.urn,
                        "name": r.name,
                        "region": r.region,
                        "size_slug": r.size_slug,
                        "status": r.status,
                        "tags": list(r.tags),
                        "attrs": r.attrs,
                    }
                    for r in {r.provider_id: r for r in rows}.values()
                ]
            ).decode()
            with connection.cursor() as cursor:
                cursor.execute(RAW_SQL, {"rows": payload, "now": timezone.now()})
                seen += len(cursor.fetchall())
            db += time.perf_counter() - t0
    return {
        "wall": time.perf_counter() - started,
        "db": db,
        "droplets": seen,
        "pages": pages,
        "queries": pages,
        "queries_per_page": 1.0,
        "events": 0,
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
    parser.add_argument("--mode", choices=["ours", "raw", "naive"], required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--sample", type=int, default=10**9)
    args = parser.parse_args()
    client = DOClient(token="sim-token", base_url=args.url, purpose="sync", timeout=60)
    if args.mode == "ours":
        result = ours(client)
    elif args.mode == "raw":
        result = raw(client)
    else:
        result = naive(client, args.sample)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
