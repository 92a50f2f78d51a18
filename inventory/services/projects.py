"""DO Projects and their resource assignments, synced ahead of every resource sync.

Bootstrap (DESIGN.md): the first sync makes sure the DO project `skyai-internal` exists,
creating it through the API when missing, and maps it to the platform tenant. A second
run changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from do_client.prefetch import prefetched
from inventory.models import (
    PROVIDER_DO,
    CloudProject,
    CloudProjectAssignment,
)
from inventory.services.tenancy import assign_project_tenant
from tenants.models import Tenant
from tenants.services import ensure_platform_tenant

PLATFORM_PROJECT_NAME = "skyai-internal"
BOOTSTRAP_ACTOR = "bootstrap"
PLATFORM_PROJECT = {
    "name": PLATFORM_PROJECT_NAME,
    "purpose": "Service or API",
    "description": "The platform's own infrastructure (Arcadia bootstrap).",
    "environment": "Production",
}

# A page of assignments as one jsonb parameter: its cost does not grow with its size.
_ASSIGN_SQL = """
INSERT INTO cloud_project_assignments (urn, project_id, seen_at)
SELECT urn, %s, %s FROM jsonb_array_elements_text(%s::jsonb) AS urn
ON CONFLICT (urn) DO UPDATE SET project_id = EXCLUDED.project_id, seen_at = EXCLUDED.seen_at
"""

_PROJECT_FIELDS = ["name", "purpose", "description", "environment", "is_default", "last_seen_at"]


@dataclass
class ProjectSyncOutcome:
    projects: int = 0
    created_platform_project: bool = False
    assignments: int = 0


def _project_row(raw: dict[str, Any], seen_at: datetime) -> CloudProject:
    return CloudProject(
        provider=PROVIDER_DO,
        provider_id=str(raw["id"]),
        name=raw.get("name") or "",
        purpose=raw.get("purpose") or "",
        description=raw.get("description") or "",
        environment=raw.get("environment") or "",
        is_default=bool(raw.get("is_default")),
        last_seen_at=seen_at,
    )


def sync_projects(client: Any, *, seen_at: datetime) -> tuple[list[CloudProject], bool]:
    """Mirrors DO's projects (a handful: read whole) and bootstraps `skyai-internal`."""
    raw_projects = list(client.list_projects())
    created = False
    if not any(p.get("name") == PLATFORM_PROJECT_NAME for p in raw_projects):
        raw_projects.append(client.create_project(**PLATFORM_PROJECT))
        created = True

    with transaction.atomic():
        rows = [_project_row(raw, seen_at) for raw in raw_projects]
        CloudProject.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["provider", "provider_id"],
            update_fields=_PROJECT_FIELDS,
        )
        _map_platform_project(raw_projects, seen_at)
    projects = list(
        CloudProject.objects.filter(
            provider=PROVIDER_DO, provider_id__in=[p.provider_id for p in rows]
        )
    )
    return projects, created


def _map_platform_project(raw_projects: list[dict[str, Any]], seen_at: datetime) -> None:
    """Maps the platform's project to the platform tenant, once; an operator's later choice
    is never overwritten. From DO's `created_at` of the project (nothing was in it before),
    else from this sighting."""
    unmapped = CloudProject.objects.filter(
        provider=PROVIDER_DO,
        name=PLATFORM_PROJECT_NAME,
        tenant__isnull=True,
        tenant_assignments__isnull=True,
    )
    for project in unmapped:
        raw = next((p for p in raw_projects if str(p.get("id")) == project.provider_id), {})
        created = parse_datetime(str(raw.get("created_at") or ""))
        since = created if created and created.tzinfo and created <= seen_at else seen_at
        assign_project_tenant(
            project,
            ensure_platform_tenant(),
            actor=BOOTSTRAP_ACTOR,
            effective_from=since,
            reason="bootstrap: the platform's own project",
            now=max(seen_at, timezone.now()),
            correction=False,  # a first mapping of a project just found corrects nothing billed
        )


def sync_assignments(client: Any, projects: list[CloudProject], *, seen_at: datetime) -> int:
    """Mirrors which project holds each resource URN, a page at a time.

    Assignments older than this pass are dropped only after every project was read, so a
    pass that fails part-way never forgets one; pruning by time (not by run) keeps what a
    concurrent sync of another kind has just written."""
    count = 0
    for project in projects:
        path = f"/v2/projects/{project.provider_id}/resources"
        for page in prefetched(client.iter_pages(path, "resources", per_page=200)):
            urns = {item["urn"] for item in page.items if item.get("urn")}
            if not urns:
                continue
            with connection.cursor() as cursor:
                cursor.execute(_ASSIGN_SQL, [project.pk, seen_at, json.dumps(sorted(urns))])
            count += len(urns)
    CloudProjectAssignment.objects.filter(seen_at__lt=seen_at).delete()
    return count


def record_assignment(urn: str, project: CloudProject, *, seen_at: datetime) -> None:
    """An assignment DO just confirmed (a provisioning saga's), mirrored ahead of the next
    sync so the chokepoint puts the resource in its project from its first sighting."""
    CloudProjectAssignment.objects.update_or_create(
        urn=urn, defaults={"project": project, "seen_at": seen_at}
    )


def assign_tenant(project: CloudProject, tenant: Tenant | None, *, actor: str) -> CloudProject:
    """Maps `project` to `tenant` (None: unassigned) from now on; the history and its
    rules live in `inventory.services.tenancy.assign_project_tenant`."""
    assign_project_tenant(project, tenant, actor=actor)
    return project
