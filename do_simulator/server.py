"""A real threaded HTTP/1.1 server (keep-alive) speaking DO's v2 wire format.

Every `/v2/` request goes through the same pipeline: count it against the token's
sliding window, take the next fault decision, wait the configured latency, then answer
with the injected error, 401, 429 (window exhausted) or the route's reply. Every answer
carries `ratelimit-*` and `x-request-id` headers; every error body has `id`, `message`
and `request_id`. `/_sim/` (the control API) skips auth, rate limit and faults.
Paths are percent-decoded before routing (`/v2/tags/env%3Aprod` is the tag `env:prod`).
With a state file, every successful mutating request (API or control) marks the state
for saving (persist.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import persist, render
from .api import build_api
from .control import build_control
from .faults import FaultDecision, RateVerdict
from .models import SimError
from .routing import Reply, Request, Router
from .state import SimState

logger = logging.getLogger(__name__)

# Error ids DO uses per status, for injected failures.
ERROR_IDS = {
    400: ("bad_request", "error parsing request body"),
    401: ("unauthorized", "Unable to authenticate you."),
    403: ("forbidden", "You do not have permission to perform this action."),
    404: ("not_found", "The resource you were accessing could not be found."),
    409: ("conflict", "The request could not be completed due to a conflict."),
    422: ("unprocessable_entity", "request payload validation failed"),
    429: ("too_many_requests", "API Rate limit exceeded."),
    500: ("server_error", "Server was unable to give you a response."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable", "Service unavailable."),
    504: ("gateway_timeout", "Gateway timeout."),
}
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"


def error_reply(status: int, request_id: str, message: str | None = None) -> Reply:
    error_id, default = ERROR_IDS.get(status, ("server_error", "Unexpected server-side error"))
    return Reply(status, render.error_body(error_id, message or default, request_id))


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SimState, *, verbose: bool = False):
        super().__init__(address, SimRequestHandler)
        self.state = state
        self.verbose = verbose
        self.api = build_api(state)
        self.control = build_control(state)
        host, port = self.socket.getsockname()[:2]  # the real port when asked for port 0
        self.base_url = f"http://{host}:{port}"
        state.base_url = self.base_url
        self.on_change: Callable[[], None] | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Request errors are answered 500 in `_handle`; what reaches here is a client that
        # hung up mid-response, which is normal under tests and fault injection.
        logger.debug("do_simulator: connection error from %s", client_address, exc_info=True)


class SimRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: SimHTTPServer
    server_version = "do-simulator/1.0"

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _request(self) -> Request:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        host = self.headers.get("Host") or urlsplit(self.server.base_url).netloc
        return Request(
            method=self.command,
            path=unquote(url.path).rstrip("/") or "/",
            query=dict(parse_qsl(url.query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=f"http://{host}",
        )

    def _handle(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            self._route(self._request(), request_id)
        except (ConnectionError, TimeoutError):
            raise  # the client went away; socketserver closes the connection
        except Exception:
            logger.exception("do_simulator: %s %s failed", self.command, self.path)
            self._send(error_reply(500, request_id), request_id)

    def _route(self, request: Request, request_id: str) -> None:
        if request.path.startswith("/_sim/"):
            reply = _dispatch(self.server.control, request, request_id)
            self._send(reply, request_id)
        elif request.path.startswith("/v2/") or request.path == "/v2":
            reply = self._handle_api(request, request_id)
        else:
            reply = error_reply(404, request_id)
            self._send(reply, request_id)
        on_change = self.server.on_change
        if on_change is not None and request.method not in ("GET", "HEAD") and reply.status < 400:
            on_change()

    def _handle_api(self, request: Request, request_id: str) -> Reply:
        state = self.server.state
        token = _bearer(request.headers.get("authorization", ""))
        verdict = state.rate_hit(token or "")
        decision = state.next_fault()
        latency = state.faults.latency_seconds
        if latency > 0:
            time.sleep(latency)
        reply = _api_reply(self.server.api, state, request, request_id, token, verdict, decision)
        reply.headers.update(verdict.headers())
        self._send(reply, request_id, decision)
        return reply

    def _send(self, reply: Reply, request_id: str, decision: FaultDecision | None = None) -> None:
        body = b""
        content_type = reply.headers.pop("content-type", "application/json; charset=utf-8")
        if isinstance(reply.body, bytes):  # a file, such as an invoice's CSV
            body = reply.body
        elif reply.body is not None:
            body = render.dumps(reply.body).encode()
        status = reply.status
        if decision is not None and decision.damage == "garbage":
            status, body = 200, GARBAGE
        elif decision is not None and decision.damage == "truncate" and body:
            body = body[: len(body) // 2]  # Content-Length matches the cut: invalid JSON
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("x-request-id", request_id)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(body)


def _api_reply(
    api: Router,
    state: SimState,
    request: Request,
    request_id: str,
    token: str | None,
    verdict: RateVerdict,
    decision: FaultDecision,
) -> Reply:
    if decision.status is not None:
        reply = error_reply(decision.status, request_id)
        if decision.status == 429:
            reply.headers["retry-after"] = str(state.faults.retry_after_seconds)
        return reply
    if not state.authenticate(token):
        return error_reply(401, request_id)
    if not verdict.allowed:
        # DO's burst-limit answer (description.yml "Rate Limit", shared/responses/
        # too_many_requests.yml): 429, `too_many_requests`, and `retry-after` in seconds.
        reply = error_reply(429, request_id)
        reply.headers["retry-after"] = str(verdict.retry_after or 1)
        return reply
    return _dispatch(api, request, request_id)


def _dispatch(router: Router, request: Request, request_id: str) -> Reply:
    found = router.match(request.method, request.path)
    if found is None:
        return error_reply(404, request_id)
    handler, groups = found
    try:
        return handler(request, **groups)
    except SimError as exc:
        body = {**render.error_body(exc.error_id, exc.message, request_id), **exc.extra}
        return Reply(exc.status, body)
    except Exception:
        logger.exception("do_simulator: %s %s failed", request.method, request.path)
        return error_reply(500, request_id)


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class SimServer:
    """The server and its thread; `start()` binds (port 0 picks a free port).

    With `state_file`, the state is first restored from it when it exists, then saved to
    it after changes and at `stop()`.
    """

    def __init__(
        self,
        state: SimState,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        state_file: Path | str | None = None,
    ) -> None:
        self.state = state
        self.saver: persist.StateFile | None = None
        if state_file is not None:
            path = Path(state_file)
            saved = persist.load(path)
            if saved is not None:
                state.restore(saved)
            self.saver = persist.StateFile(state, path)
        self.httpd = SimHTTPServer((host, port), state, verbose=verbose)
        if self.saver is not None:
            self.httpd.on_change = self.saver.changed
        self.base_url = self.httpd.base_url
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.saver is not None:
            self.saver.close()
