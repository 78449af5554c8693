"""Celery task of the tracking outbox, on the `channels` queue."""

from celery import shared_task


@shared_task(name="channels.push_tracking", acks_late=True, reject_on_worker_lost=True)
def push_tracking(push_id: int) -> str | None:
    from channels.tracking.services import tracking_push_send

    push = tracking_push_send(push_id=push_id)
    return push.state if push else None
