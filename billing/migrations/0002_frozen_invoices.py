"""A finalized invoice is frozen in Postgres itself, not only in the code (DESIGN.md,
"Invoices": finalized -> numbered, credits applied, lines frozen).

- `billing_invoice_lines`: INSERT, UPDATE and DELETE are refused while the parent invoice
  is `finalized` or `void`.
- `billing_invoices`: a finalized invoice may only become `void` (its money, number and
  identity unchanged); a void one never changes; only drafts may be deleted.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION billing_invoice_lines_refuse_frozen() RETURNS trigger AS $$
DECLARE
    parent_status text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO parent_status FROM billing_invoices WHERE id = OLD.invoice_id;
        IF parent_status IN ('finalized', 'void') THEN
            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',
                parent_status, OLD.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT status INTO parent_status FROM billing_invoices WHERE id = NEW.invoice_id;
        IF parent_status IN ('finalized', 'void') THEN
            RAISE EXCEPTION 'billing_invoice_lines of % invoice % are frozen: % refused',
                parent_status, NEW.invoice_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_lines_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON billing_invoice_lines
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_lines_refuse_frozen();

CREATE OR REPLACE FUNCTION billing_invoices_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'billing_invoices: a % invoice cannot be deleted', OLD.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'void' THEN
        RAISE EXCEPTION 'billing_invoices: invoice % is void and cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'finalized' AND (
        NEW.status <> 'void'
        OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
        OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end
        OR NEW.currency IS DISTINCT FROM OLD.currency
        OR NEW.rule IS DISTINCT FROM OLD.rule
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.markup_percent IS DISTINCT FROM OLD.markup_percent
        OR NEW.subtotal IS DISTINCT FROM OLD.subtotal
        OR NEW.credits_total IS DISTINCT FROM OLD.credits_total
        OR NEW.total IS DISTINCT FROM OLD.total
        OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
        OR NEW.replaces_id IS DISTINCT FROM OLD.replaces_id
        OR NEW.finalized_at IS DISTINCT FROM OLD.finalized_at
    ) THEN
        RAISE EXCEPTION 'billing_invoices: finalized invoice % may only be voided', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoices_frozen
    BEFORE UPDATE OR DELETE ON billing_invoices
    FOR EACH ROW EXECUTE FUNCTION billing_invoices_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_invoices_frozen ON billing_invoices;
DROP FUNCTION IF EXISTS billing_invoices_refuse_change();
DROP TRIGGER IF EXISTS billing_invoice_lines_frozen ON billing_invoice_lines;
DROP FUNCTION IF EXISTS billing_invoice_lines_refuse_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
