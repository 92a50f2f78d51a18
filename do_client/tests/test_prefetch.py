"""`prefetched`: same items in order, errors surface in the consumer, bounded look-ahead."""

from __future__ import annotations

import threading

import pytest

from do_client.prefetch import prefetched


def test_yields_every_item_in_order():
    assert list(prefetched(iter(range(100)))) == list(range(100))


def test_producer_error_is_raised_in_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("page 3 was garbage")

    seen = []
    with pytest.raises(ValueError, match="garbage"):
        for item in prefetched(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_reads_at_most_depth_ahead_of_the_consumer():
    produced = []
    gate = threading.Event()

    def source():
        for i in range(10):
            produced.append(i)
            yield i

    iterator = prefetched(source(), depth=2)
    assert next(iterator) == 0
    gate.wait(0.3)  # give the producer time to run ahead as far as it may
    # One handed out, two waiting in the queue, one blocked trying to enter it.
    assert len(produced) <= 4
    iterator.close()


def test_abandoning_the_iterator_stops_the_producer():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    for item in prefetched(endless()):
        if item == 5:
            break
    alive = [t for t in threading.enumerate() if t.name == "do-prefetch"]
    assert alive == []
