"""Fixtures for the simulator's tests: a running simulator, a client, DO's OpenAPI contract.

No database: the simulator is pure Python behind a loopback HTTP server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from do_simulator.testing import SimulatorHandle, running_simulator

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = (
    REPO_ROOT.parent / "shared" / "do-openapi" / "specification" / "DigitalOcean-public.v2.yaml"
)
DO_HOST = "https://api.digitalocean.com"  # the spec's server; paths match against it


class Contract:
    """Validates real simulator exchanges against DO's official OpenAPI document."""

    def __init__(self, openapi: Any) -> None:
        self.openapi = openapi

    def _request(self, request: httpx.Request) -> Any:
        from openapi_core.testing import MockRequest

        return MockRequest(
            DO_HOST,
            request.method,
            request.url.path,
            args=dict(request.url.params),
            headers=dict(request.headers),
            data=request.content,
            content_type=request.headers.get("content-type", "application/json"),
        )

    def check(self, response: httpx.Response, *, request_too: bool = True) -> httpx.Response:
        """Raise unless the response (and, by default, our request) fits DO's schemas."""
        from openapi_core.testing import MockResponse

        request = self._request(response.request)
        if request_too:
            self.openapi.validate_request(request)
        self.openapi.validate_response(
            request,
            MockResponse(
                response.content,
                status_code=response.status_code,
                headers=dict(response.headers),
                content_type=response.headers.get("content-type", ""),
            ),
        )
        return response


def load_do_spec(path: Path) -> Any:
    """DO's document with its $refs resolved, read as YAML 1.2 as OpenAPI requires.

    A YAML 1.1 loader (PyYAML's default) reads the droplet status enum's unquoted `off`
    as `False`, which would reject every powered-off droplet; YAML 1.2 booleans are
    only true/false.
    """
    import yaml
    from jsonschema_path import SchemaPath
    from jsonschema_path.handlers.file import FileHandler
    from jsonschema_path.handlers.urllib import UrllibHandler
    from jsonschema_path.loaders import SCIENTIFIC_FLOAT_RE, LimitedSafeLoader
    from openapi_core import Config, OpenAPI

    class Yaml12Loader(
        metaclass=LimitedSafeLoader,
        exclude_resolvers={"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"},
    ):
        pass

    yaml12_bool = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", yaml12_bool, list("tTfF"))
    Yaml12Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float", SCIENTIFIC_FLOAT_RE, list("-+0123456789.")
    )
    files = UrllibHandler("http", "https", "file", file_handler=FileHandler(loader=Yaml12Loader))
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=Yaml12Loader)
    spec = SchemaPath.from_dict(
        document, base_uri=path.as_uri(), handlers={"<all_urls>": files, "file": files}
    )
    # DO's document is taken as given: validating the spec itself costs seconds, not ours.
    return OpenAPI(spec, config=Config(spec_validator_cls=None))


@pytest.fixture(scope="session")
def openapi() -> Any:
    if not SPEC_PATH.exists():
        pytest.skip(f"DO's OpenAPI spec is not at {SPEC_PATH} (shared/ beside the repo)")
    return load_do_spec(SPEC_PATH)


@pytest.fixture
def contract(openapi: Any) -> Contract:
    return Contract(openapi)


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(droplets=60, seed=7, gpu_droplets=3) as handle:
        yield handle


@pytest.fixture
def client(sim: SimulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers=sim.auth_headers, timeout=30) as http:
        yield http


def walk(client: httpx.Client, url: str, key: str) -> tuple[list[dict[str, Any]], int]:
    """Follow `links.pages.next` from `url`; returns (every item, pages fetched)."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        response.raise_for_status()
        body = response.json()
        items.extend(body[key])
        pages += 1
        next_url = body["links"].get("pages", {}).get("next")
    return items, pages


def wait_for_action(client: httpx.Client, action_id: int, timeout: float = 5.0) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        action = client.get(f"/v2/actions/{action_id}").json()["action"]
        if action["status"] != "in-progress" or time.monotonic() > deadline:
            return action
        time.sleep(0.02)
