"""A month of inventory history for N droplets and T tenants, written set-based in SQL.

Every droplet is in one of T tenant projects. By `i % 20`: 0 destroyed mid-month
(tombstoned hours after it was last seen), 1 created mid-month, 2 resized mid-month,
3 moved mid-month to the next tenant's project, 4 with weekly backups switched to daily
mid-month; the rest ran all month. That is 10 % resized or moved, 5 % destroyed, 5 %
created mid-month.

Each project is its tenant's from a month before (one assignment row, as
`assign_project_tenant` writes it); every tenth project is re-assigned to the next tenant
on the 16th, so its usage splits between two tenants' invoices.

Beside them, N / 10 resources of every other metered product (billing.meters), one kind
each by `j % 8`: volumes (resized mid-month), snapshots, load balancers (nodes changed
mid-month), reserved IPs (unassigned mid-month), database clusters (3 nodes), Kubernetes
clusters with the HA control plane, apps (2 instances), container registries; and DO's
published prices for them (`seed_published_prices`).
"""

from __future__ import annotations

import json
from datetime import date

import psycopg

from bench.common import allow_truncate
from billing.meters.published import PUBLISHED_PRICES
from billing.periods import month_bounds
from do_simulator.catalog import SIZES

FIRST_ID = 500_000_000
TABLES = (
    "billing_reconciliation_lines, billing_reconciliations, billing_provider_invoice_items, "
    "billing_provider_invoices, billing_credit_applications, billing_credits, "
    "billing_invoice_lines, billing_draftchange, billing_invoices, billing_invoice_counters, "
    "billing_usage_segments, billing_accounts, billing_prices, cloud_resource_events, "
    "cloud_resources, cloud_project_assignments, cloud_projects"
)

_SQL = """
CREATE TEMP TABLE bench_droplets ON COMMIT DROP AS
SELECT i,
       i %% 20 AS category,
       (%(first_id)s + i)::text AS provider_id,
       (SELECT id FROM cloud_projects
         WHERE provider_id = 'bench-' || (i %% %(tenants)s)) AS project,
       (SELECT id FROM cloud_projects
         WHERE provider_id = 'bench-' || ((i + 1) %% %(tenants)s)) AS next_project,
       (%(sizes)s::text[])[1 + i %% array_length(%(sizes)s::text[], 1)] AS size,
       (%(sizes)s::text[])[1 + (i + 1) %% array_length(%(sizes)s::text[], 1)] AS resized,
       CASE WHEN i %% 20 = 1
            THEN %(start)s::timestamptz + make_interval(secs => (i * 7919) %% (27 * 86400))
            ELSE %(start)s::timestamptz - make_interval(days => 30 + i %% 200) END AS created,
       %(start)s::timestamptz + make_interval(secs => 86400 * 3 + (i * 104729) %% (24 * 86400))
           AS changed_at
  FROM generate_series(0, %(n)s - 1) AS i;

INSERT INTO cloud_resources (provider, kind, provider_id, urn, project_id, name, region,
    size_slug, status, tags, attrs, first_seen_at, last_seen_at, stale_strike_count,
    deleted_at, created_at, updated_at)
SELECT 'digitalocean', 'droplet', d.provider_id, 'do:droplet:' || d.provider_id,
       CASE WHEN d.category = 3 THEN d.next_project ELSE d.project END,
       'bench-' || d.i, 'nyc3',
       CASE WHEN d.category = 2 THEN d.resized ELSE d.size END,
       'active', '{}'::varchar[],
       jsonb_build_object('created_at', to_char(d.created AT TIME ZONE 'UTC',
                                               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                          'backup_policy', CASE WHEN d.category = 4
                              THEN '{"enabled": true, "plan": "daily"}'::jsonb END),
       d.created + interval '5 minutes',
       CASE WHEN d.category = 0 THEN d.changed_at ELSE now() END,
       CASE WHEN d.category = 0 THEN 3 ELSE 0 END,
       CASE WHEN d.category = 0 THEN d.changed_at + interval '3 hours' END,
       now(), now()
  FROM bench_droplets d;

INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
SELECT r.id, 'discovered',
       jsonb_build_object('name', jsonb_build_array(NULL, r.name),
                          'size_slug', jsonb_build_array(NULL, d.size),
                          'status', jsonb_build_array(NULL, 'active'),
                          'project', jsonb_build_array(NULL, d.project)),
       'bench', d.created + interval '5 minutes'
  FROM bench_droplets d JOIN cloud_resources r ON r.provider_id = d.provider_id
UNION ALL
SELECT r.id, 'updated', jsonb_build_object('size_slug', jsonb_build_array(d.size, r.size_slug)),
       'bench', d.changed_at
  FROM bench_droplets d JOIN cloud_resources r ON r.provider_id = d.provider_id
 WHERE d.category = 2
UNION ALL
SELECT r.id, 'updated', jsonb_build_object('project', jsonb_build_array(d.project, d.next_project)),
       'bench', d.changed_at
  FROM bench_droplets d JOIN cloud_resources r ON r.provider_id = d.provider_id
 WHERE d.category = 3
UNION ALL
SELECT r.id, 'updated',
       jsonb_build_object('backup_policy', jsonb_build_array(
           '{"enabled": true, "plan": "weekly"}'::jsonb, r.attrs->'backup_policy')),
       'bench', d.changed_at
  FROM bench_droplets d JOIN cloud_resources r ON r.provider_id = d.provider_id
 WHERE d.category = 4
UNION ALL
SELECT r.id, 'deleted',
       jsonb_build_object('deleted_at', jsonb_build_array(NULL, r.deleted_at),
                          'stale_strike_count', jsonb_build_array(2, 3),
                          'last_seen_at', jsonb_build_array(d.changed_at, d.changed_at)),
       'bench', r.deleted_at
  FROM bench_droplets d JOIN cloud_resources r ON r.provider_id = d.provider_id
 WHERE d.category = 0;
"""


