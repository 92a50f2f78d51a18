"""Which drifted fields a saga can put back, per kind, and what DO allows (DESIGN.md,
"Revert"). The one table: `revert_drift` looks a drift's (kind, field) up here, and a
field that is not here is not revertible (a 400 naming it).

Each entry names its saga and turns the spec's value into the saga's params, refusing
(InvalidInput, 400) a value DO cannot be given: a volume shrink, a pool the cluster does
not have, a rule list that is not a list of objects. A field with `*` matches one path
segment there: `node_pools.*.count` is `node_pools.worker.count` for the pool `worker`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arcadia.errors import InvalidInput
from inventory.models import CloudResource, Kind
from provisioning.models import SagaKind

JSON = dict[str, Any]
# (resource, field, desired value, the whole spec) -> the saga's params.
Params = Callable[[CloudResource, str, Any, JSON], JSON]


class NotRevertible(InvalidInput):
    default_code = "not_revertible"


@dataclass(frozen=True)
class Revertible:
    kind: str
    field: str
    saga: SagaKind
    # What DO allows, in the operator's words (the README and the 400s say it).
    allows: str
    params: Params
    # The params a replayed request is compared on (None: all of them).
    compare: tuple[str, ...] | None = None

    def matches(self, field: str) -> bool:
        pattern, parts = self.field.split("."), field.split(".")
        return len(pattern) == len(parts) and all(
            (p == "*" and bool(part)) or p == part for p, part in zip(pattern, parts, strict=True)
        )


def _refuse(field: str, why: str) -> NotRevertible:
    return NotRevertible(f"Drift on {field!r} cannot be reverted: {why}")


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(field, f"the spec's value ({value!r}) is not a value DO can be given.")
    return value.strip()


def _count(field: str, value: Any, *, least: int) -> int:
    number = value
    if isinstance(value, str) and value.strip().isdecimal():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or number < least:
        raise _refuse(field, f"the spec's value ({value!r}) is not a whole number >= {least}.")
    return number


def _rules(field: str, value: Any) -> list[JSON]:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise _refuse(field, f"the spec's {field} is not a list of DO rule objects.")
    return value


# -- droplet: the sagas `provisioning.services` starts for a droplet ----------------------


def _droplet_size(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    return {"size": _text(field, value), "disk": False, "from_size": resource.size_slug}


def _droplet_name(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    return {"name": _text(field, value)}


def _droplet_tags(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise _refuse(field, f"the spec's tags ({value!r}) are not a list of tag names.")
    return {"tags": sorted(set(value))}


# -- other kinds: params always carry `field` and `value` (what `verify` checks) ------------


def _volume_size(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    wanted = _count(field, value, least=1)
    live = (resource.attrs or {}).get("size_gigabytes")
    if isinstance(live, int) and wanted < live:
        raise NotRevertible(
            f"Drift on {field!r} cannot be reverted: the spec wants {wanted} GiB but the "
            f"volume has {live} GiB, and DO refuses shrinking a volume (it can only grow). "
            "Accept the drift, or move the data to a new, smaller volume by hand.",
            code="volume_shrink",
        )
    return {"field": field, "value": wanted}


def _database_shape(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    # One resize call sets both: the other comes from the spec, else from DO as it is.
    attrs = resource.attrs or {}
    size = spec.get("size_slug", resource.size_slug) if field != "size_slug" else value
    nodes = spec.get("num_nodes", attrs.get("num_nodes")) if field != "num_nodes" else value
    return {
        "field": field,
        "value": value,
        "size": _text("size_slug", size),
        "num_nodes": _count("num_nodes", nodes, least=1),
    }


def _pool(resource: CloudResource, field: str) -> tuple[str, JSON]:
    name = field.split(".")[1]
    pool = ((resource.attrs or {}).get("node_pools") or {}).get(name)
    if not isinstance(pool, dict) or not pool.get("id"):
        raise _refuse(field, f"{resource.urn} has no node pool named {name!r} at DO.")
    return name, pool


def _pool_count(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    name, pool = _pool(resource, field)
    count = _count(field, value, least=1)
    return {"field": field, "value": count, "pool": name, "pool_id": str(pool["id"])}


def _pool_size(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    name, pool = _pool(resource, field)
    count = spec.get(f"node_pools.{name}.count", pool.get("count"))
    return {
        "field": field,
        "value": _text(field, value),
        "pool": name,
        "pool_id": str(pool["id"]),
        "count": _count(f"node_pools.{name}.count", count, least=1),
    }


def _firewall_rules(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    return {"field": field, "value": _rules(field, value)}


def _reserved_ip_droplet(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    droplet_id = None if value is None else _count(field, value, least=1)
    return {"field": field, "value": droplet_id}


def _lb_size_slug(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    return {"field": field, "value": _text(field, value)}


def _lb_size_unit(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    return {"field": field, "value": _count(field, value, least=1)}


def _lb_rules(resource: CloudResource, field: str, value: Any, spec: JSON) -> JSON:
    rules = _rules(field, value)
    if not rules:
        raise _refuse(field, "DO requires a load balancer to have at least one forwarding rule.")
    return {"field": field, "value": rules}


REVERTIBLE: tuple[Revertible, ...] = (
    Revertible(
        Kind.DROPLET,
        "size_slug",
        SagaKind.RESIZE_DROPLET,
        "resize (power off, resize without growing the disk, power on)",
        _droplet_size,
        compare=("size", "disk"),
    ),
    Revertible(Kind.DROPLET, "tags", SagaKind.RETAG_DROPLET, "tag and untag", _droplet_tags),
    Revertible(Kind.DROPLET, "name", SagaKind.RENAME_DROPLET, "rename", _droplet_name),
    Revertible(
        Kind.VOLUME,
        "size_gigabytes",
        SagaKind.RESIZE_VOLUME,
        "grow only: DO refuses shrinking a volume",
        _volume_size,
    ),
    Revertible(
        Kind.DATABASE,
        "size_slug",
        SagaKind.RESIZE_DATABASE,
        "resize (size and node count in one call)",
        _database_shape,
    ),
    Revertible(
        Kind.DATABASE,
        "num_nodes",
        SagaKind.RESIZE_DATABASE,
        "resize (size and node count in one call)",
        _database_shape,
    ),
    Revertible(
        Kind.KUBERNETES_CLUSTER,
        "node_pools.*.count",
        SagaKind.SCALE_NODE_POOL,
        "scale the pool",
        _pool_count,
    ),
    Revertible(
        Kind.KUBERNETES_CLUSTER,
        "node_pools.*.size",
        SagaKind.REPLACE_NODE_POOL,
        "replace the pool: DO cannot resize one in place, so a new pool of the size is "
        "created and the old one deleted",
        _pool_size,
    ),
    Revertible(
        Kind.FIREWALL,
        "inbound_rules",
        SagaKind.UPDATE_FIREWALL,
        "the spec's rules replace the live ones",
        _firewall_rules,
    ),
    Revertible(
        Kind.FIREWALL,
        "outbound_rules",
        SagaKind.UPDATE_FIREWALL,
        "the spec's rules replace the live ones",
        _firewall_rules,
    ),
    Revertible(
        Kind.RESERVED_IP,
        "droplet_id",
        SagaKind.REASSIGN_RESERVED_IP,
        "assign to the droplet, or unassign for null",
        _reserved_ip_droplet,
    ),
    Revertible(
        Kind.LOAD_BALANCER,
        "size_slug",
        SagaKind.UPDATE_LOAD_BALANCER,
        "update the load balancer",
        _lb_size_slug,
    ),
    Revertible(
        Kind.LOAD_BALANCER,
        "size_unit",
        SagaKind.UPDATE_LOAD_BALANCER,
        "update the load balancer",
        _lb_size_unit,
    ),
    Revertible(
        Kind.LOAD_BALANCER,
        "forwarding_rules",
        SagaKind.UPDATE_LOAD_BALANCER,
        "the spec's rules replace the live ones",
        _lb_rules,
    ),
)


def revertible_for(kind: str, field: str) -> Revertible | None:
    return next((r for r in REVERTIBLE if r.kind == kind and r.matches(field)), None)


def revertible_fields(kind: str) -> list[str]:
    return [r.field for r in REVERTIBLE if r.kind == kind]
