"""Polling and backfill (SPEC 5): read the shop's orders changed since a cursor, page by page with the
platform's own paging, and apply each through the same path as a webhook. A poll starts an overlap
window before its cursor, so an order changed while the last poll ran is read again (and recorded as
already applied); a backfill saves its page cursor after every page, so a run cut short by a crash goes
on where it stopped."""

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.connections.services import connection_client
from channels.errors import ChannelError
from channels.intake.apply import Applied, shop_actor
from channels.intake.batch import platform_orders_apply_batch
from channels.intake.erased import respect_erasures
from channels.intake.models import Delivery, PlatformOrderLink
from channels.intake.processing import STATE_OF, apply_safely
from channels.marketplaces import platform
from channels.marketplaces.base import PlatformError, PlatformOrder
from orders.services.create_many import OrderBatchCreator

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


def not_authorised(connection: Connection) -> str:
    """Why a connection that needs re-authorisation is not polled, in words."""
    return (
        f"Not polled: {connection} needs re-authorisation with {connection.label} "
        f"({connection.authorisation_error or 'consent missing'}). Authorise it again from its page."
    )


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


def _log(connection: Connection, run: SyncRun, versions: list[PlatformOrder], results: list[Applied]) -> None:
    """The sync log's rows for polled versions, one per order and version (a version read again is
    not logged twice)."""
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                connection=connection,
                source=Delivery.Source.POLL,
                run=run,
                topic=run.kind,
                delivery_id=f"poll:{version.platform_order_id}:{version.updated_at.isoformat()}"[:200],
                body=json.dumps(version.raw, default=str),
                state=STATE_OF[result.outcome],
                outcome=(result.text() or result.outcome)[:300],
                order_id=result.order_id,
                platform_order_id=version.platform_order_id[:100],
                platform_updated_at=version.updated_at,
                processed_at=now,
                attempts=1,
            )
            for version, result in zip(versions, results, strict=True)
        ],
        ignore_conflicts=True,
    )


def _apply_page(connection: Connection, run: SyncRun, versions: list[PlatformOrder], creator) -> Counter:
    """Apply a page of polled versions: those already applied (a webhook brought them) are counted
    and left alone; the rest go through the batch form of intake (new orders created together)."""
    counts: Counter = Counter()
    applied = dict(
        PlatformOrderLink.objects.filter(
            connection=connection, platform_order_id__in=[v.platform_order_id for v in versions]
        ).values_list("platform_order_id", "applied_updated_at")
    )
    fresh = []
    for version in versions:
        applied_at = applied.get(version.platform_order_id)
        if applied_at is not None and version.updated_at <= applied_at:
            counts["skipped"] += 1
        else:
            fresh.append(version)
    if not fresh:
        return counts
    fresh = respect_erasures(connection, fresh)
    try:
        with transaction.atomic():
            results = platform_orders_apply_batch(connection, fresh, creator)
            _log(connection, run, fresh, results)
    except Exception:  # a defect in the batch form must not stop the sync: one by one instead
        logger.exception("connection %s: a polled page failed in batch; applying one by one", connection.pk)
        results = []
        for version in fresh:
            try:
                result = apply_safely(connection, version)
            except Exception as error:
                logger.exception("polled order %s could not be applied", version.platform_order_id)
                result = Applied(
                    "failed", None, [f"Packline could not apply it ({type(error).__name__}); see the logs"]
                )
            _log(connection, run, [version], [result])
            results.append(result)
    for result in results:
        counts[COUNTED[result.outcome]] += 1
    return counts


def sync_continue(*, run_id: int, progress: Callable[[SyncRun], None] | None = None) -> SyncRun:
    """Read pages from where the run stopped until the last one; each page's progress is saved."""
    run = SyncRun.objects.select_related("connection__channel").get(pk=run_id)
    connection = run.connection
    if run.state != SyncRun.State.RUNNING:
        return run
    if connection.needs_authorisation:
        return _finish(run, SyncRun.State.FAILED, not_authorised(connection))
    client = connection_client(connection)
    creator = OrderBatchCreator(actor=shop_actor(connection), source=connection.kind)
    cursor = run.page_cursor or None
    # A platform that pages by creation date (eBay) may show an older change on a later page: its poll
    # cursor moves only once the run has read every page.
    oldest_first = getattr(platform(connection.kind), "changes_oldest_first", True)
    newest_of_run = None
    while True:
        try:
            page = client.orders_updated_since(run.since, cursor)
        except PlatformError as error:
            return _finish(run, SyncRun.State.FAILED, f"{connection.label} did not answer: {error}")
        for counted, count in _apply_page(connection, run, page.orders, creator).items():
            setattr(run, counted, getattr(run, counted) + count)
        run.seen += len(page.orders)
        newest = max((version.updated_at for version in page.orders), default=None)
        run.pages += 1
        run.page_cursor = page.next_cursor or ""
        run.heartbeat_at = timezone.now()
        run.save(update_fields=[*run.counts(), "page_cursor", "heartbeat_at"])
        if newest is not None and (newest_of_run is None or newest > newest_of_run):
            newest_of_run = newest
        if run.kind == SyncRun.Kind.POLL and newest is not None and oldest_first:
            Connection.objects.filter(pk=connection.pk).update(poll_cursor=Greatest("poll_cursor", newest))
        if progress:
            progress(run)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    if run.kind == SyncRun.Kind.POLL and newest_of_run is not None and not oldest_first:
        Connection.objects.filter(pk=connection.pk).update(poll_cursor=Greatest("poll_cursor", newest_of_run))
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


RECONCILE_WINDOW = timedelta(days=2)


def connection_reconcile(*, connection_id: int, user=None) -> SyncRun:
    """The nightly repair: the last two days of the shop's orders read again and compared with what
    was applied. An order a lost webhook never brought is created, one whose newer version was missed
    is brought up to date (through the same intake), and each repair is a row of the sync log; the
    orders already up to date are only counted. The poll cursor stays where it is."""
    connection = Connection.objects.get(pk=connection_id)
    if connection.paused:
        raise ChannelError(f"{connection} is paused; resume it to reconcile.")
    if connection.needs_authorisation:
        raise ChannelError(not_authorised(connection))
    run = sync_start(
        connection_id=connection_id,
        kind=SyncRun.Kind.RECONCILE,
        since=timezone.now() - RECONCILE_WINDOW,
        user=user,
    )
    return sync_continue(run_id=run.pk)


def connection_poll(*, connection_id: int, since: datetime | None = None, user=None) -> SyncRun:
    """One poll now (beat's schedule, `channel_sync`)."""
    connection = Connection.objects.get(pk=connection_id)
    if connection.paused:
        raise ChannelError(f"{connection} is paused; resume it to poll.")
    if connection.needs_authorisation:
        raise ChannelError(not_authorised(connection))
    run = sync_start(connection_id=connection_id, kind=SyncRun.Kind.POLL, since=since, user=user)
    return sync_continue(run_id=run.pk)