# (kind, size_slug, attrs at discovery, the attr changed mid-month and its new value)
_OTHERS = (
    ("volume", "", {"size_gigabytes": 100}, ("size_gigabytes", 200)),
    ("snapshot", "", {"size_gigabytes": 12.5}, None),
    ("load_balancer", "", {"size_unit": 1}, ("size_unit", 3)),
    ("reserved_ip", "", {"droplet_id": 1, "ip_version": 4}, ("droplet_id", None)),
    (
        "database",
        "db-s-1vcpu-1gb",
        {"num_nodes": 3, "storage_size_mib": 10240},
        None,
    ),
    ("kubernetes_cluster", "", {"ha": True}, None),
    (
        "app",
        "",
        {"spec": {"services": [{"instance_size_slug": "apps-s-1vcpu-1gb", "instance_count": 2}]}},
        None,
    ),
    ("container_registry", "", {"subscription_tier": "basic"}, None),
)

_OTHERS_SQL = """
CREATE TEMP TABLE bench_others ON COMMIT DROP AS
SELECT j, o.kind, o.size_slug, o.attrs, o.changed_key, o.changed_value,
       (%(first_id)s + %(n)s + j)::text AS provider_id,
       (SELECT id FROM cloud_projects
         WHERE provider_id = 'bench-' || (j %% %(tenants)s)) AS project,
       %(start)s::timestamptz - make_interval(days => 30 + j %% 200) AS created,
       %(start)s::timestamptz + make_interval(secs => 86400 * 3 + (j * 104729) %% (24 * 86400))
           AS changed_at
  FROM generate_series(0, %(others)s - 1) AS j
  JOIN jsonb_to_recordset(%(shapes)s::jsonb) AS o(
       slot int, kind text, size_slug text, attrs jsonb, changed_key text, changed_value jsonb)
    ON o.slot = j %% 8;

INSERT INTO cloud_resources (provider, kind, provider_id, urn, project_id, name, region,
    size_slug, status, tags, attrs, first_seen_at, last_seen_at, stale_strike_count,
    created_at, updated_at)
SELECT 'digitalocean', o.kind, o.provider_id, 'do:' || o.kind || ':' || o.provider_id,
       o.project, 'bench-' || o.kind || '-' || o.j, 'nyc3', o.size_slug, 'active',
       '{}'::varchar[],
       CASE WHEN o.changed_key IS NULL THEN o.attrs
            ELSE o.attrs || jsonb_build_object(o.changed_key, o.changed_value) END
         || jsonb_build_object('created_at', to_char(o.created AT TIME ZONE 'UTC',
                                                     'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       o.created + interval '5 minutes', now(), 0, now(), now()
  FROM bench_others o;

INSERT INTO cloud_resource_events (resource_id, event, changes, actor, occurred_at)
SELECT r.id, 'discovered',
       jsonb_build_object('name', jsonb_build_array(NULL, r.name),
                          'size_slug', jsonb_build_array(NULL, o.size_slug),
                          'project', jsonb_build_array(NULL, o.project)),
       'bench', o.created + interval '5 minutes'
  FROM bench_others o JOIN cloud_resources r ON r.provider_id = o.provider_id
UNION ALL
SELECT r.id, 'updated',
       jsonb_build_object(o.changed_key,
                          jsonb_build_array(o.attrs->o.changed_key, o.changed_value)),
       'bench', o.changed_at
  FROM bench_others o JOIN cloud_resources r ON r.provider_id = o.provider_id
 WHERE o.changed_key IS NOT NULL;
"""


def _shapes() -> str:
    return json.dumps(
        [
            {
                "slot": slot,
                "kind": kind,
                "size_slug": size,
                "attrs": attrs,
                "changed_key": changed[0] if changed else None,
                "changed_value": changed[1] if changed else None,
            }
            for slot, (kind, size, attrs, changed) in enumerate(_OTHERS)
        ]
    )


# Tenant assignments: every project its tenant's from a month before; every tenth one
# re-assigned on the 16th to the next tenant (the first closes where the second starts).
_ASSIGNMENTS_SQL = """
WITH p AS (
    SELECT c.id, c.tenant_id, substr(c.provider_id, 7)::int AS t,
           substr(c.provider_id, 7)::int %% 10 = 0 AS moves,
           (SELECT n.tenant_id FROM cloud_projects n
             WHERE n.provider_id = 'bench-' || ((substr(c.provider_id, 7)::int + 1)
                   %% (SELECT count(*) FROM cloud_projects WHERE provider_id LIKE 'bench-%%')))
             AS next_tenant
      FROM cloud_projects c WHERE c.provider_id LIKE 'bench-%%'
), first AS (
    INSERT INTO project_tenant_assignments (project_id, tenant_id, effective_from,
           effective_to, actor, reason, is_correction, created_at)
    SELECT id, tenant_id, %(start)s::timestamptz - interval '1 month',
           CASE WHEN moves THEN %(start)s::timestamptz + interval '15 days' END,
           'bench', 'bench: signed before the month', false, now()
      FROM p
), second AS (
    INSERT INTO project_tenant_assignments (project_id, tenant_id, effective_from,
           effective_to, actor, reason, is_correction, created_at)
    SELECT id, next_tenant, %(start)s::timestamptz + interval '15 days', NULL,
           'bench', 'bench: re-assigned mid-month', false, now()
      FROM p WHERE moves
)
UPDATE cloud_projects c SET tenant_id = p.next_tenant FROM p WHERE c.id = p.id AND p.moves
"""


def reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        allow_truncate(conn)
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        conn.execute("DELETE FROM tenants WHERE slug LIKE 'bench-tenant-%'")


def reset_billing(url: str) -> None:
    """Drops what generation writes, keeping the inventory and the price book."""
    with psycopg.connect(url, autocommit=True) as conn:
        allow_truncate(conn)
        conn.execute(
            "TRUNCATE billing_invoice_lines, billing_invoices, billing_usage_segments "
            "RESTART IDENTITY CASCADE"
        )


def load(url: str, *, n: int, tenants: int, month: date) -> dict[str, int]:
    """Writes T tenants with a project each, N droplets with their events, the prices."""
    start, _ = month_bounds(month)
    reset(url)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO tenants (name, slug, purpose, created_at, updated_at) "
            "SELECT 'Bench tenant ' || t, 'bench-tenant-' || t, 'customer', now(), now() "
            "FROM generate_series(0, %s - 1) AS t",
            [tenants],
        )
        conn.execute(
            "INSERT INTO cloud_projects (provider, provider_id, name, purpose, description, "
            "environment, is_default, tenant_id, last_seen_at, created_at, updated_at) "
            "SELECT 'digitalocean', 'bench-' || substr(slug, 14), 'bench-' || substr(slug, 14), "
            "'', '', '', false, id, now(), now(), now() FROM tenants "
            "WHERE slug LIKE 'bench-tenant-%%'"
        )
        conn.execute(_ASSIGNMENTS_SQL, {"start": start})
        params = {
            "first_id": FIRST_ID,
            "tenants": tenants,
            "n": n,
            "others": max(n // 10, len(_OTHERS)),
            "shapes": _shapes(),
            "start": start,
            "sizes": list(SIZES),
        }
        # One statement per execute (extended protocol): the temp table, then the writes.
        for statement in (*_SQL.split(";\n\n"), *_OTHERS_SQL.split(";\n\n")):
            if statement.strip():
                conn.execute(
                    statement, {k: v for k, v in params.items() if f"%({k})s" in statement}
                )
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO billing_prices (provider, kind, size_slug, price_hourly, "
                "price_monthly, currency, valid_from, created_at, set_by) VALUES "
                "('digitalocean', 'droplet', %s, %s, %s, 'USD', '2020-01-01T00:00Z', now(), "
                "'bench')",
                [(slug, s.price_hourly, s.price_monthly) for slug, s in SIZES.items()],
            )
            cursor.executemany(
                "INSERT INTO billing_prices (provider, kind, size_slug, price_hourly, "
                "price_monthly, currency, valid_from, created_at, set_by) VALUES "
                "('digitalocean', %s, %s, %s, %s, 'USD', '2020-01-01T00:00Z', now(), 'bench')",
                [(kind, key, h, m) for kind, key, h, m, _ in PUBLISHED_PRICES],
            )
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM cloud_resources), "
            "(SELECT count(*) FROM cloud_resource_events)"
        ).fetchone()
        conn.commit()
        conn.execute("ANALYZE")
    assert counts is not None
    return {"droplets": counts[0], "events": counts[1]}
