"""The Celery application: queues, routing and the periodic schedule; tasks live in each app."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("packline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "bulk", "imports", "channels", "documents")]
app.conf.task_routes = {
    "orders.tasks.bulk_job_run": {"queue": "bulk"},
    "imports.*": {"queue": "imports"},
    "channels.tasks.*": {"queue": "channels"},
    "fulfilment.tasks.document_*": {"queue": "documents"},
}
app.conf.beat_schedule = {
    "sweep-bulk-jobs": {"task": "orders.tasks.bulk_jobs_sweep", "schedule": 60.0},
    "sweep-imports": {"task": "imports.sweep", "schedule": 60.0},
}
app.autodiscover_tasks()
