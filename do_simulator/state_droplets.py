"""Droplets and their actions, as `/v2/droplets` and `/v2/actions` serve them.

Rules kept here, as at DO: create validates name, region, size and image (422 with DO's
error body), answers 202 with status `new` and a `create` action, and the droplet turns
`active` when the action completes. One pending action per droplet ("Droplet already has
a pending event."). Resize is refused unless the droplet is off, and never shrinks a disk.
New droplets go to the default project; one made with a GPU size is a GPU droplet, and
`GET /v2/droplets` lists GPU droplets only with `type=gpus`, the others only without
(resources/droplets/parameters.yml, `droplet_type`).
"""

from __future__ import annotations

import heapq
import re
import sys
from collections.abc import Mapping
from typing import Any

from . import backups, persist, render
from .backups import DropletExtras
from .base import StateBase, locked
from .catalog import CLOSED_REGIONS, GPU_SIZES, IMAGES, IMAGES_BY_ID, REGIONS, SIZES
from .models import Action, Droplet, bad_request, not_found, unprocessable

NAME_RE = re.compile(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_\-:]+$")
NOOP_ACTIONS = {"reboot", "power_cycle", "shutdown", "enable_ipv6", "password_reset"}
BACKUP_ACTIONS = {"enable_backups", "disable_backups", "change_backup_policy"}
ACTION_TYPES = {"power_off", "power_on", "resize", "rename", *NOOP_ACTIONS, *BACKUP_ACTIONS}
# resources/droplets/dropletActions_post_byTag.yml (`snapshot` is not simulated).
TAG_ACTION_TYPES = {
    "power_cycle",
    "power_on",
    "power_off",
    "shutdown",
    "enable_ipv6",
    "enable_backups",
    "disable_backups",
}


def valid_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= 255 and bool(NAME_RE.match(name))


def valid_tag(name: object) -> bool:
    return isinstance(name, str) and len(name) <= 255 and bool(TAG_RE.match(name))


def resolve_image(image: object) -> str | None:
    if isinstance(image, int) and not isinstance(image, bool):
        found = IMAGES_BY_ID.get(image)
        return found.slug if found else None
    if isinstance(image, str):
        if image.isdigit():
            return resolve_image(int(image))
        return image if image in IMAGES else None
    return None


