"""What a draft says about back-dated tenant assignments (DESIGN.md, "Tenant").

A correction (`ProjectTenantAssignment.is_correction`) moves usage that may already be on a
draft. The next change of each affected draft names it: the tenant it now goes to, and
every tenant that held the project during the month (their drafts lose the usage).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from billing.models import DraftChange
from billing.periods import month_bounds
from inventory.models import ProjectTenantAssignment


def correction_note(tenant_id: int, month: date, currency: str) -> str:
    """The corrections touching `tenant_id`'s `month` recorded since its draft's last
    change (all of them for a first draft); "" when there are none."""
    start, end = month_bounds(month)
    last = (
        DraftChange.objects.filter(tenant_id=tenant_id, period_start=month, currency=currency)
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    # Superseded rows count: the tenant a correction took the project from is affected too.
    held = ProjectTenantAssignment.objects.filter(
        tenant_id=tenant_id, effective_from__lt=end
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start))
    corrections = (
        ProjectTenantAssignment.objects.filter(
            is_correction=True,
            effective_from__lt=end,
            project_id__in=held.values("project_id"),
        )
        .select_related("project", "tenant")
        .order_by("created_at", "id")
    )
    if last is not None:
        corrections = corrections.filter(created_at__gt=last)
    return "; ".join(
        f"Correction: {c.project.name} assigned to {c.tenant.name if c.tenant else 'nobody'} "
        f"from {c.effective_from:%Y-%m-%d %H:%M}Z by {c.actor}"
        + (f" ({c.reason})" if c.reason else "")
        for c in corrections
    )
