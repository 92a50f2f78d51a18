"""Request, reply and an explicit route table shared by the DO API and the control API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import bad_request


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host[:port] as the client addressed us

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise bad_request("error parsing request body") from exc


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-ready, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Reply]


class Router:
    """Routes are (METHOD, path regex with named groups, handler(request, **groups))."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(f"^{pattern}$"), handler))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path)
            if found and route_method == method:
                return handler, found.groupdict()
        return None
