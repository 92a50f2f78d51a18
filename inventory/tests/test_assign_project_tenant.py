"""A project's tenant has a history (DESIGN.md, "Tenant"): one service writes it, from now
by default; back-dating is a correction; a project's assignments never overlap; the
console, `manage.py assign_project` and `POST /api/v1/inventory/projects/{id}/tenant` all go
through the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from arcadia.errors import InvalidInput
from inventory.models import CloudProject, ProjectTenantAssignment, ProjectTenantChange
from inventory.services.tenancy import assign_project_tenant
from tests.factories import PlatformAdminFactory, TenantFactory, TenantUserFactory

pytestmark = pytest.mark.django_db

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def project() -> CloudProject:
    return CloudProject.objects.create(provider_id="p-umbrella", name="umbrella-data")


def live(project: CloudProject) -> list[tuple[object, datetime, datetime | None]]:
    rows = ProjectTenantAssignment.objects.filter(project=project, superseded_at__isnull=True)
    return [(a.tenant, a.effective_from, a.effective_to) for a in rows.order_by("effective_from")]


# --- the service ------------------------------------------------------------------------


def test_an_assignment_takes_effect_now_by_default(project):
    acme = TenantFactory(name="Acme")
    before = timezone.now()
    assignment = assign_project_tenant(project, acme, actor="op", reason="signed")
    assert assignment is not None
    assert before <= assignment.effective_from <= timezone.now()
    assert (assignment.is_correction, assignment.reason, assignment.actor) == (
        False,
        "signed",
        "op",
    )
    project.refresh_from_db()
    assert project.tenant == acme  # the cache of the tenant in effect now
    change = ProjectTenantChange.objects.get(project=project)
    assert (change.old_tenant, change.new_tenant) == (None, acme)


def test_a_new_tenant_closes_the_open_assignment_at_its_start(project):
    acme, globex = TenantFactory(name="Acme"), TenantFactory(name="Globex")
    first = assign_project_tenant(project, acme, actor="op")
    second = assign_project_tenant(project, globex, actor="op")
    assert live(project) == [
        (acme, first.effective_from, second.effective_from),
        (globex, second.effective_from, None),
    ]


def test_the_same_tenant_again_writes_nothing(project):
    acme = TenantFactory()
    assign_project_tenant(project, acme, actor="op")
    assert assign_project_tenant(project, acme, actor="op") is None
    assert ProjectTenantAssignment.objects.count() == 1


def test_a_back_dated_assignment_is_recorded_as_a_correction(project):
    acme = TenantFactory()
    assignment = assign_project_tenant(
        project, acme, actor="op", effective_from=NOV_1, reason="contract began in November"
    )
    assert assignment.is_correction and assignment.effective_from == NOV_1
    assert live(project) == [(acme, NOV_1, None)]


def test_a_correction_before_the_open_assignment_supersedes_it(project):
    acme, umbrella = TenantFactory(name="Acme"), TenantFactory(name="Umbrella")
    today = assign_project_tenant(project, acme, actor="op")
    assign_project_tenant(project, umbrella, actor="op", effective_from=NOV_1)
    assert live(project) == [(umbrella, NOV_1, None)]
    assert ProjectTenantAssignment.objects.get(pk=today.pk).superseded_at is not None
    project.refresh_from_db()
    assert project.tenant == umbrella


def test_a_correction_inside_a_closed_assignment_keeps_its_earlier_part(project):
    a, b, c = TenantFactory(), TenantFactory(), TenantFactory()
    assign_project_tenant(project, a, actor="op", effective_from=NOV_1)
    mid = NOV_1 + timedelta(days=10)
    assign_project_tenant(project, b, actor="op", effective_from=mid)
    fix = NOV_1 + timedelta(days=5)
    assign_project_tenant(project, c, actor="op", effective_from=fix)
    assert live(project) == [(a, NOV_1, fix), (c, fix, None)]


def test_a_future_start_is_refused_and_writes_nothing(project):
    with pytest.raises(InvalidInput) as refused:
        assign_project_tenant(
            project, TenantFactory(), actor="op", effective_from=timezone.now() + timedelta(days=1)
        )
    assert refused.value.field == "effective_from"
    assert not ProjectTenantAssignment.objects.exists()


def test_postgres_refuses_overlapping_assignments(project):
    acme = TenantFactory()
    ProjectTenantAssignment.objects.create(
        project=project, tenant=acme, effective_from=NOV_1, actor="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectTenantAssignment.objects.create(
            project=project, tenant=None, effective_from=NOV_1 + timedelta(days=3), actor="x"
        )


def test_an_assignment_changes_only_to_close(project):
    acme = TenantFactory()
    row = ProjectTenantAssignment.objects.create(
        project=project, tenant=acme, effective_from=NOV_1, actor="x"
    )
    refused = (InternalError, ProgrammingError)  # insufficient_privilege, from the trigger
    with pytest.raises(refused), transaction.atomic():
        ProjectTenantAssignment.objects.filter(pk=row.pk).update(tenant=None)
    with pytest.raises(refused), transaction.atomic():
        ProjectTenantAssignment.objects.filter(pk=row.pk).delete()
    closed = NOV_1 + timedelta(days=1)
    ProjectTenantAssignment.objects.filter(pk=row.pk).update(effective_to=closed)
    with pytest.raises(refused), transaction.atomic():
        ProjectTenantAssignment.objects.filter(pk=row.pk).update(effective_to=closed + timedelta(1))


# --- manage.py assign_project -------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("assign_project", *args, stdout=out)
    return out.getvalue()


def test_command_assigns_by_name_from_a_date_with_a_reason(project):
    umbrella = TenantFactory(name="Umbrella", slug="umbrella")
    out = run("umbrella-data", "--tenant", "umbrella", "--from", "2026-11-01", "--reason", "deal")
    assert "correction" in out
    row = ProjectTenantAssignment.objects.get()
    assert (row.tenant, row.effective_from, row.reason, row.is_correction) == (
        umbrella,
        NOV_1,
        "deal",
        True,
    )


def test_command_finds_the_project_by_do_id_and_defaults_to_now(project):
    TenantFactory(name="Umbrella", slug="umbrella")
    run("p-umbrella", "--tenant", "Umbrella")
    assert not ProjectTenantAssignment.objects.get().is_correction


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("umbrella-data", "--tenant", "umbrella", "--from", "1 Nov"), "not an ISO-8601"),
        (("no-such-project", "--tenant", "umbrella"), "No project matches"),
        (("umbrella-data", "--tenant", "nobody"), "No tenant matches"),
    ],
)
def test_command_bad_input_is_one_line_and_writes_nothing(project, args, says):
    TenantFactory(name="Umbrella", slug="umbrella")
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert says in str(refused.value) and "\n" not in str(refused.value)
    assert not ProjectTenantAssignment.objects.exists()
    project.refresh_from_db()
    assert project.tenant is None


# --- POST /api/v1/inventory/projects/{id}/tenant -----------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(pk: int) -> str:
    return f"/api/v1/inventory/projects/{pk}/tenant"


def test_api_admin_assigns_from_a_date_and_the_detail_shows_the_history(project):
    umbrella = TenantFactory(name="Umbrella")
    admin = api_as(PlatformAdminFactory())
    response = admin.post(
        url(project.pk),
        {"tenant": str(umbrella.pk), "effective_from": "2026-11-01T00:00:00Z", "reason": "deal"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tenant"] == umbrella.pk
    [entry] = body["tenant_history"]
    assert (entry["tenant"], entry["is_correction"], entry["reason"]) == (umbrella.pk, True, "deal")
    assert entry["effective_from"].startswith("2026-11-01T00:00:00")
    detail = admin.get(f"/api/v1/inventory/projects/{project.pk}").json()
    assert detail["tenant_history"] == body["tenant_history"]


def test_api_tenant_user_is_refused_with_403(project):
    tenant = TenantFactory()
    CloudProject.objects.filter(pk=project.pk).update(tenant=tenant)
    response = api_as(TenantUserFactory(tenants=[tenant])).post(
        url(project.pk), {"tenant": str(tenant.pk)}, format="json"
    )
    assert response.status_code == 403
    assert not ProjectTenantAssignment.objects.exists()


def test_api_unknown_project_is_404():
    response = api_as(PlatformAdminFactory()).post(url(999_999), {"tenant": None}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tenant": "no-such-tenant"}, "tenant"),
        ({"effective_from": "2026-11-01"}, "tenant"),  # missing
        ({"tenant": "T", "effective_from": "yesterday"}, "effective_from"),
        ({"tenant": "T", "effective_from": "2999-01-01T00:00Z"}, "effective_from"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(project, body, field):
    TenantFactory(name="T", slug="t")
    response = api_as(PlatformAdminFactory()).post(url(project.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ProjectTenantAssignment.objects.exists()


# --- the console --------------------------------------------------------------------------


def test_console_mapping_goes_through_the_service_with_a_date_and_reason(client, operator, project):
    umbrella = TenantFactory(name="Umbrella")
    page = f"/admin/inventory/cloudproject/{project.pk}/change/"
    response = client.post(
        page,
        {"tenant": umbrella.pk, "effective_from": "2026-11-01 00:00:00", "reason": "deal"},
    )
    assert response.status_code == 302
    row = ProjectTenantAssignment.objects.get()
    assert (row.tenant, row.effective_from, row.actor, row.reason, row.is_correction) == (
        umbrella,
        NOV_1,
        "op",
        "deal",
        True,
    )
    shown = client.get(page).content.decode()
    assert "2026-11-01 00:00:00 → now: Umbrella by op (correction)" in shown


def test_console_mapping_without_a_date_takes_effect_now(client, operator, project):
    umbrella = TenantFactory(name="Umbrella")
    before = timezone.now()
    client.post(f"/admin/inventory/cloudproject/{project.pk}/change/", {"tenant": umbrella.pk})
    row = ProjectTenantAssignment.objects.get()
    assert row.effective_from >= before and not row.is_correction


# --- upgrading ------------------------------------------------------------------------------


def test_the_backfill_keeps_an_already_mapped_project_billed_for_its_whole_history():
    from importlib import import_module

    from django.db import connection

    from tests.factories import CloudResourceFactory

    backfill = import_module("inventory.migrations.0011_project_tenant_assignment").BACKFILL_SQL
    acme = TenantFactory()
    mapped = CloudProject.objects.create(provider_id="p-1", name="mapped", tenant=acme)
    CloudProject.objects.create(provider_id="p-2", name="unmapped")
    CloudResourceFactory(project=mapped, attrs={"created_at": "2025-02-03T04:05:06Z"})
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    [row] = ProjectTenantAssignment.objects.all()
    assert (row.project, row.tenant, row.effective_to, row.is_correction) == (
        mapped,
        acme,
        None,
        False,
    )
    assert row.effective_from == datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
