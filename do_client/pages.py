"""One page of a DO list response, and how to read it.

DO paginates lists with ``links.pages.next`` (an absolute URL that already carries ``page`` and
``per_page``) and usually ``meta.total``. The client follows ``next`` one page at a time, so a
whole account is never held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import DOBadResponse

__all__ = ["Page", "read_page"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items under the list's key, plus where it sits.

    ``body`` is the whole parsed response, for keys that ride along with the list (e.g.
    ``invoice_preview`` next to ``invoices``).
    """

    items: list[dict[str, Any]]
    number: int
    total: int | None
    has_next: bool
    next_url: str | None = field(default=None, repr=False)
    body: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def read_page(body: Any, key: str, *, url: httpx.URL, fallback_number: int) -> Page:
    """Build a Page from a parsed body, or raise DOBadResponse if it isn't one."""
    where = f"GET {url.raw_path.decode('ascii', 'replace')}"
    if not isinstance(body, dict):
        raise DOBadResponse(f"{where}: expected a JSON object, got {type(body).__name__}")
    items = body.get(key)
    if not isinstance(items, list):
        raise DOBadResponse(f"{where}: response has no {key!r} list (keys: {sorted(body)[:10]})")
    next_url = _next_link(body, where)
    return Page(
        items=items,
        number=_page_number(url, fallback_number),
        total=_total(body),
        has_next=next_url is not None,
        next_url=next_url,
        body=body,
    )


def _next_link(body: dict[str, Any], where: str) -> str | None:
    links = body.get("links")
    pages = links.get("pages") if isinstance(links, dict) else None
    next_url = pages.get("next") if isinstance(pages, dict) else None
    if next_url is None or next_url == "":
        return None
    if not isinstance(next_url, str):
        raise DOBadResponse(f"{where}: links.pages.next is not a string")
    return next_url


def _total(body: dict[str, Any]) -> int | None:
    meta = body.get("meta")
    # DO's newer lists (vector databases) give a top-level `total` and no `meta`.
    total = meta.get("total") if isinstance(meta, dict) else body.get("total")
    # bool is an int subclass; a boolean total would be nonsense, not a count.
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return None


def _page_number(url: httpx.URL, fallback: int) -> int:
    try:
        return int(url.params.get("page", ""))
    except ValueError:
        return fallback
