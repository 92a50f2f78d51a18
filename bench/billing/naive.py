"""The baseline: generation as a straightforward loop that meters and prices one resource
at a time through the ORM. Same pure rules as the service (`billing.metering`,
`billing.pricing`), so the difference measured is the database access pattern: a query
for the resource's events, one per segment for its project and tenant, one per size for
its price, and a handful of writes per line."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction

from billing import metering, pricing
from billing.metering import Event, History
from billing.models import Account, Invoice, InvoiceLine, Price, UsageSegment
from billing.periods import month_bounds, next_month
from inventory.models import CloudProject, CloudResource

ACTOR = "bench:naive"


def naive_generate(month: date, *, limit: int) -> dict[str, int]:
    start, end = month_bounds(month)
    rule = pricing.rule_for(month)
    resources = lines = 0
    ids = list(
        CloudResource.objects.filter(kind="droplet").order_by("id").values_list("id", flat=True)
    )[:limit]
    for resource_id in ids:
        with transaction.atomic():
            resource = CloudResource.objects.get(pk=resource_id)
            events = resource.events.filter(event__in=metering.LIFECYCLE_EVENTS).order_by(
                "occurred_at", "id"
            )
            history = History(
                metering.parse_instant((resource.attrs or {}).get("created_at")),
                resource.last_seen_at,
                [Event(e.event, e.occurred_at, e.changes) for e in events],
            )
            segments = metering.clip(metering.segments(history), start, end)
            resources += 1
            by_size: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
            for seg in segments:
                project = (
                    CloudProject.objects.filter(pk=seg.project_id).first()
                    if seg.project_id
                    else None
                )
                tenant_id = project.tenant_id if project else None
                UsageSegment.objects.create(
                    period_start=month,
                    resource=resource,
                    tenant_id=tenant_id,
                    project=project,
                    size_slug=seg.size_slug,
                    started_at=seg.started_at,
                    ended_at=seg.ended_at,
                )
                by_size[seg.size_slug][tenant_id] += seg.seconds
            for size, owners in by_size.items():
                price = (
                    Price.objects.filter(size_slug=size, valid_from__lte=start)
                    .order_by("-valid_from")
                    .first()
                    or Price.objects.filter(size_slug=size).order_by("valid_from").first()
                )
                assert price is not None, size
                total = pricing.usage_cost(
                    sum(owners.values()),
                    price_hourly=price.price_hourly,
                    price_monthly=price.price_monthly,
                    rule=rule,
                )
                for tenant_id, share in pricing.split(total, owners).items():
                    if tenant_id is None:
                        continue
                    account = Account.objects.filter(tenant_id=tenant_id).first()
                    markup = account.markup_percent if account else Decimal(0)
                    invoice, _ = Invoice.objects.get_or_create(
                        tenant_id=tenant_id,
                        period_start=month,
                        currency="USD",
                        status="draft",
                        defaults={
                            "period_end": next_month(month),
                            "rule": rule,
                            "subtotal": Decimal(0),
                            "total": Decimal(0),
                            "fingerprint": "",
                        },
                    )
                    amount = pricing.line_amount(share.cost, markup)
                    InvoiceLine.objects.create(
                        invoice=invoice,
                        resource=resource,
                        urn=resource.urn,
                        size_slug=size,
                        usage_start=min(s.started_at for s in segments if s.size_slug == size),
                        usage_end=max(s.ended_at for s in segments if s.size_slug == size),
                        seconds=owners[tenant_id],
                        quantity=share.hours,
                        price_hourly=price.price_hourly,
                        price_monthly=price.price_monthly,
                        capped=total.capped,
                        cost=share.cost,
                        amount=amount,
                    )
                    invoice.subtotal += amount
                    invoice.total = invoice.subtotal
                    invoice.save(update_fields=["subtotal", "total", "updated_at"])
                    lines += 1
    return {"resources": resources, "lines": lines}
