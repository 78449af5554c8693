"""The search index's pending list at 32 MB (config/postgresql/gin.py says why). A storage parameter is
set in place: Django would drop and rebuild the index, which takes minutes at a million orders and
leaves search without it meanwhile."""

import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0021_reference_generation")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER INDEX order_search SET (gin_pending_list_limit = 32768)",
                    reverse_sql="ALTER INDEX order_search RESET (gin_pending_list_limit)",
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="order", name="order_search"),
                migrations.AddIndex(
                    model_name="order",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], gin_pending_list_limit=32768, name="order_search"
                    ),
                ),
            ],
        )
    ]
