"""DO's invoices, as `/v2/customers/my/invoices` serves them, from the droplets' history.

Every ended month with usage has an invoice; the running month is the `invoice_preview`
(month to date), whose items can be fetched too. Items bill each (droplet, size) of the
month by the rules in `billing.py`, destroyed droplets included. Ended months' totals
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

from . import billing, render
from .base import StateBase, locked
from .billing import Item, Period
from .models import UUID_NAMESPACE, Droplet, droplet_uuid, iso, not_found

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


class InvoicesMixin(StateBase):
    def _all_droplets(self) -> list[Droplet]:
        """Live and destroyed droplets in id order, as `billing.month_items` wants them."""
        return self.cached(
            ("all_droplets",),
            self.history_version,
            lambda: sorted([*self.deleted.values(), *self.droplets.values()], key=_by_id),
        )

    def _current_period(self) -> Period:
        return billing.period_of(self.now())

    def _ended_totals(self) -> dict[Period, Decimal]:
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
        to_date = sum((i.amount for i in self._items(current)), Decimal("0.00"))
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
        items = self._items(self._period_of_invoice(invoice_uuid))
        page, links, meta = render.paginate(
            items, query=query, url=f"{base_url}/v2/customers/my/invoices/{invoice_uuid}"
        )
        return {"invoice_items": [self._item(i) for i in page], "links": links, "meta": meta}

    def _item(self, item: Item) -> dict[str, Any]:
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
        if project is not None:
            body["project_name"] = project.name
        return body

    @locked
    def get_invoice_summary(self, invoice_uuid: str) -> dict[str, Any]:
        """resources/billing/responses/invoice_summary.yml: the invoice's totals, grouped."""
        period = self._period_of_invoice(invoice_uuid)
        items = self._items(period)
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
                "items": [{"amount": str(amount), "name": "Droplets", "count": str(len(items))}]
                if items
                else [],
            },
            "overages": {"name": "Overages", "amount": zero},
            "taxes": {"name": "Taxes", "amount": zero},
            "credits_and_adjustments": {"name": "Credits & adjustments", "amount": zero},
        }

    @locked
    def invoice_csv(self, invoice_uuid: str) -> str:
        """resources/billing/responses/invoice_csv.yml: one row per item, DO's columns."""
        items = self._items(self._period_of_invoice(invoice_uuid))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for item in items:
            body = self._item(item)
            writer.writerow(
                [
                    body["product"],
                    "",
                    body["description"],
                    body["duration"],
                    _csv_time(item.start),
                    _csv_time(item.end),
                    f"${body['amount']}",
                    body.get("project_name", ""),
                    "iaas",
                ]
            )
        return out.getvalue()

    @locked
    def get_balance(self) -> dict[str, Any]:
        """resources/billing/responses/balance.yml; nothing is ever owed or prepaid here."""
        current = self._current_period()
        to_date = sum((i.amount for i in self._items(current)), Decimal("0.00"))
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
        return [self._item(i) for i in self._items((year, month))]

    @locked
    def invoice_summaries(self) -> dict[str, str]:
        """`YYYY-MM` -> amount of every ended month's invoice."""
        return {billing.period_text(p): str(a) for p, a in self._ended_totals().items()}
