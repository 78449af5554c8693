"""Fulfilment's answers to what happens to orders (orders/signals.py)."""

import logging

from django.dispatch import receiver

from fulfilment.services.allocation import HOLDS_STOCK, new_order_allocate, order_allocate, orders_allocate
from fulfilment.tasks import allocate_order
from orders.signals import (
    order_created,
    order_deletion_changed,
    order_lines_changed,
    order_stage_entered,
    orders_created,
)

logger = logging.getLogger(__name__)


def _allocate(order_id: int) -> None:
    try:
        order_allocate(order_id=order_id)
    except Exception:
        # The order itself is saved; allocation is retried by a worker rather than failing the request.
        logger.exception("allocation of order %s failed; queued for a worker", order_id)
        allocate_order.delay(order_id=order_id)


@receiver(order_stage_entered, dispatch_uid="fulfilment.allocate_on_stage")
def allocate_on_stage(sender, order_id: int, stage: str, previous_stage: str | None, **kwargs) -> None:
    """Orders that leave the stock-holding stages give it back, and those that come back reserve it again.
    Moves within them (processing -> on hold, say) change nothing and cost nothing. A new order
    (previous_stage None) reserved its stock in its creating transaction (allocate_new_order)."""
    if previous_stage is not None and (previous_stage in HOLDS_STOCK) != (stage in HOLDS_STOCK):
        _allocate(order_id)


@receiver(order_created, dispatch_uid="fulfilment.allocate_new_order")
def allocate_new_order(sender, order, lines, **kwargs) -> None:
    """A new order reserves its stock in the transaction that creates it: it is never committed
    without its allocations, and its lines carry their allocated quantities from the start."""
    new_order_allocate(order, lines)


@receiver(order_lines_changed, dispatch_uid="fulfilment.allocate_on_lines")
def allocate_on_lines(sender, order_id: int, **kwargs) -> None:
    _allocate(order_id)


@receiver(order_deletion_changed, dispatch_uid="fulfilment.allocate_on_deletion")
def allocate_on_deletion(sender, order_id: int, deleted: bool, **kwargs) -> None:
    """A deleted order gives its stock back (to the oldest backorders); a restored one reserves again."""
    _allocate(order_id)


@receiver(orders_created, dispatch_uid="fulfilment.allocate_created")
def allocate_created(sender, order_ids: list[int], stock_allocated: bool = False, **kwargs) -> None:
    """Orders created in bulk reserve stock in one batch, not one allocation per order (unless the batch
    reserved it in its own transaction already, as imports do)."""
    if stock_allocated:
        return
    try:
        orders_allocate(order_ids=order_ids)
    except Exception:
        logger.exception("allocation of %s imported orders failed; queued per order", len(order_ids))
        for order_id in order_ids:
            allocate_order.delay(order_id=order_id)
