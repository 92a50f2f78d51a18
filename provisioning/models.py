"""Provisioning sagas (DESIGN.md, "Provisioning").

The database row is the saga; Celery only drives it. A `SagaRun` is one multi-step
operation against the DO API, its `SagaStep`s the steps in order, each recorded before
and after its DO call. Postgres keeps the invariants: statuses by check constraints, one
live saga per resource and per drift by partial unique indexes, a unique idempotency key,
and `finished_at` set exactly when a run is over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models import CloudResource
from tenants.models import Tenant


class SagaKind(models.TextChoices):
    CREATE_DROPLET = "create_droplet", "Create a droplet"
    RESIZE_DROPLET = "resize_droplet", "Resize a droplet"
    RENAME_DROPLET = "rename_droplet", "Rename a droplet"
    RETAG_DROPLET = "retag_droplet", "Retag a droplet"
    RESIZE_VOLUME = "resize_volume", "Grow a volume"
    RESIZE_DATABASE = "resize_database", "Resize a database cluster"
    SCALE_NODE_POOL = "scale_node_pool", "Scale a Kubernetes node pool"
    REPLACE_NODE_POOL = "replace_node_pool", "Replace a Kubernetes node pool (new size)"
    UPDATE_FIREWALL = "update_firewall", "Replace a firewall's rules"
    REASSIGN_RESERVED_IP = "reassign_reserved_ip", "Reassign a reserved IP"
    UPDATE_LOAD_BALANCER = "update_load_balancer", "Update a load balancer"


class SagaStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting (for DO or a retry)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    COMPENSATING = "compensating", "Compensating"
    COMPENSATED = "compensated", "Compensated (failed, undone)"


# A live run still has work to do (forward or compensating); the others are over.
LIVE_STATUSES = (
    SagaStatus.PENDING,
    SagaStatus.RUNNING,
    SagaStatus.WAITING,
    SagaStatus.COMPENSATING,
)
TERMINAL_STATUSES = (SagaStatus.SUCCEEDED, SagaStatus.FAILED, SagaStatus.COMPENSATED)


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    COMPENSATING = "compensating", "Compensating"
    COMPENSATED = "compensated", "Compensated"
    # Nothing to do: DO already was as the step wanted (e.g. powering off an off droplet).
    SKIPPED = "skipped", "Skipped (already done)"


class SagaRun(models.Model):
    saga = models.CharField(max_length=32, choices=SagaKind.choices)
    status = models.CharField(max_length=16, choices=SagaStatus.choices, default=SagaStatus.PENDING)
    idempotency_key = models.CharField(max_length=255, unique=True)
    params = models.JSONField(default=dict, help_text="The validated input.")
    resource = models.ForeignKey(
        CloudResource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sagas",
        help_text="The droplet (a create saga sets it once the droplet is recorded).",
    )
    droplet_id = models.BigIntegerField(null=True, blank=True, help_text="DO's droplet id.")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="sagas"
    )
    drift = models.ForeignKey(
        "drift.Drift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revert_sagas",
        help_text="The drift this saga reverts.",
    )
    current_step = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0, help_text="Passes of the engine.")
    last_error = models.TextField(blank=True, default="")
    # Set once a step that cannot be undone completed (a resize with `disk: true`): from
    # then on a failure is retried, never compensated.
    rolls_forward = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=255, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_via = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Where a run is in the engine's hands and who asked for it, as the console and the
    # API show it after the run's own fields.
    ENGINE_FIELDS = (
        "attempts",
        "last_error",
        "rolls_forward",
        "next_run_at",
        "lease_owner",
        "lease_expires_at",
        "created_by",
        "requested_via",
        "created_at",
        "updated_at",
        "finished_at",
    )

    class Meta:
        db_table = "provisioning_saga_runs"
        verbose_name = "saga"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(saga__in=SagaKind.values), name="saga_runs_saga_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SagaStatus.values), name="saga_runs_status_valid"
            ),
            # A run is over exactly when it says when.
            models.CheckConstraint(
                condition=Q(status__in=TERMINAL_STATUSES, finished_at__isnull=False)
                | (~Q(status__in=TERMINAL_STATUSES) & Q(finished_at__isnull=True)),
                name="saga_runs_finished_at_matches_status",
            ),
            models.UniqueConstraint(
                fields=["resource"],
                condition=Q(status__in=LIVE_STATUSES, resource__isnull=False),
                name="saga_runs_one_live_per_resource",
            ),
            models.UniqueConstraint(
                fields=["drift"],
                condition=Q(status__in=LIVE_STATUSES, drift__isnull=False),
                name="saga_runs_one_live_per_drift",
            ),
        ]
        indexes = [
            # What the every-minute resume reads: live runs by when they are due.
            models.Index(
                fields=["next_run_at"],
                condition=Q(status__in=LIVE_STATUSES),
                name="saga_runs_due",
            ),
            models.Index(fields=["drift", "-id"], name="saga_runs_drift_latest"),
            models.Index(fields=["status", "-created_at"], name="saga_runs_status"),
        ]

    def __str__(self) -> str:
        return f"{self.saga} #{self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def actor(self) -> str:
        """Who the audit log says did what this saga wrote."""
        return f"saga:{self.pk}"


class SagaStep(models.Model):
    run = models.ForeignKey(SagaRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    # Between a DO action's start and its end the step waits (no worker sleeps on it).
    waiting = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    compensation_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    action_id = models.BigIntegerField(null=True, blank=True, help_text="DO's action id.")
    result = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "provisioning_saga_steps"
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="saga_steps_run_index"),
            models.CheckConstraint(
                condition=Q(status__in=StepStatus.values), name="saga_steps_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.index}. {self.name} ({self.status})"
