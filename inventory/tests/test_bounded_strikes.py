"""What a gone resource costs: nothing per resource (issue 13, "Strike checks that cost
nothing per gone resource"). A listing that could not have shifted proves the unseen
gone with no request; one that could have is read once more, never one GET per id."""

from __future__ import annotations

import logging
import math
import re

import pytest

from inventory.models import CloudResource, Kind, SyncRun
from inventory.services.strikes import ListingRead
from inventory.services.sync import PER_PAGE, run_full_sync

pytestmark = pytest.mark.django_db

DROPLET_BY_ID = re.compile(r"/v2/droplets/\d+\s")


class _Counted:
    """Counts every request the client sends, by path, one list per sync run."""

    def __init__(self, client):
        self.runs: list[list[str]] = []
        send = client._send

        def counted(method, url, *, params=None, **kwargs):
            self.runs[-1].append(f"{method} {url} {params or ''}")
            return send(method, url, params=params, **kwargs)

        client._send = counted

    def plain_listing(self, run: int) -> int:
        """Requests for pages of the plain droplet listing (not `type=gpus`) in a run."""
        return sum(
            1
            for r in self.runs[run]
            if re.match(r"GET \S*/v2/droplets(\?|\s)", r) and "gpus" not in r
        )

    def sync(self, client) -> SyncRun:
        self.runs.append([])
        return run_full_sync(Kind.DROPLET, client=client, trigger="test")


class _DestroyAfterFirstPage:
    """Destroys droplets right after the first page of the plain droplet listing, on
    the first `reads` reads of it: DO's offsets shift under the reader."""

    def __init__(self, client, sim, destroy: list[list[int]]):
        self._client, self._sim, self._destroy = client, sim, list(destroy)

    def __getattr__(self, name):
        return getattr(self._client, name)

    def iter_pages(self, path, key, **kwargs):
        for number, page in enumerate(self._client.iter_pages(path, key, **kwargs)):
            yield page
            if key == "droplets" and not kwargs.get("params") and number == 0 and self._destroy:
                for droplet_id in self._destroy.pop(0):
                    self._sim.state.oob_delete(droplet_id)


def plain_ids(sim) -> list[int]:
    """Droplets DO lists without `type=gpus`, in listing order."""
    return [i for i in sim.state.droplet_ids() if not sim.state.droplet(i).get("gpu_info")]


def strikes_of(ids) -> set[int]:
    return set(
        CloudResource.objects.filter(provider_id__in=[str(i) for i in ids]).values_list(
            "stale_strike_count", flat=True
        )
    )


@pytest.fixture
def thousand(simulator, do):
    """1,000 droplets, mirrored once."""
    simulator.state.oob_add_droplets(1000 - len(simulator.state.droplet_ids()))
    assert run_full_sync(Kind.DROPLET, client=do).status == SyncRun.Status.COMPLETED
    return simulator


def test_mass_destroy_between_syncs_costs_no_request_and_tombstones_in_three_runs(thousand, do):
    gone = thousand.state.droplet_ids()[::2]
    for droplet_id in gone:
        thousand.state.oob_delete(droplet_id)
    counted = _Counted(do)

    runs = [counted.sync(do) for _ in range(4)]

    # The fourth run has nothing unseen: it is what listing the account costs.
    assert [len(requests) for requests in counted.runs[:3]] == [len(counted.runs[3])] * 3
    assert not any(DROPLET_BY_ID.search(r) for requests in counted.runs for r in requests)
    assert [(run.struck, run.deleted) for run in runs] == [(500, 0), (500, 0), (0, 500), (0, 0)]
    assert CloudResource.objects.filter(deleted_at__isnull=False).count() == 500
    assert strikes_of(gone) == {3}
    assert strikes_of(thousand.state.droplet_ids()) == {0}


def test_mass_destroy_during_the_listing_costs_one_more_listing_and_strikes_no_live_one(
    thousand, do
):
    plain = plain_ids(thousand)
    # Half of the first page, already read when it goes, and half of the rest.
    destroyed = plain[:PER_PAGE:2] + plain[PER_PAGE::2]
    counted = _Counted(do)

    shifted = counted.sync(_DestroyAfterFirstPage(do, thousand, [destroyed]))
    after = counted.sync(do)

    live = thousand.state.droplet_ids()
    assert shifted.status == SyncRun.Status.COMPLETED
    assert strikes_of(live) == {0}  # each live one slid back is found by the second listing
    unread = plain[PER_PAGE::2]
    assert shifted.struck == len(unread)  # gone before their page was read
    assert strikes_of(unread) == {2}
    # A second read of the plain listing, its pages only, never a GET per droplet.
    second_listing = math.ceil(len(plain_ids(thousand)) / PER_PAGE)
    assert counted.plain_listing(0) - counted.plain_listing(1) == second_listing == 3
    assert not any(DROPLET_BY_ID.search(r) for requests in counted.runs for r in requests)
    # The ones destroyed after being read are struck by the next run, with no request.
    assert after.struck == len(destroyed)


def test_second_listing_that_shifts_too_strikes_nobody_this_run(thousand, do, caplog):
    plain = plain_ids(thousand)
    really_gone = plain[-1]
    thousand.state.oob_delete(really_gone)
    counted = _Counted(do)

    with caplog.at_level(logging.WARNING, logger="inventory.services.sync"):
        run = counted.sync(_DestroyAfterFirstPage(do, thousand, [[plain[0]], [plain[1]]]))

    assert run.status == SyncRun.Status.COMPLETED
    assert run.struck == 0
    assert strikes_of(thousand.state.droplet_ids()) == {0}
    assert strikes_of([really_gone]) == {0}  # uncertain, left for the next run
    assert "shifted too" in caplog.text
    assert not any(DROPLET_BY_ID.search(r) for r in counted.runs[0])

    after = counted.sync(do)
    assert after.struck == 3  # the really gone one and the two destroyed mid-read
    assert counted.plain_listing(0) - counted.plain_listing(1) == math.ceil(
        len(plain_ids(thousand)) / PER_PAGE
    )


def test_one_answer_never_shifted():
    """An unpaged list (databases, NFS shares), the registry, or a single page: one
    snapshot, whatever its total says."""
    read = ListingRead()
    read.add_page(["1", "2"], 5, arrivals=1)
    assert not read.could_have_shifted


@pytest.mark.parametrize(
    "pages, shifted",
    [
        ([(["1", "2"], 4, 0), (["3", "4"], 4, 0)], False),
        ([(["1", "2"], 4, 0), (["3"], 3, 0)], True),  # the total changed between pages
        ([(["1", "2"], 3, 0), (["3"], 3, 0), ([], 3, 0)], False),
        ([(["1", "2"], 5, 0), (["3", "4"], 5, 0)], True),  # read fewer than the total
        ([(["1", "2"], 4, 0), (["2", "3"], 4, 0)], True),  # a page repeats an id
        ([(["1", "2"], 4, 0), (["3", "4"], 4, 1)], True),  # an arrival may hide a departure
        ([(["1", "2"], None, 0), (["3"], None, 0)], True),  # no total to check against
    ],
)
def test_a_read_could_have_shifted_when(pages, shifted):
    read = ListingRead()
    for ids, total, arrivals in pages:
        read.add_page(ids, total, arrivals=arrivals)
    assert read.could_have_shifted is shifted
