"""Starting sagas (DESIGN.md, "Provisioning"). Every surface (API, console, drift revert,
the command) comes here; the engine (`provisioning.engine`) does the rest.

A run and all its planned steps are written in one transaction, with a `saga_started`
event when the saga has a resource, and Celery is nudged on commit. Postgres keeps the
rules: one live saga per resource, one per drift, and one run per idempotency key, where
the same key with the same input returns the first run and with other input is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from arcadia.errors import Conflict, InvalidInput
from drift.services.events import actor_label
from inventory.models import CloudProject, CloudResource, EventType, Kind
from provisioning import dispatch, sagas
from provisioning.events import saga_event
from provisioning.models import LIVE_STATUSES, SagaKind, SagaRun, SagaStatus, SagaStep
from tenants.models import Tenant, User

IDEMPOTENCY_KEY_MAX = 200
# The input fields a create request is compared on when its idempotency key is reused.
CREATE_INPUT = ("name", "region", "size", "image", "tags", "tenant", "project")


class IdempotencyKeyReused(InvalidInput):
    """The key names an earlier request with other input (the API answers 422)."""

    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Started:
    run: SagaRun
    # False when an earlier request with the same idempotency key (or, for a revert, the
    # drift's live saga) is returned instead.
    created: bool


def start_saga(
    saga: SagaKind,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    actor: User | str,
    requested_via: str,
    resource: CloudResource | None = None,
    tenant: Tenant | None = None,
    drift_id: int | None = None,
    compare: tuple[str, ...] | None = None,
    enqueue: bool = True,
) -> Started:
    """Writes a pending run and its steps, or returns the run already holding the key
    (same input, by the `compare` fields or all of `params`; else IdempotencyKeyReused).
    A resource with another live saga is a Conflict."""
    label = actor_label(actor)
    if tenant is None and resource is not None and resource.project is not None:
        tenant = resource.project.tenant  # whose droplet it is, for the operator's filters
    existing = SagaRun.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _replay(existing, params, compare)
    try:
        with transaction.atomic():
            now = timezone.now()
            run = SagaRun.objects.create(
                saga=saga,
                status=SagaStatus.PENDING,
                idempotency_key=idempotency_key,
                params=params,
                resource=resource,
                # Only a droplet has a droplet id; other kinds' sagas read the resource's.
                droplet_id=(
                    int(resource.provider_id)
                    if resource is not None and resource.kind == Kind.DROPLET
                    else None
                ),
                tenant=tenant,
                drift_id=drift_id,
                created_by=actor if isinstance(actor, User) else None,
                requested_via=requested_via or label,
                next_run_at=now,  # due at once: resume_due is the fallback for the nudge
            )
            SagaStep.objects.bulk_create(
                SagaStep(run=run, index=index, name=name)
                for index, name in enumerate(sagas.step_names(saga))
            )
            saga_event(
                run,
                EventType.SAGA_STARTED,
                {"saga": [None, saga], "params": [None, params]},
                at=now,
            )
    except IntegrityError as exc:
        return _refused(exc, idempotency_key, params, compare, resource, drift_id)
    if enqueue:
        transaction.on_commit(lambda: dispatch.enqueue_advance(run.pk))
    return Started(run, True)


def _replay(existing: SagaRun, params: dict[str, Any], compare: tuple[str, ...] | None) -> Started:
    keys = compare or tuple(sorted(existing.params.keys() | params.keys()))
    if any(existing.params.get(k) != params.get(k) for k in keys):
        raise IdempotencyKeyReused(
            f"This idempotency key was used for saga #{existing.pk} with other input; "
            "use a new key for a new request.",
        )
    return Started(existing, False)


def _refused(
    exc: IntegrityError,
    idempotency_key: str,
    params: dict[str, Any],
    compare: tuple[str, ...] | None,
    resource: CloudResource | None,
    drift_id: int | None,
) -> Started:
    """The database said no; tell the caller why, in the domain's words."""
    existing = SagaRun.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:  # the same request, a moment earlier
        return _replay(existing, params, compare)
    live = SagaRun.objects.filter(status__in=LIVE_STATUSES)
    if drift_id is not None and (other := live.filter(drift_id=drift_id).first()):
        return Started(other, False)
    if resource is not None and (other := live.filter(resource=resource).first()):
        raise Conflict(
            f"{resource.urn} already has a live saga (#{other.pk}, {other.saga}, "
            f"{other.status}); wait for it to finish.",
            code="saga_in_progress",
        )
    raise exc


# -- create a droplet --------------------------------------------------------------------


def tenant_project(tenant: Tenant, project_id: int | None) -> CloudProject:
    """The project a tenant's new droplet goes to: the one named (it must be the
    tenant's), else the tenant's only project. None, or several with none named, is
    refused: guessing would bill the droplet to the wrong place."""
    projects = CloudProject.objects.filter(tenant=tenant).order_by("pk")
    if project_id is not None:
        project = projects.filter(pk=project_id).first()
        if project is None:
            raise InvalidInput(
                f"Tenant {tenant.name} has no project {project_id}.", field="project"
            )
        return project
    found = list(projects[:2])
    if not found:
        raise InvalidInput(
            f"Tenant {tenant.name} has no DO project to put a droplet in; an operator must "
            "assign one first.",
            field="tenant",
        )
    if len(found) > 1:
        raise InvalidInput(
            f"Tenant {tenant.name} has several projects; say which with `project`.",
            field="project",
        )
    return found[0]


