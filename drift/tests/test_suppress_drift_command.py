"""`manage.py suppress_drift add|list|lift`: the same services as the API; bad input is a
CommandError (exit status 1) of one line naming the flag."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from drift.management.commands.suppress_drift import parse_expiry
from drift.models import DriftStatus, DriftSuppression
from drift.tests.suppressions import drifted, status_of
from tenants.models import ConfigChange
from tests.factories import PlatformAdminFactory, TenantUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return PlatformAdminFactory(username="alice")


def run(*args: str) -> str:
    out = StringIO()
    call_command("suppress_drift", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        run(*args)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_add_list_lift(admin):
    drift = drifted()

    added = run(
        "add", "--resource", drift.resource.urn, "--field", "size_slug",
        "--reason", "resized for the sale", "--expires", "7d", "--owner", "alice",
    )  # fmt: skip

    suppression = DriftSuppression.objects.get()
    assert "holds 1 drift" in added
    assert suppression.created_by == admin
    assert timedelta(days=6) < suppression.expires_at - timezone.now() <= timedelta(days=7)
    assert status_of(drift) == (DriftStatus.SUPPRESSED, suppression.pk)
    listed = run("list")
    assert f"#{suppression.pk}\tactive\tresource {drift.resource_id}\tsize_slug" in listed
    assert "held 1" in listed

    lifted = run("lift", str(suppression.pk), "--reason", "sale is over", "--as", "alice")

    assert "back in the open inbox" in lifted
    assert status_of(drift) == (DriftStatus.OPEN, None)
    assert run("list") == ""
    assert "lifted" in run("list", "--all")
    assert ConfigChange.objects.filter(model="drift.driftsuppression").count() == 2


def test_add_by_kind_permanent_as_another_admin(admin):
    PlatformAdminFactory(username="bob")

    run(
        "add", "--kind", "droplet", "--field", "tags", "--reason", "ours",
        "--permanent", "--owner", "bob", "--as", "alice",
    )  # fmt: skip

    suppression = DriftSuppression.objects.get()
    assert (suppression.permanent, suppression.owner.username) == (True, "bob")
    assert suppression.created_by == admin


def test_an_iso_expiry_without_zone_is_utc():
    now = timezone.now()
    assert parse_expiry("2030-01-01T10:00", now=now).isoformat() == "2030-01-01T10:00:00+00:00"
    assert parse_expiry("12h", now=now) == now + timedelta(hours=12)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--kind", "planet"], "--kind"),
        (["--tag", " "], "--resource"),
        (["--kind", "droplet", "--expires", "2020-01-01T00:00Z"], "--expires"),
        (["--kind", "droplet", "--expires", "soon"], "--expires"),
        (["--kind", "droplet", "--reason", " "], "--reason"),
        (["--kind", "droplet", "--owner", "nobody"], "--owner"),
        (["--kind", "droplet", "--owner", "tenant-user"], "--owner"),
        (["--resource", "do:droplet:nope"], ""),
    ],
)
def test_bad_add_is_one_line_naming_the_flag(admin, args, flag):
    TenantUserFactory(username="tenant-user")
    base = {"--field": "size_slug", "--reason": "why", "--expires": "1d", "--owner": "alice"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    command = ["add", *[p for pair in base.items() for p in pair]]

    message = refused(*command)

    assert message.startswith(flag), message
    assert not DriftSuppression.objects.exists()


def test_bad_lift(admin):
    assert "No drift suppression with id 999" in refused(
        "lift", "999", "--reason", "x", "--as", "alice"
    )
    assert refused("lift", "1", "--reason", "x", "--as", "nobody").startswith("--as")


def test_neither_expiry_nor_permanent_is_refused_by_the_parser(admin):
    message = refused(
        "add", "--kind", "droplet", "--field", "f", "--reason", "r", "--owner", "alice"
    )
    assert "--expires" in message and "--permanent" in message


def test_only_a_platform_admin_acts(admin):
    TenantUserFactory(username="tenant-user")
    add = ["add", "--kind", "droplet", "--field", "f", "--reason", "r", "--permanent"]
    assert refused(*add, "--owner", "alice", "--as", "tenant-user").startswith("--as")
    assert refused("lift", "1", "--reason", "x", "--as", "tenant-user").startswith("--as")
