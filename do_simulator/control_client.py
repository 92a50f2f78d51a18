"""A small typed client for the simulator's control API (`/_sim/`, see `control.py`).

For the demo and scripts: out-of-band changes as someone clicking in DO's console
would make them. Only ever pointed at the simulator, never at the real DO API.
"""

from __future__ import annotations

from typing import Any

import httpx

from do_simulator.address import simulator_url


class SimulatorError(Exception):
    """The simulator is unreachable or refused a control request."""


class SimulatorControl:
    def __init__(self, base_url: str | None = None, *, client: httpx.Client | None = None):
        self.base_url = (base_url or simulator_url()).rstrip("/")
        self._client = client or httpx.Client(timeout=10)

    def _post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise SimulatorError(f"simulator unreachable at {url}: {exc}") from exc
        if response.status_code >= 400:
            raise SimulatorError(
                f"simulator refused {body}: {response.status_code} {response.text}"
            )
        result: dict[str, Any] = response.json() if response.content else {}
        return result

    def resize(self, droplet_id: str, size: str, *, disk: bool = False) -> dict[str, Any]:
        return self._post(
            f"/_sim/droplets/{droplet_id}/oob", {"op": "resize", "size": size, "disk": disk}
        )

    def retag(self, droplet_id: str, tags: list[str]) -> dict[str, Any]:
        return self._post(f"/_sim/droplets/{droplet_id}/oob", {"op": "retag", "tags": tags})

    def rename(self, droplet_id: str, name: str) -> dict[str, Any]:
        return self._post(f"/_sim/droplets/{droplet_id}/oob", {"op": "rename", "name": name})

    def update_resource(
        self, kind: str, resource_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Sets fields of a non-droplet resource (`kind` as the simulator stores it; dotted
        paths such as `node_pools.worker.count` walk into it), as DO's console would."""
        return self._post(
            f"/_sim/resources/{kind}/{resource_id}/oob", {"op": "update", "changes": changes}
        )

    def reset_faults(self) -> dict[str, Any]:
        return self._post("/_sim/reset_faults")
