"""Tracking back to the shop (SPEC 5): an outbox row written in the shipment's own transaction, sent by
a worker; a shop that is down gets it later (backoff), a permanent refusal shows on the order and on
the connection, where a manager retries it."""

import logging
from datetime import timedelta
from urllib.parse import quote

from celery import current_app
from django.db import transaction
from django.utils import timezone

from channels.connections.models import Connection
from channels.connections.services import _require, connection_client
from channels.intake.apply import shop_actor
from channels.intake.events import ChannelEvent
from channels.marketplaces.base import PlatformError, ReauthorisationNeeded, TrackingLine
from channels.marketplaces.base import TrackingPush as Push
from channels.tracking.models import TrackingPush
from fulfilment.carriers import tracking_url as carrier_tracking_url
from orders import events

logger = logging.getLogger(__name__)

PUSH_TASK = "channels.push_tracking"
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(hours=2)
# Where a carrier's customers follow a parcel; others get no link (the number is still sent).
TRACKING_PAGES = {
    "dhl": "https://www.dhl.com/en/express/tracking.html?AWB={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "gls": "https://gls-group.com/track/{}",
}


def tracking_url(carrier: str, number: str) -> str:
    """The managed carrier's tracking page (fulfilment.Carrier, issue 19) when there is one of that
    name, else the built-in page of a well-known carrier."""
    managed = carrier_tracking_url(carrier, number)
    if managed:
        return managed
    template = TRACKING_PAGES.get(carrier.strip().lower())
    return template.format(quote(number)) if template and number else ""


def tracking_push_queue(*, shipment) -> TrackingPush | None:
    """Called in the shipment's transaction: an outbox row when the order came from a connected shop
    that wants tracking back."""
    order = shipment.order
    connection = Connection.objects.filter(channel_id=order.channel_id).first()
    if connection is None or not connection.push_tracking or not order.channel_order_id:
        return None
    push = TrackingPush.objects.create(
        connection=connection, order=order, shipment=shipment, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _queue(push.pk))
    return push


def _queue(push_id: int) -> None:
    current_app.send_task(PUSH_TASK, args=[push_id])


def _push_of(push: TrackingPush) -> Push:
    shipment = push.shipment
    lines = [
        TrackingLine(platform_line_id=line.order_line.channel_line_id, quantity=line.quantity)
        for line in shipment.lines.select_related("order_line")
        if line.order_line.channel_line_id
    ]
    return Push(
        platform_order_id=push.order.channel_order_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        tracking_url=tracking_url(shipment.carrier, shipment.tracking_number),
        lines=lines,
    )


def tracking_push_send(*, push_id: int) -> TrackingPush | None:
    """Send one due push. Locked while it is sent, so two workers never send it twice."""
    with transaction.atomic():
        push = (
            TrackingPush.objects.select_for_update(skip_locked=True)
            .select_related("connection__channel", "order", "shipment")
            .filter(pk=push_id, state=TrackingPush.State.PENDING)
            .first()
        )
        if push is None:
            return None
        connection = push.connection
        actor = shop_actor(connection)
        if connection.needs_authorisation:
            return _wait_for_consent(push, connection.authorisation_error)
        push.attempts += 1
        try:
            reference = connection_client(connection).push_tracking(_push_of(push))
        except ReauthorisationNeeded as error:  # not the push's fault: it waits, its tries are kept
            push.attempts -= 1
            return _wait_for_consent(push, str(error))
        except PlatformError as error:
            push.last_error = str(error)[:500]
            if error.permanent or push.attempts >= MAX_ATTEMPTS:
                push.state = TrackingPush.State.FAILED
                events.record(
                    push.order, actor, ChannelEvent.TRACKING_FAILED, shop=str(actor), error=push.last_error
                )
            else:
                wait = max(
                    FIRST_BACKOFF * 2 ** (push.attempts - 1), timedelta(seconds=error.retry_after or 0)
                )
                push.next_attempt_at = timezone.now() + min(wait, LONGEST_BACKOFF)
            push.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
            logger.warning("tracking push %s to connection %s failed: %s", push.pk, connection.pk, error)
            return push
        push.state = TrackingPush.State.SENT
        push.platform_reference = str(reference)[:100]
        push.sent_at = timezone.now()
        push.last_error = ""
        push.save(update_fields=["attempts", "state", "platform_reference", "sent_at", "last_error"])
        events.record(
            push.order, actor, ChannelEvent.TRACKING_PUSHED, shop=str(actor),
            tracking_number=push.shipment.tracking_number, carrier=push.shipment.carrier,
        )  # fmt: skip
    return push


def _wait_for_consent(push: TrackingPush, error: str) -> TrackingPush:
    """The connection needs re-authorisation: the push stays pending, sent once the seller consents
    again (authorisation.connection_authorised makes it due); the sweep leaves it alone meanwhile."""
    push.last_error = f"Waiting for the connection to be authorised again: {error}"[:500]
    push.save(update_fields=["last_error"])
    return push


@transaction.atomic
def tracking_push_retry(*, push_id: int, actor) -> TrackingPush:
    _require(actor)
    push = TrackingPush.objects.select_for_update().get(pk=push_id)
    if push.state != TrackingPush.State.SENT:
        push.state = TrackingPush.State.PENDING
        push.next_attempt_at = timezone.now()
        push.save(update_fields=["state", "next_attempt_at"])
        transaction.on_commit(lambda: _queue(push.pk))
    return push


def due_pushes(limit: int = 500) -> list[int]:
    return list(
        TrackingPush.objects.filter(state=TrackingPush.State.PENDING, next_attempt_at__lte=timezone.now())
        .filter(connection__authorisation_failed_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
