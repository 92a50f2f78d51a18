"""Droplets and their actions, as `/v2/droplets` and `/v2/actions` serve them.

Rules kept here, as at DO: create validates name, region, size and image (422 with DO's
error body), answers 202 with status `new` and a `create` action, and the droplet turns
`active` when the action completes. One pending action per droplet ("Droplet already has
a pending event."). Resize is refused unless the droplet is off, and never shrinks a disk.
New droplets go to the default project.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from . import render
from .base import StateBase, locked
from .catalog import IMAGES, IMAGES_BY_ID, REGIONS, SIZES
from .models import Action, Droplet, bad_request, not_found, unprocessable

NAME_RE = re.compile(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_\-:]+$")
NOOP_ACTIONS = {"reboot", "power_cycle", "shutdown", "enable_ipv6", "password_reset"}
ACTION_TYPES = {"power_off", "power_on", "resize", "rename", *NOOP_ACTIONS}


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
    def render_droplet(self, droplet: Droplet) -> render.RawJSON:
        return render.droplet(droplet, self.vpc_for(droplet.region))

    def _filtered_ids(self, query: Mapping[str, str]) -> list[int]:
        tag_name, name = query.get("tag_name"), query.get("name")
        if query.get("type") == "gpus":
            return []  # the simulated fleet has no GPU droplets
        ids = self.live_ids()
        if tag_name is not None:
            ids = self.cached(
                ("tag", tag_name),
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
        if not isinstance(region, str) or region not in REGIONS:
            raise unprocessable("You specified an invalid region for Droplet creation.")
        if not isinstance(size, str) or size not in SIZES:
            raise unprocessable("You specified an invalid size for Droplet creation.")
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
        self.deleted[droplet.id] = droplet
        self.touch(history_at=droplet.deleted_at)

    @locked
    def delete_droplets_by_tag(self, tag_name: str) -> None:
        for droplet_id in self._filtered_ids({"tag_name": tag_name}):
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
        return {"action": render.action(self.begin_action(droplet, str(kind), params))}

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
