"""Celery tasks for money: ids in, service call, retries."""

from celery import shared_task

from orders.services.transitions import MONEY_FOLLOW_UP_TASK, order_money_on_stage


@shared_task(name=MONEY_FOLLOW_UP_TASK, bind=True, max_retries=5, default_retry_delay=10, acks_late=True)
def order_money_follow_up(self, order_id: int, stage: str) -> None:
    """A refund on cancellation or return that could not run right after the order's transaction."""
    try:
        order_money_on_stage(order_id=order_id, stage=stage)
    except Exception as error:
        raise self.retry(exc=error) from error
