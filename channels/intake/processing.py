"""Workers apply what was stored: each waiting delivery of a connection, oldest first, in its own
transaction, its outcome written to the sync log in words. A delivery that cannot be read or cannot
form an order is marked failed with the reason (a manager retries it from the sync log)."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.apply import Applied, platform_order_apply
from channels.intake.models import Delivery
from channels.marketplaces import platform
from channels.marketplaces.base import (
    OrderReference,
    Platform,
    PlatformError,
    PlatformOrder,
    ReauthorisationNeeded,
)
from orders.errors import OrderError

logger = logging.getLogger(__name__)

STATE_OF = {
    "created": Delivery.State.APPLIED,
    "updated": Delivery.State.APPLIED,
    "unchanged": Delivery.State.APPLIED,
    "stale": Delivery.State.SKIPPED,
    "skipped": Delivery.State.SKIPPED,
    "failed": Delivery.State.FAILED,
}  # "waiting" leaves the delivery received (wait_for_fetch)


FETCH_ATTEMPTS = 5  # a notification's order the platform does not show yet is asked for again
FETCH_AGAIN_AFTER = timedelta(seconds=30)


def waiting_deliveries(connection_id: int):
    """What a drain takes: waiting deliveries, but not one whose order was asked for just now."""
    return Delivery.objects.filter(connection_id=connection_id, state=Delivery.State.RECEIVED).filter(
        Q(processed_at__isnull=True) | Q(processed_at__lt=timezone.now() - FETCH_AGAIN_AFTER)
    )


class FetchLater(Exception):
    """The delivery names an order the platform could not give now: the delivery waits for the next
    drain (the sweeper's), up to FETCH_ATTEMPTS times."""


def read_delivery(
    adapter: Platform, delivery: Delivery, connection: Connection
) -> PlatformOrder | str | None:
    """The order a webhook delivery describes (fetched from the platform when the notification only
    names it), None for a topic without one, or why it cannot be read. FetchLater: try again later."""
    try:
        payload = json.loads(delivery.body, parse_float=Decimal)
    except ValueError as error:
        return f"the body is not JSON ({error})"
    if not isinstance(payload, dict):
        return "the body is not a JSON object"
    try:
        read = adapter.order_from_webhook(delivery.topic, payload, received_at=delivery.received_at)
    except ValueError as error:  # what an adapter raises for a payload that is no order
        return f"the order could not be read: {error}"
    except (KeyError, TypeError, ArithmeticError) as error:  # an adapter's defect: say so in the log too
        logger.exception("delivery %s: %s could not read it", delivery.pk, adapter.label)
        return f"the order could not be read: {type(error).__name__} {error}"
    if not isinstance(read, OrderReference):
        return read
    from channels.connections.services import connection_client

    try:
        return connection_client(connection).order(read.platform_order_id)
    except PlatformError as error:
        if isinstance(error, ReauthorisationNeeded):  # it waits for the seller's consent, then is applied
            raise FetchLater(f"waiting for the connection to be authorised again: {error}") from error
        if error.permanent or delivery.attempts + 1 >= FETCH_ATTEMPTS:
            return f"{adapter.label} did not give order {read.platform_order_id}: {error}"
        raise FetchLater(
            f"waiting for {adapter.label} to give order {read.platform_order_id}: {error}"
        ) from error


def wait_for_fetch(delivery: Delivery, later: FetchLater) -> Applied:
    """Leave the delivery waiting, with why, for the next drain."""
    delivery.attempts += 1
    delivery.outcome = str(later)[:300]
    delivery.processed_at = timezone.now()  # the drain leaves it alone until FETCH_AGAIN_AFTER has passed
    delivery.save(update_fields=["attempts", "outcome", "processed_at"])
    return Applied("waiting", None, [str(later)])


def apply_safely(connection: Connection, platform_order: PlatformOrder) -> Applied:
    """platform_order_apply, with refusals turned into a failed outcome (nothing of it kept)."""
    try:
        return platform_order_apply(connection=connection, platform_order=platform_order)
    except OrderError as refused:
        return Applied("failed", None, [str(refused)])


def record(delivery: Delivery, result: Applied, platform_order: PlatformOrder | None = None) -> None:
    delivery.state = STATE_OF[result.outcome]
    delivery.outcome = (result.text() or result.outcome)[:300]
    delivery.order_id = result.order_id
    if platform_order is not None:
        delivery.platform_order_id = platform_order.platform_order_id[:100]
        delivery.platform_updated_at = platform_order.updated_at
    delivery.processed_at = timezone.now()
    delivery.attempts += 1
    delivery.save(
        update_fields=[
            "state",
            "outcome",
            "order",
            "platform_order_id",
            "platform_updated_at",
            "processed_at",
            "attempts",
        ]
    )


def delivery_apply(*, delivery: Delivery, connection: Connection) -> Applied:
    adapter = platform(connection.kind)
    if delivery.source == Delivery.Source.POLL:
        # A polled order is read again from the shop: its stored body is the platform's own shape.
        from channels.connections.services import connection_client

        try:
            platform_order = connection_client(connection).order(delivery.platform_order_id)
        except PlatformError as error:
            result = Applied("failed", delivery.order_id, [f"{connection.label} did not answer: {error}"])
            record(delivery, result)
            return result
    else:
        try:
            platform_order = read_delivery(adapter, delivery, connection)
        except FetchLater as later:
            return wait_for_fetch(delivery, later)
        if platform_order is None:
            result = Applied("skipped", None, [f"topic {delivery.topic!r} carries no order"])
            record(delivery, result)
            return result
        if isinstance(platform_order, str):
            result = Applied("failed", None, [platform_order])
            record(delivery, result)
            return result
    try:
        result = apply_safely(connection, platform_order)
    except Exception as error:  # a defect must not leave the delivery waiting for ever
        logger.exception("delivery %s could not be applied", delivery.pk)
        result = Applied(
            "failed", None, [f"Packline could not apply it ({type(error).__name__}); see the logs"]
        )
    record(delivery, result, platform_order)
    return result


@transaction.atomic
def delivery_retry(*, delivery_id: int, actor) -> Applied:
    """A manager's "retry" of a failed or skipped delivery from the sync log."""
    from channels.connections.services import _require

    _require(actor)
    delivery = Delivery.objects.select_for_update().select_related("connection__channel").get(pk=delivery_id)
    if delivery.topic == "authorisation":  # connections/authorisation.py: a note, not a delivery
        return Applied("skipped", None, ["a note about the connection's authorisation; authorise it again"])
    if delivery.state == Delivery.State.APPLIED:
        return Applied("unchanged", delivery.order_id, ["applied already"])
    return delivery_apply(delivery=delivery, connection=delivery.connection)
