"""Desired state: `record_provisioned` (DESIGN.md, "Drift": `cloud_provisioned`).

Upserts the spec on the resource, of any kind: each field is a column or a (dotted)
path into `attrs`, as detection resolves it (`drift.equality.resolve`). `spec_version`
starts at 1 and bumps only when the spec really changes (a field added, removed, or a
value that is not loosely equal), so a saga re-recording the same spec, or the same tags
in another order, writes nothing.
Provisioning sagas, the API and `manage.py record_provisioned` all come here.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from arcadia.errors import InvalidInput
from arcadia.validation import json_problem
from drift.equality import RESOURCE_COLUMNS, is_json, loosely_equal
from drift.models import Drift, Provisioned
from drift.services.events import actor_label
from inventory.models import CloudResource, CloudResourceEvent, EventType
from tenants.models import User

# A spec field becomes a drift's `field`.
FIELD_MAX_LENGTH: int = Drift._meta.get_field("field").max_length  # type: ignore[assignment]


def validate_spec(spec: Any) -> dict[str, Any]:
    """A spec is a JSON object of field names to JSON values; refused otherwise."""
    if not isinstance(spec, dict):
        raise InvalidInput(
            "A spec must be a JSON object of field names to desired values, "
            f"not {type(spec).__name__}.",
            field="spec",
        )
    # NUL, lone surrogates, depth: what jsonb cannot store or later walks cannot recurse.
    if problem := json_problem(spec):
        raise InvalidInput(f"Invalid spec: {problem}", field="spec")
    for field, value in spec.items():
        if not isinstance(field, str) or not field.strip():
            raise InvalidInput("Spec field names must be non-empty strings.", field="spec")
        if field != field.strip() or len(field) > FIELD_MAX_LENGTH:
            raise InvalidInput(
                f"Spec field {field!r} must have no surrounding spaces and at most "
                f"{FIELD_MAX_LENGTH} characters.",
                field="spec",
            )
        if problem := field_problem(field):
            raise InvalidInput(f"Spec field {field!r} {problem}", field="spec")
        if not is_json(value):
            raise InvalidInput(f"Spec field {field!r} is not a JSON value.", field="spec")
    return dict(spec)


def field_problem(field: str) -> str | None:
    """Why `field` cannot name a live value, or None. A field is a column
    (`RESOURCE_COLUMNS`) or a path into `attrs`, dotted for nested objects of any kind
    (`image.slug`, `node_pools.worker.count`); detection never walks into a column."""
    parts = field.split(".")
    if any(not part.strip() or part != part.strip() for part in parts):
        return "has an empty or padded path segment; write paths as `a.b.c`."
    if len(parts) > 1 and parts[0] in RESOURCE_COLUMNS:
        return (
            f"walks into the column {parts[0]!r}, which has no nested fields; only "
            "attrs paths are dotted."
        )
    return None


def spec_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [old, new] for every field added, removed or not loosely equal."""
    changes: dict[str, list[Any]] = {}
    for field in sorted(old.keys() | new.keys()):
        if field not in new:
            changes[field] = [old[field], None]
        elif field not in old:
            changes[field] = [None, new[field]]
        elif not loosely_equal(old[field], new[field]):
            changes[field] = [old[field], new[field]]
    return changes


def bump_spec(provisioned: Provisioned, spec: dict[str, Any]) -> None:
    """Makes `spec` the row's desired state at the next `spec_version`; the caller holds
    the row's lock and has decided the spec really changed."""
    provisioned.spec = spec
    provisioned.spec_version += 1
    provisioned.save(update_fields=["spec", "spec_version", "updated_at"])


def record_provisioned(
    resource: CloudResource | int, spec: Any, *, actor: User | str
) -> Provisioned:
    """Records `spec` as the desired state of `resource` and returns the row, with
    `.outcome` set to "created", "updated" or "unchanged".

    A change writes a `spec_recorded` event holding the diff; an invalid spec or an
    unknown resource is refused (InvalidInput) and changes nothing."""
    spec = validate_spec(spec)
    label = actor_label(actor)
    resource_id = resource.pk if isinstance(resource, CloudResource) else resource
    if not CloudResource.objects.filter(pk=resource_id).exists():
        raise InvalidInput(f"No resource with id {resource_id}.", field="resource")

    with transaction.atomic():
        provisioned, created = _lock_or_create(resource_id, spec)
        if created:
            changes = spec_diff({}, spec)
            provisioned.outcome = "created"
        else:
            changes = spec_diff(provisioned.spec, spec)
            if not changes:
                provisioned.outcome = "unchanged"
                return provisioned
            bump_spec(provisioned, spec)
            provisioned.outcome = "updated"
        CloudResourceEvent.objects.create(
            resource_id=resource_id,
            event=EventType.SPEC_RECORDED,
            changes=changes,
            actor=label,
            occurred_at=timezone.now(),
        )
    return provisioned


def _lock_or_create(resource_id: int, spec: dict[str, Any]) -> tuple[Provisioned, bool]:
    """The resource's row, locked for this transaction, or a new one at version 1."""
    existing = Provisioned.objects.select_for_update().filter(resource_id=resource_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: a concurrent first record may win
            return Provisioned.objects.create(
                resource_id=resource_id, spec=spec, spec_version=1
            ), True
    except IntegrityError:
        return Provisioned.objects.select_for_update().get(resource_id=resource_id), False
