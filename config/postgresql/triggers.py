"""Trigger machinery: row triggers compiled without a subtransaction per row, and the switch that makes
a trigger keeping a derived value stand aside while a set-based writer computes that value itself.

Lean triggers:
pgtrigger wraps each trigger function in a call to `_pgtrigger_should_ignore()`, which reads the
`pgtrigger.ignore` setting inside a BEGIN ... EXCEPTION block: PostgreSQL opens a subtransaction for
every such block, on every row. For a trigger that fires on every status change (the stage follows
the status) that is most of the trigger's cost, about 30 µs a row, 0.3 s for 10,000 orders. The lean
form reads the same setting with `current_setting(..., missing_ok)` instead, so `pgtrigger.ignore()`
still works, and the trigger is installed, migrated, listed and pruned by pgtrigger as before.
"""

from contextlib import contextmanager, suppress

import pgtrigger
from django.db import DatabaseError, connection
from pgtrigger import compiler


class LeanUpsertTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's installation template with the ignore check inline (referenced by migrations:
    do not edit; add a new class if it must change)."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    IF (TG_NAME = ANY(NULLIF(CURRENT_SETTING('pgtrigger.ignore', true), '')::TEXT[])) THEN
                        IF (TG_OP = 'DELETE') THEN
                            RETURN OLD;
                        ELSE
                            RETURN NEW;
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


class LeanTrigger(pgtrigger.Trigger):
    """A pgtrigger.Trigger installed with LeanUpsertTriggerSql."""

    def compile(self, model) -> compiler.Trigger:
        compiled = super().compile(model)
        return compiler.Trigger(name=compiled.name, sql=LeanUpsertTriggerSql(**compiled.sql.kwargs))


def set_local(setting: str, value: str) -> None:
    """A setting for the rest of the transaction, as the triggers read it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [setting, value])


def unless_set_based(name: str) -> pgtrigger.Condition:
    """A row trigger that keeps a derived value (`name`) stands aside while a bulk writer computes that
    value itself, set-based, in the same statements (set_based below). The test is the trigger's WHEN
    clause, evaluated without calling the trigger's function: pgtrigger.ignore() is checked inside the
    function, in a sub-transaction, and costs about 15 µs per row, more than the work it skips."""
    return pgtrigger.Condition(f"COALESCE(current_setting('packline.{name}_set_based', true), '') <> 'on'")


@contextmanager
def set_based(name: str):
    """The statements inside write the derived value `name` themselves, for many rows at once: the row
    trigger that keeps it (declared with unless_set_based(name)) stands aside until the block ends. The
    writer owns the value's correctness meanwhile."""
    setting = f"packline.{name}_set_based"
    set_local(setting, "on")
    try:
        yield
    finally:
        with suppress(DatabaseError):
            set_local(setting, "")
