"""Where the simulator's commands look for it, and how they show its token.

`settings.DO_API_BASE_URL` (environment `DO_API_BASE_URL`, else `SIMULATOR_PORT` on
loopback) is the one address: `do_simulator` listens on it when it is a plain-HTTP
loopback URL, and `do_simulator_ctl` talks to it, so both follow what `bin/up` started.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def simulator_url() -> str:
    """The simulator's root, as the app's DO client sees it."""
    return str(settings.DO_API_BASE_URL).rstrip("/")


def listen_address() -> tuple[str, int]:
    """Host and port to serve on by default: those of `DO_API_BASE_URL` when it names a
    plain-HTTP loopback address, else the simulator's usual 127.0.0.1:8765."""
    parts = urlsplit(simulator_url())
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return parts.hostname or DEFAULT_HOST, parts.port or 80
    return DEFAULT_HOST, DEFAULT_PORT


def masked(token: str) -> str:
    """A token as a log may show it: never the token, at most its first characters."""
    if len(token) < 12:
        return f"{'*' * 8} ({len(token)} characters)"
    return f"{token[:4]}{'*' * 8} ({len(token)} characters)"
