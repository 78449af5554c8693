"""A delivery's outcome, as the agent reports it at the door: delivered (with the cash or POS payment
collected, recorded in the same step) or failed.

Delivering an order whose payment is collected on delivery and which still has a balance due needs
the amount collected: the payment and the move to delivered commit together or not at all, so an
order is never delivered with its collection forgotten, and a refused payment (too much, not a
number) leaves the order shipped.
"""

from django.db import transaction

from orders.actors import as_actor
from orders.errors import MoneyRefused
from orders.models import Order
from orders.money.selectors import COLLECTED_ON_DELIVERY
from orders.money.services.common import amount_text
from orders.money.services.payments import payment_record
from orders.services.common import locked_order, service_context
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage


def collects_on_delivery(order: Order) -> bool:
    """Whether delivering this order means collecting money at the door: paid by cash or POS on
    delivery, and something is still due."""
    return order.payment_method in COLLECTED_ON_DELIVERY and order.balance_due > 0


@transaction.atomic
def delivery_complete(*, order_id: int, actor, collected=None, reason: str = "") -> Order:
    """Mark an order delivered. When its payment is collected on delivery and a balance is due,
    `collected` (the amount the agent took, at most the balance) is required and recorded as a payment
    collected by the order's agent, in the same transaction as the move."""
    actor = as_actor(actor)
    with service_context("delivery_complete", actor):
        order = locked_order(order_id)
        if collects_on_delivery(order):
            if collected is None or str(collected).strip() == "":
                raise MoneyRefused(
                    f"Enter the amount collected for {order} "
                    f"(balance due {amount_text(order.balance_due, order.currency)})."
                )
            payment_record(
                order_id=order.pk,
                amount=collected,
                method=order.payment_method,
                actor=actor,
                collected_by=order.assigned_agent,
                note="collected on delivery",
            )
        return order_transition(
            order_id=order.pk, to=builtin_status(Stage.DELIVERED), actor=actor, reason=reason
        )
