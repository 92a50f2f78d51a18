"""`running_simulator`: the simulator on a free loopback port for the length of a block.

with running_simulator(droplets=200) as sim:
    httpx.get(f"{sim.base_url}/v2/droplets", headers={"Authorization": f"Bearer {sim.token}"})
    sim.state.oob_resize(droplet_id, "s-2vcpu-4gb")   # direct Python access
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .server import SimServer
from .state import SimState


@dataclass
class SimulatorHandle:
    base_url: str  # e.g. http://127.0.0.1:54321 (DO's API root is base_url + "/v2")
    token: str | None  # None: any non-empty bearer token is accepted
    state: SimState
    server: SimServer

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token or 'any-token'}"}

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def running_simulator(
    *,
    droplets: int = 50,
    seed: int = 1,
    token: str | None = "sim-token",
    action_seconds: float = 0.05,
    **opts: Any,
) -> Iterator[SimulatorHandle]:
    """Start a simulator on 127.0.0.1 (port 0) in a background thread; stop it on exit.

    `opts` go to `SimState` (`gpu_droplets`, `rate_limit`, `rate_window`, `clock`), except
    `host`, `port`, `verbose` and `state_file`, which go to the server.
    """
    server_opts = {k: opts.pop(k) for k in ("host", "port", "verbose", "state_file") if k in opts}
    state = SimState(
        droplets=droplets, seed=seed, token=token, action_seconds=action_seconds, **opts
    )
    server = SimServer(state, **server_opts).start()
    handle = SimulatorHandle(server.base_url, token, state, server)
    try:
        yield handle
    finally:
        handle.stop()
