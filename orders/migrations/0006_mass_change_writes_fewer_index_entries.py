"""A mass status change writes fewer index entries (issue 5, SPEC 7: 10,000 orders in 3 s).

- Foreign keys already leading another index lose their own (order.channel, order.assigned_agent,
  orderevent.order, bulkjobresult.job); mostly-empty ones are indexed only where set. Only the index
  goes: each constraint stays as it is (an AlterField would drop and re-validate it, a scan of every
  order and every event).
- Job results: no index on `state`, room left in the pages, so marking a result done is a HOT update.
- The stage trigger is installed without pgtrigger's per-row subtransaction (config/postgresql/triggers.py).
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import config.postgresql.triggers


def drop_foreign_key_index(model_name, name, field, index, table, column):
    """Take the plain index off a foreign key, keeping its constraint."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"', f'CREATE INDEX "{index}" ON "{table}" ("{column}")'
            )
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_money"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Job results --------------------------------------------------------------------------------
        migrations.RemoveIndex(model_name="bulkjobresult", name="job_result_state"),
        drop_foreign_key_index(
            "bulkjobresult",
            "job",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="orders.bulkjob",
            ),
            "orders_bulkjobresult_job_id_397e390d",
            "orders_bulkjobresult",
            "job_id",
        ),
        # Room in each page for a result row's next version: marking it done is then a HOT update.
        # Rows written from now on get the room; existing pages are left as they are.
        migrations.RunSQL(
            "ALTER TABLE orders_bulkjobresult SET (fillfactor = 50)",
            "ALTER TABLE orders_bulkjobresult RESET (fillfactor)",
        ),
        # Orders -------------------------------------------------------------------------------------
        drop_foreign_key_index(
            "order",
            "channel",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="orders.channel",
            ),
            "orders_order_channel_id_a76729a3",
            "orders_order",
            "channel_id",
        ),
        drop_foreign_key_index(
            "order",
            "assigned_agent",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="agent_orders",
                to=settings.AUTH_USER_MODEL,
            ),
            "orders_order_assigned_agent_id_ad0c9e71",
            "orders_order",
            "assigned_agent_id",
        ),
        drop_foreign_key_index(
            "order",
            "assigned_csr",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="csr_orders",
                to=settings.AUTH_USER_MODEL,
            ),
            "orders_order_assigned_csr_id_e89d2a52",
            "orders_order",
            "assigned_csr_id",
        ),
        drop_foreign_key_index(
            "order",
            "deleted_by",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            "orders_order_deleted_by_id_8b31954d",
            "orders_order",
            "deleted_by_id",
        ),
        drop_foreign_key_index(
            "order",
            "held_from",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orders.status",
            ),
            "orders_order_held_from_id_17cb5d89",
            "orders_order",
            "held_from_id",
        ),
        migrations.RemoveIndex(model_name="order", name="order_agent_created"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                models.F("assigned_agent"),
                models.OrderBy(models.F("created_at"), descending=True),
                condition=models.Q(("assigned_agent__isnull", False)),
                name="order_agent_created",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                models.F("assigned_csr"),
                condition=models.Q(("assigned_csr__isnull", False)),
                name="order_csr",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                models.F("held_from"),
                condition=models.Q(("held_from__isnull", False)),
                name="order_held_from",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                models.F("deleted_by"),
                condition=models.Q(("deleted_by__isnull", False)),
                name="order_deleted_by",
            ),
        ),
        pgtrigger.migrations.RemoveTrigger(model_name="order", name="order_stage_follows_status"),
        pgtrigger.migrations.AddTrigger(
            model_name="order",
            trigger=pgtrigger.compiler.Trigger(
                name="order_stage_follows_status",
                sql=config.postgresql.triggers.LeanUpsertTriggerSql(
                    func="NEW.stage := (SELECT stage FROM orders_status WHERE id = NEW.status_id); RETURN NEW;",
                    hash="68737f0c43e14bd0306dbd666a8fc712211b53af",
                    operation='INSERT OR UPDATE OF "status_id"',
                    pgid="pgtrigger_order_stage_follows_status_c6667",
                    table="orders_order",
                    when="BEFORE",
                ),
            ),
        ),
        # Timeline events and holds ------------------------------------------------------------------
        drop_foreign_key_index(
            "orderevent",
            "order",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="orders.order",
            ),
            "orders_orderevent_order_id_b26297f3",
            "orders_orderevent",
            "order_id",
        ),
        drop_foreign_key_index(
            "orderhold",
            "released_by",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            "orders_orderhold_released_by_id_e935ecc0",
            "orders_orderhold",
            "released_by_id",
        ),
        migrations.AddIndex(
            model_name="orderhold",
            index=models.Index(
                models.F("released_by"),
                condition=models.Q(("released_by__isnull", False)),
                name="hold_released_by",
            ),
        ),
    ]
