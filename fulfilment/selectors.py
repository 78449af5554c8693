"""Reads for the warehouse's screens: the packing station's queue."""

from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from fulfilment.models import PicklistLine
from orders.models import Order
from orders.selectors import orders_visible_to
from orders.workflow import Stage

QUEUE_SIZE = 50


def packing_queue(user) -> QuerySet[Order]:
    """The picked orders waiting to be packed, the most urgent first: the earliest ship-by (orders
    without one after those with one), then the longest waiting since picked (its last picklist's
    completion; an order moved to picked by hand counts from its last change)."""
    picked_at = Subquery(
        PicklistLine.objects.filter(order=OuterRef("pk"), picklist__completed_at__isnull=False)
        .values("order")
        .annotate(at=Max("picklist__completed_at"))
        .values("at")[:1]
    )
    return (
        orders_visible_to(user)
        .filter(stage=Stage.PICKED)
        .annotate(picked_at=Coalesce(picked_at, F("updated_at")))
        .select_related("status", "warehouse", "channel")
        .order_by(F("ship_by").asc(nulls_last=True), "picked_at", "number")
    )


def next_to_pack(user, *, after: Order | None = None) -> Order | None:
    """The order the packing station opens next: the head of the queue, not the one just packed."""
    queue = packing_queue(user)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()
