"""Celery tasks of the channel framework, on the `channels` queue: ids in, service call."""

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.errors import ChannelError
from channels.intake.models import Delivery
from channels.intake.queueing import PROCESS_TASK, queue_processing

logger = logging.getLogger(__name__)

POLL_TASK = "channels.poll"
BACKFILL_TASK = "channels.backfill"
SWEEP_TASK = "channels.sweep"
STALE_RUN = timedelta(minutes=10)
LOST_DELIVERY = timedelta(minutes=1)


@shared_task(name=PROCESS_TASK, acks_late=True, reject_on_worker_lost=True)
def process_deliveries(connection_id: int) -> dict:
    from channels.intake.batch import DRAIN_LIMIT, deliveries_process

    counts = dict(deliveries_process(connection_id=connection_id, limit=DRAIN_LIMIT))
    if sum(counts.values()) >= DRAIN_LIMIT:  # more may wait: another message, so other work can interleave
        current_app.send_task(PROCESS_TASK, args=[connection_id])
    return counts


@shared_task(name=POLL_TASK, acks_late=True, reject_on_worker_lost=True)
def poll(connection_id: int) -> dict | None:
    from channels.intake.polling import connection_poll

    try:
        return connection_poll(connection_id=connection_id).counts()
    except ChannelError as busy:  # paused, or a poll is running: the next beat tries again
        logger.info("poll of connection %s not started: %s", connection_id, busy)
        return None


@shared_task(name=BACKFILL_TASK, acks_late=True, reject_on_worker_lost=True)
def backfill(run_id: int) -> dict:
    from channels.intake.polling import sync_continue

    return sync_continue(run_id=run_id).counts()


@shared_task(name="channels.reconcile", acks_late=True, reject_on_worker_lost=True)
def reconcile(connection_id: int) -> dict | None:
    from channels.intake.polling import connection_reconcile

    try:
        return connection_reconcile(connection_id=connection_id).counts()
    except ChannelError as busy:
        logger.info("reconciliation of connection %s not started: %s", connection_id, busy)
        return None


@shared_task(name="channels.reconcile_all")
def reconcile_all() -> list[int]:
    """Nightly (beat): a reconciliation of every active connection."""
    ids = list(
        Connection.objects.filter(paused=False, authorisation_failed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for connection_id in ids:
        reconcile.delay(connection_id)
    return ids


@shared_task(name="channels.poll_due")
def poll_due() -> list[int]:
    """Periodic: queue a poll of every active connection whose last poll is older than the interval."""
    due = timezone.now() - timedelta(seconds=settings.CHANNEL_POLL_INTERVAL)
    ids = list(
        Connection.objects.filter(paused=False, authorisation_failed_at__isnull=True)  # see authorisation.py
        .filter(Q(last_poll_at__isnull=True) | Q(last_poll_at__lt=due))
        .exclude(runs__kind=SyncRun.Kind.POLL, runs__state=SyncRun.State.RUNNING)
        .values_list("pk", flat=True)
    )
    for connection_id in ids:
        poll.delay(connection_id)
    return ids


@shared_task(name=SWEEP_TASK)
def sweep() -> dict:
    """Periodic: deliveries whose task was lost, runs whose worker died, tracking pushes that are due,
    eBay account deletions still waiting (a lost task or a failed attempt)."""
    from channels.marketplaces.ebay.erasure import DELETION_TASK, account_deletions_waiting
    from channels.tracking.services import PUSH_TASK, due_pushes

    now = timezone.now()
    waiting = list(
        Delivery.objects.filter(
            state=Delivery.State.RECEIVED,
            received_at__lt=now - LOST_DELIVERY,
            connection__paused=False,
            connection__authorisation_failed_at__isnull=True,
        )
        .values_list("connection_id", flat=True)
        .distinct()
    )
    for connection_id in waiting:
        queue_processing(connection_id)
    stale = SyncRun.objects.filter(state=SyncRun.State.RUNNING, heartbeat_at__lt=now - STALE_RUN)
    resumed = []
    for run in stale:
        if run.kind in (SyncRun.Kind.BACKFILL, SyncRun.Kind.RECONCILE):
            SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=now)
            backfill.delay(run.pk)
            resumed.append(run.pk)
        else:  # a poll is cheap to start again; the next beat does
            SyncRun.objects.filter(pk=run.pk).update(
                state=SyncRun.State.FAILED, error="The worker stopped during this poll.", finished_at=now
            )
    pushes = due_pushes()
    for push_id in pushes:
        current_app.send_task(PUSH_TASK, args=[push_id])
    deletions = account_deletions_waiting(now=now)
    for deletion_id in deletions:
        current_app.send_task(DELETION_TASK, args=[deletion_id])
    return {
        "connections": waiting,
        "backfills": resumed,
        "pushes": len(pushes),
        "account_deletions": len(deletions),
    }
