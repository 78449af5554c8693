"""Polling and backfill (SPEC 5): read the shop's orders changed since a cursor, page by page with the
platform's own paging, and apply each through the same path as a webhook. A poll starts an overlap
window before its cursor, so an order changed while the last poll ran is read again (and recorded as
already applied); a backfill saves its page cursor after every page, so a run cut short by a crash goes
on where it stopped."""

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.connections.services import connection_client
from channels.errors import ChannelError
from channels.intake.apply import Applied
from channels.intake.models import Delivery
from channels.intake.processing import apply_safely, record
from channels.intake.receive import delivery_store
from channels.marketplaces.base import PlatformError, PlatformOrder

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
FIRST_POLL_LOOKBACK = timedelta(hours=24)  # a new connection's first poll reads the last day
COUNTED = {
    "created": "created",
    "updated": "updated",
    "unchanged": "skipped",
    "stale": "skipped",
    "skipped": "skipped",
    "failed": "failed",
}


def sync_start(*, connection_id: int, kind: str, since: datetime | None = None, user=None) -> SyncRun:
    connection = Connection.objects.get(pk=connection_id)
    if since is None:
        start = connection.poll_cursor or (timezone.now() - FIRST_POLL_LOOKBACK)
        since = start - OVERLAP
    try:
        with transaction.atomic():
            return SyncRun.objects.create(connection=connection, kind=kind, since=since, started_by=user)
    except IntegrityError:
        raise ChannelError(f"A {kind} of {connection} is running already; wait for it to end.") from None


def _apply_polled(connection: Connection, run: SyncRun, platform_order: PlatformOrder) -> str:
    """Store the polled version as a delivery (once per order and version) and apply it."""
    updated = platform_order.updated_at.isoformat()
    with transaction.atomic():
        delivery_id = delivery_store(
            connection_id=connection.pk, source=Delivery.Source.POLL,
            delivery_id=f"poll:{platform_order.platform_order_id}:{updated}"[:200], topic="poll",
            body=json.dumps(platform_order.raw, default=str), run_id=run.pk,
        )  # fmt: skip
        if delivery_id is None:  # this version was read before: nothing new
            return "skipped"
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        try:
            result = apply_safely(connection, platform_order)
        except Exception as error:
            logger.exception("polled order %s could not be applied", platform_order.platform_order_id)
            result = Applied(
                "failed", None, [f"Packline could not apply it ({type(error).__name__}); see the logs"]
            )
        record(delivery, result, platform_order)
    return COUNTED[result.outcome]


def sync_continue(*, run_id: int, progress: Callable[[SyncRun], None] | None = None) -> SyncRun:
    """Read pages from where the run stopped until the last one; each page's progress is saved."""
    run = SyncRun.objects.select_related("connection__channel").get(pk=run_id)
    connection = run.connection
    if run.state != SyncRun.State.RUNNING:
        return run
    client = connection_client(connection)
    cursor = run.page_cursor or None
    while True:
        try:
            page = client.orders_updated_since(run.since, cursor)
        except PlatformError as error:
            return _finish(run, SyncRun.State.FAILED, f"{connection.label} did not answer: {error}")
        newest = None
        for platform_order in page.orders:
            counted = _apply_polled(connection, run, platform_order)
            setattr(run, counted, getattr(run, counted) + 1)
            run.seen += 1
            if counted != "failed" and (newest is None or platform_order.updated_at > newest):
                newest = platform_order.updated_at
        run.pages += 1
        run.page_cursor = page.next_cursor or ""
        run.heartbeat_at = timezone.now()
        run.save(update_fields=[*run.counts(), "page_cursor", "heartbeat_at"])
        if run.kind == SyncRun.Kind.POLL and newest is not None:
            Connection.objects.filter(pk=connection.pk).update(poll_cursor=Greatest("poll_cursor", newest))
        if progress:
            progress(run)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return _finish(run, SyncRun.State.DONE)


def _finish(run: SyncRun, state: str, error: str = "") -> SyncRun:
    run.state = state
    run.error = error[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    if run.kind == SyncRun.Kind.POLL:
        Connection.objects.filter(pk=run.connection_id).update(last_poll_at=run.finished_at)
    if error:
        logger.warning("sync run %s of connection %s failed: %s", run.pk, run.connection_id, error)
    return run


def connection_poll(*, connection_id: int, since: datetime | None = None, user=None) -> SyncRun:
    """One poll now (beat's schedule, `channel_sync`)."""
    connection = Connection.objects.get(pk=connection_id)
    if connection.paused:
        raise ChannelError(f"{connection} is paused; resume it to poll.")
    run = sync_start(connection_id=connection_id, kind=SyncRun.Kind.POLL, since=since, user=user)
    return sync_continue(run_id=run.pk)
