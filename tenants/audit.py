"""The audit trail of configuration writes (`ConfigChange`), README "Console changes are
audited".

Services call `audited_save` / `record_change` inside their transaction, so a write and
its record commit together or not at all. The console shows an object's trail on its page
(`tenants.admin.ConfigHistoryMixin`) and every record under Tenants > Config changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from tenants.models import ConfigChange

# Recorded as changed, never with a value.
SECRET_FIELDS = frozenset({"password"})


def _json(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    # `attname`: a foreign key's id, without fetching the row it points at.
    return {
        f: _json(getattr(instance, getattr(instance._meta.get_field(f), "attname", f)))
        for f in fields
    }


def _stored_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    # As the database holds them (a decimal at its scale), not as the form typed them.
    return _values(type(instance)._default_manager.get(pk=instance.pk), fields)


def record_change(
    instance: models.Model,
    *,
    actor: str,
    action: str,
    changes: dict[str, list[Any]] | None = None,
) -> ConfigChange:
    return ConfigChange.objects.create(
        model=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:255],
        action=action,
        changes=changes or {},
        actor=actor,
    )


def record_changes(
    changed: Iterable[tuple[models.Model, dict[str, list[Any]]]], *, actor: str, action: str
) -> list[ConfigChange]:
    """`record_change` for many objects, each with its changes, in one insert."""
    return ConfigChange.objects.bulk_create(
        ConfigChange(
            model=instance._meta.label_lower,
            object_id=instance.pk,
            object_repr=str(instance)[:255],
            action=action,
            changes=changes,
            actor=actor,
        )
        for instance, changes in changed
    )


def audited_save(
    instance: models.Model, *, fields: Iterable[str], actor: str
) -> ConfigChange | None:
    """Saves `instance` and records which of `fields` it changed (old and new values), or
    its creation with every one of them. Nothing is recorded when none changed."""
    fields = list(fields)
    with transaction.atomic():
        if instance.pk is None:
            instance.save()
            after = _stored_values(instance, fields)
            created = {f: [None, v] for f, v in after.items() if f not in SECRET_FIELDS}
            return record_change(
                instance, actor=actor, action=ConfigChange.Action.CREATED, changes=created
            )
        stored = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        before = _values(stored, fields)
        instance.save()
        after = _stored_values(instance, fields)
        changes = {
            f: ["…", "…"] if f in SECRET_FIELDS else [before[f], after[f]]
            for f in fields
            if before[f] != after[f]
        }
        if not changes:
            return None
        return record_change(
            instance, actor=actor, action=ConfigChange.Action.CHANGED, changes=changes
        )


def audited_delete(instance: models.Model, *, actor: str) -> None:
    with transaction.atomic():
        record_change(instance, actor=actor, action=ConfigChange.Action.DELETED)
        instance.delete()


def history(instance: models.Model) -> models.QuerySet[ConfigChange]:
    return ConfigChange.objects.filter(
        model=instance._meta.label_lower, object_id=instance.pk
    ).order_by("occurred_at", "id")
