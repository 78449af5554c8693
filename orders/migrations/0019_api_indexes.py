"""The API's indexes: orders by updated_at for `updated_since` (a sync client asking what changed since
a recent time, whose changed orders may be old ones), and Idempotency-Keys by created_at for their
hourly removal. Built concurrently: at a million orders a plain CREATE INDEX would hold up every order
write meanwhile."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0018_ship_by_rules"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                "updated_at", "id", condition=models.Q(("is_deleted", False)), name="order_live_updated"
            ),
        ),
        AddIndexConcurrently(
            model_name="apiidempotencykey",
            index=models.Index("created_at", name="idempotency_key_created"),
        ),
    ]
