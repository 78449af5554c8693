"""Workers apply what was stored: each waiting delivery of a connection, oldest first, in its own
transaction, its outcome written to the sync log in words. A delivery that cannot be read or cannot
form an order is marked failed with the reason (a manager retries it from the sync log)."""

import json
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.apply import Applied, platform_order_apply
from channels.intake.models import Delivery
from channels.marketplaces import platform
from channels.marketplaces.base import Platform, PlatformError, PlatformOrder
from orders.errors import OrderError

logger = logging.getLogger(__name__)

STATE_OF = {
    "created": Delivery.State.APPLIED,
    "updated": Delivery.State.APPLIED,
    "unchanged": Delivery.State.APPLIED,
    "stale": Delivery.State.SKIPPED,
    "skipped": Delivery.State.SKIPPED,
    "failed": Delivery.State.FAILED,
}


def read_delivery(adapter: Platform, delivery: Delivery) -> PlatformOrder | str | None:
    """The order a webhook delivery describes, None for a topic without one, or why it cannot be read."""
    try:
        payload = json.loads(delivery.body, parse_float=Decimal)
    except ValueError as error:
        return f"the body is not JSON ({error})"
    if not isinstance(payload, dict):
        return "the body is not a JSON object"
    try:
        return adapter.order_from_webhook(delivery.topic, payload, received_at=delivery.received_at)
    except ValueError as error:  # what an adapter raises for a payload that is no order
        return f"the order could not be read: {error}"
    except (KeyError, TypeError, ArithmeticError) as error:  # an adapter's defect: say so in the log too
        logger.exception("delivery %s: %s could not read it", delivery.pk, adapter.label)
        return f"the order could not be read: {type(error).__name__} {error}"


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
        platform_order = read_delivery(adapter, delivery)
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
    if delivery.state == Delivery.State.APPLIED:
        return Applied("unchanged", delivery.order_id, ["applied already"])
    return delivery_apply(delivery=delivery, connection=delivery.connection)
