"""The DigitalOcean API client: the only code in Arcadia that speaks HTTP to DO.

One ``DOClient`` wraps one ``httpx.Client`` (connections are reused) and adds what DO needs:

- **Rate limits.** With a ``limiter`` (``client_for`` always gives one: ``do_client.limiter``),
  every request takes a slot in the token's windows, shared in Redis by every process that
  uses the token, before it is sent, sleeping until one is free; DO's ``ratelimit-remaining``
  corrects it. Without one, requests are paced only when less than ~5% of the hourly budget
  is left. A 429 waits ``retry-after``, else until ``ratelimit-reset``, else backs off, then
  retries (a 429 was refused, so even a POST is safe to send again).
- **Counts.** ``client.stats``: requests sent, 429s received, seconds waited for the limit.
- **Retries** with exponential backoff and full jitter on 5xx, timeouts and connection errors,
  only for requests safe to repeat (GET, HEAD, PUT, DELETE). A POST is retried only on 429 and
  when the connection was never made. Other 4xx are never retried.
- **Exact numbers.** JSON is parsed with ``parse_float=Decimal``: every JSON number with a
  fraction or exponent (``price_hourly``, ``price_monthly``, ``size_gigabytes``, ...) comes back
  as ``decimal.Decimal``, so billing never sees a binary float. Integers stay ``int``.
- **Pagination** one page at a time (``iter_pages``), following ``links.pages.next``.

Errors are the ``do_client.errors`` tree. The token is never logged, put in an error or shown in
a repr.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from . import metrics as do_metrics
from .errors import DOBadResponse, DORateLimited, DOTransportError
from .limiter import RateLimitWait, SharedRateLimiter, limiter_from_settings
from .pages import Page, read_page
from .rate_limits import ClientStats, RateLimit, pacing_delay, wait_after_429
from .responses import api_error, expect_key, parse_json
from .tokens import resolve_token

__all__ = ["SAFE_TO_REPEAT", "DOClient", "client_for", "reset_clients"]

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

USER_AGENT = "arcadia-do-client/0.1"
# Methods DO treats idempotently: sending one twice leaves the same state.
SAFE_TO_REPEAT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
# The request never left this process, so any method may be sent again.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# The request may have reached DO; only repeatable methods are retried.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class DOClient:
    """A synchronous DO API client for one token and purpose.

    Thread-safe (httpx.Client is); ``client_for`` shares one per purpose per process.
    ``sleep`` and ``clock`` are injectable so tests never wait. A rate-limit wait longer than
    ``max_rate_limit_wait`` is not slept through: DORateLimited carries it as ``retry_after``.
    ``pace=False`` never sleeps for the limit: with a ``limiter`` and no slot free, it raises
    DORateLimited at once with the wait.
    """

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        purpose: str = "default",
        timeout: float = 10.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_rate_limit_wait: float = 120.0,
        pace: bool = True,
        limiter: SharedRateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url
        self.purpose = purpose
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_rate_limit_wait = max_rate_limit_wait
        self.pace = pace
        self.rate_limit: RateLimit | None = None
        self.limiter = limiter
        self.stats = ClientStats()
        self._sleep = sleep
        self._clock = clock
        headers = {"User-Agent": f"{USER_AGENT} ({purpose})", "Accept": "application/json"}
        if token:  # no token means the local simulator; send no empty Bearer
            headers["Authorization"] = f"Bearer {token}"
        # The token lives only in these headers (httpx masks them in reprs).
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<DOClient base_url={self.base_url!r} purpose={self.purpose!r}>"

    def __enter__(self) -> DOClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    # -- Droplets ---------------------------------------------------------------------------

    def iter_droplet_pages(
        self, per_page: int = 200, tag_name: str | None = None
    ) -> Iterator[Page]:
        return self.iter_pages(
            "/v2/droplets", "droplets", params={"tag_name": tag_name}, per_page=per_page
        )

    def list_droplets(self, tag_name: str | None = None) -> Iterator[JSON]:
        return self.iter_items("/v2/droplets", "droplets", params={"tag_name": tag_name})

    def get_droplet(self, droplet_id: int | str) -> JSON:
        return self._get_key(f"/v2/droplets/{_segment(droplet_id)}", "droplet")

    def create_droplet(self, body: JSON) -> JSON:
        """Create one droplet (or several, with ``names``); returns DO's whole response body.

        The whole body, because the create action's id is only in ``links.actions``:
        ``{"droplet": {...}, "links": {"actions": [{"id": 7515, "rel": "create", ...}]}}``
        (``"droplets"`` instead of ``"droplet"`` for a multi-create).
        """
        result = self._call("POST", "/v2/droplets", body=body)
        if not isinstance(result, dict) or not ({"droplet", "droplets"} & result.keys()):
            raise DOBadResponse("POST /v2/droplets: response has no 'droplet' or 'droplets'")
        return result

    def delete_droplet(self, droplet_id: int | str) -> None:
        self._call("DELETE", f"/v2/droplets/{_segment(droplet_id)}")

    def droplet_action(self, droplet_id: int | str, type: str, **params: Any) -> JSON:
        """Start a droplet action and return DO's action dict.

        E.g. ``droplet_action(1, "power_off")``, ``droplet_action(1, "resize", size="s-2vcpu-4gb",
        disk=True)``, ``droplet_action(1, "rename", name="web-2")``.
        """
        path = f"/v2/droplets/{_segment(droplet_id)}/actions"
        return self._post_key(path, "action", {"type": type, **params})

    def list_droplet_actions(self, droplet_id: int | str) -> Iterator[JSON]:
        return self.iter_items(f"/v2/droplets/{_segment(droplet_id)}/actions", "actions")

    def get_droplet_action(self, droplet_id: int | str, action_id: int | str) -> JSON:
        path = f"/v2/droplets/{_segment(droplet_id)}/actions/{_segment(action_id)}"
        return self._get_key(path, "action")

    def get_action(self, action_id: int | str) -> JSON:
        return self._get_key(f"/v2/actions/{_segment(action_id)}", "action")

    # -- Other kinds: the changes drift reverts make -----------------------------------------
    # Wire formats from DO's spec (/work/shared/do-openapi/specification/resources/...).

    def get_volume(self, volume_id: str) -> JSON:
        return self._get_key(f"/v2/volumes/{_segment(volume_id)}", "volume")

    def resize_volume(self, volume_id: str, size_gigabytes: int, *, region: str) -> JSON:
        """Grow a volume (DO never shrinks one: a smaller size is a 422); the action dict.
        volumes/volumeActions_post_byId.yml: `{"type": "resize", "size_gigabytes", "region"}`."""
        path = f"/v2/volumes/{_segment(volume_id)}/actions"
        body = {"type": "resize", "size_gigabytes": int(size_gigabytes), "region": region}
        return self._post_key(path, "action", body)

    def list_volume_actions(self, volume_id: str) -> Iterator[JSON]:
        return self.iter_items(f"/v2/volumes/{_segment(volume_id)}/actions", "actions")

    def get_volume_action(self, volume_id: str, action_id: int | str) -> JSON:
        path = f"/v2/volumes/{_segment(volume_id)}/actions/{_segment(action_id)}"
        return self._get_key(path, "action")

    def get_database(self, database_id: str) -> JSON:
        return self._get_key(f"/v2/databases/{_segment(database_id)}", "database")

    def resize_database(self, database_id: str, *, size: str, num_nodes: int) -> None:
        """Resize a database cluster (databases/databases_update_clusterSize.yml): 202 with
        no body; the cluster's `status` is `resizing` until it is `online` again."""
        body = {"size": size, "num_nodes": int(num_nodes)}
        self._call("PUT", f"/v2/databases/{_segment(database_id)}/resize", body=body)

    def get_kubernetes_cluster(self, cluster_id: str) -> JSON:
        return self._get_key(
            f"/v2/kubernetes/clusters/{_segment(cluster_id)}", "kubernetes_cluster"
        )

    def list_node_pools(self, cluster_id: str) -> list[JSON]:
        path = f"/v2/kubernetes/clusters/{_segment(cluster_id)}/node_pools"
        return list(self._get_key(path, "node_pools") or [])

    def get_node_pool(self, cluster_id: str, pool_id: str) -> JSON:
        path = f"/v2/kubernetes/clusters/{_segment(cluster_id)}/node_pools/{_segment(pool_id)}"
        return self._get_key(path, "node_pool")

    def update_node_pool(self, cluster_id: str, pool_id: str, body: JSON) -> JSON:
        """PUT a pool's `name` and `count` (kubernetes/kubernetes_update_nodePool.yml); DO
        cannot change an existing pool's size."""
        path = f"/v2/kubernetes/clusters/{_segment(cluster_id)}/node_pools/{_segment(pool_id)}"
        return expect_key(self._call("PUT", path, body=body), "node_pool", where=f"PUT {path}")

    def create_node_pool(self, cluster_id: str, body: JSON) -> JSON:
        """Add a pool (`name`, `size`, `count`, ...; kubernetes/kubernetes_add_nodePool.yml)."""
        path = f"/v2/kubernetes/clusters/{_segment(cluster_id)}/node_pools"
        return self._post_key(path, "node_pool", body)

    def delete_node_pool(self, cluster_id: str, pool_id: str) -> None:
        path = f"/v2/kubernetes/clusters/{_segment(cluster_id)}/node_pools/{_segment(pool_id)}"
        self._call("DELETE", path)

    def get_firewall(self, firewall_id: str) -> JSON:
        return self._get_key(f"/v2/firewalls/{_segment(firewall_id)}", "firewall")

    def update_firewall(self, firewall_id: str, body: JSON) -> JSON:
        """PUT the whole firewall (name, inbound_rules, outbound_rules, droplet_ids, tags):
        DO replaces every rule (firewalls/firewalls_update.yml)."""
        path = f"/v2/firewalls/{_segment(firewall_id)}"
        return expect_key(self._call("PUT", path, body=body), "firewall", where=f"PUT {path}")

    def get_reserved_ip(self, ip: str) -> JSON:
        return self._get_key(f"/v2/reserved_ips/{_segment(ip)}", "reserved_ip")

    def assign_reserved_ip(self, ip: str, droplet_id: int) -> JSON:
        """Assign (or move) a reserved IP to a droplet; the action dict
        (reserved_ips/reservedIPsActions_post.yml)."""
        body = {"type": "assign", "droplet_id": int(droplet_id)}
        return self._post_key(f"/v2/reserved_ips/{_segment(ip)}/actions", "action", body)

    def unassign_reserved_ip(self, ip: str) -> JSON:
        body = {"type": "unassign"}
        return self._post_key(f"/v2/reserved_ips/{_segment(ip)}/actions", "action", body)

    def list_reserved_ip_actions(self, ip: str) -> Iterator[JSON]:
        return self.iter_items(f"/v2/reserved_ips/{_segment(ip)}/actions", "actions")

    def get_reserved_ip_action(self, ip: str, action_id: int | str) -> JSON:
        path = f"/v2/reserved_ips/{_segment(ip)}/actions/{_segment(action_id)}"
        return self._get_key(path, "action")

    def get_load_balancer(self, lb_id: str) -> JSON:
        return self._get_key(f"/v2/load_balancers/{_segment(lb_id)}", "load_balancer")

    def update_load_balancer(self, lb_id: str, body: JSON) -> JSON:
        """PUT the whole load balancer (name, region, size or size_unit, forwarding_rules,
        ...; load_balancers/loadBalancers_update.yml)."""
        path = f"/v2/load_balancers/{_segment(lb_id)}"
        result = self._call("PUT", path, body=body)
        return expect_key(result, "load_balancer", where=f"PUT {path}")

    # -- Projects ---------------------------------------------------------------------------

    def iter_project_pages(self, per_page: int = 200) -> Iterator[Page]:
        return self.iter_pages("/v2/projects", "projects", per_page=per_page)

    def list_projects(self) -> Iterator[JSON]:
        return self.iter_items("/v2/projects", "projects")

    def get_default_project(self) -> JSON:
        return self._get_key("/v2/projects/default", "project")

    def create_project(
        self,
        name: str,
        purpose: str,
        description: str = "",
        environment: str | None = None,
        is_default: bool = False,
    ) -> JSON:
        """Create a project and return it. ``is_default`` is sent only when true."""
        body: JSON = {"name": name, "purpose": purpose, "description": description}
        if environment is not None:
            body["environment"] = environment
        if is_default:
            body["is_default"] = True
        return self._post_key("/v2/projects", "project", body)

    def iter_project_resource_pages(self, project_id: str, per_page: int = 200) -> Iterator[Page]:
        path = f"/v2/projects/{_segment(project_id)}/resources"
        return self.iter_pages(path, "resources", per_page=per_page)

    def list_project_resources(self, project_id: str) -> Iterator[JSON]:
        return self.iter_items(f"/v2/projects/{_segment(project_id)}/resources", "resources")

    def assign_project_resources(self, project_id: str, urns: list[str]) -> list[JSON]:
        """Assign resources (by URN, ``do:droplet:123``) to a project; returns DO's list."""
        path = f"/v2/projects/{_segment(project_id)}/resources"
        return self._post_key(path, "resources", {"resources": urns})

    # -- Sizes and tags ---------------------------------------------------------------------

    def list_sizes(self) -> Iterator[JSON]:
        """Every size; ``price_hourly``/``price_monthly`` are exact ``Decimal``s."""
        return self.iter_items("/v2/sizes", "sizes")

    def create_tag(self, name: str) -> JSON:
        return self._post_key("/v2/tags", "tag", {"name": name})

    def tag_resources(self, tag: str, resources: Iterable[tuple[int | str, str]]) -> None:
        """Tag resources given as ``(resource_id, resource_type)``, e.g. ``(123, "droplet")``."""
        self._call("POST", f"/v2/tags/{_segment(tag)}/resources", body=_tag_body(resources))

    def untag_resources(self, tag: str, resources: Iterable[tuple[int | str, str]]) -> None:
        self._call("DELETE", f"/v2/tags/{_segment(tag)}/resources", body=_tag_body(resources))

    # -- Billing ----------------------------------------------------------------------------

    def iter_invoice_pages(self, per_page: int = 200) -> Iterator[Page]:
        """DO's invoices; each page's ``body`` also holds ``invoice_preview``."""
        return self.iter_pages("/v2/customers/my/invoices", "invoices", per_page=per_page)

    def iter_invoices(self) -> Iterator[JSON]:
        return self.iter_items("/v2/customers/my/invoices", "invoices")

    def get_invoice_preview(self) -> JSON | None:
        """The month-to-date invoice preview DO returns next to the invoice list."""
        page = next(self.iter_invoice_pages(per_page=1))
        preview = page.body.get("invoice_preview")
        return preview if isinstance(preview, dict) else None

    def iter_invoice_item_pages(self, invoice_uuid: str, per_page: int = 200) -> Iterator[Page]:
        path = f"/v2/customers/my/invoices/{_segment(invoice_uuid)}"
        return self.iter_pages(path, "invoice_items", per_page=per_page)

    def iter_invoice_items(self, invoice_uuid: str) -> Iterator[JSON]:
        path = f"/v2/customers/my/invoices/{_segment(invoice_uuid)}"
        return self.iter_items(path, "invoice_items")

    # -- Pagination -------------------------------------------------------------------------

    def iter_pages(
        self,
        path: str,
        key: str,
        *,
        params: dict[str, Any] | None = None,
        per_page: int = 200,
    ) -> Iterator[Page]:
        """Yield each page of a list as it arrives, following ``links.pages.next``.

        ``params`` with a None value are left out. A page without ``key`` raises DOBadResponse,
        and so does a ``next`` link back to a page already fetched (a loop).
        """
        url = path
        query: dict[str, Any] | None = {
            **{k: v for k, v in (params or {}).items() if v is not None},
            "per_page": per_page,
        }
        fetched: set[str] = set()
        seen_items = 0
        page: Page | None = None
        while True:
            response = self._send("GET", url, params=query)
            fetched.add(str(response.request.url))
            page = read_page(
                self._parse(response), key, url=response.request.url, fallback_number=len(fetched)
            )
            seen_items += len(page.items)
            yield page
            if page.next_url is not None:
                url = self._follow(page.next_url)
                query = None  # DO's next link already carries page and per_page
            elif page.items and page.total is not None and seen_items < page.total:
                # A list with a total but no links (vector databases): ask for the next
                # page by number, as DO's `page` parameter allows.
                url = path
                query = {
                    **{k: v for k, v in (params or {}).items() if v is not None},
                    "per_page": per_page,
                    "page": len(fetched) + 1,
                }
            else:
                break
            if str(self._http.build_request("GET", url).url) in fetched:
                raise DOBadResponse(f"GET {path}: links.pages.next repeats a page ({url})")
        if page.total is not None and page.total != seen_items:
            # The account changed while we paged; a later sync will see the difference.
            logger.warning(
                "DO %s listed %d %s but meta.total said %d", path, seen_items, key, page.total
            )

    def iter_items(
        self,
        path: str,
        key: str,
        *,
        params: dict[str, Any] | None = None,
        per_page: int = 200,
    ) -> Iterator[JSON]:
        """Every item of a list, page by page (see ``iter_pages``)."""
        for page in self.iter_pages(path, key, params=params, per_page=per_page):
            yield from page.items

    def _follow(self, next_url: str) -> str:
        link = httpx.URL(next_url)
        base = self._http.base_url
        if link.is_relative_url or (link.scheme, link.host, link.port) == (
            base.scheme,
            base.host,
            base.port,
        ):
            return next_url
        # DO names its public host even behind a proxy or simulator: keep the path and query but
        # stay on our base_url, so the token is never sent to a host we were not configured for.
        return link.raw_path.decode("ascii")

    # -- Any kind: the generic reads every kind's sync and fetch-by-id share -------------------

    def get_key(self, path: str, key: str) -> JSON:
        """`GET path` and the object under `key` (DO wraps each single object in its
        kind's key: `{"volume": {...}}`); DONotFound when DO has no such object."""
        return self._get_key(path, key)

    def request(self, method: str, path: str, *, params: Any = None, body: Any = None) -> Any:
        """One call of any other shape (PUT, POST of an action), with this client's
        retries, pacing and error mapping; the parsed body, None when empty."""
        return self._call(method, path, params=params, body=body)

    # -- The request boundary ---------------------------------------------------------------

    def _get_key(self, path: str, key: str) -> Any:
        return expect_key(self._call("GET", path), key, where=f"GET {path}")

    def _post_key(self, path: str, key: str, body: JSON) -> Any:
        return expect_key(self._call("POST", path, body=body), key, where=f"POST {path}")

    def _call(self, method: str, path: str, *, params: Any = None, body: Any = None) -> Any:
        return self._parse(self._send(method, path, params=params, body=body))

    def _send(
        self, method: str, url: str, *, params: Any = None, body: Any = None
    ) -> httpx.Response:
        """Send one logical request, retrying what is safe; return a 2xx/3xx response."""
        attempt = 0
        waited_for_rate_limit = False
        while True:
            attempt += 1
            request = self._http.build_request(method, url, params=params, json=body)
            where = f"{method} {request.url.raw_path.decode('ascii', 'replace')}"
            if self.limiter is not None:
                self._take_slot(method, request)
            elif self.pace and not waited_for_rate_limit:  # DO's wait already spent the budget
                self._pace()
            waited_for_rate_limit = False
            self.stats.add(requests=1)
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                retryable = isinstance(exc, _NEVER_SENT) or (
                    method in SAFE_TO_REPEAT and isinstance(exc, _MAYBE_SENT)
                )
                logger.debug("DO %s -> %s (attempt %d)", where, type(exc).__name__, attempt)
                do_metrics.record_response(self.purpose, do_metrics.TRANSPORT_ERROR, None)
                if retryable and attempt <= self.max_retries:
                    self._sleep(self._backoff(attempt))
                    continue
                raise DOTransportError(
                    f"{where}: {type(exc).__name__} after {attempt} attempt(s)"
                ) from exc

            observed = RateLimit.from_headers(response.headers, now=self._clock())
            do_metrics.record_response(
                self.purpose, response.status_code, observed.remaining if observed else None
            )
            if observed is not None:
                self.rate_limit = observed
                if self.limiter is not None and observed.remaining is not None:
                    self.limiter.correct(remaining=observed.remaining, reset=observed.reset)
            logger.debug(
                "DO %s -> %s (attempt %d, ratelimit-remaining %s)",
                where,
                response.status_code,
                attempt,
                self.rate_limit.remaining if self.rate_limit else None,
            )
            status = response.status_code
            if status < 400:
                return response
            if status == 429:
                self.stats.add(rate_limited=1)
                wait = wait_after_429(response.headers, now=self._clock())
                if wait is not None and self.limiter is not None:
                    self.limiter.pause(wait)  # everyone on this token, not just us
                if wait is not None and wait > self.max_rate_limit_wait:
                    raise api_error(response, redact=self._redact, retry_after=wait)
                if attempt <= self.max_retries:
                    pause = wait if wait is not None else self._backoff(attempt)
                    self._sleep(pause)
                    self.stats.add(waited=pause)
                    waited_for_rate_limit = True
                    continue
                raise api_error(response, redact=self._redact, retry_after=wait)
            if status >= 500 and method in SAFE_TO_REPEAT and attempt <= self.max_retries:
                self._sleep(self._backoff(attempt))
                continue
            raise api_error(response, redact=self._redact)

    def _take_slot(self, method: str, request: httpx.Request) -> None:
        """A slot in the token's windows for this request, or DORateLimited with the wait
        when we may not sleep (``pace=False``) or the wait is longer than we would."""
        assert self.limiter is not None
        try:
            if self.pace:
                waited = self.limiter.take(
                    self.purpose, sleep=self._sleep, max_wait=self.max_rate_limit_wait
                )
                if waited:
                    self.stats.add(waited=waited)
                return
            wait = self.limiter.try_take(self.purpose)
            if wait > 0:
                raise RateLimitWait(wait)
        except RateLimitWait as exc:
            path = request.url.raw_path.decode("ascii", "replace")
            raise DORateLimited(
                429,
                "too_many_requests",
                f"no request slot free on this token for {exc.wait:.1f}s (paced, not sent)",
                None,
                method=method,
                path=path,
                retry_after=exc.wait,
            ) from None

    def _pace(self) -> None:
        delay = pacing_delay(self.rate_limit, now=self._clock(), cap=self.backoff_cap)
        if delay > 0:
            logger.debug("DO rate limit running low (%s); pacing %.2fs", self.rate_limit, delay)
            self._sleep(delay)
            self.stats.add(waited=delay)

    def _backoff(self, attempt: int) -> float:
        # Full jitter: callers that failed together don't retry together.
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def _parse(self, response: httpx.Response) -> Any:
        return parse_json(response, redact=self._redact)

    def _redact(self, text: str) -> str:
        # Belt and braces: a proxy echoing our headers must not put the token in an error.
        token = self._http.headers.get("Authorization", "").removeprefix("Bearer ")
        return text.replace(token, "[token]") if token else text


