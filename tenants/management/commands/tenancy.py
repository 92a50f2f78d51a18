"""Create tenants and users from a shell or script.

    manage.py tenancy create-tenant "Acme AI"
    manage.py tenancy create-admin alice [--password ...]
    manage.py tenancy create-user bob --tenant "Acme AI" [--password ...]
    manage.py tenancy token alice            # issues a new token
    manage.py tenancy revoke-tokens alice

Every user command prints a new API token on the last line. It is shown this once: only
its digest is stored, and it expires (`ARCADIA_TOKEN_TTL_DAYS`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arcadia.errors import DomainError
from tenants import services
from tenants.models import User


class Command(BaseCommand):
    help = "Create tenants, platform admins and tenant users; print API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tenant = sub.add_parser("create-tenant", help="Create a customer tenant.")
        tenant.add_argument("name")
        tenant.add_argument("--purpose", default="customer", choices=["customer", "internal"])
        admin = sub.add_parser("create-admin", help="Create a platform admin.")
        admin.add_argument("username")
        admin.add_argument("--password")
        admin.add_argument("--email", default="")
        user = sub.add_parser("create-user", help="Create a tenant user.")
        user.add_argument("username")
        user.add_argument(
            "--tenant",
            action="append",
            required=True,
            help="Tenant id, slug or name; repeat for several.",
        )
        user.add_argument("--password")
        user.add_argument("--email", default="")
        token = sub.add_parser("token", help="Issue a new API token and print it (once).")
        token.add_argument("username")
        revoke = sub.add_parser("revoke-tokens", help="Revoke every API token of a user.")
        revoke.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            self._dispatch(opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _dispatch(self, opts: dict[str, Any]) -> None:
        action = opts["action"]
        if action == "create-tenant":
            tenant = services.create_tenant(
                name=opts["name"], purpose=opts["purpose"], actor="manage.py tenancy"
            )
            self.stdout.write(f"tenant {tenant.pk} {tenant.slug}")
        elif action in {"create-admin", "create-user"}:
            tenants = [services.find_tenant(ref) for ref in opts.get("tenant") or []]
            user, token = services.create_user(
                username=opts["username"],
                password=opts["password"],
                email=opts["email"],
                platform_admin=action == "create-admin",
                tenants=tenants,
                actor="manage.py tenancy",
            )
            self.stdout.write(f"user {user.pk} {user.username}")
            self.stdout.write(f"token {token}")
        elif action == "token":
            self.stdout.write(f"token {services.issue_api_token(self._user(opts))}")
        elif action == "revoke-tokens":
            revoked = services.revoke_api_tokens(self._user(opts))
            self.stdout.write(f"revoked {revoked} token{'' if revoked == 1 else 's'}")

    @staticmethod
    def _user(opts: dict[str, Any]) -> User:
        found = User.objects.filter(username=opts["username"]).first()
        if found is None:
            raise CommandError(f"No user {opts['username']!r}.")
        return found
