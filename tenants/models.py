"""Tenants and roles (DESIGN.md, "Tenants and roles").

A user is either a platform admin (sees and resolves everything) or a member of one or
more tenants (sees only those tenants' data). The platform itself is the tenant with
purpose `internal`.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from arcadia import origin
from arcadia.triggers import append_only
from tenants.roles import is_platform_admin

PLATFORM_TENANT_SLUG = "skyai"


class Tenant(models.Model):
    class Purpose(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        INTERNAL = "internal", "Internal (the platform itself)"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.CUSTOMER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "tenants"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=["customer", "internal"]), name="tenants_purpose_valid"
            ),
            # The platform is exactly one tenant.
            models.UniqueConstraint(
                fields=["purpose"], condition=Q(purpose="internal"), name="tenants_one_internal"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    is_platform_admin = models.BooleanField(
        default=False,
        help_text="Operators of the platform: see every tenant, resolve drift, run billing.",
    )
    tenants = models.ManyToManyField(Tenant, through="Membership", related_name="users", blank=True)

    class Meta:
        db_table = "users"

    @property
    def has_platform_role(self) -> bool:
        """The platform-admin role as every surface reads it (`tenants.roles`): the flag
        or a superuser."""
        return is_platform_admin(self)

    def tenant_ids(self) -> list[int]:
        """The tenants whose data this user may see (platform admins: use their role instead)."""
        cached = getattr(self, "_tenant_ids", None)
        if cached is None:
            cached = list(self.memberships.values_list("tenant_id", flat=True))
            self._tenant_ids = cached
        return cached


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tenant_memberships"
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="tenant_memberships_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant}"


class ApiToken(AuthToken):
    """An API token as the console shows it: knox's row (a digest and the token's first
    15 characters), named by that prefix, never by its digest as knox names it."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.token_key}… of {self.user}"


class ConfigChange(models.Model):
    """One console (or command) write to configuration that decides access or money: a
    tenant, a membership, a user's roles, a billing account's markup and currency.

    Written by `tenants.audit.record_change` from the service that made the write, in its
    transaction. Rows name their object by model label and id, not by a foreign key, so
    the trail outlives a deleted object. Append-only (Meta.triggers).
    """

    class Action(models.TextChoices):
        CREATED = "created"
        CHANGED = "changed"
        DELETED = "deleted"

    model = models.CharField(max_length=100, help_text="App label and model, e.g. tenants.tenant.")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=255)
    action = models.CharField(max_length=16, choices=Action.choices)
    # {field: [old, new]}, JSON values; a secret (a password) is recorded as changed only.
    changes = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=255)
    occurred_at = models.DateTimeField(default=timezone.now)
    # The request that made the change (arcadia.origin), as in the logs; blank from a
    # command or a task no request started.
    request_id = models.CharField(
        max_length=origin.REQUEST_ID_LENGTH, blank=True, default=origin.request_id, db_default=""
    )

    class Meta:
        db_table = "config_changes"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="config_changes_object")]
        triggers = append_only("config_changes")

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} {self.action} by {self.actor}"
