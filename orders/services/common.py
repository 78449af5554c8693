"""What every order service shares: the row lock and the marker that keeps the timeline exact."""

import threading
from contextlib import contextmanager, suppress

from django.db import DatabaseError

from config.postgresql.triggers import set_local
from orders.actors import Actor
from orders.models import Order

_local = threading.local()


def locked_order(order_id: int) -> Order:
    """The order, locked for the rest of the transaction, with its status, hold origin and channel.

    The bare row is locked first and the related rows read after: locking through a join would let
    PostgreSQL re-check the join against the winner's new status and return no row to the loser of a
    race, instead of the order it must refuse to change.
    """
    Order.objects.select_for_update().filter(pk=order_id).values_list("pk", flat=True).get()
    return Order.objects.select_related("status", "held_from", "channel").get(pk=order_id)


def _mark(name: str) -> None:
    set_local("packline.service", name)


@contextmanager
def service_context(name: str, actor: Actor):
    """Mark the database changes made inside as a service's own: the service writes a timeline event
    for them, so the database-level capture (orders/models.py) leaves them out. Changes made outside
    any service, even later in the same transaction, are still captured."""
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        _mark(name)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            # If the transaction failed it is being rolled back, and the setting goes with it.
            with suppress(DatabaseError):
                _mark("")