def _segment(value: int | str) -> str:
    # One path segment; ':' stays readable (tags like env:prod), everything else is escaped.
    return quote(str(value), safe=":")


def _tag_body(resources: Iterable[tuple[int | str, str]]) -> JSON:
    return {
        "resources": [
            {"resource_id": str(resource_id), "resource_type": resource_type}
            for resource_id, resource_type in resources
        ]
    }


# -- One shared client per purpose ------------------------------------------------------------

_clients: dict[tuple[Any, ...], DOClient] = {}
_clients_lock = threading.Lock()


def client_for(purpose: str, *, waits: bool = True) -> DOClient:
    """The process-wide client for ``purpose`` (``sync``, ``provisioning``, ``billing``, ...).

    Built from ``settings.DO_API_BASE_URL``, ``DO_API_TIMEOUT_SECONDS``, ``DO_API_MAX_RETRIES``,
    ``DO_API_BACKOFF_BASE_SECONDS`` and ``resolve_token(purpose)``, and cached per those so
    connections are reused and a rotated token gets a fresh client. Don't close it;
    ``reset_clients`` does.

    Every one shares the token's rate limiter (``do_client.limiter``, in Redis) with every
    other process using the token; ``purpose`` decides how much of each window it may fill
    (``DO_API_RESERVE``).

    ``waits=False`` gives a client that never sleeps: no retries, and when no request slot
    is free, or DO answers 429, it raises DORateLimited at once with the wait as
    ``retry_after``. For callers with their own
    durable backoff (the saga engine parks the run), where sleeping in a worker would only
    hold it past its time limit.
    """
    from django.conf import settings

    base_url: str = settings.DO_API_BASE_URL
    timeout = float(getattr(settings, "DO_API_TIMEOUT_SECONDS", 10.0))
    max_retries = int(getattr(settings, "DO_API_MAX_RETRIES", 5))
    backoff_base = float(getattr(settings, "DO_API_BACKOFF_BASE_SECONDS", 0.5))
    token = resolve_token(purpose)
    # A fingerprint, so the cache never holds the token itself as a key.
    fingerprint = hashlib.sha256(token.encode()).hexdigest()
    if not waits:
        max_retries = 0
    limiter = limiter_from_settings(token)
    key = (purpose, base_url, fingerprint, timeout, max_retries, backoff_base, waits, id(limiter))
    with _clients_lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            client = DOClient(
                token=token,
                base_url=base_url,
                purpose=purpose,
                timeout=timeout,
                max_retries=max_retries,
                backoff_base=backoff_base,
                max_rate_limit_wait=120.0 if waits else 0.0,
                pace=waits,
                limiter=limiter,
            )
            _clients[key] = client
        return client


def reset_clients() -> None:
    """Close and forget every cached client (tests, or after changing settings)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
