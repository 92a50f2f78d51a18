"""`manage.py webhooks add|list|remove`: webhook subscriptions from a shell.

    webhooks add <url> --events drift.detected,drift.resolved [--tenant <slug or id>]
        [--secret <s>] [--format arcadia|slack] [--as <username>]
    webhooks list
    webhooks remove <id>

The same service as the API and the console (webhooks.services.subscribe). `add` prints
the signing secret once. Bad input exits non-zero with one line naming the flag."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arcadia.errors import DomainError
from tenants.models import Tenant, User
from webhooks.models import WebhookSubscription
from webhooks.services import subscribe, unsubscribe

FLAGS = {"url": "url", "events": "--events", "tenant": "--tenant", "format": "--format"}


class Command(BaseCommand):
    help = "Add, list or remove webhook subscriptions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("url")
        add.add_argument("--events", required=True, help="Comma-separated event types.")
        add.add_argument("--tenant", default="")
        add.add_argument("--secret", default="")
        add.add_argument("--format", default=WebhookSubscription.Format.ARCADIA)
        add.add_argument("--as", dest="actor", default="")
        sub.add_parser("list")
        remove = sub.add_parser("remove")
        remove.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _add(self, options: dict[str, Any]) -> None:
        tenant = _tenant(options["tenant"]) if options["tenant"] else None
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"--as: no user named {options['actor']!r}.")
        events = [e.strip() for e in options["events"].split(",") if e.strip()]
        try:
            created = subscribe(
                url=options["url"],
                events=events,
                tenant=tenant,
                secret=options["secret"],
                format=options["format"],
                actor=actor,
            )
        except DomainError as exc:
            raise CommandError(f"{FLAGS.get(exc.field or '', exc.field)}: {exc.message}") from exc
        self.stdout.write(f"subscription {created.pk}: {created.url}")
        self.stdout.write(f"secret (shown once): {created.secret}")

    def _list(self, options: dict[str, Any]) -> None:
        for sub in WebhookSubscription.objects.select_related("tenant").order_by("id"):
            scope = sub.tenant.slug if sub.tenant else "all tenants"
            state = "active" if sub.active else "inactive"
            self.stdout.write(
                f"{sub.pk}\t{sub.url}\t{','.join(sub.events)}\t{scope}\t{sub.format}\t{state}"
            )

    def _remove(self, options: dict[str, Any]) -> None:
        sub = WebhookSubscription.objects.filter(pk=options["id"]).first()
        if sub is None:
            raise CommandError(f"No webhook subscription {options['id']}.")
        unsubscribe(sub)
        self.stdout.write(f"removed subscription {options['id']}")


def _tenant(reference: str) -> Tenant:
    found = (
        Tenant.objects.filter(pk=int(reference)).first()
        if reference.isdigit()
        else Tenant.objects.filter(slug=reference).first()
    )
    if found is None:
        raise CommandError(f"--tenant: no tenant {reference!r}.")
    return found
