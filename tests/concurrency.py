"""Running code on several threads at once, each on its own database connection, for the
tests that prove an invariant holds under real concurrency (against committed data, so
`transactional_db`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

WAIT = 20.0  # seconds; a thread still blocked after this is a failure, not a hang


class Worker(threading.Thread):
    """Runs `target` on its own database connection and keeps its result or error."""

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._target_fn = target
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._target_fn()
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()


def run_all(*targets: Callable[[], Any], wait: float = WAIT) -> list[Worker]:
    """Starts every target behind one barrier, so they really overlap, and joins them.
    Errors are kept on each worker for the test to judge."""
    barrier = threading.Barrier(len(targets))

    def gated(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            barrier.wait(timeout=wait)
            return fn()

        return run

    workers = [Worker(gated(t)) for t in targets]
    for w in workers:
        w.start()
    for w in workers:
        w.join(wait * 3)
        assert not w.is_alive(), "a worker hung"
    return workers
