"""Fake DO responses for do_client tests: no network, no sleeping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

TOKEN = "dop_v1_" + "5ecret" * 10
BASE_URL = "https://api.digitalocean.com"
NOW = 1_700_000_000.0

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Wall-clock time that moves only when the client sleeps."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def json_response(
    body: object, status_code: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status_code, json=body, headers=headers)


def error_response(
    status_code: int,
    error_id: str,
    message: str,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"id": error_id, "message": message}
    if request_id:
        body["request_id"] = request_id
    return httpx.Response(status_code, json=body, headers=headers)


def paginated(items: list[dict[str, Any]], key: str, *, link_base: str = BASE_URL) -> Handler:
    """A handler serving ``items`` the way DO pages a list (links.pages.next, meta.total)."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        per_page = int(request.url.params.get("per_page", "20"))
        start = (page - 1) * per_page
        pages: dict[str, str] = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            pages["next"] = f"{link_base}{request.url.path}?page={page + 1}&per_page={per_page}"
            pages["last"] = f"{link_base}{request.url.path}?page={last}&per_page={per_page}"
        return json_response(
            {
                key: items[start : start + per_page],
                "links": {"pages": pages},
                "meta": {"total": len(items)},
            }
        )

    return handler


class Replies:
    """A handler answering with scripted responses (or raising scripted errors) in order."""

    def __init__(self, *replies: httpx.Response | Exception) -> None:
        self.replies = list(replies)
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    @property
    def methods(self) -> list[str]:
        return [request.method for request in self.calls]
