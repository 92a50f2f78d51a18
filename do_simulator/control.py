"""The control API under `/_sim/`: faults and out-of-band changes over HTTP, no auth.

Routes (JSON in, JSON out):
- `GET  /_sim/state`                          summary of the state
- `GET  /_sim/faults`, `POST /_sim/faults`    read / replace the fault settings
- `POST /_sim/reset_faults`                   no faults, counters reset
- `POST /_sim/reset_rate_limits`              forget every token's request window
- `GET  /_sim/rate_limits?window=60`          per token (masked): requests served, 429s
                                              answered, the most served in any `window` s
- `POST /_sim/droplets`                       `{"count": 5, "size"?, "region"?, "image"?,
                                              "tags"?, "project_id"?, "name_prefix"?}`
- `GET  /_sim/droplets/{id}`                  the droplet as DO renders it
- `POST /_sim/droplets/{id}/oob`              `{"op": "resize", "size": ..., "disk"?: bool}`,
                                              `{"op": "retag", "tags": [...]}`,
                                              `{"op": "rename", "name": ...}`, `{"op": "delete"}`,
                                              `{"op": "move", "project_id": ...}`,
                                              `{"op": "power_off"}`, `{"op": "power_on"}`;
                                              `"at"` (Unix seconds) backdates resize/delete
- `POST /_sim/droplets/{id}/fail_next_action` the droplet's next action ends `errored`
- `GET  /_sim/invoices/{YYYY-MM}`             every item of that month's invoice
"""

from __future__ import annotations

from typing import Any

from .address import masked
from .control_resources import register_resource_control
from .models import bad_request
from .routing import Reply, Request, Router
from .state import SimState

ID = r"(?P<id>\d+)"


def build_control(state: SimState) -> Router:
    control = Router()
    register_resource_control(control, state)

    @control.add("GET", "/_sim/state")
    def summary(req: Request) -> Reply:
        return Reply(200, state.summary())

    @control.add("GET", "/_sim/faults")
    def get_faults(req: Request) -> Reply:
        return Reply(200, state.faults.as_dict())

    @control.add("POST", "/_sim/faults")
    def set_faults(req: Request) -> Reply:
        body = _object(req)
        try:
            faults = state.set_faults(**body)
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc)) from exc
        return Reply(200, faults.as_dict())

    @control.add("POST", "/_sim/reset_faults")
    def reset_faults(req: Request) -> Reply:
        state.reset_faults()
        return Reply(200, state.faults.as_dict())

    @control.add("POST", "/_sim/reset_rate_limits")
    def reset_rate_limits(req: Request) -> Reply:
        with state.lock:
            state.rate_limiter.reset()
        return Reply(200, {"ok": True})

    @control.add("GET", "/_sim/rate_limits")
    def rate_limits(req: Request) -> Reply:
        try:
            window = float(req.query.get("window", state.rate_limiter.burst_window))
        except ValueError as exc:
            raise bad_request("window must be a number of seconds") from exc
        with state.lock:
            books = state.rate_limiter
            tokens = set(books.served) | set(books.refused)
            return Reply(
                200,
                {
                    masked(token): {
                        "served": len(books.served.get(token, ())),
                        "refused": books.refused.get(token, 0),
                        "most_in_window": books.most_in_any_window(token, window),
                    }
                    for token in tokens
                },
            )

    @control.add("POST", "/_sim/droplets")
    def add_droplets(req: Request) -> Reply:
        body = _object(req)
        count = body.pop("count", 1)
        if not isinstance(count, int) or count < 1:
            raise bad_request("count must be a positive integer")
        try:
            ids = state.oob_add_droplets(count, **body)
        except TypeError as exc:
            raise bad_request(str(exc)) from exc
        return Reply(201, {"ids": ids})

    @control.add("GET", f"/_sim/droplets/{ID}")
    def get_droplet(req: Request, id: str) -> Reply:
        return Reply(200, {"droplet": state.droplet(int(id))})

    @control.add("POST", f"/_sim/droplets/{ID}/oob")
    def oob(req: Request, id: str) -> Reply:
        apply_oob(state, int(id), _object(req))
        if int(id) in state.deleted:
            return Reply(200, {"deleted": True})
        return Reply(200, {"droplet": state.droplet(int(id))})

    @control.add("POST", f"/_sim/droplets/{ID}/fail_next_action")
    def fail_next_action(req: Request, id: str) -> Reply:
        state.fail_next_action(int(id))
        return Reply(200, {"ok": True})

    @control.add("GET", r"/_sim/invoices/(?P<period>\d{4}-\d{2})")
    def invoice_items(req: Request, period: str) -> Reply:
        return Reply(200, {"invoice_items": state.invoice_items(period)})

    return control


def apply_oob(state: SimState, droplet_id: int, body: dict[str, Any]) -> None:
    """One out-of-band change, as an operator clicking in DO's console would make it."""
    op, at = body.get("op"), body.get("at")
    if op == "resize":
        state.oob_resize(droplet_id, str(body.get("size")), disk=bool(body.get("disk")), at=at)
    elif op == "retag":
        tags = body.get("tags")
        if not isinstance(tags, list):
            raise bad_request("tags must be a list")
        state.oob_retag(droplet_id, tags)
    elif op == "rename":
        state.oob_rename(droplet_id, str(body.get("name")))
    elif op == "delete":
        state.oob_delete(droplet_id, at=at)
    elif op == "move":
        state.oob_move(droplet_id, str(body.get("project_id")))
    elif op in ("power_off", "power_on"):
        state.oob_power(droplet_id, on=op == "power_on")
    else:
        raise bad_request(f"unknown op {op!r}")


def _object(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body
