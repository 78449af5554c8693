"""The Celery application: queues, routing and the periodic schedule; tasks live in each app."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("packline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "bulk", "imports", "channels", "documents")]
app.conf.task_routes = {
    "jobs.run": {"queue": "bulk"},
    "imports.*": {"queue": "imports"},
    "channels.*": {"queue": "channels"},
    "fulfilment.tasks.document_*": {"queue": "documents"},
}
app.conf.beat_schedule = {
    "sweep-bulk-jobs": {"task": "jobs.sweep", "schedule": 60.0},
    "sweep-imports": {"task": "imports.sweep", "schedule": 60.0},
    "poll-channels": {"task": "channels.poll_due", "schedule": 60.0},
    "sweep-channels": {"task": "channels.sweep", "schedule": 60.0},
    "deliver-webhooks": {"task": "webhooks.deliver_due", "schedule": 10.0},
    # The JSON API's Idempotency-Keys past API_IDEMPOTENCY_KEY_RETENTION_HOURS (orders/tasks.py).
    "remove-expired-idempotency-keys": {
        "task": "orders.idempotency_keys_remove_expired",
        "schedule": crontab(minute=7),
    },
    # The dashboard's hourly summary: its triggers append rows, this folds them (orders/dashboard/activity.py).
    "compact-order-activity": {"task": "orders.activity_compact", "schedule": 300.0},
    # The order search index's pending list, merged here rather than in a user's write (config/postgresql/gin.py).
    "merge-search-index": {"task": "orders.search_index_merge", "schedule": 60.0},
    # What a lost webhook missed is repaired by morning (docs/channels.md).
    "reconcile-channels": {"task": "channels.reconcile_all", "schedule": crontab(hour=3, minute=15)},
}
app.autodiscover_tasks()
# Areas of an app keep their tasks beside them (orders/jobs/tasks.py, channels/csv/tasks.py, ...).
app.autodiscover_tasks(
    [
        "orders.jobs",
        "orders.money",
        "orders.webhooks",
        "channels.csv",
        "channels.intake",
        "channels.tracking",
        "channels.marketplaces.ebay",
    ]
)
