"""Control routes for every non-droplet kind, under `/_sim/resources/` (no auth):

- `POST /_sim/resources/{kind}`              DO's create body; 201 `{"<single key>": ...}`
- `GET  /_sim/resources/{kind}/{id}`         the record as DO renders it
- `POST /_sim/resources/{kind}/{id}/oob`     `{"op": "update", "changes": {"size_gigabytes": 200,
                                             "node_pools.worker.count": 5}}` or `{"op": "delete"}`
`kind` is a store kind (`volume`, ..., `reserved_ipv6`); the registry's id is its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import bad_request
from .routing import Reply, Request, Router
from .state_resources import kind_or_404

if TYPE_CHECKING:
    from .state import SimState

KIND = r"(?P<kind>[a-z_0-9]+)"
ID = r"(?P<rid>[^/]+)"


def register_resource_control(control: Router, state: SimState) -> None:
    @control.add("POST", f"/_sim/resources/{KIND}")
    def add(req: Request, kind: str) -> Reply:
        record = state.oob_resource_add(kind, _object(req))
        return Reply(201, {kind_or_404(kind).single_key: record})

    @control.add("GET", f"/_sim/resources/{KIND}/{ID}")
    def get(req: Request, kind: str, rid: str) -> Reply:
        return Reply(200, {kind_or_404(kind).single_key: state.resource(kind, rid)})

    @control.add("POST", f"/_sim/resources/{KIND}/{ID}/oob")
    def oob(req: Request, kind: str, rid: str) -> Reply:
        body = _object(req)
        op = body.get("op")
        if op == "delete":
            state.oob_resource_delete(kind, rid)
            return Reply(200, {"deleted": True})
        if op == "update":
            record = state.oob_resource_update(kind, rid, body.get("changes"))
            return Reply(200, {kind_or_404(kind).single_key: record})
        raise bad_request(f"unknown op {op!r}")


def _object(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body
