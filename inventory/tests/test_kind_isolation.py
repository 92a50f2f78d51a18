"""GPU Droplets come from their own listing, and one kind's failed listing touches no
other kind (DESIGN.md, "Kinds")."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import make_client
from do_simulator.testing import running_simulator
from inventory import kinds as kinds_module
from inventory.kinds import KINDS
from inventory.models import CloudResource, CloudResourceEvent, EventType, Kind, SyncRun
from inventory.services.sync import run_all, run_full_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def gpu_simulator():
    """50 droplets and 3 GPU Droplets (DO lists those only under `type=gpus`)."""
    with running_simulator(droplets=50, gpu_droplets=3, seed=7) as sim:
        yield sim


@pytest.fixture
def gpu_do(gpu_simulator):
    client = make_client(gpu_simulator)
    yield client
    client.close()


def gpu_ids(sim) -> set[str]:
    return {str(i) for i in sim.state.droplet_ids() if sim.state.droplet(i).get("gpu_info")}


def test_gpu_droplets_are_droplets_with_their_gpu_and_disks(gpu_simulator, gpu_do):
    run = run_full_sync(Kind.DROPLET, client=gpu_do, trigger="test")

    assert run.status == SyncRun.Status.COMPLETED
    gpus = CloudResource.objects.filter(kind=Kind.DROPLET, provider_id__in=gpu_ids(gpu_simulator))
    assert gpus.count() == len(gpu_ids(gpu_simulator)) == 3
    for row in gpus:
        assert set(row.attrs["gpu_info"]) == {"model", "count", "vram_gb"}
        assert row.attrs["gpu_info"]["count"] >= 1
        assert row.attrs["disk_info"]
    plain = CloudResource.objects.filter(kind=Kind.DROPLET, attrs__gpu_info=None)
    assert plain.count() == 50


def test_gpu_droplets_are_found_only_through_type_gpus(gpu_simulator, gpu_do, monkeypatch):
    spec = KINDS[Kind.DROPLET]
    without_gpus = dataclasses.replace(spec, listings=spec.listings[:1])
    monkeypatch.setitem(kinds_module.KINDS, Kind.DROPLET, without_gpus)

    run_full_sync(Kind.DROPLET, client=gpu_do, trigger="test")

    mirrored = set(CloudResource.objects.values_list("provider_id", flat=True))
    assert len(mirrored) == 50 and not mirrored & gpu_ids(gpu_simulator)


def test_droplets_carry_their_backup_policy_from_one_listing(simulator, do):
    calls = []
    original = do.request

    def counting(method, path, **kwargs):
        calls.append(path)
        return original(method, path, **kwargs)

    do.request = counting
    run_full_sync(Kind.DROPLET, client=do, trigger="test")

    assert calls.count("/v2/droplets/backups/policies") == 1  # 50 droplets: one page
    policies = [r.attrs["backup_policy"] for r in CloudResource.objects.all()]
    assert any(p and p["enabled"] for p in policies)
    with_backups = [p for p in policies if p and p["enabled"]]
    assert all(p["plan"] in ("daily", "weekly") for p in with_backups)


class _FailingListing:
    """A real client whose listing of one path answers with the simulator's fault
    (5xx past every retry, or a garbage body); everything else is untouched."""

    def __init__(self, client, sim, path: str, **faults):
        self._client, self._sim, self._path, self._faults = client, sim, path, faults

    def __getattr__(self, name):
        return getattr(self._client, name)

    def iter_pages(self, path, key, **kwargs):
        if path != self._path:
            yield from self._client.iter_pages(path, key, **kwargs)
            return
        self._sim.state.set_faults(**self._faults)
        try:
            yield from self._client.iter_pages(path, key, **kwargs)
        finally:
            self._sim.state.reset_faults()


@pytest.mark.parametrize("faults", [{"every_nth_500": 1}, {"garbage_every_nth": 1}])
def test_a_failed_listing_of_one_kind_strikes_none_of_it_and_stops_no_other(faults, simulator, do):
    run_all(client=do, trigger="test")
    gone = sorted(simulator.state.resource_ids("volume"))[0]
    simulator.state.oob_resource_delete("volume", gone)
    gone_db = sorted(simulator.state.resource_ids("database"))[0]
    simulator.state.oob_resource_delete("database", gone_db)

    failing = _FailingListing(do, simulator, "/v2/volumes", **faults)
    runs = {run.kind: run for run in run_all(client=failing)}

    assert runs[Kind.VOLUME].status == SyncRun.Status.FAILED and runs[Kind.VOLUME].error
    assert not CloudResource.objects.filter(kind=Kind.VOLUME, stale_strike_count__gt=0).exists()
    assert not CloudResourceEvent.objects.filter(
        resource__kind=Kind.VOLUME, event__in=[EventType.STRUCK, EventType.DELETED]
    ).exists()
    others = [run for kind, run in runs.items() if kind != Kind.VOLUME]
    assert {run.status for run in others} == {SyncRun.Status.COMPLETED}
    # The other kinds kept their three strikes: the deleted database got its first.
    struck = CloudResource.objects.get(kind=Kind.DATABASE, provider_id=gone_db)
    assert struck.stale_strike_count == 1
