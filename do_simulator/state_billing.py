"""DO's invoices, as `/v2/customers/my/invoices` serves them, from the droplets' history.

Every ended month with usage has an invoice; the running month is the `invoice_preview`
(month to date), whose items can be fetched too. Items bill each (droplet, size) of the
month by the rules in `billing.py`, destroyed droplets included, then every other product
(backups, volumes, snapshots, load balancers, reserved IPs, databases, the Kubernetes HA
control plane, apps, the registry) by `billing_products.py`. Ended months' totals
are computed once per change that reaches back into them; one month's items are
computed when asked for and kept until the next such change.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from . import billing, billing_products, render
from .base import StateBase, locked
from .billing import Item, Period
from .billing_products import ProductItem, Span
from .models import UUID_NAMESPACE, Droplet, droplet_uuid, iso, not_found

# The stores whose records DO bills besides droplets (billing_products.charges).
PRICED_STORES = (
    "volume",
    "snapshot",
    "load_balancer",
    "reserved_ip",
    "database",
    "kubernetes_cluster",
    "app",
    "container_registry",
)
AnyItem = Item | ProductItem

ACCOUNT_NAME = "Sky AI Operations"
ACCOUNT_COMPANY = "Sky AI"
ACCOUNT_EMAIL = "ops@skyai.example"
CSV_COLUMNS = [
    "product",
    "group_description",
    "description",
    "hours",
    "start",
    "end",
    "USD",
    "project_name",
    "category",
]


def _by_id(droplet: Droplet) -> int:
    return droplet.id


def _csv_time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def _by_product(items: list[AnyItem]) -> list[dict[str, str]]:
    """invoice_summary.yml's product_charges items: amount and count per product."""
    groups: dict[str, list[Decimal]] = {}
    for item in items:
        name = item.product if isinstance(item, ProductItem) else "Droplets"
        groups.setdefault(name, []).append(item.amount)
    return [
        {"amount": str(sum(a, Decimal("0.00"))), "name": name, "count": str(len(a))}
        for name, a in groups.items()
    ]