class DropletsMixin(StateBase):
    droplet_extras: dict[int, DropletExtras]  # backups and snapshots, set by SimState

    def render_droplet(self, droplet: Droplet) -> render.RawJSON:
        extras = self.droplet_extras.get(droplet.id)
        return render.droplet(droplet, self.vpc_for(droplet.region), extras, self.now())

    def _kind_ids(self, gpus: bool) -> list[int]:
        return self.cached(
            ("ids", gpus),
            self.version,
            lambda: [i for i in self.live_ids() if (self.droplets[i].size in GPU_SIZES) == gpus],
        )

    def _filtered_ids(self, query: Mapping[str, str]) -> list[int]:
        tag_name, name = query.get("tag_name"), query.get("name")
        kind = query.get("type")
        if kind not in (None, "droplets", "gpus"):
            raise bad_request("type must be one of droplets, gpus")
        ids = self._kind_ids(kind == "gpus")
        return self._tagged_named(ids, tag_name, name, key=kind == "gpus")

    def _tagged_named(
        self, ids: list[int], tag_name: str | None, name: str | None, *, key: object
    ) -> list[int]:
        if tag_name is not None:
            ids = self.cached(
                ("tag", tag_name, key),
                self.version,
                lambda: [i for i in ids if tag_name in self.droplets[i].tags],
            )
        if name is not None:
            lowered = name.lower()
            ids = [i for i in ids if self.droplets[i].name.lower() == lowered]
        return ids

    @locked
    def list_droplets(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        ids, links, meta = render.paginate(
            self._filtered_ids(query), query=query, url=f"{base_url}/v2/droplets"
        )
        droplets = [self.render_droplet(self.droplets[i]) for i in ids]
        return {"droplets": droplets, "links": links, "meta": meta}

    @locked
    def get_droplet(self, droplet_id: int | str) -> dict[str, Any]:
        return {"droplet": self.render_droplet(self.droplet_or_404(droplet_id))}

    @locked
    def create_droplets(self, body: object, base_url: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        names = self._create_names(body)
        region, size = body.get("region"), body.get("size")
        if not isinstance(region, str) or region not in REGIONS or region in CLOSED_REGIONS:
            raise unprocessable("You specified an invalid region for Droplet creation.")
        if not isinstance(size, str) or size not in SIZES:
            raise unprocessable("You specified an invalid size for Droplet creation.")
        if region not in SIZES[size].regions:
            raise unprocessable("Size is not available in this region.")
        image = resolve_image(body.get("image"))
        if image is None:
            raise unprocessable("You specified an invalid image for Droplet creation.")
        tags = body.get("tags") or []
        if not isinstance(tags, list) or not all(valid_tag(t) for t in tags):
            raise unprocessable(
                "Tags may contain letters, numbers, colons, dashes and underscores."
            )
        project = self.default_project()
        created = [
            self.add_droplet(
                name=name,
                size=size,
                region=region,
                image=image,
                tags=tags,
                project_id=project.id,
                status="new",
            )
            for name in names
        ]
        actions = [self.begin_action(d, "create") for d in created]
        links = {"actions": [render.action_link(base_url, a, "create") for a in actions]}
        if "names" in body:
            return {"droplets": [self.render_droplet(d) for d in created], "links": links}
        return {"droplet": self.render_droplet(created[0]), "links": links}

    @staticmethod
    def _create_names(body: dict[str, Any]) -> list[str]:
        names = body["names"] if "names" in body else [body.get("name")]
        if not isinstance(names, list) or not 1 <= len(names) <= 10:
            raise unprocessable("names must be a list of 1 to 10 names.")
        if not all(valid_name(n) for n in names):
            raise unprocessable("You specified an invalid name for Droplet creation.")
        return names

    def add_droplet(
        self,
        *,
        name: str,
        size: str,
        region: str,
        image: str,
        tags: list[str] | tuple[str, ...],
        project_id: str,
        status: str,
        created_at: int | None = None,
    ) -> Droplet:
        droplet = Droplet(
            id=self.next_droplet_id,
            name=name,
            size=size,
            disk=SIZES[size].disk,
            region=sys.intern(region),
            image=image,
            status=status,
            created_at=self.now() if created_at is None else created_at,
            tags=tuple(dict.fromkeys(sys.intern(t) for t in tags)),
            project_id=project_id,
        )
        self.next_droplet_id += 1
        self.droplets[droplet.id] = droplet
        self.tags.update(droplet.tags)
        self.touch(history_at=droplet.created_at)
        return droplet

    @locked
    def delete_droplet(self, droplet_id: int | str, *, at: int | None = None) -> None:
        droplet = self.droplet_or_404(droplet_id)
        droplet.end_life(self.now() if at is None else at)
        droplet.pending_action = None
        del self.droplets[droplet.id]
        self.droplet_extras.pop(droplet.id, None)
        self.deleted[droplet.id] = droplet
        self.touch(history_at=droplet.deleted_at)

    def _all_tagged(self, tag_name: str) -> list[int]:
        """Every live droplet with the tag, GPU or not: what acting by tag reaches."""
        return self._tagged_named(self.live_ids(), tag_name, None, key="all")

    @locked
    def delete_droplets_by_tag(self, tag_name: str) -> None:
        for droplet_id in self._all_tagged(tag_name):
            self.delete_droplet(droplet_id)

    # -- actions -----------------------------------------------------------------------

    @locked
    def start_action(self, droplet_id: int | str, body: object) -> dict[str, Any]:
        droplet = self.droplet_or_404(droplet_id)
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        kind = body.get("type")
        if kind not in ACTION_TYPES:
            raise unprocessable(f"Action type {kind!r} is not supported.")
        params: dict[str, object] = {}
        if kind == "resize":
            params = self._resize_params(droplet, body)
        elif kind == "rename":
            if not valid_name(body.get("name")):
                raise unprocessable("You specified an invalid name for Droplet rename.")
            params = {"name": body["name"]}
        elif kind in BACKUP_ACTIONS:
            params = self._backup_params(str(kind), body)
        return {"action": render.action(self.begin_action(droplet, str(kind), params))}

    @locked
    def start_tag_action(self, tag_name: str | None, body: object) -> dict[str, Any]:
        """`POST /v2/droplets/actions?tag_name=`: one action per tagged droplet, 201."""
        if not tag_name:
            raise unprocessable("tag_name is required.")
        if not isinstance(body, dict):
            raise bad_request("error parsing request body")
        kind = body.get("type")
        if kind not in TAG_ACTION_TYPES:
            raise unprocessable(f"Action type {kind!r} is not supported on tagged Droplets.")
        params = self._backup_params(str(kind), body) if kind in BACKUP_ACTIONS else {}
        targets = [self.droplets[i] for i in self._all_tagged(tag_name)]
        if any(d.pending_action is not None for d in targets):
            raise unprocessable("Droplet already has a pending event.")
        actions = [self.begin_action(d, str(kind), dict(params)) for d in targets]
        return {"actions": [render.action(a) for a in actions]}

    @staticmethod
    def _backup_params(kind: str, body: dict[str, Any]) -> dict[str, object]:
        """A backup policy as `enable_backups` and `change_backup_policy` take it."""
        if kind == "disable_backups":
            return {}
        given = body.get("backup_policy")
        if given is None and kind == "enable_backups":
            given = {"plan": "daily", "hour": 0}  # DO's default when none is given
        if not isinstance(given, dict) or given.get("plan") not in backups.RETENTION_DAYS:
            raise unprocessable("backup_policy.plan must be daily or weekly.")
        hour = given.get("hour", 0)
        if hour not in backups.BACKUP_HOURS:
            raise unprocessable("backup_policy.hour must be one of 0, 4, 8, 12, 16, 20.")
        weekday = given.get("weekday", "SUN") if given["plan"] == "weekly" else None
        if weekday is not None and weekday not in backups.WEEKDAYS:
            raise unprocessable("backup_policy.weekday must be SUN to SAT.")
        return {"plan": given["plan"], "hour": hour, "weekday": weekday}

    def _apply(self, droplet: Droplet, action: Action, at: int) -> None:
        if action.type not in BACKUP_ACTIONS:
            super()._apply(droplet, action, at)
            return
        extras = self.droplet_extras.get(droplet.id) or DropletExtras()
        if action.type == "disable_backups":
            extras.plan, extras.weekday, extras.hour = None, None, 0
        else:
            extras.plan = str(action.params["plan"])
            extras.hour = int(action.params["hour"])  # type: ignore[call-overload]
            weekday = action.params.get("weekday")
            extras.weekday = str(weekday) if weekday else None
        self.droplet_extras[droplet.id] = extras

    # -- backup policies (resources/droplets/droplets_*backup_polic*.yml) --------------

    @locked
    def list_backup_policies(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        page, links, meta = render.paginate(
            self.live_ids(), query=query, url=f"{base_url}/v2/droplets/backups/policies"
        )
        now = self.now()
        policies = {str(i): backups.policy_record(i, self.droplet_extras.get(i), now) for i in page}
        return {"policies": policies, "links": links, "meta": meta}

    @locked
    def get_backup_policy(self, droplet_id: int | str) -> dict[str, Any]:
        droplet = self.droplet_or_404(droplet_id)
        extras = self.droplet_extras.get(droplet.id)
        return {"policy": backups.policy_record(droplet.id, extras, self.now())}

    def supported_backup_policies(self) -> dict[str, Any]:
        return {"supported_policies": backups.SUPPORTED_POLICIES}

    @staticmethod
    def _resize_params(droplet: Droplet, body: dict[str, Any]) -> dict[str, object]:
        size = body.get("size")
        if not isinstance(size, str) or size not in SIZES:
            raise unprocessable("You specified an invalid size for Droplet resize.")
        if droplet.status != "off":
            raise unprocessable("Droplet must be powered off before it can be resized.")
        if size == droplet.size:
            raise unprocessable("Droplet is already this size.")
        if SIZES[size].disk < droplet.disk:
            raise unprocessable("A Droplet's disk cannot be resized down.")
        return {"size": size, "disk": bool(body.get("disk", False))}

    @locked
    def list_droplet_actions(
        self, droplet_id: int | str, query: Mapping[str, str], base_url: str
    ) -> dict[str, Any]:
        droplet = self.droplet_or_404(droplet_id)
        ids = self.droplet_actions.get(droplet.id, [])
        page, links, meta = render.paginate(
            ids, query=query, url=f"{base_url}/v2/droplets/{droplet.id}/actions"
        )
        return {
            "actions": [render.action(self.actions[i]) for i in page],
            "links": links,
            "meta": meta,
        }

    @locked
    def get_droplet_action(self, droplet_id: int | str, action_id: int | str) -> dict[str, Any]:
        droplet = self.droplet_or_404(droplet_id)
        action = self._action_or_404(action_id)
        if action.resource_id != droplet.id:
            raise not_found()
        return {"action": render.action(action)}

    @locked
    def list_actions(self, query: Mapping[str, str], base_url: str) -> dict[str, Any]:
        page, links, meta = render.paginate(
            list(self.actions), query=query, url=f"{base_url}/v2/actions"
        )
        return {
            "actions": [render.action(self.actions[i]) for i in page],
            "links": links,
            "meta": meta,
        }

    @locked
    def get_action(self, action_id: int | str) -> dict[str, Any]:
        return {"action": render.action(self._action_or_404(action_id))}

    def _action_or_404(self, action_id: int | str) -> Action:
        try:
            return self.actions[int(action_id)]
        except (KeyError, ValueError):
            raise not_found() from None

    # -- persistence (persist.py) ----------------------------------------------------

    def snapshot_droplets(self) -> dict[str, Any]:
        return {
            "next_droplet_id": self.next_droplet_id,
            "live": [persist.droplet_json(d) for d in self.droplets.values()],
            "deleted": [persist.droplet_json(d) for d in self.deleted.values()],
            "extras": {str(i): e.as_json() for i, e in self.droplet_extras.items()},
        }

    def restore_droplets(self, data: Mapping[str, Any]) -> None:
        live = sorted((persist.droplet_from_json(d) for d in data["live"]), key=_by_id)
        self.droplets = {d.id: d for d in live}
        self.deleted = {d.id: d for d in map(persist.droplet_from_json, data["deleted"])}
        self.droplet_extras = {
            int(i): DropletExtras.from_json(e) for i, e in data.get("extras", {}).items()
        }
        self.next_droplet_id = int(data["next_droplet_id"])

    def snapshot_actions(self) -> dict[str, Any]:
        return {
            "next_action_id": self.next_action_id,
            "actions": [persist.action_json(a) for a in self.actions.values()],
        }

    def restore_actions(self, data: Mapping[str, Any]) -> None:
        actions = sorted((persist.action_from_json(a) for a in data["actions"]), key=_by_id)
        self.actions = {a.id: a for a in actions}
        self.droplet_actions = {}
        for action in actions:
            self.droplet_actions.setdefault(action.resource_id, []).append(action.id)
        # Actions still running finish at their saved due time, as if never interrupted.
        self._due = [(a.due, a.id) for a in actions if a.status == "in-progress"]
        heapq.heapify(self._due)
        self.next_action_id = int(data["next_action_id"])


def _by_id(record: Droplet | Action) -> int:
    return record.id
