"""The shapes every kind shares: a normalized row, a listing, a kind's spec, and the
small helpers the normalizers use to keep their attributes canonical (order never
counts, so a re-listing in another order writes nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from do_client import DONotFound

# The columns that count as a change; `attrs` counts key by key.
MEANINGFUL_COLUMNS = ("name", "region", "size_slug", "status", "tags")

# DO's own URN prefix where DO has one (project resources list these), else the kind's.
URN_PREFIXES: dict[str, str] = {
    "load_balancer": "loadbalancer",
    "database": "dbaas",
    "kubernetes_cluster": "kubernetes",
    "reserved_ip": "floatingip",
    "container_registry": "registry",
    "cdn_endpoint": "cdn",
}


def urn_for(kind: str, provider_id: str) -> str:
    return f"do:{URN_PREFIXES.get(kind, kind)}:{provider_id}"


def canonical_tags(tags: Iterable[str] | None) -> list[str]:
    """Tag order and duplicates never count."""
    return sorted(set(tags or ()))


def sorted_ids(values: Iterable[Any] | None) -> list[str]:
    """A list of ids as sorted strings: DO lists droplet ids as ints, volume ids as uuids."""
    return sorted(str(v) for v in values or ())


def sorted_dicts(values: Iterable[Any] | None, *keys: str) -> list[Any]:
    """A list of objects in a stable order: by `keys`, then by the whole object."""
    items = list(values or ())
    return sorted(items, key=lambda d: (*(str(d.get(k, "")) for k in keys), repr(d)))


def pick(raw: dict[str, Any] | None, *names: str) -> dict[str, Any]:
    """The named fields of a nested object (None for a missing one)."""
    raw = raw or {}
    return {name: raw.get(name) for name in names}


def slug_of(region: Any) -> str:
    """DO gives a region as a slug string on newer products, an object on older ones."""
    if isinstance(region, dict):
        return region.get("slug") or ""
    return region or ""


@dataclass(frozen=True)
class ResourceRow:
    kind: str
    provider_id: str
    name: str = ""
    region: str = ""
    size_slug: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return urn_for(self.kind, self.provider_id)


@dataclass(frozen=True)
class Listing:
    """One DO list endpoint of a kind. `single`: the endpoint answers with one object
    under `key` (the container registry), and a 404 means the account has none."""

    path: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    single: bool = False


Fetch = Callable[[Any, str], dict[str, Any]]


def fetch_by(path: str, key: str) -> Fetch:
    """`GET path.format(id=...)` -> the object under `key` (DONotFound when gone)."""

    def fetch(client: Any, provider_id: str) -> dict[str, Any]:
        return client.get_key(path.format(id=quote(provider_id, safe=":")), key)

    return fetch


class PageSupplement:
    """What a sync run adds to each page's raw objects before they are normalized; this
    one adds nothing. `read_in_full`: the run read the whole supplementary listing (the
    run row records it, so the next runs know when it is due again)."""

    @property
    def read_in_full(self) -> bool:
        return False

    def __call__(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return items


@dataclass(frozen=True)
class KindSpec:
    """How to list, fetch and normalize one kind through the DO API."""

    kind: str
    listings: tuple[Listing, ...]
    normalize: Callable[[dict[str, Any]], ResourceRow]
    # Fetches one resource by id (raising DONotFound when DO no longer has it).
    fetch: Fetch
    # Built once per sync run with the run's client: adds to each page's raw objects,
    # before `normalize`, what DO serves beside them (a droplet's backup policy).
    supplement: Callable[[Any], PageSupplement] | None = None

    @property
    def list_path(self) -> str:
        return self.listings[0].path

    @property
    def list_key(self) -> str:
        return self.listings[0].key


def fetch_single(path: str, key: str, id_field: str) -> Fetch:
    """Fetch-by-id for a kind DO serves as one object: gone when it is another one."""

    def fetch(client: Any, provider_id: str) -> dict[str, Any]:
        raw = client.get_key(path, key)
        if str(raw.get(id_field)) != provider_id:
            raise DONotFound(404, "not_found", f"{key} {provider_id} is gone", None)
        return raw

    return fetch