class InvoicesMixin(StateBase):
    resources: dict[str, dict[str, dict[str, Any]]]  # ResourcesMixin's

    def _all_droplets(self) -> list[Droplet]:
        """Live and destroyed droplets in id order, as `billing.month_items` wants them."""
        return self.cached(
            ("all_droplets",),
            self.history_version,
            lambda: sorted([*self.deleted.values(), *self.droplets.values()], key=_by_id),
        )

    def _current_period(self) -> Period:
        return billing.period_of(self.now())

    def _reprice(self, kind: str, rid: str, record: dict[str, Any] | None) -> None:
        """Keeps the ledger of a priced record's charges: called whenever the record is
        stored, changed or deleted (`None`), at the simulator's now."""
        if kind not in PRICED_STORES:
            return
        ledger: dict[tuple[str, str], list[Span]] = self.__dict__.setdefault("priced_ledger", {})
        spans = ledger.setdefault((kind, rid), [])
        now = self.now()
        last = spans[-1] if spans else None
        if record is None:
            if last is not None and last.end is None:
                spans[-1] = last._replace(end=max(now, last.start))
            return
        charges = tuple(billing_products.charges(kind, record))
        name = str(record.get("name") or rid)
        created = billing_products.parse_ts(record.get("created_at"))
        if last is None or last.end is not None:
            start = created if last is None and created is not None else now
            spans.append(Span(kind, rid, name, min(start, now), None, charges))
        elif len(spans) == 1 and created is not None and created != last.start:
            # `created_at` is authoritative for the first span (set after the fact).
            spans[0] = last._replace(start=min(created, now), charges=charges, name=name)
        elif last.charges != charges:
            spans[-1] = last._replace(end=max(now, last.start))
            spans.append(Span(kind, rid, name, max(now, last.start), None, charges))

    def _spans(self) -> list[Span]:
        ledger: dict[tuple[str, str], list[Span]] = self.__dict__.get("priced_ledger", {})
        return [span for spans in ledger.values() for span in spans]

    def _backup_items(self, period: Period, until: int) -> list[ProductItem]:
        """Each backed-up droplet's backups: the plan's share of each (droplet, size) item
        (the policy as it stands: the simulator keeps no history of it)."""
        extras = getattr(self, "droplet_extras", {})
        backed = [d for d in self._all_droplets() if getattr(extras.get(d.id), "plan", None)]
        out = []
        for item in billing.month_items(backed, period, until=until):
            plan = extras[item.droplet_id].plan
            if plan not in billing_products.BACKUP_PERCENT:
                continue
            droplet = self.droplets.get(item.droplet_id) or self.deleted[item.droplet_id]
            amount = billing_products.backup_cost(item.size, item.seconds, period, plan)
            out.append(
                ProductItem(
                    "Backups",
                    str(item.droplet_id),
                    f"{droplet.name} backups ({item.size}, {plan})",
                    item.hours,
                    amount,
                    item.start,
                    item.end,
                    "droplet",
                )
            )
        return out

    def _product_items(self, period: Period) -> list[ProductItem]:
        start = billing.month_start(period)
        end = min(self.now(), billing.month_start(billing.next_period(period)))
        items = list(billing_products.month_product_items(self._spans(), start=start, end=end))
        return self._backup_items(period, end) + items

    def _all_items(self, period: Period) -> list[AnyItem]:
        return [*self._items(period), *self._product_items(period)]

    def _ended_totals(self) -> dict[Period, Decimal]:
        totals = dict(self._droplet_totals())
        current = self._current_period()
        created = [billing.period_of(span.start) for span in self._spans()]
        if not created and not totals:
            return totals
        period = min([*created, *totals]) if (created or totals) else current
        while period < current:
            extra = sum((i.amount for i in self._product_items(period)), Decimal("0.00"))
            if extra or period in totals:
                totals[period] = totals.get(period, Decimal("0.00")) + extra
            period = billing.next_period(period)
        return {p: totals[p] for p in sorted(totals)}

    def _droplet_totals(self) -> dict[Period, Decimal]:
        current = self._current_period()

        def build() -> dict[Period, Decimal]:
            droplets = self._all_droplets()
            if not droplets:
                return {}
            since = billing.period_of(min(d.history[0].start for d in droplets))
            if since >= current:
                return {}
            until = billing.month_start(current)
            return billing.month_totals(droplets, since=since, until=until)

        return self.cached(("totals", current), self.past_version, build)

    def _items(self, period: Period) -> list[Item]:
        """A month's items; the running month is recomputed at most once a minute."""
        now, current = self.now(), self._current_period()
        if period == current:
            version: object = (self.history_version, now // 60)
        else:
            version = (self.past_version, current)

        def build() -> list[Item]:
            return billing.month_items(self._all_droplets(), period, until=now)

        return self.cached(("items", period == current), (period, version), build)

    def invoice_uuid(self, period: Period) -> str:
        text = billing.period_text(period)
        return str(uuid.uuid5(UUID_NAMESPACE, f"invoice:{self.seed}:{text}"))

    def _summary(self, period: Period, amount: Decimal) -> dict[str, Any]:
        return {
            "invoice_uuid": self.invoice_uuid(period),
            "invoice_id": str(8_000_000 + period[0] * 12 + period[1]),
            "amount": str(amount),
            "invoice_period": billing.period_text(period),
        }

    @locked
    def list_invoices(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        totals = self._ended_totals()
        periods = sorted(totals, reverse=True)  # newest first, as at DO
        page, links, meta = render.paginate(
            periods, query=query, url=f"{base_url}/v2/customers/my/invoices"
        )
        current = self._current_period()
        to_date = sum((i.amount for i in self._all_items(current)), Decimal("0.00"))
        preview = {**self._summary(current, to_date), "updated_at": iso(self.now())}
        return {
            "invoices": [self._summary(p, totals[p]) for p in page],
            "invoice_preview": preview,
            "links": links,
            "meta": meta,
        }

    def _period_of_invoice(self, invoice_uuid: str) -> Period:
        current = self._current_period()
        for period in [current, *self._ended_totals()]:
            if self.invoice_uuid(period) == invoice_uuid:
                return period
        raise not_found()

    @locked
    def get_invoice(
        self, invoice_uuid: str, query: Mapping[str, str], base_url: str
    ) -> dict[str, Any]:
        items = self._all_items(self._period_of_invoice(invoice_uuid))
        page, links, meta = render.paginate(
            items, query=query, url=f"{base_url}/v2/customers/my/invoices/{invoice_uuid}"
        )
        return {"invoice_items": [self._item(i) for i in page], "links": links, "meta": meta}

    def _item(self, item: AnyItem) -> dict[str, Any]:
        if isinstance(item, ProductItem):
            return self._product_item(item)
        droplet = self.droplets.get(item.droplet_id) or self.deleted[item.droplet_id]
        project = self.projects.get(droplet.project_id)
        body = {
            "product": "Droplets",
            "resource_uuid": droplet_uuid(droplet.id),
            "resource_id": str(droplet.id),
            "description": f"{droplet.name} ({item.size})",
            "amount": str(item.amount),
            "duration": billing.duration_text(item.hours),
            "duration_unit": "Hours",
            "start_time": iso(item.start),
            "end_time": iso(item.end),
        }
        body["group_description"] = ""
        body["project_name"] = (project or self.default_project()).name
        return body

    def _project_name(self, kind: str, rid: str) -> str:
        """The project of a priced resource (a backup's: its droplet's). A resource no
        longer stored (deleted) is named in the default project: the simulator keeps no
        record of where a deleted one was (our choice)."""
        project_id: str | None = None
        if kind == "droplet" and rid.isdigit():
            droplet = self.droplets.get(int(rid)) or self.deleted.get(int(rid))
            project_id = droplet.project_id if droplet is not None else None
        else:
            project_id = self.resources.get(kind, {}).get(rid, {}).get("_project_id")
        project = self.projects.get(project_id) if project_id else None
        return (project or self.default_project()).name

    def _product_item(self, item: ProductItem) -> dict[str, Any]:
        # DO's invoice_item.yml has `group_description` and `project_name` on every item.
        return {
            "product": item.product,
            "resource_uuid": item.resource_id,
            "resource_id": item.resource_id,
            "group_description": item.group,
            "description": item.description,
            "amount": str(item.amount),
            "duration": billing.duration_text(item.hours),
            "duration_unit": "Hours",
            "start_time": iso(item.start),
            "end_time": iso(item.end),
            "project_name": self._project_name(item.kind, item.resource_id),
        }

    @locked
    def get_invoice_summary(self, invoice_uuid: str) -> dict[str, Any]:
        """resources/billing/responses/invoice_summary.yml: the invoice's totals, grouped."""
        period = self._period_of_invoice(invoice_uuid)
        items = self._all_items(period)
        amount = sum((i.amount for i in items), Decimal("0.00"))
        zero = "0.00"
        summary = self._summary(period, amount)
        return {
            "invoice_uuid": summary["invoice_uuid"],
            "invoice_id": summary["invoice_id"],
            "billing_period": billing.period_text(period),
            "amount": summary["amount"],
            "user_name": ACCOUNT_NAME,
            "user_company": ACCOUNT_COMPANY,
            "user_email": ACCOUNT_EMAIL,
            "product_charges": {
                "name": "Product usage charges",
                "amount": str(amount),
                "items": _by_product(items),
            },
            "overages": {"name": "Overages", "amount": zero},
            "taxes": {"name": "Taxes", "amount": zero},
            "credits_and_adjustments": {"name": "Credits & adjustments", "amount": zero},
        }

    @locked
    def invoice_csv(self, invoice_uuid: str) -> str:
        """resources/billing/responses/invoice_csv.yml: one row per item, DO's columns."""
        items = self._all_items(self._period_of_invoice(invoice_uuid))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for item in items:
            body = self._item(item)
            writer.writerow(
                [
                    body["product"],
                    body["group_description"],
                    body["description"],
                    body["duration"],
                    _csv_time(item.start),
                    _csv_time(item.end),
                    f"${body['amount']}",
                    body["project_name"],
                    "iaas",
                ]
            )
        return out.getvalue()

    @locked
    def get_balance(self) -> dict[str, Any]:
        """resources/billing/responses/balance.yml; nothing is ever owed or prepaid here."""
        current = self._current_period()
        to_date = sum((i.amount for i in self._all_items(current)), Decimal("0.00"))
        return {
            "month_to_date_balance": str(to_date),
            "account_balance": "0.00",
            "month_to_date_usage": str(to_date),
            "generated_at": iso(self.now()),
        }

    @locked
    def invoice_items(self, period: str) -> list[dict[str, Any]]:
        """Every item of the month `YYYY-MM` (ended or running), for tests and scripts."""
        year, month = (int(part) for part in period.split("-"))
        if (year, month) != self._current_period() and (year, month) not in self._ended_totals():
            return []
        return [self._item(i) for i in self._all_items((year, month))]

    @locked
    def invoice_summaries(self) -> dict[str, str]:
        """`YYYY-MM` -> amount of every ended month's invoice."""
        return {billing.period_text(p): str(a) for p, a in self._ended_totals().items()}
