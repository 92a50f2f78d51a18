"""Crafted histories of any kind for the meters' tests: a resource, its `discovered`
event (columns only, as the chokepoint writes it) and `updated` events carrying attr
diffs, with the resource's current attrs kept as the chokepoint would."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.services import prices
from inventory.models import CloudProject, CloudResource, CloudResourceEvent, EventType
from tests.factories import CloudResourceFactory


class Resource:
    def __init__(
        self,
        kind: str,
        *,
        project: CloudProject | None,
        size: str = "",
        attrs: dict[str, Any],
        created: datetime,
        seen_until: datetime,
        name: str = "",
    ) -> None:
        self.attrs = {**attrs, "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ")}
        extra = {"name": name} if name else {}
        self.resource: CloudResource = CloudResourceFactory(
            kind=kind,
            project=project,
            size_slug=size,
            attrs=self.attrs,
            first_seen_at=created,
            last_seen_at=seen_until,
            **extra,
        )
        self._event(
            EventType.DISCOVERED,
            created,
            {
                "name": [None, self.resource.name],
                "size_slug": [None, size],
                "project": [None, project.pk if project else None],
            },
        )

    @property
    def pk(self) -> int:
        return self.resource.pk

    def _event(self, event: str, when: datetime, changes: dict[str, Any]) -> None:
        CloudResourceEvent.objects.create(
            resource=self.resource, event=event, changes=changes, actor="test", occurred_at=when
        )

    def change(self, when: datetime, **attrs: Any) -> Resource:
        """An `updated` event changing attrs (the resource's row follows)."""
        changes = {k: [self.attrs.get(k), v] for k, v in attrs.items()}
        self.attrs.update(attrs)
        self._event(EventType.UPDATED, when, changes)
        CloudResource.objects.filter(pk=self.pk).update(attrs=self.attrs)
        return self

    def resize(self, when: datetime, size: str) -> Resource:
        old = CloudResource.objects.get(pk=self.pk).size_slug
        self._event(EventType.UPDATED, when, {"size_slug": [old, size]})
        CloudResource.objects.filter(pk=self.pk).update(size_slug=size)
        return self


def seed_published_prices() -> None:
    prices.seed_published_prices()


def d(text: str) -> Decimal:
    return Decimal(text)
