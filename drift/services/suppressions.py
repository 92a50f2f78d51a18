"""Suppressing drift, lifting a suppression, and handling its expiry (README, "Drift
suppressions").

`suppress` records who holds which drift out of the inbox, on which scope (a resource, a
kind or a tag, with one field), why and until when; `lift` ends it early, with a reason;
`expire_due` handles the expiry of those whose `expires_at` has passed. They are the only
writers of `cloud_drift_suppressions`, for the API, the console, beat and
`manage.py suppress_drift` alike, and each does its whole work in one transaction:

- the suppression row (created, marked lifted, or marked `expiry_handled_at`);
- its `ConfigChange` audit record (tenants.audit): the configuration trail the console
  already lists and shows per object, append-only in Postgres. Resource events would not
  do: a kind or tag suppression has no one resource, and `cloud_resource_events` keys on
  one;
- the drift it concerns, moved in one statement (drift.suppression_match.restatus):
  unresolved drift it now matches becomes `suppressed`; on lift or expiry, the drift it
  held reopens, or moves to another suppression that still matches it;
- on expiry, one `drift.suppression_expired` webhook event per suppression
  (drift.services.announce), in the outbox: sent after the commit, never twice, since
  `expiry_handled_at` is set in the same transaction.

All take the detection lock (`drift:detect`), so a sweep's batch sees a suppression
wholly or not at all. A suppression past `expires_at` is no longer active (no new
suppression of its scope is refused for it), but it keeps holding its drift until
`expire_due` runs: beat every 5 minutes (`drift.expire_suppressions`), and every sweep
before its first batch. So the drift is reopened by the one writer that announces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput, NotFound
from arcadia.locks import xact_lock
from drift.models import ACTIVE_STATUSES, Drift, DriftStatus, DriftSuppression
from drift.services.announce import announce_expired
from drift.services.locking import DETECT_LOCK
from drift.services.provisioned import field_problem
from drift.suppression_match import ActiveSuppressions, active_q, restatus
from inventory.models import CloudResource, Kind
from tenants.audit import record_change, record_changes
from tenants.models import ConfigChange, User
from tenants.roles import is_platform_admin

MAX_TEXT = 2000
EXPIRY_ACTOR = "drift.expire_suppressions"


@dataclass(frozen=True)
class Scope:
    """Exactly one of these is set; `scope_of` checks it."""

    resource: CloudResource | None = None
    kind: str = ""
    tag: str = ""


def require_one_scope(*, resource: object, kind: str | None, tag: str | None) -> None:
    """Exactly one of the three is given, or InvalidInput naming the second one given (or
    `resource` when none is). Surfaces call it before they look a resource up, so that a
    resource and a kind together are refused as such."""
    given = [n for n, v in (("resource", resource), ("kind", kind), ("tag", tag)) if v]
    if not given:
        raise InvalidInput("Give one scope: a resource, a kind or a tag.", field="resource")
    if len(given) > 1:
        raise InvalidInput(
            f"Give one scope only: {' and '.join(given)} are both set.", field=given[1]
        )


def scope_of(*, resource: CloudResource | None, kind: str | None, tag: str | None) -> Scope:
    """The one scope given, or InvalidInput naming the field at fault."""
    kind, tag = (kind or "").strip(), (tag or "").strip()
    require_one_scope(resource=resource, kind=kind, tag=tag)
    if kind and kind not in Kind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", field="kind")
    if len(tag) > 255:
        raise InvalidInput("A tag has at most 255 characters.", field="tag")
    return Scope(resource=resource, kind=kind, tag=tag)


def _text(value: str | None, *, name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is required.", field=name)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what} has at most {MAX_TEXT} characters.", field=name)
    return text


def _field(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput("The drifted field is required (e.g. size_slug).", field="field")
    if len(name) > 255:
        raise InvalidInput("A field has at most 255 characters.", field="field")
    problem = field_problem(name)
    if problem:
        raise InvalidInput(f"Field {name!r} {problem}", field="field")
    return name


def _expiry(expires_at: datetime | None, permanent: bool, now: datetime) -> datetime | None:
    if permanent and expires_at is not None:
        raise InvalidInput(
            "A permanent suppression has no expiry: give one or the other.", field="expires_at"
        )
    if not permanent and expires_at is None:
        raise InvalidInput(
            "Give an expiry, or choose permanent for a suppression that never expires.",
            field="expires_at",
        )
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(f"The expiry {expires_at:%Y-%m-%d %H:%M}Z is past.", field="expires_at")
    return expires_at


def _scope_filter(scope: Scope | DriftSuppression) -> Q:
    if scope.resource is not None:
        return Q(resource=scope.resource)
    if scope.kind:
        return Q(resource__kind=scope.kind)
    return Q(resource__tags__contains=[scope.tag])


@dataclass(frozen=True)
class Checked:
    """A suppression's input, validated (`check`)."""

    scope: Scope
    field: str
    reason: str
    owner: User
    expires_at: datetime | None
    permanent: bool


