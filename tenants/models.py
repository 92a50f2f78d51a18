"""Tenants and roles (DESIGN.md, "Tenants and roles").

A user is either a platform admin (sees and resolves everything) or a member of one or
more tenants (sees only those tenants' data). The platform itself is the tenant with
purpose `internal`.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from knox.models import AuthToken

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
