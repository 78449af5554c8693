"""Celery tasks of the orders app itself (areas keep theirs beside them: orders/jobs/tasks.py, ...)."""

from celery import shared_task

from config.postgresql.gin import gin_pending_list_merge
from orders.api_idempotency import REMOVE_TASK, idempotency_keys_remove_expired
from orders.dashboard.activity import activity_compact
from orders.models.order import SEARCH_INDEX


@shared_task(name=REMOVE_TASK)
def remove_expired_idempotency_keys() -> int:
    """Hourly (config/celery.py): the API's Idempotency-Keys past their retention."""
    return idempotency_keys_remove_expired()


@shared_task(name="orders.activity_compact")
def compact_activity() -> int:
    """Every five minutes (config/celery.py): fold the dashboard summary's rows, one per hour and channel."""
    return activity_compact()


@shared_task(name="orders.search_index_merge")
def merge_search_index() -> int:
    """Every minute (config/celery.py): the search index's pending list merged, so that a user's write
    rarely has to (config/postgresql/gin.py)."""
    return gin_pending_list_merge(SEARCH_INDEX)
