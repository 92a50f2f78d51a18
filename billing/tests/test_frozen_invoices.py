"""A finalized invoice is frozen in Postgres (DESIGN.md, "Invoices"), TRUNCATE included, by
triggers declared on the models (Meta.triggers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import InternalError, ProgrammingError, connection, transaction

from billing.models import Invoice, InvoiceLine
from billing.services.invoices import finalize
from billing.tests.conftest import NOW
from billing.tests.test_finalize_and_void import draft_for

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, ProgrammingError)  # insufficient_privilege


def execute(statement: str) -> None:
    with connection.cursor() as cursor:
        # Else TRUNCATE stops first at the test's own pending (deferred) FK checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


@pytest.mark.parametrize("table", ["billing_invoice_lines", "billing_invoices"])
def test_invoice_tables_refuse_truncate(prices, project, table):
    invoice = finalize(draft_for(project).pk, actor="test", now=NOW)
    with pytest.raises(REFUSED, match="TRUNCATE refused"), transaction.atomic():
        execute(f"TRUNCATE {table} CASCADE")
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1


def test_tenant_truncate_cascading_to_invoices_is_refused(prices, project):
    draft_for(project)
    with pytest.raises(REFUSED, match="TRUNCATE refused"), transaction.atomic():
        execute("TRUNCATE tenants CASCADE")
    assert Invoice.objects.filter(tenant=project.tenant).exists()


def test_finalized_invoice_refuses_a_change_of_money_even_when_voided(prices, project):
    invoice = finalize(draft_for(project).pk, actor="test", now=NOW)
    with pytest.raises(REFUSED, match="may only be voided"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(
            status="void", void_reason="x", total=Decimal("0.00"), subtotal=Decimal("0.00")
        )


def test_draft_lines_stay_writable(prices, project):
    draft = draft_for(project)
    line = draft.lines.get()
    InvoiceLine.objects.filter(pk=line.pk).update(project_name="renamed")
    InvoiceLine.objects.filter(pk=line.pk).delete()
    assert not draft.lines.exists()


def test_a_temporary_table_cannot_stand_in_for_the_invoice(prices, project):
    # The lines' trigger reads the parent's status; an unqualified name would find a
    # session's temporary `billing_invoices` first.
    invoice = finalize(draft_for(project).pk, actor="test", now=NOW)
    with pytest.raises(REFUSED, match="frozen"), transaction.atomic():
        execute(
            "CREATE TEMP TABLE billing_invoices ON COMMIT DROP AS "
            f"SELECT {invoice.pk}::bigint AS id, 'draft'::text AS status"
        )
        InvoiceLine.objects.filter(invoice=invoice).delete()