def start_create_droplet(
    *,
    name: str,
    region: str,
    size: str,
    image: str,
    tags: list[str],
    tenant_id: int,
    project_id: int | None = None,
    idempotency_key: str | None,
    actor: User | str,
    requested_via: str,
    enqueue: bool = True,
) -> Started:
    """Starts a create-droplet saga for a tenant (DESIGN.md, "Provisioning": create ->
    wait -> tag -> assign to the tenant's project -> `record_provisioned`).

    `params` keep the request as asked (compared on a replay) plus `target_project`,
    the project it resolved to."""
    key = _key("create_droplet", idempotency_key)
    params: dict[str, Any] = {
        "name": name,
        "region": region,
        "size": size,
        "image": image,
        "tags": sorted(set(tags)),
        "tenant": tenant_id,
        "project": project_id,
    }
    existing = SagaRun.objects.filter(idempotency_key=key).first()
    if existing is not None:  # a replay is answered before anything is re-resolved
        return _replay(existing, params, CREATE_INPUT)
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise InvalidInput(f"No tenant with id {tenant_id}.", field="tenant")
    params["target_project"] = tenant_project(tenant, project_id).pk
    return start_saga(
        SagaKind.CREATE_DROPLET,
        params,
        idempotency_key=key,
        actor=actor,
        requested_via=requested_via,
        tenant=tenant,
        compare=CREATE_INPUT,
        enqueue=enqueue,
    )


def _key(kind: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"{kind}:auto:{uuid.uuid4().hex}"
    key = idempotency_key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise InvalidInput(
            f"An idempotency key is 1 to {IDEMPOTENCY_KEY_MAX} printable characters.",
            field="idempotency_key",
        )
    return f"{kind}:{key}"


# -- resize a droplet --------------------------------------------------------------------


def live_droplet(resource_id: int) -> CloudResource:
    resource = CloudResource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise InvalidInput(f"No resource with id {resource_id}.", field="resource")
    if resource.kind != Kind.DROPLET:
        raise InvalidInput(f"{resource.urn} is a {resource.kind}, not a droplet.", field="resource")
    if resource.deleted_at is not None:
        raise InvalidInput(f"{resource.urn} is tombstoned: DO no longer has it.", field="resource")
    return resource


def start_resize_droplet(
    resource_id: int,
    *,
    size: str,
    disk: bool = False,
    idempotency_key: str | None = None,
    actor: User | str,
    requested_via: str,
    drift_id: int | None = None,
    enqueue: bool = True,
) -> Started:
    """Starts a resize saga (DESIGN.md: power off -> resize -> power on ->
    `record_provisioned`); with `disk` the resize is for good and the run rolls forward."""
    resource = live_droplet(resource_id)
    if not isinstance(size, str) or not size.strip():
        raise InvalidInput("A size slug is required.", field="size")
    params = {"size": size.strip(), "disk": bool(disk), "from_size": resource.size_slug}
    return start_saga(
        SagaKind.RESIZE_DROPLET,
        params,
        idempotency_key=_key("resize_droplet", idempotency_key),
        actor=actor,
        requested_via=requested_via,
        resource=resource,
        drift_id=drift_id,
        compare=("size", "disk"),
        enqueue=enqueue,
    )


def start_rename_droplet(
    resource_id: int,
    *,
    name: str,
    idempotency_key: str | None = None,
    actor: User | str,
    requested_via: str,
    drift_id: int | None = None,
    enqueue: bool = True,
) -> Started:
    """Starts a rename saga (for a drift revert of `name`)."""
    resource = live_droplet(resource_id)
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("A droplet name is required.", field="name")
    return start_saga(
        SagaKind.RENAME_DROPLET,
        {"name": name.strip()},
        idempotency_key=_key("rename_droplet", idempotency_key),
        actor=actor,
        requested_via=requested_via,
        resource=resource,
        drift_id=drift_id,
        enqueue=enqueue,
    )


def start_retag_droplet(
    resource_id: int,
    *,
    tags: list[str],
    idempotency_key: str | None = None,
    actor: User | str,
    requested_via: str,
    drift_id: int | None = None,
    enqueue: bool = True,
) -> Started:
    """Starts a retag saga (for a drift revert of `tags`): the droplet ends with exactly
    `tags`."""
    resource = live_droplet(resource_id)
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise InvalidInput("Tags are a list of non-empty strings.", field="tags")
    return start_saga(
        SagaKind.RETAG_DROPLET,
        {"tags": sorted(set(tags))},
        idempotency_key=_key("retag_droplet", idempotency_key),
        actor=actor,
        requested_via=requested_via,
        resource=resource,
        drift_id=drift_id,
        enqueue=enqueue,
    )


def resume_now(run_ids: list[int]) -> int:
    """Makes live runs due at once (the console's "resume now"); returns how many. A run
    whose worker holds a live lease is left to it."""
    now = timezone.now()
    count = SagaRun.objects.filter(pk__in=run_ids, status__in=LIVE_STATUSES).update(
        next_run_at=now, updated_at=now
    )

    def nudge() -> None:
        for run_id in sorted(run_ids):
            dispatch.enqueue_advance(run_id)

    transaction.on_commit(nudge)
    return count
