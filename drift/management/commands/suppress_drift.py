"""`manage.py suppress_drift add|list|lift`: drift suppressions from a shell.

    suppress_drift add (--resource <id or URN> | --kind <kind> | --tag <tag>) --field <f>
        --reason "<why>" (--expires <ISO time or 7d, 12h, 30m> | --permanent)
        --owner <username> [--as <username>]
    suppress_drift list [--all]
    suppress_drift lift <id> --reason "<why>" --as <username>

The same services as the API and the console (drift.services.suppressions). The owner
and `--as` are platform admins; `--as` (who does it, for the audit) defaults to the
owner on add. Bad input exits non-zero with one line naming the flag."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arcadia.errors import DomainError
from drift import selectors
from drift.models import DriftSuppression
from drift.services.suppressions import lift, suppress
from drift.suppression_match import active_q
from inventory.models import CloudResource
from tenants.models import User
from tenants.roles import is_platform_admin

# Service field -> the flag that set it, for one-line errors.
FLAGS = {
    "resource": "--resource",
    "kind": "--kind",
    "tag": "--tag",
    "field": "--field",
    "reason": "--reason",
    "owner": "--owner",
    "expires_at": "--expires",
}
_DURATION = re.compile(r"([1-9][0-9]{0,5})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_expiry(text: str, *, now: datetime) -> datetime:
    """An ISO 8601 time (UTC when it names no zone) or a duration from now: 7d, 12h, 30m."""
    text = text.strip()
    if match := _DURATION.fullmatch(text):
        return now + timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            f"--expires: {text!r} is neither an ISO time (2026-12-31T18:00Z) nor a "
            "duration (7d, 12h, 30m)."
        ) from exc
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _user(username: str, flag: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"{flag}: no user named {username!r}.")
    return user


def _operator(username: str) -> User:
    """Who does it (`--as`): drift is platform admins' work, here as in the API."""
    user = _user(username, "--as")
    if not is_platform_admin(user):
        raise CommandError(f"--as: {username!r} is not a platform admin.")
    return user


class Command(BaseCommand):
    help = "Suppress drift on a (resource|kind|tag, field), list suppressions, lift one."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)

        add = commands.add_parser("add", help="Suppress drift.")
        scope = add.add_mutually_exclusive_group(required=True)
        scope.add_argument("--resource", help="Resource id or URN, e.g. do:droplet:123.")
        scope.add_argument("--kind", help="Every resource of a kind, e.g. droplet.")
        scope.add_argument("--tag", help="Every resource with this tag.")
        add.add_argument("--field", required=True, help="The drifted field, e.g. size_slug.")
        add.add_argument("--reason", required=True, help="Why this drift is known and fine.")
        until = add.add_mutually_exclusive_group(required=True)
        until.add_argument("--expires", help="ISO time, or a duration: 7d, 12h, 30m.")
        until.add_argument("--permanent", action="store_true", help="Never expires.")
        add.add_argument("--owner", required=True, help="Username of the owning admin.")
        add.add_argument("--as", dest="actor", help="Who suppresses (default: the owner).")

        show = commands.add_parser("list", help="Active suppressions (--all: every one).")
        show.add_argument("--all", action="store_true", help="Expired and lifted ones too.")

        end = commands.add_parser("lift", help="Lift a suppression: its drift reopens.")
        end.add_argument("id", type=int, help="The suppression's id.")
        end.add_argument("--reason", required=True, help="Why it is lifted.")
        end.add_argument("--as", dest="actor", required=True, help="Who lifts (username).")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            {"add": self.add, "list": self.show, "lift": self.end}[opts["command"]](opts)
        except DomainError as exc:
            flag = FLAGS.get(exc.field or "")
            raise CommandError(f"{flag}: {exc.message}" if flag else exc.message) from exc

    def add(self, opts: dict[str, Any]) -> None:
        owner = _user(opts["owner"], "--owner")
        actor = _operator(opts["actor"]) if opts["actor"] else owner
        resource: CloudResource | None = None
        if opts["resource"]:
            resource = selectors.find_resource(opts["resource"])
        expires = opts["expires"]
        suppression = suppress(
            resource=resource,
            kind=opts["kind"],
            tag=opts["tag"],
            field=opts["field"],
            reason=opts["reason"],
            owner=owner,
            actor=actor,
            expires_at=parse_expiry(expires, now=timezone.now()) if expires else None,
            permanent=opts["permanent"],
        )
        held = selectors.with_held(DriftSuppression.objects.filter(pk=suppression.pk)).get()
        self.stdout.write(f"{suppression} holds {held.held} drift")  # type: ignore[attr-defined]

    def show(self, opts: dict[str, Any]) -> None:
        now = timezone.now()
        rows = selectors.with_held(
            DriftSuppression.objects.select_related("owner").order_by("-created_at", "-id")
        )
        if not opts["all"]:
            rows = rows.filter(active_q(now))
        for s in rows:
            until = "permanent" if s.permanent else f"{s.expires_at:%Y-%m-%dT%H:%MZ}"
            self.stdout.write(
                f"#{s.pk}\t{s.state(now)}\t{s.scope_label}\t{s.field}\t{until}\t"
                f"owner {s.owner.username}\theld {s.held}\t{s.reason}"  # type: ignore[attr-defined]
            )

    def end(self, opts: dict[str, Any]) -> None:
        actor = _operator(opts["actor"])
        suppression = lift(opts["id"], actor=actor, reason=opts["reason"])
        self.stdout.write(f"lifted {suppression}: its drift is back in the open inbox")
