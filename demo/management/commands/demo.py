"""`manage.py demo`: what the README's main command does after migrating.

Idempotent, so `bin/up` can run it on every start:
- makes sure the operator login exists (and resets its password to the one given);
- runs a full sync of every kind;
- with `--simulator`: gives each simulated customer project a tenant and a tenant user,
  leaving one project unassigned so unallocated usage has something to show;
- with `--simulator`: records a desired state (spec) for a few droplets, changes some of
  them out of band in the simulator (resize, retag, rename), syncs again and detects
  drift, so the console opens with real drift to resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from do_simulator.control_client import SimulatorControl, SimulatorError
from drift.equality import loosely_equal
from drift.models import Provisioned
from drift.services.detection import run_detection
from drift.services.provisioned import record_provisioned
from drift.services.reverting import live_value
from inventory.models import CloudProject, CloudResource, Kind, SyncRun
from inventory.services.projects import PLATFORM_PROJECT_NAME
from inventory.services.sync import run_all, run_full_sync
from inventory.services.tenancy import assign_project_tenant
from tenants.models import User
from tenants.services import (
    ensure_platform_admin,
    ensure_tenant,
    ensure_tenant_user,
    issue_api_token,
)

DEMO_PASSWORD_SUFFIX = "-demo"
# Droplets that get a recorded desired state; the first three also drift out of band.
DEMO_PROVISIONED_DROPLETS = 6
DEMO_ACTOR = "demo"
OOB_SIZE = "s-4vcpu-8gb"
OOB_TAG = "hotfix"
OOB_NAME_SUFFIX = "-oob"

_DEMO_RULE = {"protocol": "tcp", "ports": "3306", "sources": {"addresses": ["0.0.0.0/0"]}}


def _first_pool(resource: CloudResource) -> str:
    return next(iter(resource.attrs.get("node_pools") or {"pool": None}))


# What the demo changes out of band, per kind: (the spec's field, the value the change
# makes live, the simulator change that makes it).
OobChange = tuple[str, Any, dict[str, Any]]


def _volume_grown(r: CloudResource) -> OobChange:
    return "size_gigabytes", 500, {"size_gigabytes": 500}


def _database_node_added(r: CloudResource) -> OobChange:
    return "num_nodes", 3, {"num_nodes": 3}


def _pool_scaled(r: CloudResource) -> OobChange:
    pool = _first_pool(r)
    count = int(((r.attrs.get("node_pools") or {}).get(pool) or {}).get("count") or 1) + 2
    return f"node_pools.{pool}.count", count, {f"node_pools.{pool}.count": count}


def _firewall_opened(r: CloudResource) -> OobChange:
    rules = [*(r.attrs.get("inbound_rules") or []), _DEMO_RULE]
    return "inbound_rules", rules, {"inbound_rules": rules}


def _reserved_ip_unassigned(r: CloudResource) -> OobChange:
    return "droplet_id", None, {"droplet": None}


OTHER_KIND_DRIFT: dict[str, Callable[[CloudResource], OobChange]] = {
    Kind.VOLUME: _volume_grown,
    Kind.DATABASE: _database_node_added,
    Kind.KUBERNETES_CLUSTER: _pool_scaled,
    Kind.FIREWALL: _firewall_opened,
    Kind.RESERVED_IP: _reserved_ip_unassigned,
}


def customers_since() -> datetime:
    """When the demo's customers took their projects: the first of the month before last,
    so the month the demo bills is theirs whole (an assignment from now would leave it
    unallocated, as it should for a real customer mapped today)."""
    first = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=1)


class Command(BaseCommand):
    help = "Prepare the demo: operator login, first sync, demo tenants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin", default="admin")
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--simulator", action="store_true", help="Seed demo tenants for simulated projects."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        admin = self._ensure_admin(opts["admin"], opts["password"])
        self.stdout.write(f"operator {admin.username}: API token {issue_api_token(admin)}")

        for run in run_all(trigger="demo"):
            self.stdout.write(
                f"{run.kind} sync #{run.pk} {run.status}: seen={run.seen} "
                f"discovered={run.discovered} updated={run.updated} deleted={run.deleted}"
            )
            if run.status != SyncRun.Status.COMPLETED:
                raise CommandError(f"{run.kind} sync failed: {run.error}")

        if opts["simulator"]:
            for line in self._seed_tenants():
                self.stdout.write(line)
            for line in self._seed_drift():
                self.stdout.write(line)
            self._bill_last_month()

    def _bill_last_month(self) -> None:
        """Last month's draft invoices and the reconciliation against the simulator's own
        bill, so the console's billing pages have something to show. A failure here is
        reported, not fatal: the demo still serves."""
        today = timezone.now().date()
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        # DO's published prices of what its API does not price (idempotent, as bin/up does).
        call_command("seed_prices", stdout=self.stdout)
        for command in ("generate_invoices", "reconcile_billing"):
            try:
                call_command(command, "--month", last_month, stdout=self.stdout)
            except CommandError as exc:
                self.stderr.write(f"{command} --month {last_month}: {exc}")

    def _ensure_admin(self, username: str, password: str) -> User:
        return ensure_platform_admin(username, password)

    def _seed_tenants(self) -> list[str]:
        lines = []
        projects = CloudProject.objects.exclude(name=PLATFORM_PROJECT_NAME).filter(is_default=False)
        customer_projects = list(projects.order_by("name"))
        # The last project stays unassigned: its usage is "unallocated" until an operator acts.
        for project in customer_projects[:-1]:
            tenant = ensure_tenant(project.name.split("-")[0].capitalize())
            if project.tenant_id is None:
                assign_project_tenant(
                    project,
                    tenant,
                    actor=DEMO_ACTOR,
                    effective_from=customers_since(),
                    reason="demo: the customer's own project since before the billed month",
                    correction=False,  # a first mapping: nothing was billed to anyone yet
                )
            username = f"{tenant.slug}-ops"
            user = ensure_tenant_user(
                username, password=username + DEMO_PASSWORD_SUFFIX, tenant=tenant
            )
            lines.append(
                f"tenant {tenant.name}: project {project.name}; user {user.username} / "
                f"{username}{DEMO_PASSWORD_SUFFIX}; API token {issue_api_token(user)}"
            )
        if customer_projects:
            lines.append(f"unassigned project (unallocated usage): {customer_projects[-1].name}")
        return lines

    # -- drift -------------------------------------------------------------------------

    def _seed_drift(self) -> list[str]:
        """Desired state for a few droplets, out-of-band changes to three of them in the
        simulator, then a sync and a detection. Idempotent: a spec is recorded once, and
        a change is made only while the spec still says otherwise (an accepted drift
        stays accepted across restarts)."""
        droplets = list(
            CloudResource.objects.filter(
                kind=Kind.DROPLET, deleted_at__isnull=True, project__tenant__isnull=False
            ).order_by("id")[:DEMO_PROVISIONED_DROPLETS]
        )
        if not droplets:
            return ["drift demo: no tenant droplets to provision"]
        recorded = 0
        for droplet in droplets:
            if not Provisioned.objects.filter(resource=droplet).exists():
                record_provisioned(droplet, self._spec_of(droplet), actor=DEMO_ACTOR)
                recorded += 1
        lines = [f"drift demo: desired state recorded for {recorded} of {len(droplets)} droplets"]

        changes = [self._resize, self._retag, self._rename]
        for droplet, change in zip(droplets, changes, strict=False):
            spec = Provisioned.objects.get(resource=droplet).spec
            done = change(droplet, spec)
            if done:
                lines.append(f"out-of-band change in the simulator: {droplet.urn} {done}")

        lines += self._seed_other_kinds_drift()
        for kind in (Kind.DROPLET, *OTHER_KIND_DRIFT):
            run = run_full_sync(kind, trigger=DEMO_ACTOR)
            if run.status != SyncRun.Status.COMPLETED:
                raise CommandError(f"{kind} sync after the out-of-band changes failed: {run.error}")
        lines.append(f"drift detection {run_detection(actor=DEMO_ACTOR).message}")
        return lines

    def _seed_other_kinds_drift(self) -> list[str]:
        """One resource of each of five more kinds gets a spec of what it is now, then a
        change in the simulator's console: a volume grown (its revert would be a shrink,
        which DO refuses: accept it), a database given a node, a Kubernetes pool scaled, a
        firewall opened, a reserved IP unassigned. Once per kind: a kind with a spec from
        an earlier start is left alone (its drift is the operator's to resolve)."""
        lines = []
        for kind, oob_change in OTHER_KIND_DRIFT.items():
            resources = CloudResource.objects.filter(kind=kind, deleted_at__isnull=True)
            if Provisioned.objects.filter(resource__in=resources).exists():
                continue  # seeded on an earlier start: its drift is the operator's now
            for resource in resources.order_by("id"):
                field, wanted, changes = oob_change(resource)
                live = live_value(resource, field)
                if not loosely_equal(live, wanted):
                    break
            else:
                continue
            record_provisioned(resource, {field: live}, actor=DEMO_ACTOR)
            sim_kind = "reserved_ipv6" if ":" in resource.provider_id else kind
            self._oob(
                partial(
                    SimulatorControl.update_resource,
                    kind=sim_kind,
                    resource_id=resource.provider_id,
                    changes=changes,
                )
            )
            lines.append(f"out-of-band change in the simulator: {resource.urn} {field}")
        return lines

    @staticmethod
    def _spec_of(droplet: CloudResource) -> dict[str, Any]:
        """What a provisioning saga would have asked DO for."""
        return {
            "name": droplet.name,
            "region": droplet.region,
            "size_slug": droplet.size_slug,
            "tags": list(droplet.tags),
            "image.slug": (droplet.attrs.get("image") or {}).get("slug"),
        }

    def _resize(self, droplet: CloudResource, spec: dict[str, Any]) -> str:
        if spec.get("size_slug") == OOB_SIZE:
            return ""
        self._oob(lambda sim: sim.resize(droplet.provider_id, OOB_SIZE))
        return f"resized to {OOB_SIZE} (spec: {spec.get('size_slug')})"

    def _retag(self, droplet: CloudResource, spec: dict[str, Any]) -> str:
        tags = list(spec.get("tags") or [])
        if OOB_TAG in tags:
            return ""
        self._oob(lambda sim: sim.retag(droplet.provider_id, [*tags, OOB_TAG]))
        return f"tagged {OOB_TAG!r}"

    def _rename(self, droplet: CloudResource, spec: dict[str, Any]) -> str:
        name = str(spec.get("name") or droplet.name)
        if name.endswith(OOB_NAME_SUFFIX):
            return ""
        self._oob(lambda sim: sim.rename(droplet.provider_id, name + OOB_NAME_SUFFIX))
        return f"renamed to {name + OOB_NAME_SUFFIX}"

    @staticmethod
    def _oob(change: Callable[[SimulatorControl], object]) -> None:
        """One change through the simulator's control API, as someone clicking in DO's
        console would make it (never against the real DO API: --simulator only)."""
        try:
            change(SimulatorControl())
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc
