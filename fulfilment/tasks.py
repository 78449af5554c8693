"""Celery tasks for fulfilment: ids in, service call, retries."""

from celery import shared_task

from fulfilment.services import order_allocate


@shared_task(bind=True, max_retries=5, default_retry_delay=5, acks_late=True)
def allocate_order(self, order_id: int) -> None:
    """Allocation that could not run right after the order's transaction (a lock timeout, say)."""
    try:
        order_allocate(order_id=order_id)
    except Exception as error:
        raise self.retry(exc=error) from error
