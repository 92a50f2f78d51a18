"""Usage segments (DESIGN.md, "Segments", "The month", "Tenant")."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q

from billing.models.fields import TsTzRange
from inventory.models import CloudProject, CloudResource
from tenants.models import Tenant


class UsageSegment(models.Model):
    """A stretch of one charge of one resource (a product at a price key and quantity:
    a droplet at its size, a volume's GiB, a cluster's nodes) in one project, clipped to
    one UTC month (`billing.meters`).

    Derived from the inventory's events and rebuilt by generation (only rows that differ
    are written); the tenant is the project's as it was at generation."""

    period_start = models.DateField()
    resource = models.ForeignKey(CloudResource, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        CloudProject, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.CharField(max_length=32, default="droplet")
    size_slug = models.CharField(
        max_length=64, help_text="The price key: a size slug, tier or plan (`Price.size_slug`)."
    )
    quantity = models.DecimalField(
        max_digits=18, decimal_places=6, default=1, help_text="Nodes, components or GiB."
    )
    unit = models.CharField(max_length=16, default="hours")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()

    class Meta:
        db_table = "billing_usage_segments"
        ordering = ["period_start", "resource_id", "started_at"]
        constraints = [
            ExclusionConstraint(
                name="billing_usage_segments_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("product", RangeOperators.EQUAL),
                    ("size_slug", RangeOperators.EQUAL),
                    (
                        TsTzRange("started_at", "ended_at", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="billing_usage_segments_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="billing_usage_segments_quantity"
            ),
        ]
        indexes = [
            models.Index(
                fields=["period_start", "resource", "started_at"],
                name="billing_segments_month",
            ),
            models.Index(fields=["period_start", "tenant"], name="billing_segments_tenant"),
        ]

    def __str__(self) -> str:
        return (
            f"resource {self.resource_id} {self.product} {self.size_slug} "
            f"{self.started_at}..{self.ended_at}"
        )
