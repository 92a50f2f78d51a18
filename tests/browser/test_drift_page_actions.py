"""A drift's own page, driven for real (Playwright with Debian's chromium, headless):
accept and revert from the page's buttons through their confirmation pages, with a
comment that is kept, and the inbox's last columns on a 1440 px screen. Skips, saying why,
when chromium is missing (see test_drift_inbox.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from do_simulator.testing import SimulatorHandle, running_simulator
from drift.models import Drift, DriftStatus, Provisioned
from drift.services.detection import detect_drift
from drift.services.provisioned import record_provisioned
from provisioning import dispatch
from provisioning.models import SagaRun
from provisioning.tests.conftest import drive, mirror
from tests.browser.conftest import WIDE, chromium_page
from tests.factories import (
    TEST_PASSWORD,
    CloudProjectFactory,
    CloudResourceFactory,
    PlatformAdminFactory,
    TenantFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with chromium_page(monkeypatch, viewport=WIDE) as opened:
        yield opened


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    """Three droplets whose actions finish in 50 ms (as provisioning's tests use)."""
    with running_simulator(droplets=3, seed=11, action_seconds=0.05) as sim:
        yield sim


@pytest.fixture
def sim(simulator_settings: SimulatorHandle, settings: Any, monkeypatch) -> SimulatorHandle:
    settings.PROVISIONING_BACKOFF_BASE_SECONDS = 0.01
    settings.PROVISIONING_POLL_SECONDS = 0.05
    # The test drives the saga itself; Celery nudges are not sent.
    monkeypatch.setattr(dispatch, "enqueue_advance", lambda run_id, countdown=None: None)
    return simulator_settings


def log_in(page: Any, base_url: str, next_path: str) -> None:
    PlatformAdminFactory(username="operator")
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", "operator")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_operator_accepts_from_the_drifts_page_and_the_comment_is_kept(live_server, page):
    from playwright.sync_api import expect

    resource = CloudResourceFactory(name="web-resized", size_slug="s-2vcpu-4gb")
    record_provisioned(resource, {"size_slug": "s-1vcpu-1gb"}, actor="test")
    detect_drift()
    drift = Drift.objects.get(resource=resource)
    drift_page = f"/admin/drift/drift/{drift.pk}/change/"

    log_in(page, live_server.url, drift_page)
    expect(page.locator("input[name=_save]")).to_have_count(0)
    page.locator("#page-action-accept").click()

    expect(page.locator(".page-action-summary")).to_contain_text("Spec version 1 → 2")
    expect(page.locator(".page-action-summary .diff-new")).to_contain_text("s-2vcpu-4gb")
    page.fill("textarea[name=comment]", "the bigger size is wanted")
    page.locator("#page-action-confirm").click()

    page.wait_for_url(f"**{drift_page}")
    expect(page.locator("ul.messagelist")).to_contain_text(f"Accepted drift #{drift.pk}")
    expect(page.locator(".field-comment")).to_contain_text("the bigger size is wanted")
    drift.refresh_from_db()
    assert drift.status == DriftStatus.ACCEPTED
    assert drift.comment == "the bigger size is wanted"
    assert Provisioned.objects.get(resource=resource).spec_version == 2


def test_operator_reverts_from_the_drifts_page_and_the_comment_is_kept(live_server, page, sim):
    from playwright.sync_api import expect

    droplet_id = sim.state.droplet_ids()[0]
    sim.state.oob_power(droplet_id, on=True)
    droplet = mirror(sim, droplet_id)
    record_provisioned(droplet, {"name": droplet.name}, actor="test")
    sim.state.oob_rename(droplet_id, "renamed-by-hand")
    mirror(sim, droplet_id)
    detect_drift()
    drift = Drift.objects.get(resource=droplet, field="name", status=DriftStatus.OPEN)
    drift_page = f"/admin/drift/drift/{drift.pk}/change/"

    log_in(page, live_server.url, drift_page)
    page.locator("#page-action-revert").click()

    summary = page.locator(".page-action-summary")
    expect(summary).to_contain_text("rename_droplet")
    expect(summary).to_contain_text("Every step can be undone")
    page.fill("textarea[name=comment]", "names are managed in the spec")
    page.locator("#page-action-confirm").click()

    page.wait_for_url(f"**{drift_page}")
    expect(page.locator("ul.messagelist")).to_contain_text("saga #")
    run = drive(SagaRun.objects.get(drift=drift))
    assert run.status == "succeeded"

    page.reload()
    expect(page.locator(".field-status")).to_contain_text("Reverted")
    expect(page.locator(".field-comment")).to_contain_text("names are managed in the spec")
    drift.refresh_from_db()
    assert drift.status == DriftStatus.REVERTED
    assert drift.comment == "names are managed in the spec"
    assert sim.state.droplet(droplet_id)["name"] == droplet.name


def test_the_inbox_shows_status_and_detected_at_1440_px(live_server, page):
    from playwright.sync_api import expect

    # Long names, URNs, tenants and values: what pushed the last columns off screen.
    tenant = TenantFactory(name="Northwind Logistics International Holdings")
    project = CloudProjectFactory(tenant=tenant)
    for n in range(3):
        resource = CloudResourceFactory(
            project=project,
            name=f"production-api-gateway-frontend-worker-{n}-nyc3-blue-green",
            size_slug="s-8vcpu-16gb-intel",
        )
        record_provisioned(
            resource,
            {"size_slug": "s-1vcpu-1gb", "tags": ["production", "api", "gateway", "blue"]},
            actor="test",
        )
    detect_drift()

    log_in(page, live_server.url, "/admin/drift/drift/")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)

    # The table scrolls inside its own box: a column past that box's edge is cut off
    # even while it is inside the window.
    results = page.locator("#changelist .results").bounding_box()
    assert results is not None
    right_edge = min(WIDE["width"], results["x"] + results["width"])
    for column in ("status", "detected"):
        header = page.locator(f"#result_list th.column-{column}")
        cell = page.locator(f"#result_list td.field-{column}").first
        for element in (header, cell):
            expect(element).to_be_visible()
            box = element.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= right_edge, (column, box)
