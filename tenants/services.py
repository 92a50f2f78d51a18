"""Writes for tenants and users. Every role change goes through here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from knox.models import AuthToken

from arcadia.errors import Conflict, InvalidInput, NotFound
from arcadia.validation import is_ascii_id
from tenants.audit import audited_delete, audited_save, record_change
from tenants.models import PLATFORM_TENANT_SLUG, ConfigChange, Membership, Tenant, User

# What the audit trail records of each (README, "Console changes are audited").
TENANT_FIELDS = ("name", "slug", "purpose")
USER_FIELDS = (
    "username",
    "email",
    "is_active",
    "is_platform_admin",
    "is_staff",
    "is_superuser",
    "password",
)


def create_tenant(
    *, name: str, purpose: str = Tenant.Purpose.CUSTOMER, actor: str = "system"
) -> Tenant:
    name = name.strip()
    if not name:
        raise InvalidInput("A tenant needs a name.", field="name")
    if purpose not in Tenant.Purpose.values:
        raise InvalidInput(f"Unknown purpose {purpose!r}.", field="purpose")
    slug = slugify(name)[:100]
    if not slug:
        # A name of only punctuation would get an empty slug, which every such name shares.
        raise InvalidInput("A tenant name needs at least one letter or digit.", field="name")
    try:
        with transaction.atomic():
            return save_tenant(Tenant(name=name, slug=slug, purpose=purpose), actor=actor)
    except IntegrityError as exc:
        raise Conflict(
            f"A tenant named {name!r} (slug {slug!r}) or the internal tenant already exists."
        ) from exc


def ensure_platform_tenant() -> Tenant:
    """The platform's own tenant (purpose `internal`); created on first use, then reused."""
    tenant = Tenant.objects.filter(purpose=Tenant.Purpose.INTERNAL).first()
    if tenant:
        return tenant
    try:
        tenant, _ = Tenant.objects.get_or_create(
            purpose=Tenant.Purpose.INTERNAL,
            defaults={"name": "SkyAI (platform)", "slug": PLATFORM_TENANT_SLUG},
        )
    except IntegrityError as exc:  # a customer tenant already holds the platform's name or slug
        raise Conflict(
            f"Cannot create the platform tenant: another tenant holds its name or slug "
            f"{PLATFORM_TENANT_SLUG!r}."
        ) from exc
    return tenant


def find_tenant(reference: str) -> Tenant:
    """A tenant by id, slug or name; the one lookup commands and scripts share."""
    reference = reference.strip()
    query = Tenant.objects.filter(slug=reference) | Tenant.objects.filter(name=reference)
    if is_ascii_id(reference):
        query = query | Tenant.objects.filter(pk=int(reference))
    tenant = query.first()
    if tenant is None:
        raise NotFound(f"No tenant matches {reference!r}.")
    return tenant


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None = None,
    email: str = "",
    platform_admin: bool = False,
    tenants: list[Tenant] | None = None,
    actor: str = "system",
) -> tuple[User, str]:
    """Creates a platform admin or a tenant user and returns it with its API token.

    A platform admin is also staff (the operator console is the Django admin); a tenant
    user must belong to at least one tenant, or it could see nothing at all.
    """
    username = username.strip()
    if not username:
        raise InvalidInput("A user needs a username.", field="username")
    try:
        User._meta.get_field("username").run_validators(username)  # characters, length
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="username") from exc
    if not platform_admin and not tenants:
        raise InvalidInput("A tenant user must belong to at least one tenant.", field="tenants")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"User {username!r} already exists.")
    user = User(
        username=username,
        email=email,
        is_platform_admin=platform_admin,
        is_staff=platform_admin,
        is_superuser=platform_admin,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            save_user(user, actor=actor)
    except IntegrityError as exc:  # a concurrent create won the race past the check above
        raise Conflict(f"User {username!r} already exists.") from exc
    set_memberships(user, list(tenants or []), actor=actor)
    return user, issue_api_token(user)


def issue_api_token(user: User) -> str:
    """A new API token for `user`, returned this once: only its digest is stored, so it
    can never be shown again. It expires after `REST_KNOX["TOKEN_TTL"]`."""
    _, token = AuthToken.objects.create(user=user)
    return token


def revoke_api_token(token: AuthToken) -> None:
    """Revokes one API token: its row goes, so nothing is left that could authenticate."""
    AuthToken.objects.filter(pk=token.pk).delete()


def revoke_api_tokens(user: User) -> int:
    """Revokes every API token of `user`; returns how many there were."""
    count, _ = AuthToken.objects.filter(user=user).delete()
    return count


def ensure_tenant(name: str) -> Tenant:
    """The tenant named `name`, created when missing (idempotent scripts such as the demo)."""
    try:
        return find_tenant(slugify(name) or name)
    except NotFound:
        return create_tenant(name=name)


@transaction.atomic
def ensure_platform_admin(username: str, password: str) -> User:
    """The operator login: created when missing, its roles and password (re)set."""
    user, _ = User.objects.get_or_create(username=username)
    user.is_platform_admin = user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return user


def ensure_tenant_user(username: str, *, password: str, tenant: Tenant) -> User:
    """A tenant user with a membership of `tenant`; an existing user keeps its password."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user, _ = create_user(username=username, password=password, tenants=[tenant])
    add_membership(user, tenant)
    return user


def add_membership(user: User, tenant: Tenant, *, actor: str = "system") -> Membership:
    """`user` joins `tenant` (idempotent; a new membership is audited on the user)."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, tenant=tenant)
        if created:
            _record_memberships(user, actor, added=[tenant.name], removed=[])
    return membership


@transaction.atomic
def set_memberships(user: User, tenants: list[Tenant], *, actor: str) -> None:
    """`user` belongs to exactly `tenants` afterwards; the difference is audited."""
    wanted = {t.pk: t for t in tenants}
    current = {m.tenant_id: m for m in user.memberships.select_related("tenant")}
    removed = [m for tid, m in current.items() if tid not in wanted]
    added = [t for tid, t in wanted.items() if tid not in current]
    for membership in removed:
        membership.delete()
    for tenant in added:
        Membership.objects.create(user=user, tenant=tenant)
    if added or removed:
        _record_memberships(
            user, actor, added=[t.name for t in added], removed=[m.tenant.name for m in removed]
        )
    user.__dict__.pop("_tenant_ids", None)


def _record_memberships(user: User, actor: str, *, added: list[str], removed: list[str]) -> None:
    record_change(
        user,
        actor=actor,
        action=ConfigChange.Action.CHANGED,
        changes={"memberships": [sorted(removed), sorted(added)]},
    )


def save_tenant(tenant: Tenant, *, actor: str) -> Tenant:
    """Creates or changes a tenant as the console's form left it, with its audit."""
    audited_save(tenant, fields=TENANT_FIELDS, actor=actor)
    return tenant


def delete_tenant(tenant: Tenant, *, actor: str) -> None:
    audited_delete(tenant, actor=actor)


def save_user(user: User, *, actor: str) -> User:
    """Creates or changes a user, its roles among them, with its audit (a password only as
    changed)."""
    audited_save(user, fields=USER_FIELDS, actor=actor)
    return user


def delete_user(user: User, *, actor: str) -> None:
    audited_delete(user, actor=actor)
