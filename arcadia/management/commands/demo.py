"""`manage.py demo`: what the README's main command does after migrating.

Idempotent, so `bin/up` can run it on every start:
- makes sure the operator login exists (and resets its password to the one given);
- runs a full sync of every kind;
- with `--simulator`: gives each simulated customer project a tenant and a tenant user,
  leaving one project unassigned so unallocated usage has something to show.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from inventory.models import CloudProject, SyncRun
from inventory.services.projects import PLATFORM_PROJECT_NAME
from inventory.services.sync import run_all
from tenants.models import Membership, Tenant, User
from tenants.services import api_token_for

DEMO_PASSWORD_SUFFIX = "-demo"


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
        self.stdout.write(f"operator {admin.username}: API token {api_token_for(admin)}")

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

    @transaction.atomic
    def _ensure_admin(self, username: str, password: str) -> User:
        user, _ = User.objects.get_or_create(username=username)
        user.is_platform_admin = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return user

    @transaction.atomic
    def _seed_tenants(self) -> list[str]:
        lines = []
        projects = CloudProject.objects.exclude(name=PLATFORM_PROJECT_NAME).filter(is_default=False)
        customer_projects = list(projects.order_by("name"))
        # The last project stays unassigned: its usage is "unallocated" until an operator acts.
        for project in customer_projects[:-1]:
            tenant_name = project.name.split("-")[0].capitalize()
            tenant, _ = Tenant.objects.get_or_create(
                slug=slugify(tenant_name), defaults={"name": tenant_name}
            )
            if project.tenant_id is None:
                project.tenant = tenant
                project.save(update_fields=["tenant", "updated_at"])
            username = f"{tenant.slug}-ops"
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(username + DEMO_PASSWORD_SUFFIX)
                user.save()
            Membership.objects.get_or_create(user=user, tenant=tenant)
            lines.append(
                f"tenant {tenant.name}: project {project.name}; user {username} / "
                f"{username}{DEMO_PASSWORD_SUFFIX}; API token {api_token_for(user)}"
            )
        if customer_projects:
            lines.append(f"unassigned project (unallocated usage): {customer_projects[-1].name}")
        return lines
