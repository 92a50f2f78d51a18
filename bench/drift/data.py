"""Bench data, generated set-based in Postgres (generate_series), never row by row.

- `generate_fleet(n)`: n droplets across 10 tenant projects, each with a 5-field spec
  (`name`, `region`, `size_slug`, `tags` in another order than the live tags, and the
  dotted `image.slug`); 1% of the specs want another size, so 1% are drifted.
- `generate_drift_history(n)`: n open drifts (one per resource) and 10 * n resolved ones.
"""

from __future__ import annotations

from django.db import connection

from arcadia.triggers import allow_truncate

DRIFTED_EVERY = 100  # 1%
PROJECTS = 10
RESOLVED_PER_OPEN = 10


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def vacuum(*tables: str) -> None:
    # VACUUM cannot run in a transaction; Django's connection is in autocommit here.
    for table in tables:
        execute(f"VACUUM ANALYZE {table}")


def reset_drift() -> None:
    """Forget detected drift and the audit log (TRUNCATE: the events table refuses
    row-level DELETE by design, and TRUNCATE too but for the owner's escape hatch)."""
    with allow_truncate():
        execute("TRUNCATE cloud_drift, cloud_resource_events RESTART IDENTITY")


def generate_fleet(n: int) -> None:
    with allow_truncate():
        execute(
            "TRUNCATE cloud_drift, cloud_provisioned, cloud_resource_events, "
            "cloud_project_assignments, cloud_resources, cloud_projects RESTART IDENTITY CASCADE"
        )
    execute(
        """
        INSERT INTO tenants (name, slug, purpose, created_at, updated_at)
        SELECT 'Bench tenant ' || g, 'bench-' || g, 'customer', now(), now()
          FROM generate_series(1, %s) g
        ON CONFLICT (slug) DO NOTHING
        """,
        [PROJECTS],
    )
    execute(
        """
        INSERT INTO cloud_projects (provider, provider_id, name, purpose, description,
                                    environment, is_default, tenant_id, created_at, updated_at)
        SELECT 'digitalocean', md5('project' || g), 'bench-project-' || g, '', '', '', false,
               (SELECT id FROM tenants WHERE slug = 'bench-' || g), now(), now()
          FROM generate_series(1, %s) g
        """,
        [PROJECTS],
    )
    execute(
        """
        INSERT INTO cloud_resources (provider, kind, provider_id, urn, project_id, name, region,
                                     size_slug, status, tags, attrs, first_seen_at,
                                     last_seen_at, stale_strike_count, created_at, updated_at)
        SELECT 'digitalocean', 'droplet', g::text, 'do:droplet:' || g, 1 + g %% %s,
               'web-' || g,
               (ARRAY['nyc3', 'ams3', 'sfo3', 'fra1'])[1 + g %% 4],
               (ARRAY['s-1vcpu-1gb', 's-2vcpu-4gb', 's-4vcpu-8gb'])[1 + g %% 3],
               'active', ARRAY['env:prod', 'web'],
               jsonb_build_object(
                   'memory', 1024, 'vcpus', 1, 'disk', 25,
                   'image', jsonb_build_object('id', 1, 'slug', 'ubuntu-24-04-x64',
                                               'distribution', 'Ubuntu', 'name', '24.04 x64'),
                   'created_at', '2026-01-01T00:00:00Z', 'vpc_uuid', md5(g::text),
                   'features', '["ipv6", "monitoring"]'::jsonb, 'volume_ids', '[]'::jsonb,
                   'public_ipv4', '203.0.113.' || (g %% 250), 'private_ipv4', '10.0.0.1',
                   'public_ipv6', NULL),
               now(), now(), 0, now(), now()
          FROM generate_series(1, %s) g
        """,
        [PROJECTS, n],
    )
    execute(
        """
        INSERT INTO cloud_provisioned (resource_id, spec, spec_version, created_at, updated_at)
        SELECT r.id,
               jsonb_build_object(
                   'name', r.name,
                   'region', r.region,
                   'size_slug', CASE WHEN r.id %% %s = 0 THEN 's-8vcpu-16gb' ELSE r.size_slug END,
                   'tags', '["web", "env:prod"]'::jsonb,
                   'image.slug', r.attrs -> 'image' ->> 'slug'),
               1, now(), now()
          FROM cloud_resources r
         ORDER BY r.id
        """,
        [DRIFTED_EVERY],
    )
    vacuum("cloud_resources", "cloud_provisioned", "cloud_projects", "tenants")


def generate_drift_history(n: int, *, resolved_by: int) -> tuple[int, int]:
    """n open drifts, one per resource, and RESOLVED_PER_OPEN * n resolved ones."""
    reset_drift()
    execute(
        """
        INSERT INTO cloud_drift (resource_id, provisioned_id, field, expected, actual, status,
                                 detected_at, resolved_at, resolved_by_id, comment, error,
                                 created_at, updated_at)
        SELECT p.resource_id, p.id, 'size_slug', '"s-8vcpu-16gb"', to_jsonb(r.size_slug),
               'open', now() - (p.id * interval '13 seconds'), NULL, NULL, '', '', now(), now()
          FROM cloud_provisioned p JOIN cloud_resources r ON r.id = p.resource_id
         WHERE p.id <= %s
        """,
        [n],
    )
    resolved = RESOLVED_PER_OPEN * n
    execute(
        """
        INSERT INTO cloud_drift (resource_id, provisioned_id, field, expected, actual, status,
                                 detected_at, resolved_at, resolved_by_id, comment, error,
                                 created_at, updated_at)
        SELECT p.resource_id, p.id,
               (ARRAY['size_slug', 'region', 'name', 'tags', 'image.slug'])[1 + g %% 5],
               '"expected"', '"actual"',
               (ARRAY['accepted', 'stale', 'reverted'])[1 + g %% 3],
               now() - interval '40 days' - (g * interval '3 seconds'),
               now() - interval '40 days' - (g * interval '3 seconds') + interval '1 hour',
               CASE WHEN g %% 3 = 0 THEN %s END, '', '', now(), now()
          FROM generate_series(1, %s) g
          JOIN cloud_provisioned p ON p.id = 1 + g %% %s
        """,
        [resolved_by, resolved, n],
    )
    vacuum("cloud_drift")
    return n, resolved
