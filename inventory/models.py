"""The inventory: a true, audited mirror of the DigitalOcean account (DESIGN.md, "Inventory").

Rows here are written only by the upsert chokepoint (`inventory.services.chokepoint`) and
the strike pass; everything else reads them.
"""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from arcadia import origin
from arcadia.triggers import Refuse, RefuseTruncate, append_only
from tenants.models import Tenant

PROVIDER_DO = "digitalocean"
STRIKES_TO_TOMBSTONE = 3


class Kind(models.TextChoices):
    """Every kind of DO resource the inventory mirrors (DESIGN.md, "Kinds")."""

    DROPLET = "droplet", "Droplet"
    AUTOSCALE_POOL = "autoscale_pool", "Droplet autoscale pool"
    VOLUME = "volume", "Volume"
    SNAPSHOT = "snapshot", "Snapshot"
    NFS_SHARE = "nfs_share", "NFS share"
    LOAD_BALANCER = "load_balancer", "Load balancer"
    RESERVED_IP = "reserved_ip", "Reserved IP"
    FIREWALL = "firewall", "Firewall"
    DOMAIN = "domain", "Domain"
    VPC = "vpc", "VPC"
    CDN_ENDPOINT = "cdn_endpoint", "CDN endpoint"
    CERTIFICATE = "certificate", "Certificate"
    DATABASE = "database", "Database cluster"
    KUBERNETES_CLUSTER = "kubernetes_cluster", "Kubernetes cluster"
    APP = "app", "App Platform app"
    CONTAINER_REGISTRY = "container_registry", "Container registry"
    VECTOR_DATABASE = "vector_database", "Vector database"
    DEDICATED_INFERENCE = "dedicated_inference", "Dedicated inference"
    GENAI_AGENT = "genai_agent", "GenAI agent"
    KNOWLEDGE_BASE = "knowledge_base", "Knowledge base"


class EventType(models.TextChoices):
    DISCOVERED = "discovered"
    UPDATED = "updated"
    TAGGED = "tagged"
    STRUCK = "struck"
    DELETED = "deleted"
    RESTORED = "restored"
    SPEC_RECORDED = "spec_recorded"
    DRIFT_DETECTED = "drift_detected"
    DRIFT_ACCEPTED = "drift_accepted"
    DRIFT_REVERTED = "drift_reverted"
    DRIFT_STALE = "drift_stale"
    SAGA_STARTED = "saga_started"
    SAGA_SUCCEEDED = "saga_succeeded"
    SAGA_FAILED = "saga_failed"


class CloudProject(models.Model):
    """A DO Project; its tenant decides who sees (and pays for) its resources."""

    provider = models.CharField(max_length=32, default=PROVIDER_DO)
    provider_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    purpose = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    is_default = models.BooleanField(default=False)
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cloud_projects",
        help_text="Assigned by an operator; until then the project's resources are unallocated.",
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cloud_projects"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"], name="cloud_projects_provider_id_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CloudProjectAssignment(models.Model):
    """DO's project-resource assignments, mirrored so a page of resources can be joined
    to its projects in SQL instead of holding the whole account's map in memory."""

    urn = models.CharField(max_length=255, primary_key=True)
    project = models.ForeignKey(CloudProject, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        db_table = "cloud_project_assignments"

    def __str__(self) -> str:
        return f"{self.urn} in project {self.project_id}"


class CloudResource(models.Model):
    provider = models.CharField(max_length=32, default=PROVIDER_DO)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    provider_id = models.CharField(max_length=128)
    urn = models.CharField(max_length=255)
    project = models.ForeignKey(
        CloudProject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    name = models.CharField(max_length=255, blank=True, default="")
    region = models.CharField(max_length=64, blank=True, default="")
    size_slug = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=64, blank=True, default="")
    tags = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    attrs = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    stale_strike_count = models.PositiveSmallIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cloud_resources"
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "provider_id"], name="cloud_resources_natural_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="cloud_resources_kind"),
            models.CheckConstraint(
                condition=Q(stale_strike_count__gte=0)
                & Q(stale_strike_count__lte=STRIKES_TO_TOMBSTONE),
                name="cloud_resources_strikes_range",
            ),
        ]
        indexes = [
            # No (project, kind) index: with statistics taken while the table was empty,
            # the planner read a whole kind through its `kind` column to find one row by
            # natural key (inventory/tests/test_page_plan.py). The project FK's own
            # index serves a project's resources.
            models.Index(fields=["urn"], name="cloud_resources_urn"),
            GinIndex(fields=["tags"], name="cloud_resources_tags"),
        ]

    def __str__(self) -> str:
        return f"{self.urn} ({self.name})" if self.name else self.urn

    @property
    def is_tombstoned(self) -> bool:
        return self.deleted_at is not None


