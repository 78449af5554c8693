"""What every order service shares: the row lock and the audit context."""

import pghistory

from orders.actors import Actor
from orders.models import Order


def locked_order(order_id: int) -> Order:
    """The order, locked for the rest of the transaction (statuses and holds are read with it)."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("status", "held_from", "channel")
        .get(pk=order_id)
    )


def service_context(name: str, actor: Actor):
    """Mark database changes as made by a service, so the timeline shows the service's own event
    rather than the raw row change (see orders/timeline.py)."""
    return pghistory.context(service=name, actor=actor.user_id, actor_label=actor.label)