def check(
    *,
    field: str,
    reason: str,
    owner: User,
    resource: CloudResource | None = None,
    kind: str | None = None,
    tag: str | None = None,
    expires_at: datetime | None = None,
    permanent: bool = False,
    now: datetime | None = None,
) -> Checked:
    """Validates a suppression without writing anything (the console's form asks it
    first): InvalidInput naming the field at fault, Conflict when an active suppression
    of the same scope and field exists already."""
    now = now or timezone.now()
    scope = scope_of(resource=resource, kind=kind, tag=tag)
    checked = Checked(
        scope=scope,
        field=_field(field),
        reason=_text(reason, name="reason", what="A reason"),
        owner=owner,
        expires_at=_expiry(expires_at, permanent, now),
        permanent=permanent,
    )
    if not is_platform_admin(owner):
        raise InvalidInput(
            f"The owner {owner.get_username()!r} is not a platform admin.", field="owner"
        )
    same = (
        DriftSuppression.objects.filter(active_q(now), field=checked.field)
        .filter(resource=scope.resource, kind=scope.kind, tag=scope.tag)
        .order_by("id")
        .first()
    )
    if same is not None:
        raise Conflict(
            f"Suppression #{same.pk} already holds {checked.field} on {same.scope_label}: "
            "lift it first to change it.",
            code="suppression_exists",
        )
    return checked


def suppress(
    *,
    field: str,
    reason: str,
    actor: User,
    owner: User | None = None,
    resource: CloudResource | None = None,
    kind: str | None = None,
    tag: str | None = None,
    expires_at: datetime | None = None,
    permanent: bool = False,
) -> DriftSuppression:
    """Suppresses drift on `field` within the scope (exactly one of resource, kind, tag),
    owned by `owner` (the actor by default), after `check`; see the module docstring."""
    with transaction.atomic():
        # Before the check: two identical suppressions racing are serialized here.
        xact_lock(DETECT_LOCK)
        now = timezone.now()
        c = check(
            field=field,
            reason=reason,
            owner=owner or actor,
            resource=resource,
            kind=kind,
            tag=tag,
            expires_at=expires_at,
            permanent=permanent,
            now=now,
        )
        suppression = DriftSuppression.objects.create(
            resource=c.scope.resource,
            kind=c.scope.kind,
            tag=c.scope.tag,
            field=c.field,
            owner=c.owner,
            reason=c.reason,
            expires_at=c.expires_at,
            permanent=c.permanent,
            created_at=now,
            created_by=actor,
        )
        record_change(
            suppression,
            actor=actor.get_username(),
            action=ConfigChange.Action.CREATED,
            changes={
                "scope": [None, suppression.scope_label],
                "field": [None, c.field],
                "owner": [None, c.owner.get_username()],
                "reason": [None, c.reason],
                "expires_at": [None, c.expires_at.isoformat() if c.expires_at else None],
                "permanent": [None, c.permanent],
            },
        )
        # An expired suppression still holds its drift until its expiry is handled: handle
        # it now that this one exists, so this one takes that drift over (not reopened).
        expire_due(now=now)
        _rematch(
            Drift.objects.filter(_scope_filter(c.scope), field=c.field, status__in=ACTIVE_STATUSES),
            at=now,
        )
    return suppression


