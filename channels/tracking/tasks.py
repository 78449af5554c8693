"""Celery task of the tracking outbox, on the `channels` queue."""

from celery import shared_task

from channels.tracking.services import PUSH_TASK, tracking_push_send


@shared_task(name=PUSH_TASK, acks_late=True, reject_on_worker_lost=True)
def push_tracking(push_id: int) -> str | None:
    push = tracking_push_send(push_id=push_id)
    return push.state if push else None
