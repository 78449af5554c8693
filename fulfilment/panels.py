"""Fulfilment's panel on the order page: stock state, shipments, the ship form, document buttons."""

from fulfilment.forms import ShipForm
from fulfilment.models import PackingRecord, Shipment
from fulfilment.services.documents import DOCUMENTS
from fulfilment.services.shipping import SHIPPABLE_FROM


def order_panel(order, user):
    if order.is_deleted:
        return None
    shipments = list(
        Shipment.objects.filter(order=order)
        .prefetch_related("lines__order_line")
        .select_related("shipped_by")
    )
    can_ship = user.has_perm("fulfilment.ship_order") and order.stage in SHIPPABLE_FROM
    lines = (
        [line for line in order.lines.filter(product__isnull=False) if line.quantity_open > 0]
        if can_ship
        else []
    )
    return (
        "fulfilment/_order_panel.html",
        {
            "shipments": shipments,
            "packings": list(PackingRecord.objects.filter(order=order).select_related("packed_by")),
            "can_ship": can_ship and bool(lines),
            "ship_form": ShipForm(lines=lines) if can_ship else None,
            "documents": DOCUMENTS if user.has_perm("fulfilment.print_documents") else {},
        },
    )
