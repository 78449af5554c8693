"""Fulfilment's panel on the order page: stock state, shipments, the ship form, document buttons."""

from django.db import connection

from fulfilment.forms import ShipForm
from fulfilment.models import PackingRecord, ReturnRequest, Shipment
from fulfilment.selectors import order_shipments
from fulfilment.services.documents import DOCUMENTS
from fulfilment.services.shipping import SHIPPABLE_FROM

_PRESENT_SQL = f"""
SELECT EXISTS (SELECT 1 FROM {Shipment._meta.db_table} WHERE order_id = %(order)s),
       EXISTS (SELECT 1 FROM {PackingRecord._meta.db_table} WHERE order_id = %(order)s),
       EXISTS (SELECT 1 FROM {ReturnRequest._meta.db_table} WHERE order_id = %(order)s)
"""


def records_present(order) -> frozenset[str]:
    """Which of shipments, packings and returns the order has, in one statement, remembered on the
    order object for the page being built: most orders have none of them yet, and an ORM read with
    its joins and prefetches costs more CPU than this whole statement (SPEC 7's order page)."""
    present = getattr(order, "_fulfilment_records", None)
    if present is None:
        with connection.cursor() as cursor:
            cursor.execute(_PRESENT_SQL, {"order": order.pk})
            row = cursor.fetchone()
        present = frozenset(
            name for name, exists in zip(("shipments", "packings", "returns"), row, strict=True) if exists
        )
        order._fulfilment_records = present
    return present


def order_panel(order, user):
    if order.is_deleted:
        return None
    present = records_present(order)
    shipments = order_shipments(order) if "shipments" in present else []
    can_ship = user.has_perm("fulfilment.ship_order") and order.stage in SHIPPABLE_FROM
    lines = []
    if can_ship:  # the order page has read the lines already (orders.selectors.order_detail)
        lines = getattr(order, "line_list", None) or list(order.lines.all())
        lines = [line for line in lines if line.product_id and line.quantity_open > 0]
    return (
        "fulfilment/_order_panel.html",
        {
            "shipments": shipments,
            "packings": list(PackingRecord.objects.filter(order=order).select_related("packed_by"))
            if "packings" in present
            else [],
            "can_ship": can_ship and bool(lines),
            "ship_form": ShipForm(lines=lines) if can_ship else None,
            "documents": DOCUMENTS if user.has_perm("fulfilment.print_documents") else {},
        },
    )
