"""The upsert chokepoint, rule by rule (DESIGN.md, "The upsert chokepoint")."""

from __future__ import annotations

from dataclasses import fields

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from arcadia.locks import lock_key
from inventory.kinds import ResourceRow
from inventory.models import CloudProject, CloudProjectAssignment, CloudResource, EventType, Kind
from inventory.services.chokepoint import COLUMNS, upsert_resources, writer_lock_name
from inventory.tests.conftest import droplet_row

pytestmark = pytest.mark.django_db


def events(resource: CloudResource) -> list[str]:
    return list(resource.events.order_by("id").values_list("event", flat=True))


def upsert(rows, seen_at, actor="test"):
    return upsert_resources(Kind.DROPLET, rows, seen_at=seen_at, actor=actor)


def test_new_resource_is_inserted_with_a_discovered_event(at):
    outcome = upsert([droplet_row(7)], at(0))

    resource = CloudResource.objects.get(provider_id="7")
    assert outcome.discovered == 1
    assert resource.urn == "do:droplet:7"
    assert resource.first_seen_at == resource.last_seen_at == at(0)
    assert events(resource) == [EventType.DISCOVERED]
    discovered = resource.events.get()
    assert discovered.changes["size_slug"] == [None, "s-1vcpu-1gb"]
    assert discovered.actor == "test"


def test_unchanged_resource_writes_no_event_but_bumps_last_seen(at):
    upsert([droplet_row(7)], at(0))
    outcome = upsert([droplet_row(7)], at(1))

    resource = CloudResource.objects.get(provider_id="7")
    assert outcome.unchanged == 1 and outcome.updated == 0
    assert resource.last_seen_at == at(1)
    assert resource.first_seen_at == at(0)
    assert events(resource) == [EventType.DISCOVERED]


def test_meaningful_change_writes_updated_event_with_the_diff(at):
    upsert([droplet_row(7)], at(0))
    upsert([droplet_row(7, size_slug="s-2vcpu-4gb", attrs={"memory": 4096, "vcpus": 2})], at(1))

    resource = CloudResource.objects.get(provider_id="7")
    update = resource.events.get(event=EventType.UPDATED)
    assert resource.size_slug == "s-2vcpu-4gb"
    assert update.changes == {
        "size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"],
        "memory": [1024, 4096],
        "vcpus": [1, 2],
        "image": [{"slug": "ubuntu-24-04-x64"}, None],
    }


def test_only_tags_changed_is_a_tagged_event(at):
    upsert([droplet_row(7, tags=["web"])], at(0))
    upsert([droplet_row(7, tags=["db", "web"])], at(1))

    resource = CloudResource.objects.get(provider_id="7")
    tagged = resource.events.get(event=EventType.TAGGED)
    assert tagged.changes == {"tags": [["web"], ["db", "web"]]}


def test_tag_order_never_counts(at):
    from inventory.kinds import canonical_tags

    upsert([droplet_row(7, tags=canonical_tags(["b", "a"]))], at(0))
    upsert([droplet_row(7, tags=canonical_tags(["a", "b", "a"]))], at(1))

    assert events(CloudResource.objects.get(provider_id="7")) == [EventType.DISCOVERED]


def test_tombstoned_resource_seen_again_is_restored(at):
    upsert([droplet_row(7)], at(0))
    CloudResource.objects.filter(provider_id="7").update(deleted_at=at(5), stale_strike_count=3)

    outcome = upsert([droplet_row(7)], at(6))

    resource = CloudResource.objects.get(provider_id="7")
    assert outcome.restored == 1
    assert resource.deleted_at is None
    assert resource.stale_strike_count == 0
    assert events(resource) == [EventType.DISCOVERED, EventType.RESTORED]
    assert resource.events.get(event=EventType.RESTORED).changes["deleted_at"][1] is None


def test_every_sighting_resets_strikes(at):
    upsert([droplet_row(7)], at(0))
    CloudResource.objects.filter(provider_id="7").update(stale_strike_count=2)

    upsert([droplet_row(7)], at(1))

    assert CloudResource.objects.get(provider_id="7").stale_strike_count == 0


def test_resource_takes_its_project_from_do_assignments(at):
    project = CloudProject.objects.create(provider_id="p-1", name="acme")
    CloudProjectAssignment.objects.create(urn="do:droplet:7", project=project, seen_at=at(0))

    upsert([droplet_row(7)], at(0))

    assert CloudResource.objects.get(provider_id="7").project == project


def test_project_move_is_an_updated_event_with_project_in_the_diff(at):
    first = CloudProject.objects.create(provider_id="p-1", name="acme")
    second = CloudProject.objects.create(provider_id="p-2", name="globex")
    CloudProjectAssignment.objects.create(urn="do:droplet:7", project=first, seen_at=at(0))
    upsert([droplet_row(7)], at(0))

    CloudProjectAssignment.objects.filter(urn="do:droplet:7").update(project=second)
    upsert([droplet_row(7)], at(1))

    update = CloudResource.objects.get(provider_id="7").events.get(event=EventType.UPDATED)
    assert update.changes == {"project": [first.pk, second.pk]}


def test_resource_listed_twice_in_one_batch_is_written_once(at):
    outcome = upsert([droplet_row(7), droplet_row(7)], at(0))

    assert outcome.seen == 1 and outcome.discovered == 1
    assert CloudResource.objects.filter(provider_id="7").count() == 1


