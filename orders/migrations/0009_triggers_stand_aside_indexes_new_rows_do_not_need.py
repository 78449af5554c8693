"""Set-based writers (the CSV import) and new rows (issue 6, SPEC 7: 10,000 lines/s).

- The stage trigger stands aside by WHEN condition while a set-based writer computes the stage itself
  (config.postgresql.triggers.unless_set_based); it stays the lean form of 0006.
- Two foreign keys lose their plain index (only the index: an AlterField would drop and re-validate
  the constraint): a line's warehouse, set on few lines, gets a partial index; a payment's collector
  is indexed by payment_collected_by, which leads with it.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import config.postgresql.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_tags_indexed_only_where_set"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="order",
            name="order_stage_follows_status",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orderline",
                    name="warehouse",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orders.warehouse",
                    ),
                ),
                migrations.AlterField(
                    model_name="payment",
                    name="collected_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The delivery agent who collected the cash or POS payment, who owes it to the company.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="collected_payments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "orders_orderline_warehouse_id_625ca001"',
                    reverse_sql='CREATE INDEX "orders_orderline_warehouse_id_625ca001" ON "orders_orderline" ("warehouse_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "orders_payment_collected_by_id_41baae0e"',
                    reverse_sql='CREATE INDEX "orders_payment_collected_by_id_41baae0e" ON "orders_payment" ("collected_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(
                models.F("warehouse"), condition=models.Q(("warehouse__isnull", False)), name="line_warehouse"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="order",
            trigger=pgtrigger.compiler.Trigger(
                name="order_stage_follows_status",
                sql=config.postgresql.triggers.LeanUpsertTriggerSql(
                    condition="WHEN (COALESCE(current_setting('packline.order_stage_set_based', true), '') <> 'on')",
                    func="NEW.stage := (SELECT stage FROM orders_status WHERE id = NEW.status_id); RETURN NEW;",
                    hash="aa4d0a082e13d97a71fce392f7535b5c796394c0",
                    operation='INSERT OR UPDATE OF "status_id"',
                    pgid="pgtrigger_order_stage_follows_status_c6667",
                    table="orders_order",
                    when="BEFORE",
                ),
            ),
        ),
    ]
