"""The database's own refusals, declared on the models with django-pgtrigger (README,
"Database roles").

Every trigger here is a `Meta.triggers` entry, so a model's `models.py` shows each rule
Postgres enforces for it, and `makemigrations` installs it. Two things differ from plain
`pgtrigger.Protect`:

- **`pgtrigger.ignore()` is honoured only for a role that owns the table** (or a
  superuser). pgtrigger skips a trigger when the session variable `pgtrigger.ignore` names
  it, and any role may set a custom variable: the app's role could otherwise switch off
  the audit log's protection with one `set_config`. The owner can drop or disable the
  trigger anyway, so the escape hatch gives it nothing new.
- A refusal raises `insufficient_privilege` with a message that names the rule
  ("... is append-only"), as the hand-written triggers these replace did.

`allow_truncate()` is the one sanctioned escape hatch: `manage.py flush` (with
`ARCADIA_ALLOW_FLUSH=1`) and the test harness empty protected tables through it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pgtrigger
from pgtrigger import compiler

# The name every TRUNCATE refusal carries: `allow_truncate()` finds them by it.
REFUSE_TRUNCATE = "refuse_truncate"


class OwnerIgnorableTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's install SQL, with the ignore check limited to the table's owner.

    Frozen: migrations reference this class and rebuild the SQL from this template, so an
    edit here changes what old migrations install. Copied from pgtrigger's v1 template;
    only the `IF ... ignore ... THEN` block differs. Catalog names are schema-qualified so
    a temporary table of the same name (the app may create temporary tables) cannot stand
    in for them.
    """

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {ignore_func_name}(
                trigger_name NAME
            )
            RETURNS BOOLEAN AS $$
                DECLARE
                    _pgtrigger_ignore TEXT[];
                    _result BOOLEAN;
                BEGIN
                    BEGIN
                        SELECT INTO _pgtrigger_ignore
                            CURRENT_SETTING('pgtrigger.ignore');
                        EXCEPTION WHEN OTHERS THEN
                    END;
                    IF _pgtrigger_ignore IS NOT NULL THEN
                        SELECT trigger_name = ANY(_pgtrigger_ignore)
                        INTO _result;
                        RETURN _result;
                    ELSE
                        RETURN FALSE;
                    END IF;
                END;
            $$ LANGUAGE plpgsql;

            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    IF ({ignore_func_name}(TG_NAME) IS TRUE) THEN
                        IF pg_catalog.pg_has_role(
                            current_user,
                            (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID),
                            'MEMBER'
                        ) THEN
                            IF (TG_OP = 'DELETE') THEN
                                RETURN OLD;
                            ELSE
                                RETURN NEW;
                            END IF;
                        END IF;
                    END IF;
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class OwnerIgnorable(pgtrigger.Trigger):
    """A trigger whose `pgtrigger.ignore()` works for the table's owner only."""

    def compile(self, model: Any) -> compiler.Trigger:
        compiled = super().compile(model)
        return compiler.Trigger(
            name=compiled.name, sql=OwnerIgnorableTriggerSql(**compiled.sql.kwargs)
        )


def _raise(message: str) -> str:
    # `%` in the message is TG_OP: the refused operation.
    quoted = message.replace("'", "''")
    return (
        f"RAISE EXCEPTION '{quoted}', TG_OP USING ERRCODE = 'insufficient_privilege'; RETURN NULL;"
    )


class Refuse(OwnerIgnorable):
    """Refuses `operation` on each row (where `condition` holds, if given).

    `message` names the rule; a `%` in it becomes the refused operation.
    """

    when = pgtrigger.Before

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(func=_raise(message), **kwargs)


class RefuseTruncate(OwnerIgnorable):
    """Refuses TRUNCATE of the table, a CASCADE from another table's included: a row trigger
    never sees it. Statement level, before any row is gone."""

    name = REFUSE_TRUNCATE
    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement

    def __init__(self, *, message: str) -> None:
        super().__init__(func=_raise(message))


def truncate_guards() -> list[str]:
    """The URIs (`app.Model:refuse_truncate`) of every TRUNCATE refusal."""
    return sorted(
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if trigger.name == REFUSE_TRUNCATE
    )


def truncate_guard_pgids() -> list[str]:
    """The Postgres names of every TRUNCATE refusal, for a raw connection's
    `set_config('pgtrigger.ignore', ...)`."""
    return sorted(
        trigger.get_pgid(model)
        for model, trigger in pgtrigger.registered()
        if trigger.name == REFUSE_TRUNCATE
    )


@contextlib.contextmanager
def allow_truncate() -> Iterator[None]:
    """Lets this thread's Django connections TRUNCATE protected tables, when they connect
    as the owning role (the app's role has no TRUNCATE privilege at all). Row-level
    refusals still hold."""
    with pgtrigger.ignore(*truncate_guards()):
        yield


def append_only(table: str) -> list[pgtrigger.Trigger]:
    """The two triggers of an append-only table: no UPDATE or DELETE of a row, no TRUNCATE.

    `table` names it in the refusal ("cloud_resource_events is append-only: UPDATE
    refused"). Frozen like the SQL template: the message is part of each trigger's hash.
    """
    message = f"{table} is append-only: % refused"
    return [
        Refuse(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete, message=message),
        RefuseTruncate(message=message),
    ]
