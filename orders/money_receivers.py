"""Money's answers to orders entering a stage (SPEC 2.1, seeds 001 and 004).

Receivers rather than code inside order_cancel: every path that cancels or returns an order (the
status form, order_cancel, mass actions, a failed payment, channel syncs) goes through
order_transition or order_transition_many, and both announce the stage after their commit. The
services called here are idempotent (they refund what is paid and not yet refunded), so a worker
retrying after a failure never refunds twice.
"""

import logging

from django.dispatch import receiver

from orders.models import Order
from orders.money.services import order_money_on_stage
from orders.money.tasks import order_money_follow_up
from orders.signals import order_stage_entered
from orders.workflow import Stage

logger = logging.getLogger(__name__)

FOLLOWED = frozenset({Stage.CANCELLED, Stage.RETURNED, Stage.AWAITING_PAYMENT})


@receiver(order_stage_entered, dispatch_uid="orders.money_on_stage")
def money_on_stage(sender, order_id: int, stage: str, previous_stage: str | None, **kwargs) -> None:
    """Cancelled: refund what was paid. Returned: refund the shipped lines no return refunded.
    Awaiting payment again (a draft confirmed, a hold released) while fully paid: on to processing."""
    if stage not in FOLLOWED or previous_stage is None:
        return
    # Nothing paid, nothing to do: one indexed read keeps mass cancellations cheap.
    if not Order.objects.filter(pk=order_id, amount_paid__gt=0).exists():
        return
    try:
        order_money_on_stage(order_id=order_id, stage=stage)
    except Exception:
        # The order's move is committed; the refund is retried by a worker rather than failing the request.
        logger.exception(
            "money follow-up of order %s entering %s failed; queued for a worker", order_id, stage
        )
        order_money_follow_up.delay(order_id=order_id, stage=stage)