def _non_savepoint(queries) -> list[str]:
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_page_cost_does_not_grow_with_its_size(at):
    """A page of 200 costs what a page of 10 does (STYLE.md, set-based work)."""
    costs = {}
    for size, offset in ((10, 0), (200, 1000)):
        rows = [droplet_row(offset + i) for i in range(size)]
        with CaptureQueriesContext(connection) as first:
            upsert(rows, at(0))
        changed = [droplet_row(offset + i, status="off") for i in range(size)]
        with CaptureQueriesContext(connection) as update:
            upsert(changed, at(1))
        with CaptureQueriesContext(connection) as unchanged:
            upsert(changed, at(2))
        costs[size] = tuple(
            len(_non_savepoint(c.captured_queries)) for c in (first, update, unchanged)
        )

    assert costs[10] == costs[200]
    assert costs[200] == (1, 1, 1)  # one statement a page, whatever the page holds


def test_chokepoint_columns_are_every_field_a_resource_row_carries():
    """One list (STYLE.md, "Named columns, one list"): a field added to `ResourceRow` and
    not to `COLUMNS` would silently never be compared or written."""
    assert set(COLUMNS) == {f.name for f in fields(ResourceRow)} - {"kind", "provider_id"}


_CHANGED = {
    "name": "renamed",
    "region": "ams3",
    "size_slug": "s-2vcpu-4gb",
    "status": "off",
    "tags": ["db", "web"],
    "attrs": {"memory": 2048, "vcpus": 1, "image": {"slug": "ubuntu-24-04-x64"}},
}


@pytest.mark.parametrize("column", COLUMNS)
def test_a_change_to_any_chokepoint_column_is_compared_and_written(at, column):
    upsert([droplet_row(7)], at(0))
    outcome = upsert([droplet_row(7, **{column: _CHANGED[column]})], at(1))

    resource = CloudResource.objects.get(provider_id="7")
    assert (outcome.updated, outcome.unchanged, outcome.discovered) == (1, 0, 0)
    assert getattr(resource, column) == _CHANGED[column]
    change = resource.events.order_by("id").last()
    assert change is not None
    assert change.event == (EventType.TAGGED if column == "tags" else EventType.UPDATED)
    if column == "attrs":
        assert change.changes == {"memory": [1024, 2048]}
    else:
        assert change.changes == {column: [getattr(droplet_row(7), column), _CHANGED[column]]}


@pytest.fixture
def commands_sent(monkeypatch) -> list[bytes]:
    """The transaction commands (BEGIN, COMMIT, ROLLBACK) psycopg sends on its own; a
    statement's round trips are the cursor's, counted by CaptureQueriesContext."""
    from psycopg import _connection_base

    sent: list[bytes] = []
    original = _connection_base.BaseConnection._exec_command

    def spy(self, command, *args, **kwargs):
        sent.append(bytes(command) if isinstance(command, bytes) else str(command).encode())
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command", spy)
    return sent


def _other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.django_db(transaction=True)
def test_a_page_is_one_round_trip_with_no_begin_or_commit(at, commands_sent):
    """Issue 13: a page's BEGIN and COMMIT were two of its three round trips, each a wait
    for the GIL behind the prefetch thread. Outside an atomic block a page is one query
    string (the writer lock, then the statement): one implicit transaction."""
    upsert([droplet_row(i) for i in range(1, 7)], at(0))
    page = [
        droplet_row(1),  # unchanged
        droplet_row(2, name="renamed"),  # updated
        droplet_row(3, tags=["db", "web"]),  # tagged
        droplet_row(7),  # new
    ]
    CloudResource.objects.filter(provider_id="4").update(deleted_at=at(0))
    page.append(droplet_row(4))  # restored
    commands_sent.clear()

    with CaptureQueriesContext(connection) as captured:
        outcome = upsert(page, at(1))

    assert len(captured.captured_queries) == 1
    assert commands_sent == []
    assert (outcome.unchanged, outcome.updated, outcome.restored, outcome.discovered) == (
        1,
        2,
        1,
        1,
    )
    with _other_connection() as other:  # committed, and the writer lock released
        assert other.execute(
            "SELECT count(*) FROM cloud_resource_events WHERE occurred_at = %s", [at(1)]
        ).fetchone() == (4,)
        assert other.execute(
            "SELECT pg_try_advisory_lock(%s)", [lock_key(writer_lock_name(Kind.DROPLET))]
        ).fetchone() == (True,)


@pytest.mark.django_db(transaction=True)
def test_a_page_that_fails_writes_nothing_and_releases_the_lock(at):
    """The implicit transaction is all or nothing: a page whose insert breaks a constraint
    leaves no bumped, changed or new row, no event, and no lock behind."""
    upsert([droplet_row(1), droplet_row(2)], at(0))
    page = [droplet_row(1), droplet_row(2, name="renamed"), droplet_row(3, region="x" * 65)]

    with pytest.raises(DatabaseError):
        upsert(page, at(1))

    assert not CloudResource.objects.filter(provider_id="3").exists()
    assert set(CloudResource.objects.values_list("name", flat=True)) == {"web-1", "web-2"}
    assert not CloudResource.objects.filter(last_seen_at=at(1)).exists()
    assert events(CloudResource.objects.get(provider_id="2")) == [EventType.DISCOVERED]
    with _other_connection() as other:
        assert other.execute(
            "SELECT pg_try_advisory_lock(%s)", [lock_key(writer_lock_name(Kind.DROPLET))]
        ).fetchone() == (True,)
