"""Reading the next page while the caller writes the current one.

A sync spends about as long fetching a page from DO as writing it to Postgres; running
the two side by side roughly halves the wall time. The queue is bounded, so at most
`depth` pages wait in memory however large the account is.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetched(source: Iterable[T], *, depth: int = 2) -> Iterator[T]:
    """Yields `source`'s items, produced by a background thread up to `depth` ahead.

    An exception in the producer is re-raised in the consumer at the point it occurred;
    abandoning the iterator (break, or an error in the consumer) stops the producer.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:  # handed to the consumer, not lost in the thread
            slots.put(exc)

    # In the caller's context: its log lines' ids (a sync run's, a task's) carry over.
    context = contextvars.copy_context()
    producer = threading.Thread(
        target=context.run, args=(produce,), name="do-prefetch", daemon=True
    )
    producer.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        producer.join(timeout=30)
