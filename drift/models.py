"""Desired state and drift (DESIGN.md, "Drift").

`Provisioned` is what we asked DO for: one spec (field -> desired value) per resource.
`Drift` is one row per drifted field. Postgres keeps the invariants: at most one open
drift per (resource, field) through a partial unique index, statuses through a check
constraint, and history through `PROTECT` foreign keys.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models import CloudResource

# A tombstoned resource is drift. It flows through the same open/stale machinery as a
# pseudo-field that every spec expects to be null unless the spec says otherwise.
TOMBSTONE_FIELD = "deleted_at"


class Provisioned(models.Model):
    resource = models.OneToOneField(
        CloudResource, on_delete=models.PROTECT, related_name="provisioned"
    )
    spec = models.JSONField(default=dict, help_text="Field -> desired value.")
    spec_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set by `record_provisioned` on the row it returns: "created", "updated" or
    # "unchanged". Not a column.
    outcome: str = ""

    class Meta:
        db_table = "cloud_provisioned"
        verbose_name = "provisioned spec"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spec_version__gte=1), name="cloud_provisioned_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"spec v{self.spec_version} of resource {self.resource_id}"


class DriftStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REVERTED = "reverted", "Reverted"
    STALE = "stale", "Stale"


class Drift(models.Model):
    resource = models.ForeignKey(CloudResource, on_delete=models.PROTECT, related_name="drifts")
    # Indexed explicitly below, under a readable name.
    provisioned = models.ForeignKey(
        Provisioned, on_delete=models.PROTECT, related_name="drifts", db_index=False
    )
    field = models.CharField(max_length=255)
    # JSON null and SQL NULL both mean "no value" (null, or missing from the resource).
    expected = models.JSONField(null=True, blank=True)
    actual = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=DriftStatus.choices, default=DriftStatus.OPEN)
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(blank=True, default="")
    # A failed revert's error lands here (the drift stays open).
    error = models.TextField(blank=True, default="")
    # When the live revert saga started; null when none runs. Set in the transaction that
    # starts the saga, cleared when it ends (drift.services.reverting): while it is set the
    # drift can be neither accepted nor closed by detection.
    revert_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "cloud_drift"
        verbose_name = "drift"
        verbose_name_plural = "drift"
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "field"],
                condition=Q(status="open"),
                name="cloud_drift_one_open_per_field",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DriftStatus.values), name="cloud_drift_status_valid"
            ),
            # An open drift is unresolved; a resolved one says when.
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | (~Q(status="open") & Q(resolved_at__isnull=False)),
                name="cloud_drift_resolved_at_matches_status",
            ),
            # Only an open drift has a revert running: closing one ends it.
            models.CheckConstraint(
                condition=Q(revert_started_at__isnull=True) | Q(status="open"),
                name="cloud_drift_revert_only_when_open",
            ),
        ]
        indexes = [
            # The status index; its trailing columns let the inbox (one status, newest
            # first) read a page straight off it instead of sorting 1M resolved rows.
            models.Index(fields=["status", "-detected_at", "-id"], name="cloud_drift_status"),
            models.Index(fields=["provisioned"], name="cloud_drift_provisioned"),
            # Newest first across statuses (`status=all`, `status=resolved`: the history)
            # without sorting a million rows; resolved ones are found by skipping the open
            # ones, of which there are at most an inbox's worth.
            models.Index(fields=["-detected_at", "-id"], name="cloud_drift_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.field} of resource {self.resource_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == DriftStatus.OPEN

    @property
    def revert_running(self) -> bool:
        return self.revert_started_at is not None
