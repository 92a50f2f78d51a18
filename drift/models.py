"""Desired state and drift (DESIGN.md, "Drift").

`Provisioned` is what we asked DO for: one spec (field -> desired value) per resource.
`Drift` is one row per drifted field. Postgres keeps the invariants: at most one active
(open or suppressed) drift per (resource, field) through a partial unique index, statuses
through a check constraint, and history through `PROTECT` foreign keys.
`DriftSuppression` is an operator's "known, leave it out of the inbox" on a (resource,
field), (kind, field) or (tag, field), owned, with a reason and an expiry; lifted, never
deleted, and its expiry handled (and announced) once (drift.services.suppressions).
"""

from __future__ import annotations

from datetime import datetime

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from arcadia.triggers import Refuse
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
    # Drift an active suppression holds: unresolved, out of the open inbox; it reopens
    # when its suppression expires or is lifted (drift.services.suppressions).
    SUPPRESSED = "suppressed", "Suppressed"


# Unresolved drift: what detection still compares, refreshes and closes, and what the
# one-per-(resource, field) index covers.
ACTIVE_STATUSES = (DriftStatus.OPEN.value, DriftStatus.SUPPRESSED.value)


class DriftSuppression(models.Model):
    """Drift an operator knows about and wants out of the open inbox, for a while.

    Scope: exactly one of `resource`, `kind` or `tag`, with one `field`. Active while not
    lifted and either `permanent` or `expires_at` is still ahead. Past its expiry it keeps
    holding its drift until `expire_due` handles the expiry (every 5 minutes and at the
    start of each sweep): that sets `expiry_handled_at`, reopens the drift and announces
    `drift.suppression_expired`, once. Lifting sets `lifted_*`; rows are never deleted (a
    trigger refuses it), and every suppression, lift and expiry leaves a `ConfigChange`
    (tenants.audit).
    """

    resource = models.ForeignKey(
        CloudResource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drift_suppressions",
    )
    kind = models.CharField(max_length=32, blank=True, default="")
    tag = models.CharField(max_length=255, blank=True, default="")
    field = models.CharField(max_length=255)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    expires_at = models.DateTimeField(null=True, blank=True)
    permanent = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True, default="")
    # When Arcadia handled the expiry (drift reopened, webhook announced); null until then,
    # and always on a permanent or lifted-in-time suppression. The "exactly once" guard.
    expiry_handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cloud_drift_suppressions"
        verbose_name = "drift suppression"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__isnull=False, kind="", tag="")
                | Q(resource__isnull=True, tag="") & ~Q(kind="")
                | Q(resource__isnull=True, kind="") & ~Q(tag=""),
                name="cloud_drift_suppressions_one_scope",
            ),
            models.CheckConstraint(
                condition=~Q(field="") & ~Q(reason=""),
                name="cloud_drift_suppressions_field_and_reason",
            ),
            # Forever is a choice, never a forgotten expiry.
            models.CheckConstraint(
                condition=Q(permanent=True, expires_at__isnull=True)
                | Q(permanent=False, expires_at__isnull=False),
                name="cloud_drift_suppressions_permanent_xor_expiry",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                | Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~Q(lift_reason=""),
                name="cloud_drift_suppressions_lift_says_who_and_why",
            ),
            # Only an expiry can be handled.
            models.CheckConstraint(
                condition=Q(expiry_handled_at__isnull=True) | Q(permanent=False),
                name="cloud_drift_suppressions_handled_only_if_expiring",
            ),
        ]
        indexes = [
            # What detection reads every batch: the suppressions not lifted.
            models.Index(
                fields=["field"],
                condition=Q(lifted_at__isnull=True),
                name="cloud_drift_suppressions_live",
            ),
            # What `expire_due` asks at every sweep: expiries not handled yet.
            models.Index(
                fields=["expires_at"],
                condition=Q(
                    lifted_at__isnull=True, permanent=False, expiry_handled_at__isnull=True
                ),
                name="cloud_drift_suppressions_due",
            ),
        ]
        triggers = [
            Refuse(
                name="never_deleted",
                operation=pgtrigger.Delete,
                message="cloud_drift_suppressions rows are lifted, never deleted: % refused",
            ),
        ]

    def __str__(self) -> str:
        until = "permanent" if self.permanent else f"until {self.expires_at:%Y-%m-%d %H:%M}Z"
        return f"suppression #{self.pk} of {self.field} on {self.scope_label} ({until})"

    @property
    def scope(self) -> str:
        if self.resource_id is not None:
            return "resource"
        return "kind" if self.kind else "tag"

    @property
    def target(self) -> str:
        """The scope's value: a resource id, a kind or a tag."""
        if self.resource_id is not None:
            return str(self.resource_id)
        return self.kind or self.tag

    @property
    def scope_label(self) -> str:
        return f"{self.scope} {self.target}"

    def is_active(self, at: datetime) -> bool:
        return self.lifted_at is None and (
            self.permanent or bool(self.expires_at and self.expires_at > at)
        )

    def state(self, at: datetime) -> str:
        """ "active", "expired" or "lifted"."""
        if self.lifted_at is not None:
            return "lifted"
        return "active" if self.is_active(at) else "expired"


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
    # The suppression holding this drift (status suppressed), kept when a suppressed drift
    # closes stale; null on open drift. Indexed below.
    suppression = models.ForeignKey(
        DriftSuppression,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drifts",
        db_index=False,
    )
    # What the drift costs a month: the live value's monthly price minus the desired one's,
    # from the price book (drift.services.impact); 0 for a field with no price effect,
    # null when a price it needs is unknown. Stored so the inbox can sort by it.
    monthly_impact = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    impact_currency = models.CharField(max_length=3, default="USD", db_default="USD")
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
                condition=Q(status__in=ACTIVE_STATUSES),
                name="cloud_drift_one_active_per_field",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DriftStatus.values), name="cloud_drift_status_valid"
            ),
            # An open or suppressed drift is unresolved; a resolved one says when.
            models.CheckConstraint(
                condition=Q(status__in=ACTIVE_STATUSES, resolved_at__isnull=True)
                | (~Q(status__in=ACTIVE_STATUSES) & Q(resolved_at__isnull=False)),
                name="cloud_drift_resolved_at_matches_status",
            ),
            # A suppressed drift names its suppression, an open one none.
            models.CheckConstraint(
                condition=Q(status="suppressed", suppression__isnull=False)
                | Q(status="open", suppression__isnull=True)
                | ~Q(status__in=ACTIVE_STATUSES),
                name="cloud_drift_suppressed_names_suppression",
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
            # Drift closed since a day (the dashboard's 30 days): resolved drift only, so
            # the open inbox adds nothing to it.
            models.Index(
                fields=["resolved_at"],
                condition=Q(resolved_at__isnull=False),
                name="cloud_drift_resolved",
            ),
            # The drift a suppression holds, counted and reopened by it.
            models.Index(
                fields=["suppression", "status"],
                condition=Q(suppression__isnull=False),
                name="cloud_drift_suppression",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} of resource {self.resource_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == DriftStatus.OPEN

    @property
    def revert_running(self) -> bool:
        return self.revert_started_at is not None
