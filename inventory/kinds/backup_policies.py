"""A droplet's backup policy: read in full now and then, carried forward in between.

DO's droplet object carries no policy; `GET /v2/droplets/backups/policies` lists every
droplet's, 200 a page (droplets/droplets_list_backup_policies.yml). Read on every sync,
that listing costs as many requests as the droplets themselves: 500 more per sync of
100,000 droplets, doubling the sync's share of the token (issue 13). A policy changes
rarely, and whether backups are on shows in the droplet's own `features` ("backups";
droplets/models/droplet.yml). So:

- the full listing is read when it is due: no completed droplet run read it within
  `INVENTORY_BACKUP_POLICIES_REFRESH_SECONDS` (6 hours by default; the run row's
  `supplement_read` says which did), as the run's first step;
- in between, each page takes its droplets' stored policies (one indexed query a page);
  a droplet without "backups" in `features` has DO's disabled record; one with backups on
  whose stored policy is unknown or off (backups just turned on, or a new droplet) is
  fetched alone (`GET /v2/droplets/{id}/backups/policy`), at most `FETCH_ALONE_LIMIT`
  a run: past that the listing is read in full after all. Requests stay bounded by
  what changed, never one per droplet.

A plan changed (daily to weekly) with backups left on shows at the next full read: up
to the refresh interval late. Billing prices backups by plan, so the interval is a
setting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from do_client import DOBadResponse, DONotFound
from inventory.kinds.base import PageSupplement
from inventory.models import PROVIDER_DO, Kind, SyncRun

BACKUP_POLICIES_PATH = "/v2/droplets/backups/policies"
BACKUP_POLICY_PATH = "/v2/droplets/{id}/backups/policy"
# The key under which a droplet's raw object carries its policy record to the normalizer.
BACKUP_POLICY_KEY = "_arcadia_backup_policy"
# Droplets fetched alone in one run before the full listing is cheaper and surer (a
# restored database whose stored policies are older than its run rows, say).
FETCH_ALONE_LIMIT = 50

# Each id finds its row by one probe of the natural key, whatever the statistics say: a
# plain `provider_id = ANY(...)` on a never-analyzed table read the whole kind through
# the key's (provider, kind) prefix and filtered it, every page (the page statement's
# trap, inventory/services/chokepoint.py; inventory/tests/test_page_plan.py).
_STORED_SQL = """
SELECT page.provider_id, r.policy
  FROM unnest(%s::text[]) AS page(provider_id)
  JOIN LATERAL (
      SELECT attrs->'backup_policy' AS policy FROM cloud_resources
       WHERE provider = %s AND kind = %s AND provider_id = page.provider_id
       OFFSET 0) r ON true
"""


def refresh_interval() -> timedelta:
    return timedelta(seconds=settings.INVENTORY_BACKUP_POLICIES_REFRESH_SECONDS)


def full_read_due() -> bool:
    recent = SyncRun.objects.filter(
        kind=Kind.DROPLET,
        status=SyncRun.Status.COMPLETED,
        supplement_read=True,
        started_at__gte=timezone.now() - refresh_interval(),
    )
    return not recent.exists()


def disabled_record(droplet_id: Any) -> dict[str, Any]:
    """What DO lists for a droplet without backups (droplet_backup_policy_record.yml)."""
    return {"droplet_id": droplet_id, "backup_enabled": False}


def record_of(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored (normalized) policy as the record it was normalized from."""
    settings_ = {k: v for k, v in stored.items() if k != "enabled"}
    return {"backup_enabled": True, "backup_policy": settings_}


class BackupPolicies(PageSupplement):
    """Adds each droplet's policy record under `BACKUP_POLICY_KEY`, page by page."""

    def __init__(self, client: Any) -> None:
        self.client = client
        # None: carry forward. A dict: the full listing, read by this run.
        self.listed: dict[str, dict[str, Any]] | None = None
        self.fetched = 0  # droplets fetched alone (carry-forward mode)
        if full_read_due():
            self._read_in_full()

    @property
    def read_in_full(self) -> bool:
        return self.listed is not None

    def __call__(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.listed is None:
            stored = _stored_policies(str(raw.get("id")) for raw in items)
            unknown = [raw for raw in items if not _carries(raw, stored)]
            if self.fetched + len(unknown) > FETCH_ALONE_LIMIT:
                self._read_in_full()
        if self.listed is not None:
            listed = self.listed
            return [{**raw, BACKUP_POLICY_KEY: listed.get(str(raw.get("id")))} for raw in items]
        return [{**raw, BACKUP_POLICY_KEY: self._carried(raw, stored)} for raw in items]

    def _read_in_full(self) -> None:
        self.listed = _read_listing(self.client)

    def _carried(self, raw: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any] | None:
        droplet_id = raw.get("id")
        if not _backups_on(raw):
            return disabled_record(droplet_id)
        if _carries(raw, stored):
            return record_of(stored[str(droplet_id)])
        self.fetched += 1
        try:
            body = self.client.request("GET", BACKUP_POLICY_PATH.format(id=droplet_id))
        except DONotFound:
            return None  # destroyed since the page was read: its strike decides
        record = body.get("policy") if isinstance(body, dict) else None
        if not isinstance(record, dict):
            raise DOBadResponse(f"GET {BACKUP_POLICY_PATH}: response has no 'policy'")
        return record


def _backups_on(raw: dict[str, Any]) -> bool:
    return "backups" in (raw.get("features") or ())


def _carries(raw: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether the stored policy stands for this droplet: backups off (DO's disabled
    record needs nothing stored) or on with a stored policy that is on too."""
    if not _backups_on(raw):
        return True
    policy = stored.get(str(raw.get("id")))
    return isinstance(policy, dict) and bool(policy.get("enabled"))


def _read_listing(client: Any) -> dict[str, dict[str, Any]]:
    """Every droplet's policy record by droplet id, from the paged listing. `policies`
    is a map keyed by droplet id, not a list (all_droplet_backup_policies.yml), so the
    pages are read here. An account (or simulator) that does not serve the listing
    (404) gets no policies (None everywhere); any other failure fails the droplet sync,
    so a blip never rewrites every droplet's policy to None."""
    policies: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        try:
            body = client.request(
                "GET", BACKUP_POLICIES_PATH, params={"page": page, "per_page": 200}
            )
        except DONotFound:
            return {}
        if not isinstance(body, dict) or not isinstance(body.get("policies"), dict):
            raise DOBadResponse(f"GET {BACKUP_POLICIES_PATH}: response has no 'policies' map")
        policies.update({str(k): v for k, v in body["policies"].items()})
        if not ((body.get("links") or {}).get("pages") or {}).get("next") or page >= 10_000:
            return policies
        page += 1


def stored_policies_statement(provider_ids: Iterable[str]) -> tuple[str, list[Any]]:
    """The per-page read of stored policies; apart so a test can EXPLAIN it."""
    return _STORED_SQL, [list(provider_ids), PROVIDER_DO, Kind.DROPLET]


def _stored_policies(provider_ids: Iterable[str]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(*stored_policies_statement(provider_ids))
        # Django's backend hands jsonb over as text (its JSONField decodes it).
        return {pid: json.loads(text) for pid, text in cursor.fetchall() if text is not None}
