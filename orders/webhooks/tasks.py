"""Celery task of the outbound webhooks outbox (beat runs it every few seconds; the pages run it at
once after "send test event" and "resend")."""

from celery import shared_task

from orders.webhooks.services import DELIVER_TASK, webhook_deliver_all_due


@shared_task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
def deliver_due() -> int:
    return webhook_deliver_all_due()