def lift(suppression_id: int, *, actor: User, reason: str) -> DriftSuppression:
    """Lifts a suppression (active or expired): the drift it holds reopens, unless another
    active suppression matches it. NotFound for an unknown id, Conflict when it is lifted
    already, InvalidInput without a reason."""
    why = _text(reason, name="reason", what="A reason to lift")
    with transaction.atomic():
        xact_lock(DETECT_LOCK)
        suppression = DriftSuppression.objects.select_for_update().filter(pk=suppression_id).first()
        if suppression is None:
            raise NotFound(f"No drift suppression with id {suppression_id}.")
        if suppression.lifted_at is not None:
            raise Conflict(
                f"Suppression #{suppression.pk} was lifted already "
                f"({suppression.lifted_at:%Y-%m-%d %H:%M}Z).",
                code="suppression_lifted",
            )
        now = timezone.now()
        suppression.lifted_at, suppression.lifted_by, suppression.lift_reason = now, actor, why
        suppression.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record_change(
            suppression,
            actor=actor.get_username(),
            action=ConfigChange.Action.CHANGED,
            changes={
                "lifted_at": [None, now.isoformat()],
                "lifted_by": [None, actor.get_username()],
                "lift_reason": ["", why],
            },
        )
        _rematch(suppression.drifts.filter(status=DriftStatus.SUPPRESSED), at=now)
    return suppression


@dataclass(frozen=True)
class Expiry:
    """What `expire_due` did: how many suppressions expired, and how much drift reopened."""

    expired: int = 0
    reopened: int = 0


def _due(at: datetime) -> Q:
    # The `cloud_drift_suppressions_due` index, whatever the table holds.
    return Q(
        lifted_at__isnull=True,
        permanent=False,
        expiry_handled_at__isnull=True,
        expires_at__lte=at,
    )


def expire_due(*, now: datetime | None = None, actor: str = EXPIRY_ACTOR) -> Expiry:
    """Handles the expiry of every suppression past `expires_at`, not lifted, not handled
    yet: the drift each held reopens (or moves to another suppression that matches it),
    `expiry_handled_at` is set, a `ConfigChange` is recorded, and one
    `drift.suppression_expired` is announced per suppression. Idempotent: a second run,
    or a concurrent one, finds nothing to do. One query when nothing is due (every sweep
    asks); otherwise a fixed few, however many suppressions and drifts."""
    at = now or timezone.now()
    if not DriftSuppression.objects.filter(_due(at)).exists():
        return Expiry()
    with transaction.atomic():
        xact_lock(DETECT_LOCK)
        # Read again under the lock: a run that held it before us has handled its rows.
        expired = list(
            DriftSuppression.objects.select_for_update(of=("self",)).filter(_due(at)).order_by("id")
        )
        if not expired:
            return Expiry()
        ids = [suppression.pk for suppression in expired]
        DriftSuppression.objects.filter(pk__in=ids).update(expiry_handled_at=at)
        record_changes(
            ((s, {"expiry_handled_at": [None, at.isoformat()]}) for s in expired),
            actor=actor,
            action=ConfigChange.Action.CHANGED,
        )
        # Handled now, so no longer holding: their drift reopens or moves on.
        reopened_from = _rematch(
            Drift.objects.filter(suppression_id__in=ids, status=DriftStatus.SUPPRESSED), at=at
        )
        by_suppression: dict[int, list[int]] = {}
        for drift_id, held_by in reopened_from.items():
            by_suppression.setdefault(held_by, []).append(drift_id)
        announce_expired(ids, reopened=by_suppression, at=at)
    return Expiry(expired=len(ids), reopened=len(reopened_from))


def _rematch(candidates: QuerySet[Drift], *, at: datetime) -> dict[int, int]:
    """Moves each candidate drift to the suppression that holds it now (or to open), in
    one read of the suppressions in force and one statement. Returns the drift it
    reopened, each with the suppression that had held it."""
    active = ActiveSuppressions.read(at)
    changes: list[tuple[int, int | None]] = []
    held_before: dict[int, int] = {}
    for drift_id, resource_id, kind, tags, name, current in candidates.values_list(
        "id", "resource_id", "resource__kind", "resource__tags", "field", "suppression_id"
    ):
        held_by = active.match(resource_id=resource_id, kind=kind, tags=tags, name=name)
        if held_by != current:
            changes.append((drift_id, held_by))
            if current is not None:
                held_before[drift_id] = current
    moved = restatus(changes, at=at)
    return {drift_id: held_before[drift_id] for drift_id in moved.reopened_ids}
