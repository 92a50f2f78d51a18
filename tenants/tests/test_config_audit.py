"""Console writes of tenants, users' roles, memberships and billing accounts go through
services that leave a `ConfigChange` an operator can read (issue 11, section 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from billing.models import Account
from tenants.audit import record_change
from tenants.models import ConfigChange, Membership, Tenant, User

pytestmark = pytest.mark.django_db


def _form_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data: dict = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = (
                value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else value
            )
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = len(fs.forms)
        data[f"{prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        for i, f in enumerate(fs.forms):
            data[f"{prefix}-{i}-id"] = f.instance.pk or ""
            data[f"{prefix}-{i}-user"] = f.instance.user_id or ""
            data[f"{prefix}-{i}-tenant"] = f.instance.tenant_id or ""
    return data


def _split_datetimes(data: dict) -> dict:
    for name in ("last_login", "date_joined"):
        value = data.pop(name, None)
        if value:
            data[f"{name}_0"], data[f"{name}_1"] = value.split(" ")
    return data


def test_renaming_a_tenant_in_the_console_records_old_and_new_and_shows_it(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    response = client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {"name": "Acme Corp", "slug": "acme", "purpose": "customer"},
    )
    assert response.status_code == 302
    change = ConfigChange.objects.get(model="tenants.tenant", object_id=tenant.pk)
    assert (change.action, change.actor) == ("changed", "op")
    assert change.changes == {"name": ["Acme", "Acme Corp"]}
    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert "changed name: Acme → Acme Corp by op" in page


def test_saving_a_tenant_unchanged_records_nothing(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {"name": "Acme", "slug": "acme", "purpose": "customer"},
    )
    assert not ConfigChange.objects.exists()


def test_granting_the_platform_role_in_the_console_is_audited_without_the_password(
    client, operator
):
    user = User.objects.create(username="alice")
    user.set_password("secret-one-two")
    user.save()
    url = f"/admin/tenants/user/{user.pk}/change/"
    data = _split_datetimes(_form_data(client.get(url)))
    data["is_platform_admin"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_platform_admin
    change = ConfigChange.objects.get(model="tenants.user", object_id=user.pk)
    assert change.changes == {"is_platform_admin": [False, True]}
    assert "secret" not in str(change.changes) and "pbkdf2" not in str(change.changes)
    page = client.get(url).content.decode()
    assert "is_platform_admin: False → True by op" in page


def test_memberships_added_and_removed_in_the_console_are_audited_on_the_user(client, operator):
    acme, globex = (Tenant.objects.create(name=n, slug=n.lower()) for n in ("Acme", "Globex"))
    user = User.objects.create(username="bob")
    Membership.objects.create(user=user, tenant=acme)
    url = f"/admin/tenants/user/{user.pk}/change/"
    data = _split_datetimes(_form_data(client.get(url)))
    prefix = "memberships"
    data[f"{prefix}-0-DELETE"] = "on"  # leaves Acme
    data[f"{prefix}-TOTAL_FORMS"] = 2
    data.update(
        {f"{prefix}-1-id": "", f"{prefix}-1-user": user.pk, f"{prefix}-1-tenant": globex.pk}
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert list(user.memberships.values_list("tenant__name", flat=True)) == ["Globex"]
    change = ConfigChange.objects.get(model="tenants.user", object_id=user.pk)
    assert change.changes == {"memberships": [["Acme"], ["Globex"]]}
    assert change.actor == "op"


def test_a_billing_accounts_markup_changed_in_the_console_is_audited(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    client.post(
        "/admin/billing/account/add/",
        {"tenant": tenant.pk, "markup_percent": "10", "currency": "USD"},
    )
    account = Account.objects.get(tenant=tenant)
    client.post(
        f"/admin/billing/account/{account.pk}/change/",
        {"tenant": tenant.pk, "markup_percent": "12.5", "currency": "USD"},
    )
    account.refresh_from_db()
    assert account.markup_percent == Decimal("12.5")
    created, changed = ConfigChange.objects.filter(model="billing.account").order_by("id")
    assert created.action == "created" and created.changes["markup_percent"] == [None, "10.000"]
    assert changed.changes == {"markup_percent": ["10.000", "12.500"]}
    page = client.get(f"/admin/billing/account/{account.pk}/change/").content.decode()
    assert "markup_percent: 10.000 → 12.500 by op" in page
    # No row means 0 % and USD: a deletion would change terms without a trace.
    assert (
        client.post(f"/admin/billing/account/{account.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_every_config_change_is_listed_in_the_console(client, operator):
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    client.post(
        f"/admin/tenants/tenant/{tenant.pk}/change/",
        {"name": "Acme Corp", "slug": "acme", "purpose": "customer"},
    )
    page = client.get("/admin/tenants/configchange/").content.decode()
    assert "name: Acme → Acme Corp" in page


def test_the_config_audit_is_append_only():
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    change = record_change(tenant, actor="op", action="changed", changes={"name": ["a", "b"]})
    for statement in (
        lambda: ConfigChange.objects.filter(pk=change.pk).update(actor="someone else"),
        lambda: ConfigChange.objects.filter(pk=change.pk).delete(),
    ):
        with (
            pytest.raises(DatabaseError, match="config_changes is append-only"),
            transaction.atomic(),
        ):
            statement()