class CloudResourceEvent(models.Model):
    """The append-only audit log: Postgres refuses UPDATE, DELETE and TRUNCATE (Meta.triggers),
    whoever asks, `pgtrigger.ignore()` included unless the table's owner asks."""

    # No index of its own: (resource, occurred_at) below serves it, one index fewer to
    # write for every event a sync page inserts.
    resource = models.ForeignKey(
        CloudResource, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    event = models.CharField(max_length=32, choices=EventType.choices)
    changes = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=255)
    occurred_at = models.DateTimeField()
    # What wrote it (arcadia.origin): each defaults to what the log context holds, so
    # every writer records it. No indexes: an operator reads them off an event, and a
    # sync page's inserts stay cheap. The saga is an id, not a key: provisioning sits
    # above inventory.
    request_id = models.CharField(
        max_length=origin.REQUEST_ID_LENGTH, blank=True, default=origin.request_id, db_default=""
    )
    sync_run = models.ForeignKey(
        "SyncRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        default=origin.sync_run_id,
    )
    saga_run_id = models.BigIntegerField(null=True, blank=True, default=origin.saga_run_id)
    do_action_id = models.BigIntegerField(
        null=True, blank=True, default=origin.do_action_id, help_text="DO's action id."
    )

    class Meta:
        db_table = "cloud_resource_events"
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(event__in=EventType.values), name="cloud_resource_events_event"
            ),
        ]
        indexes = [
            models.Index(fields=["resource", "occurred_at"], name="cloud_events_resource_time"),
            models.Index(fields=["event", "occurred_at"], name="cloud_events_event_time"),
        ]
        triggers = append_only("cloud_resource_events")

    def __str__(self) -> str:
        return f"{self.event} {self.resource_id} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class SyncRun(models.Model):
    """One full sync of one kind: what an operator checks when the mirror looks wrong."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        SKIPPED = "skipped"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    seen = models.PositiveIntegerField(default=0)
    discovered = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    restored = models.PositiveIntegerField(default=0)
    struck = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    # What the run cost the token: requests sent (retries included), 429s DO answered
    # (the pacing aims for none) and seconds spent waiting for a free request slot.
    requests = models.PositiveIntegerField(default=0)
    rate_limited = models.PositiveIntegerField(default=0)
    waited_seconds = models.FloatField(default=0.0)
    # Whether the run read its kind's supplementary listing in full (a droplet run: every
    # backup policy); runs in between carry the stored ones forward.
    supplement_read = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=64, blank=True, default="")

    # What a run counted, in the order the console and the API show it.
    COUNTERS = (
        "pages",
        "seen",
        "discovered",
        "updated",
        "restored",
        "struck",
        "deleted",
        "requests",
        "rate_limited",
        "waited_seconds",
    )
    SUMMARY_FIELDS = ("id", "kind", "status", "trigger", "started_at", "finished_at", *COUNTERS)

    class Meta:
        db_table = "cloud_sync_runs"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "completed", "failed", "skipped"]),
                name="cloud_sync_runs_status",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status", "-started_at"], name="sync_runs_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} sync #{self.pk} ({self.status})"


class ProjectTenantChange(models.Model):
    """Who moved a project to which tenant, and when: the mapping decides who is billed.
    Append-only, like the resource events (Meta.triggers)."""

    project = models.ForeignKey(
        CloudProject, on_delete=models.PROTECT, related_name="tenant_changes"
    )
    old_tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(max_length=255)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        triggers = append_only("project_tenant_change")

    def __str__(self) -> str:
        return f"{self.project} -> {self.new_tenant or 'unassigned'} by {self.actor}"


class _Span(Func):
    # [effective_from, effective_to): NULL is an open end.
    function = "TSTZRANGE"
    template = "%(function)s(%(expressions)s, '[)')"
    output_field = DateTimeRangeField()


# A row may change once, and only to end (`effective_to` NULL -> a time) or to be set
# aside by a correction (`superseded_at` NULL -> a time); everything else is history.
_ONLY_CLOSING = pgtrigger.Condition(
    """NOT (
    NEW.id = OLD.id AND NEW.project_id = OLD.project_id
    AND NEW.tenant_id IS NOT DISTINCT FROM OLD.tenant_id
    AND NEW.effective_from = OLD.effective_from AND NEW.actor = OLD.actor
    AND NEW.reason = OLD.reason AND NEW.is_correction = OLD.is_correction
    AND NEW.created_at = OLD.created_at
    AND (OLD.effective_to IS NULL OR NEW.effective_to IS NOT DISTINCT FROM OLD.effective_to)
    AND (OLD.superseded_at IS NULL OR NEW.superseded_at IS NOT DISTINCT FROM OLD.superseded_at)
)"""
)


class ProjectTenantAssignment(models.Model):
    """Which tenant held a project from when to when, who said so and why (DESIGN.md,
    "Tenant"): a segment belongs to the tenant in effect at each instant, and usage
    before a project's first assignment is unallocated. `tenant` NULL: unassigned.

    Written only by `inventory.services.tenancy.assign_project_tenant`. Postgres keeps
    the rules: a project's live rows never overlap (exclusion constraint); a row is
    never deleted and changes only to close (`effective_to`) or to be superseded by a
    correction that back-dates over it (`superseded_at`, which takes it out of the
    history). `CloudProject.tenant` caches the tenant in effect now, for scoping.
    """

    project = models.ForeignKey(
        CloudProject, on_delete=models.PROTECT, related_name="tenant_assignments"
    )
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateTimeField()
    effective_to = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=255)
    reason = models.TextField(blank=True, default="")
    # Back-dated (effective_from before the moment it was written): the next draft says so.
    is_correction = models.BooleanField(default=False)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "project_tenant_assignments"
        ordering = ["project", "effective_from", "id"]
        constraints = [
            ExclusionConstraint(
                name="project_tenant_assignments_no_overlap",
                expressions=[
                    ("project", RangeOperators.EQUAL),
                    (_Span("effective_from", "effective_to"), RangeOperators.OVERLAPS),
                ],
                condition=Q(superseded_at__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="project_tenant_assignments_valid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "effective_from"], name="project_assignments_tenant"),
        ]
        triggers = [
            Refuse(
                name="only_closing",
                operation=pgtrigger.Update,
                condition=_ONLY_CLOSING,
                message="project_tenant_assignments changes only to close: % refused",
            ),
            Refuse(
                name="append_only",
                operation=pgtrigger.Delete,
                message="project_tenant_assignments is append-only: % refused",
            ),
            RefuseTruncate(message="project_tenant_assignments is append-only: % refused"),
        ]

    def __str__(self) -> str:
        until = f"{self.effective_to:%Y-%m-%d %H:%M}" if self.effective_to else "now"
        return (
            f"{self.project} -> {self.tenant or 'unassigned'} "
            f"from {self.effective_from:%Y-%m-%d %H:%M} to {until}"
        )
