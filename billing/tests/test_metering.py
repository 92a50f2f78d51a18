"""Metering as a pure function of a resource's history (DESIGN.md, "Segments", "The month")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from billing.metering import Event, History, Segment, clip, segments
from billing.periods import month_bounds
from billing.tests.conftest import at, month


def discovered(when: datetime, *, project: int | None = 1, size: str = "s-1") -> Event:
    return Event("discovered", when, {"project": [None, project], "size_slug": [None, size]})


def history(*events: Event, created: datetime | None = None, last_seen: datetime) -> History:
    return History(created, last_seen, list(events))


def test_billable_from_do_created_at_not_from_discovery():
    h = history(
        discovered(at("2026-03-10 00:00")),
        created=at("2026-03-02 00:00"),
        last_seen=at("2026-03-20 00:00"),
    )
    assert segments(h) == [Segment(1, "s-1", at("2026-03-02 00:00"), at("2026-03-20 00:00"))]


def test_without_created_at_billable_from_the_discovered_event():
    h = history(discovered(at("2026-03-10 00:00")), last_seen=at("2026-03-20 00:00"))
    assert segments(h) == [Segment(1, "s-1", at("2026-03-10 00:00"), at("2026-03-20 00:00"))]


def test_time_before_first_sighting_counts_in_the_first_project_seen():
    h = history(
        discovered(at("2026-03-10 00:00"), project=7),
        Event("updated", at("2026-03-12 00:00"), {"project": [7, 8]}),
        created=at("2026-03-01 00:00"),
        last_seen=at("2026-03-15 00:00"),
    )
    assert [(s.project_id, s.started_at) for s in segments(h)] == [
        (7, at("2026-03-01 00:00")),
        (8, at("2026-03-12 00:00")),
    ]


def test_resize_ends_one_segment_and_starts_the_next_at_that_instant():
    h = history(
        discovered(at("2026-03-01 00:00")),
        Event("updated", at("2026-03-05 06:00"), {"size_slug": ["s-1", "s-2"], "status": [1, 2]}),
        last_seen=at("2026-03-10 00:00"),
    )
    assert segments(h) == [
        Segment(1, "s-1", at("2026-03-01 00:00"), at("2026-03-05 06:00")),
        Segment(1, "s-2", at("2026-03-05 06:00"), at("2026-03-10 00:00")),
    ]


def test_power_state_and_other_updates_never_split_a_segment():
    h = history(
        discovered(at("2026-03-01 00:00")),
        Event("updated", at("2026-03-02 00:00"), {"status": ["active", "off"]}),
        Event("updated", at("2026-03-03 00:00"), {"name": ["a", "b"]}),
        Event("updated", at("2026-03-04 00:00"), {"size_slug": ["s-1", "s-1"]}),
        last_seen=at("2026-03-10 00:00"),
    )
    assert segments(h) == [Segment(1, "s-1", at("2026-03-01 00:00"), at("2026-03-10 00:00"))]


def test_tombstone_ends_the_segment_at_the_recorded_last_seen_not_at_the_strike():
    last_seen = at("2026-03-10 00:00")
    h = history(
        discovered(at("2026-03-01 00:00")),
        Event(
            "deleted",
            at("2026-03-10 03:00"),
            {"last_seen_at": [last_seen.isoformat(), last_seen.isoformat()]},
        ),
        last_seen=last_seen,
    )
    assert segments(h) == [Segment(1, "s-1", at("2026-03-01 00:00"), last_seen)]


def test_restore_starts_a_new_segment_and_the_gap_is_free():
    gone = at("2026-03-10 00:00").isoformat()
    h = history(
        discovered(at("2026-03-01 00:00")),
        Event("deleted", at("2026-03-10 03:00"), {"last_seen_at": [gone, gone]}),
        Event("restored", at("2026-03-15 00:00"), {"deleted_at": ["x", None]}),
        last_seen=at("2026-03-20 00:00"),
    )
    assert segments(h) == [
        Segment(1, "s-1", at("2026-03-01 00:00"), at("2026-03-10 00:00")),
        Segment(1, "s-1", at("2026-03-15 00:00"), at("2026-03-20 00:00")),
    ]


def test_restore_with_a_new_size_starts_at_that_size():
    gone = at("2026-03-10 00:00").isoformat()
    h = history(
        discovered(at("2026-03-01 00:00")),
        Event("deleted", at("2026-03-10 03:00"), {"last_seen_at": [gone, gone]}),
        Event("restored", at("2026-03-15 00:00"), {"size_slug": ["s-1", "s-2"]}),
        last_seen=at("2026-03-20 00:00"),
    )
    assert [s.size_slug for s in segments(h)] == ["s-1", "s-2"]


def test_unassigned_project_gives_a_segment_without_project():
    h = history(discovered(at("2026-03-01 00:00"), project=None), last_seen=at("2026-03-02 00:00"))
    assert segments(h)[0].project_id is None


def test_instants_are_whole_seconds():
    h = history(
        discovered(at("2026-03-01 00:00") + timedelta(microseconds=999_999)),
        last_seen=at("2026-03-01 00:01") + timedelta(microseconds=500_000),
    )
    assert segments(h)[0].seconds == 60


def test_clip_keeps_only_the_month():
    start, end = month_bounds(month("2026-02"))
    seg = Segment(1, "s-1", at("2026-01-31 23:00"), at("2026-03-01 01:00"))
    assert clip([seg], start, end) == [Segment(1, "s-1", start, end)]
    assert clip([seg], *month_bounds(month("2026-04"))) == []


instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 3, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@given(st.lists(instants, min_size=2, max_size=8, unique=True))
def test_months_partition_usage_billed_in_each_month_never_twice(moments):
    moments.sort()
    events = [discovered(moments[0])] + [
        Event("updated", m, {"size_slug": ["s-1", f"s-{i}"]}) for i, m in enumerate(moments[1:-1])
    ]
    segs = segments(history(*events, last_seen=moments[-1]))
    total = sum(s.seconds for s in segs)
    per_month = sum(
        s.seconds
        for m in ("2025-12", "2026-01", "2026-02", "2026-03")
        for s in clip(segs, *month_bounds(month(m)))
    )
    assert per_month == total == int((moments[-1] - moments[0]).total_seconds())
