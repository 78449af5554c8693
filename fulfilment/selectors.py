"""Reads for the warehouse's screens and the JSON API: the packing station's queue, stock rows, an
order's shipments."""

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from fulfilment.carriers import tracking_templates, tracking_url
from fulfilment.models import PicklistLine, Shipment, StockItem
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


def stock_rows(
    *, term: str = "", warehouse_id: int | None = None, short: bool = False
) -> QuerySet[StockItem]:
    """Stock per product and warehouse as the stock page filters it: a SKU prefix or a word of the
    name, one warehouse, or only the rows whose allocations take all that is on hand."""
    rows = StockItem.objects.select_related("warehouse", "product", "bin")
    term = term.strip()
    if term:
        rows = rows.filter(Q(product__sku__istartswith=term) | Q(product__name__icontains=term))
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    if short:
        rows = rows.filter(on_hand__lte=F("allocated"))
    return rows


def order_shipments(order: Order) -> list[Shipment]:
    """The order's shipments, oldest first, with their lines and each one's tracking link."""
    shipments = list(
        Shipment.objects.filter(order=order)
        .prefetch_related("lines__order_line")
        .select_related("shipped_by")
    )
    if shipments:
        templates = tracking_templates()
        for shipment in shipments:
            shipment.tracking_url = tracking_url(shipment.carrier, shipment.tracking_number, templates)
    return shipments
